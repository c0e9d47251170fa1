"""`make bench`: kokemus-ld beside its peers on the same synthetic data, in one run.

    python bench/run.py [--quick] [--sizes 100,1000] [--seconds 10] [--work /tmp/kokemus-bench]

For each N: generate the directory (bench/generate.py), build it (time, peak RSS), rebuild
after editing one entry, time the fixed queries (bench/queries/*.rq) in process and over
HTTP, load-test pages and /sparql under gunicorn (workers = cores, --preload), and run the
same queries against an Oxigraph server (on disk, and in memory for information) and the
pages against a Flask app returning pre-serialized bytes. Each N's raw figures go to
bench/results/<mode>/n<N>.json; the report (bench/RESULTS.md, or RESULTS-quick.md) is
written from every N measured so far, so the large sizes can run separately.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import sys
import time
import urllib.parse
from importlib import metadata
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(BENCH))
sys.path.insert(0, str(ROOT))
import generate  # noqa: E402
import measure as M  # noqa: E402
import report  # noqa: E402

BIN = Path(sys.executable).parent
BASE = "https://kokemus.vslj.fi/"
ACTIVITY = "/id/activity/jarjesto-00000-1"
LISTING = "/hakemisto?palvelu=palvelu-vertaisvastaanotto"
TYPICAL = "service-activities"  # the query load-tested on /sparql
PAGES = [("activity HTML", ACTIVITY, {"Accept": "text/html"}, "activity.html"),
         ("activity Turtle", ACTIVITY, {"Accept": "text/turtle"}, "activity.ttl"),
         ("activity JSON-LD", ACTIVITY, {"Accept": "application/ld+json"}, "activity.jsonld")]


def queries() -> dict[str, str]:
    """The fixed typical queries, by file name."""
    return {p.stem: p.read_text() for p in sorted((BENCH / "queries").glob("*.rq"))}


def env_for(publish: Path) -> dict:
    """Environment of our processes: the bench build, the default base IRI."""
    return dict(os.environ, KOKEMUS_PUBLISH_DIR=str(publish), KOKEMUS_BASE_IRI=BASE)


def measure_build(n: int, work: Path) -> dict:
    """Generate, build, then rebuild after editing one entry."""
    data, publish = work / "data", work / "publish"
    start = time.perf_counter()
    generate.write(n, data)
    out = {"generate_s": time.perf_counter() - start}
    shutil.rmtree(publish, ignore_errors=True)
    cmd = [str(BIN / "kokemus-ld"), "--data", str(data), "--publish", str(publish), "build"]
    out["build"] = M.run_timed(cmd, env=env_for(publish))
    if out["build"]["rc"] != 0:
        return out
    edited = data / "activities" / "jarjesto-00000-1.yaml"
    edited.write_text(edited.read_text(encoding="utf-8").replace(
        'description: "', 'description: "Toimintaa uudistettiin tänä vuonna. ', 1), encoding="utf-8")
    out["rebuild"] = M.run_timed(cmd, env=env_for(publish))
    meta = json.loads((publish / "current" / "meta.json").read_text())
    out["triples"], out["documents"] = meta["triples"], meta["documents"]
    return out


def measure_in_process(publish: Path, budget: float) -> dict:
    """The fixed queries through EmbeddedStore.query (trusted, in process)."""
    from kokemus_ld.config import Settings
    from kokemus_ld.store.embedded import EmbeddedStore

    start = time.perf_counter()
    store = EmbeddedStore(Settings(base_iri=BASE, publish_dir=str(publish)))
    out = {"load_s": time.perf_counter() - start, "queries": {}}
    for name, text in queries().items():
        rows = store.query(text, limit=10**9)
        timing = M.in_process_latency(lambda text=text: store.query(text, limit=10**9), budget)
        out["queries"][name] = dict(timing, rows=len(rows.rows) or len(rows.triples))
    return out


def sparql_url(base: str, text: str, path: str = "/sparql") -> str:
    """A GET URL for a query."""
    return f"{base}{path}?{urllib.parse.urlencode({'query': text})}"


def accept_for(text: str) -> dict:
    """The Accept header a client would send for this query form."""
    graph = "CONSTRUCT" in text.upper().split("WHERE")[0]
    return {"Accept": "application/n-triples" if graph else "application/sparql-results+json"}


def measure_servers(publish: Path, work: Path, seconds: float, budget: float) -> dict:
    """Our gunicorn, the Oxigraph servers and the Flask ceiling, one after another."""
    out: dict = {}
    workers = str(os.cpu_count() or 2)
    port = M.free_port()
    ours = M.start_server("kokemus-ld", [str(BIN / "gunicorn"), "--preload", "-w", workers, "-b",
                                         f"127.0.0.1:{port}", "--timeout", "120", "kokemus_ld.web.wsgi:app"],
                          port, "/", env=env_for(publish), cwd=str(ROOT))
    ceiling_dir = work / "ceiling"
    ceiling_dir.mkdir(exist_ok=True)
    try:
        out["ours"] = serve_figures(ours, seconds, budget, ceiling_dir)
        out["ours"]["memory_mib_after_load"] = ours.rss_mib()
    finally:
        ours.stop()
    port = M.free_port()
    uncached = M.start_server("kokemus-ld, no SPARQL cache",
                              [str(BIN / "gunicorn"), "--preload", "-w", workers, "-b", f"127.0.0.1:{port}",
                               "--timeout", "120", "kokemus_ld.web.wsgi:app"],
                              port, "/", env=dict(env_for(publish), KOKEMUS_SPARQL_CACHE="false"), cwd=str(ROOT))
    try:
        out["ours_uncached"] = {"sparql": sparql_figures(uncached.url, "/sparql", seconds, budget)}
    finally:
        uncached.stop()
    out["oxigraph_disk"] = oxigraph(publish, work, seconds, budget, on_disk=True)
    out["oxigraph_memory"] = oxigraph(publish, work, seconds, budget, on_disk=False)
    port = M.free_port()
    ceiling = M.start_server("ceiling", [str(BIN / "gunicorn"), "--preload", "-w", workers, "-b",
                                         f"127.0.0.1:{port}", "bench.ceiling:app"],
                             port, "/activity.html", env=dict(os.environ, CEILING_DIR=str(ceiling_dir)),
                             cwd=str(ROOT))
    try:
        out["ceiling"] = {label: M.attempt(M.load, ceiling.url + "/" + stored, seconds) for label, _, _, stored in PAGES}
    finally:
        ceiling.stop()
    return out


def serve_figures(server: M.Server, seconds: float, budget: float, ceiling_dir: Path) -> dict:
    """Our server: pages (saved for the ceiling), listing, and every query over /sparql."""
    out: dict = {"pages": {}, "sparql": {}}
    for label, path, headers, stored in PAGES:
        status, body, _ = M.fetch(server.url + path, headers)
        (ceiling_dir / stored).write_bytes(body)
        out["pages"][label] = dict(M.attempt(M.load, server.url + path, seconds, headers=headers), status=status, bytes=len(body))
    status, body, _ = M.fetch(server.url + LISTING)
    if status == 200:
        out["pages"]["listing with facet"] = dict(M.attempt(M.load, server.url + LISTING, seconds), status=status, bytes=len(body))
        out["listing_latency"] = M.attempt(M.sequential_latency, server.url + LISTING, budget=budget)
    else:
        out["pages"]["listing with facet"] = {"missing": f"HTTP {status}"}
    out["sparql"] = sparql_figures(server.url, "/sparql", seconds, budget)
    return out


def sparql_figures(base: str, path: str, seconds: float, budget: float) -> dict:
    """Every fixed query over HTTP: sequential p50/p99, then throughput under load."""
    out = {}
    for name, text in queries().items():
        url = sparql_url(base, text, path)
        out[name] = dict(M.attempt(M.sequential_latency, url, accept_for(text), budget=budget),
                         load=M.attempt(M.load, url, seconds, headers=accept_for(text)))
    return out


def oxigraph(publish: Path, work: Path, seconds: float, budget: float, on_disk: bool) -> dict:
    """The reference: Oxigraph server with the same build, same queries."""
    exe = str(BIN / "oxigraph")
    nquads = str(publish / "current" / "kokemus.nq")
    port = M.free_port()
    cmd = [exe, "serve", "--bind", f"127.0.0.1:{port}", "--union-default-graph"]
    out: dict = {}
    if on_disk:
        location = work / "oxigraph"
        shutil.rmtree(location, ignore_errors=True)
        out["load"] = M.run_timed([exe, "load", "--location", str(location), "--file", nquads])
        cmd += ["--location", str(location)]
    server = M.start_server("oxigraph", cmd, port, "/query?query=ASK%7B%7D")
    try:
        if not on_disk:
            start = time.perf_counter()
            import urllib.request
            with open(nquads, "rb") as body:
                req = urllib.request.Request(server.url + "/store", data=body, method="POST",
                                             headers={"Content-Type": "application/n-quads"})
                urllib.request.urlopen(req, timeout=600).read()
            out["load"] = {"seconds": time.perf_counter() - start}
        out["sparql"] = sparql_figures(server.url, "/query", seconds, budget)
        out["memory_mib"] = server.rss_mib()
    finally:
        server.stop()
    return out


def versions() -> dict:
    """Versions of what was measured."""
    names = ["rdflib", "pyoxigraph", "pyshacl", "flask", "gunicorn", "oxigraph"]
    out = {"python": sys.version.split()[0]}
    for name in names:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "missing"
    return out


def main(argv=None) -> int:
    """Measure the chosen sizes, save their figures, and write the report from all saved sizes."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="N = 100 and 1000, short load runs")
    parser.add_argument("--sizes", help="comma-separated N (default: quick 100,1000; full 100,1000,10000,50000)")
    parser.add_argument("--seconds", type=float, help="seconds per load run (default: quick 3, full 10)")
    parser.add_argument("--reuse-build", action="store_true",
                        help="keep the build (and its figures) of an earlier run of the same N and mode")
    parser.add_argument("--work", type=Path, default=Path(os.environ.get("TMPDIR", "/tmp")) / "kokemus-bench")
    args = parser.parse_args(argv)
    mode = "quick" if args.quick else "full"
    sizes = [int(n) for n in (args.sizes or ("100,1000" if args.quick else "100,1000,10000,50000")).split(",")]
    seconds = args.seconds or (3 if args.quick else 10)
    budget = 1.5 if args.quick else 4.0
    results = BENCH / "results" / mode
    results.mkdir(parents=True, exist_ok=True)
    for n in sizes:
        work = args.work / f"n{n}"
        work.mkdir(parents=True, exist_ok=True)
        print(f"== N = {n}", flush=True)
        figures = {"n": n, "date": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
                   "machine": M.machine(), "versions": versions(), "seconds_per_load_run": seconds}
        saved = results / f"n{n}.json"
        if args.reuse_build and saved.exists() and (work / "publish" / "current").exists():
            figures["build"] = json.loads(saved.read_text())["build"]
        else:
            figures["build"] = measure_build(n, work)
        print(f"   build {figures['build']['build']['seconds']:.1f} s", flush=True)
        if figures["build"]["build"]["rc"] == 0:
            figures["in_process"] = measure_in_process(work / "publish", budget)
            figures["servers"] = measure_servers(work / "publish", work, seconds, budget)
        (results / f"n{n}.json").write_text(json.dumps(figures, indent=1, default=str))
        target = BENCH / ("RESULTS-quick.md" if args.quick else "RESULTS.md")
        text = report.render(sorted(results.glob("n*.json"), key=lambda p: int(p.stem[1:])), mode)
        others = report.foreign_sections(target.read_text()) if target.exists() else ""
        target.write_text(text + ("\n" + others if others else ""))
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
