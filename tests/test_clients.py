"""Real SPARQL clients accept the endpoint's answers: SPARQLWrapper and rdflib's SPARQLStore."""

from __future__ import annotations

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import SKOS
from rdflib.plugins.stores.sparqlstore import SPARQLStore
from SPARQLWrapper import CSV, JSON, JSONLD, RDFXML, TURTLE, XML, SPARQLWrapper

KT = "https://kokemus.vslj.fi/def/kt#"
KUULE = "https://kokemus.vslj.fi/id/activity/kuule-minua"
SELECT = f"""PREFIX skos: <{SKOS}>
SELECT ?label WHERE {{ <{KUULE}> skos:prefLabel ?label FILTER(LANG(?label) = "fi") }}"""
CONSTRUCT = f"CONSTRUCT {{ <{KUULE}> <{SKOS}prefLabel> ?l }} WHERE {{ <{KUULE}> <{SKOS}prefLabel> ?l }}"


def wrapper(live_server, query: str, fmt: str, method: str = "GET") -> SPARQLWrapper:
    """A SPARQLWrapper client for the live endpoint."""
    sparql = SPARQLWrapper(live_server + "/sparql")
    sparql.setQuery(query)
    sparql.setReturnFormat(fmt)
    sparql.setMethod(method)
    return sparql


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_sparqlwrapper_select_json(live_server, method):
    result = wrapper(live_server, SELECT, JSON, method).queryAndConvert()
    assert [b["label"]["value"] for b in result["results"]["bindings"]] == ["Kuule minua -hanke"]
    assert result["results"]["bindings"][0]["label"]["xml:lang"] == "fi"


def test_sparqlwrapper_select_xml_and_csv(live_server):
    doc = wrapper(live_server, SELECT, XML).queryAndConvert()  # a DOM document
    assert [n.firstChild.data for n in doc.getElementsByTagName("literal")] == ["Kuule minua -hanke"]
    text = wrapper(live_server, SELECT, CSV).queryAndConvert().decode()
    assert text.splitlines() == ["label", "Kuule minua -hanke"]


def test_sparqlwrapper_ask(live_server):
    result = wrapper(live_server, f"ASK {{ <{KUULE}> a <{KT}Activity> }}", JSON).queryAndConvert()
    assert result["boolean"] is True


@pytest.mark.parametrize("fmt", [TURTLE, RDFXML, JSONLD])
def test_sparqlwrapper_construct(live_server, fmt):
    result = wrapper(live_server, CONSTRUCT, fmt).queryAndConvert()
    graph = result if isinstance(result, Graph) else Graph().parse(data=result, format="turtle")
    assert (URIRef(KUULE), SKOS.prefLabel, Literal("Kuule minua -hanke", lang="fi")) in graph


def test_sparqlwrapper_sees_a_syntax_error(live_server):
    from SPARQLWrapper.SPARQLExceptions import QueryBadFormed

    with pytest.raises(QueryBadFormed, match="1:"):
        wrapper(live_server, "SELECT * WHERE { ?s ?p }", JSON).queryAndConvert()


def test_rdflib_sparqlstore(live_server):
    graph = Graph(store=SPARQLStore(live_server + "/sparql"))
    rows = list(graph.query(SELECT))
    assert [str(r.label) for r in rows] == ["Kuule minua -hanke"]
    assert graph.query(f"ASK {{ <{KUULE}> a <{KT}Activity> }}").askAnswer is True
    constructed = graph.query(CONSTRUCT).graph
    assert (URIRef(KUULE), SKOS.prefLabel, Literal("Kuule minua -hanke", lang="fi")) in constructed
    # the store's own triple pattern queries go through the endpoint too
    labels = set(graph.objects(URIRef(KUULE), SKOS.prefLabel))
    assert Literal("Kuule minua -hanke", lang="fi") in labels


def test_rdflib_sparqlstore_is_read_only(live_server):
    store = SPARQLStore(live_server + "/sparql")
    with pytest.raises(TypeError):
        store.add((URIRef("urn:a"), URIRef("urn:b"), URIRef("urn:c")))
