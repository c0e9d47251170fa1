"""What harvesters fetch: the DCAT-AP catalogue, the dumps, VoID, the sitemap and robots.txt.

The catalogue (`/catalog`) and VoID (`/.well-known/void`) answer in every RDF format by
content negotiation (and HTML for the catalogue). Dumps are the build's own files, served
with the ETag the build gave them (a `.gz` file's SHA-256), Content-Length, Last-Modified and
byte ranges; a `.gz` dump is a gzip *file* (`Content-Type: application/gzip`, no
Content-Encoding), so its size and checksum are those the catalogue states and a range means
bytes of the compressed file. A plain dump has no checksum: it is its `.gz` decompressed.
The change feed lives in `feed.py` and is registered on this blueprint.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from pathlib import Path

import pyoxigraph as ox
from flask import Blueprint, current_app, g, request, send_file
from werkzeug.wsgi import FileWrapper

from ..build.dumps import PlainDump
from ..harvest.catalog import (HSDS_SCHEMA, Download, Statistics, catalog_triples, dataset_modified, namespace_of,
                               parse_since, void_triples, when)
from ..vocab import DCAT, DCT
from . import feed
from .errors import ClientError
from .negotiation import GZIP, HTML, JSON, RESOURCE_FORMATS, TEXT, XML, by_name, negotiate
from .pages import page_context
from .queries import named
from .render import graph_bytes, html
from .resources import alternates, load_document, split_format
from .site import data_response, pick, site

bp = Blueprint("harvest", __name__)
bp.register_blueprint(feed.bp)
DUMP_CACHE_SECONDS = 300


# -- the catalogue ---------------------------------------------------------------------------

def downloads() -> list[Download]:
    """Every file listed in the catalogue: the build's dumps and the HSDS export."""
    from .hsds import export_body  # noqa: PLC0415 - hsds is a sibling blueprint module

    s = site()
    info = s.store.build_info()
    out = []
    for name, entry in info["dumps"].items():
        fmt = by_name(entry["format"], RESOURCE_FORMATS)
        out.append(Download(name, f"{s.vocab.base}dumps/{name}", fmt.name, fmt.media_type, entry["gzip"],
                            entry["bytes"], entry.get("sha256")))
    body, digest = export_body()
    out.append(Download("hsds.json", f"{s.vocab.base}hsds/export.json", "json", JSON.media_type, False,
                        len(body), digest, conforms_to=HSDS_SCHEMA))
    return out


def _catalog(since: dt.datetime | None) -> list:
    """The catalogue's triples for this build (and `modified_since`), cached."""
    s = site()

    def make():
        info = s.store.build_info()
        doc = load_document(s, s.vocab.dataset)  # the dataset's own triples and its links' labels
        dataset_doc = doc.own + doc.linked if doc else []
        schemes = defaultdict(list)
        for row in s.store.query(named("catalog_schemes")).rows:
            schemes[row[0].value] += [row[1]] if row[1] is not None else []
        stats = [(r[0].value, r[1].value) for r in s.store.query(
            named("catalog_statistics", statistic=str(s.vocab.KT.Statistic))).rows]
        return catalog_triples(s.vocab, info, s.settings.license, dataset_doc, downloads(), sorted(schemes.items()),
                               stats, since)

    return s.cached(("catalog", since.isoformat() if since else None), make)


@bp.route("/catalog", methods=["GET", "HEAD"])
@bp.route("/catalog.<ext>", methods=["GET", "HEAD"])
def catalog(ext: str | None = None):
    """The DCAT-AP 3 catalogue: datasets, distributions (one per dump), data services; `?modified_since=`."""
    s = site()
    _, explicit = split_format(s, request.path)
    fmt = negotiate(request.headers.get("Accept"), RESOURCE_FORMATS, request.args.get("format") or explicit)
    if ext and explicit is None:
        raise ClientError(404, "Tuntematon muoto. / Unknown format.")
    try:
        since = parse_since(request.args.get("modified_since"))
    except ValueError:
        raise ClientError(400, "modified_since: anna ISO 8601 -aika, esim. 2024-01-31T00:00:00Z. / "
                               "modified_since must be an ISO 8601 date-time, e.g. 2024-01-31T00:00:00Z.") from None
    triples = _catalog(since)
    info = s.store.build_info()
    modified = max(dataset_modified(info, s.vocab).values(), key=when)
    alts = [(href, f) for href, f in alternates("/catalog") if f is not fmt]

    def make():
        if fmt is HTML:
            return html("catalog.html", **page_context("catalog", title=_title(triples, s.vocab.catalog),
                                                       catalog=_catalog_view(triples), since=since,
                                                       alternates=alts)).encode()
        return graph_bytes(triples, fmt, s.vocab.prefixes)

    body = s.cached(("catalog-body", since.isoformat() if since else None, fmt.name, g.lang), make)
    return data_response(body, fmt, modified=modified, alternates=alts,
                         content_location="/catalog" + (f".{fmt.extension}" if fmt is not HTML else ""))


def _title(triples, subject: str) -> str:
    return pick([t.object for t in triples if t.subject.value == subject and t.predicate.value == str(DCT.title)],
                g.lang)[0] or subject


def _catalog_view(triples) -> dict:
    """The catalogue as the HTML page shows it: datasets with their distributions, and the services."""
    about: dict[str, dict[str, list]] = defaultdict(lambda: defaultdict(list))
    for t in triples:
        about[t.subject.value][t.predicate.value].append(t.object)
    s, lang = site(), g.lang

    def first(node, pred):
        values = about[node][str(pred)]
        return values[0].value if values else None

    def entry(node):
        props = about[node]
        return {"iri": node, "href": s.link(node), "title": pick(props[str(DCT.title)], lang)[0] or node,
                "description": pick(props[str(DCT.description)], lang)[0],
                "modified": first(node, DCT.modified)}

    def distribution(node):
        checksum = first(node, "http://spdx.org/rdf/terms#checksum")
        url = first(node, DCAT.downloadURL) or first(node, DCAT.accessURL)
        return {**entry(node), "url": url, "href": s.path_for(url) or url,  # a file: no ?lang=
                "media_type": (first(node, DCAT.mediaType) or "").rsplit("/media-types/", 1)[-1],
                "gzip": bool(about[node][str(DCAT.compressFormat)]), "size": first(node, DCAT.byteSize),
                "sha256": first(checksum, "http://spdx.org/rdf/terms#checksumValue") if checksum else None}

    catalog_iri = s.vocab.catalog
    datasets = [{**entry(d.value), "keywords": [k.value for k in about[d.value][str(DCAT.keyword)]
                                                if k.language == lang or (lang != "fi" and k.language == "en")],
                 "distributions": [distribution(x.value) for x in sorted(about[d.value][str(DCAT.distribution)],
                                                                         key=lambda n: n.value)]}
                for d in about[catalog_iri][str(DCAT.dataset)]]
    services = [{**entry(x.value), "endpoint": first(x.value, DCAT.endpointURL),
                 "endpoint_href": s.path_for(first(x.value, DCAT.endpointURL))}
                for x in about[catalog_iri][str(DCAT.service)]]
    license_iri = first(catalog_iri, DCT.license)
    return {**entry(catalog_iri), "issued": first(catalog_iri, DCT.issued), "datasets": datasets,
            "services": services, "license": license_iri,
            "license_label": pick([o for o in about[license_iri]["http://www.w3.org/2000/01/rdf-schema#label"]],
                                  lang)[0] or license_iri}


# -- dumps -----------------------------------------------------------------------------------

@bp.route("/dumps/<name>", methods=["GET", "HEAD"])
def dump(name: str):
    """One dump file of the current build (only names the build lists: no path ever reaches the disk).

    A `.gz` is sent as the file it is; a plain dump is its `.gz` inflated on the way (it is not
    kept on disk, build/dumps.py), with its size, ETag and byte ranges all the same."""
    info = site().store.build_info()
    entry = info["dumps"].get(name)
    if entry is None:
        raise ClientError(404, "Tällaista tiedostoa ei ole. Luettelo: /catalog / No such file. The list: /catalog")
    path = Path(info["_path"]) / name
    fmt = GZIP if entry["gzip"] else by_name(entry["format"], RESOURCE_FORMATS)
    etag, modified = entry.get("etag") or entry["sha256"], when(info["built"])
    if "starts" not in entry:  # a gzip, or a plain dump of a build that wrote it as a file
        response = send_file(path, mimetype=fmt.content_type, conditional=True, etag=etag, last_modified=modified,
                             max_age=DUMP_CACHE_SECONDS, download_name=name, as_attachment=False)
    else:
        plain = PlainDump(Path(f"{path}.gz"), entry["bytes"], entry["starts"])
        response = current_app.response_class(FileWrapper(plain, PlainDump.CHUNK), mimetype=fmt.content_type,
                                              direct_passthrough=True)
        response.content_length, response.last_modified = entry["bytes"], modified
        response.set_etag(etag)
        response.headers["Content-Disposition"] = f"inline; filename={name}"
        response = response.make_conditional(request.environ, accept_ranges=True, complete_length=entry["bytes"])
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Access-Control-Expose-Headers"] = "ETag, Content-Length, Content-Range"
    response.headers["Cache-Control"] = f"public, max-age={DUMP_CACHE_SECONDS}"
    return response


# -- VoID, sitemap, robots ---------------------------------------------------------------------

@bp.route("/.well-known/void", methods=["GET", "HEAD"])
@bp.route("/.well-known/void.<ext>", methods=["GET", "HEAD"])
def void(ext: str | None = None):
    """The VoID description of the dataset, in any RDF format (Turtle for a browser asking HTML)."""
    s = site()
    offered = [f for f in RESOURCE_FORMATS if f is not HTML]
    explicit = request.args.get("format") or ext
    accept = request.headers.get("Accept")
    fmt = negotiate(accept, offered, explicit) if explicit or not _wants_html(accept) else offered[0]

    def make():
        counts = s.store.query(named("void_counts", base=s.vocab.base)).rows[0]
        terms = s.store.query(named("void_terms"), limit=10_000).rows
        examples = s.store.query(named("void_examples", kt=str(s.vocab.KT))).rows
        vocabularies = sorted({namespace_of(r[0].value) for r in terms  # (not a remote store's urn: bookkeeping)
                               if isinstance(r[0], ox.NamedNode) and r[0].value.startswith(("http://", "https://"))})
        stats = Statistics(int(counts[0].value), int(counts[1].value), int(counts[2].value), vocabularies,
                           [r[1].value for r in examples])
        triples = void_triples(s.vocab, stats, downloads(), s.vocab.base + ".well-known/void")
        return graph_bytes(triples, fmt, s.vocab.prefixes)

    body = s.cached(("void", fmt.name), make)
    alts = [(f"/.well-known/void.{f.extension}", f) for f in offered if f is not fmt]
    return data_response(body, fmt, modified=s.store.build_info()["built"], alternates=alts)


def _wants_html(accept: str | None) -> bool:
    try:
        return negotiate(accept, [HTML] + [f for f in RESOURCE_FORMATS if f is not HTML]) is HTML
    except Exception:  # noqa: BLE001 - a malformed Accept just means "no preference"
        return False


@bp.route("/sitemap.xml", methods=["GET", "HEAD"])
def sitemap():
    """Every document's HTML page with its content-derived last change, for search engines."""
    s = site()
    info = s.store.build_info()

    def make():
        modified = dataset_modified(info, s.vocab)
        pages = [(s.vocab.base, max(modified.values(), key=when)), (s.vocab.catalog, max(modified.values(), key=when))]
        pages += sorted((doc, stamp) for doc, stamp in info.get("modified", {}).items()
                        if doc.startswith((s.vocab.base + "id/", s.vocab.base + "def/"))
                        and doc != s.vocab.base + "id/orphans")
        urls = [{"loc": doc, "lastmod": when(stamp).astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")}
                for doc, stamp in pages]
        return html("sitemap.xml", urls=urls).encode()

    return data_response(s.cached(("sitemap",), make), XML, modified=info["built"], vary_accept=False,
                         cache_seconds=3600)


@bp.route("/robots.txt", methods=["GET", "HEAD"])
def robots():
    """Crawl the pages, not the query endpoint's answers; the sitemap lists every page."""
    s = site()
    body = html("robots.txt", sitemap=s.vocab.base + "sitemap.xml")
    return data_response(body, TEXT, vary_accept=False, cache_seconds=86400)

