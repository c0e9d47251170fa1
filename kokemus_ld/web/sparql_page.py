"""The SPARQL query page: the form, the example queries, and answers as a labelled HTML table.

Works without JavaScript: the form is a plain GET form, so every answer has an address to
share. IRIs in an answer are labelled with ONE extra query (`queries/labels.rq`) and
linked locally when they are ours; only http(s) IRIs become links.
"""

from __future__ import annotations

import dataclasses
import re
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlencode

import pyoxigraph as ox
from flask import Response, g

from ..store.base import QueryError, QueryResult, QueryTimeout
from . import i18n
from .negotiation import GRAPH_RESULT_FORMATS, HTML, RESULTS_FORMATS, SPARQL_QUERY
from .pages import page_context
from .queries import QUERY_DIR, named, safe_iri
from .render import html
from .site import data_response, pick, site

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
EXAMPLE_DIR = QUERY_DIR / "examples"
MAX_LABELLED = 1000  # distinct IRIs labelled per answer; the rest show their compact IRI
_HEADER = re.compile(r"^#\s*(title|description)@([a-z]{2}):\s*(.*)$")


@dataclasses.dataclass(frozen=True)
class Example:
    """An example query from `queries/examples/<name>.rq`, with its title and description by language."""

    name: str
    titles: tuple
    descriptions: tuple
    text: str

    def title(self, lang: str) -> str:
        """The title in `lang` (fi -> sv -> en fallback)."""
        return pick(self.titles, lang)[0] or self.name

    def description(self, lang: str) -> str:
        """The description in `lang` (fi -> sv -> en fallback)."""
        return pick(self.descriptions, lang)[0] or ""


@lru_cache(maxsize=1)
def examples() -> tuple[Example, ...]:
    """Every example query, by file name; the comment header gives `# title@fi: ...` lines."""
    out = []
    for path in sorted(EXAMPLE_DIR.glob("*.rq")):
        text = path.read_text(encoding="utf-8")
        fields: dict[str, list] = {"title": [], "description": []}
        for line in text.splitlines():
            match = _HEADER.match(line)
            if match:
                fields[match.group(1)].append(ox.Literal(match.group(3).strip(), language=match.group(2)))
            elif line.strip() and not line.startswith("#"):
                break
        out.append(Example(path.stem, tuple(fields["title"]), tuple(fields["description"]), text))
    return tuple(out)


def example(name: str) -> Example | None:
    """The example called `name`, if there is one."""
    return next((ex for ex in examples() if ex.name == name), None)


def prefilled() -> str:
    """The editor's starting text: the site's prefixes and a small query."""
    prefixes = site().vocab.prefixes
    lines = [f"PREFIX {p}: <{iri}>" for p, iri in sorted(prefixes.items())]
    return "\n".join(lines) + "\n\nSELECT ?activity ?label WHERE {\n  ?activity a kt:Activity ;\n" \
        "    skos:prefLabel ?label .\n}\nLIMIT 20\n"


# -- pages ------------------------------------------------------------------------------------

def query_page(status: int = 200) -> Response:
    """The empty query page (or, for a POST without a query, the page with a notice)."""
    notice = {"kind": "error", "title": "sparql_no_query", "message": None} if status >= 400 else None
    return _render(None, prefilled(), None, notice, status)


def results_page(req, run) -> Response:
    """Run a query for a browser: the form keeps the query, the answer is a table, problems are notices."""
    try:
        result = run(req)
    except QueryTimeout as exc:
        return _render(req, req.query, None, {"kind": "error", "title": "sparql_timeout", "message": str(exc)}, 503)
    except QueryError as exc:
        return _render(req, req.query, None, {"kind": "error", "title": "sparql_error", "message": str(exc)}, 400)
    return _render(req, req.query, result, None, 200)


def example_page(ex: Example) -> Response:
    """One example's own page: title, description, the query, and a link that runs it."""
    lang = g.lang
    run_href = "/sparql?" + urlencode([("query", ex.text)] + ([("lang", lang)] if lang != "fi" else []))
    body = html("sparql-example.html", **page_context(
        "sparql-example", title=ex.title(lang), example=ex, description=ex.description(lang), run_href=run_href,
        rq_href=f"/sparql/examples/{ex.name}.{SPARQL_QUERY.extension}", rq_type=SPARQL_QUERY.media_type))
    return data_response(body, HTML)


def _render(req, text: str, result: QueryResult | None, notice: dict | None, status: int) -> Response:
    s = site()
    lang = g.lang
    table = _table(result, lang) if result is not None else None
    if result is not None and result.truncated:
        notice = {"kind": "warning", "title": None, "message": None, "truncated": s.settings.sparql_row_cap}
    body = html("sparql.html", **page_context(
        "sparql", title=i18n.t("sparql_title", lang), query_text=text, table=table, result=result, notice=notice,
        downloads=_downloads(req, result) if result is not None else [],
        examples=[(ex.name, ex.title(lang), ex.description(lang)) for ex in examples()],
        timeout=f"{s.settings.sparql_timeout:g}", row_cap=s.settings.sparql_row_cap,
        data_formats=", ".join(f.label for f in RESULTS_FORMATS + GRAPH_RESULT_FORMATS if f is not HTML)))
    response = data_response(body, HTML, status=status, cache_seconds=0 if status >= 400 else 60)
    if result is not None and result.truncated:
        response.headers["X-Truncated"] = "true"
    return response


def _downloads(req, result: QueryResult) -> list[tuple[str, str]]:
    """(href, label) of the answer in every data format its kind has."""
    offered = GRAPH_RESULT_FORMATS if result.kind == "graph" else RESULTS_FORMATS
    params = [("query", req.query)] + [("default-graph-uri", u) for u in req.default_graphs] \
        + [("named-graph-uri", u) for u in req.named_graphs]
    return [("/sparql?" + urlencode(params + [("format", f.name)]), f.label) for f in offered if f is not HTML]


# -- the answer as a table ----------------------------------------------------------------------

def _table(result: QueryResult, lang: str) -> dict:
    """Columns and rows of cells (text, link, language, compact IRI) for the template."""
    if result.kind == "ask":
        return {"columns": [], "rows": [], "boolean": result.boolean}
    if result.kind == "graph":
        columns = ["sparql_subject", "sparql_predicate", "sparql_object"]
        rows = [(t.subject, t.predicate, t.object) for t in result.triples]
    else:
        columns = result.variables
        rows = result.rows
    labels = _labels({t.value for row in rows for t in row if isinstance(t, ox.NamedNode)}, lang)
    return {"columns": columns, "rows": [[_cell(t, labels) for t in row] for row in rows],
            "boolean": None, "graph": result.kind == "graph"}


def _labels(iris: set[str], lang: str) -> dict[str, tuple[str, str | None]]:
    """IRI -> (label, language) for the IRIs of an answer, in one query."""
    usable = []
    for iri in sorted(iris)[:MAX_LABELLED]:
        try:
            usable.append(safe_iri(iri))
        except ValueError:
            continue
    if not usable:
        return {}
    found: dict[str, list] = {}
    for row in site().store.query(named("labels", iris=usable), limit=len(usable) * 20).rows:
        found.setdefault(row[0].value, []).append(row[1])
    return {iri: pick(literals, lang) for iri, literals in found.items()}


def _cell(term, labels: dict) -> dict:
    if term is None:
        return {"text": ""}
    if isinstance(term, ox.NamedNode):
        iri = term.value
        label, used = labels.get(iri, (None, None))
        href = site().link(iri) if iri.startswith(("http://", "https://")) else None
        return {"text": label or _compact(iri), "lang": used, "href": href, "iri": _compact(iri) if label else None}
    if isinstance(term, ox.Literal):
        return {"text": term.value, "lang": term.language}
    if isinstance(term, ox.BlankNode):
        return {"text": f"_:{term.value}"}
    return {"text": str(term)}


def _compact(iri: str) -> str:
    """`ktc:kr-nuoret` for a known namespace, the IRI itself otherwise."""
    for prefix, ns in site().vocab.prefixes.items():
        if iri.startswith(ns) and re.fullmatch(r"[\w.-]*", iri[len(ns):]):
            return f"{prefix}:{iri[len(ns):]}"
    return iri
