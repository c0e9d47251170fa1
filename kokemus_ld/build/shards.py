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
A cold build validates shards in batches in a pool of processes forked after the
shapes are parsed, or in process when there is little to do.
"""

from __future__ import annotations

import concurrent.futures
import multiprocessing
import os
from collections import defaultdict

from rdflib import BNode, Graph

from .cache import BuildCache, digest
from .documents import Mapped
from .validation import Finding, Report, Shapes, report

BATCH_TRIPLES = 20_000  # triples of a shard batch: large enough that pyshacl's per-run cost vanishes
POOL_TRIPLES = 40_000  # below this much to validate, a pool costs more than it saves
VOCABULARY = "(vocabulary)"

_work: dict = {}  # what forked workers read: the shapes, the vocabulary, the batches


def validate_documents(mapped: Mapped, vocabulary: Graph, vocabulary_where: dict, shapes: Shapes,
                       cache: BuildCache | None, workers: int | None = None) -> Report:
    """Validate every document, each shard reused from the cache when its inputs did not change."""
    documents = mapped.documents()
    groups: dict[str, list[str]] = defaultdict(list)
    for name, m in mapped.files.items():
        groups[m.group].append(name)
    keys = {VOCABULARY: digest("vocabulary")}  # the vocabulary is in the cache's fingerprint
    for group, names in groups.items():
        own = {d.iri for n in names for d in mapped.files[n].documents}
        refers = sorted({r for n in names for d in mapped.files[n].documents for r in d.refers} - own)
        keys[group] = digest("shard", *(mapped.files[n].key for n in sorted(names)),
                             *(f"{r} {documents[r].hash if r in documents else '-'}" for r in refers))
    done: dict[str, tuple] = {}
    for group, key in keys.items():
        hit = cache.get("validated", key) if cache is not None else None
        if hit is not None:
            done[group] = hit
    missing = [g for g in keys if g not in done]
    if missing:
        for group, found in _validate(mapped, groups, missing, vocabulary, vocabulary_where, shapes, workers).items():
            done[group] = found
            if cache is not None:
                cache.put("validated", keys[group], found)
    findings = [f for group in keys for f in done[group][0]]
    problems = sorted({p for group in keys for p in done[group][1]})
    return Report(not any(p.severity == "violation" for p in problems), problems, findings)


def _validate(mapped: Mapped, groups: dict, missing: list[str], vocabulary: Graph, vocabulary_where: dict,
              shapes: Shapes, workers: int | None) -> dict[str, tuple]:
    """(findings, located problems) of each missing shard."""
    out: dict[str, tuple] = {}
    vocab_triples = list(vocabulary)
    if VOCABULARY in missing:  # first, in process: it also parses the shapes before any fork
        found = shapes.validate(_graph(vocab_triples))
        out[VOCABULARY] = (found, report(found, vocabulary_where).problems)
    shards = [g for g in missing if g != VOCABULARY]
    if not shards:
        return out
    where: dict = {}
    owner: dict[str, str] = {}  # focus node -> shard
    total = 0
    for group in shards:
        for name in groups[group]:
            m = mapped.fresh(name)
            where.update(m.where)
            for d in m.documents:
                total += d.count
                owner.update((_name(s), group) for s, _p, _o in d.triples)
    batches, batch, size = [], [], 0
    for group in shards:
        batch.append(group)
        size += sum(d.count for n in groups[group] for d in mapped.files[n].documents)
        if size >= BATCH_TRIPLES:
            batches.append(batch)
            batch, size = [], 0
    if batch:
        batches.append(batch)
    file_of = {d.iri: name for name, m in mapped.files.items() for d in m.documents}
    _work.update(shapes=shapes, vocabulary=vocab_triples,
                 batches=[_batch(mapped, groups, file_of, b) for b in batches])
    workers = workers or os.cpu_count() or 1
    try:
        if workers > 1 and len(batches) > 1 and total >= POOL_TRIPLES:
            shapes.validate(_graph(vocab_triples), focus=set())  # parse shapes and SPARQL before forking
            pool = concurrent.futures.ProcessPoolExecutor(
                max_workers=min(workers, len(batches)), mp_context=multiprocessing.get_context("fork"))
            with pool:
                results = list(pool.map(_validate_batch, range(len(batches))))
        else:
            results = [_validate_batch(i) for i in range(len(batches))]
    finally:
        _work.clear()
    per_group: dict[str, list[Finding]] = {g: [] for g in shards}
    for found in results:
        for f in found:
            per_group[owner[f.focus]].append(f)
    for group, found in per_group.items():
        out[group] = (found, report(found, where).problems)
    return out


def _batch(mapped: Mapped, groups: dict, file_of: dict, batch: list[str]) -> tuple[list, set]:
    """The triples of a batch of shards (with the documents they point at) and its own nodes."""
    own = [d for g in batch for n in groups[g] for d in mapped.files[n].documents]
    iris = {d.iri for d in own}
    triples = [t for d in own for t in d.triples]
    focus = {s for s, _p, _o in triples}
    refers = {r for d in own for r in d.refers} - iris
    for name in sorted({file_of[r] for r in refers if r in file_of}):
        triples += [t for d in mapped.fresh(name).documents if d.iri in refers for t in d.triples]
    return triples, focus


def _validate_batch(index: int) -> list[Finding]:
    """Validate one batch (in a worker, or in process): only its own nodes are targeted."""
    triples, focus = _work["batches"][index]
    graph = _graph(_work["vocabulary"])
    for t in triples:
        graph.add(t)
    return _work["shapes"].validate(graph, focus=focus)


def _graph(triples) -> Graph:
    g = Graph()
    for t in triples:
        g.add(t)
    return g


def _name(node) -> str:
    return f"_:{node}" if isinstance(node, BNode) else str(node)
