"""Content negotiation on the IRIs of the data, as a table (on both stores, through `client`).

Every answer is checked for what the client gets: the media type, and a body that parses in
that format and says the resource's label. Then the headers that make the answers cacheable
and discoverable: Vary, Link alternates, Content-Location, ETag / Last-Modified with 304, HEAD,
CORS, and 406 listing what is available.
"""

from __future__ import annotations

import re
from email.utils import format_datetime, parsedate_to_datetime
from datetime import timedelta

import pyoxigraph as ox
import pytest

from htmltree import parse

BASE = "https://kokemus.vslj.fi/"
PATH = "/id/activity/kuule-minua"
LABEL = "Kuule minua -hanke"
PREF_LABEL = "http://www.w3.org/2004/02/skos/core#prefLabel"
EXTENSIONS = {"text/html": "html", "text/turtle": "ttl", "application/ld+json": "jsonld",
              "application/n-triples": "nt", "application/rdf+xml": "rdf", "application/trig": "trig",
              "application/n-quads": "nq"}
OFFERED = list(EXTENSIONS)
FIREFOX = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8"
CHROME = ("text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,image/apng,*/*;q=0.8,"
          "application/signed-exchange;v=b3;q=0.7")
SAFARI = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"

NEGOTIATION = [
    # (what is asked: path suffix, Accept header -> the media type answered)
    # no Accept at all: people first
    ("", None, "text/html"),
    # each format by its own media type
    ("", "text/html", "text/html"),
    ("", "text/turtle", "text/turtle"),
    ("", "application/ld+json", "application/ld+json"),
    ("", "application/n-triples", "application/n-triples"),
    ("", "application/rdf+xml", "application/rdf+xml"),
    ("", "application/trig", "application/trig"),
    ("", "application/n-quads", "application/n-quads"),
    # q-values decide, not the order they are written in
    ("", "text/turtle;q=0.5, application/ld+json;q=0.9", "application/ld+json"),
    ("", "application/ld+json;q=0.4, text/turtle", "text/turtle"),
    ("", "application/n-triples;q=0.2, application/rdf+xml;q=0.3, text/turtle;q=0.1", "application/rdf+xml"),
    # q=0 refuses a type even when a wildcard would allow it
    ("", "text/html;q=0, */*;q=0.1", "text/turtle"),
    # a specific range outranks a wildcard of the same q
    ("", "*/*, application/trig", "application/trig"),
    # wildcards: anything -> HTML; any text -> HTML; any application type -> JSON-LD
    ("", "*/*", "text/html"),
    ("", "text/*", "text/html"),
    ("", "text/*;q=0.5, application/*", "application/ld+json"),
    ("", "application/*", "application/ld+json"),
    # browsers send these
    ("", FIREFOX, "text/html"),
    ("", CHROME, "text/html"),
    ("", SAFARI, "text/html"),
    # RDF clients: rdflib's Graph.parse(url) and a typical Linked Data crawler
    ("", "application/rdf+xml, text/rdf+n3;q=0.9, application/xhtml+xml;q=0.5, */*;q=0.1", "application/rdf+xml"),
    ("", "application/n-quads,application/trig;q=0.95,application/ld+json;q=0.9,*/*;q=0.1", "application/n-quads"),
    # media types are case-insensitive; parameters do not get in the way
    ("", "Text/Turtle; charset=UTF-8", "text/turtle"),
    ("", 'application/ld+json; profile="http://www.w3.org/ns/json-ld#expanded"', "application/ld+json"),
    # an Accept header that cannot be read is ignored, never a 500
    ("", "nonsense", "text/html"),
    ("", "text/turtle;q=lots", "text/html"),
    # a file extension names the format and wins over Accept
    (".html", "text/turtle", "text/html"),
    (".ttl", "text/html", "text/turtle"),
    (".jsonld", "text/html", "application/ld+json"),
    (".nt", "text/html", "application/n-triples"),
    (".rdf", "text/html", "application/rdf+xml"),
    (".trig", "text/html", "application/trig"),
    (".nq", "text/html", "application/n-quads"),
    # ?format= wins over Accept and over the extension; by name, extension or media type
    ("?format=turtle", "application/ld+json", "text/turtle"),
    ("?format=jsonld", "text/turtle", "application/ld+json"),
    ("?format=nt", "text/turtle", "application/n-triples"),
    ("?format=rdfxml", None, "application/rdf+xml"),
    ("?format=application/trig", None, "application/trig"),
    ("?format=html", "text/turtle", "text/html"),
    (".ttl?format=jsonld", "text/turtle", "application/ld+json"),
]


def get(client, path: str, accept: str | None = None, method: str = "GET", **headers):
    """A request with an optional Accept header."""
    if accept is not None:
        headers["Accept"] = accept
    return client.open(path, method=method, headers=headers)


def labels(body: bytes, media_type: str, iri: str) -> set[str]:
    """The labels the body gives the resource: skos:prefLabel triples, or the HTML page's h1."""
    if media_type == "text/html":
        return {h1.text for h1 in parse(body.decode("utf-8")).find_all("h1")}
    fmt = ox.RdfFormat.from_media_type(media_type)
    return {t.object.value for t in ox.parse(body, format=fmt, base_iri=BASE)
            if t.subject == ox.NamedNode(iri) and t.predicate.value == PREF_LABEL}


def link_alternates(response) -> dict[str, str]:
    """The Link header's alternates: media type -> href."""
    return {m["type"]: m["href"] for m in re.finditer(
        r'<(?P<href>[^>]*)>;\s*rel="alternate";\s*type="(?P<type>[^"]*)"', response.headers.get("Link", ""))}


@pytest.mark.parametrize("suffix, accept, expected", NEGOTIATION)
def test_negotiation_table(client, suffix, accept, expected):
    r = get(client, PATH + suffix, accept)
    assert r.status_code == 200
    assert r.mimetype == expected
    assert LABEL in labels(r.data, expected, BASE + PATH.lstrip("/"))
    assert "Accept" in [v.strip() for v in r.headers["Vary"].split(",")]
    assert r.headers["Content-Location"] == f"{PATH}.{EXTENSIONS[expected]}"
    assert r.headers["Access-Control-Allow-Origin"] == "*"


@pytest.mark.parametrize("path, label", [
    # (one IRI of each kind in the data, its Finnish label)
    ("/id/org/ehja", "Ehjä ry"),
    ("/id/org/mieli-lounais-suomi", "MIELI Lounais-Suomen mielenterveys ry"),
    ("/id/concept/palvelu-vertaisvastaanotto", "Vertaisvastaanotto tai vertaiskeskustelu"),
    ("/id/statistic/2023", "Kokemustoimijat vuonna 2023"),
    ("/id/faq/kuka-maksaa-palkkiot", "Kuka maksaa lastensuojelujärjestöjen kokemustoimijoiden palkkiot?"),
    ("/id/document/kokemustoimijat-tilaisuuksissa", "Kokemustoimijat tilaisuuksissa"),
])
@pytest.mark.parametrize("media_type", OFFERED[1:])
def test_every_kind_of_resource_in_every_rdf_format(client, path, label, media_type):
    r = get(client, path, media_type)
    assert r.status_code == 200 and r.mimetype == media_type
    assert label in labels(r.data, media_type, BASE + path.lstrip("/"))


@pytest.mark.parametrize("accept", [
    # (types we do not offer for a resource)
    "image/png",
    "application/pdf, image/*;q=0.5",
    "application/xml",
    "text/turtle;q=0, text/html;q=0, application/*;q=0",
])
def test_unsupported_types_get_406_listing_what_is_available(client, accept):
    r = get(client, PATH, accept)
    assert r.status_code == 406
    assert "Vary" in r.headers and "Accept" in r.headers["Vary"]
    body = r.get_data(as_text=True)
    assert all(media_type in body for media_type in OFFERED)


@pytest.mark.parametrize("accept, media_type", [
    # (how the client likes its errors -> the 406 body's type)
    ("application/json", "application/json"),
    (None, "text/html"),
])
def test_unknown_format_parameter_gets_406_in_the_clients_format(client, accept, media_type):
    r = get(client, PATH + "?format=pdf", accept)
    assert r.status_code == 406 and r.mimetype == media_type
    body = r.get_data(as_text=True)
    assert all(t in body for t in OFFERED)
    if media_type == "application/json":
        assert r.get_json()["available"] == OFFERED


@pytest.mark.parametrize("accept", [None, "text/turtle", "application/ld+json"])
def test_head_has_the_same_headers_and_no_body(client, accept):
    full = get(client, PATH, accept)
    head = get(client, PATH, accept, method="HEAD")
    assert head.status_code == 200 and head.data == b""
    for name in ("Content-Type", "ETag", "Last-Modified", "Link", "Vary", "Content-Location",
                 "Access-Control-Allow-Origin"):
        assert head.headers.get(name) == full.headers.get(name), name
    assert int(head.headers["Content-Length"]) == len(full.data)


@pytest.mark.parametrize("media_type", OFFERED)
def test_link_header_names_every_other_format_and_each_link_gives_it(client, media_type):
    r = get(client, PATH, media_type)
    alternates = link_alternates(r)
    assert sorted(alternates) == sorted(t for t in OFFERED if t != media_type)
    for other, href in alternates.items():
        # followed with the original Accept header, the link still gives the format it names
        followed = get(client, href, media_type)
        assert followed.status_code == 200 and followed.mimetype == other, href
        assert LABEL in labels(followed.data, other, BASE + PATH.lstrip("/"))


def test_html_page_links_every_rdf_format(client):
    doc = parse(get(client, PATH, "text/html").get_data(as_text=True))
    links = {link.attrs["type"]: link.attrs["href"] for link in doc.find_all("link", rel="alternate")}
    assert links == {t: f"{PATH}.{EXTENSIONS[t]}" for t in OFFERED[1:]}


@pytest.mark.parametrize("media_type", ["text/html", "text/turtle", "application/ld+json"])
def test_etag_and_if_none_match_give_304(client, media_type):
    r = get(client, PATH, media_type)
    etag = r.headers["ETag"]
    assert etag.startswith('"') and etag.endswith('"')
    again = get(client, PATH, media_type, **{"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""
    assert again.headers["ETag"] == etag
    weak = get(client, PATH, media_type, **{"If-None-Match": f'"other", W/{etag}'})
    assert weak.status_code == 304
    stale = get(client, PATH, media_type, **{"If-None-Match": '"not-this-one"'})
    assert stale.status_code == 200 and LABEL in labels(stale.data, media_type, BASE + PATH.lstrip("/"))


def test_each_format_has_its_own_etag(client):
    tags = {t: get(client, PATH, t).headers["ETag"] for t in OFFERED}
    assert len(set(tags.values())) == len(OFFERED)
    cross = get(client, PATH, "text/turtle", **{"If-None-Match": tags["application/ld+json"]})
    assert cross.status_code == 200


@pytest.mark.parametrize("media_type", ["text/html", "text/turtle"])
def test_last_modified_and_if_modified_since_give_304(client, media_type):
    r = get(client, PATH, media_type)
    last = parsedate_to_datetime(r.headers["Last-Modified"])
    same = get(client, PATH, media_type, **{"If-Modified-Since": r.headers["Last-Modified"]})
    assert same.status_code == 304 and same.data == b""
    later = get(client, PATH, media_type, **{"If-Modified-Since": format_datetime(last + timedelta(days=1), usegmt=True)})
    assert later.status_code == 304
    earlier = get(client, PATH, media_type,
                  **{"If-Modified-Since": format_datetime(last - timedelta(seconds=1), usegmt=True)})
    assert earlier.status_code == 200 and LABEL in labels(earlier.data, media_type, BASE + PATH.lstrip("/"))
    garbage = get(client, PATH, media_type, **{"If-Modified-Since": "yesterday"})
    assert garbage.status_code == 200


def test_if_none_match_wins_over_if_modified_since(client):
    r = get(client, PATH, "text/turtle")
    both = get(client, PATH, "text/turtle", **{"If-None-Match": '"changed"', "If-Modified-Since": r.headers["Last-Modified"]})
    assert both.status_code == 200


def test_last_modified_is_the_documents_modified_date(client):
    r = get(client, PATH, "application/n-triples")
    modified = [t.object.value for t in ox.parse(r.data, format=ox.RdfFormat.N_TRIPLES)
                if t.subject == ox.NamedNode(BASE + PATH.lstrip("/"))
                and t.predicate.value == "http://purl.org/dc/terms/modified"]
    assert len(modified) == 1
    from datetime import datetime
    assert parsedate_to_datetime(r.headers["Last-Modified"]) == datetime.fromisoformat(modified[0])


@pytest.mark.parametrize("accept, media_type", [
    # (Accept, the format of the 404 for an IRI with nothing published)
    ("text/turtle", "text/turtle"),
    ("application/ld+json", "application/ld+json"),
    ("text/html", "text/html"),
])
def test_missing_resource_is_404_in_the_negotiated_format(client, accept, media_type):
    r = get(client, "/id/activity/ei-ole", accept)
    assert r.status_code == 404 and r.mimetype == media_type
    assert "Nothing is published at this IRI" in r.get_data(as_text=True)
