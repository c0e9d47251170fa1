"""Pages for the classifications and the vocabulary: concept, concept scheme, /def/kt.

A concept page lists its labels in every language and the activities that use it; a scheme
page draws its hierarchy; the vocabulary page documents every class and property with an
anchor per term, so `/def/kt#Activity` lands on the term.
"""

from __future__ import annotations

import pyoxigraph as ox

from ..vocab import DCT, OWL, RDF, RDFS, SKOS
from .listing import FACETS
from .page_about import licence_name
from .pages import DocView, labelled_links, link_view, local_name, select
from .render import json_script
from .site import Site

MATCHES = ("exactMatch", "closeMatch", "broadMatch", "narrowMatch", "relatedMatch")


def concept_page(s: Site, view: DocView) -> tuple[str, dict]:
    """A concept (or collection): labels in all languages, notes, hierarchy, scheme, users."""
    c = view.iri
    size = s.settings.page_size
    users = labelled_links(s, select(s, "page-concept-activities", numbers={"limit": size + 1}, concept=c),
                           "activity", view.lang)
    schemes = view.links(c, SKOS.inScheme) or view.links(c, DCT.isPartOf)
    context = {
        "labels": view.texts(c, SKOS.prefLabel), "alt_labels": view.texts(c, SKOS.altLabel),
        "hidden_labels": view.texts(c, SKOS.hiddenLabel),
        "definition": view.text(c, SKOS.definition), "scope_note": view.text(c, SKOS.scopeNote),
        "notations": [n.value for n in view.values(c, SKOS.notation)],
        "broader": view.links(c, SKOS.broader), "narrower": view.links(c, SKOS.narrower),
        "related": view.links(c, SKOS.related), "members": view.links(c, SKOS.member),
        "matches": [(name, view.links(c, SKOS[name])) for name in MATCHES if view.iris(c, SKOS[name])],
        "schemes": schemes, "users": users[:size], "more_users": len(users) > size,
        "directory": directory_link(s, view, c, schemes),
    }
    data = {"@context": "http://schema.org/", "@type": "DefinedTerm", "@id": c, "name": view.label(c)["text"],
            "inDefinedTermSet": [x["iri"] for x in schemes]}
    if context["definition"]:
        data["description"] = context["definition"]["text"]
    if context["notations"]:
        data["termCode"] = context["notations"][0]
    context["jsonld"] = json_script(data)
    return "concept.html", context


def directory_link(s: Site, view: DocView, concept: str, schemes: list[dict]) -> str | None:
    """The directory filtered by this concept, when its scheme is one of the listing's facets."""
    scheme_ids = {local_name(x["iri"]) for x in schemes}
    for param, _prop, scheme, _key in FACETS:
        if scheme in scheme_ids:
            lang_q = "" if view.lang == "fi" else f"&lang={view.lang}"
            return f"/hakemisto?{param}={local_name(concept)}{lang_q}"
    return None


def scheme_page(s: Site, view: DocView) -> tuple[str, dict]:
    """A concept scheme: title, description and its hierarchy as a tree."""
    scheme = view.iri
    rows = select(s, "page-scheme-concepts", limit=100_000, scheme=scheme)
    labels: dict[str, list] = {}
    broader: dict[str, set] = {}
    for row in rows:
        concept = row["concept"].value
        labels.setdefault(concept, [])
        broader.setdefault(concept, set())
        if "label" in row:
            labels[concept].append(row["label"])
        if "broader" in row:
            broader[concept].add(row["broader"].value)
    nodes = {c: link_view(s, c, labs, view.lang) for c, labs in labels.items()}
    children: dict[str, list] = {c: [] for c in nodes}
    roots = []
    for c in nodes:
        parents = [p for p in broader[c] if p in nodes]
        for p in parents:
            children[p].append(c)
        if not parents:
            roots.append(c)

    def tree(c: str, seen: frozenset) -> dict:
        kids = [tree(k, seen | {c}) for k in sorted(children[c], key=lambda k: nodes[k]["text"].lower())
                if k not in seen]
        return {"link": nodes[c], "children": kids}

    forest = [tree(r, frozenset()) for r in sorted(roots, key=lambda r: nodes[r]["text"].lower())]
    collections = labelled_links(s, select(s, "page-scheme-collections", scheme=scheme), "collection", view.lang)
    data = {"@context": "http://schema.org/", "@type": "DefinedTermSet", "@id": scheme,
            "name": view.label(scheme)["text"],
            "hasDefinedTerm": [{"@type": "DefinedTerm", "@id": n["iri"], "name": n["text"]} for n in nodes.values()]}
    description = view.text(scheme, DCT.description)
    if description:
        data["description"] = description["text"]
    return "scheme.html", {"description": description, "tree": forest, "count": len(nodes),
                           "collections": collections, "publisher": view.links(scheme, DCT.publisher),
                           "jsonld": json_script(data)}


def vocabulary_page(s: Site, view: DocView) -> tuple[str, dict]:
    """The vocabulary's documentation: classes and properties with labels, comments, alignments."""
    onto = view.iri
    ours = str(s.vocab.KT)
    classes, properties = [], []
    for subject in sorted(view.props):
        if not subject.startswith(ours):
            continue
        types = view.types(subject)
        if str(OWL.Class) in types or str(RDFS.Class) in types:
            classes.append(term_view(view, subject, "class"))
        elif types & {str(OWL.ObjectProperty), str(OWL.DatatypeProperty), str(RDF.Property)}:
            properties.append(term_view(view, subject, "property"))
    classes.sort(key=lambda x: x["name"].lower())
    properties.sort(key=lambda x: x["name"].lower())
    context = {
        "description": view.text(onto, DCT.description), "version": [v.value for v in view.values(onto, OWL.versionInfo)],
        "licence": [{"href": lic, "text": licence_name(lic)} for lic in view.iris(onto, DCT.license)], "publisher": view.links(onto, DCT.publisher),
        "schemes": view.links(onto, RDFS.seeAlso), "classes": classes, "properties": properties,
    }
    data = {"@context": "http://schema.org/", "@type": "DefinedTermSet", "@id": onto,
            "name": view.label(onto)["text"],
            "hasDefinedTerm": [{"@type": "DefinedTerm", "@id": t["iri"], "name": t["label"]["text"],
                                "termCode": t["name"]} for t in classes + properties]}
    context["jsonld"] = json_script(data)
    return "vocabulary.html", context


def term_view(view: DocView, iri: str, kind: str) -> dict:
    """One class or property: label, comment, domain/range (unions spelled out), alignments."""
    return {
        "iri": iri, "name": local_name(iri), "kind": kind, "label": view.label(iri),
        "labels": view.texts(iri, RDFS.label), "comment": view.text(iri, RDFS.comment),
        "types": [view.link(t) for t in sorted(view.types(iri)) if not t.startswith(str(OWL))],
        "domain": class_expressions(view, iri, RDFS.domain), "range": class_expressions(view, iri, RDFS.range),
        "super": view.links(iri, RDFS.subClassOf) + view.links(iri, RDFS.subPropertyOf),
        "see_also": view.links(iri, RDFS.seeAlso),
        "matches": [link for name in MATCHES for link in view.links(iri, SKOS[name])],
        "equivalent": view.links(iri, OWL.equivalentClass) + view.links(iri, OWL.equivalentProperty),
    }


def class_expressions(view: DocView, iri: str, predicate) -> list[list[dict]]:
    """Each domain or range as a list of links: one for a named class, several for owl:unionOf."""
    out = []
    for term in view.values(iri, predicate):
        if isinstance(term, ox.NamedNode):
            out.append([view.link(term.value)])
        elif isinstance(term, ox.BlankNode):
            members = []
            for head in view.values(term.value, OWL.unionOf):
                members += [view.link(m) for m in rdf_list(view, head)]
            out.append(members)
    return out


def rdf_list(view: DocView, head) -> list[str]:
    """The IRIs of an RDF collection (rdf:first/rdf:rest), safe against cycles."""
    items, seen = [], set()
    while isinstance(head, ox.BlankNode) and head.value not in seen:
        seen.add(head.value)
        first = view.value(head.value, RDF.first)
        if isinstance(first, ox.NamedNode):
            items.append(first.value)
        head = view.value(head.value, RDF.rest)
    return items
