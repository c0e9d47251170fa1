"""The data as documents: each YAML file mapped alone, each document ready to publish.

A *document* is a resource and its `#` parts (plus the blank nodes they own), one named
graph in the published store. Every file is mapped on its own (an activity reads only
its organisation's entry and the dataset's source page), so a file that did not change
since the previous build is not mapped again: its documents' content hashes and sorted
N-Quads come from the build cache under the hash of exactly what the mapping read.
"""

from __future__ import annotations

import bisect
import dataclasses
import hashlib
from collections import defaultdict
from operator import itemgetter

from rdflib import BNode, Literal, URIRef
from rdflib.namespace import DCAT, DCTERMS as DCT, XSD

from ..config import Settings
from ..vocab import Vocab
from .cache import BuildCache, digest
from .entries import SourceFile
from .mapping import map_file
from .ntriples import graph_text, term_text

MODIFIED = DCT.modified


@dataclasses.dataclass
class Document:
    """One named graph: its content hash, its sorted N-Quads, and what it refers to."""

    iri: str
    hash: str  # ignores blank-node labels and triple order (meta.json's per-document hash)
    count: int  # triples
    nquads: bytes | None  # sorted lines, the canonical dump's chunk (None: in the build cache, `Mapped.nquads`)
    modified_at: int  # byte offset of the document's own dct:modified line in `nquads`
    described: bool  # the document IRI is itself a subject (so it gets dct:modified)
    sha: str = ""  # SHA-256 of `nquads`: names these exact bytes (a dump block's key) without rehashing them
    refers: frozenset = frozenset()  # other documents its IRIs point at
    triples: list | None = None  # rdflib triples, when mapped in this build (not cached)

    def cached(self) -> "Document":
        """The document without its triples, as kept in the build cache."""
        return dataclasses.replace(self, triples=None)

    def light(self) -> "Document":
        """The document without its triples and its N-Quads (kept apart: a rebuild reads few of them)."""
        return dataclasses.replace(self, triples=None, nquads=None)

    def with_modified(self, chunk: bytes, when: str) -> bytes:
        """Its N-Quads `chunk` with the document's `dct:modified` in its sorted place."""
        iri = URIRef(self.iri)
        line = nquads(self.iri, [(iri, MODIFIED, Literal(when, datatype=XSD.dateTime))])
        return chunk[: self.modified_at] + line + chunk[self.modified_at:]


def document(iri: str, triples: list) -> Document:
    """A document from its triples: hash, sorted N-Quads, references."""
    name = graph_text(iri)
    rows = []  # (subject key, predicate, object key, N-Quads line): plain strings, compared in C
    for s, p, o in triples:
        (ks, ns), (kp, np), (ko, no) = term_text(s), term_text(p), term_text(o)
        rows.append((ks, kp[1:-1], ko, f"{ns} {np} {no} {name} .\n"))
    rows.sort(key=itemgetter(0, 1, 2))  # stable: blank nodes keep their order among equals
    lines = "".join([r[3] for r in rows]).encode()
    before = bisect.bisect_left(rows, (name, str(MODIFIED)))  # the rows sorted before its dct:modified
    offset = len("".join([r[3] for r in rows[:before]]).encode())
    refers = frozenset(d for d in {_document_of(r[2][1:-1]) for r in rows if r[2][0] == "<"} if d != iri)
    described = any(r[0] == name for r in rows)
    digest = _digest(f"{s} <{p}> {o}" for s, p, o, _line in rows)
    return Document(iri, digest, len(triples), lines, offset, described, hashlib.sha256(lines).hexdigest(), refers,
                    triples)


def _document_of(iri) -> str:
    return str(iri).split("#", 1)[0]


def _digest(lines) -> str:
    """A content hash of a document that ignores blank-node labels and triple order."""
    return hashlib.sha256("\n".join(sorted(lines)).encode()).hexdigest()[:16]


def nquads(graph: str, triples) -> bytes:
    """Triples as N-Quads lines in one named graph, in the order given."""
    name = graph_text(graph)
    return "".join([f"{term_text(s)[1]} {term_text(p)[1]} {term_text(o)[1]} {name} .\n"
                    for s, p, o in triples]).encode()


def partition(triples, v: Vocab) -> dict[str, list]:
    """Group triples by document: a subject's document is its IRI before '#'; blank nodes
    belong to the document of the subject that first points at them."""
    docs: dict[str, list] = defaultdict(list)
    owner: dict[BNode, str] = {}
    pending = []
    subjects: dict[URIRef, str] = {}  # subject -> its document (a subject has a dozen triples)
    named = (URIRef, Literal)  # exact types: rdflib's terms are ABCs, and an isinstance that fails is slow
    for s, p, o in triples:
        doc = subjects.get(s)
        if doc is None:
            if not isinstance(s, URIRef):
                pending.append((s, p, o))
                continue
            doc = subjects[s] = v.document_of(str(s))
        docs[doc].append((s, p, o))
        if type(o) not in named and isinstance(o, BNode):
            owner.setdefault(o, doc)
    while pending:
        rest = []
        for s, p, o in pending:
            doc = owner.get(s)
            if doc is None:
                rest.append((s, p, o))
                continue
            docs[doc].append((s, p, o))
            if isinstance(o, BNode):
                owner.setdefault(o, doc)
        if len(rest) == len(pending):  # orphans: blank nodes nobody points at
            for s, p, o in rest:
                docs[v.base + "id/orphans"].append((s, p, o))
            break
        pending = rest
    return dict(docs)


def describe_dataset(g, v: Vocab, settings: Settings) -> None:
    """Add what only the build knows about the dataset and is part of its content: licence, landing page."""
    ds = URIRef(v.dataset)
    g.add((ds, DCT.license, URIRef(settings.license)))
    g.add((ds, DCAT.landingPage, ds))


@dataclasses.dataclass
class MappedFile:
    """One YAML file's documents, and (when mapped in this build) where each triple came from."""

    source: SourceFile
    key: str  # the hash of everything the mapping read
    group: str  # the validation shard: the organisation's id, or "" for the directory's own files
    documents: list[Document] | None  # None until mapped (in process, or by a validation worker)
    where: dict | None = None


class Mapped:
    """Every file of the data folder as documents, taken from the cache or mapped in this build.

    What the cache does not hold is mapped on demand: by `fresh` in this process, or by the
    validation workers (shards.py), which map an organisation's files where they validate
    them and hand the documents back with `fill`.
    """

    def __init__(self, files: list[SourceFile], v: Vocab, settings: Settings, cache: BuildCache | None):
        self.v, self.settings, self.cache = v, settings, cache
        self.orgs = {f.facts.ids[0][0]: f for f in files if f.kind == "organisations"}
        dataset = [f for f in files if f.kind == "dataset.yaml"]
        self.source_page = dataset[0].value["source_page"] if dataset else None
        self.files: dict[str, MappedFile] = {}
        for f in files:
            organisation = self._organisation(f)
            key = digest(f.name, f.kind, f.key, organisation.key if organisation is not None else "", self.source_page)
            group = organisation.facts.ids[0][0] if organisation is not None else ""
            cached = cache.get("mapped", key) if cache is not None else None
            if cached is not None and not all(cache.keep("nquads", d.sha) for d in cached):
                cached = None  # (its N-Quads are gone: map it again)
            self.files[f.name] = MappedFile(f, key, group, cached)

    def unmapped(self) -> set[str]:
        """The files neither cached nor mapped yet."""
        return {name for name, m in self.files.items() if m.documents is None}

    def file_of(self) -> dict[str, str]:
        """Document IRI -> its file, for the documents of the files mapped or cached so far."""
        return {d.iri: name for name, m in self.files.items() for d in (m.documents or ())}

    def organisation_documents(self) -> dict[str, str]:
        """Each organisation's own document -> its file, known before mapping (other organisations'
        files point at it: membership in VSLJ, the dataset's publisher)."""
        return {self.v.document_of(str(self.v.ORGS[ident])): f.name for ident, f in self.orgs.items()}

    def fill(self, name: str, documents: list[Document]) -> None:
        """A file's documents as a worker mapped them (kept for the next build)."""
        mapped = self.files[name]
        if mapped.documents is None:
            mapped.documents = documents
            self._keep(mapped)

    def _keep(self, mapped: MappedFile) -> None:
        if self.cache is not None:
            self.cache.put("mapped", mapped.key, [d.light() for d in mapped.documents])
            for d in mapped.documents:
                self.cache.put("nquads", d.sha, d.nquads)

    def nquads(self, d: Document) -> bytes:
        """A document's N-Quads chunk: as mapped in this build, else from the cache, else mapped again."""
        chunk = d.nquads if d.nquads is not None or self.cache is None else self.cache.get("nquads", d.sha)
        if chunk is None:  # a damaged cache: the file that holds it, mapped again
            name = next(name for name, m in self.files.items() if any(x.iri == d.iri for x in m.documents or ()))
            self.fresh(name)
            chunk = next(x.nquads for x in self.files[name].documents if x.iri == d.iri)
        return chunk

    def _organisation(self, f: SourceFile) -> SourceFile | None:
        """The organisation's file of an organisation or an activity (what its mapping reads)."""
        if f.kind == "organisations":
            return f
        if f.kind == "activities":
            return self.orgs.get(f.facts.organisation[0])
        return None

    def _map(self, mapped: MappedFile) -> None:
        f = mapped.source
        organisation = self._organisation(f)
        triples, where = map_file(f, organisation.value if organisation is not None else None, self.source_page, self.v)
        if f.kind == "dataset.yaml":  # the licence is a setting, validated as it will be published
            describe_dataset(triples, self.v, self.settings)
        mapped.documents = [document(iri, t) for iri, t in sorted(partition(triples, self.v).items())]
        mapped.where = where

    def fresh(self, name: str) -> MappedFile:
        """A file with its triples and locations at hand (mapped again if it came from the cache)."""
        mapped = self.files[name]
        if mapped.where is None:
            self._map(mapped)
            self._keep(mapped)
        return mapped

    def documents(self) -> dict[str, Document]:
        """Every data document by IRI."""
        self._complete()
        return {d.iri: d for m in self.files.values() for d in m.documents}

    def _complete(self) -> None:
        for name in self.unmapped():
            self.fresh(name)

    def __len__(self) -> int:
        """How many data triples."""
        self._complete()
        return sum(d.count for m in self.files.values() for d in m.documents)
