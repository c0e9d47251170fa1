"""Validation in shards: an organisation with its activities, validated apart from the rest.

Every shape reads only its focus node's own document, the nodes that document points
at (the rdf:type of an organisation, unit or concept for sh:class, a unit's
org:unitOf, a concept's scheme) and the vocabulary: no shape has sh:targetObjectsOf or
sh:targetNode, the one inverse path (a unit's org:hasUnit) stays inside the
organisation's document, and the SPARQL targets join an activity with its own parts
and the concept hierarchy. Rules across documents (unique ids, the organisation and
the unit exist) are checked while reading the YAML. So a shard graph = its documents
+ the documents they point at + the vocabulary, with only its own nodes targeted,
gives the same results as the whole graph (tests/test_shards.py proves it on the real
and on generated data).

A shard's findings are cached under the hash of its files' mapped content and of the
documents it points at: an edited entry re-validates its organisation's shard only.
A cold build maps and validates shards in batches in a pool of processes forked after
the shapes are parsed (mapping where it validates, so both run on every core), or in
process when there is little to do.
"""

from __future__ import annotations

import concurrent.futures
import multiprocessing
import os
from collections import defaultdict

from rdflib import BNode, Graph

from .cache import BuildCache, digest
from .documents import Mapped
from .problems import IN_ORDER
from .validation import Finding, Report, Shapes, data_graph, report

BATCH_TRIPLES = 40_000  # triples of a shard batch: large enough that its copy of the vocabulary (~7,000) costs little
MIN_BATCH_TRIPLES = 5_000
POOL_TRIPLES = 40_000  # below this much to validate, a pool costs more than it saves
UNMAPPED_TRIPLES = 100  # what a file not mapped yet is counted as, when batches are cut
VOCABULARY = "(vocabulary)"

_work: dict = {}  # what forked workers read: the shapes, the vocabulary, the files, the batches


def validate_documents(mapped: Mapped, vocabulary: Graph, vocabulary_where: dict, shapes: Shapes,
                       cache: BuildCache | None, workers: int | None = None) -> Report:
    """Validate every document, each shard reused from the cache when its inputs did not change.

    A shard with a file the cache did not hold is mapped where it is validated (in a worker,
    in parallel); the shards whose files were all cached are then looked up by their key,
    which names the documents they point at too, and validated if missing."""
    vocab_triples = list(vocabulary)
    done: dict[str, tuple] = {}
    key = digest("vocabulary")  # the vocabulary is in the cache's fingerprint
    hit = cache.get("validated", key) if cache is not None else None
    if hit is None:  # first, in process: it also parses the shapes before any fork
        found = shapes.validate(_graph(vocab_triples))
        hit = (found, report(found, vocabulary_where).problems)
        if cache is not None:
            cache.put("validated", key, hit)
    done[VOCABULARY] = hit
    groups: dict[str, list[str]] = defaultdict(list)
    for name, m in mapped.files.items():
        groups[m.group].append(name)
    unmapped = mapped.unmapped()
    fresh = [g for g, names in groups.items() if unmapped.intersection(names)]
    found, unresolved = _validate(mapped, groups, fresh, vocab_triples, shapes, workers)
    documents = mapped.documents()  # all mapped now
    for group, iris in unresolved.items():
        # it pointed at a document no file was known for: again, with it. (Not `iris.isdisjoint(documents)`:
        # with a dict that walks every document once per shard, 200 s of a build at N = 50,000.)
        if any(iri in documents for iri in iris):
            del found[group]
    done.update(found)
    keys = {}
    for group, names in groups.items():
        own = {d.iri for n in names for d in mapped.files[n].documents}
        refers = sorted({r for n in names for d in mapped.files[n].documents for r in d.refers} - own)
        keys[group] = digest("shard", *(mapped.files[n].key for n in sorted(names)),
                             *(f"{r} {documents[r].hash if r in documents else '-'}" for r in refers))
        hit = done.get(group) or (cache.get("validated", keys[group]) if cache is not None else None)
        if hit is not None:
            done[group] = hit
    done.update(_validate(mapped, groups, [g for g in groups if g not in done], vocab_triples, shapes, workers)[0])
    if cache is not None:
        for group, key in keys.items():
            cache.put("validated", key, done[group])
    order = [VOCABULARY, *groups]
    findings = [f for group in order for f in done[group][0]]
    problems = sorted({p for group in order for p in done[group][1]}, key=IN_ORDER)
    return Report(not any(p.severity == "violation" for p in problems), problems, findings)


def _validate(mapped: Mapped, groups: dict, shards: list[str], vocab_triples: list, shapes: Shapes,
              workers: int | None) -> tuple[dict[str, tuple], dict[str, set]]:
    """(findings, located problems) of each shard, its files mapped where it is validated; and per
    shard the documents it points at that no known file holds (the vocabulary's, or unknown)."""
    if not shards:
        return {}, {}
    sizes = {group: sum(sum(d.count for d in docs) if docs is not None else UNMAPPED_TRIPLES
                        for docs in (mapped.files[name].documents for name in groups[group])) for group in shards}
    total = sum(sizes.values())
    workers = workers or os.cpu_count() or 1
    # a few batches per worker, so none waits long for the last; no bigger than BATCH_TRIPLES
    most = min(BATCH_TRIPLES, max(MIN_BATCH_TRIPLES, total // (4 * workers)))
    batches, batch, size = [], [], 0
    for group in shards:
        batch.append(group)
        size += sizes[group]
        if size >= most:
            batches.append(batch)
            batch, size = [], 0
    if batch:
        batches.append(batch)
    _work.update(shapes=shapes, vocabulary=vocab_triples, mapped=mapped, groups=groups, batches=batches,
                 file_of={**mapped.organisation_documents(), **mapped.file_of()}, parent=os.getpid())
    try:
        if workers > 1 and len(batches) > 1 and total >= POOL_TRIPLES:
            pool = concurrent.futures.ProcessPoolExecutor(
                max_workers=min(workers, len(batches)), mp_context=multiprocessing.get_context("fork"))
            with pool:
                results = list(pool.map(_validate_batch, range(len(batches))))
        else:
            results = [_validate_batch(i) for i in range(len(batches))]
    finally:
        _work.clear()
    out: dict[str, tuple] = {}
    unresolved: dict[str, set] = {}
    for found, documents, unknown in results:
        out.update(found)
        unresolved.update((group, unknown) for group in found)
        for name, docs in documents.items():
            mapped.fill(name, docs)
    return out, unresolved


def _validate_batch(index: int) -> tuple[dict, dict, set]:
    """Map and validate one batch of shards (in a worker, or in process), only its own nodes targeted:
    per shard its (findings, problems), the documents of each file it mapped, and the documents it
    points at that no known file holds."""
    mapped, groups = _work["mapped"], _work["groups"]
    batch = _work["batches"][index]
    names = [n for g in batch for n in groups[g]]
    unmapped = mapped.unmapped()
    worker = os.getpid() != _work["parent"]
    if worker:  # what it maps goes back to the parent, which keeps it: a worker holds one batch at a time
        mapped.cache = None  # (it held every batch it validated, and its cache's copy: 3.2 GB at N = 50,000)
        before = {n: (mapped.files[n].documents, mapped.files[n].where) for n in names}
    own = [mapped.fresh(n) for n in names]
    iris = {d.iri for m in own for d in m.documents}
    triples = [t for m in own for d in m.documents for t in d.triples]
    focus = {s for s, _p, _o in triples}
    refers = {r for m in own for d in m.documents for r in d.refers} - iris
    file_of = _work["file_of"]
    for name in sorted({file_of[r] for r in refers if r in file_of}):
        triples += [t for d in mapped.fresh(name).documents if d.iri in refers for t in d.triples]
    graph = _graph(_work["vocabulary"] + triples)
    found = _work["shapes"].validate(graph, focus=focus)
    owner = {_name(s): g for g in batch for n in groups[g] for d in mapped.files[n].documents for s, _p, _o in d.triples}
    per_group: dict[str, list[Finding]] = {g: [] for g in batch}
    for f in found:
        per_group[owner[f.focus]].append(f)
    out = {}
    for group, findings in per_group.items():
        where = {k: v for n in groups[group] for k, v in mapped.files[n].where.items()}
        out[group] = (findings, report(findings, where).problems)
    made = {n: [d.cached() for d in mapped.files[n].documents] for n in names if n in unmapped}
    if worker:
        for n, (documents, where) in before.items():
            mapped.files[n].documents, mapped.files[n].where = documents, where
    return out, made, {r for r in refers if r not in file_of}


def _graph(triples) -> Graph:
    return data_graph(triples)


def _name(node) -> str:
    return f"_:{node}" if isinstance(node, BNode) else str(node)
