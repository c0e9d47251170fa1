"""View models for HTML pages: turning documents into labelled, linked rows."""

from __future__ import annotations

import pyoxigraph as ox
from flask import g, request

from ..vocab import RDF, SKOS, RDFS, SCHEMA, DCT
from . import i18n
from .render import html, json_script
from .site import LANGS, Site, pick, site

LABEL_PREDICATES = (str(SKOS.prefLabel), str(RDFS.label), str(DCT.title), str(SCHEMA.name))


def page_context(page: str, **extra) -> dict:
    """What every page template gets: language, strings, navigation, language-switch links."""
    lang = g.lang
    args = {k: v for k, v in request.args.items() if k != "lang"}

    def switch(target: str) -> str:
        params = dict(args)
        if target != "fi":
            params["lang"] = target
        query = "&".join(f"{k}={v}" for k, v in params.items())
        return request.path + (f"?{query}" if query else "")

    return {
        "lang": lang, "page": page, "t": lambda key: i18n.t(key, lang),
        "languages": [(code, i18n.LANG_NAMES[code], switch(code)) for code in LANGS],
        "link": site().link, **extra,
    }


class Labeller:
    """Labels for IRIs from a document's triples (fi -> sv -> en fallback, marked)."""

    def __init__(self, triples, lang: str, site_: Site):
        self.lang = lang
        self.site = site_
        self.labels: dict[str, list] = {}
        for t in triples:
            if t.predicate.value in LABEL_PREDICATES and isinstance(t.object, ox.Literal):
                self.labels.setdefault(t.subject.value, []).append(t.object)

    def label(self, iri: str) -> tuple[str, bool]:
        """(label, is_fallback) for an IRI; a readable tail of the IRI when it has none."""
        text, used = pick(self.labels.get(iri, []), self.lang)
        if text is None:
            return _tail(iri), False
        return text, used not in (self.lang, None)


def _tail(iri: str) -> str:
    tail = iri.rstrip("/").rsplit("#", 1)[-1].rsplit("/", 1)[-1]
    return tail or iri


def value_view(term, labeller: Labeller) -> dict:
    """A value as the template shows it: text, link, language and fallback mark."""
    if isinstance(term, ox.NamedNode):
        text, fallback = labeller.label(term.value)
        return {"text": text, "href": labeller.site.link(term.value), "fallback": fallback}
    if isinstance(term, ox.Literal):
        return {"text": term.value, "lang": term.language, "fallback": False}
    return {"text": "", "fallback": False}


def resource_page(s: Site, doc, alternates) -> str:
    """The HTML of any resource: its properties and parts, labelled and linked."""
    lang = g.lang
    labeller = Labeller(doc.triples, lang, s)
    subjects: dict[str, list] = {}
    for t in doc.own:
        subjects.setdefault(t.subject.value, []).append(t)
    main = subjects.pop(doc.iri, [])
    title, fallback = labeller.label(doc.iri)
    sections = [{"iri": doc.iri, "anchor": "", "rows": _rows(main, labeller)}]
    for iri in sorted(subjects):
        sections.append({"iri": iri, "anchor": iri.split("#", 1)[-1] if "#" in iri else "",
                         "title": labeller.label(iri)[0], "rows": _rows(subjects[iri], labeller)})
    backlinks = [{"subject": value_view(s_, labeller) if label is None else
                  {"text": label.value, "href": s.link(s_.value), "fallback": False},
                  "predicate": labeller.label(p.value)[0]} for s_, p, label in doc.backlinks]
    types = [labeller.label(t.object.value)[0] for t in main if t.predicate.value == str(RDF.type)]
    jsonld = json_script({"@context": "http://schema.org/", "@id": doc.iri, "name": title})
    return html("resource.html", **page_context("resource", title=title, title_fallback=fallback,
                                                types=types, sections=sections, backlinks=backlinks,
                                                doc=doc, alternates=alternates, jsonld=jsonld))


def _rows(triples, labeller: Labeller) -> list[dict]:
    grouped: dict[str, list] = {}
    for t in triples:
        grouped.setdefault(t.predicate.value, []).append(t.object)
    rows = []
    for pred, objects in grouped.items():
        values = [value_view(o, labeller) for o in objects if not isinstance(o, ox.BlankNode)]
        label, _ = labeller.label(pred)
        rows.append({"predicate": label, "predicate_href": labeller.site.link(pred), "values": values})
    rows.sort(key=lambda r: r["predicate"].lower())
    return rows
