"""rdflib terms as N-Quads text, written as pyoxigraph writes it, and as the keys documents sort by.

A document's N-Quads were made of one pyoxigraph `Quad` per triple, of one pyoxigraph term per
rdflib term (with the sort, nearly half of mapping a file). Here pyoxigraph still checks every IRI and
writes every literal and blank node, but an IRI is checked once and its text kept (IRIs repeat:
predicates, classes, concepts, a document's own subjects), and a line is its terms' texts joined
as pyoxigraph's N-Quads serializer joins them (tests/test_documents.py compares the two).
"""

from __future__ import annotations

import pyoxigraph as ox
from rdflib import BNode, Literal, URIRef
from rdflib.namespace import XSD

MAX_IRIS = 20_000  # IRIs whose text is kept (~5 MB at most); a full table starts again
_IRIS: dict[URIRef, str] = {}  # IRI -> "<IRI>", checked by pyoxigraph (an invalid IRI raises ValueError)
_STRING, _DATE_TIME = XSD.string, XSD.dateTime


def term_text(term) -> tuple[str, str]:
    """(sort key, N-Triples text) of an rdflib term: the key is its N3, blank nodes all alike."""
    kind = type(term)  # exact types first: rdflib's terms are ABCs, and an isinstance that fails is slow
    if kind is URIRef or kind is not Literal and kind is not BNode and isinstance(term, URIRef):
        text = _IRIS.get(term)
        if text is None:
            if len(_IRIS) >= MAX_IRIS:
                _IRIS.clear()
            text = _IRIS[term] = str(ox.NamedNode(term))
        return text, text
    if kind is BNode or kind is not Literal and isinstance(term, BNode):
        return "_:b", str(ox.BlankNode(term))
    return term.n3(), str(_literal(term))


def graph_text(graph: str) -> str:
    """A named graph's IRI as N-Quads write it."""
    return term_text(URIRef(graph))[1]


def _literal(term) -> ox.Literal:
    """An rdflib literal as a pyoxigraph literal."""
    lexical = str(term)
    if term.language:
        return ox.Literal(lexical, language=term.language)
    datatype = term.datatype
    if datatype == _DATE_TIME and lexical.endswith("+00:00"):
        # rdflib writes UTC as +00:00, every store as Z: write the canonical form, so the dumps,
        # the embedded store and a remote store all hold the same literal
        lexical = lexical[: -len("+00:00")] + "Z"
    return ox.Literal(lexical, datatype=ox.NamedNode(datatype or _STRING))
