"""The pages around the directory: home, the dataset, the statistic, the FAQ and the guidelines.

The home page reads the yearly statistic, the FAQ and the guideline documents from the
store; an unanswered question says so (the source's "VASTAUS" placeholder is never shown),
and a guideline without a file is listed without a download link.
"""

from __future__ import annotations

import re

from ..vocab import DCAT, DCT, PROV, SCHEMA
from . import i18n
from .pages import DocView, labelled_links, link_view, select, text_view
from .render import json_script
from .site import Site

CONTEXT = "http://schema.org/"


# -- shared reads (cached per build and language by the caller) -----------------------------

def statistics(s: Site) -> list[dict]:
    """The yearly statistics, newest first: year, actor count, member-organisation count."""
    out = []
    for row in select(s, "page-statistics"):
        out.append({"iri": row["statistic"].value, "href": s.link(row["statistic"].value),
                    "year": row["year"].value,
                    "actors": int(row["actors"].value) if "actors" in row else None,
                    "members": int(row["members"].value) if "members" in row else None})
    return out


def faq_items(s: Site, lang: str) -> list[dict]:
    """The FAQ in page order: question, answer or None, and a link to each item."""
    items: dict[str, dict] = {}
    for row in select(s, "page-faq"):
        item = items.setdefault(row["item"].value, {"questions": [], "answers": [], "status": None})
        if "question" in row and row["question"] not in item["questions"]:
            item["questions"].append(row["question"])
        if "answer" in row and row["answer"] not in item["answers"]:
            item["answers"].append(row["answer"])
        if "status" in row:
            item["status"] = row["status"].value
    out = []
    for iri, item in items.items():
        answer = text_view(item["answers"], lang)
        out.append({"iri": iri, "href": s.link(iri), "question": text_view(item["questions"], lang),
                    "answer": answer})
    return out


def documents(s: Site, lang: str) -> list[dict]:
    """The guideline documents: title, section heading, file link or the fact there is none."""
    docs: dict[str, dict] = {}
    for row in select(s, "page-documents"):
        d = docs.setdefault(row["document"].value, {"labels": [], "sections": [], "url": None, "missing": []})
        for key, bucket in (("label", "labels"), ("section", "sections"), ("missing", "missing")):
            if key in row and row[key] not in d[bucket]:
                d[bucket].append(row[key])
        if "url" in row:
            d["url"] = row["url"].value
    return [{**link_view(s, iri, d["labels"], lang), "section": text_view(d["sections"], lang), "url": d["url"],
             "no_file": d["url"] is None} for iri, d in docs.items()]


def faq_jsonld(s: Site, items: list[dict]) -> dict:
    """schema.org FAQPage: each Question with its acceptedAnswer (none for an unanswered one)."""
    questions = []
    for item in items:
        q = {"@type": "Question", "@id": item["iri"], "name": item["question"]["text"] if item["question"] else ""}
        if item["answer"]:
            q["acceptedAnswer"] = {"@type": "Answer", "@id": item["iri"] + "#vastaus", "text": item["answer"]["text"]}
        questions.append(q)
    return {"@type": "FAQPage", "@id": s.vocab.faq_page, "mainEntity": questions}


# -- home ------------------------------------------------------------------------------------

def home_context(s: Site, lang: str) -> dict:
    """The home page: statistic, FAQ, guidelines and the way in (search, directory, schemes)."""
    stats = statistics(s)
    items = faq_items(s, lang)
    schemes = labelled_links(s, select(s, "page-schemes"), "scheme", lang)
    base = s.vocab.base
    website = {"@type": "WebSite", "@id": base, "url": base, "name": i18n.t("site_title", lang),
               "inLanguage": ["fi", "sv", "en"],
               "potentialAction": {"@type": "SearchAction", "target": base + "hakemisto?q={search_term_string}",
                                   "query-input": "required name=search_term_string"}}
    jsonld = {"@context": CONTEXT, "@graph": [website, faq_jsonld(s, items)]}
    return {"statistic": stats[0] if stats else None, "faq": items, "documents": documents(s, lang),
            "schemes": schemes, "jsonld": json_script(jsonld)}


# -- resource pages --------------------------------------------------------------------------

def dataset_page(s: Site, view: DocView) -> tuple[str, dict]:
    """The dataset: licence, source, provenance, build, validation status and downloads."""
    d = view.iri
    info = s.store.build_info()
    validation = info.get("validation", {})
    dumps = [{"name": name, "href": f"/dumps/{name}", **meta} for name, meta in sorted(info.get("dumps", {}).items())]
    related = [{"title": view.text(r, DCT.title) or view.label(r), "description": view.text(r, DCT.description)}
               for r in sorted(view.iris(d, DCT.relation))]
    licences = [{"href": lic, "text": licence_name(lic)} for lic in view.iris(d, DCT.license)]
    keywords = [k for k in view.texts(d, DCAT.keyword) if k["lang"] == view.lang] or view.texts(d, DCAT.keyword)
    context = {
        "description": view.text(d, DCT.description), "publisher": view.links(d, DCT.publisher),
        "licences": licences, "sources": view.iris(d, DCT.source), "spatial": view.links(d, DCT.spatial),
        "keywords": keywords, "related": related, "generated": _lexical(view, d, PROV.generatedAtTime),
        "info": info, "validation": validation, "dumps": dumps,
    }
    data = {"@context": CONTEXT, "@type": "Dataset", "@id": d, "name": view.label(d)["text"],
            "license": [x["href"] for x in licences], "isBasedOn": context["sources"],
            "dateModified": info.get("built"), "inLanguage": ["fi", "sv", "en"],
            "publisher": [{"@type": "NGO", "@id": p["iri"], "name": p["text"]} for p in context["publisher"]],
            "distribution": [{"@type": "DataDownload", "contentUrl": s.vocab.base + "dumps/" + x["name"],
                              "encodingFormat": x.get("media_type")} for x in dumps]}
    if context["description"]:
        data["description"] = context["description"]["text"]
    context["jsonld"] = json_script(data)
    return "dataset.html", context


def _lexical(view: DocView, subject: str, predicate) -> str | None:
    term = view.value(subject, predicate)
    return term.value if term is not None else None


def licence_name(iri: str) -> str:
    """`CC BY 4.0` for a Creative Commons licence IRI; the IRI's host and path otherwise."""
    match = re.search(r"creativecommons\.org/(licenses|publicdomain)/([a-z-]+)/([0-9.]+)", iri)
    if match:
        kind = "CC0" if match.group(2) == "zero" else "CC " + match.group(2).upper()
        return f"{kind} {match.group(3)}"
    return re.sub(r"^https?://", "", iri).rstrip("/")


def statistic_page(s: Site, view: DocView) -> tuple[str, dict]:
    """A yearly statistic: the year and its counts, with the source's words."""
    st, kt = view.iri, view.kt_term
    context = {"year": _lexical(view, st, DCT.temporal), "actors": view.number(st, kt("actorCount")),
               "members": view.number(st, kt("memberOrganisationCount")),
               "source_text": view.text(st, kt("sourceText")), "sources": view.iris(st, DCT.source)}
    data = {"@context": CONTEXT, "@type": "Observation", "@id": st, "name": view.label(st)["text"],
            "observationDate": context["year"], "value": context["actors"]}
    context["jsonld"] = json_script(data)
    return "statistic.html", context


def faq_item_page(s: Site, view: DocView) -> tuple[str, dict]:
    """One question: its answer, or the plain statement that none has been published."""
    q, kt = view.iri, view.kt_term
    answers = view.iris(q, SCHEMA.acceptedAnswer)
    answer = view.text(answers[0], SCHEMA.text) if answers else None
    context = {"answer": answer,
               "status": view.links(q, kt("answerStatus")), "note": view.text(q, kt("editorialNote")),
               "sources": view.iris(q, DCT.source)}
    item = {"iri": q, "question": view.label(q), "answer": answer}
    data = {"@context": CONTEXT, **faq_jsonld(s, [item])["mainEntity"][0]}
    context["jsonld"] = json_script(data)
    return "faq_item.html", context


def faq_page(s: Site, view: DocView) -> tuple[str, dict]:
    """The FAQ page: every question with its answer, in the source's order."""
    items = faq_items(s, view.lang)
    return "faq.html", {"faq": items, "jsonld": json_script({"@context": CONTEXT, **faq_jsonld(s, items)})}


def document_page(s: Site, view: DocView) -> tuple[str, dict]:
    """A guideline document: title, section, and its file or the fact that none is published."""
    d, kt = view.iri, view.kt_term
    urls = view.iris(d, SCHEMA.url) or view.iris(d, DCAT.downloadURL)
    context = {"section": view.text(d, kt("section")), "urls": urls,
               "missing": [m["text"] for m in view.texts(d, kt("missingInformation"))],
               "note": view.text(d, kt("editorialNote")), "sources": view.iris(d, DCT.source)}
    data = {"@context": CONTEXT, "@type": "DigitalDocument", "@id": d, "name": view.label(d)["text"]}
    if urls:
        data["url"] = urls[0]
    context["jsonld"] = json_script(data)
    return "document.html", context

