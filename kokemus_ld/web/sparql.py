"""The SPARQL 1.1 Protocol endpoint at /sparql: protocol -> store (limits, read-only) -> results.

A query comes by GET `?query=`, by POST `application/x-www-form-urlencoded` or by POST
`application/sparql-query`, with `default-graph-uri` / `named-graph-uri` passed through
to the store. The answer's format is negotiated before the query runs: a `format`
parameter naming a format this kind of answer has wins (clients such as SPARQLWrapper
send several, `format=xml` even for CONSTRUCT, so one that does not fit is passed over),
then Accept. Every query goes through `store.query(..., isolate=True)`: read-only check,
SERVICE refused unless allowed, time limit and row cap; a cut answer says so in
`X-Truncated: true`. Without a query, GET answers a browser with the query page, an RDF
client with the Service Description, and anyone else with 400.
"""

from __future__ import annotations

import dataclasses
import functools

import pyoxigraph as ox
from flask import Blueprint, Response, redirect, request

from ..store.base import READ_ONLY, QueryError, QueryResult, QueryTimeout, query_form
from ..vocab import SD, VOID, XSD
from .errors import ClientError
from .negotiation import (FORM, GRAPH_RESULT_FORMATS, HTML, RESULTS_FORMATS, SPARQL_QUERY, SPARQL_UPDATE, Format,
                          NotAcceptable, by_name, negotiate)
from .queries import safe_iri
from .render import graph_bytes, results_bytes
from .site import data_response, site
from . import sparql_page

bp = Blueprint("sparql", __name__)

SERVICE_DESCRIPTION = sparql_page.TEMPLATES / "sparql-service.ttl"
# Everything GET /sparql without a query can be asked for: RDF (the Service Description),
# the HTML page, or a results format (which needs a query: 400).
NO_QUERY_FORMATS = GRAPH_RESULT_FORMATS + [f for f in RESULTS_FORMATS if f is not HTML]
PREFLIGHT_SECONDS = 86400


@dataclasses.dataclass
class ProtocolRequest:
    """What a client sent, whichever way: the query, the dataset and the formats it named."""

    query: str | None
    default_graphs: list[str]
    named_graphs: list[str]
    formats: list[str]


@bp.route("/sparql", methods=["GET", "POST", "OPTIONS"])
def endpoint():
    """The SPARQL 1.1 Protocol: a query in, results (or a graph) out in the negotiated format."""
    if request.method == "OPTIONS":
        return _preflight()
    s = site()
    req = _read_request(s.settings.sparql_max_query_bytes)
    if req.query is None:
        return _without_query(req)
    form = query_form(req.query)
    offered = GRAPH_RESULT_FORMATS if form in ("construct", "describe") else RESULTS_FORMATS
    fmt = _choose(req.formats, offered)
    if fmt is HTML:
        return sparql_page.results_page(req, run)
    # Serialized where the query runs (the store's query child), so only bytes come back.
    serialized = functools.partial(answer_bytes, fmt.name, s.vocab.prefixes)
    if not s.settings.sparql_cache:
        return _respond(*run(req, serialized))
    # The dataset is immutable between builds, so an answer is cached per build (small ones only).
    key = ("sparql", req.query, tuple(req.default_graphs), tuple(req.named_graphs), fmt.name)
    return _respond(*s.cached(key, lambda: run(req, serialized), keep=_small))


def run(req: ProtocolRequest, finish=None):
    """The user's query through the store's choke point, with this app's limits (then `finish`, if given)."""
    s = site()
    return s.store.query(req.query, limit=s.settings.sparql_row_cap, timeout=s.settings.sparql_timeout,
                         isolate=True, default_graphs=req.default_graphs, named_graphs=req.named_graphs,
                         finish=finish)


def answer_bytes(fmt_name: str, prefixes: dict[str, str], result: QueryResult) -> tuple[bytes, str, bool]:
    """A result in the named format, or the first its kind has: body, format name, cut or not."""
    fmt = by_name(fmt_name, ANSWER_FORMATS)
    if result.kind == "graph":
        fmt = fmt if fmt in GRAPH_RESULT_FORMATS else GRAPH_RESULT_FORMATS[0]
        body = graph_bytes(result.triples, fmt, prefixes)
    else:
        fmt = fmt if fmt in RESULTS_FORMATS else RESULTS_FORMATS[0]
        body = results_bytes(result.variables, result.rows, fmt, result.boolean)
    return body, fmt.name, result.truncated


MAX_CACHED_ANSWER = 1 << 20
ANSWER_FORMATS = RESULTS_FORMATS + GRAPH_RESULT_FORMATS


def _small(value) -> bool:
    return len(value[0]) <= MAX_CACHED_ANSWER


def _respond(body: bytes, fmt_name: str, truncated: bool) -> Response:
    """A data answer; a cut one carries `X-Truncated: true`."""
    response = data_response(body, by_name(fmt_name, ANSWER_FORMATS))
    if truncated:
        response.headers["X-Truncated"] = "true"
    return response


# -- reading the request ----------------------------------------------------------------------

def _read_request(max_bytes: int) -> ProtocolRequest:
    """The protocol's three ways of sending a query, as one `ProtocolRequest` (or a 4xx)."""
    params = request.args
    query = None
    if request.method == "POST":
        mimetype = request.mimetype
        if mimetype == SPARQL_UPDATE.media_type:
            raise ClientError(415, READ_ONLY)
        if mimetype == FORM.media_type:
            params = request.form
            if "update" in params:
                raise QueryError(READ_ONLY)
        elif mimetype == SPARQL_QUERY.media_type:
            query = request.get_data(as_text=True)
        else:
            raise ClientError(415, f"Lähetä kysely muodossa {SPARQL_QUERY.media_type} tai {FORM.media_type}. / "
                                   f"Send the query as {SPARQL_QUERY.media_type} or {FORM.media_type}.")
    if query is None:
        values = params.getlist("query")
        if len(values) > 1:
            raise ClientError(400, "Vain yksi query-parametri. / Only one `query` parameter, please.")
        query = values[0] if values else None
    if query is not None and len(query.encode("utf-8")) > max_bytes:
        raise ClientError(413, f"Kysely on yli {max_bytes} tavua. / The query is over {max_bytes} bytes.")
    return ProtocolRequest(query if query and query.strip() else None,
                           _graphs(params.getlist("default-graph-uri")), _graphs(params.getlist("named-graph-uri")),
                           request.values.getlist("format"))


def _graphs(values: list[str]) -> list[str]:
    try:
        return [safe_iri(v.strip()) for v in values]
    except ValueError as exc:
        raise ClientError(400, f"Graafin IRI ei kelpaa. / Not a usable graph IRI: {exc}") from None


def _choose(names: list[str], offered: list[Format]) -> Format:
    """The first named format this kind of answer has, else the best Accept match (or 406)."""
    for name in names:
        fmt = by_name(name, offered)
        if fmt is not None:
            return fmt
    return negotiate(request.headers.get("Accept"), offered)


# -- no query ---------------------------------------------------------------------------------

def _without_query(req: ProtocolRequest) -> Response:
    """A browser gets the query page, an RDF client the Service Description, others a 400."""
    try:
        fmt = _choose(req.formats, NO_QUERY_FORMATS)
    except NotAcceptable:
        fmt = None
    if fmt is HTML:
        return sparql_page.query_page(status=400 if request.method == "POST" else 200)
    if request.method == "GET" and fmt in GRAPH_RESULT_FORMATS:
        return _service_description(fmt)
    raise ClientError(400, "Kysely puuttuu: anna parametri `query`. / No query: send the `query` parameter.")


def _service_description(fmt: Format) -> Response:
    """The SPARQL 1.1 Service Description of this endpoint, with the build's size."""
    s = site()

    def make() -> bytes:
        endpoint_iri = s.vocab.sparql
        quads = list(ox.parse(path=str(SERVICE_DESCRIPTION), format=ox.RdfFormat.TURTLE, base_iri=endpoint_iri))
        union = ox.NamedNode(endpoint_iri + "#union")
        info = s.store.build_info()
        quads.append(ox.Quad(union, ox.NamedNode(str(VOID.triples)),
                             ox.Literal(str(info["triples"]), datatype=ox.NamedNode(str(XSD.integer)))))
        if s.settings.allow_service:
            quads.append(ox.Quad(ox.NamedNode(endpoint_iri + "#service"), ox.NamedNode(str(SD.feature)),
                                 ox.NamedNode(str(SD.BasicFederatedQuery))))
        return graph_bytes(quads, fmt, {**s.vocab.prefixes, "sd": str(SD), "void": str(VOID)})

    body = s.cached(("sparql-service", fmt.name), make)
    return data_response(body, fmt, modified=s.store.build_info().get("built"))


# -- CORS -------------------------------------------------------------------------------------

def _preflight() -> Response:
    """Answer a CORS preflight: any origin may GET or POST queries with a Content-Type."""
    response = Response(status=204)
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Access-Control-Allow-Methods"] = "GET, POST, OPTIONS"
    response.headers["Access-Control-Allow-Headers"] = "Content-Type, Accept, Accept-Language"
    response.headers["Access-Control-Max-Age"] = str(PREFLIGHT_SECONDS)
    response.headers["Allow"] = "GET, HEAD, POST, OPTIONS"
    return response


# -- example queries --------------------------------------------------------------------------

@bp.route("/sparql/examples")
def examples():
    """The examples are listed on the query page."""
    return redirect("/sparql#examples", code=302)


@bp.route("/sparql/examples/<name>")
def example(name: str):
    """One example query: its page (title, description, query, run link) or its `.rq` text."""
    stem, dot, ext = name.rpartition(".")
    explicit = SPARQL_QUERY.name if dot and ext == SPARQL_QUERY.extension else request.args.get("format")
    ex = sparql_page.example(stem if dot and ext == SPARQL_QUERY.extension else name)
    if ex is None:
        raise ClientError(404, "Tällaista esimerkkikyselyä ei ole. / There is no such example query.")
    fmt = negotiate(request.headers.get("Accept"), [HTML, SPARQL_QUERY], explicit)
    if fmt is SPARQL_QUERY:
        return data_response(ex.text, SPARQL_QUERY)
    return sparql_page.example_page(ex)
