"""Content negotiation: the only module that knows media-type strings.

One table of formats; an explicit format (file extension or `?format=`) wins over
the Accept header; Accept is parsed with q-values and wildcards, within limits.
"""

from __future__ import annotations

import dataclasses

import pyoxigraph as ox


@dataclasses.dataclass(frozen=True)
class Format:
    """One representation: its short name, media type, file extension and serializer."""

    name: str
    media_type: str
    extension: str
    rdf: ox.RdfFormat | None = None
    results: ox.QueryResultsFormat | None = None
    label: str = ""

    @property
    def content_type(self) -> str:
        """The Content-Type header value (text types carry their charset)."""
        text = self.media_type.startswith("text/") or self.media_type in (
            "application/ld+json", "application/json", "application/sparql-results+json", "application/sparql-query")
        return f"{self.media_type}; charset=utf-8" if text else self.media_type


HTML = Format("html", "text/html", "html", label="HTML")
TURTLE = Format("turtle", "text/turtle", "ttl", ox.RdfFormat.TURTLE, label="Turtle")
JSONLD = Format("jsonld", "application/ld+json", "jsonld", ox.RdfFormat.JSON_LD, label="JSON-LD")
NTRIPLES = Format("ntriples", "application/n-triples", "nt", ox.RdfFormat.N_TRIPLES, label="N-Triples")
RDFXML = Format("rdfxml", "application/rdf+xml", "rdf", ox.RdfFormat.RDF_XML, label="RDF/XML")
TRIG = Format("trig", "application/trig", "trig", ox.RdfFormat.TRIG, label="TriG")
NQUADS = Format("nquads", "application/n-quads", "nq", ox.RdfFormat.N_QUADS, label="N-Quads")
SRJ = Format("json", "application/sparql-results+json", "srj", results=ox.QueryResultsFormat.JSON, label="SPARQL JSON")
SRX = Format("xml", "application/sparql-results+xml", "srx", results=ox.QueryResultsFormat.XML, label="SPARQL XML")
CSV = Format("csv", "text/csv", "csv", results=ox.QueryResultsFormat.CSV, label="CSV")
TSV = Format("tsv", "text/tab-separated-values", "tsv", results=ox.QueryResultsFormat.TSV, label="TSV")
JSON = Format("json", "application/json", "json", label="JSON")
XML = Format("xml", "application/xml", "xml", label="XML")
TEXT = Format("text", "text/plain", "txt", label="text")
SPARQL_QUERY = Format("sparql", "application/sparql-query", "rq", label="SPARQL")
SPARQL_UPDATE = Format("sparql-update", "application/sparql-update", "ru", label="SPARQL Update")
FORM = Format("form", "application/x-www-form-urlencoded", "", label="HTML form")
ACTIVITY = Format("activity", "application/activity+json", "json", label="Activity Streams 2.0")
GZIP = Format("gzip", "application/gzip", "gz", label="gzip")

# What each kind of response can be.
RESOURCE_FORMATS = [HTML, TURTLE, JSONLD, NTRIPLES, RDFXML, TRIG, NQUADS]
# SPARQL answers: HTML last, so `*/*` (curl, scripts) gets data and browsers, naming text/html, a page.
RESULTS_FORMATS = [SRJ, SRX, CSV, TSV, HTML]
GRAPH_RESULT_FORMATS = [TURTLE, JSONLD, NTRIPLES, RDFXML, HTML]
ERROR_FORMATS = [HTML, JSON, TURTLE, JSONLD, TEXT]
FEED_FORMATS = [HTML, ACTIVITY, JSONLD, JSON]
# Aliases people type in `?format=`.
ALIASES = {"ttl": "turtle", "json-ld": "jsonld", "nt": "ntriples", "n-triples": "ntriples",
           "rdf": "rdfxml", "xml-rdf": "rdfxml", "rdf+xml": "rdfxml", "nq": "nquads",
           "srj": "json", "srx": "xml", "sparql-json": "json", "sparql-xml": "xml", "htm": "html"}

MAX_ACCEPT_LENGTH = 2048
MAX_ACCEPT_ITEMS = 40


class NotAcceptable(Exception):
    """No offered format matches; carries what is offered for the 406 body."""

    def __init__(self, offered: list[Format]):
        super().__init__("not acceptable")
        self.offered = offered


def by_name(name: str, offered: list[Format]) -> Format | None:
    """A format named explicitly (`turtle`, `ttl`, `text/turtle`), if offered."""
    key = name.strip().lower()
    key = ALIASES.get(key, key)
    for f in offered:
        if key in (f.name, f.extension, f.media_type):
            return f
    return None


def by_extension(ext: str, offered: list[Format]) -> Format | None:
    """A format named by a file extension, if offered."""
    for f in offered:
        if ext == f.extension or ALIASES.get(ext) == f.name:
            return f
    return None


def parse_accept(header: str | None) -> list[tuple[str, float]]:
    """Media ranges with q-values, best first; malformed parts are skipped, never fatal."""
    if not header:
        return [("*/*", 1.0)]
    ranges = []
    for i, part in enumerate(header[:MAX_ACCEPT_LENGTH].split(",")[:MAX_ACCEPT_ITEMS]):
        fields = [f.strip() for f in part.split(";")]
        media = fields[0].lower()
        if "/" not in media:
            continue
        q = _q_value(fields[1:])
        if q is None:
            continue
        ranges.append((media, q, -i))
    if not ranges:  # nothing usable in the header: answer as if it were absent (RFC 9110 12.5.1)
        return [("*/*", 1.0)]
    ranges.sort(key=lambda r: (r[1], _specificity(r[0]), r[2]), reverse=True)
    return [(m, q) for m, q, _ in ranges]


def _q_value(params: list[str]) -> float | None:
    """The q parameter of a media range (1 when absent); None when it is not a number in 0..1."""
    for param in params:
        if param.lower().startswith("q="):
            try:
                q = float(param[2:])
            except ValueError:
                return None
            return q if 0.0 <= q <= 1.0 else None
    return 1.0


def _specificity(media: str) -> int:
    return 0 if media == "*/*" else 1 if media.endswith("/*") else 2


def negotiate(accept: str | None, offered: list[Format], explicit: str | None = None) -> Format:
    """The format to answer in: explicit name first, then the best Accept match, else 406."""
    if explicit:
        chosen = by_name(explicit, offered)
        if chosen is None:
            raise NotAcceptable(offered)
        return chosen
    ranges = parse_accept(accept)
    # highest q first; at equal q a type the client named outranks one it only allowed by a
    # wildcard (`*/*, application/trig` -> TriG); then the order of `offered`
    best, best_rank = None, (0.0, -1)
    for f in offered:
        rank = _quality(f.media_type, ranges)
        if rank[0] > 0 and rank > best_rank:
            best, best_rank = f, rank
    if best is None:
        raise NotAcceptable(offered)
    return best


def _quality(media_type: str, ranges: list[tuple[str, float]]) -> tuple[float, int]:
    """(q-value, specificity) of the most specific range that matches a media type."""
    main = media_type.split("/")[0]
    best_spec, q = -1, 0.0
    for media, value in ranges:
        spec = 2 if media == media_type else 1 if media == f"{main}/*" else 0 if media == "*/*" else -1
        if spec > best_spec:
            best_spec, q = spec, value
    return (q, best_spec) if best_spec >= 0 else (0.0, -1)
