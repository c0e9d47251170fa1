"""Rendering: the only module that serializes graphs and renders templates."""

from __future__ import annotations

import csv
import io
import json
import re
from xml.sax.saxutils import escape as xml_escape

import pyoxigraph as ox
from flask import current_app, render_template
from markupsafe import Markup

from .negotiation import CSV, SRJ, SRX, TSV, Format


def graph_bytes(triples, fmt: Format, prefixes: dict[str, str] | None = None) -> bytes:
    """Serialize triples (or quads, for dataset formats) in an RDF format."""
    kwargs = {}
    if prefixes and fmt.rdf in (ox.RdfFormat.TURTLE, ox.RdfFormat.TRIG, ox.RdfFormat.RDF_XML):
        kwargs["prefixes"] = prefixes
    if fmt.rdf.supports_datasets:
        triples = [t if isinstance(t, ox.Quad) else ox.Quad(t.subject, t.predicate, t.object) for t in triples]
    else:
        triples = [ox.Triple(t.subject, t.predicate, t.object) if isinstance(t, ox.Quad) else t for t in triples]
    return ox.serialize(triples, format=fmt.rdf, **kwargs)


def html(template: str, **context) -> str:
    """Render a Jinja template (autoescaped) with the site's common context."""
    return render_template(template, **context)


def macro(template: str, name: str, **context):
    """A template's macro as a function returning Markup, to render pieces of a page kept apart
    (e.g. the listing's rows, cached per build) with the same settings as the whole page."""
    return getattr(current_app.jinja_env.get_template(template).make_module(context), name)


def json_script(data) -> str:
    """JSON safe to embed in a JSON-LD script element (no `</script>` breakout)."""
    text = json.dumps(data, ensure_ascii=False)
    if _BIDI_FOUND.search(text):
        text = text.translate(_BIDI_ESCAPED)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


# Bidirectional overrides and isolates ("Trojan Source" characters): in a page they would reorder
# the text around them, so pages show them as visible marks; the data formats keep them as they are.
_BIDI = (*range(0x202A, 0x202F), *range(0x2066, 0x206A))
_BIDI_VISIBLE = {c: f"[U+{c:04X}]" for c in _BIDI}
_BIDI_ESCAPED = {c: f"\\u{c:04x}" for c in _BIDI}
_BIDI_FOUND = re.compile("[" + "".join(map(chr, _BIDI)) + "]")  # a search is ~8x faster than translate()


def visible_controls(value):
    """Template output with bidi control characters shown as marks (`[U+202E]`), never obeyed."""
    if isinstance(value, str) and not isinstance(value, Markup) and _BIDI_FOUND.search(value):
        return value.translate(_BIDI_VISIBLE)
    return value


# --- SPARQL results (rows we capped ourselves, so pyoxigraph's streaming writers don't fit) ---

def results_bytes(variables: list[str], rows: list[tuple], fmt: Format, boolean: bool | None = None) -> bytes:
    """SELECT rows or an ASK boolean in a SPARQL results format."""
    if fmt is SRJ:
        return _results_json(variables, rows, boolean)
    if fmt is SRX:
        return _results_xml(variables, rows, boolean)
    if fmt in (CSV, TSV):
        return _results_table(variables, rows, boolean, fmt is TSV)
    raise ValueError(f"not a results format: {fmt.name}")


def _term_json(t) -> dict:
    if isinstance(t, ox.NamedNode):
        return {"type": "uri", "value": t.value}
    if isinstance(t, ox.BlankNode):
        return {"type": "bnode", "value": t.value}
    if isinstance(t, ox.Literal):
        out = {"type": "literal", "value": t.value}
        if t.language:
            out["xml:lang"] = t.language
        elif t.datatype.value != "http://www.w3.org/2001/XMLSchema#string":
            out["datatype"] = t.datatype.value
        return out
    return {"type": "triple", "value": {"subject": _term_json(t.subject), "predicate": _term_json(t.predicate),
                                        "object": _term_json(t.object)}}


def _results_json(variables, rows, boolean) -> bytes:
    if boolean is not None:
        return json.dumps({"head": {}, "boolean": boolean}).encode()
    bindings = [{v: _term_json(t) for v, t in zip(variables, row) if t is not None} for row in rows]
    return json.dumps({"head": {"vars": variables}, "results": {"bindings": bindings}}, ensure_ascii=False).encode()


def _results_xml(variables, rows, boolean) -> bytes:
    out = ['<?xml version="1.0" encoding="UTF-8"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#">\n<head>']
    out += [f'<variable name="{xml_escape(v)}"/>' for v in variables]
    out.append("</head>")
    if boolean is not None:
        out.append(f"<boolean>{'true' if boolean else 'false'}</boolean>")
    else:
        out.append("<results>")
        for row in rows:
            out.append("<result>")
            for v, t in zip(variables, row):
                if t is not None:
                    out.append(f'<binding name="{xml_escape(v)}">{_term_xml(t)}</binding>')
            out.append("</result>")
        out.append("</results>")
    out.append("</sparql>\n")
    return "".join(out).encode()


def _term_xml(t) -> str:
    if isinstance(t, ox.NamedNode):
        return f"<uri>{xml_escape(t.value)}</uri>"
    if isinstance(t, ox.BlankNode):
        return f"<bnode>{xml_escape(t.value)}</bnode>"
    if isinstance(t, ox.Literal):
        if t.language:
            return f'<literal xml:lang="{xml_escape(t.language)}">{xml_escape(t.value)}</literal>'
        if t.datatype.value != "http://www.w3.org/2001/XMLSchema#string":
            return f'<literal datatype="{xml_escape(t.datatype.value)}">{xml_escape(t.value)}</literal>'
        return f"<literal>{xml_escape(t.value)}</literal>"
    return f"<literal>{xml_escape(str(t))}</literal>"


def _results_table(variables, rows, boolean, tsv: bool) -> bytes:
    buf = io.StringIO()
    if boolean is not None:
        buf.write("_askResult\r\n" if not tsv else "?_askResult\n")
        buf.write(("true" if boolean else "false") + ("\n" if tsv else "\r\n"))
        return buf.getvalue().encode()
    if tsv:
        buf.write("\t".join("?" + v for v in variables) + "\n")
        for row in rows:
            buf.write("\t".join("" if t is None else str(t) for t in row) + "\n")
    else:
        writer = csv.writer(buf, lineterminator="\r\n")
        writer.writerow(variables)
        for row in rows:
            writer.writerow(["" if t is None else (t.value if not isinstance(t, ox.BlankNode) else "_:" + t.value)
                             for t in row])
    return buf.getvalue().encode()
