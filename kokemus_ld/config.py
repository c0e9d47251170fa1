"""Settings: one documented table, read from the environment or passed in by tests.

Every setting has a name, a default and a help text; `Settings.from_env()` reads
`KOKEMUS_<NAME>` variables, and the README's settings table is checked against
`SETTINGS` by a test so none goes undocumented.
"""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# name, default, help: the one table of settings.
SETTINGS: list[tuple[str, object, str]] = [
    ("base_iri", "https://kokemus.vslj.fi/", "Canonical base of every IRI in the data; requests are mapped onto it."),
    ("data_dir", str(ROOT / "data"), "Folder of the editors' YAML files."),
    ("ontology_dir", str(ROOT / "ontology"), "Folder of the vocabulary and the SKOS concept schemes (Turtle)."),
    ("shapes_dir", str(ROOT / "shapes"), "Folder of the SHACL shapes (Turtle)."),
    ("publish_dir", str(ROOT / "var"), "Where builds are written; `current` points at the published one."),
    ("license", "http://creativecommons.org/licenses/by/4.0/", "Licence IRI of the published data (VSLJ's choice)."),
    ("store", "embedded", "`embedded` (pyoxigraph in process) or the URL of a remote SPARQL 1.1 query endpoint."),
    ("store_update", "", "Remote store only: SPARQL 1.1 update endpoint URL (default: the query URL with /update)."),
    ("sparql_timeout", 10.0, "Seconds a SPARQL query may run before it is stopped."),
    ("sparql_row_cap", 10000, "Most rows (or triples) a SPARQL answer may hold; more is cut and flagged."),
    ("sparql_max_query_bytes", 32768, "Largest SPARQL query text accepted."),
    ("allow_service", False, "Allow SPARQL SERVICE (federation) in user queries. Off: no outbound requests."),
    ("page_size", 50, "Rows per page in listings, backlinks and feeds."),
    ("cache_size", 4096, "Entries in each per-worker cache keyed by build: data for pages, and finished answers."),
    ("sparql_cache", True, "Cache SPARQL answers (under 1 MiB) per build; the data cannot change within a build."),
    ("sparql_processes", 2, "Query children kept per worker process (embedded store): each answers a user's "
                            "SPARQL query at a time, holds the store copy-on-write and is killed at the time limit."),
    ("store_memory_quads", 2_000_000, "Embedded store: a build of at most this many quads is held in memory (fastest; "
                                      "~340 bytes a quad). A larger one is served from an on-disk copy made once per "
                                      "build and opened read-only by every process (memory stays bounded; uncached "
                                      "queries 2-10x slower). 0: always on disk."),
]


@dataclasses.dataclass(frozen=True)
class Settings:
    """The settings of one process; immutable, so it can be shared by threads."""

    base_iri: str = "https://kokemus.vslj.fi/"
    data_dir: str = str(ROOT / "data")
    ontology_dir: str = str(ROOT / "ontology")
    shapes_dir: str = str(ROOT / "shapes")
    publish_dir: str = str(ROOT / "var")
    license: str = "http://creativecommons.org/licenses/by/4.0/"
    store: str = "embedded"
    store_update: str = ""
    sparql_timeout: float = 10.0
    sparql_row_cap: int = 10000
    sparql_max_query_bytes: int = 32768
    allow_service: bool = False
    page_size: int = 50
    cache_size: int = 4096
    sparql_cache: bool = True
    sparql_processes: int = 2
    store_memory_quads: int = 2_000_000

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None, **overrides) -> "Settings":
        """Settings from `KOKEMUS_*` environment variables, then explicit overrides."""
        environ = os.environ if environ is None else environ
        values: dict[str, object] = {}
        for name, default, _help in SETTINGS:
            raw = environ.get("KOKEMUS_" + name.upper())
            if raw is not None:
                values[name] = _coerce(raw, default)
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)

    def replace(self, **changes) -> "Settings":
        """A copy with some settings changed."""
        return dataclasses.replace(self, **changes)

    @property
    def current_dir(self) -> Path:
        """The published build (a symlink switched atomically by the build)."""
        return Path(self.publish_dir) / "current"


def _coerce(raw: str, default: object) -> object:
    if isinstance(default, bool):
        return raw.strip().lower() in {"1", "true", "yes", "on"}
    if isinstance(default, int):
        return int(raw)
    if isinstance(default, float):
        return float(raw)
    return raw
