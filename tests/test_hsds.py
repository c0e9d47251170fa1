"""The Open Referral HSDS 3.0 API: every response validates against the HSDS JSON Schemas."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator, FormatChecker
from referencing import Registry, Resource

BASE = "https://kokemus.vslj.fi/"
HSDS = Path("/work/shared/reference/hsds-3.0")
SCHEMA_BASE = "https://hsds.invalid/schema/"  # a local name, only so relative $refs resolve offline


def _load(name: str) -> dict:
    schema = json.loads((HSDS / name).read_text())
    return {**schema, "$id": SCHEMA_BASE + name}


REGISTRY = Registry().with_resources(
    (SCHEMA_BASE + p.name, Resource.opaque(_load(p.name))) for p in HSDS.glob("*.json") if p.name != "openapi.json")
PAGE = json.loads((HSDS / "openapi.json").read_text())["components"]["schemas"]["Page"]
ROOT = json.loads((HSDS / "openapi.json").read_text())["paths"]["/"]["get"]["responses"]["200"]["content"][
    "application/json"]["schema"]


def check(instance, schema_name: str | None = None, schema: dict | None = None) -> None:
    """Validate against an HSDS schema file (refs resolved locally) or a given schema; fail listing every error."""
    schema = schema or _load(schema_name)
    validator = Draft202012Validator(schema, registry=REGISTRY, format_checker=FormatChecker())
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(instance)]
    assert not errors, errors


def get(client, path: str):
    r = client.get(path)
    assert r.status_code == 200, (path, r.get_data(as_text=True)[:300])
    assert r.headers["Content-Type"].startswith("application/json")
    return r.get_json()


def check_page(body: dict, item_schema: str) -> None:
    check(body, schema=PAGE)
    for key in ("total_items", "total_pages", "page_number", "size", "first_page", "last_page", "empty", "contents"):
        assert key in body
    assert body["size"] == len(body["contents"])
    for item in body["contents"]:
        check(item, item_schema)


def test_root_names_version_profile_and_openapi(client):
    body = get(client, "/hsds/")
    check(body, schema=ROOT)
    assert body["version"] == "3.0"
    assert body["openapi_url"].endswith("openapi.json") and body["profile"].startswith("https://")


def test_services_list_validates_and_has_every_activity(client):
    body = get(client, "/hsds/services")
    check_page(body, "service.json")
    assert body["total_items"] == 7 and body["first_page"] and body["last_page"] and not body["empty"]
    names = {s["name"] for s in body["contents"]}
    assert "Feeniks-työ" in names and "Kuule minua -hanke" in names
    for s in body["contents"]:
        assert s["status"] == "active"
        assert not any(isinstance(v, (list, dict)) for v in s.values())  # the list has one-to-one fields only


def test_service_ids_are_uuid5_of_our_iris(client):
    body = get(client, "/hsds/services?search=kuule minua")
    [service] = body["contents"]
    assert service["id"] == str(uuid.uuid5(uuid.NAMESPACE_URL, BASE + "id/activity/kuule-minua"))
    assert service["organization_id"] == str(uuid.uuid5(uuid.NAMESPACE_URL, BASE + "id/org/ehja"))


def test_every_full_service_validates_against_the_compiled_schema(client):
    listing = get(client, "/hsds/services?full=true")
    check_page(listing, "compiled-service_with_definitions.json")
    for summary in get(client, "/hsds/services")["contents"]:
        service = get(client, f"/hsds/services/{summary['id']}")
        check(service, "compiled-service_with_definitions.json")
        assert service["organization"]["id"] == service["organization_id"]
        assert service["languages"] == [{"id": service["languages"][0]["id"], "service_id": service["id"],
                                         "name": "suomi", "code": "fi"}]
        assert service["service_areas"] and service["attributes"] and service["metadata"]


def test_service_attributes_point_at_our_concepts(client):
    service = get(client, "/hsds/services/" + str(uuid.uuid5(uuid.NAMESPACE_URL, BASE + "id/activity/finfami-kokemustoiminta")))
    terms = {a["taxonomy_term"]["term_uri"]: a for a in service["attributes"]}
    for concept in ("palvelu-tyopari", "palvelu-ryhmanohjaus", "kr-omaiset", "rooli-vertaisomainen", "tuki-tyonohjaus"):
        assert BASE + "id/concept/" + concept in terms, concept
    assert terms[BASE + "id/concept/palvelu-tyopari"]["link_type"] == "service_type"
    assert terms[BASE + "id/concept/kr-omaiset"]["link_type"] == "audience"
    for attribute in service["attributes"]:
        assert attribute["link_id"] == service["id"] and attribute["link_entity"] == "service"
        assert attribute["taxonomy_term_id"] == str(uuid.uuid5(uuid.NAMESPACE_URL, attribute["taxonomy_term"]["term_uri"]))
    [area] = service["service_areas"]
    assert area["uri"] == BASE + "id/concept/alue-maakunta-02" and area["name"] == "Varsinais-Suomi"
    assert client.get("/id/concept/palvelu-tyopari").status_code == 200  # term_uri dereferences


def test_organizations_validate_and_units_name_their_parent(client):
    body = get(client, "/hsds/organizations?per_page=100")
    check_page(body, "organization.json")
    by_uri = {o["uri"]: o for o in body["contents"]}
    unit = by_uri[BASE + "id/org/mieli-lounais-suomi#turun-kriisikeskus"]
    assert unit["parent_organization_id"] == by_uri[BASE + "id/org/mieli-lounais-suomi"]["id"]
    assert by_uri[BASE + "id/org/vslj"]["website"] == "https://vslj.fi/"
    for org in body["contents"]:
        one = get(client, f"/hsds/organizations/{org['id']}")
        check(one, "organization.json")
        assert one == org


def test_taxonomies_and_terms_validate(client):
    taxonomies = get(client, "/hsds/taxonomies")
    check_page(taxonomies, "taxonomy.json")
    by_uri = {t["uri"]: t for t in taxonomies["contents"]}
    services = by_uri[BASE + "id/scheme/palvelut"]
    check(get(client, f"/hsds/taxonomies/{services['id']}"), "taxonomy.json")
    terms = get(client, f"/hsds/taxonomy_terms?taxonomy_id={services['id']}&per_page=500")
    check_page(terms, "taxonomy_term.json")
    assert terms["total_items"] >= 12
    assert all(t["taxonomy_id"] == services["id"] for t in terms["contents"])
    term = next(t for t in terms["contents"] if t["term_uri"] == BASE + "id/concept/palvelu-vertaisvastaanotto")
    one = get(client, f"/hsds/taxonomy_terms/{term['id']}")
    check(one, "taxonomy_term.json")
    assert one["taxonomy_detail"]["uri"] == BASE + "id/scheme/palvelut"


def test_paging_envelope(client):
    first = get(client, "/hsds/services?per_page=3")
    last = get(client, "/hsds/services?per_page=3&page=3")
    beyond = get(client, "/hsds/services?per_page=3&page=9")
    for body in (first, last, beyond):
        check(body, schema=PAGE)
    assert (first["total_pages"], first["size"], first["first_page"], first["last_page"]) == (3, 3, True, False)
    assert (last["size"], last["last_page"], last["first_page"]) == (1, True, False)
    assert beyond["contents"] == [] and not beyond["empty"]
    ids = [s["id"] for p in (1, 2, 3) for s in get(client, f"/hsds/services?per_page=3&page={p}")["contents"]]
    assert len(set(ids)) == 7
    for bad in ("page=0", "per_page=0", "page=x", "per_page=100000"):
        assert client.get(f"/hsds/services?{bad}").status_code == 400


def test_filters(client):
    mieli = str(uuid.uuid5(uuid.NAMESPACE_URL, BASE + "id/org/mieli-lounais-suomi"))
    assert [s["name"] for s in get(client, f"/hsds/services?organization_id={mieli}")["contents"]] == ["Feeniks-työ"]
    term = str(uuid.uuid5(uuid.NAMESPACE_URL, BASE + "id/concept/palvelu-tyopari"))
    with_term = get(client, f"/hsds/services?taxonomy_term_id={term}&full=true")["contents"]
    assert with_term and all(any(a["taxonomy_term_id"] == term for a in s["attributes"]) for s in with_term)
    none = get(client, "/hsds/services?modified_after=2999-01-01T00:00:00Z")
    check(none, schema=PAGE)
    assert none["empty"] and none["total_items"] == 0
    assert get(client, "/hsds/services?modified_after=2000-01-01")["total_items"] == 7
    assert client.get("/hsds/services?modified_after=soon").status_code == 400
    assert get(client, "/hsds/services?search=VERTAISTUKEA")["total_items"] >= 1


def test_unknown_ids_and_endpoints_are_404(client):
    assert client.get(f"/hsds/services/{uuid.uuid4()}").status_code == 404
    assert client.get("/hsds/programs").status_code == 404


def test_the_json_dump_validates_and_is_in_the_catalogue(client):
    r = client.get("/hsds/export.json")
    dump = r.get_json()
    assert dump["version"] == "3.0"
    for service in dump["services"]:
        check(service, "compiled-service_with_definitions.json")
    for kind, schema in (("organizations", "organization.json"), ("taxonomies", "taxonomy.json"),
                         ("taxonomy_terms", "taxonomy_term.json")):
        assert dump[kind]
        for item in dump[kind]:
            check(item, schema)
    catalog = client.get("/catalog.nt").get_data(as_text=True)
    assert f"<{BASE}hsds/export.json>" in catalog


@pytest.mark.parametrize("path", ["/hsds/services", "/hsds/organizations", "/hsds/taxonomies", "/hsds/taxonomy_terms"])
def test_lists_are_cacheable(client, path):
    r = client.get(path)
    assert r.headers["ETag"] and r.headers["Access-Control-Allow-Origin"] == "*"
    assert client.get(path, headers={"If-None-Match": r.headers["ETag"]}).status_code == 304
