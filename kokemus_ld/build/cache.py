"""What the previous build computed, reused for the inputs that did not change.

A build keeps its work in `<build>/cache.<section>.pickle` (parsed YAML, mapped documents,
validated shards), each entry under the content hash of its input. The next build opens
the published build's cache and takes what it finds under the same hashes; what it uses
it writes into its own build folder, so the cache is carried forward and never grows
with stale entries. Every section is stamped with a fingerprint of the code, the
shapes, the vocabulary and the settings that shape the output: when any of them
changes, nothing is reused. A missing, unreadable or foreign cache only means more
work, never a skipped check: a key is the hash of everything its value depends on.
"""

from __future__ import annotations

import hashlib
import pickle
from collections import Counter
from importlib.metadata import version
from pathlib import Path


from ..config import Settings

CACHE_PREFIX = "cache."
_CODE = Path(__file__).resolve().parent.parent  # the kokemus_ld package


def fingerprint(settings: Settings) -> str:
    """The hash of everything every cached value depends on besides its own input."""
    h = hashlib.sha256()
    libraries = [version(name) for name in ("rdflib", "pyshacl", "pyoxigraph", "PyYAML")]
    h.update(repr((settings.base_iri, settings.license, libraries)).encode())
    for folder in (_CODE / "build", _CODE / "vocab.py", Path(settings.shapes_dir), Path(settings.ontology_dir)):
        paths = sorted(folder.rglob("*")) if folder.is_dir() else [folder]
        for path in paths:
            if path.is_file() and path.suffix in (".py", ".ttl"):
                h.update(str(path.relative_to(folder.parent)).encode() + b"\0" + path.read_bytes() + b"\0")
    return h.hexdigest()


def digest(*parts) -> str:
    """A content hash of a few strings or bytes (the key of a cached value).

    Hashed as one string, each part ended by a NUL: the same hash as one update per part, at a
    fraction of the calls (a rebuild makes ~36,000 keys at N = 10,000)."""
    return hashlib.sha256(b"".join((p if isinstance(p, bytes) else str(p).encode()) + b"\0"
                                   for p in parts)).hexdigest()


class BuildCache:
    """The previous build's cache (read) and this build's (written): one dict per section.

    A section's file holds each value pickled on its own, so the next build unpickles only
    the values it asks for and writes the ones it reuses back as the same bytes: a rebuild
    after one edit re-pickled 300 MB of unchanged documents and shards before. Values are
    not changed after `get` or `put` (the bytes kept for a reused value must stay true)."""

    def __init__(self, previous: Path | None, stamp: str):
        self.stamp = stamp
        self.previous = previous
        self.old: dict[str, dict[str, bytes]] = {}  # per section: key -> the value's pickle
        self.new: dict[str, dict] = {}
        self.kept: dict[str, dict[str, tuple]] = {}  # per section: key -> (a reused value, its pickle)
        self.hits: Counter = Counter()  # per section: values reused / computed anew
        self.misses: Counter = Counter()

    def section(self, name: str) -> dict[str, bytes]:
        """The previous build's entries of one section, pickled (empty when missing, corrupt or foreign)."""
        if name not in self.old:
            self.old[name] = self._load(name)
        return self.old[name]

    def _load(self, name: str) -> dict[str, bytes]:
        if self.previous is None:
            return {}
        try:
            with open(self.previous / f"{CACHE_PREFIX}{name}.pickle", "rb") as fh:
                stamp, entries = pickle.load(fh)  # noqa: S301 - our own build folder, written below
        except Exception:  # noqa: BLE001 - anything wrong with a cache file means: recompute
            return {}
        return entries if stamp == self.stamp and isinstance(entries, dict) else {}

    def get(self, name: str, key: str):
        """A value computed before (kept for the next build), or None."""
        value = self.new.get(name, {}).get(key)
        if value is None:
            raw = self.section(name).get(key)
            value = self._value(raw)
            if value is not None:
                self.put(name, key, value)
                self.kept.setdefault(name, {})[key] = (value, raw)
        (self.hits if value is not None else self.misses)[name] += 1
        return value

    @staticmethod
    def _value(raw: bytes | None):
        try:
            return None if raw is None else pickle.loads(raw)  # noqa: S301 - as in _load
        except Exception:  # noqa: BLE001 - a damaged entry is a miss
            return None

    def put(self, name: str, key: str, value) -> None:
        """Remember a value for the next build."""
        self.new.setdefault(name, {})[key] = value

    def reuse(self, name: str) -> "Reuse":
        """A dict view of one section for code that looks values up and fills misses itself."""
        return Reuse(self, name)

    def save(self, build_dir: Path) -> None:
        """Write this build's entries into its folder (before the build is published)."""
        for name, entries in self.new.items():
            kept = self.kept.get(name, {})
            pickled = {key: kept[key][1] if key in kept and kept[key][0] is value
                       else pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL) for key, value in entries.items()}
            with open(build_dir / f"{CACHE_PREFIX}{name}.pickle", "wb") as fh:
                pickle.dump((self.stamp, pickled), fh, protocol=pickle.HIGHEST_PROTOCOL)


class Reuse:
    """A section as a mapping: what is looked up and found, or stored, is kept for the next build."""

    def __init__(self, cache: BuildCache, name: str):
        self.cache, self.name = cache, name

    def get(self, key, default=None):
        """The value of the previous build (or of this one), kept; else `default`."""
        value = self.cache.get(self.name, key)
        return default if value is None else value

    def __setitem__(self, key, value) -> None:
        self.cache.put(self.name, key, value)


def open_cache(settings: Settings) -> BuildCache:
    """The published build's cache under this code's and these inputs' fingerprint."""
    try:
        previous = settings.current_dir.resolve(strict=True)
    except OSError:
        previous = None
    return BuildCache(previous, fingerprint(settings))
