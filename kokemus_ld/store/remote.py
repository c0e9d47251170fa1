"""A remote SPARQL 1.1 store over HTTP: Oxigraph server, Apache Jena Fuseki, GraphDB, Virtuoso.

Reading uses the SPARQL 1.1 Protocol (POST, form-encoded, `default-graph-uri` /
`named-graph-uri` passed through); answers are streamed through pyoxigraph's parsers
into the same terms the embedded store gives, and reading stops at the row cap.

Loading a build (`kokemus-ld load --store URL`) is ONE SPARQL 1.1 Update request: drop
the graphs of the loaded build and of the new one (never `DROP ALL`, so a shared quad
store keeps its other graphs), then `INSERT DATA` every document graph and the build's
meta. The servers below run one update request as one transaction, so readers see
the old build or the new one, never a mix or an empty store.

What each server needs:

- **Oxigraph server** (`oxigraph serve --location DIR --union-default-graph`): query
  `http://host:7878/query`, update `/update` (derived). `--union-default-graph` makes
  the default graph the union of the document graphs, which the site's queries read.
  Oxigraph has no working per-query time limit: when our HTTP timeout gives up, the
  server keeps computing (it kept a core busy for minutes in engine-measurements.md),
  and it forwards `SERVICE` to any address; both are why user queries are checked
  before they are sent and why a deployment should firewall the server's egress.
- **Apache Jena Fuseki** (TDB2): query `http://host:3030/ds/query` (or `/ds/sparql`),
  update `/ds/update`; set `tdb2:unionDefaultGraph true` on the dataset, and
  `arq:queryTimeout` in the server config so the server stops runaway queries itself.
- **GraphDB**: query `http://host:7200/repositories/kokemus`, update
  `.../repositories/kokemus/statements` (set `store_update`); GraphDB's default graph
  is already the union of all graphs; set `graphdb.query.timeout`.
- **Virtuoso**: query and update `http://host:8890/sparql` (set `store_update` to the
  same URL; the SPARQL user needs `SPARQL_UPDATE`). Its default graph is the union of
  all graphs in the quad store; set `MaxQueryExecutionTime`, keep the Sponger off, and
  note that Virtuoso's `INSERT DATA` has a size limit and runs with row autocommit
  unless `log_enable` is set: large loads there are not atomic.

Time limits: the HTTP timeout (`sparql_timeout`) bounds each wait on the socket, so the
client gets its 503 in time; stopping the work is the server's own setting named above.
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
from ..build.dumps import open_dump
from ..config import Settings
from .base import QueryError, QueryTimeout, Store, StoreUnavailable, capped

META_GRAPH = "urn:kokemus-ld:build"
META_PREDICATE = "urn:kokemus-ld:meta"
RESULTS_JSON = "application/sparql-results+json"
ACCEPT = f"{RESULTS_JSON}, application/n-triples;q=0.9, text/turtle;q=0.5"
LOAD_TIMEOUT = 600


class RemoteStore(Store):
    """A SPARQL endpoint elsewhere; the web tier keeps nothing but a short meta cache."""

    def __init__(self, query_url: str, update_url: str | None = None, settings: Settings | None = None):
        self.settings = settings or Settings()
        self.query_url = query_url
        self.update_url = update_url or _default_update_url(query_url)
        self._meta: dict | None = None
        self._meta_at = 0.0

    def _execute(self, sparql, limit, timeout, isolate, dataset, finish):
        """Send the query; read the answer up to `limit`; give up waiting after `timeout` seconds."""
        params = [("query", sparql)]
        if dataset is not None:
            params += [("default-graph-uri", g) for g in dataset.default_graphs]
            params += [("named-graph-uri", g) for g in dataset.named_graphs]
        request = urllib.request.Request(self.query_url, data=urllib.parse.urlencode(params).encode(),
                                         method="POST", headers={
                                             "Accept": ACCEPT, "Content-Type": "application/x-www-form-urlencoded"})
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 - configured URL
                result = _read(response, limit)
        except urllib.error.HTTPError as exc:
            detail = exc.read().decode("utf-8", "replace")[:1000]
            if exc.code == 400:
                raise QueryError(f"SPARQL-virhe / SPARQL error: {detail}") from None
            raise StoreUnavailable(f"remote store answered {exc.code}: {detail}") from None
        except urllib.error.URLError as exc:
            if _is_timeout(exc.reason):
                raise _timeout(timeout) from None
            raise StoreUnavailable(f"remote store unreachable: {exc.reason}") from None
        except OSError as exc:  # a timeout while reading the answer, maybe wrapped by the parser
            if _is_timeout(exc):
                raise _timeout(timeout) from None
            raise StoreUnavailable(f"remote store failed: {exc}") from None
        return finish(result)

    def build_info(self) -> dict:
        """The meta of the build loaded into the remote store (cached for a second)."""
        now = time.monotonic()
        if self._meta is None or now - self._meta_at > 1.0:
            meta = self._loaded_meta()
            if meta is None:
                raise StoreUnavailable("no build is loaded into the remote store: run `kokemus-ld load`")
            meta["_path"] = str(Path(self.settings.publish_dir) / "builds" / meta["build_id"])
            self._meta, self._meta_at = meta, now
        return self._meta

    def _loaded_meta(self) -> dict | None:
        r = self.query(f"SELECT ?m WHERE {{ GRAPH <{META_GRAPH}> {{ ?s <{META_PREDICATE}> ?m }} }}", limit=1)
        return json.loads(r.rows[0][0].value) if r.rows else None

    def load_build(self, build_dir: Path) -> int:
        """Replace the loaded build with the one in `build_dir`, in one transactional update."""
        meta = read_meta(Path(build_dir))
        if meta is None:
            raise StoreUnavailable(f"no build at {build_dir}: run `kokemus-ld build` first")
        old = self._loaded_meta() or {}
        with open_dump(Path(meta["_path"]), f"{DUMP_NAME}.nq") as nquads:
            quads = list(ox.parse(nquads, format=ox.RdfFormat.N_QUADS))
        graphs = {q.graph_name for q in quads if isinstance(q.graph_name, ox.NamedNode)}
        graphs |= {ox.NamedNode(g) for g in old.get("hashes", {})} | {ox.NamedNode(META_GRAPH)}
        public = {k: v for k, v in meta.items() if not k.startswith("_")}
        quads.append(ox.Quad(ox.NamedNode(META_GRAPH), ox.NamedNode(META_PREDICATE),
                             ox.Literal(json.dumps(public, ensure_ascii=False)), ox.NamedNode(META_GRAPH)))
        body = "".join(f"DROP SILENT GRAPH {g} ;\n" for g in sorted(graphs, key=str)) + _insert_data(quads)
        request = urllib.request.Request(self.update_url, data=body.encode("utf-8"), method="POST",
                                         headers={"Content-Type": "application/sparql-update"})
        try:
            with urllib.request.urlopen(request, timeout=LOAD_TIMEOUT) as response:  # noqa: S310 - configured URL
                response.read()
        except urllib.error.HTTPError as exc:
            raise StoreUnavailable(f"loading failed: {exc.code} {exc.read()[:500]!r}") from None
        except urllib.error.URLError as exc:
            raise StoreUnavailable(f"remote store unreachable: {exc.reason}") from None
        self._meta = None
        return len(quads) - 1


def _insert_data(quads) -> str:
    """One INSERT DATA block with a GRAPH group per graph (terms written as N-Triples)."""
    by_graph: dict = {}
    for q in quads:
        by_graph.setdefault(q.graph_name, []).append(f"{q.subject} {q.predicate} {q.object} .\n")
    parts = ["INSERT DATA {\n"]
    for graph, lines in by_graph.items():
        named = isinstance(graph, ox.NamedNode)
        parts += [f"GRAPH {graph} {{\n" if named else "", *lines, "}\n" if named else ""]
    parts.append("}\n")
    return "".join(parts)


def _read(response, limit: int):
    """Stream-parse an answer (SPARQL JSON results, or an RDF graph) up to `limit` rows."""
    ctype = response.headers.get("Content-Type", "").split(";")[0].strip()
    try:
        if ctype in (RESULTS_JSON, "application/json"):
            return capped(ox.parse_query_results(response, format=ox.QueryResultsFormat.JSON), limit)
        fmt = ox.RdfFormat.from_media_type(ctype)
        if fmt is None:
            raise StoreUnavailable(f"the remote store answered in an unexpected format: {ctype}")
        return capped(ox.parse(response, format=fmt), limit)
    except SyntaxError as exc:
        raise StoreUnavailable(f"the remote store's answer could not be read: {exc}") from None


def _is_timeout(exc) -> bool:
    return isinstance(exc, (socket.timeout, TimeoutError)) or "timed out" in str(exc)


def _timeout(seconds: float) -> QueryTimeout:
    return QueryTimeout(f"SPARQL-palvelin ei vastannut {seconds:g} sekunnissa / "
                        f"the remote store did not answer within {seconds:g} seconds")


def _default_update_url(query_url: str) -> str:
    base = query_url.split("?", 1)[0]
    if base.endswith("/query"):
        return base[: -len("/query")] + "/update"
    if base.endswith("/sparql"):
        return base + "/update"
    return base.rstrip("/") + "/update"
