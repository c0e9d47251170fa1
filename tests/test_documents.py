"""A document's published form: its N-Quads as pyoxigraph writes them, and a hash of its content only."""

from __future__ import annotations

import random

import pyoxigraph as ox
import pytest
from rdflib import BNode, Literal, URIRef
from rdflib import namespace
from rdflib.namespace import RDF, RDFS, SKOS

from kokemus_ld.build.documents import MODIFIED, document, nquads
from tests.conftest import read_dump

DOC = "https://kokemus.vslj.fi/id/activity/kuule"
S, PART, NODE = URIRef(DOC), URIRef(DOC + "#palvelu-1"), BNode()
KT = "https://kokemus.vslj.fi/def/kt#"

# Texts a serializer must escape: quotes, backslashes, line breaks, every control character,
# characters outside the Basic Multilingual Plane, and Finnish as it is.
AWKWARD = ['sanoi "kuule"', "C:\\polku\\", "rivi\nrivi", "\r\n\t\b\f", "".join(map(chr, range(32))) + "\x7f",
           "äö ÅÄÖ – “lainaus” 😀", '"""kolme"""', 'loppuu "', "", " "]


def _triples() -> list:
    """Triples with every kind of term the mapping and the vocabulary publish."""
    return [
        (S, RDF.type, URIRef(KT + "Activity")),
        *((S, SKOS.prefLabel, Literal(text, lang="fi")) for text in AWKWARD),
        *((S, URIRef(KT + "sourceText"), Literal(text)) for text in AWKWARD),
        (S, URIRef(KT + "offering"), PART),
        (PART, URIRef(KT + "position"), Literal(1)),
        (PART, URIRef(KT + "minHours"), Literal(2.5, datatype=namespace.XSD.decimal)),
        (PART, URIRef(KT + "nationwide"), Literal(True)),
        (PART, URIRef(KT + "weekly"), Literal("PT1H30M", datatype=namespace.XSD.duration)),
        (PART, URIRef(KT + "issued"), Literal("2026-11-28T12:00:00+00:00", datatype=namespace.XSD.dateTime)),
        (PART, RDFS.label, Literal("Lastensuojelu", lang="sv-FI")),
        (S, URIRef(KT + "unit"), URIRef("https://kokemus.vslj.fi/id/org/sos#nuoret")),
        (S, URIRef("http://schema.org/url"), URIRef("https://example.fi/ä?q=1&b=%20")),
        (S, URIRef(KT + "schedule"), NODE),
        (NODE, RDF.type, URIRef(KT + "SupportSchedule")),
        (NODE, URIRef(KT + "count"), Literal(2)),
    ]


def _pyoxigraph(graph: str, triples) -> bytes:
    """The same triples through pyoxigraph's own N-Quads serializer."""
    def term(t):
        if isinstance(t, URIRef):
            return ox.NamedNode(str(t))
        if isinstance(t, BNode):
            return ox.BlankNode(str(t))
        if t.language:
            return ox.Literal(str(t), language=t.language)
        lexical = str(t).replace("+00:00", "Z") if t.datatype == namespace.XSD.dateTime else str(t)
        return ox.Literal(lexical, datatype=ox.NamedNode(str(t.datatype or namespace.XSD.string)))

    return ox.serialize([ox.Quad(term(s), term(p), term(o), ox.NamedNode(graph)) for s, p, o in triples],
                        format=ox.RdfFormat.N_QUADS)


def test_nquads_are_pyoxigraphs_bytes():
    triples = _triples()
    assert nquads(DOC, triples) == _pyoxigraph(DOC, triples)


def test_document_nquads_are_sorted_and_pyoxigraphs():
    d = document(DOC, _triples())
    lines = d.nquads.decode().splitlines(keepends=True)
    assert len(lines) == d.count == len(_triples())
    assert sorted(lines) == sorted(_pyoxigraph(DOC, _triples()).decode().splitlines(keepends=True))
    iris = [line.split(" ", 1)[0] for line in lines]
    assert iris == sorted(iris)  # by subject first: IRIs ("<") before blank nodes ("_:")
    assert '"2026-11-28T12:00:00Z"^^<http://www.w3.org/2001/XMLSchema#dateTime>' in d.nquads.decode()


def test_the_hash_ignores_order_and_blank_node_labels():
    triples = _triples()
    shuffled = triples[:]
    random.Random(6).shuffle(shuffled)
    node = BNode()
    relabelled = [tuple(node if isinstance(t, BNode) else t for t in triple) for triple in triples]
    one, other, third = document(DOC, triples), document(DOC, shuffled), document(DOC, relabelled)
    assert one.hash == other.hash == third.hash
    assert one.nquads == other.nquads  # no two triples here sort alike, so the order given is gone
    assert one.nquads != third.nquads  # the label itself is published
    changed = document(DOC, triples[:-1] + [(triples[-1][0], triples[-1][1], Literal(3))])
    assert changed.hash != one.hash


def test_a_literal_counts_by_its_value_as_written():
    """Two spellings of one value are two contents (the hash reads the literal as published)."""
    two = document(DOC, [(S, URIRef(KT + "minHours"), Literal("2.0", datatype=namespace.XSD.decimal))])
    other = document(DOC, [(S, URIRef(KT + "minHours"), Literal("2.00", datatype=namespace.XSD.decimal))])
    same = document(DOC, [(S, URIRef(KT + "minHours"), Literal("2.0", datatype=namespace.XSD.decimal))])
    assert two.hash == same.hash != other.hash


def test_modified_goes_where_it_sorts():
    when = "2026-11-28T12:00:00+00:00"
    d = document(DOC, _triples())
    with_it = document(DOC, _triples() + [(S, MODIFIED, Literal(when, datatype=namespace.XSD.dateTime))])
    assert d.with_modified(d.nquads, when) == with_it.nquads
    assert d.described


def test_refers_and_described():
    d = document(DOC, _triples())
    assert "https://kokemus.vslj.fi/id/org/sos" in d.refers and DOC not in d.refers
    objects = {str(o).split("#")[0] for _s, _p, o in _triples() if isinstance(o, URIRef)} - {DOC}
    assert d.refers == objects
    part_only = document(DOC, [(PART, RDF.type, URIRef(KT + "ServiceOffering"))])
    assert not part_only.described


def test_an_invalid_iri_is_refused_as_pyoxigraph_refuses_it():
    with pytest.raises(ValueError):
        document(DOC, [(S, URIRef(KT + "x"), URIRef("https://example.fi:notaport/"))])


def test_published_dump_is_pyoxigraphs_nquads(built):
    """Every line of the real data's dump (the vocabulary's blank nodes, multi-line SPARQL texts,
    typed literals and the build's own facts included) reads and writes back as the same bytes."""
    dump = read_dump(built.current_dir, "kokemus.nq")
    assert ox.serialize(ox.parse(dump, format=ox.RdfFormat.N_QUADS), format=ox.RdfFormat.N_QUADS) == dump
