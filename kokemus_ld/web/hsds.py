"""The Open Referral HSDS 3.0 read API under `/hsds/` (the crosswalk is `harvest/hsds.py`).

`GET /hsds/` names the version, `/services`, `/organizations`, `/taxonomies` and
`/taxonomy_terms` list in the HSDS `Page` envelope (`page`, `per_page`, `search`, and for
services `modified_after`, `taxonomy_term_id`, `taxonomy_id`, `organization_id`, `full`),
`/<kind>/<id>` answers one object (a service fully nested). The whole export is built once
per build from the store and cached; `/hsds/export.json` is its JSON dump (in the catalogue).
"""

from __future__ import annotations

import hashlib
import json

from flask import Blueprint, request

from ..harvest import hsds
from ..harvest.catalog import parse_since, when
from .errors import ClientError
from .feed import events
from .negotiation import JSON
from .queries import named
from .site import data_response, site

bp = Blueprint("hsds", __name__, url_prefix="/hsds")
MAX_PER_PAGE = 500
QUERIES = {"services": "hsds_services", "service_terms": "hsds_service_terms", "areas": "hsds_service_areas",
           "audiences": "hsds_audiences", "organizations": "hsds_organizations", "taxonomies": "hsds_taxonomies",
           "terms": "hsds_terms"}
KINDS = ("services", "organizations", "taxonomies", "taxonomy_terms")


def directory() -> hsds.Directory:
    """The HSDS export of the current build (queried once per build)."""
    s = site()

    def make():
        kt = str(s.vocab.KT)
        rows = {key: [{var: term.value for var, term in row.items()}
                      for row in s.store.query(named(name, kt=kt), limit=100_000).dicts()]
                for key, name in QUERIES.items()}
        return hsds.build_directory(rows, events())

    return s.cached(("hsds",), make)


def export_body() -> tuple[bytes, str]:
    """The JSON dump of the whole export and its SHA-256 (what the catalogue lists)."""
    s = site()

    def make():
        info = s.store.build_info()
        body = json.dumps(directory().export(info["built"], s.settings.license), ensure_ascii=False,
                          indent=1).encode()
        return body, hashlib.sha256(body).hexdigest()

    return s.cached(("hsds-export",), make)


def _json(data, modified: str | None = None):
    return data_response(json.dumps(data, ensure_ascii=False, indent=1), JSON, modified=modified,
                         vary_accept=False)


@bp.route("/", methods=["GET", "HEAD"])
def root():
    """What this API is: HSDS 3.0, its profile and OpenAPI definition."""
    return _json({"version": hsds.VERSION, "profile": hsds.PROFILE, "openapi_url": hsds.OPENAPI_URL})


@bp.route("/export.json", methods=["GET", "HEAD"])
def export():
    """The whole HSDS export in one JSON file (services fully nested)."""
    body, _digest = export_body()
    return data_response(body, JSON, modified=site().store.build_info()["built"], vary_accept=False)


@bp.route("/<kind>", methods=["GET", "HEAD"])
def listing(kind: str):
    """A paged list of services, organizations, taxonomies or taxonomy terms."""
    if kind not in KINDS:
        raise ClientError(404, f"HSDS-rajapinnassa ei ole kohdetta {kind}. / No such HSDS endpoint: {kind}.")
    d = directory()
    items = list(getattr(d, kind))
    search = request.args.get("search", "").strip().lower()
    if search:
        items = [i for i in items if search in _searchable(i)]
    if kind == "services":
        items = _filter_services(items)
        if request.args.get("full", "").lower() not in ("1", "true", "yes"):
            items = [hsds.summary(i) for i in items]
    elif kind == "taxonomy_terms" and request.args.get("taxonomy_id"):
        items = [i for i in items if i.get("taxonomy_id") == request.args["taxonomy_id"]]
    return _json(_page(items))


@bp.route("/<kind>/<ident>", methods=["GET", "HEAD"])
def one(kind: str, ident: str):
    """One service (fully nested), organization, taxonomy or taxonomy term by its UUID."""
    if kind not in KINDS:
        raise ClientError(404, f"HSDS-rajapinnassa ei ole kohdetta {kind}. / No such HSDS endpoint: {kind}.")
    d = directory()
    found = d.by_id(kind).get(ident)
    if found is None:
        raise ClientError(404, f"Tunnisteella {ident} ei löydy kohdetta. / Nothing has the id {ident}.")
    if kind == "taxonomy_terms" and found.get("taxonomy_id"):
        found = {**found, "taxonomy_detail": d.by_id("taxonomies")[found["taxonomy_id"]]}
    return _json(found, modified=found.get("last_modified"))


def _searchable(item: dict) -> str:
    """The text `search` looks in: names, descriptions and the names of linked terms."""
    parts = [str(item.get(k, "")) for k in ("name", "alternate_name", "description", "eligibility_description", "code")]
    parts += [a["taxonomy_term"]["name"] for a in item.get("attributes", [])]
    return " ".join(parts).lower()


def _filter_services(items: list[dict]) -> list[dict]:
    """The service filters of the HSDS API, combined with AND."""
    args = request.args
    try:
        since = parse_since(args.get("modified_after"))
    except ValueError:
        raise ClientError(400, "modified_after: anna ISO 8601 -aika. / modified_after must be an ISO 8601 date-time.") \
            from None
    if since:
        items = [i for i in items if i.get("last_modified") and when(i["last_modified"]) >= since]
    if args.get("taxonomy_term_id"):
        items = [i for i in items if any(a["taxonomy_term_id"] == args["taxonomy_term_id"] for a in i["attributes"])]
    if args.get("taxonomy_id"):
        items = [i for i in items if any(a["taxonomy_term"].get("taxonomy_id") == args["taxonomy_id"]
                                         for a in i["attributes"])]
    if args.get("organization_id"):
        org = args["organization_id"]
        items = [i for i in items if i.get("organization_id") == org
                 or i.get("organization", {}).get("parent_organization_id") == org]
    return items


def _page(items: list) -> dict:
    """The HSDS `Page` envelope around one page of `items`."""
    try:
        number = int(request.args.get("page", "1"))
        per_page = int(request.args.get("per_page", str(site().settings.page_size)))
    except ValueError:
        raise ClientError(400, "page ja per_page ovat lukuja. / page and per_page must be numbers.") from None
    if number < 1 or not 1 <= per_page <= MAX_PER_PAGE:
        raise ClientError(400, f"page >= 1, 1 <= per_page <= {MAX_PER_PAGE}.")
    total_pages = -(-len(items) // per_page)
    contents = items[(number - 1) * per_page:number * per_page]
    return {"total_items": len(items), "total_pages": total_pages, "page_number": number, "size": len(contents),
            "first_page": number == 1, "last_page": number >= total_pages, "empty": not items,
            "contents": contents}
