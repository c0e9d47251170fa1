"""Mapping the checked YAML entries to RDF: the only module that builds the data graph.

The graph is normalised here, once: every named resource gets `skos:prefLabel` and
its schema.org view (`schema:name`, `schema:provider`, ...), and shortcuts that views
and facets read (`kt:offersService`, `kt:targetGroup` on the activity) are written,
so nothing downstream has to infer them. Each triple's subject and predicate are
remembered with the YAML line they came from, for error messages.
"""

from __future__ import annotations

from decimal import Decimal
from functools import lru_cache
from typing import Any

from rdflib import Graph, Literal, URIRef
from rdflib import namespace as rdflib_namespaces

from .. import vocab as our_namespaces
from ..vocab import Vocab
from .entries import SourceFile, line_of
from .schema import PERIODS

Location = tuple[str, int, str]  # file, line, field


class _Terms:
    """A namespace whose terms are made once: rdflib's namespaces make (and check) a new URIRef
    at every `RDF.type`, a sixth of mapping a file; one object per IRI also makes every later
    dictionary look-up of it an identity hit."""

    def __init__(self, namespace):
        self._namespace, self._items = namespace, {}

    def __getattr__(self, name: str) -> URIRef:
        term = getattr(self._namespace, name)
        setattr(self, name, term)  # the next `RDF.type` is a plain attribute
        return term

    def __getitem__(self, name: str) -> URIRef:
        term = self._items.get(name)
        if term is None:
            term = self._items[name] = self._namespace[name]
        return term


class _VocabTerms:
    """Our namespaces under one base, those that repeat from file to file with their terms made once."""

    def __init__(self, vocab: Vocab):
        self.vocab = vocab
        self.KT, self.CONCEPT, self.ORGS = _Terms(vocab.KT), _Terms(vocab.CONCEPT), _Terms(vocab.ORGS)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.vocab, name)


DCAT, DCT, FOAF, PROV, RDF, RDFS, SKOS, XSD = (
    _Terms(getattr(rdflib_namespaces, name)) for name in ("DCAT", "DCTERMS", "FOAF", "PROV", "RDF", "RDFS", "SKOS", "XSD"))
ORG, SCHEMA = _Terms(our_namespaces.ORG), _Terms(our_namespaces.SCHEMA)


@lru_cache(maxsize=8)
def _terms(vocab: Vocab) -> _VocabTerms:
    return _VocabTerms(vocab)


@lru_cache(maxsize=1024, typed=True)  # typed: Literal(1) is an integer, Literal(True) a boolean
def _value(value: int | bool) -> Literal:
    """A number or a truth value as a literal (positions, ages, counts repeat)."""
    return Literal(value)


@lru_cache(maxsize=1024)
def _decimal(text: str) -> Literal:
    """A decimal literal written as `text` (keyed by the text: Decimal("20") == Decimal("20.0"))."""
    return Literal(Decimal(text))


@lru_cache(maxsize=1024)
def _duration(text: str) -> Literal:
    """An xsd:duration literal (P1M, PT2H ...: a few values repeat)."""
    return Literal(text, datatype=XSD.duration)


class Mapper:
    """Turns checked entries into one RDF graph and remembers where each triple came from."""

    def __init__(self, vocab: Vocab, source_page: str | None = None):
        self.v = _terms(vocab)
        self.g: set = set()  # the triples (a plain set: an rdflib Graph costs 3x more to fill)
        self.where: dict[tuple[str, str | None], Location] = {}
        self.source_page = URIRef(source_page) if source_page else None
        self.file = ""
        self._fi: dict[str, Literal] = {}  # text -> its literal (a name or a description is written two or three times)

    # -- helpers ---------------------------------------------------------------------------

    def add(self, s, p, o, at: tuple[Any, Any] | None = None, field: str = "") -> None:
        """Add a triple; `at` = (container, key) locates it in the YAML for messages."""
        self.g.add((s, p, o))
        if at is not None:
            loc = (self.file, line_of(*at), field)
            subject = str(s)
            self.where.setdefault((subject, str(p)), loc)
            self.where.setdefault((subject, None), loc)

    def fi(self, text: str) -> Literal:
        """A Finnish text literal, trimmed."""
        literal = self._fi.get(text)
        if literal is None:
            literal = self._fi[text] = Literal(text.strip(), lang="fi")
        return literal

    def concept(self, ident: str) -> URIRef:
        """The IRI of a concept id."""
        return self.v.CONCEPT[ident]

    def provenance(self, s: URIRef, at, field="id") -> None:
        """Where a top-level resource came from: the seed page and the YAML file."""
        self.add(s, self.v.KT.sourceFile, Literal(self.file), at, field)
        if self.source_page is not None:
            self.g.add((s, DCT.source, self.source_page))
            self.g.add((s, PROV.wasDerivedFrom, self.source_page))

    def label(self, s: URIRef, text: str, at, field: str, schema_name=True) -> None:
        """The preferred label (and the schema.org name) of a resource."""
        self.add(s, SKOS.prefLabel, self.fi(text), at, field)
        if schema_name:
            self.add(s, SCHEMA.name, self.fi(text), at, field)

    # -- files -----------------------------------------------------------------------------

    def map_files(self, files: list[SourceFile]) -> set:
        """Map every file; organisations first, so activities can use their names."""
        order = {"organisations": 0, "dataset.yaml": 1, "activities": 2}
        self.orgs = {f.value["id"]: f.value for f in files if f.kind == "organisations"}
        for f in sorted(files, key=lambda f: (order.get(f.kind, 3), f.name)):
            self.map_file(f)
        return self.g

    def map_file(self, f: SourceFile) -> None:
        """Map one file (an activity reads its organisation from `self.orgs`)."""
        self.file = f.name
        getattr(self, "map_" + f.kind.replace(".yaml", ""))(f.value)

    def map_organisations(self, org) -> None:
        """An NGO (järjestö), its units and its membership in VSLJ."""
        v, KT = self.v, self.v.KT
        s = v.ORGS[org["id"]]
        for t in (KT.Organisation, ORG.FormalOrganization, SCHEMA.NGO, FOAF.Organization):
            self.add(s, RDF.type, t, (org, "id"), "id")
        self.label(s, org["name"], (org, "name"), "name")
        self.add(s, FOAF.name, self.fi(org["name"]), (org, "name"), "name")
        for i, alt in enumerate(org.get("alt_names") or []):
            self.add(s, SKOS.altLabel, self.fi(alt), (org["alt_names"], i), f"alt_names[{i + 1}]")
        if org["vslj_member"]:
            self.add(s, ORG.memberOf, v.ORGS["vslj"], (org, "vslj_member"), "vslj_member")
            self.add(s, SCHEMA.memberOf, v.ORGS["vslj"], (org, "vslj_member"), "vslj_member")
        for i, unit in enumerate(org.get("units") or []):
            u = URIRef(f"{s}#{unit['id']}")
            self.add(u, RDF.type, KT.OrganisationalUnit, (org["units"], i), f"units[{i + 1}]")
            self.g.add((u, RDF.type, ORG.OrganizationalUnit))
            self.label(u, unit["name"], (unit, "name"), f"units[{i + 1}].name")
            self.g.add((s, ORG.hasUnit, u))
            self.g.add((u, ORG.unitOf, s))
            self.g.add((s, SCHEMA.department, u))
        missing = []
        if org.get("business_id"):
            self.add(s, DCT.identifier, Literal(org["business_id"]), (org, "business_id"), "business_id")
        else:
            missing.append("Y-tunnus")
        if org.get("homepage"):
            self.add(s, FOAF.homepage, URIRef(org["homepage"]), (org, "homepage"), "homepage")
            self.add(s, SCHEMA.url, URIRef(org["homepage"]), (org, "homepage"), "homepage")
        else:
            missing.append("verkkosivu")
        missing.append("yhteystiedot")
        for m in missing:
            self.g.add((s, KT.missingInformation, self.fi(m)))
        self.provenance(s, (org, "id"))

    def map_activities(self, e) -> None:
        """One directory entry: the activity, its services, training, support and audience."""
        v, KT = self.v, self.v.KT
        s = v.ACTIVITY[e["id"]]
        org = self.orgs[e["organisation"]]
        for t in (KT.Activity, SCHEMA.Service):
            self.add(s, RDF.type, t, (e, "id"), "id")
        name = e.get("name") or f"{org['name']}: kokemustoiminta"
        self.label(s, name, (e, "name" if "name" in e else "id"), "name")
        self.add(s, KT.sourceHeading, self.fi(e["heading"]), (e, "heading"), "heading")
        self.add(s, DCT.description, self.fi(e["description"]), (e, "description"), "description")
        self.add(s, SCHEMA.description, self.fi(e["description"]), (e, "description"), "description")
        self.add(s, KT.organisation, v.ORGS[org["id"]], (e, "organisation"), "organisation")
        self.add(s, SCHEMA.provider, v.ORGS[org["id"]], (e, "organisation"), "organisation")
        if "unit" in e:
            self.add(s, KT.unit, URIRef(f"{v.ORGS[org['id']]}#{e['unit']}"), (e, "unit"), "unit")
        if "kind" in e:
            self.add(s, KT.programmeKind, self.concept(e["kind"]), (e, "kind"), "kind")
        for i, group in enumerate(e.get("actors") or []):
            node = URIRef(f"{s}#toimijat-{i + 1}")
            at, field = (e["actors"], i), f"actors[{i + 1}]"
            self.add(s, KT.actorGroup, node, at, field)
            self.add(node, RDF.type, KT.ActorGroup, at, field)
            self.add(node, KT.role, self.concept(group["role"]), (group, "role"), field + ".role")
            self.add(s, KT.actorRole, self.concept(group["role"]), (group, "role"), field + ".role")
            self._ages(node, group, field)
            if "age_qualifier" in group:
                self.add(node, KT.ageQualifier, self.concept(group["age_qualifier"]), (group, "age_qualifier"), field + ".age_qualifier")
            if "engagement" in group:
                self.add(node, KT.engagement, self.concept(group["engagement"]), (group, "engagement"), field + ".engagement")
            if "text" in group:
                self.add(node, KT.sourceText, self.fi(group["text"]), (group, "text"), field + ".text")
        for i, aud in enumerate(e.get("target_groups") or []):
            node = URIRef(f"{s}#kohderyhma-{i + 1}")
            at, field = (e["target_groups"], i), f"target_groups[{i + 1}]"
            self.add(s, KT.audience, node, at, field)
            self.add(s, SCHEMA.audience, node, at, field)
            self.add(node, RDF.type, KT.Audience, at, field)
            self.g.add((node, RDF.type, SCHEMA.PeopleAudience))
            group = self.concept(aud["group"])
            self.add(node, KT.targetGroup, group, (aud, "group"), field + ".group")
            self.add(s, KT.targetGroup, group, (aud, "group"), field + ".group")
            self.add(node, SCHEMA.audienceType, group, (aud, "group"), field + ".group")
            self._ages(node, aud, field, schema_too=True)
            if "text" in aud:
                self.add(node, KT.sourceText, self.fi(aud["text"]), (aud, "text"), field + ".text")
        for i, area in enumerate(e.get("areas") or []):
            self.add(s, KT.area, self.concept(area), (e["areas"], i), f"areas[{i + 1}]")
            self.add(s, SCHEMA.areaServed, self.concept(area), (e["areas"], i), f"areas[{i + 1}]")
        if "nationwide" in e:
            self.add(s, KT.nationwide, _value(e["nationwide"]), (e, "nationwide"), "nationwide")
        if "area_note" in e:
            self.add(s, KT.areaNote, self.fi(e["area_note"]), (e, "area_note"), "area_note")
        for i, offer in enumerate(e["services"]):
            node = URIRef(f"{s}#palvelu-{i + 1}")
            at, field = (e["services"], i), f"services[{i + 1}]"
            self.add(s, KT.offering, node, at, field)
            self.add(node, RDF.type, KT.ServiceOffering, at, field)
            self.add(node, KT.position, _value(i + 1), at, field)
            self.add(node, KT.sourceText, self.fi(offer["text"]), (offer, "text"), field + ".text")
            for j, c in enumerate(offer["concepts"]):
                self.add(node, KT.serviceType, self.concept(c), (offer["concepts"], j), f"{field}.concepts[{j + 1}]")
                for prop in (KT.offersService, SCHEMA.serviceType):
                    self.add(s, prop, self.concept(c), (offer["concepts"], j), f"{field}.concepts[{j + 1}]")
        if "training" in e:
            self._training(s, e["training"], org)
        for i, sup in enumerate(e.get("support") or []):
            self._support(s, i, sup, e["support"])
        self.provenance(s, (e, "id"))

    def _ages(self, node, item, field, schema_too=False) -> None:
        for key, prop, sprop in (("min_age", self.v.KT.minAge, SCHEMA.suggestedMinAge),
                                 ("max_age", self.v.KT.maxAge, SCHEMA.suggestedMaxAge)):
            if key in item:
                self.add(node, prop, _value(item[key]), (item, key), f"{field}.{key}")
                if schema_too:
                    self.add(node, sprop, _value(item[key]), (item, key), f"{field}.{key}")

    def _training(self, s, t, org) -> None:
        KT = self.v.KT
        node = URIRef(f"{s}#koulutus")
        self.add(s, KT.training, node, (t, "description"), "training")
        for ty in (KT.Training, SCHEMA.EducationalOccupationalProgram):
            self.add(node, RDF.type, ty, (t, "description"), "training")
        self.add(node, DCT.description, self.fi(t["description"]), (t, "description"), "training.description")
        self.add(node, SCHEMA.description, self.fi(t["description"]), (t, "description"), "training.description")
        for i, role in enumerate(t.get("for_roles") or []):
            self.add(node, KT.trainingFor, self.concept(role), (t["for_roles"], i), f"training.for_roles[{i + 1}]")
        for i, h in enumerate(t.get("hours") or []):
            vol = URIRef(f"{s}#koulutus-tunnit-{i + 1}")
            at, field = (t["hours"], i), f"training.hours[{i + 1}]"
            self.add(node, KT.volume, vol, at, field)
            self.add(vol, RDF.type, KT.TrainingVolume, at, field)
            self.add(vol, KT.minHours, _decimal(str(h["min"])), (h, "min"), field + ".min")
            self.add(vol, KT.maxHours, _decimal(str(h.get("max", h["min"]))), (h, "max" if "max" in h else "min"), field + ".max")
            self.add(vol, KT.hourUnit, self.concept(h["unit"]), (h, "unit"), field + ".unit")
            if "qualifier" in h:
                self.add(vol, KT.hoursQualifier, self.concept(h["qualifier"]), (h, "qualifier"), field + ".qualifier")
            if "label" in h:
                self.add(vol, RDFS.label, self.fi(h["label"]), (h, "label"), field + ".label")
            if "text" in h:
                self.add(vol, KT.sourceText, self.fi(h["text"]), (h, "text"), field + ".text")
        if "duration_months" in t:
            d = t["duration_months"]
            self.add(node, KT.minDuration, _duration(f"P{d['min']}M"), (d, "min"), "training.duration_months.min")
            self.add(node, KT.maxDuration, _duration(f"P{d.get('max', d['min'])}M"),
                     (d, "max" if "max" in d else "min"), "training.duration_months.max")
        if "weekly_hours" in t:
            self.add(node, KT.weeklyWorkload, _duration(_hours_duration(t["weekly_hours"])),
                     (t, "weekly_hours"), "training.weekly_hours")
        if "selection" in t:
            self.add(node, KT.selectionMethod, self.concept(t["selection"]), (t, "selection"), "training.selection")
        if "provider" in t:
            if t["provider"].strip().lower() == "own":
                self.add(node, KT.trainingProvider, self.v.ORGS[org["id"]], (t, "provider"), "training.provider")
                self.add(node, SCHEMA.provider, self.v.ORGS[org["id"]], (t, "provider"), "training.provider")
            else:
                self.add(node, KT.providerNote, self.fi(t["provider"]), (t, "provider"), "training.provider")
        if "requirements" in t:
            self.add(node, KT.requirementNote, self.fi(t["requirements"]), (t, "requirements"), "training.requirements")
            self.add(node, SCHEMA.programPrerequisites, self.fi(t["requirements"]), (t, "requirements"), "training.requirements")
        for i, area in enumerate(t.get("locations") or []):
            self.add(node, KT.trainingLocation, self.concept(area), (t["locations"], i), f"training.locations[{i + 1}]")

    def _support(self, s, i, sup, container) -> None:
        KT = self.v.KT
        node = URIRef(f"{s}#tuki-{i + 1}")
        field = f"support[{i + 1}]"
        self.add(s, KT.support, node, (container, i), field)
        self.add(node, RDF.type, KT.SupportArrangement, (container, i), field)
        self.add(node, KT.position, _value(i + 1), (container, i), field)
        self.add(node, KT.sourceText, self.fi(sup["text"]), (sup, "text"), field + ".text")
        for j, kind in enumerate(sup["kinds"]):
            self.add(node, KT.supportKind, self.concept(kind), (sup["kinds"], j), f"{field}.kinds[{j + 1}]")
        for j, mode in enumerate(sup.get("modes") or []):
            self.add(node, KT.mode, self.concept(mode), (sup["modes"], j), f"{field}.modes[{j + 1}]")
        if "given_by" in sup:
            self.add(node, KT.givenBy, self.fi(sup["given_by"]), (sup, "given_by"), field + ".given_by")
        if "applies_to" in sup:
            self.add(node, KT.appliesToRole, self.concept(sup["applies_to"]), (sup, "applies_to"), field + ".applies_to")
        if "on_demand" in sup:
            self.add(node, KT.onDemand, _value(sup["on_demand"]), (sup, "on_demand"), field + ".on_demand")
        for j, sch in enumerate(sup.get("schedules") or []):
            sn = URIRef(f"{s}#tuki-{i + 1}-aikataulu-{j + 1}")
            at, sfield = (sup["schedules"], j), f"{field}.schedules[{j + 1}]"
            self.add(node, KT.schedule, sn, at, sfield)
            self.add(sn, RDF.type, KT.SupportSchedule, at, sfield)
            self.g.add((sn, RDF.type, SCHEMA.Schedule))
            self.add(sn, SCHEMA.repeatCount, _value(sch["count"]), (sch, "count"), sfield + ".count")
            period = PERIODS[sch["per"]]
            if sch.get("every", 1) != 1:
                period = f"P{sch['every']}{period[-1]}"
            self.add(sn, SCHEMA.repeatFrequency, _duration(period), (sch, "per"), sfield + ".per")
            if "qualifier" in sch:
                self.add(sn, KT.frequencyQualifier, self.concept(sch["qualifier"]), (sch, "qualifier"), sfield + ".qualifier")
            if "mode" in sch:
                self.add(sn, KT.mode, self.concept(sch["mode"]), (sch, "mode"), sfield + ".mode")
            if "text" in sch:
                self.add(sn, KT.sourceText, self.fi(sch["text"]), (sch, "text"), sfield + ".text")

    def map_statistics(self, items) -> None:
        """The yearly statistic ("Kokemustoimijat vuonna 2023")."""
        KT = self.v.KT
        for i, st in enumerate(items):
            s = self.v.STATISTIC[str(st["year"])]
            self.add(s, RDF.type, KT.Statistic, (items, i), f"[{i + 1}]")
            self.label(s, f"Kokemustoimijat vuonna {st['year']}", (st, "year"), f"[{i + 1}].year", schema_name=False)
            self.add(s, DCT.temporal, Literal(str(st["year"]), datatype=XSD.gYear), (st, "year"), f"[{i + 1}].year")
            self.add(s, KT.actorCount, Literal(st["actors"]), (st, "actors"), f"[{i + 1}].actors")
            self.add(s, KT.memberOrganisationCount, Literal(st["member_organisations"]),
                     (st, "member_organisations"), f"[{i + 1}].member_organisations")
            self.add(s, KT.sourceText, self.fi(st["text"]), (st, "text"), f"[{i + 1}].text")
            self.provenance(s, (items, i), f"[{i + 1}]")

    def map_faq(self, items) -> None:
        """The FAQ page and its questions; an unanswered question has no answer, only a status."""
        KT, page = self.v.KT, URIRef(self.v.faq_page)
        self.add(page, RDF.type, SCHEMA.FAQPage, (items, 0), "[1]")
        self.label(page, "Kysymyksiä ja vastauksia lastensuojelujärjestöjen kokemustoiminnasta", (items, 0), "[1]")
        for i, item in enumerate(items):
            s = self.v.FAQ[item["id"]]
            field = f"[{i + 1}]"
            self.add(page, SCHEMA.mainEntity, s, (items, i), field)
            for t in (KT.FAQItem, SCHEMA.Question):
                self.add(s, RDF.type, t, (items, i), field)
            self.label(s, item["question"], (item, "question"), field + ".question")
            self.add(s, KT.position, _value(i + 1), (items, i), field)
            if item["answer"] is None:
                self.add(s, KT.answerStatus, self.concept("vastaus-puuttuu"), (item, "answer"), field + ".answer")
            else:
                a = URIRef(f"{s}#vastaus")
                self.add(s, SCHEMA.acceptedAnswer, a, (item, "answer"), field + ".answer")
                self.add(a, RDF.type, SCHEMA.Answer, (item, "answer"), field + ".answer")
                self.add(a, SCHEMA.text, self.fi(item["answer"]), (item, "answer"), field + ".answer")
            if "note" in item:
                self.add(s, KT.editorialNote, self.fi(item["note"]), (item, "note"), field + ".note")
            self.provenance(s, (items, i), field)
        self.provenance(page, (items, 0), "[1]")

    def map_documents(self, items) -> None:
        """Downloadable documents (the ethics guidelines); a missing file is said, not invented."""
        KT = self.v.KT
        for i, d in enumerate(items):
            s = self.v.DOCUMENT[d["id"]]
            field = f"[{i + 1}]"
            for t in (KT.Guideline, SCHEMA.DigitalDocument, FOAF.Document):
                self.add(s, RDF.type, t, (items, i), field)
            self.label(s, d["title"], (d, "title"), field + ".title")
            self.add(s, DCT.title, self.fi(d["title"]), (d, "title"), field + ".title")
            if "section" in d:
                self.add(s, KT.section, self.fi(d["section"]), (d, "section"), field + ".section")
            if d["url"]:
                self.add(s, SCHEMA.url, URIRef(d["url"]), (d, "url"), field + ".url")
                self.add(s, DCAT.downloadURL, URIRef(d["url"]), (d, "url"), field + ".url")
            else:
                self.add(s, KT.missingInformation, self.fi("tiedosto"), (d, "url"), field + ".url")
            if "note" in d:
                self.add(s, KT.editorialNote, self.fi(d["note"]), (d, "note"), field + ".note")
            self.provenance(s, (items, i), field)

    def map_dataset(self, d) -> None:
        """The directory dataset's own description (title, publisher, source)."""
        s = URIRef(self.v.dataset)
        self.source_page = URIRef(d["source_page"])
        self.add(s, RDF.type, DCAT.Dataset, (d, "title"), "title")
        for lang, text in d["title"].items():
            self.add(s, DCT.title, Literal(text.strip(), lang=lang), (d["title"], lang), f"title.{lang}")
            self.add(s, SKOS.prefLabel, Literal(text.strip(), lang=lang), (d["title"], lang), f"title.{lang}")
        for lang, text in d["description"].items():
            self.add(s, DCT.description, Literal(text.strip(), lang=lang), (d["description"], lang), f"description.{lang}")
        for lang, words in (d.get("keywords") or {}).items():
            for j, w in enumerate(words):
                self.add(s, DCAT.keyword, Literal(w, lang=lang), (words, j), f"keywords.{lang}[{j + 1}]")
        self.add(s, DCT.publisher, self.v.ORGS[d["publisher"]], (d, "publisher"), "publisher")
        self.add(s, DCT.source, self.source_page, (d, "source_page"), "source_page")
        if "spatial" in d:
            self.add(s, DCT.spatial, self.concept(d["spatial"]), (d, "spatial"), "spatial")
        for i, rel in enumerate(d.get("related") or []):
            node = URIRef(f"{s}#liittyva-{i + 1}")
            self.add(s, DCT.relation, node, (d["related"], i), f"related[{i + 1}]")
            self.add(node, DCT.title, self.fi(rel["title"]), (rel, "title"), f"related[{i + 1}].title")
            self.add(node, SKOS.prefLabel, self.fi(rel["title"]), (rel, "title"), f"related[{i + 1}].title")
            if "description" in rel:
                self.add(node, DCT.description, self.fi(rel["description"]), (rel, "description"), f"related[{i + 1}].description")
            if rel.get("url"):
                self.add(node, FOAF.page, URIRef(rel["url"]), (rel, "url"), f"related[{i + 1}].url")
        self.add(s, self.v.KT.sourceFile, Literal(self.file), (d, "title"), "title")


def _hours_duration(hours: float) -> str:
    """2 -> PT2H, 1.5 -> PT1H30M."""
    whole = int(hours)
    minutes = round((hours - whole) * 60)
    return f"PT{whole}H" + (f"{minutes}M" if minutes else "") if whole else f"PT{minutes}M"


def map_entries(files: list[SourceFile], vocab: Vocab) -> tuple[Graph, dict]:
    """Map all checked files to one graph; also return where each (subject, predicate) came from."""
    mapper = Mapper(vocab)
    dataset = [f for f in files if f.kind == "dataset.yaml"]
    if dataset:
        mapper.source_page = URIRef(dataset[0].value["source_page"])
    graph = Graph()
    for t in mapper.map_files(files):
        graph.add(t)
    return graph, mapper.where


def map_file(f: SourceFile, organisation: Any, source_page: str | None, vocab: Vocab) -> tuple[set, dict]:
    """Map one file alone: its triples and where each came from. An activity needs its
    organisation's entry (for its name), every file the dataset's source page (provenance)."""
    mapper = Mapper(vocab, source_page)
    mapper.orgs = {organisation["id"]: organisation} if organisation is not None else {}
    mapper.map_file(f)
    return mapper.g, mapper.where

