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
import hashlib
import json
import os
import shutil
import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS as DCT, PROV, RDF, SKOS, XSD

from ..config import Settings
from ..vocab import Vocab, vocab
from .cache import BuildCache, digest, open_cache
from .documents import Document, Mapped, describe_dataset, document, partition
from .dumps import DUMP_NAME, DUMPS, Chunk, write_dumps
from .entries import read_data
from .problems import IN_ORDER, DataError, Problem
from .shards import validate_documents
from .timing import rare_collections, stage
from .validation import Report, Shapes, locate_turtle

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
            _parse_fast(g, path, base)
            continue
        except (SyntaxError, ValueError, OSError):
            pass  # rdflib parses it again and says what is wrong, as it always has
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


def _parse_fast(g: Graph, path: Path, base: str) -> None:
    """Parse a Turtle file with pyoxigraph into `g` (5x rdflib's own parser), prefixes bound as written."""
    parser = ox.parse(path=str(path), format=ox.RdfFormat.TURTLE, base_iri=base)
    triples = [(_rdflib(t.subject), _rdflib(t.predicate), _rdflib(t.object)) for t in parser]
    for prefix, namespace in parser.prefixes.items():
        g.bind(prefix, namespace)
    for t in triples:
        g.add(t)


def _rdflib(term):
    """A pyoxigraph term as rdflib's Turtle parser would have made it."""
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if term.language:
        return Literal(term.value, lang=term.language)
    datatype = term.datatype.value
    return Literal(term.value, datatype=None if datatype == str(XSD.string) else URIRef(datatype))


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

    data: Mapped  # the data documents (len() = triples)
    vocabulary: Vocabulary
    shapes: Graph
    report: Report
    files: list
    cache: BuildCache | None = None


def check(settings: Settings) -> Checked:
    """Read, map and validate; raise `DataError` listing every problem if anything is wrong.

    What the published build computed for unchanged inputs is reused (see cache.py)."""
    with rare_collections():
        return _check(settings)


def _check(settings: Settings) -> Checked:
    v = vocab(settings.base_iri)
    with stage("vocabulary"):
        cache = open_cache(settings)
        vocabulary = load_vocabulary(settings)
        where = locate_turtle(Path(settings.ontology_dir), v.base, Path(settings.ontology_dir).name)
        shapes = load_shapes(settings)
    with stage("read"):
        parsed = cache.reuse("parsed")
        files = read_data(Path(settings.data_dir), vocabulary.concepts, label=Path(settings.data_dir).name,
                          cache=parsed)
    with stage("map"):
        data = Mapped(files, v, settings, cache)
    with stage("validate"):
        report = validate_documents(data, vocabulary.graph, where, Shapes(shapes), cache)
    report.problems = sorted(set(report.problems) | set(files.warnings), key=IN_ORDER)
    if not report.conforms:
        raise DataError(report.problems)
    return Checked(data, vocabulary, shapes, report, files, cache)


@dataclasses.dataclass
class BuildResult:
    """What a successful build published."""

    build_id: str
    path: Path
    meta: dict
    report: Report


def build(settings: Settings, now: dt.datetime | None = None) -> BuildResult:
    """Validate, then publish a new build atomically; raise `DataError` and publish nothing on failure."""
    with rare_collections():
        return _build(settings, now)


def _build(settings: Settings, now: dt.datetime | None) -> BuildResult:
    now = (now or dt.datetime.now(dt.timezone.utc)).replace(microsecond=0)
    checked = check(settings)
    v = vocab(settings.base_iri)
    publish = Path(settings.publish_dir)
    (publish / "builds").mkdir(parents=True, exist_ok=True)
    previous = read_meta(settings.current_dir)

    documents = {**_vocabulary_documents(checked, v), **checked.data.documents()}
    hashes = {doc: d.hash for doc, d in documents.items()}
    modified, events, gone = _changes(previous, hashes, now)
    # The dataset changed when any of its documents did (not at every build).
    modified[v.dataset] = max(modified.values())
    issued = (previous or {}).get("issued") or now.isoformat()
    dated = {doc for doc, d in documents.items() if d.described and not doc.startswith(str(v.SHAPES))}
    # the dataset's dates and provenance are added after hashing, so a rebuild alone is not a change
    dataset_file = next(m.source.name for m in checked.data.files.values() if any(d.iri == v.dataset for d in m.documents))
    own = next(d for d in checked.data.fresh(dataset_file).documents if d.iri == v.dataset)
    documents[v.dataset] = document(v.dataset, own.triples + _build_facts(v, issued, now))

    build_id = now.strftime("%Y%m%dT%H%M%SZ") + "-" + hashlib.sha256(
        json.dumps(hashes, sort_keys=True).encode()).hexdigest()[:8]
    work = Path(tempfile.mkdtemp(prefix=f".{build_id}.", dir=publish / "builds"))
    try:
        with stage("dumps"):
            chunks = [_chunk(documents[doc], modified[doc] if doc in dated else None, checked.data.nquads)
                      for doc in sorted(documents)]
            dumps = write_dumps(work, chunks, v.prefixes, checked.cache)
        _write_report(work / "report.ttl", checked.report, checked.cache)
        meta = {
            "build_id": build_id,
            "built": now.isoformat(),
            "issued": issued,
            "commit": _git_commit(),
            "base_iri": v.base,
            "license": settings.license,
            "triples": sum(d.count for d in documents.values()) + len(dated),
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
        # one event per line, like the feed reads them; no indent= (it turns off json's C encoder)
        (work / "changes.json").write_text("[\n" + ",\n".join(json.dumps(e, ensure_ascii=False) for e in events)
                                           + "\n]\n")
        (work / "meta.json").write_text(json.dumps(meta, ensure_ascii=False))
        with stage("save"):
            if checked.cache is not None:
                checked.cache.save(work)
            _fsync_tree(work)
        final = publish / "builds" / build_id
        os.rename(work, final)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    switch_current(publish, final)
    _prune(publish, keep=3)
    return BuildResult(build_id, final, meta, checked.report)


def _vocabulary_documents(checked: Checked, v: Vocab) -> dict[str, Document]:
    """The vocabulary's and the shapes' documents (cached: the cache's fingerprint covers them)."""
    cached = checked.cache.get("published", "vocabulary") if checked.cache is not None else None
    if cached is None:
        triples = list(checked.vocabulary.graph) + list(checked.shapes)
        cached = [document(iri, t).cached() for iri, t in sorted(partition(triples, v).items())]
        if checked.cache is not None:
            checked.cache.put("published", "vocabulary", cached)
    return {d.iri: d for d in cached}


_describe_dataset = describe_dataset  # what tests add to a mapped graph to validate it as it is published


def _build_facts(v: Vocab, issued: str, now: dt.datetime) -> list:
    """The dataset's dates and provenance; added after hashing, so a rebuild alone is not a change."""
    ds = URIRef(v.dataset)
    facts = [(ds, DCT.issued, Literal(issued, datatype=XSD.dateTime)),
             (ds, PROV.generatedAtTime, Literal(now.isoformat(), datatype=XSD.dateTime))]
    commit = _git_commit()
    if commit:
        facts.append((ds, v.KT.buildCommit, Literal(commit)))
    return facts


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


def _chunk(d: Document, modified: str | None, nquads: Callable[[Document], bytes]) -> Chunk:
    """A document's part of the dumps: its N-Quads (`nquads(d)`), with its `dct:modified` when it gets one.

    The bytes are made only when a dump block is serialized anew; the key names them without."""
    if modified is None:
        return Chunk(d.iri, d.sha, lambda: nquads(d))
    return Chunk(d.iri, f"{d.sha} {modified}", lambda: d.with_modified(nquads(d), modified))


def _write_report(path: Path, report: Report, cache: BuildCache | None) -> None:
    """The SHACL validation report as Turtle (written again only when the findings changed)."""
    key = digest(*map(repr, report.findings), report.conforms)
    cached = cache.get("published", "report") if cache is not None else None
    if cached is None or cached[0] != key:
        cached = (key, _report_turtle(report))
    if cache is not None:
        cache.put("published", "report", cached)
    path.write_bytes(cached[1])


def _report_turtle(report: Report) -> bytes:
    """The SHACL validation report as Turtle: one sh:ValidationResult per finding."""
    sh = "http://www.w3.org/ns/shacl#"
    a, node = ox.NamedNode(str(RDF.type)), ox.BlankNode("report")
    triples = [ox.Triple(node, a, ox.NamedNode(sh + "ValidationReport")),
               ox.Triple(node, ox.NamedNode(sh + "conforms"), ox.Literal(str(report.conforms).lower(),
                                                                      datatype=ox.NamedNode(str(XSD.boolean))))]
    for i, f in enumerate(report.findings):
        r = ox.BlankNode(f"r{i}")
        triples += [ox.Triple(node, ox.NamedNode(sh + "result"), r),
                    ox.Triple(r, a, ox.NamedNode(sh + "ValidationResult")),
                    ox.Triple(r, ox.NamedNode(sh + "focusNode"), _report_term(("iri", f.focus))),
                    ox.Triple(r, ox.NamedNode(sh + "resultSeverity"),
                              ox.NamedNode(sh + f.severity.capitalize()))]
        for key, value in (("resultPath", ("iri", f.path) if f.path else None), ("value", f.value),
                           ("sourceShape", ("iri", f.shape) if f.shape else None),
                           ("sourceConstraintComponent", ("iri", f.component) if f.component else None)):
            if value is not None:
                triples.append(ox.Triple(r, ox.NamedNode(sh + key), _report_term(value)))
        for language, text in f.messages:
            triples.append(ox.Triple(r, ox.NamedNode(sh + "resultMessage"), ox.Literal(text, language=language)))
    return ox.serialize(triples, format=ox.RdfFormat.TURTLE, prefixes={"sh": sh})


def _report_term(value: tuple):
    kind = value[0]
    if kind == "iri" and value[1].startswith("_:"):
        kind, value = "blank", ("blank", value[1][2:])
    if kind == "iri":
        return ox.NamedNode(value[1])
    if kind == "blank":
        return ox.BlankNode(value[1])
    _kind, lexical, language, datatype = value
    if language:
        return ox.Literal(lexical, language=language)
    return ox.Literal(lexical, datatype=ox.NamedNode(datatype) if datatype else None)


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
        if f.is_dir():
            _fsync_tree(f)
            continue
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


__all__ = ["build", "check", "read_meta", "partition", "BuildResult", "DataError", "Problem", "DUMP_NAME", "DUMPS"]
