"""The store interface on both backends (the embedded one in memory and on disk), the read-only check,
and `kokemus-ld load` / `serve --store`."""

from __future__ import annotations

import gzip
import json
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pyoxigraph as ox
import pytest

from kokemus_ld.cli import main
from kokemus_ld.config import ROOT
from kokemus_ld.store import children, disk
from kokemus_ld.store.base import QueryError, QueryTimeout, StoreUnavailable, check_read_only, query_form
from kokemus_ld.store.embedded import RELOAD_CHECK_SECONDS, EmbeddedStore
from kokemus_ld.store.remote import RemoteStore

from conftest import free_port, read_dump

BASE = "https://kokemus.vslj.fi/"
KUULE = BASE + "id/activity/kuule-minua"
EHJA = BASE + "id/org/ehja"
COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"


@pytest.fixture(scope="session")
def large(built, tmp_path_factory):
    """Settings under which the build counts as large: a copy of it, served from its on-disk copy."""
    return copied_build(built, tmp_path_factory.mktemp("large")).replace(store_memory_quads=0)


def copied_build(built, publish: Path):
    """The published build copied into a publish folder of its own (its on-disk copy is its own)."""
    copy = shutil.copytree(built.current_dir.resolve(), publish / "builds" / "copy")
    (publish / "current").symlink_to(copy)
    return built.replace(publish_dir=str(publish))


@pytest.fixture(params=["embedded", "embedded on disk", "oxigraph"])
def store(request, built):
    """The interface under test, once per backend."""
    if request.param == "embedded":
        return EmbeddedStore(built)
    if request.param == "embedded on disk":
        return EmbeddedStore(request.getfixturevalue("large"))
    url = request.getfixturevalue("oxigraph_server")
    return RemoteStore(url + "/query", settings=built)


def count(store, **kwargs) -> int:
    """Triples in the default graph (the union unless a dataset is given)."""
    return int(store.query(COUNT, **kwargs).rows[0][0].value)


# -- answers --------------------------------------------------------------------------------------

def test_the_three_kinds_of_answer_in_pyoxigraph_terms(store):
    select = store.query(f"SELECT ?o WHERE {{ <{KUULE}> a ?o }} ORDER BY ?o")
    assert select.kind == "select" and select.variables == ["o"]
    assert ox.NamedNode(BASE + "def/kt#Activity") in [row[0] for row in select.rows]
    ask = store.query(f"ASK {{ <{KUULE}> ?p ?o }}")
    assert ask.kind == "ask" and ask.boolean is True
    graph = store.query(f"CONSTRUCT WHERE {{ <{KUULE}> ?p ?o }}")
    assert graph.kind == "graph" and all(isinstance(t, ox.Triple) for t in graph.triples)
    assert len(graph.triples) > 10


def test_the_row_cap_cuts_and_says_so(store):
    query = f"SELECT ?p ?o WHERE {{ <{KUULE}> ?p ?o }}"
    rows = len(store.query(query).rows)
    exact = store.query(query, limit=rows)
    assert len(exact.rows) == rows and not exact.truncated
    cut = store.query(query, limit=rows - 1)
    assert len(cut.rows) == rows - 1 and cut.truncated
    cut_graph = store.query(f"CONSTRUCT WHERE {{ <{KUULE}> ?p ?o }}", limit=2)
    assert len(cut_graph.triples) == 2 and cut_graph.truncated


def test_the_protocol_dataset(store):
    in_graph = int(store.query(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{KUULE}> {{ ?s ?p ?o }} }}")
                   .rows[0][0].value)
    assert count(store, default_graphs=[KUULE]) == in_graph
    assert count(store, default_graphs=[KUULE, EHJA]) > in_graph
    assert count(store) > count(store, default_graphs=[KUULE, EHJA])
    # named graphs alone: an empty default graph, and GRAPH sees only those named
    assert count(store, named_graphs=[KUULE]) == 0
    graphs = store.query("SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }", named_graphs=[KUULE, EHJA])
    assert sorted(r[0].value for r in graphs.rows) == sorted([KUULE, EHJA])


def test_a_users_query_is_checked_at_the_choke_point(store):
    with pytest.raises(QueryError, match="read-only"):
        store.query("DROP ALL", isolate=True)
    with pytest.raises(QueryError, match="SERVICE"):
        store.query("SELECT * WHERE { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }", isolate=True)
    with pytest.raises(QueryError, match="1:"):
        store.query("SELECT * WHERE { ?s ?p }", isolate=True)
    assert store.query(f"ASK {{ <{KUULE}> ?p ?o }}", isolate=True).boolean is True


def test_both_backends_agree(built, oxigraph_server):
    embedded = EmbeddedStore(built)
    remote = RemoteStore(oxigraph_server + "/query", settings=built)
    query = f"SELECT ?p ?o WHERE {{ <{KUULE}> ?p ?o }} ORDER BY ?p ?o"
    assert embedded.query(query).rows == remote.query(query).rows
    assert embedded.build_info()["build_id"] == remote.build_info()["build_id"]
    # the remote store holds one triple more: the loaded build's meta, in its own graph
    assert count(remote) == count(embedded) + 1 == built_triples(built) + 1


def built_triples(settings) -> int:
    """Triples of the published build, from its meta."""
    return json.loads((settings.current_dir / "meta.json").read_text())["triples"]


def test_the_embedded_store_honours_from(built):
    store = EmbeddedStore(built)
    in_graph = int(store.query(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{KUULE}> {{ ?s ?p ?o }} }}")
                   .rows[0][0].value)
    from_graph = store.query(f"SELECT (COUNT(*) AS ?n) FROM <{KUULE}> WHERE {{ ?s ?p ?o }}", isolate=True)
    assert int(from_graph.rows[0][0].value) == in_graph
    nothing = store.query("SELECT * FROM <file:///etc/passwd> WHERE { ?s ?p ?o }", isolate=True)
    assert nothing.rows == []


def test_stores_are_read_only(store):
    with pytest.raises(TypeError):
        store.add(ox.Quad(ox.NamedNode("urn:a"), ox.NamedNode("urn:b"), ox.NamedNode("urn:c")))


# -- the read-only check ------------------------------------------------------------------------

@pytest.mark.parametrize("query, form", [
    ("SELECT ?service ?load ?drop WHERE { ?service ?load ?drop }", "select"),
    ("PREFIX load: <urn:x#>\nPREFIX service: <urn:y#>\nASK { load:a service:b ?c }", "ask"),
    ("# DROP ALL in a comment\nCONSTRUCT WHERE { ?s ?p 'INSERT DATA { }' }", "construct"),
    ("BASE <http://example.org/>\ndescribe <x>", "describe"),
    ('SELECT * WHERE { ?s ?p """SERVICE <http://x/> {}""" }', "select"),
])
def test_queries_that_only_look_dangerous_pass(query, form):
    check_read_only(query)
    assert query_form(query) == form


@pytest.mark.parametrize("query", [
    "INSERT DATA { <urn:a> <urn:b> <urn:c> }",
    "PREFIX ex: <urn:x#>\nDELETE { ?s ?p ?o } WHERE { ?s ?p ?o }",
    "WITH <urn:g> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }",
    "LOAD SILENT <http://example.org/x.ttl>",
    "CLEAR ALL", "DROP GRAPH <urn:g>", "CREATE GRAPH <urn:g>", "COPY <urn:a> TO <urn:b>",
    "SELECT * { } ; DROP ALL",
    'DEFINE get:soft "replace" SELECT * WHERE { ?s ?p ?o }',
    "SELECT * WHERE { SERVICE <http://example.org/sparql> { ?s ?p ?o } }",
    "SELECT * WHERE { service silent ?endpoint { ?s ?p ?o } }",
    "not sparql at all",
])
def test_updates_service_and_other_text_are_refused(query):
    with pytest.raises(QueryError):
        check_read_only(query)


def test_service_can_be_allowed():
    check_read_only("SELECT * WHERE { SERVICE <http://example.org/sparql> { ?s ?p ?o } }", allow_service=True)


# -- kokemus-ld load / serve --store ---------------------------------------------------------

def smaller_build(built, target: Path) -> Path:
    """A copy of the published build without the Kuule minua document (a different next build)."""
    source = built.current_dir.resolve()
    target.mkdir(parents=True)
    meta = json.loads((source / "meta.json").read_text())
    lines = [line for line in read_dump(source, "kokemus.nq").decode().splitlines(keepends=True)
             if not line.rstrip().endswith(f"<{KUULE}> .")]
    (target / "kokemus.nq.gz").write_bytes(gzip.compress("".join(lines).encode()))
    meta.update(build_id=meta["build_id"] + "-smaller", triples=len(lines))
    meta["hashes"] = {k: v for k, v in meta["hashes"].items() if k != KUULE}
    (target / "meta.json").write_text(json.dumps(meta))
    return target


def test_load_command(built, fresh_oxigraph, capsys):
    assert main(["--publish", built.publish_dir, "load", "--store", fresh_oxigraph + "/query"]) == 0
    remote = RemoteStore(fresh_oxigraph + "/query", settings=built)
    assert remote.build_info()["build_id"] in capsys.readouterr().out
    assert count(remote) == built_triples(built) + 1
    assert remote.query(f"ASK {{ <{KUULE}> ?p ?o }}").boolean is True


def test_load_replaces_the_previous_build(built, fresh_oxigraph, tmp_path):
    remote = RemoteStore(fresh_oxigraph + "/query", settings=built)
    remote.load_build(built.current_dir)
    smaller = smaller_build(built, tmp_path / "smaller")
    remote.load_build(smaller)
    assert remote.query(f"ASK {{ <{KUULE}> ?p ?o }}").boolean is False
    assert remote.build_info()["build_id"].endswith("-smaller")
    assert count(remote) == json.loads((smaller / "meta.json").read_text())["triples"] + 1


def test_a_reader_during_load_sees_the_old_or_the_new_build(built, fresh_oxigraph, tmp_path):
    loader = RemoteStore(fresh_oxigraph + "/query", settings=built)
    reader = RemoteStore(fresh_oxigraph + "/query", settings=built)
    smaller = smaller_build(built, tmp_path / "smaller")
    loader.load_build(built.current_dir)
    full_count, seen, stop = count(reader), [], threading.Event()

    def read():
        while not stop.is_set():
            seen.append(count(reader))

    thread = threading.Thread(target=read)
    thread.start()
    try:
        for _ in range(5):
            loader.load_build(smaller)
            loader.load_build(built.current_dir)
    finally:
        stop.set()
        thread.join()
    smaller_count = json.loads((smaller / "meta.json").read_text())["triples"] + 1
    assert seen and set(seen) <= {full_count, smaller_count}, sorted(set(seen))


def test_load_into_an_unreachable_store_fails_cleanly(built, capsys):
    url = f"http://127.0.0.1:{free_port()}/query"
    assert main(["--publish", built.publish_dir, "load", "--store", url]) == 1
    assert "Loading failed" in capsys.readouterr().err


def test_load_without_a_build_fails_cleanly(tmp_path, fresh_oxigraph):
    with pytest.raises(StoreUnavailable, match="kokemus-ld build"):
        RemoteStore(fresh_oxigraph + "/query").load_build(tmp_path / "nothing")


def test_serve_from_a_remote_store(built, fresh_oxigraph):
    RemoteStore(fresh_oxigraph + "/query", settings=built).load_build(built.current_dir)
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "kokemus_ld.cli", "--publish", built.publish_dir, "serve",
                             "--store", fresh_oxigraph + "/query", "--port", str(port)],
                            cwd=str(ROOT), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    query = urllib.parse.urlencode({"query": f"SELECT ?l WHERE {{ <{KUULE}> <http://www.w3.org/2004/02/skos/"
                                             f"core#prefLabel> ?l FILTER(LANG(?l) = 'fi') }}"})
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                request = urllib.request.Request(f"http://127.0.0.1:{port}/sparql?{query}",
                                                 headers={"Accept": "application/sparql-results+json"})
                body = json.loads(urllib.request.urlopen(request, timeout=5).read())
                break
            except OSError:
                assert proc.poll() is None and time.monotonic() < deadline, "serve did not start"
                time.sleep(0.2)
        assert [b["l"]["value"] for b in body["results"]["bindings"]] == ["Kuule minua -hanke"]
        page = urllib.request.urlopen(f"http://127.0.0.1:{port}/id/activity/kuule-minua", timeout=5).read()
        assert "Kuule minua -hanke" in page.decode()
    finally:
        proc.terminate()
        proc.wait(timeout=10)


# -- the embedded store's query children ----------------------------------------------------------

RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
LABEL = f"SELECT ?l WHERE {{ <{KUULE}> <http://www.w3.org/2004/02/skos/core#prefLabel> ?l FILTER(LANG(?l) = 'fi') }}"


def labels(store) -> list[str]:
    """The Finnish label of Kuule minua, asked as a user's query."""
    return [row[0].value for row in store.query(LABEL, isolate=True).rows]


def gone(pid: int) -> bool:
    """Has the process ended (reaped, or a zombie of a parent that went away)?"""
    try:
        return Path(f"/proc/{pid}/status").read_text().split("State:")[1].split()[0] in ("Z", "X")
    except (OSError, IndexError):
        return True


def test_a_users_queries_are_answered_by_one_warm_child(built):
    store = EmbeddedStore(built.replace(sparql_processes=1))
    try:
        assert labels(store) == ["Kuule minua -hanke"]
        [child] = store._children.idle_pids()
        assert child != os.getpid() and not gone(child)
        assert store.query(f"ASK {{ <{KUULE}> ?p ?o }}", isolate=True).boolean is True
        assert labels(store) == ["Kuule minua -hanke"]
        assert store._children.idle_pids() == [child]  # the same process, not a fork per query
    finally:
        store.close()
    assert gone(child)


def test_a_query_child_holds_nothing_of_its_parent_but_the_store(built):
    """A client socket inherited by a child would stay open after the worker closed it."""
    store = EmbeddedStore(built.replace(sparql_processes=1))
    left, right = socket.socketpair()
    try:
        labels(store)
        [child] = store._children.idle_pids()
        targets = [os.readlink(f"/proc/{child}/fd/{fd}") for fd in os.listdir(f"/proc/{child}/fd")]
        assert not [t for t in targets if t.startswith("socket:")]
        assert len([t for t in targets if t.startswith("pipe:")]) == 2  # its requests and its answers
    finally:
        left.close()
        right.close()
        store.close()


def test_a_runaway_child_is_killed_and_the_next_query_gets_a_fresh_one(built):
    store = EmbeddedStore(built.replace(sparql_processes=1, sparql_timeout=1.0))
    try:
        labels(store)
        [first] = store._children.idle_pids()
        with pytest.raises(QueryTimeout, match="1 s"):
            store.query(RUNAWAY, isolate=True)
        assert gone(first) and store._children.idle_pids() == []
        assert labels(store) == ["Kuule minua -hanke"]
        assert store._children.idle_pids() != [first]
    finally:
        store.close()


def test_with_every_child_busy_a_query_waits_then_gets_its_own(built):
    store = EmbeddedStore(built.replace(sparql_processes=1, sparql_timeout=1.5))
    outcome = []

    def runaway():
        try:
            store.query(RUNAWAY, isolate=True)
        except QueryTimeout as exc:
            outcome.append(exc)

    try:
        labels(store)
        worker = threading.Thread(target=runaway)
        worker.start()
        while store._children.idle_pids():  # until the runaway holds the only child
            time.sleep(0.01)
        assert labels(store) == ["Kuule minua -hanke"]
        worker.join()
        assert len(outcome) == 1
        assert labels(store) == ["Kuule minua -hanke"]
    finally:
        store.close()


def test_a_new_build_is_answered_by_new_children(built, tmp_path):
    publish = tmp_path / "publish"
    (publish / "builds").mkdir(parents=True)
    full = Path(shutil.copytree(built.current_dir.resolve(), publish / "builds" / "full"))
    smaller = smaller_build(built, publish / "builds" / "smaller")
    (publish / "current").symlink_to(full)
    store = EmbeddedStore(built.replace(publish_dir=str(publish), sparql_processes=1))
    try:
        assert labels(store) == ["Kuule minua -hanke"]
        [old] = store._children.idle_pids()
        (publish / "next").symlink_to(smaller)
        os.replace(publish / "next", publish / "current")
        time.sleep(RELOAD_CHECK_SECONDS + 0.1)
        assert labels(store) == []
        assert gone(old) and store._children.idle_pids() != [old]
    finally:
        store.close()


def test_a_child_ends_with_the_process_that_owns_it(built):
    script = ("import sys; from kokemus_ld.config import Settings; from kokemus_ld.store.embedded import EmbeddedStore\n"
              f"s = EmbeddedStore(Settings(publish_dir={built.publish_dir!r}))\n"
              "s.query('ASK {}', isolate=True); print(s._children.idle_pids()[0])\n")
    child = int(subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True,
                               cwd=str(ROOT)).stdout)
    deadline = time.monotonic() + 30
    while not gone(child) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert gone(child)


def test_a_child_grown_past_its_memory_limit_is_replaced(built, monkeypatch):
    """A warm child's written pages are its own; past the limit it is retired after answering."""
    monkeypatch.setattr(children, "MEMORY_CHECK_EVERY", 1)  # read its memory after every answer
    store = EmbeddedStore(built.replace(sparql_processes=1))
    try:
        assert labels(store) == ["Kuule minua -hanke"]
        [first] = store._children.idle_pids()
        store._children._private_limit = 0  # every child is now over the limit
        assert labels(store) == ["Kuule minua -hanke"]  # answered by the warm child, which then retires
        assert store._children.idle_pids() == []
        assert gone(first)
        assert labels(store) == ["Kuule minua -hanke"]  # a fresh child answers the next query
    finally:
        store.close()


def test_a_childs_memory_is_read_only_now_and_then(built, monkeypatch):
    """Reading it walks the child's page tables (ms at N = 10,000): not after every answer."""
    reads = []
    monkeypatch.setattr(children.QueryChild, "private_bytes", lambda self: reads.append(self.pid) or 0)
    store = EmbeddedStore(built.replace(sparql_processes=1))
    try:
        for _ in range(children.MEMORY_CHECK_EVERY + 1):
            assert labels(store) == ["Kuule minua -hanke"]
        assert len(reads) == 2  # after the first answer and after the (EVERY + 1)-th
    finally:
        store.close()


# -- a large build: read from its on-disk copy ---------------------------------------------------

def test_a_small_build_is_held_in_memory_and_a_large_one_read_from_disk(built, large):
    in_memory, on_disk = EmbeddedStore(built), EmbeddedStore(large)
    query = f"SELECT ?p ?o WHERE {{ <{KUULE}> ?p ?o }} ORDER BY ?p ?o"
    assert on_disk.query(query).rows == in_memory.query(query).rows
    assert count(on_disk) == count(in_memory) == built_triples(built)
    assert (large.current_dir / disk.STORE_DIR).is_dir()
    assert not (built.current_dir / disk.STORE_DIR).exists()


def test_the_on_disk_copy_is_made_once_per_build(built, tmp_path):
    settings = copied_build(built, tmp_path).replace(store_memory_quads=0)
    folder = settings.current_dir.resolve()
    (folder / ".store.999999").mkdir()  # left half-made by a process that died
    first = EmbeddedStore(settings)
    made = (folder / disk.STORE_DIR / "CURRENT").stat()
    second = EmbeddedStore(settings)
    assert (folder / disk.STORE_DIR / "CURRENT").stat().st_mtime_ns == made.st_mtime_ns
    assert count(first) == count(second) == built_triples(built)
    assert not list(folder.glob(".store.[0-9]*"))


def test_processes_starting_together_make_one_copy(built, tmp_path):
    settings = copied_build(built, tmp_path)
    folder = settings.current_dir.resolve()
    script = ("import sys; from pathlib import Path; from kokemus_ld.store.disk import on_disk\n"
              "folder = Path(sys.argv[1]); print(on_disk(folder, 'kokemus.nq'))\n")
    procs = [subprocess.Popen([sys.executable, "-c", script, str(folder)], stdout=subprocess.PIPE, text=True,
                              cwd=str(ROOT)) for _ in range(3)]
    outputs = {proc.communicate(timeout=120)[0].strip() for proc in procs}
    assert [proc.returncode for proc in procs] == [0, 0, 0]
    assert outputs == {str(folder / disk.STORE_DIR)}
    assert not list(folder.glob(".store.[0-9]*"))
    assert count(EmbeddedStore(settings.replace(store_memory_quads=0))) == built_triples(built)


def test_a_forked_process_reads_the_on_disk_copy_through_its_own_handle(large):
    """A worker forked after the master opened the store (gunicorn --preload) must not share the handle."""
    store = EmbeddedStore(large)
    expected = store.query(LABEL).rows[0][0].value
    inherited = store._loaded.store()
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            answer = store.query(LABEL).rows[0][0].value
            os.write(write, json.dumps([answer, store._loaded.store() is not inherited]).encode())
        finally:
            os._exit(0)
    os.close(write)
    with os.fdopen(read) as answers:
        answer, own_handle = json.loads(answers.read())
    os.waitpid(pid, 0)
    assert answer == expected == "Kuule minua -hanke" and own_handle
    assert store._loaded.store() is inherited  # the parent keeps its own


def test_a_users_query_on_a_large_build_runs_in_a_child_that_can_be_stopped(large):
    store = EmbeddedStore(large.replace(sparql_processes=1, sparql_timeout=1.0))
    try:
        assert labels(store) == ["Kuule minua -hanke"]
        [first] = store._children.idle_pids()
        with pytest.raises(QueryTimeout):
            store.query(RUNAWAY, isolate=True)
        assert gone(first)
        assert labels(store) == ["Kuule minua -hanke"]
    finally:
        store.close()


def test_a_query_child_reads_the_whole_on_disk_copy(tmp_path):
    """The child closes the descriptors it inherited; the worker's handle must never close them
    again, or it closes the child's own handle's files, which reuse those numbers. (A copy
    bigger than RocksDB's read-ahead at open, so its files are read while answering.)"""
    folder = tmp_path / "builds" / "bulky"
    folder.mkdir(parents=True)
    quads = 60_000
    with gzip.open(folder / "kokemus.nq.gz", "wt", encoding="utf-8") as out:
        for i in range(quads):
            out.write(f'<urn:s:{i}> <urn:p:{i % 7}> "{i:08d} {"kokemustoiminta " * 6}" <urn:g:{i % 50}> .\n')
    (folder / "meta.json").write_text(json.dumps({"build_id": "bulky", "triples": quads}))
    (tmp_path / "current").symlink_to(folder)
    # in a fresh interpreter, as a server starts: its descriptors are few, so numbers are reused
    script = ("import sys; from kokemus_ld.config import Settings; from kokemus_ld.store.embedded import EmbeddedStore\n"
              "store = EmbeddedStore(Settings(publish_dir=sys.argv[1], store_memory_quads=0, sparql_processes=1))\n"
              f"print([store.query({COUNT!r}, isolate=True).rows[0][0].value for _ in range(3)])\n"
              "store.close()\n")
    answers = subprocess.run([sys.executable, "-c", script, str(tmp_path)], capture_output=True, text=True,
                             cwd=str(ROOT), timeout=120)
    assert answers.stdout.strip() == str([str(quads)] * 3), answers.stderr[-2000:]
    assert sum(f.stat().st_size for f in (folder / disk.STORE_DIR).glob("*.sst")) > 4 << 20
