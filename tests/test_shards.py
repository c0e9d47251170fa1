"""Validation in shards finds exactly what whole-graph validation finds, and a rebuild redoes
only what changed (the build cache), publishing what a build from scratch publishes."""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import importlib.util
import re
from pathlib import Path

import pyoxigraph as ox
import pytest

from conftest import copy_sources, read_dump
from test_cli import SHACL_EDITS, edit
from kokemus_ld.build import dataset, shards
from kokemus_ld.build.cache import open_cache
from kokemus_ld.build.dataset import _describe_dataset, build, load_shapes, load_vocabulary
from kokemus_ld.build.documents import Mapped
from kokemus_ld.build.dumps import PlainDump
from kokemus_ld.build.entries import read_data
from kokemus_ld.build.mapping import map_entries
from kokemus_ld.build.validation import Shapes, locate_turtle, validate
from kokemus_ld.config import ROOT
from kokemus_ld.vocab import vocab

T1 = dt.datetime(2026, 1, 5, 9, 0, tzinfo=dt.timezone.utc)
T2 = T1 + dt.timedelta(days=1)
KUULE = "activities/kuule-minua.yaml"
EDIT = ("vertaistukea ryhmissä", "vertaistukea pienryhmissä")  # one activity's description


def whole_and_sharded(settings, workers=1):
    """The findings and problems of whole-graph validation and of validation in shards."""
    v = vocab(settings.base_iri)
    vocabulary = load_vocabulary(settings)
    files = read_data(Path(settings.data_dir), vocabulary.concepts, label="data")
    turtle = locate_turtle(Path(settings.ontology_dir), v.base, "ontology")
    shapes = load_shapes(settings)
    data, where = map_entries(files, v)
    _describe_dataset(data, v, settings)
    whole = validate(data, shapes, vocabulary.graph, {**turtle, **where})
    mapped = Mapped(files, v, settings, None)
    sharded = shards.validate_documents(mapped, vocabulary.graph, turtle, Shapes(shapes), None, workers=workers)
    return whole, sharded


def assert_same(whole, sharded):
    assert sorted(set(sharded.findings)) == sorted(set(whole.findings))
    assert sharded.problems == whole.problems
    assert sharded.conforms == whole.conforms


def test_shards_find_what_the_whole_graph_finds_in_the_real_data(tmp_path):
    whole, sharded = whole_and_sharded(copy_sources(tmp_path))
    assert any(p.severity == "warning" and p.file.startswith("data/") for p in whole.problems)
    assert any(p.file.startswith("ontology/") for p in whole.problems)
    assert_same(whole, sharded)


def test_a_shard_that_pointed_at_a_document_no_file_was_known_for_is_validated_again(tmp_path, monkeypatch):
    """Mapped where they are validated, shards see only the documents known to lie in a file; one
    that pointed at another (here: every organisation at VSLJ's) is validated again with it."""
    monkeypatch.setattr(Mapped, "organisation_documents", lambda self: {})
    batches = []
    validate_batch = shards._validate_batch

    def spy(index):
        batches.append(list(shards._work["batches"][index]))
        return validate_batch(index)

    monkeypatch.setattr(shards, "_validate_batch", spy)
    monkeypatch.setattr(shards, "BATCH_TRIPLES", 1)  # a batch per shard: VSLJ's is in none of the others
    whole, sharded = whole_and_sharded(copy_sources(tmp_path))
    assert_same(whole, sharded)
    shards_count = len({g for b in batches for g in b})
    again = [g for b in batches[shards_count:] for g in b]
    assert "ehja" in again and "" in again and "vslj" not in again  # VSLJ's members, the dataset: again


def test_shards_find_every_mistake_the_whole_graph_finds(tmp_path):
    settings = copy_sources(tmp_path)
    for _name, file, (old, new), *_rest in SHACL_EDITS:
        edit(settings, file, old, new)
    whole, sharded = whole_and_sharded(settings)
    assert whole.count("violation") >= len(SHACL_EDITS) - 1  # the placeholders, hours, phone, e-mail
    assert_same(whole, sharded)


def test_shards_in_a_process_pool_find_what_the_whole_graph_finds_in_generated_data(tmp_path, monkeypatch):
    spec = importlib.util.spec_from_file_location("bench_generate", ROOT / "bench" / "generate.py")
    generate = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(generate)
    settings = copy_sources(tmp_path)
    generate.write(100, tmp_path / "generated" / "data", seed=1)
    settings = settings.replace(data_dir=str(tmp_path / "generated" / "data"))
    monkeypatch.setattr(shards, "BATCH_TRIPLES", 2_000)  # several batches, in two forked workers
    monkeypatch.setattr(shards, "POOL_TRIPLES", 0)
    whole, sharded = whole_and_sharded(settings, workers=2)
    assert len(whole.problems) > 50
    assert_same(whole, sharded)


# --- incremental builds ---------------------------------------------------------------------------

@pytest.fixture
def caches(monkeypatch):
    """Every build cache opened, to read its hits and misses."""
    opened = []

    def spy(settings):
        opened.append(open_cache(settings))
        return opened[-1]

    monkeypatch.setattr(dataset, "open_cache", spy)
    return opened


def published(result) -> tuple:
    """What a build published, less what depends on when it ran (dates, build facts)."""
    dated = ("/modified>", "/issued>", "generatedAtTime>", "buildCommit>")
    quads = sorted(re.sub(r"_:\w+", "_:b", q) for q in read_dump(result.path, "kokemus.nq").decode().splitlines()
                   if not any(d in q for d in dated))  # blank-node labels are the vocabulary parser's
    return quads, result.meta["hashes"], result.meta["validation"], result.meta["triples"]


def test_a_rebuild_after_one_edit_maps_and_validates_that_entry_only(tmp_path, caches, monkeypatch):
    settings = copy_sources(tmp_path)
    first = build(settings, now=T1)
    assert caches[0].hits.total() == 0
    files = len(list(Path(settings.data_dir).rglob("*.yaml")))
    assert caches[0].misses["mapped"] == files

    edit(settings, KUULE, *EDIT)
    validated = []
    validate_batch = shards._validate_batch

    def spy(index):
        validated.extend(shards._work["batches"][index])
        return validate_batch(index)

    monkeypatch.setattr(shards, "_validate_batch", spy)
    second = build(settings, now=T2)
    cache = caches[1]
    assert (cache.misses["mapped"], cache.hits["mapped"]) == (1, files - 1)
    assert validated == ["ehja"]  # the organisation's shard (Ehjä and its activity), mapped where validated
    assert cache.misses["validated"] == 0
    assert cache.hits["validated"] >= 8  # the other organisations, the directory's files, the vocabulary
    kuule = vocab(settings.base_iri).ACTIVITY["kuule-minua"]
    assert second.meta["hashes"][str(kuule)] != first.meta["hashes"][str(kuule)]
    assert second.meta["modified"][str(kuule)] == T2.isoformat()
    assert sum(t == T2.isoformat() for t in second.meta["modified"].values()) == 2  # and the dataset's
    for ext in FORMATS:  # other bytes, another ETag (a plain dump's is made from its blocks' keys)
        name = f"kokemus.{ext}"
        assert read_dump(second.path, name) != read_dump(first.path, name)
        assert second.meta["dumps"][name]["etag"] != first.meta["dumps"][name]["etag"]

    cold = build(settings.replace(publish_dir=str(tmp_path / "cold")), now=T2)
    assert caches[2].hits.total() == 0
    assert published(second) == published(cold)
    assert_dumps_agree(second)


FORMATS = {"ttl": ox.RdfFormat.TURTLE, "nt": ox.RdfFormat.N_TRIPLES, "nq": ox.RdfFormat.N_QUADS,
           "trig": ox.RdfFormat.TRIG, "jsonld": ox.RdfFormat.JSON_LD}


def assert_dumps_agree(result):
    """Every dump of a rebuild (blocks copied from the last build, the edited ones anew) says what the
    N-Quads say; a plain dump read from any block's start is its .gz decompressed there; meta.json
    gives their true sizes and SHA-256."""
    statements = None
    for ext, fmt in FORMATS.items():
        zipped = (result.path / f"kokemus.{ext}.gz").read_bytes()
        raw = gzip.decompress(zipped)  # (the gzip module checks the CRC the build combined)
        entry = result.meta["dumps"][f"kokemus.{ext}"]
        with PlainDump(result.path / f"kokemus.{ext}.gz", entry["bytes"], entry["starts"]) as plain:
            assert plain.read() == raw
            for offset, _z in entry["starts"][1:]:
                assert plain.seek(offset + 7) == offset + 7 and plain.read(100) == raw[offset + 7: offset + 107]
        for name, body in ((f"kokemus.{ext}", raw), (f"kokemus.{ext}.gz", zipped)):
            assert result.meta["dumps"][name]["bytes"] == len(body)
        assert result.meta["dumps"][f"kokemus.{ext}.gz"]["sha256"] == hashlib.sha256(zipped).hexdigest()
        said = sorted(re.sub(r"_:\w+", "_:b", f"{q.subject} {q.predicate} {q.object}") for q in ox.parse(raw, format=fmt))
        statements = statements or said
        assert said == statements, ext
    assert len(statements) == result.meta["triples"]


def test_nothing_changed_means_nothing_recomputed(tmp_path, caches):
    settings = copy_sources(tmp_path)
    first = build(settings, now=T1)
    second = build(settings, now=T2)
    assert caches[1].misses.total() == 0
    assert published(second) == published(first)
    assert second.meta["modified"] == first.meta["modified"]


@pytest.mark.parametrize("damage", ["garbage", "empty", "foreign"])
def test_a_damaged_cache_is_recomputed_not_trusted(tmp_path, caches, damage):
    settings = copy_sources(tmp_path)
    first = build(settings, now=T1)
    for path in first.path.glob("cache.*.pickle"):
        if damage == "garbage":
            path.write_bytes(b"\x80\x05not a pickle")
        elif damage == "empty":
            path.write_bytes(b"")
        else:  # a well-formed cache of other code: every value wrong
            path.write_bytes(__import__("pickle").dumps(("another fingerprint", {})))
    edit(settings, KUULE, *EDIT)
    second = build(settings, now=T2)
    assert caches[1].hits.total() == 0
    cold = build(settings.replace(publish_dir=str(tmp_path / "cold")), now=T2)
    assert published(second) == published(cold)


def test_a_changed_shape_revalidates_everything(tmp_path, caches):
    settings = copy_sources(tmp_path)
    build(settings, now=T1)
    shapes = Path(settings.shapes_dir) / "kt-shapes.ttl"
    shapes.write_text(shapes.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    build(settings, now=T2)
    assert caches[1].hits.total() == 0 and caches[1].misses["validated"] > 0


def test_a_refused_build_publishes_nothing_even_from_the_cache(tmp_path, caches):
    settings = copy_sources(tmp_path)
    first = build(settings, now=T1)
    _name, file, (old, new), *_rest = SHACL_EDITS[2]  # training hours min above max
    edit(settings, file, old, new)
    with pytest.raises(dataset.DataError) as refused:
        build(settings, now=T2)
    assert any("training.hours[1].min" in str(p) for p in refused.value.problems)
    assert [p.name for p in (Path(settings.publish_dir) / "builds").iterdir()] == [first.build_id]
    edit(settings, file, new, old)
    again = build(settings, now=T2)  # the published cache still serves
    assert caches[2].misses.total() == 0
    assert published(again) == published(first)
