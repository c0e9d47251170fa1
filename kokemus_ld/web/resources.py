"""Dereferencing: every IRI of the data answers with its document, in the negotiated format.

Pattern: direct content negotiation on the IRI itself (no 303 redirect), answering with
`Content-Location` naming the format-specific URL (`/id/org/ehja.ttl`); an explicit
extension or `?format=` wins over Accept. A document is the resource, its `#` parts, the
labels of what it links to, and a page of incoming links.
"""

from __future__ import annotations

import dataclasses

import pyoxigraph as ox

from ..vocab import DCT, SKOS
from .errors import ClientError
from .negotiation import HTML, RESOURCE_FORMATS, by_extension
from .queries import named, safe_iri
from .site import Site

MAX_PAGE = 10_000
MAX_TRIPLES = 200_000  # of one document, or of its links' labels


@dataclasses.dataclass
class Document:
    """What one IRI's document holds."""

    iri: str
    own: list  # triples of the document graph
    linked: list  # labels of linked resources
    backlinks: list  # (subject, predicate, label or None)
    page: int
    has_more: bool
    modified: str | None

    @property
    def triples(self) -> list:
        """Everything, as triples: own, linked labels and backlinks (with their labels)."""
        out = list(self.own) + list(self.linked)
        target = ox.NamedNode(self.iri)
        for s, p, label in self.backlinks:
            out.append(ox.Triple(s, p, target))
            if label is not None:
                out.append(ox.Triple(s, ox.NamedNode(str(SKOS.prefLabel)), label))
        return out


def split_format(site: Site, path: str) -> tuple[str, str | None]:
    """(document path, explicit format name) from a request path like /id/org/ehja.ttl."""
    stem, dot, ext = path.rpartition(".")
    if dot and "/" not in ext and by_extension(ext, RESOURCE_FORMATS) is not None:
        return stem, by_extension(ext, RESOURCE_FORMATS).name
    return path, None


def load_document(site: Site, iri: str, page: int = 1) -> Document | None:
    """The document of an IRI from the store, or None when nothing is published there."""
    if page < 1 or page > MAX_PAGE:
        raise ClientError(400, "Sivunumero ei kelpaa. / The page number is out of range.")
    try:
        safe_iri(iri)
    except ValueError:
        raise ClientError(400, "Osoite ei ole kelvollinen IRI. / The address is not a valid IRI.") from None

    def make():
        size = site.settings.page_size
        graph = site.store.query(named("document-graph", doc=iri), limit=MAX_TRIPLES).triples
        if not any(_in_doc(t, iri) for t in graph):
            return None
        triples = list(dict.fromkeys(graph + linked_labels(site, iri, graph)))
        back = site.store.query(named("backlinks", doc=iri) + f"\nLIMIT {size + 1} OFFSET {(page - 1) * size}",
                                limit=size + 1)
        rows = [(r[0], r[1], r[2]) for r in back.rows]
        doc_triples = [t for t in triples if _in_doc(t, iri)]
        modified = next((t.object.value for t in doc_triples
                         if t.subject == ox.NamedNode(iri) and t.predicate.value == str(DCT.modified)), None)
        return Document(iri, doc_triples, [t for t in triples if not _in_doc(t, iri)], rows[:size], page,
                        len(rows) > size, modified)

    return site.cached(("doc", iri, page), make)


def linked_labels(site: Site, iri: str, graph: list) -> list:
    """Label triples of the IRIs a document's graph links to (objects outside it, and predicates)."""
    linked = {t.predicate.value for t in graph}
    linked |= {t.object.value for t in graph if isinstance(t.object, ox.NamedNode)
               and t.object.value != iri and not t.object.value.startswith(iri + "#")}
    usable = sorted(i for i in linked if _usable(i))
    if not usable:
        return []
    return site.store.query(named("document-labels", iris=usable), limit=MAX_TRIPLES).triples


def _usable(iri: str) -> bool:
    try:
        return bool(safe_iri(iri))
    except ValueError:  # nothing to label it with in a query; the page shows the IRI itself
        return False


def _in_doc(t, iri: str) -> bool:
    s = t.subject
    return isinstance(s, ox.BlankNode) or s.value == iri or s.value.startswith(iri + "#")


def alternates(path: str, query: str = "") -> list:
    """(href, format) of every representation of a document, for Link headers.

    Each href names its format explicitly (`.html` too), so following it gives that format
    whatever the client's Accept header says; `query` (the UI language) applies to HTML only.
    """
    return [(f"{path}.{f.extension}" + (query if f is HTML else ""), f) for f in RESOURCE_FORMATS]
