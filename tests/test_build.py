"""The build: complete dumps that say the same thing in every format, a truthful meta.json,
provenance on every resource, stable dates across rebuilds, and an all-or-nothing switch."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from pathlib import Path

import pyoxigraph as ox
import pytest

from conftest import copy_sources, read_dump
from kokemus_ld.build import dataset
from kokemus_ld.build.dataset import build, check, read_meta
from kokemus_ld.vocab import vocab

FORMATS = {"ttl": ox.RdfFormat.TURTLE, "nt": ox.RdfFormat.N_TRIPLES, "nq": ox.RdfFormat.N_QUADS,
           "trig": ox.RdfFormat.TRIG, "jsonld": ox.RdfFormat.JSON_LD}
DCT_MODIFIED = ox.NamedNode("http://purl.org/dc/terms/modified")
T1 = dt.datetime(2026, 1, 5, 9, 0, tzinfo=dt.timezone.utc)


def canonical(quads, keep_graphs: bool) -> set:
    """A dump's statements with blank nodes labelled canonically (and graphs merged for triple formats)."""
    data = ox.Dataset()
    for q in quads:
        data.add(q if keep_graphs else ox.Quad(q.subject, q.predicate, q.object))
    data.canonicalize(ox.CanonicalizationAlgorithm.UNSTABLE)
    return set(data)


@pytest.fixture(scope="module")
def published(built) -> Path:
    """The folder of the session's published build."""
    return Path(built.current_dir).resolve()


@pytest.fixture(scope="module")
def quads(published) -> list:
    """The canonical dump, read back."""
    return list(ox.parse(read_dump(published, "kokemus.nq"), format=ox.RdfFormat.N_QUADS))


@pytest.mark.parametrize("ext", ["ttl", "nt", "trig", "jsonld"])
def test_every_dump_parses_back_to_the_same_statements(published, quads, ext):
    keep_graphs = FORMATS[ext].supports_datasets
    parsed = list(ox.parse(read_dump(published, f"kokemus.{ext}"), format=FORMATS[ext],
                           base_iri="https://kokemus.vslj.fi/"))
    assert canonical(parsed, keep_graphs) == canonical(quads, keep_graphs)


def test_dumps_are_listed_in_meta_with_true_sizes_and_hashes(published):
    meta = json.loads((published / "meta.json").read_text())
    assert sorted(meta["dumps"]) == sorted(f"kokemus.{e}{gz}" for e in FORMATS for gz in ("", ".gz"))
    for name, info in meta["dumps"].items():
        if info["gzip"]:
            data = (published / name).read_bytes()
            assert info["bytes"] == len(data) and info["sha256"] == hashlib.sha256(data).hexdigest()
        else:  # a plain dump is its .gz decompressed (served so), checked through the .gz
            assert not (published / name).exists()
            assert info["bytes"] == len(read_dump(published, name))
            assert "sha256" not in info and info["etag"] != meta["dumps"][name + ".gz"]["etag"]
    assert meta["dumps"]["kokemus.ttl"]["media_type"] == "text/turtle"
    assert meta["dumps"]["kokemus.jsonld"]["media_type"] == "application/ld+json"


def test_jsonld_dump_needs_no_remote_context(published):
    """A reader must not fetch anything to understand the dump: every @context is inline, if any."""
    def contexts(node):
        if isinstance(node, dict):
            yield from ([node["@context"]] if "@context" in node else [])
            for value in node.values():
                yield from contexts(value)
        elif isinstance(node, list):
            for value in node:
                yield from contexts(value)

    document = json.loads(read_dump(published, "kokemus.jsonld"))
    assert [c for c in contexts(document) if not isinstance(c, dict)] == []


def test_meta_counts_what_was_published(built, published, quads):
    meta = json.loads((published / "meta.json").read_text())
    assert meta["triples"] == len(quads)
    assert meta["documents"] == len({q.graph_name for q in quads}) == len(meta["hashes"]) == len(meta["modified"])
    assert meta["base_iri"] == "https://kokemus.vslj.fi/"
    assert meta["license"] == built.license
    validation = meta["validation"]
    assert validation["conforms"] is True and validation["violations"] == 0
    problems = validation["problems"]
    assert validation["warnings"] == sum(": [warning] " in p for p in problems) > 0  # e.g. no Y-tunnus in the source
    assert validation["infos"] == sum(": [info] " in p for p in problems)
    assert len(problems) == validation["warnings"] + validation["infos"]
    assert any(p.startswith("data/organisations/ehja.yaml:2: id (identifier): [warning] ") for p in problems)


def test_validation_report_is_published_as_rdf(published):
    report = list(ox.parse(path=str(published / "report.ttl"), format=ox.RdfFormat.TURTLE))
    sh = "http://www.w3.org/ns/shacl#"
    conforms = [t.object.value for t in report if t.predicate.value == sh + "conforms"]
    assert conforms == ["false"] or conforms == ["true"]  # warnings make pyshacl say false; no violation does
    severities = {t.object.value for t in report if t.predicate.value == sh + "resultSeverity"}
    assert sh + "Violation" not in severities and sh + "Warning" in severities


def test_every_top_level_resource_says_where_it_came_from(built):
    store = ox.Store()
    store.bulk_load(read_dump(built.current_dir, "kokemus.nq"), format=ox.RdfFormat.N_QUADS)
    v = vocab(built.base_iri)
    rows = list(store.query(f"""
        PREFIX kt: <{v.KT}> PREFIX dct: <http://purl.org/dc/terms/> PREFIX prov: <http://www.w3.org/ns/prov#>
        SELECT ?s ?file ?source ?derived WHERE {{
          ?s a ?type . VALUES ?type {{ kt:Activity kt:Organisation kt:Statistic kt:FAQItem kt:Guideline }}
          OPTIONAL {{ ?s kt:sourceFile ?file }} OPTIONAL {{ ?s dct:source ?source }}
          OPTIONAL {{ ?s prov:wasDerivedFrom ?derived }} }}""", use_default_graph_as_union=True))
    assert len(rows) == 7 + 8 + 1 + 5 + 1
    for row in rows:
        assert row["file"] is not None and row["file"].value.startswith("data/") and row["file"].value.endswith(".yaml")
        assert row["source"] == row["derived"] == ox.NamedNode("https://vslj.fi/kokemustoiminta/")
    files = {row["s"].value.rsplit("/", 1)[-1]: row["file"].value for row in rows}
    assert files["kuule-minua"] == "data/activities/kuule-minua.yaml"
    assert files["finfami"] == "data/organisations/finfami.yaml"
    assert files["2023"] == "data/statistics.yaml"


def test_dataset_carries_build_provenance(built):
    store = ox.Store()
    store.bulk_load(read_dump(built.current_dir, "kokemus.nq"), format=ox.RdfFormat.N_QUADS)
    ds = f"<{vocab(built.base_iri).dataset}>"
    meta = read_meta(built.current_dir)
    (row,) = list(store.query(f"""SELECT ?generated ?license ?source ?modified WHERE {{ GRAPH {ds} {{
        {ds} <http://www.w3.org/ns/prov#generatedAtTime> ?generated ; <http://purl.org/dc/terms/license> ?license ;
             <http://purl.org/dc/terms/source> ?source ; <http://purl.org/dc/terms/modified> ?modified }} }}"""))
    assert dt.datetime.fromisoformat(row["generated"].value) == dt.datetime.fromisoformat(meta["built"])
    assert row["license"].value == built.license
    assert row["source"].value == "https://vslj.fi/kokemustoiminta/"
    commit = list(store.query(f"SELECT ?c WHERE {{ {ds} <{vocab(built.base_iri).KT.buildCommit}> ?c }}",
                              use_default_graph_as_union=True))
    assert [r["c"].value for r in commit] == ([meta["commit"]] if meta["commit"] else [])


# --- rebuilds: dates and the change feed move only when content does -------------------------------

@pytest.fixture(scope="module")
def history(tmp_path_factory):
    """Three builds of a private copy: the data, the same data again, then one entry edited and one removed."""
    settings = copy_sources(tmp_path_factory.mktemp("history"))
    metas, events = [], []

    def publish(now):
        result = build(settings, now=now)
        metas.append(json.loads((result.path / "meta.json").read_text()))
        events.append(json.loads((result.path / "changes.json").read_text()))

    publish(T1)
    publish(T1 + dt.timedelta(days=1))
    entry = Path(settings.data_dir) / "activities" / "kuule-minua.yaml"
    entry.write_text(entry.read_text(encoding="utf-8").replace("vertaistukea ryhmissä", "vertaistukea ryhmässä"),
                     encoding="utf-8")
    (Path(settings.data_dir) / "activities" / "aima.yaml").unlink()
    publish(T1 + dt.timedelta(days=2))
    return settings, metas, events


def test_rebuild_without_changes_keeps_hashes_dates_and_feed(history):
    settings, metas, events = history
    first, second = metas[0], metas[1]
    assert second["hashes"] == first["hashes"]
    assert second["modified"] == first["modified"]
    assert second["issued"] == first["issued"] == T1.isoformat()
    assert events[1] == events[0]
    assert {e["type"] for e in events[0]} == {"Create"} and len(events[0]) == first["documents"]
    assert second["build_id"] != first["build_id"]


def test_rebuild_after_an_edit_dates_only_what_changed(history):
    settings, metas, events = history
    before, after = metas[1], metas[2]
    v = vocab(settings.base_iri)
    kuule, aima = str(v.ACTIVITY["kuule-minua"]), str(v.ACTIVITY["aima-kokemustoiminta"])
    stamp = (T1 + dt.timedelta(days=2)).isoformat()
    changed = {doc for doc in after["hashes"] if after["hashes"][doc] != before["hashes"].get(doc)}
    assert changed == {kuule}
    assert after["modified"][kuule] == stamp
    assert after["modified"][str(v.ORGS["ehja"])] == before["modified"][str(v.ORGS["ehja"])]
    assert after["modified"][v.dataset] == stamp
    assert after["gone"] == {aima: stamp}
    new_events = events[2][len(events[1]):]
    assert sorted((e["type"], e["object"]) for e in new_events) == [("Delete", aima), ("Update", kuule)]
    assert [e["seq"] for e in events[2]] == list(range(1, len(events[2]) + 1))


def test_published_modified_dates_match_meta(history):
    settings, metas, _ = history
    store = ox.Store()
    store.bulk_load(read_dump(settings.current_dir, "kokemus.nq"), format=ox.RdfFormat.N_QUADS)
    v = vocab(settings.base_iri)
    kuule = v.ACTIVITY["kuule-minua"]
    (row,) = list(store.query(f"SELECT ?m WHERE {{ GRAPH <{kuule}> {{ <{kuule}> <{DCT_MODIFIED.value}> ?m }} }}"))
    assert dt.datetime.fromisoformat(row["m"].value) == dt.datetime.fromisoformat(metas[2]["modified"][str(kuule)])


# --- atomicity: nothing half-written is ever served -------------------------------------------------

def test_a_crash_while_writing_leaves_the_published_build_untouched(built, tmp_path, monkeypatch):
    settings = built.replace(publish_dir=str(tmp_path / "var"))
    checked = check(settings)
    monkeypatch.setattr(dataset, "check", lambda _settings: checked)
    first = build(settings, now=T1)
    target = os.readlink(Path(settings.publish_dir) / "current")
    files = {p.name: p.read_bytes() for p in first.path.iterdir()}

    def disk_full(*_args, **_kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(dataset, "write_dumps", disk_full)
    with pytest.raises(OSError):
        build(settings, now=T1 + dt.timedelta(hours=1))
    assert os.readlink(Path(settings.publish_dir) / "current") == target
    assert {p.name: p.read_bytes() for p in first.path.iterdir()} == files
    assert [p.name for p in (Path(settings.publish_dir) / "builds").iterdir()] == [first.build_id]
