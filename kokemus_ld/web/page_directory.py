"""The directory's own pages: an activity reads like the seed's entry; an organisation page.

Every concept is a link with its label; the seed's verbatim bullet texts are shown as they
are, next to the concepts they were mapped to.
"""

from __future__ import annotations

from ..vocab import CPSV, DCT, FOAF, ORG, RDFS, SKOS
from . import wording
from .pages import DocView, labelled_links, local_name, select
from .render import json_script
from .site import Site

SCHEMA_CONTEXT = "http://schema.org/"


def activity_page(s: Site, view: DocView) -> tuple[str, dict]:
    """An activity: what it does, services, training, support, actors, target groups, area."""
    a, kt = view.iri, view.kt_term
    context = {
        "heading": view.text(a, kt("sourceHeading")),
        "organisations": view.links(a, kt("organisation")),
        "units": view.links(a, kt("unit")),
        "kinds": view.links(a, kt("programmeKind")),
        "description": view.text(a, DCT.description),
        "offerings": [{"text": view.text(p, kt("sourceText")), "services": view.links(p, kt("serviceType"))}
                      for p in view.parts(a, "offering")],
        "trainings": [training_view(view, t) for t in view.iris(a, kt("training"))],
        "support": [support_view(view, p) for p in view.parts(a, "support")],
        "actors": [group_view(view, p, "role") for p in view.parts(a, "actorGroup")],
        "audiences": [group_view(view, p, "targetGroup") for p in view.parts(a, "audience")],
        "areas": view.links(a, kt("area")),
        "nationwide": view.flag(a, kt("nationwide")),
        "area_note": view.text(a, kt("areaNote")),
        "guidelines": view.links(a, CPSV.follows),
        "sources": view.iris(a, DCT.source),
    }
    context["jsonld"] = json_script(activity_jsonld(view, context))
    return "activity.html", context


def _qualifier(view: DocView, subject: str, name: str) -> str | None:
    found = view.iris(subject, view.kt_term(name))
    return view.label(found[0])["text"] if found else None


def training_view(view: DocView, t: str) -> dict:
    """The Koulutus block: description, hours, duration, selection, provider, requirements."""
    kt, lang = view.kt_term, view.lang
    volumes = []
    for v in view.parts(t, "volume"):
        unit = view.iris(v, kt("hourUnit"))
        volumes.append({
            "source": view.text(v, kt("sourceText")),
            "name": view.text(v, RDFS.label),
            "amount": wording.hours(view.number(v, kt("minHours")), view.number(v, kt("maxHours")),
                                    local_name(unit[0]) if unit else None,
                                    view.label(unit[0])["text"] if unit else None,
                                    _qualifier(view, v, "hoursQualifier"), lang),
        })
    duration = wording.duration_range(_lexical(view, t, kt("minDuration")), _lexical(view, t, kt("maxDuration")),
                                      lang)
    weekly = wording.duration_range(_lexical(view, t, kt("weeklyWorkload")), None, lang)
    return {
        "description": view.text(t, DCT.description), "volumes": volumes, "duration": duration, "weekly": weekly,
        "selection": view.links(t, kt("selectionMethod")),
        "providers": view.links(t, kt("trainingProvider")), "provider_note": view.text(t, kt("providerNote")),
        "for_roles": view.links(t, kt("trainingFor")), "locations": view.links(t, kt("trainingLocation")),
        "requirements": view.text(t, kt("requirementNote")),
    }


def _lexical(view: DocView, subject: str, predicate: str) -> str | None:
    term = view.value(subject, predicate)
    return term.value if term is not None else None


def support_view(view: DocView, p: str) -> dict:
    """One support bullet: its verbatim text, kinds, modes, who gives it, and its schedules."""
    kt = view.kt_term
    schedules = []
    for sch in view.iris(p, kt("schedule")):
        mode = view.iris(sch, kt("mode"))
        schedules.append({
            "text": wording.schedule(view.number(sch, "http://schema.org/repeatCount"),
                                     _lexical(view, sch, "http://schema.org/repeatFrequency"),
                                     _qualifier(view, sch, "frequencyQualifier"),
                                     view.label(mode[0])["text"] if mode else None, view.lang),
            "source": view.text(sch, kt("sourceText")),
        })
    return {
        "text": view.text(p, kt("sourceText")), "kinds": view.links(p, kt("supportKind")),
        "modes": view.links(p, kt("mode")), "given_by": view.text(p, kt("givenBy")),
        "applies_to": view.links(p, kt("appliesToRole")), "on_demand": view.flag(p, kt("onDemand")),
        "schedules": [x for x in schedules if x["text"]],
    }


def group_view(view: DocView, p: str, concept: str) -> dict:
    """Who the actors are (`concept` role) or whom the work is for (target group): ages, source's words."""
    kt = view.kt_term
    low, high = view.number(p, kt("minAge")), view.number(p, kt("maxAge"))
    return {
        "concepts": view.links(p, kt(concept)), "min_age": low, "max_age": high,
        "ages": wording.ages(low, high, _qualifier(view, p, "ageQualifier"), view.lang),
        "engagement": view.links(p, kt("engagement")), "source": view.text(p, kt("sourceText")),
    }


def activity_jsonld(view: DocView, c: dict) -> dict:
    """schema.org Service with its provider NGO, areaServed and audience."""
    data = {"@context": SCHEMA_CONTEXT, "@type": "Service", "@id": view.iri, "name": view.label(view.iri)["text"]}
    if c["description"]:
        data["description"] = c["description"]["text"]
    data["provider"] = [{"@type": "NGO", "@id": o["iri"], "name": o["text"]} for o in c["organisations"]]
    data["serviceType"] = sorted({svc["text"] for o in c["offerings"] for svc in o["services"]})
    data["areaServed"] = [{"@type": "AdministrativeArea", "@id": a["iri"], "name": a["text"]} for a in c["areas"]]
    audiences = []
    for aud in c["audiences"]:
        entry = {"@type": "PeopleAudience", "audienceType": ", ".join(g["text"] for g in aud["concepts"])}
        if aud["min_age"] is not None:
            entry["suggestedMinAge"] = aud["min_age"]
        if aud["max_age"] is not None:
            entry["suggestedMaxAge"] = aud["max_age"]
        audiences.append(entry)
    data["audience"] = audiences
    return data


def organisation_page(s: Site, view: DocView) -> tuple[str, dict]:
    """An organisation: names, membership, units, its activities and what the source leaves out."""
    o, kt = view.iri, view.kt_term
    activities = labelled_links(s, select(s, "page-org-activities", limit=5000, org=o), "activity", view.lang)
    members = labelled_links(s, select(s, "page-org-members", limit=5000, org=o), "member", view.lang)
    context = {
        "alt_labels": view.texts(o, SKOS.altLabel),
        "member_of": view.links(o, ORG.memberOf),
        "units": [view.link(u) for u in sorted(view.iris(o, ORG.hasUnit))],
        "homepages": view.iris(o, FOAF.homepage),
        "identifiers": [v.value for v in view.values(o, DCT.identifier)],
        "missing": [m["text"] for m in view.texts(o, kt("missingInformation"))],
        "activities": activities, "members": members, "sources": view.iris(o, DCT.source),
    }
    data = {"@context": SCHEMA_CONTEXT, "@type": "NGO", "@id": o, "name": view.label(o)["text"]}
    if context["alt_labels"]:
        data["alternateName"] = [a["text"] for a in context["alt_labels"]]
    if context["homepages"]:
        data["url"] = context["homepages"][0]
    data["memberOf"] = [{"@type": "NGO", "@id": m["iri"], "name": m["text"]} for m in context["member_of"]]
    data["department"] = [{"@type": "Organization", "@id": u["iri"], "name": u["text"]} for u in context["units"]]
    context["jsonld"] = json_script(data)
    return "organisation.html", context
