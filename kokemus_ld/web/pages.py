"""View models for HTML pages: turning a document into labelled, linked values.

`DocView` reads one document (its own triples and the labels of what it links to) and
answers what templates ask: a property's values, a text in the UI language with the
fi -> sv -> en fallback marked, a link with its label. `resource_page` picks the page
for a resource from its rdf:type; the type-specific view models live in `page_*.py`.
"""

from __future__ import annotations

import re
from collections import defaultdict
from urllib.parse import urlencode

import pyoxigraph as ox
from flask import g, request

from ..vocab import DCT, RDF, RDFS, SCHEMA, SKOS
from . import i18n
from .queries import named
from .render import html, json_script
from .site import LANGS, Site, pick, site

LABEL_PREDICATES = (str(SKOS.prefLabel), str(RDFS.label), str(DCT.title), str(SCHEMA.name))
POSITION = "position"  # local name of kt:position, read through the site's vocabulary


def page_context(page: str, **extra) -> dict:
    """What every page template gets: language, strings, navigation, language-switch links."""
    lang = g.lang
    args = [(k, v) for k, v in request.args.items(multi=True) if k != "lang"]

    def switch(target: str) -> str:
        params = list(args) + ([("lang", target)] if target != "fi" else [])
        return request.path + (f"?{urlencode(params)}" if params else "")

    return {
        "lang": lang, "page": page, "t": lambda key: i18n.t(key, lang),
        "languages": [(code, i18n.LANG_NAMES[code], switch(code)) for code in LANGS],
        "lang_q": "" if lang == "fi" else f"?lang={lang}",
        "link": site().link, **extra,
    }


def text_view(literals, lang: str) -> dict | None:
    """A text in `lang` (else fi -> sv -> en) with its language and whether it is a fallback."""
    text, used = pick(literals, lang)
    if text is None:
        return None
    return {"text": text, "lang": used, "fallback": used not in (lang, None)}


def local_name(iri: str) -> str:
    """The readable tail of an IRI (`Service` for http://schema.org/Service)."""
    tail = iri.rstrip("/").rsplit("#", 1)[-1].rsplit("/", 1)[-1]
    return tail or iri


class DocView:
    """One document's triples, indexed by subject, with labels for everything it links to."""

    def __init__(self, doc, lang: str, site_: Site):
        self.doc, self.iri, self.lang, self.site = doc, doc.iri, lang, site_
        self.kt = str(site_.vocab.KT)
        self.props: dict[str, dict[str, list]] = defaultdict(lambda: defaultdict(list))
        for t in doc.own:
            self.props[t.subject.value][t.predicate.value].append(t.object)
        self.labels: dict[str, list] = defaultdict(list)
        for t in doc.triples:
            if t.predicate.value in LABEL_PREDICATES and isinstance(t.object, ox.Literal):
                self.labels[t.subject.value].append(t.object)

    # -- reading values -------------------------------------------------------------------

    def values(self, subject: str, predicate: str) -> list:
        """Every object of (subject, predicate) in the document."""
        return self.props.get(subject, {}).get(str(predicate), [])

    def value(self, subject: str, predicate: str):
        """One object (the first), or None."""
        found = self.values(subject, predicate)
        return found[0] if found else None

    def iris(self, subject: str, predicate: str) -> list[str]:
        """The IRI objects of (subject, predicate)."""
        return [o.value for o in self.values(subject, predicate) if isinstance(o, ox.NamedNode)]

    def number(self, subject: str, predicate: str):
        """A numeric literal as int (or float), or None."""
        term = self.value(subject, predicate)
        if not isinstance(term, ox.Literal):
            return None
        try:
            number = float(term.value)
        except ValueError:
            return None
        return int(number) if number.is_integer() else number

    def flag(self, subject: str, predicate: str) -> bool:
        """Is an xsd:boolean property true?"""
        term = self.value(subject, predicate)
        return isinstance(term, ox.Literal) and term.value in ("true", "1")

    def text(self, subject: str, predicate: str) -> dict | None:
        """A language-tagged text in the UI language (fallback marked)."""
        return text_view([o for o in self.values(subject, predicate) if isinstance(o, ox.Literal)], self.lang)

    def texts(self, subject: str, predicate: str) -> list[dict]:
        """Every text of a property, each with its language (for labels in all languages)."""
        out = [{"text": o.value, "lang": o.language, "fallback": False}
               for o in self.values(subject, predicate) if isinstance(o, ox.Literal)]
        order = {code: i for i, code in enumerate(LANGS)}
        return sorted(out, key=lambda v: (order.get(v["lang"], 9), v["text"]))

    def kt_term(self, name: str) -> str:
        """The IRI of a term of our vocabulary."""
        return self.kt + name

    def parts(self, subject: str, name: str) -> list[str]:
        """The `#` parts a kt: property points to, in their kt:position order."""
        found = self.iris(subject, self.kt_term(name))
        return sorted(found, key=lambda p: (self.number(p, self.kt_term(POSITION)) or 0, p))

    # -- labels and links -----------------------------------------------------------------

    def label(self, iri: str) -> dict:
        """The label of an IRI in the UI language; the IRI's local name when it has none."""
        return text_view(self.labels.get(iri, []), self.lang) or {"text": short_name(self.site, iri), "lang": None,
                                                                   "fallback": False}

    def link(self, iri: str) -> dict:
        """A link: label, href (local for our IRIs), language and fallback mark."""
        return {**self.label(iri), "href": self.site.link(iri), "iri": iri}

    def links(self, subject: str, predicate: str) -> list[dict]:
        """Links to every IRI object of a property, sorted by label."""
        return sorted((self.link(i) for i in self.iris(subject, predicate)), key=lambda v: v["text"].lower())

    def types(self, subject: str) -> set[str]:
        """The rdf:types of a subject."""
        return set(self.iris(subject, RDF.type))


def value_view(term, view: DocView) -> dict:
    """Any object as the template shows it: a link with a label, or a text with its language."""
    if isinstance(term, ox.NamedNode):
        return view.link(term.value)
    if isinstance(term, ox.Literal):
        return {"text": term.value, "lang": term.language, "fallback": False}
    return {"text": "", "lang": None, "fallback": False}


def select(s: Site, name: str, limit: int | None = None, numbers: dict[str, int] | None = None,
           fragments: dict[str, str] | None = None, **iris: str) -> list[dict]:
    """Rows of the named query `queries/<name>.rq` (`{{kt}}` is our vocabulary's namespace).

    `numbers` fill `{{key}}` with integers; `fragments` replace marker lines (a line holding only
    `#FILTERS`) with graph patterns the caller built from checked IRIs and escaped literals.
    """
    query = named(name, kt=str(s.vocab.KT), **iris)
    for key, number in (numbers or {}).items():
        query = query.replace("{{" + key + "}}", str(int(number)))
    for marker, patterns in (fragments or {}).items():  # only a line holding the marker alone
        query = re.sub(rf"^[ \t]*{re.escape(marker)}[ \t]*$", lambda _m, p=patterns: p, query, flags=re.M)
    return s.store.query(query, limit=limit or s.settings.sparql_row_cap).dicts()


def labelled_links(s: Site, rows: list[dict], key: str, lang: str, label_key: str = "label") -> list[dict]:
    """Links to the IRIs in `rows[key]`, each labelled from its rows' `label_key` literals."""
    labels: dict[str, list] = {}
    for row in rows:
        labels.setdefault(row[key].value, [])
        if label_key in row:
            labels[row[key].value].append(row[label_key])
    out = [link_view(s, iri, literals, lang) for iri, literals in labels.items()]
    return sorted(out, key=lambda v: (v["text"].lower(), v["iri"]))


def link_view(s: Site, iri: str, literals, lang: str) -> dict:
    """A link to `iri` labelled from `literals` (fi -> sv -> en), its short name if none."""
    text = text_view(literals, lang) or {"text": short_name(s, iri), "lang": None, "fallback": False}
    return {**text, "href": s.link(iri), "iri": iri}


def short_name(s: Site, iri: str) -> str:
    """A readable name for an unlabelled IRI: `schema:Service` for a known namespace, else its tail."""
    if not iri.startswith(s.vocab.base):
        for prefix, namespace in s.vocab.prefixes.items():
            if iri.startswith(namespace) and len(iri) > len(namespace):
                return f"{prefix}:{iri[len(namespace):]}"
    return local_name(iri)


# -- choosing the page for a resource --------------------------------------------------------

def resource_page(s: Site, doc, alternates) -> str:
    """The HTML of any resource: the page for its rdf:type, else the generic property page."""
    from . import page_about, page_concepts, page_directory  # noqa: PLC0415 - they import this module

    view = DocView(doc, g.lang, s)
    types = view.types(doc.iri)
    kt = s.vocab.KT
    table = [
        (str(kt.Activity), page_directory.activity_page),
        (str(kt.Organisation), page_directory.organisation_page),
        (str(SKOS.ConceptScheme), page_concepts.scheme_page),
        (str(SKOS.Concept), page_concepts.concept_page),
        (str(SKOS.Collection), page_concepts.concept_page),
        ("http://www.w3.org/2002/07/owl#Ontology", page_concepts.vocabulary_page),
        ("http://www.w3.org/ns/dcat#Dataset", page_about.dataset_page),
        (str(kt.Statistic), page_about.statistic_page),
        (str(kt.FAQItem), page_about.faq_item_page),
        (str(SCHEMA.FAQPage), page_about.faq_page),
        (str(kt.Guideline), page_about.document_page),
    ]
    make = next((maker for type_iri, maker in table if type_iri in types), generic_page)
    template, context = make(s, view)
    title = context.pop("title", None) or view.label(doc.iri)
    context.setdefault("jsonld", json_script({"@context": "http://schema.org/", "@id": doc.iri,
                                              "name": title["text"]}))
    return html(template, **page_context(template.removesuffix(".html"), title=title["text"], title_view=title,
                                         doc=doc, alternates=alternates, view=view, **context))


def generic_page(s: Site, view: DocView) -> tuple[str, dict]:
    """Every property of the resource and its parts, labelled and linked, plus incoming links."""
    subjects = sorted(k for k in view.props if k != view.iri)
    sections = [{"anchor": "", "title": None, "rows": rows(view, view.iri)}]
    for iri in subjects:
        sections.append({"anchor": iri.split("#", 1)[-1] if "#" in iri else "",
                         "title": view.label(iri), "rows": rows(view, iri)})
    types = [view.link(t) for t in sorted(view.types(view.iri))]
    return "resource.html", {"types": types, "sections": sections, "backlinks": backlinks(view)}


def rows(view: DocView, subject: str) -> list[dict]:
    """The properties of one subject as (predicate link, values) rows, sorted by label."""
    out = []
    for pred, objects in view.props.get(subject, {}).items():
        values = [value_view(o, view) for o in objects if not isinstance(o, ox.BlankNode)]
        if values:
            out.append({"predicate": view.link(pred), "values": values})
    return sorted(out, key=lambda r: r["predicate"]["text"].lower())


def backlinks(view: DocView) -> list[dict]:
    """The page of incoming links, each subject with its label."""
    out = []
    for subject, pred, label in view.doc.backlinks:
        link = view.link(subject.value)
        if label is not None:
            link.update(text=label.value, lang=label.language, fallback=label.language not in (view.lang, None))
        out.append({"subject": link, "predicate": view.label(pred.value)})
    return out
