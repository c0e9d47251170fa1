"""The benchmark's report: the Targets table judges the saved figures, partial runs included."""

from __future__ import annotations

import importlib
import json
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent.parent / "bench"


def _bench(name: str):
    if str(BENCH) not in sys.path:
        sys.path.insert(0, str(BENCH))
    return importlib.import_module(name)


QUERIES = ["count-per-service", "describe-one"]


def _figures(n: int, build_s: float, served: bool = True) -> dict:
    """Saved figures of one N, shaped like bench/run.py's."""
    run = {"n": n, "mode": "full", "date": "2026-11-28T00:00:00+00:00",
           "machine": {"nproc": 2, "memory_gib": 23.5, "cpu": "test cpu", "kernel": "6", "load_average": [0.5, 0.4, 0.3]},
           "versions": {"python": "3.11"}, "settings": {"seconds_per_load_run": 6, "served": served},
           "phases": {"build": build_s}, "load_average_end": [0.6, 0.5, 0.4],
           "build": {"generate_s": 1.0, "triples": 120 * n, "documents": 2 * n,
                     "build": {"seconds": build_s, "peak_mib": 300, "rc": 0, "timed_out": False, "budget_s": 900},
                     "rebuild": {"seconds": 1.5, "peak_mib": 300, "rc": 0}}}
    if not served:
        return run
    load = {"rps": 900.0, "p50_ms": 5.0, "p99_ms": 30.0}
    run["in_process"] = {"load_s": 1.0, "queries": {q: {"p50_ms": 1.0, "p99_ms": 2.0, "rows": 10} for q in QUERIES}}
    run["servers"] = {
        "ours": {"pages": {"activity HTML": dict(load, rps=700.0), "activity Turtle": dict(load),
                           "activity JSON-LD": dict(load, p99_ms=80.0),
                           "listing with facet": dict(load), "listing with search": dict(load)},
                 "listing_distinct": {"p50_ms": 20.0, "p99_ms": 60.0, "max_ms": 60.0, "n": 60, "non200": 0},
                 "sparql": {q: {"p50_ms": 2.0, "p99_ms": 4.0, "load": {"rps": 500.0, "p99_ms": 20.0}} for q in QUERIES},
                 "memory": {"pid": 1, "rss": 500, "children": [
                     {"pid": 2, "rss": 900, "pss": 400, "peak": 1000, "children": [{"pid": 4, "pss": 50, "peak": 2500}]},
                     {"pid": 3, "rss": 800, "pss": 350, "peak": 1000, "children": []}]}},
        "ours_uncached": {"sparql": {q: {"load": {"rps": 100.0}} for q in QUERIES}},
        "oxigraph_disk": {"sparql": {q: {"load": {"rps": 250.0, "p99_ms": 40.0}} for q in QUERIES}},
        "ceiling": {label: dict(load, rps=1000.0) for label in ("activity HTML", "activity Turtle", "activity JSON-LD")},
    }
    return run


def _verdicts(runs) -> dict:
    return {target: (n, verdict, margin) for target, n, _, verdict, margin in _bench("targets").rows(runs)}


def test_targets_are_judged_at_ten_thousand_and_memory_at_fifty_thousand():
    runs = [_figures(1000, 4.0), _figures(10000, 45.0), _figures(50000, 240.0)]

    v = _verdicts(runs)

    html = v["activity HTML: throughput >= 0.8x the pre-serialized Flask ceiling"]
    assert html[:2] == ("10,000", "missed") and "at 0.87x the goal" in html[2]
    assert v["activity Turtle: throughput >= 0.8x the pre-serialized Flask ceiling"][1] == "met"
    assert v["activity JSON-LD: p99 under load < 50 ms"][1:] == ("missed", "1.60x the limit")
    assert v["SPARQL, repeated queries (answer cache on): >= 1.0x Oxigraph on disk"][1:] == ("met", "2.00x the goal")
    assert v["SPARQL, answer cache off: >= 0.5x Oxigraph on disk"][1] == "missed"
    assert v["listing with facets and search: p99 < 100 ms (distinct URLs, none cached)"][1] == "met"
    assert v["build, validation included: < 60 s"][:2] == ("10,000", "met")
    assert v["incremental rebuild after one edited entry: < 3 s"][1] == "met"
    assert v["build time grows no worse than linearly in N"][1:] == ("met", "time ~ N^1.04 from 10,000 to 50,000")
    assert v["serving: peak memory per worker < 2 GiB"][:2] == ("50,000", "missed")  # a query child's 2,500 MiB
    memory = [m for t, _, m, *_ in _bench("targets").rows(runs) if t.startswith("serving")][0]
    assert "worker peak 1,000 MiB (RSS 900, PSS 400), query child peak 2,500 (PSS with them 450)" in memory


def test_a_partial_run_stands_in_with_the_largest_n_and_says_so(tmp_path):
    report = _bench("report")
    for run in (_figures(100, 10.0, served=False), _figures(1000, 12.0)):
        (tmp_path / f"n{run['n']}.json").write_text(json.dumps(run))
    # a size whose build ran out of its budget: reported, not lost
    stopped = _figures(10000, 900.0, served=False)
    stopped["build"] = {"generate_s": 9.0, "build": {"seconds": 900.0, "rc": -9, "timed_out": True, "budget_s": 900}}
    (tmp_path / "n10000.json").write_text(json.dumps(stopped))

    text = report.render(sorted(tmp_path.glob("n*.json"), key=lambda p: int(p.stem[1:])), "full")

    assert text.index("## Targets") < text.index("## Run") < text.index("## Ratios") < text.index("## Build")
    assert "| build, validation included: < 60 s | 10,000 | 900.0 s (stopped at its budget of 900 s) | missed |" in text
    assert "| activity HTML: throughput >= 0.8x the pre-serialized Flask ceiling | 1,000 (stand-in) |" in text
    assert "| 10,000 | | | 9.0 | 900.0 | stopped at its budget of 900 s |" in text
    assert "| activity HTML | 700.0 | 1,000.0 | 0.70x |" in text  # the ratio table


def test_sections_other_tools_wrote_are_kept():
    report = _bench("report")
    old = "# old\n\n## Targets (issue 6)\n\nold table\n\n## Soak (2026-11-27)\n\nsoak table\n"
    assert report.foreign_sections(old) == "## Soak (2026-11-27)\n\nsoak table\n"


def test_stopping_a_bench_server_ends_its_whole_process_group(tmp_path):
    """A server the benchmark started is stopped with everything it forked (gunicorn's workers,
    query children), so no run leaves servers behind."""
    import os
    import socket
    import time

    measure = _bench("measure")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    child = tmp_path / "child.pid"
    script = (f"import http.server, subprocess, sys; p = subprocess.Popen([sys.executable, '-c', "
              f"'import time; time.sleep(300)']); open({str(child)!r}, 'w').write(str(p.pid)); "
              f"http.server.HTTPServer(('127.0.0.1', {port}), http.server.SimpleHTTPRequestHandler).serve_forever()")
    server = measure.start_server("dummy", [sys.executable, "-c", script], port, "/", cwd=str(tmp_path), timeout=30)
    pid = int(child.read_text())
    os.kill(pid, 0)  # the grandchild runs
    server.stop()
    for _ in range(50):
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            break
        time.sleep(0.1)
    else:
        raise AssertionError("the server's child outlived it")


def test_a_reused_size_not_served_this_time_keeps_its_saved_figures(tmp_path):
    """`--reuse-build --serve 10000` re-serves 10,000 without losing what 50,000's serving measured."""
    run = _bench("run")
    saved = _figures(50000, 240.0)
    (tmp_path / "n50000.json").write_text(json.dumps(saved))
    opts = run.options(["--sizes", "50000", "--serve", "10000", "--reuse-build", "--out", str(tmp_path),
                        "--work", str(tmp_path / "work")])
    run.measure_size(50000, opts, tmp_path, tmp_path / "RESULTS.md")
    assert json.loads((tmp_path / "n50000.json").read_text()) == saved
