"""HTML pages and the IRI dereferencing route.

`resources` is the catch-all for `/id/...` and `/def/...` (registered last); `bp` holds the
site's own pages (home, directory listing).
"""

from __future__ import annotations

from flask import Blueprint, g, request

from . import i18n
from .errors import ClientError
from .listing import listing, state_from_request
from .negotiation import HTML, RESOURCE_FORMATS, negotiate
from .page_about import home_context
from .pages import page_context, resource_page
from .render import graph_bytes, html, json_script
from .resources import alternates, load_document, split_format
from .site import data_response, site

bp = Blueprint("views", __name__)
resources = Blueprint("resources", __name__)


@bp.route("/")
def home():
    """The home page: the yearly statistic, the FAQ, the guidelines and the way in."""
    s = site()

    def make():
        return html("home.html", **page_context("home", **home_context(s, g.lang))).encode("utf-8")

    body = s.cached(("home", g.lang, request.query_string), make)
    return data_response(body, HTML, modified=s.store.build_info().get("built"), whole=True)  # Vary: Accept-Language


@bp.route("/hakemisto")
def directory():
    """The directory listing: facets with counts, free-text search and paging, all in the URL."""
    s = site()
    state = state_from_request()

    def make():
        model = listing(s, state, g.lang)
        jsonld = json_script({"@context": "http://schema.org/", "@type": "CollectionPage",
                              "name": i18n.t("listing_title", g.lang),
                              "mainEntity": {"@type": "ItemList", "numberOfItems": model["total"],
                                             "itemListElement": [
                                                 {"@type": "ListItem", "position": i, "url": row["iri"],
                                                  "name": row["link"]["text"]}
                                                 for i, row in enumerate(model["rows"], start=(state.page - 1)
                                                                         * s.settings.page_size + 1)]}})
        return html("listing.html", **page_context("listing", title=i18n.t("listing_title", g.lang),
                                                   jsonld=jsonld, **model)).encode("utf-8")

    body = s.cached(("listing", g.lang, request.query_string), make)
    return data_response(body, HTML, modified=s.store.build_info().get("built"), whole=True)  # Vary: Accept-Language


@resources.route("/id/<path:rest>", methods=["GET", "HEAD"])
@resources.route("/def/<path:rest>", methods=["GET", "HEAD"])
def resource(rest: str):
    """Any IRI of the data: its document as HTML, Turtle, JSON-LD, N-Triples, RDF/XML, TriG or N-Quads."""
    s = site()
    path, explicit = split_format(s, request.path)
    explicit = request.args.get("format") or explicit
    fmt = negotiate(request.headers.get("Accept"), RESOURCE_FORMATS, explicit)
    iri = s.iri_for_path(path)
    try:
        page = int(request.args.get("page", "1"))
    except ValueError:
        raise ClientError(400, "Sivunumeron pitää olla luku. / The page must be a number.") from None
    doc = load_document(s, iri, page)
    if doc is None:
        gone = s.store.build_info().get("gone", {})
        if iri in gone:
            raise ClientError(410, f"Tämä merkintä poistettiin {gone[iri]}. / This entry was removed on {gone[iri]}.")
        raise ClientError(404, "Tällä osoitteella ei ole julkaistua sisältöä. / Nothing is published at this IRI.")
    lang_q = f"?lang={g.lang}" if g.lang != "fi" else ""
    alts = [(href, f) for href, f in alternates(path, lang_q) if f is not fmt]
    location = f"{path}.{fmt.extension}"  # the URL of exactly this representation

    def make():
        if fmt is HTML:
            return resource_page(s, doc, alts).encode("utf-8")
        return graph_bytes(doc.triples, fmt, s.vocab.prefixes)

    body = s.cached(("body", iri, page, fmt.name, g.lang), make)
    return data_response(body, fmt, modified=doc.modified, alternates=alts, content_location=location, whole=True)
