"""The Open Referral HSDS 3.0 crosswalk: the directory as services, organizations and taxonomies.

Decisions (see docs/harvesting.md):
- One HSDS `service` per activity (kt:Activity, a directory entry): the activity is what a
  client or a professional turns to. No `program` objects: each would wrap exactly one
  service and add nothing. The activity's "Palvelut" bullets, target groups, actor roles,
  kinds of support and programme kind become `attributes` linking `taxonomy_terms`.
- Taxonomies are our SKOS concept schemes, terms their concepts; `taxonomy.uri` and
  `taxonomy_term.term_uri` are our IRIs, so the terms stay ours (HSDS advises referencing
  external taxonomies rather than re-publishing them).
- Organizations are the NGOs and their units (a unit has `parent_organization_id`); a service
  of a unit names the unit as its organization.
- `status` is "active": the directory lists current work only. `languages` is Finnish: the
  source is in Finnish and names no other language. The source describes no organisation, so
  an organization's (required) `description` is empty rather than invented.
- Ids are UUIDv5 of our IRIs (uuid.NAMESPACE_URL), so they never change while the IRI stays.
- `metadata` is the entry's change history from the change feed (create/update, when, by VSLJ).
"""

from __future__ import annotations

import dataclasses
import uuid

VERSION = "3.0"
PROFILE = "https://github.com/openreferral/specification/tree/3.0"
OPENAPI_URL = "https://raw.githubusercontent.com/openreferral/specification/3.0/schema/openapi.json"
# kt: property of an activity -> the attribute's link_type (what the term says about the service)
LINK_TYPES = {"offersService": "service_type", "targetGroup": "audience", "actorRole": "actor_role",
              "programmeKind": "programme_kind", "supportKind": "support_kind"}


def uid(iri: str) -> str:
    """The HSDS id of one of our IRIs (or of an IRI plus a qualifier): UUIDv5 in the URL namespace."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, iri))


@dataclasses.dataclass
class Directory:
    """The whole HSDS export of one build, with lookups by id."""

    services: list[dict]
    organizations: list[dict]
    taxonomies: list[dict]
    taxonomy_terms: list[dict]

    def by_id(self, kind: str) -> dict[str, dict]:
        """Objects of a kind ('services', 'organizations', ...) keyed by id."""
        return {o["id"]: o for o in getattr(self, kind)}

    def export(self, generated: str, license_iri: str) -> dict:
        """The JSON dump listed in the catalogue."""
        return {"version": VERSION, "profile": PROFILE, "generated": generated, "license": license_iri,
                "services": self.services, "organizations": self.organizations,
                "taxonomies": self.taxonomies, "taxonomy_terms": self.taxonomy_terms}


def build_directory(rows: dict[str, list[dict]], events: list[dict]) -> Directory:
    """Everything, from the query rows (`hsds_*` queries, values as strings) and the change events."""
    taxonomies = [_taxonomy(r) for r in _first_per(rows["taxonomies"], "scheme")]
    tax_by_iri = {t["uri"]: t for t in taxonomies}
    terms = [_term(r, tax_by_iri) for r in _first_per(rows["terms"], "concept")]
    term_by_iri = {t["term_uri"]: t for t in terms}
    organizations = [_organization(r) for r in _first_per(rows["organizations"], "org")]
    org_by_iri = {o["uri"]: o for o in organizations}
    history = _history(events)
    services = [_service(r, rows, org_by_iri, term_by_iri, history)
                for r in _first_per(rows["services"], "activity")]
    return Directory(services, organizations, taxonomies, terms)


def _first_per(rows: list[dict], key: str) -> list[dict]:
    """One row per subject (the first; queries order their rows), in order."""
    seen, out = set(), []
    for r in rows:
        if r[key] not in seen:
            seen.add(r[key])
            out.append(r)
    return out


def _taxonomy(r: dict) -> dict:
    return {"id": uid(r["scheme"]), "name": r.get("title") or r["scheme"], "description": r.get("description") or "",
            "uri": r["scheme"]}


def _term(r: dict, taxonomies: dict) -> dict:
    taxonomy = taxonomies.get(r["scheme"])
    term = {"id": uid(r["concept"]), "code": r.get("notation") or r["concept"].rsplit("/", 1)[-1],
            "name": r.get("name") or r["concept"], "description": r.get("definition") or "", "language": "fi",
            "term_uri": r["concept"]}
    if r.get("broader"):
        term["parent_id"] = uid(r["broader"])
    if taxonomy:
        term.update(taxonomy=taxonomy["name"], taxonomy_id=taxonomy["id"])
    return term


def _organization(r: dict) -> dict:
    org = {"id": uid(r["org"]), "name": r.get("name") or r["org"], "description": "", "uri": r["org"]}
    if r.get("alt"):
        org["alternate_name"] = r["alt"]
    if r.get("homepage"):
        org["website"] = r["homepage"]
    if r.get("parent"):
        org["parent_organization_id"] = uid(r["parent"])
    if r.get("identifier"):
        org["organization_identifiers"] = [{
            "id": uid(r["org"] + "#y-tunnus"), "organization_id": org["id"], "identifier_scheme": "FI-PRO",
            "identifier_type": "Y-tunnus (Finnish business id)", "identifier": r["identifier"]}]
    return org


def _history(events: list[dict]) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for e in events:
        out.setdefault(e["object"], []).append(e)
    return out


def _service(r: dict, rows: dict, orgs: dict, terms: dict, history: dict) -> dict:
    activity = r["activity"]
    sid = uid(activity)
    org = orgs.get(r.get("unit") or r["org"])
    service = {"id": sid, "name": r.get("name") or activity.rsplit("/", 1)[-1], "status": "active"}
    if org:
        service["organization_id"] = org["id"]
    if r.get("description"):
        service["description"] = r["description"]
    if r.get("url"):
        service["url"] = r["url"]
    if r.get("modified"):
        service["last_modified"] = r["modified"]
    audiences = [a for a in rows["audiences"] if a["activity"] == activity]
    texts = [a["text"] for a in audiences if a.get("text")]
    if texts:
        service["eligibility_description"] = "; ".join(dict.fromkeys(texts))
    for field, key, pick in (("minimum_age", "min", min), ("maximum_age", "max", max)):
        values = [a.get(key) for a in audiences]
        if values and all(v is not None for v in values):
            service[field] = pick(float(v) for v in values)
    if org:
        service["organization"] = org
    service["service_areas"] = [
        {"id": uid(f"{activity} {a['area']}"), "service_id": sid, "name": a.get("label") or a["area"],
         "uri": a["area"], **({"description": a["note"]} if a.get("note") else {})}
        for a in rows["areas"] if a["activity"] == activity]
    service["languages"] = [{"id": uid(activity + " language fi"), "service_id": sid, "name": "suomi", "code": "fi"}]
    service["attributes"] = [
        {"id": uid(f"{activity} {t['concept']}"), "link_id": sid, "link_entity": "service",
         "link_type": LINK_TYPES.get(t["property"].rsplit("#", 1)[-1], "classification"),
         "taxonomy_term_id": terms[t["concept"]]["id"], "taxonomy_term": terms[t["concept"]]}
        for t in rows["service_terms"] if t["activity"] == activity and t["concept"] in terms]
    service["metadata"] = [
        {"id": uid(f"{activity} change {e['seq']}"), "resource_id": sid, "resource_type": "service",
         "last_action_date": e["published"], "last_action_type": e["type"].lower(), "field_name": "",
         "previous_value": "", "replacement_value": "", "updated_by": "VSLJ"}
        for e in history.get(activity, [])]
    return service


def summary(service: dict) -> dict:
    """A service with its one-to-one fields only (what `/services` lists)."""
    return {k: v for k, v in service.items() if not isinstance(v, (list, dict))}
