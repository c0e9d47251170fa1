"""What a harvester fetches: the DCAT-AP catalogue, the dumps, VoID, the sitemap and robots.txt."""

from __future__ import annotations

import gzip
import hashlib
import re
from collections import Counter, defaultdict
from pathlib import Path

import pyoxigraph as ox
import pytest
from pyshacl import validate
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import DCAT, DCTERMS as DCT, RDF, SH

from kokemus_ld.store.remote import META_GRAPH

BASE = "https://kokemus.vslj.fi/"
DCAT_AP = Path("/work/shared/reference/dcat-ap-3.0.1")
SPDX = "http://spdx.org/rdf/terms#"
VOID = "http://rdfs.org/ns/void#"
RDF_FORMATS = [  # (extension, rdflib parser name)
    ("ttl", "turtle"), ("jsonld", "json-ld"), ("nt", "nt"), ("rdf", "xml"), ("trig", "trig"), ("nq", "nquads")]


def path_of(iri: str) -> str:
    """The local request path of one of our IRIs."""
    assert iri.startswith(BASE), iri
    return "/" + iri[len(BASE):]


def catalog_graph(client, query: str = "") -> Graph:
    r = client.get("/catalog" + query, headers={"Accept": "text/turtle"})
    assert r.status_code == 200
    assert r.headers["Content-Type"].startswith("text/turtle")
    return Graph().parse(data=r.get_data(as_text=True), format="turtle")


@pytest.fixture(scope="module")
def dcat_ap_shapes() -> Graph:
    """The official DCAT-AP 3.0.1 shapes, mandatory and recommended (no imports: offline)."""
    shapes = Graph()
    for name in ("shapes.ttl", "shapes_recommended.ttl"):
        shapes.parse(DCAT_AP / name, format="turtle")
    return shapes


# -- the catalogue ---------------------------------------------------------------------------

def test_catalog_passes_the_official_dcat_ap_shapes(client, dcat_ap_shapes):
    data = catalog_graph(client)
    conforms, report, text = validate(data, shacl_graph=dcat_ap_shapes, inference="none", allow_warnings=True)
    violations = [r for r in report.subjects(RDF.type, SH.ValidationResult)
                  if report.value(r, SH.resultSeverity) == SH.Violation]
    assert not violations, text
    assert conforms, text


def test_catalog_has_the_recommended_properties_too(client, dcat_ap_shapes):
    """Warnings (recommended properties) are reported only for the concept-scheme dataset's missing
    temporal coverage and the directory's: neither has one the source states."""
    data = catalog_graph(client)
    _, report, _ = validate(data, shacl_graph=dcat_ap_shapes, inference="none")
    warnings = {(str(report.value(r, SH.focusNode)), str(report.value(r, SH.resultPath)))
                for r in report.subjects(RDF.type, SH.ValidationResult)}
    assert warnings <= {(BASE + "id/dataset", str(DCT.temporal)), (BASE + "catalog#luokitukset", str(DCT.temporal))}


def test_catalog_describes_publisher_licence_coverage_and_service(client):
    g = catalog_graph(client)
    cat, ds = URIRef(BASE + "catalog"), URIRef(BASE + "id/dataset")
    assert (cat, RDF.type, DCAT.Catalog) in g
    assert (cat, DCAT.dataset, ds) in g
    vslj = g.value(cat, DCT.publisher)
    assert (vslj, URIRef("http://xmlns.com/foaf/0.1/name"), Literal("Varsinais-Suomen lastensuojelujärjestöt ry",
                                                                     lang="fi")) in g
    assert g.value(ds, DCT.license) == URIRef("http://creativecommons.org/licenses/by/4.0/")
    assert (ds, DCT.spatial, URIRef(BASE + "id/concept/alue-maakunta-02")) in g
    assert (ds, DCAT.theme, URIRef("http://publications.europa.eu/resource/authority/data-theme/SOCI")) in g
    assert (ds, DCT.language, URIRef("http://publications.europa.eu/resource/authority/language/FIN")) in g
    assert (ds, DCT.conformsTo, URIRef(BASE + "def/shapes")) in g
    assert {k.language for k in g.objects(ds, DCAT.keyword)} == {"fi", "en"}
    contact = g.value(ds, DCAT.contactPoint)
    assert g.value(contact, URIRef("http://www.w3.org/2006/vcard/ns#hasURL")) == URIRef("https://vslj.fi/")
    assert not list(g.objects(contact, URIRef("http://www.w3.org/2006/vcard/ns#hasEmail")))
    sparql = URIRef(BASE + "catalog#sparql")
    assert g.value(sparql, DCAT.endpointURL) == URIRef(BASE + "sparql")
    assert (sparql, DCAT.servesDataset, ds) in g
    assert g.value(sparql, DCT.conformsTo) == URIRef("https://www.w3.org/TR/sparql11-protocol/")
    stats = URIRef(BASE + "catalog#tilastot")
    period = g.value(stats, DCT.temporal)
    assert str(g.value(period, DCAT.startDate)) == "2023-01-01" and str(g.value(period, DCAT.endDate)) == "2023-12-31"
    assert g.value(cat, DCT.issued) is not None and g.value(cat, DCT.modified) is not None


def test_every_dump_is_a_distribution_with_its_true_size_and_checksum(client):
    g = catalog_graph(client)
    ds = URIRef(BASE + "id/dataset")
    urls = {}
    for dist in g.objects(ds, DCAT.distribution):
        url = str(g.value(dist, DCAT.downloadURL))
        assert g.value(dist, DCAT.accessURL) is not None
        assert str(g.value(dist, DCAT.mediaType)).startswith("https://www.iana.org/assignments/media-types/")
        assert str(g.value(dist, DCT.format)).startswith("http://publications.europa.eu/resource/authority/file-type/")
        checksum = g.value(dist, URIRef(SPDX + "checksum"))
        if checksum is not None:
            assert g.value(checksum, URIRef(SPDX + "algorithm")) == URIRef(SPDX + "checksumAlgorithm_sha256")
            checksum = str(g.value(checksum, URIRef(SPDX + "checksumValue")))
        urls[url] = (int(g.value(dist, DCAT.byteSize)), checksum, g.value(dist, DCAT.compressFormat))
    names = {u.rsplit("/", 1)[-1] for u in urls}
    assert {"kokemus.ttl", "kokemus.nt", "kokemus.jsonld", "kokemus.ttl.gz", "kokemus.nt.gz", "kokemus.jsonld.gz",
            "export.json"} <= names
    bodies = {}
    for url, (size, digest, compressed) in urls.items():
        body = bodies[url] = client.get(path_of(url)).data
        assert len(body) == size, url
        assert (compressed is not None) == url.endswith(".gz")
    for url, (_size, digest, _compressed) in urls.items():
        if url.endswith((".ttl", ".nt", ".nq", ".trig", ".jsonld")):  # a plain dump: checked through its .gz
            assert digest is None and gzip.decompress(bodies[url + ".gz"]) == bodies[url], url
            digest = urls[url + ".gz"][1]
            body = bodies[url + ".gz"]
        else:
            body = bodies[url]
        assert hashlib.sha256(body).hexdigest() == digest, url


@pytest.mark.parametrize("ext, parser", RDF_FORMATS)
def test_catalog_in_every_rdf_format_is_the_same_graph(client, ext, parser):
    turtle = catalog_graph(client)
    r = client.get(f"/catalog.{ext}")
    assert r.status_code == 200
    other = Graph().parse(data=r.data, format=parser)
    assert isomorphic(turtle, other)


def test_catalog_html_lists_datasets_and_downloads(client):
    r = client.get("/catalog?lang=en", headers={"Accept": "text/html"})
    page = r.get_data(as_text=True)
    assert r.status_code == 200 and "<h1>Open data catalogue of lived-experience work</h1>" in page
    assert "Lived-experience work in Southwest Finland" in page
    assert 'href="/dumps/kokemus.ttl.gz"' in page and 'href="/hsds/export.json"' in page
    assert 'href="/sparql"' in page
    assert 'id="luokitukset"' in page and 'id="tilastot"' in page  # the datasets' IRIs resolve to their section


def test_modified_since_leaves_out_unchanged_datasets(client):
    everything = catalog_graph(client, "?modified_since=2000-01-01T00:00:00Z")
    assert len(list(everything.objects(URIRef(BASE + "catalog"), DCAT.dataset))) == 3
    nothing = catalog_graph(client, "?modified_since=2999-01-01T00:00:00Z")
    assert not list(nothing.objects(URIRef(BASE + "catalog"), DCAT.dataset))
    assert not list(nothing.subjects(RDF.type, DCAT.Distribution))
    assert (URIRef(BASE + "catalog"), RDF.type, DCAT.Catalog) in nothing
    assert client.get("/catalog?modified_since=yesterday").status_code == 400


# -- dumps -------------------------------------------------------------------------------------

def _store_quads(app) -> dict:
    """The store's content, per named graph, as rdflib graphs (blank nodes stay per graph); a remote
    store's bookkeeping graph (the build's meta) is not data."""
    store = app.extensions["kokemus"].store
    rows = store.query(f"SELECT ?g ?s ?p ?o WHERE {{ GRAPH ?g {{ ?s ?p ?o }} FILTER(?g != <{META_GRAPH}>) }}",
                       limit=10_000_000).rows
    graphs = defaultdict(Graph)
    for g, s, p, o in rows:
        graphs[g.value].add((_rdflib(s), _rdflib(p), _rdflib(o)))
    return graphs


def _rdflib(term):
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if term.language:
        return Literal(term.value, lang=term.language)
    return Literal(term.value, datatype=URIRef(term.datatype.value))


def same_triples(a: Graph, b: Graph) -> bool:
    """Equal graphs: ground triples as sets; blank-node triples as multisets after naming each blank
    node by its neighbourhood (three rounds of refinement; rdflib's `isomorphic` is exact but takes
    seconds on the shapes' RDF lists)."""
    return _ground(a) == _ground(b) and _blank_signature(a) == _blank_signature(b)


def _ground(g: Graph) -> set:
    return {t for t in g if not any(isinstance(x, BNode) for x in t)}


def _blank_signature(g: Graph) -> Counter:
    triples = [t for t in g if any(isinstance(x, BNode) for x in t)]
    names = {x: "" for t in triples for x in t if isinstance(x, BNode)}

    def name(x):
        return names[x] if isinstance(x, BNode) else x.n3()

    for _ in range(3):
        around = defaultdict(list)
        for s_, p_, o_ in triples:
            if isinstance(s_, BNode):
                around[s_].append(("out", p_.n3(), name(o_)))
            if isinstance(o_, BNode):
                around[o_].append(("in", p_.n3(), name(s_)))
        names = {x: hashlib.sha256(repr(sorted(around[x])).encode()).hexdigest() for x in names}
    return Counter((name(s_), p_.n3(), name(o_)) for s_, p_, o_ in triples)


def _union(graphs: dict) -> Graph:
    out = Graph()
    for g in graphs.values():
        out += g
    return out


@pytest.fixture(scope="module")
def store_content(app):
    return _store_quads(app)


DUMPS = ["kokemus.ttl", "kokemus.nt", "kokemus.nq", "kokemus.trig", "kokemus.jsonld"]


@pytest.mark.parametrize("name", DUMPS + [n + ".gz" for n in DUMPS])
def test_every_dump_parses_back_to_the_store_content(client, store_content, name):
    r = client.get(f"/dumps/{name}")
    assert r.status_code == 200
    body = r.data
    if name.endswith(".gz"):
        assert r.headers["Content-Type"] == "application/gzip"
        assert "Content-Encoding" not in r.headers
        body = gzip.decompress(body)
        name = name[:-3]
    fmt = {"ttl": ox.RdfFormat.TURTLE, "nt": ox.RdfFormat.N_TRIPLES, "nq": ox.RdfFormat.N_QUADS,
           "trig": ox.RdfFormat.TRIG, "jsonld": ox.RdfFormat.JSON_LD}[name.rsplit(".", 1)[-1]]
    parsed = defaultdict(Graph)
    for q in ox.parse(body, format=fmt):
        graph = q.graph_name.value if isinstance(q.graph_name, ox.NamedNode) else None
        parsed[graph].add((_rdflib(q.subject), _rdflib(q.predicate), _rdflib(q.object)))
    if fmt.supports_datasets:  # same graphs, each with the same triples
        assert set(parsed) == set(store_content)
        for graph, triples in store_content.items():
            assert same_triples(parsed[graph], triples), graph
    else:
        assert same_triples(_union(parsed), _union(store_content))


@pytest.mark.parametrize("name, media_type", [
    ("kokemus.ttl", "text/turtle"), ("kokemus.nt", "application/n-triples"), ("kokemus.jsonld", "application/ld+json"),
    ("kokemus.nq", "application/n-quads"), ("kokemus.trig", "application/trig"), ("kokemus.nt.gz", "application/gzip")])
def test_dump_headers(client, name, media_type):
    r = client.get(f"/dumps/{name}")
    assert r.headers["Content-Type"].split(";")[0] == media_type
    assert int(r.headers["Content-Length"]) == len(r.data)
    if name.endswith(".gz"):
        assert r.headers["ETag"] == '"' + hashlib.sha256(r.data).hexdigest() + '"'
    else:  # named by its blocks' keys (build/dumps.py): not its gzip twin's, not another format's
        assert re.fullmatch(r'"[0-9a-f]{64}"', r.headers["ETag"])
        others = {client.head(f"/dumps/{other}").headers["ETag"] for other in (name + ".gz", "kokemus.nq", "kokemus.ttl")
                  if other != name}
        assert r.headers["ETag"] not in others
    assert r.headers["Accept-Ranges"] == "bytes"
    assert r.headers["Last-Modified"]


def test_dump_ranges_and_revalidation(client):
    whole = client.get("/dumps/kokemus.nt").data
    part = client.get("/dumps/kokemus.nt", headers={"Range": "bytes=100-199"})
    assert part.status_code == 206
    assert part.data == whole[100:200]
    assert part.headers["Content-Range"] == f"bytes 100-199/{len(whole)}"
    tail = client.get("/dumps/kokemus.nt", headers={"Range": "bytes=-50"})
    assert tail.status_code == 206 and tail.data == whole[-50:]
    etag = client.get("/dumps/kokemus.nt").headers["ETag"]
    assert client.get("/dumps/kokemus.nt", headers={"If-None-Match": etag}).status_code == 304
    head = client.head("/dumps/kokemus.nt")
    assert head.status_code == 200 and int(head.headers["Content-Length"]) == len(whole)


@pytest.mark.parametrize("name", ["meta.json", "report.ttl", "changes.json", "..%2Fmeta.json", "../meta.json",
                                  "%2Fetc%2Fpasswd", "kokemus.csv"])
def test_dumps_serve_only_the_listed_files(client, name):
    r = client.get(f"/dumps/{name}")
    assert r.status_code == 404
    assert b"root:" not in r.data and b"build_id" not in r.data


# -- VoID, sitemap, robots ---------------------------------------------------------------------

def test_void_states_size_vocabularies_dumps_and_endpoint(client, app):
    r = client.get("/.well-known/void", headers={"Accept": "text/turtle"})
    assert r.status_code == 200
    g = Graph().parse(data=r.get_data(as_text=True), format="turtle")
    ds = URIRef(BASE + "id/dataset")
    v = lambda name: URIRef(VOID + name)  # noqa: E731
    assert (ds, RDF.type, v("Dataset")) in g
    store = app.extensions["kokemus"].store
    count = store.query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }").rows[0][0].value
    assert str(g.value(ds, v("triples"))) == count
    assert int(g.value(ds, v("entities"))) > 100 and int(g.value(ds, v("classes"))) > 10
    vocabularies = {str(x) for x in g.objects(ds, v("vocabulary"))}
    assert {BASE + "def/kt#", "http://www.w3.org/2004/02/skos/core#", "http://www.w3.org/ns/org#"} <= vocabularies
    assert Literal(BASE + "id/") in set(g.objects(ds, v("uriSpace")))
    assert g.value(ds, v("sparqlEndpoint")) == URIRef(BASE + "sparql")
    dumps = {str(x).rsplit("/", 1)[-1] for x in g.objects(ds, v("dataDump"))}
    assert {"kokemus.ttl", "kokemus.nt", "kokemus.jsonld", "kokemus.nt.gz"} <= dumps
    examples = list(g.objects(ds, v("exampleResource")))
    assert any("/id/activity/" in str(e) for e in examples)
    for example in examples:
        assert client.get(path_of(str(example))).status_code == 200


@pytest.mark.parametrize("ext, parser", [f for f in RDF_FORMATS])
def test_void_in_every_rdf_format(client, ext, parser):
    r = client.get(f"/.well-known/void.{ext}")
    assert r.status_code == 200
    g = Graph().parse(data=r.data, format=parser)
    assert (URIRef(BASE + "id/dataset"), URIRef(VOID + "sparqlEndpoint"), URIRef(BASE + "sparql")) in g


def test_sitemap_lists_every_document_and_every_url_resolves(client):
    r = client.get("/sitemap.xml")
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("application/xml")
    entries = re.findall(r"<loc>([^<]+)</loc><lastmod>([^<]+)</lastmod>", r.get_data(as_text=True))
    locs = {loc for loc, _ in entries}
    for must in ("id/activity/kuule-minua", "id/org/ehja", "id/concept/alue-maakunta-02", "id/dataset", "catalog"):
        assert BASE + must in locs
    for loc, lastmod in entries:
        page = client.get(path_of(loc), headers={"Accept": "text/html"})
        assert page.status_code == 200, loc
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", lastmod)


def test_sitemap_lastmod_is_the_documents_modified_date(client):
    body = client.get("/sitemap.xml").get_data(as_text=True)
    lastmod = re.search(rf"<loc>{re.escape(BASE)}id/org/ehja</loc><lastmod>([^<]+)</lastmod>", body).group(1)
    g = Graph().parse(data=client.get("/id/org/ehja.ttl").get_data(as_text=True), format="turtle")
    modified = g.value(URIRef(BASE + "id/org/ehja"), DCT.modified).toPython()
    assert modified.strftime("%Y-%m-%dT%H:%M:%SZ") == lastmod


def test_robots_allows_pages_and_points_at_the_sitemap(client):
    text = client.get("/robots.txt").get_data(as_text=True)
    assert "User-agent: *" in text and "Allow: /\n" in text
    assert "Disallow: /sparql?" in text
    assert f"Sitemap: {BASE}sitemap.xml" in text
