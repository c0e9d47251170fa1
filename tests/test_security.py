"""The threat model (SECURITY.md), one test per threat: nothing fetched or read because of input,
nothing executed from the data, every response hardened, work bounded, bad input a clear 4xx.

Hostile data is built once (`hostile`): a private copy of the sources whose Kuule minua entry
carries script, `</script>` breakouts, `javascript:` and a right-to-left override in its name,
description and a service bullet, plus a planted secret file next to the published builds.
"""

from __future__ import annotations

import gzip
import html
import json
import re
import socket
import threading
import urllib.parse
from pathlib import Path

import pytest

from conftest import copy_sources
from htmltree import parse
from kokemus_ld.build.dataset import build, check
from kokemus_ld.build.problems import DataError
from kokemus_ld.store.embedded import EmbeddedStore
from kokemus_ld.web.app import MAX_BODY_BYTES, create_app

SCRIPT = "<script>alert(1)</script>"
BREAKOUT = "</script><script>alert(2)</script>"
JS_IRI = "javascript:alert(3)"
IMG = "<img src=x onerror=alert(4)>"
ATTR = "\"'><svg onload=alert(5)>"
RLO = "\u202e"  # RIGHT-TO-LEFT OVERRIDE: "gnp.exe" would read "exe.png"
SECRET = "kokemus-ld-planted-secret-7f3a"
ACTIVITY = "/id/activity/kuule-minua"
TEXT_FIRST = {"Accept": "text/plain, */*;q=0.1"}  # errors as plain text, pages still negotiable


# -- fixtures ----------------------------------------------------------------------------------

class Listener:
    """A TCP listener on 127.0.0.1 that records every connection made to it (there must be none)."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.connections: list = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self):
        while not self._stop.is_set():
            try:
                conn, addr = self.sock.accept()
            except OSError:
                continue
            self.connections.append(addr)
            conn.close()

    def close(self):
        """Stop listening."""
        self._stop.set()
        self._thread.join()
        self.sock.close()


@pytest.fixture()
def listener():
    """A listener that no request of ours may reach."""
    lst = Listener()
    yield lst
    lst.close()


def _inject(data: Path) -> None:
    """Put the hostile strings into the Kuule minua entry (name, description, a service bullet)."""
    path = data / "activities" / "kuule-minua.yaml"
    text = path.read_text(encoding="utf-8")
    name = f"Kuule minua {BREAKOUT} {RLO}gnp.exe"
    text = text.replace('name: "Kuule minua -hanke"', "name: " + json.dumps(name))
    text = text.replace("yhteiskunnallisiin asioihin.",
                        f"yhteiskunnallisiin asioihin. {SCRIPT} {JS_IRI} {IMG} {ATTR}", 1)
    text = text.replace('- text: "Vertaisvastaanotto tai vertaiskeskustelu"',
                        '- text: ' + json.dumps(f"Vertaisvastaanotto {SCRIPT}"), 1)
    assert SCRIPT in text and BREAKOUT in text
    path.write_text(text, encoding="utf-8")


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    """An app over a build of hostile data, with a secret file planted beside and inside the build."""
    root = tmp_path_factory.mktemp("hostile")
    settings = copy_sources(root)
    _inject(Path(settings.data_dir))
    result = build(settings)
    for where in (root, Path(settings.publish_dir), result.path):
        (where / "secret.txt").write_text(SECRET)
    app = create_app(settings, EmbeddedStore(settings))
    app.config["TESTING"] = True
    return app


@pytest.fixture()
def hclient(hostile):
    """A test client of the hostile app."""
    return hostile.test_client()


# -- no outbound requests, no file reads -------------------------------------------------------

def sparql(client, query: str, accept: str = "application/sparql-results+json", **params):
    """GET /sparql with a query."""
    return client.get("/sparql", query_string={"query": query, **params}, headers={"Accept": accept})


@pytest.mark.parametrize("template", [
    "SELECT * WHERE {{ SERVICE <{url}/sparql> {{ ?s ?p ?o }} }}",
    "SELECT * WHERE {{ SERVICE SILENT <{url}/sparql> {{ ?s ?p ?o }} }}",
    "select * where {{ service#comment\n<{url}/sparql> {{ ?s ?p ?o }} }}",
    "PREFIX x: <{url}/> SELECT * WHERE {{ SERVICE x:sparql {{ ?s ?p ?o }} }}",
])
def test_sparql_service_is_refused_and_makes_no_request(client, listener, template):
    r = sparql(client, template.format(url=listener.url))
    assert r.status_code == 400
    assert "SERVICE" in r.get_data(as_text=True)
    assert listener.connections == []


@pytest.mark.parametrize("how", ["query", "form-update", "sparql-update"])
def test_sparql_load_is_refused_and_makes_no_request(client, listener, how):
    load = f"LOAD <{listener.url}/data.ttl> INTO GRAPH <urn:x>"
    if how == "query":
        r = sparql(client, load)
    elif how == "form-update":
        r = client.post("/sparql", data={"update": load})
    else:
        r = client.post("/sparql", data=load, content_type="application/sparql-update")
    assert r.status_code in (400, 415)
    assert listener.connections == []


def test_sparql_from_a_remote_or_file_iri_reads_nothing(client, listener, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text(SECRET)
    for query in (f"SELECT * FROM <{listener.url}/g> WHERE {{ ?s ?p ?o }}",
                  f"SELECT * FROM NAMED <{listener.url}/g> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}",
                  f"SELECT * FROM <{secret.as_uri()}> WHERE {{ ?s ?p ?o }}",
                  f"CONSTRUCT {{ ?s ?p ?o }} FROM <{secret.as_uri()}> WHERE {{ ?s ?p ?o }}"):
        r = sparql(client, query, accept="*/*")
        assert r.status_code in (200, 400), (query, r.status_code)
        assert SECRET not in r.get_data(as_text=True)
    r = sparql(client, "SELECT * WHERE { ?s ?p ?o } LIMIT 1", **{"default-graph-uri": listener.url + "/g"})
    assert r.status_code in (200, 400)
    assert listener.connections == []


def test_rdf_parsers_fetch_no_context_and_expand_no_entity(listener, tmp_path):
    """We parse JSON-LD and RDF/XML only from a remote store's answers (remote.py, via pyoxigraph):
    a remote @context / @import and an XML external entity are never fetched nor read."""
    import pyoxigraph as ox  # noqa: PLC0415 - the parser our stores use

    secret = tmp_path / "secret.txt"
    secret.write_text(SECRET)
    jsonld = json.dumps({"@context": [f"{listener.url}/context.jsonld", {"@import": f"{listener.url}/imp"}],
                         "@id": "http://example.org/a", "http://example.org/p": "v"})
    try:
        list(ox.parse(jsonld.encode(), format=ox.RdfFormat.JSON_LD))
    except (SyntaxError, ValueError, OSError):
        pass  # refusing is fine; fetching is not
    xxe = (f'<?xml version="1.0"?>\n<!DOCTYPE r [<!ENTITY s SYSTEM "{secret.as_uri()}">'
           f'<!ENTITY n SYSTEM "{listener.url}/e">]>\n'
           '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:ex="http://example.org/">'
           '<rdf:Description rdf:about="http://example.org/a"><ex:p>&s;&n;</ex:p></rdf:Description></rdf:RDF>')
    try:
        parsed = " ".join(str(q) for q in ox.parse(xxe.encode(), format=ox.RdfFormat.RDF_XML))
    except (SyntaxError, ValueError, OSError):
        parsed = ""
    assert SECRET not in parsed
    assert listener.connections == []


def test_build_follows_no_owl_imports_and_parses_no_planted_json_ld(tmp_path, listener):
    settings = copy_sources(tmp_path)
    (Path(settings.shapes_dir) / "imports.ttl").write_text(
        f"<{listener.url}/shapes> <http://www.w3.org/2002/07/owl#imports> <{listener.url}/more-shapes> .\n")
    (Path(settings.ontology_dir) / "imports.ttl").write_text(
        f"<{listener.url}/ont> <http://www.w3.org/2002/07/owl#imports> <{listener.url}/more> .\n")
    (Path(settings.ontology_dir) / "planted.jsonld").write_text(
        json.dumps({"@context": f"{listener.url}/context.jsonld", "@id": "urn:x", "urn:p": "v"}))
    check(settings)
    assert listener.connections == []


def test_yaml_tags_construct_nothing(tmp_path):
    settings = copy_sources(tmp_path)
    marker = tmp_path / "pwned"
    path = Path(settings.data_dir) / "activities" / "aima.yaml"
    text = path.read_text(encoding="utf-8")
    evil = f'!!python/object/apply:os.system ["touch {marker}"]'
    path.write_text(text.replace("kind: ohjelma-toiminta", f"kind: {evil}"), encoding="utf-8")
    with pytest.raises(DataError) as caught:
        check(settings)
    problems = [p for p in caught.value.problems if p.file.endswith("aima.yaml")]
    assert problems and problems[0].line == 6 and "python/object" in problems[0].message_en
    assert not marker.exists()


@pytest.mark.parametrize("path", [
    "/dumps/../secret.txt", "/dumps/..%2fsecret.txt", "/dumps/%2e%2e%2fsecret.txt", "/dumps/secret.txt",
    "/dumps/meta.json", "/dumps/..%2f..%2fsecret.txt", "/dumps/%2e%2e/%2e%2e/secret.txt",
    "/static/../secret.txt", "/static/..%2f..%2fsecret.txt", "/static/%2e%2e/%2e%2e/%2e%2e/secret.txt",
    "/id/org/ehja.ttl/../../../secret.txt", "/id/..%2f..%2fsecret.txt", "/hsds/..%2fsecret.txt",
    "/.well-known/void.%2e%2e%2fsecret", "/catalog.%2e%2e%2fsecret.txt", "/sparql/examples/..%2f..%2fsecret.txt",
])
def test_path_traversal_never_reaches_the_disk(hclient, path):
    r = hclient.get(path)
    assert 400 <= r.status_code < 500, (path, r.status_code)
    assert SECRET not in r.get_data(as_text=True)


def test_only_listed_dumps_are_served(hclient):
    listed = hclient.get("/dumps/kokemus.ttl")
    assert listed.status_code == 200 and b"@prefix" in listed.data
    assert hclient.get("/dumps/report.ttl").status_code == 404  # in the build folder, but not a dump


# -- no script injection ----------------------------------------------------------------------

def assert_inert(body: str) -> None:
    """No executable script, event handler or javascript: URL; every JSON-LD block parses."""
    doc = parse(body)
    for el in doc.iter():
        for name, value in el.attrs.items():
            assert not name.startswith("on"), (el.tag, name, value)
            if name in ("href", "src", "action", "formaction"):
                assert not value.strip().lower().startswith(("javascript:", "data:text", "vbscript:")), value
        if el.tag == "script":
            assert el.get("type") == "application/ld+json", el.attrs
            json.loads(el.text)
        assert el.tag not in ("svg", "img", "iframe", "object", "embed") or not any(
            p in (el.get("src", "") + el.get("onload", "")) for p in ("alert", "x")), el.attrs
    for raw in (SCRIPT, BREAKOUT, IMG, "<svg onload"):
        assert raw not in body, raw


def scripts(body: str) -> list[str]:
    """The raw text of each <script> element up to the first `</script>`, as a browser would cut it."""
    return re.findall(r"<script[^>]*>(.*?)</script", body, flags=re.S | re.I)


def test_activity_page_shows_hostile_text_as_text(hclient):
    body = hclient.get(ACTIVITY).get_data(as_text=True)
    assert_inert(body)
    assert html.escape(SCRIPT, quote=False) in body or html.escape(SCRIPT) in body
    main = parse(body).find("main").text
    assert SCRIPT in main and JS_IRI in main and IMG in main
    assert "Kuule minua </script><script>alert(2)</script>" in parse(body).find("h1").text


def test_embedded_json_ld_cannot_break_out(hclient):
    body = hclient.get(ACTIVITY).get_data(as_text=True)
    blocks = [json.loads(text) for text in scripts(body)]  # cut where a browser would: still whole JSON
    assert any(BREAKOUT in json.dumps(b, ensure_ascii=False) for b in blocks)


def test_right_to_left_override_is_made_visible_in_pages(hclient):
    body = hclient.get(ACTIVITY).get_data(as_text=True)
    assert RLO not in body  # it would reverse the text after it; the page shows a visible mark instead
    assert "[U+202E]gnp.exe" in parse(body).find("h1").text
    turtle = hclient.get(ACTIVITY + ".ttl").get_data(as_text=True)
    assert RLO in turtle  # the data itself stays faithful


@pytest.mark.parametrize("path", [
    "/hakemisto", "/hakemisto?q=Kuule", "/hakemisto?q=" + urllib.parse.quote(SCRIPT),
    "/hakemisto?q=" + urllib.parse.quote(BREAKOUT), "/id/org/ehja", "/id/concept/palvelu-vertaisvastaanotto",
    "/?x=" + urllib.parse.quote(ATTR), "/hakemisto?lang=en&q=" + urllib.parse.quote(ATTR),
])
def test_listing_search_and_backlinks_escape_hostile_text(hclient, path):
    r = hclient.get(path)
    assert r.status_code in (200, 404), (path, r.status_code)
    assert_inert(r.get_data(as_text=True))


def test_search_shows_the_hostile_query_as_text(hclient):
    body = hclient.get("/hakemisto?q=" + urllib.parse.quote(SCRIPT)).get_data(as_text=True)
    assert_inert(body)
    field = parse(body).find("input", name="q")
    assert field is not None and field.get("value") == SCRIPT


@pytest.mark.parametrize("path", [
    "/id/" + urllib.parse.quote(SCRIPT), "/id/" + urllib.parse.quote(BREAKOUT), "/nothing/" + urllib.parse.quote(IMG),
    "/hsds/" + urllib.parse.quote(SCRIPT), "/dumps/" + urllib.parse.quote(SCRIPT),
    "/sparql/examples/" + urllib.parse.quote(SCRIPT), "/id/org/ehja?page=" + urllib.parse.quote(SCRIPT),
])
def test_error_pages_escape_the_echoed_path(hclient, path):
    r = hclient.get(path, headers={"Accept": "text/html"})
    assert 400 <= r.status_code < 500, (path, r.status_code)
    assert r.mimetype == "text/html"
    assert_inert(r.get_data(as_text=True))


def test_sparql_results_table_shows_terms_as_text(hclient):
    query = (f'SELECT ?text ?link ?label WHERE {{ BIND({json.dumps(SCRIPT + BREAKOUT)} AS ?text) '
             f'BIND(IRI("{JS_IRI}") AS ?link) '
             f'?a <http://schema.org/name> ?label FILTER(CONTAINS(STR(?label), "alert")) }}')
    r = sparql(hclient, query, accept="text/html")
    assert r.status_code == 200, r.get_data(as_text=True)[:1000]
    body = r.get_data(as_text=True)
    assert_inert(body)
    cells = [td.text for td in parse(body).find_all("td")]
    assert any(SCRIPT + BREAKOUT in c for c in cells)
    assert any(JS_IRI in c for c in cells)  # shown, never a link


def test_sparql_page_echoes_a_textarea_breakout_as_text(hclient):
    query = "SELECT * WHERE { ?s ?p ?o } # </textarea><script>alert(6)</script>"
    body = sparql(hclient, query, accept="text/html").get_data(as_text=True)
    assert_inert(body)
    assert parse(body).find("textarea").text.endswith("</textarea><script>alert(6)</script>")


# -- security headers on every kind of response ---------------------------------------------------

RESPONSES = [
    ("GET", "/", {}), ("GET", "/hakemisto", {}), ("GET", "/id/org/ehja", {}), ("GET", "/id/org/ehja.ttl", {}),
    ("GET", "/id/org/ehja", {"Accept": "application/ld+json"}), ("GET", "/sparql", {}),
    ("GET", "/sparql?query=ASK%7B%7D", {"Accept": "application/sparql-results+json"}),
    ("OPTIONS", "/sparql", {}), ("GET", "/catalog", {}), ("GET", "/dumps/kokemus.nt.gz", {}),
    ("GET", "/.well-known/void", {}), ("GET", "/changes", {}), ("GET", "/hsds/services", {}),
    ("GET", "/sitemap.xml", {}), ("GET", "/robots.txt", {}), ("GET", "/static/site.css", {}),
    ("GET", "/no/such/page", {}), ("GET", "/id/org/ehja", {"Accept": "image/png"}), ("DELETE", "/id/org/ehja", {}),
    ("GET", "/sparql?query=SELEC", {"Accept": "text/html"}),
]


@pytest.mark.parametrize("method, path, headers", RESPONSES)
def test_security_headers_on_every_response(client, method, path, headers):
    r = client.open(path, method=method, headers=headers)
    assert r.status_code < 500, (path, r.status_code)
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert r.headers["Referrer-Policy"]
    csp = r.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp and "'unsafe-inline'" not in csp and "'unsafe-eval'" not in csp
    assert "script-src 'self'" in csp and "object-src 'none'" in csp


def test_not_modified_keeps_the_security_headers(client):
    first = client.get("/id/org/ehja")
    again = client.get("/id/org/ehja", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
    assert again.headers["X-Content-Type-Options"] == "nosniff" and again.headers["Content-Security-Policy"]


# -- bounded work -----------------------------------------------------------------------------

def test_oversized_body_is_413_with_a_message(client):
    r = client.post("/sparql", data={"query": "SELECT * WHERE { ?s ?p ?o } #" + "x" * MAX_BODY_BYTES},
                    headers={"Accept": "text/plain"})
    assert r.status_code == 413
    assert "too large" in r.get_data(as_text=True)


def test_oversized_query_is_413_with_a_message(client, app):
    limit = app.extensions["kokemus"].settings.sparql_max_query_bytes
    r = client.post("/sparql", data="ASK {} #" + "x" * limit, content_type="application/sparql-query",
                    headers={"Accept": "text/plain"})
    assert r.status_code == 413
    assert str(limit) in r.get_data(as_text=True)


def test_oversized_query_string_is_414(client):
    r = client.get("/hakemisto?q=" + "a" * 200_000, headers={"Accept": "text/plain"})
    assert r.status_code == 414
    assert "too long" in r.get_data(as_text=True)


def test_huge_accept_header_is_cut_not_parsed_whole(client):
    accept = ",".join(f"application/x-{i}" for i in range(20_000)) + ",text/turtle"
    r = client.get("/id/org/ehja", headers={"Accept": accept})
    assert r.status_code == 406  # text/turtle lay beyond the limit, so nothing offered was asked for
    r = client.get("/id/org/ehja", headers={"Accept": "text/turtle," + accept})
    assert r.status_code == 200 and r.mimetype == "text/turtle"


@pytest.fixture(scope="module")
def tight_app(built):
    """An app with a tiny row cap and a short time limit."""
    settings = built.replace(sparql_row_cap=5, sparql_timeout=1.0)
    app = create_app(settings, EmbeddedStore(settings))
    app.config["TESTING"] = True
    return app


def test_row_cap_cuts_and_flags_the_answer(tight_app):
    r = sparql(tight_app.test_client(), "SELECT * WHERE { ?s ?p ?o }")
    assert r.status_code == 200 and r.headers["X-Truncated"] == "true"
    assert len(r.get_json()["results"]["bindings"]) == 5
    r = sparql(tight_app.test_client(), "CONSTRUCT WHERE { ?s ?p ?o }", accept="application/n-triples")
    assert r.status_code == 200 and r.headers["X-Truncated"] == "true"
    assert len(r.get_data(as_text=True).strip().splitlines()) == 5


PATHOLOGICAL = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"


def test_time_limit_stops_a_runaway_query_with_503(tight_app):
    r = sparql(tight_app.test_client(), PATHOLOGICAL)
    assert r.status_code == 503
    assert r.headers["Retry-After"]
    assert "stopped after 1 seconds" in r.get_data(as_text=True)


def test_a_slow_query_does_not_block_other_requests(tight_app):
    slow: dict = {}
    thread = threading.Thread(target=lambda: slow.setdefault("r", sparql(tight_app.test_client(), PATHOLOGICAL)))
    thread.start()
    try:
        fast = tight_app.test_client().get("/id/org/ehja.ttl")
        answered_while_slow_ran = thread.is_alive()
    finally:
        thread.join()
    assert fast.status_code == 200 and b"Ehj" in fast.data
    assert answered_while_slow_ran
    assert slow["r"].status_code == 503


@pytest.mark.parametrize("path", [
    "/id/org/ehja?page=100000", "/id/org/ehja?page=99999999999999999999", "/id/org/ehja?page=0",
    "/hakemisto?sivu=99999999999", "/hakemisto?sivu=-3",
])
def test_paging_is_bounded(client, path):
    r = client.get(path, headers=TEXT_FIRST)
    assert r.status_code == 400
    assert "page" in r.get_data(as_text=True)


def test_hsds_page_size_is_capped(client):
    r = client.get("/hsds/services?per_page=100000000")
    assert r.status_code in (200, 400)
    if r.status_code == 200:
        assert r.get_json()["size"] <= 500 or r.get_json().get("per_page", 0) <= 500


# -- bad input is a clear 4xx, never a 500 --------------------------------------------------------

BAD_REQUESTS = [
    # (path, headers, body, content type)
    ("/id/org/ehja", {"Accept": "text/turtle;q=abc,,,;;;q=2,/,*/"}, None, None),
    ("/id/org/ehja", {"Accept": "\x00\x01\x02"}, None, None),
    ("/id/org/ehja", {"Accept-Language": ";;;q=x" * 1000}, None, None),
    ("/id/org/ehja", {"If-Modified-Since": "not a date"}, None, None),
    ("/id/org/ehja", {"If-None-Match": '"' * 500}, None, None),
    ("/id/%ff%fe", {}, None, None), ("/id/%zz", {}, None, None), ("/id/%", {}, None, None),
    ("/id/%00", {}, None, None), ("/id/org/ehja%00.ttl", {}, None, None),
    ("/id/a%3Eb", {}, None, None), ("/id/a%20b", {}, None, None), ("/id/a%22b%7Bc%7D", {}, None, None),
    ("/id/org/ehja?lang=%ff", {}, None, None), ("/id/org/ehja?%ff=%fe", {}, None, None),
    ("/id/org/ehja?format=%ff", {}, None, None), ("/id/org/ehja?format=../../etc/passwd", {}, None, None),
    ("/id/org/ehja.exe", {}, None, None), ("/id/org/ehja?page=%ff", {}, None, None),
    ("/hakemisto?q=%ff%fe", {}, None, None), ("/hakemisto?palvelu=%ff", {}, None, None),
    ("/hakemisto?sivu=abc", {}, None, None),
    ("/sparql?query=%ff%fe", {"Accept": "application/sparql-results+json"}, None, None),
    ("/sparql?query=SELECT%20*%20WHERE%20%7B", {"Accept": "application/sparql-results+json"}, None, None),
    ("/sparql?query=ASK%7B%7D&default-graph-uri=%3Cbad%3E", {}, None, None),
    ("/sparql?query=ASK%7B%7D&format=nonsense", {"Accept": "application/sparql-results+json"}, None, None),
    ("/sparql", {}, b"\xff\xfe\xfd", "application/sparql-query"),
    ("/sparql", {}, b"query=%ff%fe", "application/x-www-form-urlencoded"),
    ("/sparql", {}, b"query=ASK{}", "text/plain"),
    ("/sparql", {}, b"query=ASK{}", "multipart/form-data; boundary=x"),
    ("/dumps/%ff", {}, None, None), ("/catalog.exe", {}, None, None), ("/.well-known/void.exe", {}, None, None),
    ("/changes?since=yesterday", {}, None, None), ("/changes/page/99999999999999999999", {}, None, None),
    ("/hsds/services?page=abc", {}, None, None), ("/hsds/services?per_page=-1", {}, None, None),
    ("/hsds/services?modified_after=%ff", {}, None, None), ("/hsds/nothing", {}, None, None),
]


@pytest.mark.parametrize("path, headers, body, ctype", BAD_REQUESTS)
def test_bad_input_is_a_clear_answer_never_a_500(client, path, headers, body, ctype):
    method = "POST" if body is not None else "GET"
    r = client.open(path, method=method, headers=headers, data=body, content_type=ctype)
    assert r.status_code < 500, (path, r.status_code, r.get_data(as_text=True)[:500])
    text = r.get_data(as_text=True)
    assert "Traceback" not in text and 'File "' not in text
    if r.status_code >= 400:
        assert r.headers["Content-Type"] and len(text) > 20  # a message, not an empty body


@pytest.mark.parametrize("path", ["/id/%3Cscript%3E", "/id/a%3Eb", "/id/a%20b", "/def/%7B%7D"])
def test_an_invalid_iri_is_a_client_error_that_says_so(client, path):
    r = client.get(path, headers=TEXT_FIRST)
    assert r.status_code == 400, r.status_code
    assert "not a valid IRI" in r.get_data(as_text=True)


# -- safeguarding: personal data of experience actors never reaches a build --------------------------

ATTEMPTS = [
    # (file, text to find, replacement): realistic editor mistakes
    ("kuule-minua.yaml", "yhteiskunnallisiin asioihin.",
     "yhteiskunnallisiin asioihin. Kokemusasiantuntija Matti Meikäläinen kertoo omasta tarinastaan."),
    ("kuule-minua.yaml", "yhteiskunnallisiin asioihin.",
     "yhteiskunnallisiin asioihin. Lisätietoja antaa vertaisohjaaja, puh. 040 123 4567."),
    ("kuule-minua.yaml", "yhteiskunnallisiin asioihin.",
     "yhteiskunnallisiin asioihin. Kysy kokemusasiantuntijaltamme: +358 50 765 4321."),
    ("kuule-minua.yaml", "yhteiskunnallisiin asioihin.",
     "yhteiskunnallisiin asioihin. Ota yhteyttä: liisa.virtanen@gmail.com"),
    ("kuule-minua.yaml", "yhteiskunnallisiin asioihin.",
     "yhteiskunnallisiin asioihin. Sähköposti: liisa.virtanen(at)hotmail.com"),
]


@pytest.fixture(scope="module")
def guarded(tmp_path_factory):
    """A published build of the real data, to attempt personal data against."""
    root = tmp_path_factory.mktemp("guarded")
    settings = copy_sources(root)
    first = build(settings)
    return settings, first


@pytest.mark.parametrize("file, find, replace", ATTEMPTS)
def test_personal_data_of_experience_actors_is_refused(guarded, file, find, replace):
    settings, first = guarded
    path = Path(settings.data_dir) / "activities" / file
    original = path.read_text(encoding="utf-8")
    assert find in original
    path.write_text(original.replace(find, replace, 1), encoding="utf-8")
    try:
        with pytest.raises(DataError) as caught:
            build(settings)
    finally:
        path.write_text(original, encoding="utf-8")
    located = [p for p in caught.value.problems if p.file.endswith(file) and p.severity == "violation"]
    assert located and located[0].line > 1, caught.value.problems
    assert any(word in " ".join(p.message_en for p in located) for word in ("person", "e-mail", "phone"))
    assert settings.current_dir.resolve() == first.path  # nothing was published
    published = " ".join(gzip.decompress(p.read_bytes()).decode() for p in Path(settings.publish_dir).rglob("*.nq.gz"))
    assert replace.split(". ", 1)[1][:20] not in published


def test_a_person_named_as_the_supporter_is_refused(guarded):
    settings, first = guarded
    path = Path(settings.data_dir) / "activities" / "finfami.yaml"
    original = path.read_text(encoding="utf-8")
    find = 'given_by: "yhdistyksen työnohjaaja"'
    assert find in original
    path.write_text(original.replace(find, 'given_by: "Liisa Virtanen"', 1), encoding="utf-8")
    try:
        with pytest.raises(DataError) as caught:
            build(settings)
    finally:
        path.write_text(original, encoding="utf-8")
    assert any("person" in p.message_en for p in caught.value.problems if p.file.endswith("finfami.yaml"))
    assert settings.current_dir.resolve() == first.path
