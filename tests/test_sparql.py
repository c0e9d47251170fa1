"""The SPARQL 1.1 Protocol endpoint, on both stores: methods, formats, errors, limits, safety, page."""

from __future__ import annotations

import csv
import io
import json
import re
import socket
import xml.etree.ElementTree as ET

import pyoxigraph as ox
import pytest

from kokemus_ld.store.embedded import EmbeddedStore
from kokemus_ld.store.remote import RemoteStore
from kokemus_ld.web.app import create_app

BASE = "https://kokemus.vslj.fi/"
KT = BASE + "def/kt#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
SD = "http://www.w3.org/ns/sparql-service-description#"
SRJ = "application/sparql-results+json"
KUULE = BASE + "id/activity/kuule-minua"
LABEL_QUERY = f"SELECT ?label WHERE {{ <{KUULE}> <{SKOS}prefLabel> ?label FILTER(LANG(?label) = 'fi') }}"
CONSTRUCT = f"CONSTRUCT {{ <{KUULE}> <{SKOS}prefLabel> ?l }} WHERE {{ <{KUULE}> <{SKOS}prefLabel> ?l }}"
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
NS = {"r": "http://www.w3.org/2005/sparql-results#"}


def bindings(response) -> list[dict]:
    """The SPARQL JSON bindings of a response, as variable -> value."""
    data = json.loads(response.get_data(as_text=True))
    return [{k: v["value"] for k, v in row.items()} for row in data["results"]["bindings"]]


# -- the three ways of sending a query --------------------------------------------------------

@pytest.mark.parametrize("method", ["get", "post-form", "post-direct"])
def test_every_protocol_method_answers(client, method):
    headers = {"Accept": SRJ}
    if method == "get":
        r = client.get("/sparql", query_string={"query": LABEL_QUERY}, headers=headers)
    elif method == "post-form":
        r = client.post("/sparql", data={"query": LABEL_QUERY}, headers=headers)
    else:
        r = client.post("/sparql", data=LABEL_QUERY.encode(), content_type="application/sparql-query",
                        headers=headers)
    assert r.status_code == 200
    assert r.headers["Content-Type"].startswith(SRJ)
    assert bindings(r) == [{"label": "Kuule minua -hanke"}]
    assert r.headers["Access-Control-Allow-Origin"] == "*"
    assert "X-Truncated" not in r.headers


# -- result formats, parsed back ----------------------------------------------------------------

def _json(body):
    return [row["label"]["value"] for row in json.loads(body)["results"]["bindings"]]


def _xml(body):
    root = ET.fromstring(body)
    return [lit.text for lit in root.findall(".//r:binding[@name='label']/r:literal", NS)]


def _csv(body):
    rows = list(csv.reader(io.StringIO(body.decode())))
    assert rows[0] == ["label"]
    return [r[0] for r in rows[1:]]


def _tsv(body):
    lines = body.decode().splitlines()
    assert lines[0] == "?label"
    return [ox.Literal(line[1:line.rindex('"')]).value for line in lines[1:]]


@pytest.mark.parametrize("accept, fmt, parse", [
    ("application/sparql-results+json", "json", _json),
    ("application/sparql-results+xml", "xml", _xml),
    ("text/csv", "csv", _csv),
    ("text/tab-separated-values", "tsv", _tsv),
])
def test_select_in_every_results_format(client, accept, fmt, parse):
    by_accept = client.get("/sparql", query_string={"query": LABEL_QUERY}, headers={"Accept": accept})
    by_param = client.get("/sparql", query_string={"query": LABEL_QUERY, "format": fmt},
                          headers={"Accept": "text/html"})  # an explicit format wins over Accept
    for r in (by_accept, by_param):
        assert r.status_code == 200
        assert r.headers["Content-Type"].startswith(accept)
        assert parse(r.data) == ["Kuule minua -hanke"]


@pytest.mark.parametrize("accept", ["application/sparql-results+json", "application/sparql-results+xml",
                                    "text/csv", "text/tab-separated-values"])
def test_ask_in_every_results_format(client, accept):
    r = client.get("/sparql", query_string={"query": f"ASK {{ <{KUULE}> a <{KT}Activity> }}"},
                   headers={"Accept": accept})
    assert r.status_code == 200
    body = r.get_data(as_text=True)
    if accept.endswith("json"):
        assert json.loads(body)["boolean"] is True
    elif accept.endswith("xml"):
        assert ET.fromstring(body).find("r:boolean", NS).text == "true"
    else:
        assert body.splitlines()[1] == "true"


@pytest.mark.parametrize("accept, rdf", [
    ("text/turtle", ox.RdfFormat.TURTLE), ("application/ld+json", ox.RdfFormat.JSON_LD),
    ("application/n-triples", ox.RdfFormat.N_TRIPLES), ("application/rdf+xml", ox.RdfFormat.RDF_XML),
])
def test_construct_in_every_graph_format(client, accept, rdf):
    for query in (CONSTRUCT, f"DESCRIBE <{KUULE}>"):
        r = client.get("/sparql", query_string={"query": query}, headers={"Accept": accept})
        assert r.status_code == 200
        assert r.headers["Content-Type"].startswith(accept)
        triples = list(ox.parse(r.data, format=rdf))
        labels = {t.object.value for t in triples
                  if t.subject == ox.NamedNode(KUULE) and t.predicate.value == SKOS + "prefLabel"}
        assert "Kuule minua -hanke" in labels


def test_format_parameter_that_does_not_fit_the_query_falls_back_to_accept(client):
    # SPARQLWrapper sends format=xml with CONSTRUCT queries and Accept: application/rdf+xml
    r = client.get("/sparql", query_string={"query": CONSTRUCT, "format": "xml"},
                   headers={"Accept": "application/rdf+xml"})
    assert r.headers["Content-Type"].startswith("application/rdf+xml")
    assert any(t.object.value == "Kuule minua -hanke" for t in ox.parse(r.data, format=ox.RdfFormat.RDF_XML))


# -- the dataset: default-graph-uri / named-graph-uri -------------------------------------------

def test_default_graph_uri_makes_the_default_graph(client):
    count = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    in_graph = f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{KUULE}> {{ ?s ?p ?o }} }}"
    expected = bindings(client.get("/sparql", query_string={"query": in_graph}, headers={"Accept": SRJ}))
    r = client.get("/sparql", query_string={"query": count, "default-graph-uri": KUULE}, headers={"Accept": SRJ})
    assert bindings(r) == expected
    assert int(expected[0]["n"]) > 10


def test_named_graph_uri_limits_the_named_graphs(client):
    query = "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"
    r = client.post("/sparql", data={"query": query, "named-graph-uri": KUULE}, headers={"Accept": SRJ})
    assert bindings(r) == [{"g": KUULE}]


def test_a_graph_uri_that_is_no_iri_is_refused(client):
    r = client.get("/sparql", query_string={"query": LABEL_QUERY, "default-graph-uri": "not an iri"},
                   headers={"Accept": "text/plain"})
    assert r.status_code == 400
    assert "graph IRI" in r.get_data(as_text=True)


# -- errors ---------------------------------------------------------------------------------------

def test_syntax_error_is_400_with_line_and_column(client):
    r = client.get("/sparql", query_string={"query": "SELECT * WHERE { ?s ?p }"}, headers={"Accept": SRJ})
    assert r.status_code == 400
    body = r.get_data(as_text=True)
    assert re.search(r"error at 1:\d+", body), body
    assert "expected" in body


def test_no_query_is_400_for_a_program(client):
    r = client.get("/sparql", headers={"Accept": SRJ})
    assert r.status_code == 400
    assert "No query" in r.get_data(as_text=True)
    r = client.post("/sparql", data={"query": "  "}, headers={"Accept": SRJ})
    assert r.status_code == 400


@pytest.mark.parametrize("query", [
    "INSERT DATA { <urn:a> <urn:b> <urn:c> }",
    "PREFIX ex: <urn:x#> DELETE WHERE { ?s ?p ?o }",
    "DROP ALL",
    "CLEAR DEFAULT",
    "LOAD <http://example.org/data.ttl>",
    "SELECT * WHERE { ?s ?p ?o } ; DROP SILENT GRAPH <urn:g>",
    'DEFINE get:soft "replace" SELECT * FROM <http://example.org/> WHERE { ?s ?p ?o }',
])
def test_updates_and_non_queries_are_refused(client, query):
    r = client.get("/sparql", query_string={"query": query}, headers={"Accept": SRJ})
    assert r.status_code == 400
    body = r.get_data(as_text=True)
    assert "read-only" in body or "Not a SPARQL query" in body
    after = client.get("/sparql", query_string={"query": LABEL_QUERY}, headers={"Accept": SRJ})
    assert bindings(after) == [{"label": "Kuule minua -hanke"}]


def test_update_requests_are_refused(client):
    r = client.post("/sparql", data="INSERT DATA { <urn:a> <urn:b> <urn:c> }",
                    content_type="application/sparql-update", headers={"Accept": "text/plain"})
    assert r.status_code == 415
    assert "read-only" in r.get_data(as_text=True)
    r = client.post("/sparql", data={"update": "INSERT DATA { <urn:a> <urn:b> <urn:c> }"},
                    headers={"Accept": "text/plain"})
    assert r.status_code == 400
    assert "read-only" in r.get_data(as_text=True)
    ask = client.get("/sparql", query_string={"query": "ASK { <urn:a> ?p ?o }"}, headers={"Accept": SRJ})
    assert json.loads(ask.data)["boolean"] is False


def test_other_request_bodies_are_415(client):
    r = client.post("/sparql", data=b"{}", content_type="application/json", headers={"Accept": "text/plain"})
    assert r.status_code == 415
    assert "application/sparql-query" in r.get_data(as_text=True)


def test_a_query_over_the_size_limit_is_413(client):
    query = "SELECT * WHERE { ?s ?p ?o } # " + "x" * 40_000
    r = client.post("/sparql", data=query.encode(), content_type="application/sparql-query",
                    headers={"Accept": "text/plain"})
    assert r.status_code == 413
    assert "bytes" in r.get_data(as_text=True)


def test_variables_named_like_keywords_are_fine(client):
    query = f"SELECT ?service ?load WHERE {{ <{KUULE}> <{KT}offersService> ?service . BIND(1 AS ?load) }}"
    r = client.get("/sparql", query_string={"query": query}, headers={"Accept": SRJ})
    assert r.status_code == 200
    assert len(bindings(r)) >= 3


# -- nothing a user sends opens a connection or reads a file ------------------------------------

@pytest.fixture()
def listener():
    """A socket on 127.0.0.1 that must never be connected to; yields its base URL."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(8)
        sock.settimeout(0.5)
        url = f"http://127.0.0.1:{sock.getsockname()[1]}"
        yield url
        with pytest.raises(socket.timeout):  # nobody came
            sock.accept()


@pytest.mark.parametrize("template, status", [
    ("SELECT * WHERE {{ SERVICE <{url}/sparql> {{ ?s ?p ?o }} }}", 400),
    ("SELECT * WHERE {{ SERVICE SILENT <{url}/sparql> {{ ?s ?p ?o }} }}", 400),
    ("select * where {{ service\n<{url}/sparql> {{ ?s ?p ?o }} }}", 400),
    ("SELECT * WHERE {{ BIND(<{url}/sparql> AS ?e) SERVICE ?e {{ ?s ?p ?o }} }}", 400),
    ("LOAD <{url}/data.ttl>", 400),
    ("SELECT * FROM <{url}/data.ttl> WHERE {{ ?s ?p ?o }} LIMIT 1", 200),
    ("SELECT * FROM NAMED <{url}/data.ttl> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}", 200),
    ("DESCRIBE <{url}/thing>", 200),
    ("SELECT * WHERE {{ <{url}/thing> ?p ?o }}", 200),
])
def test_no_request_reaches_the_network(client, listener, template, status):
    r = client.get("/sparql", query_string={"query": template.format(url=listener)},
                   headers={"Accept": f"{SRJ}, text/turtle"})
    assert r.status_code == status, r.data
    if status == 400:
        assert "SERVICE" in r.get_data(as_text=True) or "read-only" in r.get_data(as_text=True)


def test_a_remote_jsonld_context_is_never_fetched(client, listener):
    body = json.dumps({"@context": listener + "/context.jsonld", "@id": "urn:x", "name": "x"})
    r = client.post("/sparql", data=body, content_type="application/ld+json", headers={"Accept": "text/plain"})
    assert r.status_code == 415


def test_from_a_file_iri_reads_nothing(client):
    query = "SELECT ?s ?p ?o WHERE { GRAPH <file:///etc/passwd> { ?s ?p ?o } }"
    r = client.get("/sparql", query_string={"query": query}, headers={"Accept": SRJ})
    assert bindings(r) == []
    r = client.get("/sparql", query_string={"query": "SELECT * FROM <file:///etc/passwd> WHERE { ?s ?p ?o }"},
                   headers={"Accept": "text/csv"})
    assert r.status_code == 200
    assert "root:" not in r.get_data(as_text=True)


# -- limits ---------------------------------------------------------------------------------------

@pytest.fixture()
def capped_client(app):
    """The same store behind an app whose row cap is 3."""
    capped = create_app(app.extensions["kokemus"].settings.replace(sparql_row_cap=3), app.extensions["kokemus"].store)
    return capped.test_client()


def test_the_row_cap_is_signalled_never_silent(capped_client):
    r = capped_client.get("/sparql", query_string={"query": "SELECT * WHERE { ?s ?p ?o }"}, headers={"Accept": SRJ})
    assert r.status_code == 200
    assert r.headers["X-Truncated"] == "true"
    assert "X-Truncated" in r.headers["Access-Control-Expose-Headers"]
    assert len(bindings(r)) == 3
    r = capped_client.get("/sparql", query_string={"query": "CONSTRUCT WHERE { ?s ?p ?o }"},
                          headers={"Accept": "application/n-triples"})
    assert r.headers["X-Truncated"] == "true"
    assert len(list(ox.parse(r.data, format=ox.RdfFormat.N_TRIPLES))) == 3
    r = capped_client.get("/sparql", query_string={"query": LABEL_QUERY}, headers={"Accept": SRJ})
    assert "X-Truncated" not in r.headers


def test_the_row_cap_notice_in_html(capped_client):
    r = capped_client.get("/sparql", query_string={"query": "SELECT * WHERE { ?s ?p ?o }", "lang": "en"},
                          headers={"Accept": "text/html"})
    page = r.get_data(as_text=True)
    assert r.headers["X-Truncated"] == "true"
    assert "The answer was cut at 3 rows" in page
    assert page.count("<tr><td>") == 3


@pytest.fixture(params=["embedded", "oxigraph"])
def slow_client(request, built):
    """An app with a 2 s time limit; the Oxigraph server is a fresh one, killed after the test,
    because Oxigraph keeps computing a query after the client gives up."""
    settings = built.replace(sparql_timeout=2.0)
    if request.param == "embedded":
        store = EmbeddedStore(settings)
    else:
        url = request.getfixturevalue("fresh_oxigraph")
        store = RemoteStore(url + "/query", settings=settings)
        store.load_build(built.current_dir)
    return create_app(settings, store).test_client()


def test_a_runaway_query_is_stopped_and_the_next_is_answered(slow_client):
    r = slow_client.get("/sparql", query_string={"query": RUNAWAY}, headers={"Accept": SRJ})
    assert r.status_code == 503
    assert "2 s" in r.get_data(as_text=True) or "2 seconds" in r.get_data(as_text=True)
    assert r.headers["Retry-After"]
    r = slow_client.get("/sparql", query_string={"query": LABEL_QUERY}, headers={"Accept": SRJ})
    assert bindings(r) == [{"label": "Kuule minua -hanke"}]
    r = slow_client.get("/sparql", query_string={"query": RUNAWAY, "lang": "en"}, headers={"Accept": "text/html"})
    assert r.status_code == 503
    assert "The query was stopped at the time limit" in r.get_data(as_text=True)


# -- CORS -----------------------------------------------------------------------------------------

def test_cors_preflight_for_a_post_with_content_type(client):
    r = client.options("/sparql", headers={"Origin": "https://yasgui.example", "Access-Control-Request-Method": "POST",
                                           "Access-Control-Request-Headers": "content-type"})
    assert r.status_code == 204
    assert r.headers["Access-Control-Allow-Origin"] == "*"
    assert "POST" in r.headers["Access-Control-Allow-Methods"]
    assert "content-type" in r.headers["Access-Control-Allow-Headers"].lower()


# -- the Service Description ----------------------------------------------------------------------

def test_service_description(client, built):
    r = client.get("/sparql", headers={"Accept": "text/turtle"})
    assert r.status_code == 200
    graph = {(t.subject.value, t.predicate.value, t.object.value)
             for t in ox.parse(r.data, format=ox.RdfFormat.TURTLE)}
    service = BASE + "sparql#service"
    assert (service, "http://www.w3.org/1999/02/22-rdf-syntax-ns#type", SD + "Service") in graph
    assert (service, SD + "endpoint", BASE + "sparql") in graph
    assert (service, SD + "supportedLanguage", SD + "SPARQL11Query") in graph
    assert (service, SD + "resultFormat", "http://www.w3.org/ns/formats/SPARQL_Results_JSON") in graph
    assert (service, SD + "defaultDataset", BASE + "sparql#dataset") in graph
    assert (BASE + "sparql#dataset", "http://www.w3.org/2000/01/rdf-schema#seeAlso", BASE + "id/dataset") in graph
    triples = client.application.extensions["kokemus"].store.build_info()["triples"]
    assert (BASE + "sparql#union", "http://rdfs.org/ns/void#triples", str(triples)) in graph
    assert not any(o == SD + "BasicFederatedQuery" for _, _, o in graph)
    jsonld = client.get("/sparql", headers={"Accept": "application/ld+json"})
    assert len(list(ox.parse(jsonld.data, format=ox.RdfFormat.JSON_LD))) == len(graph)


# -- the query page -------------------------------------------------------------------------------

EXAMPLES = ["activities-by-service", "training-hours-by-organisation", "support-kinds-by-frequency",
            "concept-usage-counts", "faq-unanswered", "young-people-activities"]


def test_the_query_page_for_a_browser(client):
    r = client.get("/sparql", headers={"Accept": "text/html"})
    assert r.status_code == 200
    page = r.get_data(as_text=True)
    assert '<form method="get" action="/sparql"' in page
    assert '<label for="query">' in page and '<textarea id="query" name="query"' in page
    assert f"PREFIX kt: &lt;{KT}&gt;" in page
    for name in EXAMPLES:
        assert f'href="/sparql/examples/{name}"' in page


@pytest.mark.parametrize("name", EXAMPLES)
def test_every_example_has_a_page_and_runs(client, name):
    page = client.get(f"/sparql/examples/{name}?lang=en", headers={"Accept": "text/html"}).get_data(as_text=True)
    title = re.search(r"<h1>(.*?)</h1>", page).group(1)
    assert title and title != name
    assert '<p class="description">' in page
    run = re.search(r'<a href="(/sparql\?query=[^"]+)">Run this query</a>', page).group(1).replace("&amp;", "&")
    result = client.get(run, headers={"Accept": "text/html"})
    assert result.status_code == 200
    html = result.get_data(as_text=True)
    assert '<table class="results">' in html
    assert html.count("<tr><td>") >= 1
    rq = client.get(f"/sparql/examples/{name}.rq")
    assert rq.headers["Content-Type"].startswith("application/sparql-query")
    assert b"SELECT" in rq.data


def test_results_table_has_labels_local_links_and_downloads(client):
    query = (f"SELECT ?activity ?service WHERE {{ ?activity <{KT}offersService> ?service "
             f"FILTER(?activity = <{KUULE}>) }}")
    r = client.get("/sparql", query_string={"query": query, "lang": "en"}, headers={"Accept": "text/html"})
    page = r.get_data(as_text=True)
    assert '<a href="/id/activity/kuule-minua?lang=en" lang="fi">Kuule minua -hanke</a>' in page
    assert re.search(r'<a href="/id/concept/palvelu-vertaisvastaanotto\?lang=en" lang="en">[^<]+</a>', page)
    assert "<code class=\"iri\">ktc:palvelu-vertaisvastaanotto</code>" in page
    assert '<th scope="col">activity</th>' in page
    for fmt in ("json", "xml", "csv", "tsv"):
        href = re.search(rf'href="(/sparql\?[^"]*format={fmt})"', page).group(1).replace("&amp;", "&")
        download = client.get(href)
        assert download.status_code == 200
        assert b"kuule-minua" in download.data
    assert f"{query}</textarea>" in page.replace("&lt;", "<").replace("&gt;", ">")


def test_construct_downloads_in_every_graph_format(client):
    page = client.get("/sparql", query_string={"query": CONSTRUCT}, headers={"Accept": "text/html"}).get_data(
        as_text=True)
    hrefs = re.findall(r'href="(/sparql\?query=[^"]*format=(\w+))"', page)
    assert sorted(f for _, f in hrefs) == ["jsonld", "ntriples", "rdfxml", "turtle"]


def test_error_notice_in_html_keeps_the_query(client):
    r = client.get("/sparql", query_string={"query": "SELECT * WHERE { ?s ?p }", "lang": "en"},
                   headers={"Accept": "text/html"})
    assert r.status_code == 400
    page = r.get_data(as_text=True)
    assert 'role="alert"' in page and "The query could not be run" in page
    assert re.search(r"error at 1:\d+", page)
    assert "SELECT * WHERE { ?s ?p }</textarea>" in page


def test_javascript_iris_are_never_links(client):
    query = 'SELECT ?x WHERE { BIND(IRI("javascript:alert(1)") AS ?x) }'
    page = client.get("/sparql", query_string={"query": query}, headers={"Accept": "text/html"}).get_data(
        as_text=True)
    assert 'href="javascript:' not in page
    assert "javascript:alert(1)" in page
