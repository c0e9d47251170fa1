"""The store interface: every query of the site passes `Store.query`, the one choke point.

`query` enforces a row cap (answers hold at most `limit` rows or triples and say when
they were cut) and, for untrusted queries (`isolate=True`), a time limit that really
stops the work. Results are pyoxigraph terms whichever backend answered, so views
and serializers never see backend details; a caller that only wants the answer's bytes
passes `finish` (a serializer), which runs where the answer is made, so an isolated
query sends back bytes rather than terms.
"""

from __future__ import annotations

import abc
import dataclasses
import re
from typing import Any, Callable

import pyoxigraph as ox

from ..config import Settings


class QueryError(Exception):
    """The query is malformed or not allowed (a client error: 400)."""


class QueryTimeout(Exception):
    """The query ran past its time limit and was stopped (503)."""


class StoreUnavailable(Exception):
    """The store could not answer (no build published, or the remote store is down)."""


@dataclasses.dataclass
class Dataset:
    """The protocol's dataset: default graphs (their merge) and the named graphs GRAPH may read."""

    default_graphs: list[str]
    named_graphs: list[str]


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


def capped(answer, limit: int) -> QueryResult:
    """A pyoxigraph answer (boolean, solutions, or triples/quads) read up to `limit` rows, cut flagged."""
    if isinstance(answer, ox.QueryBoolean):
        return QueryResult("ask", boolean=bool(answer))
    if isinstance(answer, ox.QuerySolutions):
        variables = [v.value for v in answer.variables]
        rows = []
        for solution in answer:
            if len(rows) == limit:
                return QueryResult("select", variables, rows, truncated=True)
            rows.append(tuple(solution[v] for v in variables))
        return QueryResult("select", variables, rows)
    triples = []
    for t in answer:
        if len(triples) == limit:
            return QueryResult("graph", triples=triples, truncated=True)
        triples.append(t if isinstance(t, ox.Triple) else ox.Triple(t.subject, t.predicate, t.object))
    return QueryResult("graph", triples=triples)


# Keywords are searched in the query with comments, strings and IRIs blanked; a keyword is a
# whole word that is not a variable (?service), a prefixed name (ex:load) or a prefix (load:).
def _keyword(words: str) -> str:
    return rf"(?<![?$:\w.-])(?:{words})(?![\w:-])"


_PROLOGUE = r"^\s*(?:(?:PREFIX\s*[\w.-]*:\s*<>|BASE\s*<>)\s*)*"
_FORM = re.compile(_PROLOGUE + r"(SELECT|ASK|CONSTRUCT|DESCRIBE)(?![\w:-])", re.I)
_UPDATE_OPERATION = re.compile(
    _PROLOGUE + _keyword("INSERT|DELETE|LOAD|CLEAR|CREATE|DROP|COPY|MOVE|ADD|WITH"), re.I)
_UPDATE_ANYWHERE = re.compile(
    _keyword(r"INSERT\s+DATA|DELETE\s+(?:DATA|WHERE)|LOAD\s*(?:SILENT\s*)?<|CLEAR\s+(?:SILENT\s+)?(?:ALL|GRAPH|DEFAULT|NAMED)"
             r"|DROP\s+(?:SILENT\s+)?(?:ALL|GRAPH|DEFAULT|NAMED)"), re.I)
_SERVICE = re.compile(_keyword("SERVICE"), re.I)
_DATASET_CLAUSE = re.compile(_keyword("FROM"), re.I)

READ_ONLY = ("Päivitykset eivät ole sallittuja: tämä päätepiste on vain luku. / "
             "Updates are not allowed: this endpoint is read-only (SPARQL UPDATE, LOAD, CLEAR, DROP...).")


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


def query_form(query: str) -> str | None:
    """The query form (select, ask, construct, describe), or None when the text is no SPARQL query."""
    match = _FORM.match(strip_comments_and_strings(query))
    return match.group(1).lower() if match else None


def has_dataset_clause(query: str) -> bool:
    """Does the query name its own dataset (FROM / FROM NAMED)?"""
    return bool(_DATASET_CLAUSE.search(strip_comments_and_strings(query)))


def check_read_only(query: str, allow_service: bool = False) -> None:
    """Refuse updates, LOAD, non-query text and (unless allowed) SERVICE before any engine sees it.

    Only a prologue of PREFIX and BASE may precede the query form, so engine pragmas such as
    Virtuoso's `DEFINE get:soft` (which makes it fetch FROM IRIs) never pass either.
    """
    bare = strip_comments_and_strings(query)
    if _UPDATE_OPERATION.match(bare) or _UPDATE_ANYWHERE.search(bare):
        raise QueryError(READ_ONLY)
    if not _FORM.match(bare):
        raise QueryError("Tämä ei ole SPARQL-kysely: sallittuja ovat SELECT, ASK, CONSTRUCT ja DESCRIBE. / "
                         "Not a SPARQL query: SELECT, ASK, CONSTRUCT and DESCRIBE are accepted.")
    if not allow_service and _SERVICE.search(bare):
        raise QueryError("SERVICE (federoitu kysely) ei ole käytössä. / "
                         "SERVICE (federated query) is disabled on this endpoint.")


def _unchanged(result: QueryResult) -> QueryResult:
    return result


class Store(abc.ABC):
    """A read-only view of the published dataset (documents in named graphs, union as default).

    Subclasses implement `_execute`; `query` is the one choke point every query passes.
    """

    settings: Settings

    def query(self, sparql: str, *, limit: int | None = None, timeout: float | None = None,
              isolate: bool = False, default_graphs: list[str] | None = None,
              named_graphs: list[str] | None = None, finish: Callable[[QueryResult], Any] | None = None):
        """Run a query: at most `limit` rows, at most `timeout` seconds; `isolate` marks a user's query.

        A user's query is checked read-only first (and SERVICE refused unless allowed) and runs
        where the time limit really stops it. `default_graphs` / `named_graphs` are the protocol's
        default-graph-uri / named-graph-uri: when either is given, they alone make the dataset.
        Returns the QueryResult, or `finish(result)` when given (a module-level function or a
        partial of one, since it may be sent to the process that runs the query).
        """
        limit = self.settings.sparql_row_cap if limit is None else limit
        timeout = self.settings.sparql_timeout if timeout is None else timeout
        if isolate:
            check_read_only(sparql, self.settings.allow_service)
        dataset = Dataset(list(default_graphs or []), list(named_graphs or [])) \
            if default_graphs or named_graphs else None
        return self._execute(sparql, limit, timeout, isolate, dataset, finish or _unchanged)

    @abc.abstractmethod
    def _execute(self, sparql: str, limit: int, timeout: float, isolate: bool,
                 dataset: "Dataset | None", finish: Callable[[QueryResult], Any]):
        """The backend's part of `query`: run with limits already decided, return `finish(result)`."""

    @abc.abstractmethod
    def build_info(self) -> dict:
        """The published build's meta (build id, dates, hashes, dumps, validation)."""

    def close(self) -> None:
        """Release resources."""

    def add(self, *_args, **_kwargs) -> None:
        """Stores are read-only: writing goes through a build and `load`, never through the site."""
        raise TypeError("kokemus-ld stores are read-only; publish a new build instead")
