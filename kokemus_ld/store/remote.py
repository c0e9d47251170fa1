"""A remote SPARQL 1.1 store (Oxigraph server, Fuseki, Virtuoso, GraphDB) over HTTP.

Reading uses the SPARQL 1.1 Protocol; answers are parsed by pyoxigraph into the same
terms the embedded store gives. Loading a build is one SPARQL Update request
(`DROP SILENT ALL; INSERT DATA {...}`), which these servers run as one transaction: the
switch from the old build to the new one is atomic, readers see one or the other.
The server must expose the union of named graphs as the default graph (Oxigraph:
`--union-default-graph` or `?union-default-graph`; Fuseki: `unionDefaultGraph`).
"""

from __future__ import annotations

import json
import socket
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pyoxigraph as ox

from ..build.dataset import DUMP_NAME, read_meta
from ..config import Settings
from .base import QueryError, QueryResult, QueryTimeout, Store, StoreUnavailable

META_GRAPH = "urn:kokemus-ld:build"
META_PREDICATE = "urn:kokemus-ld:meta"
ACCEPT = "application/sparql-results+json, application/n-triples;q=0.9, text/turtle;q=0.5"


class RemoteStore(Store):
    """A SPARQL endpoint elsewhere; the web tier keeps nothing but a short meta cache."""

    def __init__(self, query_url: str, update_url: str | None = None, settings: Settings | None = None):
        self.settings = settings or Settings()
        self.query_url = query_url
        self.update_url = update_url or _default_update_url(query_url)
        self._meta: dict | None = None
        self._meta_at = 0.0

    def query(self, sparql, *, limit=None, timeout=None, isolate=False, default_graphs=None, named_graphs=None):
        """Send a query; cut the answer at `limit`; give up after `timeout` seconds."""
        limit = self.settings.sparql_row_cap if limit is None else limit
        timeout = self.settings.sparql_timeout if timeout is None else timeout
        params = [("default-graph-uri", g) for g in default_graphs or []]
        params += [("named-graph-uri", g) for g in named_graphs or []]
        url = self.query_url
        if params:
            url += ("&" if "?" in url else "?") + urllib.parse.urlencode(params)
        body = urllib.parse.urlencode({"query": sparql}).encode()
        request = urllib.request.Request(url, data=body, method="POST", headers={
            "Accept": ACCEPT, "Content-Type": "application/x-www-form-urlencoded"})
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 - configured URL
                ctype = response.headers.get("Content-Type", "").split(";")[0].strip()
                data = response.read()
        except urllib.error.HTTPError as exc:
            detail = exc.read().decode("utf-8", "replace")[:500]
            if exc.code == 400:
                raise QueryError(detail) from None
            raise StoreUnavailable(f"remote store answered {exc.code}: {detail}") from None
        except (socket.timeout, TimeoutError):
            raise QueryTimeout(f"the remote store did not answer within {timeout:g} s") from None
        except urllib.error.URLError as exc:
            if isinstance(exc.reason, (socket.timeout, TimeoutError)):
                raise QueryTimeout(f"the remote store did not answer within {timeout:g} s") from None
            raise StoreUnavailable(f"remote store unreachable: {exc.reason}") from None
        return _parse(ctype, data, limit)

    def build_info(self) -> dict:
        """The meta of the build loaded into the remote store (cached for a second)."""
        now = time.monotonic()
        if self._meta is None or now - self._meta_at > 1.0:
            r = self.query(f"SELECT ?m WHERE {{ GRAPH <{META_GRAPH}> {{ ?s <{META_PREDICATE}> ?m }} }}",
                           default_graphs=None, limit=2)
            if not r.rows:
                raise StoreUnavailable("no build is loaded into the remote store: run `kokemus-ld load`")
            self._meta = json.loads(r.rows[0][0].value)
            self._meta["_path"] = str(Path(self.settings.publish_dir) / "builds" / self._meta["build_id"])
            self._meta_at = now
        return self._meta

    def load_build(self, build_dir: Path) -> int:
        """Replace the remote store's content with a build, in one transactional update."""
        meta = read_meta(Path(build_dir))
        if meta is None:
            raise StoreUnavailable(f"no build at {build_dir}: run `kokemus-ld build` first")
        nq = Path(meta["_path"]) / f"{DUMP_NAME}.nq"
        parts = ["DROP SILENT ALL ;\nINSERT DATA {\n"]
        count, graph = 0, None
        for quad in ox.parse(path=str(nq), format=ox.RdfFormat.N_QUADS):
            g = quad.graph_name.value
            if g != graph:
                if graph is not None:
                    parts.append("}\n")
                parts.append(f"GRAPH <{g}> {{\n")
                graph = g
            parts.append(f"{quad.subject} {quad.predicate} {quad.object} .\n")
            count += 1
        if graph is not None:
            parts.append("}\n")
        public = {k: v for k, v in meta.items() if not k.startswith("_")}
        literal = json.dumps(json.dumps(public, ensure_ascii=False), ensure_ascii=False)
        parts.append(f"GRAPH <{META_GRAPH}> {{ <{META_GRAPH}> <{META_PREDICATE}> {literal} . }}\n}}\n")
        body = "".join(parts).encode("utf-8")
        request = urllib.request.Request(self.update_url, data=body, method="POST",
                                         headers={"Content-Type": "application/sparql-update"})
        try:
            with urllib.request.urlopen(request, timeout=600) as response:  # noqa: S310 - configured URL
                response.read()
        except urllib.error.HTTPError as exc:
            raise StoreUnavailable(f"loading failed: {exc.code} {exc.read()[:500]!r}") from None
        self._meta = None
        return count


def _default_update_url(query_url: str) -> str:
    base = query_url.split("?", 1)[0]
    if base.endswith("/query"):
        return base[: -len("/query")] + "/update"
    if base.endswith("/sparql"):
        return base + "/update"
    return base.rstrip("/") + "/update"


def _parse(ctype: str, data: bytes, limit: int) -> QueryResult:
    if ctype in ("application/sparql-results+json", "application/json"):
        answer = ox.parse_query_results(data, format=ox.QueryResultsFormat.JSON)
        if isinstance(answer, ox.QueryBoolean):
            return QueryResult("ask", boolean=bool(answer))
        variables = [v.value for v in answer.variables]
        rows = []
        for solution in answer:
            if len(rows) == limit:
                return QueryResult("select", variables, rows, truncated=True)
            rows.append(tuple(solution[v] for v in variables))
        return QueryResult("select", variables, rows)
    fmt = ox.RdfFormat.from_media_type(ctype)
    if fmt is None:
        raise StoreUnavailable(f"the remote store answered in an unexpected format: {ctype}")
    triples = []
    for quad in ox.parse(data, format=fmt):
        if len(triples) == limit:
            return QueryResult("graph", triples=triples, truncated=True)
        triples.append(ox.Triple(quad.subject, quad.predicate, quad.object))
    return QueryResult("graph", triples=triples)
