"""The store interface: every query of the site passes `Store.query`, the one choke point.

`query` enforces a row cap (answers hold at most `limit` rows or triples and say when
they were cut) and, for untrusted queries (`isolate=True`), a time limit that really
stops the work. Results are pyoxigraph terms whichever backend answered, so views
and serializers never see backend details.
"""

from __future__ import annotations

import abc
import dataclasses
import re
from typing import Any

import pyoxigraph as ox


class QueryError(Exception):
    """The query is malformed or not allowed (a client error: 400)."""


class QueryTimeout(Exception):
    """The query ran past its time limit and was stopped (503)."""


class StoreUnavailable(Exception):
    """The store could not answer (no build published, or the remote store is down)."""


@dataclasses.dataclass
class QueryResult:
    """A capped answer: `kind` is select, ask or graph."""

    kind: str
    variables: list[str] = dataclasses.field(default_factory=list)
    rows: list[tuple] = dataclasses.field(default_factory=list)  # select: tuples of terms or None
    boolean: bool | None = None
    triples: list[ox.Triple] = dataclasses.field(default_factory=list)
    truncated: bool = False

    def dicts(self) -> list[dict[str, Any]]:
        """Select rows as dicts of variable -> term (unbound variables left out)."""
        return [{v: t for v, t in zip(self.variables, row) if t is not None} for row in self.rows]


_UPDATE = re.compile(
    r"^\s*(?:(?:PREFIX\s+[^\s:]*:\s*<[^>]*>|BASE\s+<[^>]*>)\s*)*"
    r"(INSERT|DELETE|LOAD|CLEAR|CREATE|DROP|COPY|MOVE|ADD|WITH)\b", re.I)


def strip_comments_and_strings(query: str) -> str:
    """The query with comments, strings and IRIs blanked, so keywords can be searched safely."""
    out, i, n = [], 0, len(query)
    while i < n:
        c = query[i]
        if c == "#":
            j = query.find("\n", i)
            i = n if j < 0 else j
        elif c in "\"'":
            triple = query[i:i + 3] in ('"""', "'''")
            end = query[i:i + 3] if triple else c
            j = i + len(end)
            while j < n and not query.startswith(end, j):
                j += 2 if query[j] == "\\" else 1
            out.append(" ")
            i = j + len(end)
        elif c == "<" and re.match(r"<[^\s<>\"{}|^`\\]*>", query[i:]):
            j = query.index(">", i)
            out.append("<>")
            i = j + 1
        else:
            out.append(c)
            i += 1
    return "".join(out)


def check_read_only(query: str, allow_service: bool = False) -> None:
    """Refuse updates, LOAD and (unless allowed) SERVICE before any engine sees the query."""
    bare = strip_comments_and_strings(query)
    if _UPDATE.match(bare) or re.search(r"\b(INSERT\s+DATA|DELETE\s+(DATA|WHERE)|LOAD\s*<|CLEAR\s+(ALL|GRAPH|DEFAULT|NAMED)|DROP\s+(ALL|GRAPH|DEFAULT|NAMED|SILENT))\b", bare, re.I):
        raise QueryError("Päivitykset eivät ole sallittuja: tämä päätepiste on vain luku. / "
                         "Updates are not allowed: this endpoint is read-only (SPARQL UPDATE, LOAD, CLEAR, DROP...).")
    if not allow_service and re.search(r"\bSERVICE\b", bare, re.I):
        raise QueryError("SERVICE (federoitu kysely) ei ole käytössä. / "
                         "SERVICE (federated query) is disabled on this endpoint.")


class Store(abc.ABC):
    """A read-only view of the published dataset (documents in named graphs, union as default)."""

    @abc.abstractmethod
    def query(self, sparql: str, *, limit: int | None = None, timeout: float | None = None,
              isolate: bool = False, default_graphs: list[str] | None = None,
              named_graphs: list[str] | None = None) -> QueryResult:
        """Run a query: at most `limit` rows, at most `timeout` seconds when `isolate`."""

    @abc.abstractmethod
    def build_info(self) -> dict:
        """The published build's meta (build id, dates, hashes, dumps, validation)."""

    def close(self) -> None:
        """Release resources."""

    def add(self, *_args, **_kwargs) -> None:
        """Stores are read-only: writing goes through a build and `load`, never through the site."""
        raise TypeError("kokemus-ld stores are read-only; publish a new build instead")
