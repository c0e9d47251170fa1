"""The build: read, map, validate, then publish atomically.

A build is written into a new folder under `publish_dir/builds/` and becomes the
published dataset only when everything validated and every file is on disk: the
`current` symlink is then replaced in one `rename`, so a failed or killed build leaves
the previous dataset intact and served.

The published store layout puts each *document* (a resource and its `#` parts, plus
the blank nodes they own) in its own named graph, named by the document IRI; queries
read the union. That makes a resource's own triples one exact `GRAPH` lookup on any
SPARQL store, and gives every document a content hash from which its `dct:modified`
and the change feed are derived between builds.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import gzip
import hashlib
import json
import os
import shutil
import subprocess
import tempfile
from collections import defaultdict
from pathlib import Path

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import DCAT, DCTERMS as DCT, PROV, RDF, SKOS, XSD

from ..config import Settings
from ..vocab import Vocab, vocab
from .entries import read_data
from .mapping import map_entries
from .problems import DataError, Problem
from .validation import Report, locate_turtle, validate

DUMP_NAME = "kokemus"
# format name, pyoxigraph format, file extension; the dumps written by every build
DUMPS = [
    ("turtle", ox.RdfFormat.TURTLE, "ttl"),
    ("ntriples", ox.RdfFormat.N_TRIPLES, "nt"),
    ("nquads", ox.RdfFormat.N_QUADS, "nq"),
    ("trig", ox.RdfFormat.TRIG, "trig"),
    ("jsonld", ox.RdfFormat.JSON_LD, "jsonld"),
]


@dataclasses.dataclass
class Vocabulary:
    """The vocabulary and concept schemes as one graph, and the concept id -> scheme id table."""

    graph: Graph
    concepts: dict[str, str]


def load_vocabulary(settings: Settings) -> Vocabulary:
    """Parse ontology/*.ttl and ontology/schemes/*.ttl against the base IRI."""
    v = vocab(settings.base_iri)
    g = _parse_turtle(Path(settings.ontology_dir), v.base)
    concepts: dict[str, str] = {}
    for c, scheme in g.subject_objects(SKOS.inScheme):
        if str(c).startswith(str(v.CONCEPT)) and str(scheme).startswith(str(v.SCHEME)):
            concepts[str(c)[len(v.CONCEPT):]] = str(scheme)[len(v.SCHEME):]
    return Vocabulary(g, concepts)


def load_shapes(settings: Settings) -> Graph:
    """Parse shapes/*.ttl against the base IRI."""
    return _parse_turtle(Path(settings.shapes_dir), vocab(settings.base_iri).base)


def _parse_turtle(folder: Path, base: str) -> Graph:
    """Every .ttl file of a folder in one graph; a syntax error is a `DataError` at its file and line."""
    g = Graph()
    problems = []
    for path in sorted(folder.rglob("*.ttl")):
        name = f"{folder.name}/{path.relative_to(folder).as_posix()}"
        try:
            g.parse(path, format="turtle", publicID=base)
        except SyntaxError:
            line, why = _turtle_error(path, base)
            problems.append(Problem(name, line, "(turtle)", f"Turtle-syntaksivirhe: {why}", f"Turtle syntax error: {why}"))
        except (UnicodeDecodeError, ValueError) as exc:
            problems.append(Problem(name, 1, "(turtle)", f"tiedostoa ei voi lukea: {exc}", f"cannot read the file: {exc}"))
    if problems:
        raise DataError(problems)
    return g


def _turtle_error(path: Path, base: str) -> tuple[int, str]:
    """Where a Turtle file is broken and why, as pyoxigraph says it (rdflib's line numbers drift)."""
    try:
        for _quad in ox.parse(path=str(path), format=ox.RdfFormat.TURTLE, base_iri=base):
            pass
    except SyntaxError as exc:
        return exc.lineno or 1, (exc.msg or str(exc)).split(": ", 1)[-1]
    return 1, "rdflib cannot read the file"


@dataclasses.dataclass
class Checked:
    """The data read, mapped and validated, not yet published."""

    data: Graph
    vocabulary: Vocabulary
    shapes: Graph
    report: Report
    files: list


def check(settings: Settings) -> Checked:
    """Read, map and validate; raise `DataError` listing every problem if anything is wrong."""
    v = vocab(settings.base_iri)
    vocabulary = load_vocabulary(settings)
    files = read_data(Path(settings.data_dir), vocabulary.concepts, label=Path(settings.data_dir).name)
    data, where = map_entries(files, v)
    _describe_dataset(data, v, settings)  # the licence is a setting, validated as it will be published
    where = {**locate_turtle(Path(settings.ontology_dir), v.base, Path(settings.ontology_dir).name), **where}
    shapes = load_shapes(settings)
    report = validate(data, shapes, vocabulary.graph, where)
    report.problems = sorted(set(report.problems) | set(files.warnings))
    if not report.conforms:
        raise DataError(report.problems)
    return Checked(data, vocabulary, shapes, report, files)


@dataclasses.dataclass
class BuildResult:
    """What a successful build published."""

    build_id: str
    path: Path
    meta: dict
    report: Report


def build(settings: Settings, now: dt.datetime | None = None) -> BuildResult:
    """Validate, then publish a new build atomically; raise `DataError` and publish nothing on failure."""
    now = (now or dt.datetime.now(dt.timezone.utc)).replace(microsecond=0)
    checked = check(settings)
    v = vocab(settings.base_iri)
    publish = Path(settings.publish_dir)
    (publish / "builds").mkdir(parents=True, exist_ok=True)
    previous = read_meta(settings.current_dir)

    full = Graph()
    for g in (checked.data, checked.vocabulary.graph, checked.shapes):
        for t in g:
            full.add(t)
    documents = partition(full, v)
    hashes = {doc: _hash(triples) for doc, triples in documents.items()}
    modified, events, gone = _changes(previous, hashes, now)
    # The dataset changed when any of its documents did (not at every build).
    modified[v.dataset] = max(modified.values())
    issued = (previous or {}).get("issued") or now.isoformat()
    for doc, when in modified.items():
        if (URIRef(doc), None, None) in full and not doc.startswith(str(v.SHAPES)):
            documents[doc].append((URIRef(doc), DCT.modified, Literal(when, datatype=XSD.dateTime)))
    documents[v.dataset] += _build_facts(v, issued, now)

    build_id = now.strftime("%Y%m%dT%H%M%SZ") + "-" + hashlib.sha256(
        json.dumps(hashes, sort_keys=True).encode()).hexdigest()[:8]
    work = Path(tempfile.mkdtemp(prefix=f".{build_id}.", dir=publish / "builds"))
    try:
        nquads = _write_nquads(work / f"{DUMP_NAME}.nq", documents)
        dumps = _write_dumps(work, nquads, v)
        checked.report.graph.serialize(work / "report.ttl", format="turtle")
        meta = {
            "build_id": build_id,
            "built": now.isoformat(),
            "issued": issued,
            "commit": _git_commit(),
            "base_iri": v.base,
            "license": settings.license,
            "triples": sum(len(t) for t in documents.values()),
            "documents": len(documents),
            "hashes": hashes,
            "modified": modified,
            "gone": gone,
            "dumps": dumps,
            "validation": {
                "conforms": checked.report.conforms,
                "violations": checked.report.count("violation"),
                "warnings": checked.report.count("warning"),
                "infos": checked.report.count("info"),
                "problems": [str(p) for p in checked.report.problems],
            },
        }
        (work / "changes.json").write_text(json.dumps(events, ensure_ascii=False, indent=0))
        (work / "meta.json").write_text(json.dumps(meta, ensure_ascii=False, indent=1))
        _fsync_tree(work)
        final = publish / "builds" / build_id
        os.rename(work, final)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    switch_current(publish, final)
    _prune(publish, keep=3)
    return BuildResult(build_id, final, meta, checked.report)


def _describe_dataset(g: Graph, v: Vocab, settings: Settings) -> None:
    """Add what only the build knows about the dataset and is part of its content: licence, landing page."""
    ds = URIRef(v.dataset)
    g.add((ds, DCT.license, URIRef(settings.license)))
    g.add((ds, DCAT.landingPage, ds))


def _build_facts(v: Vocab, issued: str, now: dt.datetime) -> list:
    """The dataset's dates and provenance; added after hashing, so a rebuild alone is not a change."""
    ds = URIRef(v.dataset)
    facts = [(ds, DCT.issued, Literal(issued, datatype=XSD.dateTime)),
             (ds, PROV.generatedAtTime, Literal(now.isoformat(), datatype=XSD.dateTime))]
    commit = _git_commit()
    if commit:
        facts.append((ds, v.KT.buildCommit, Literal(commit)))
    return facts


def partition(g: Graph, v: Vocab) -> dict[str, list]:
    """Group triples by document: a subject's document is its IRI before '#'; blank nodes
    belong to the document of the subject that first points at them."""
    docs: dict[str, list] = defaultdict(list)
    owner: dict[BNode, str] = {}
    pending = []
    for s, p, o in g:
        if isinstance(s, URIRef):
            doc = v.document_of(str(s))
            docs[doc].append((s, p, o))
            if isinstance(o, BNode):
                owner.setdefault(o, doc)
        else:
            pending.append((s, p, o))
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


def _hash(triples: list) -> str:
    """A content hash of a document that ignores blank-node labels and triple order."""
    lines = sorted(f"{_key(s)} {p.n3()} {_key(o)}" for s, p, o in triples)
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()[:16]


def _key(term) -> str:
    return "_:b" if isinstance(term, BNode) else term.n3()


def _changes(previous: dict | None, hashes: dict, now: dt.datetime):
    """Per-document modified dates and the change-feed events since the previous build."""
    stamp = now.isoformat()
    old_hashes = (previous or {}).get("hashes", {})
    old_modified = (previous or {}).get("modified", {})
    events = list(_previous_events(previous))
    seq = events[-1]["seq"] if events else 0
    modified = {}
    for doc, h in sorted(hashes.items()):
        if doc in old_hashes and old_hashes[doc] == h:
            modified[doc] = old_modified.get(doc, stamp)
            continue
        modified[doc] = stamp
        seq += 1
        events.append({"seq": seq, "type": "Update" if doc in old_hashes else "Create", "object": doc, "published": stamp})
    gone = {d: t for d, t in ((previous or {}).get("gone", {})).items() if d not in hashes}
    for doc in sorted(set(old_hashes) - set(hashes)):
        seq += 1
        events.append({"seq": seq, "type": "Delete", "object": doc, "published": stamp})
        gone[doc] = stamp
    return modified, events, gone


def _previous_events(previous: dict | None) -> list:
    if not previous:
        return []
    path = Path(previous["_path"]) / "changes.json"
    return json.loads(path.read_text()) if path.exists() else []


def _write_nquads(path: Path, documents: dict[str, list]) -> Path:
    """The canonical dump: one named graph per document, in N-Quads, sorted for stable diffs."""
    def quads():
        for doc in sorted(documents):
            graph = ox.NamedNode(doc)
            for s, p, o in sorted(documents[doc], key=lambda t: (_key(t[0]), t[1], _key(t[2]))):
                yield ox.Quad(_ox(s), _ox(p), _ox(o), graph)

    ox.serialize(quads(), str(path), format=ox.RdfFormat.N_QUADS)
    return path


def _ox(term):
    """An rdflib term as a pyoxigraph term."""
    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, BNode):
        return ox.BlankNode(str(term))
    if term.language:
        return ox.Literal(str(term), language=term.language)
    lexical = str(term)
    if term.datatype == XSD.dateTime and lexical.endswith("+00:00"):
        # rdflib writes UTC as +00:00, every store as Z: write the canonical form, so the dumps,
        # the embedded store and a remote store all hold the same literal
        lexical = lexical[: -len("+00:00")] + "Z"
    return ox.Literal(lexical, datatype=ox.NamedNode(str(term.datatype or XSD.string)))


def _write_dumps(work: Path, nquads: Path, v: Vocab) -> dict:
    """Every dump format (and a gzip of each) from the canonical N-Quads, by pyoxigraph."""
    store = ox.Store()
    store.bulk_load(path=str(nquads), format=ox.RdfFormat.N_QUADS)
    prefixes = v.prefixes
    dumps = {}
    for name, fmt, ext in DUMPS:
        target = work / f"{DUMP_NAME}.{ext}"
        if fmt is not ox.RdfFormat.N_QUADS:
            if fmt.supports_datasets:
                quads = store.quads_for_pattern(None, None, None, None)
            else:  # merge the document graphs into one graph for triple formats
                quads = (ox.Triple(q.subject, q.predicate, q.object) for q in store.quads_for_pattern(None, None, None, None))
            kwargs = {"prefixes": prefixes} if fmt in (ox.RdfFormat.TURTLE, ox.RdfFormat.TRIG) else {}
            ox.serialize(quads, str(target), format=fmt, **kwargs)
        with open(target, "rb") as src, open(str(target) + ".gz", "wb") as raw, \
                gzip.GzipFile(fileobj=raw, mode="wb", mtime=0, filename="") as gz:
            shutil.copyfileobj(src, gz)
        for path in (target, Path(str(target) + ".gz")):
            data = path.read_bytes()
            dumps[path.name] = {
                "format": name, "media_type": fmt.media_type, "gzip": path.suffix == ".gz",
                "bytes": len(data), "sha256": hashlib.sha256(data).hexdigest(),
            }
    return dumps


def read_meta(current: Path) -> dict | None:
    """The meta.json of a published build, with `_path` set; None when nothing is published."""
    try:
        path = current.resolve(strict=True)
        meta = json.loads((path / "meta.json").read_text())
    except (OSError, ValueError):
        return None
    meta["_path"] = str(path)
    return meta


def switch_current(publish: Path, target: Path) -> None:
    """Point `current` at a build in one atomic rename."""
    tmp = publish / f".current.{os.getpid()}"
    if tmp.is_symlink() or tmp.exists():
        tmp.unlink()
    os.symlink(os.path.relpath(target, publish), tmp)
    os.replace(tmp, publish / "current")
    _fsync_dir(publish)


def _prune(publish: Path, keep: int) -> None:
    """Keep the last few builds (the current one always) and remove half-written leftovers."""
    current = (publish / "current").resolve()
    builds = sorted(p for p in (publish / "builds").iterdir() if p.is_dir() and not p.name.startswith("."))
    for old in builds[:-keep]:
        if old.resolve() != current:
            shutil.rmtree(old, ignore_errors=True)
    for junk in (publish / "builds").glob(".*"):
        shutil.rmtree(junk, ignore_errors=True)


def _fsync_tree(path: Path) -> None:
    for f in path.iterdir():
        with open(f, "rb") as fh:
            os.fsync(fh.fileno())
    _fsync_dir(path)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _git_commit() -> str | None:
    """The commit of the data, when built from a git checkout."""
    try:
        out = subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True, timeout=5,
                             cwd=Path(__file__).resolve().parent)
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None if out.returncode == 0 else None


__all__ = ["build", "check", "read_meta", "partition", "BuildResult", "DataError", "Problem"]
