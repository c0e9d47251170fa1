"""`make bench`: kokemus-ld beside its peers on the same synthetic data, in one run.

    python bench/run.py [--quick] [--sizes 100,1000] [--seconds 6] [--reuse-build] [--report-only]

For each N: generate the directory (bench/generate.py), build it (time, peak RSS, within a
time budget), rebuild after editing one entry, time the fixed queries (bench/queries/*.rq) in
process and over HTTP, load-test pages, listings and /sparql under gunicorn (workers = cores,
--preload), and run the same queries against an Oxigraph server (on disk; in memory too, for
information, in the full mode) and the pages against a Flask app returning pre-serialized
bytes. Each N's raw figures go to bench/results/<mode>/n<N>.json after every phase, and the
report (bench/RESULTS.md, or RESULTS-quick.md) is rewritten from every N saved so far, so a
run stopped half-way still leaves its table. Phase times are printed as they end.

The quick mode (`make bench-quick`, under five minutes on 2 cores) builds N = 100 and 1,000
but rebuilds and serves only the largest N, with 2-second load runs and no in-memory Oxigraph.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from importlib import metadata
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(BENCH))
sys.path.insert(0, str(ROOT))
import generate  # noqa: E402
import measure as M  # noqa: E402
import report  # noqa: E402
import serving  # noqa: E402

EDITED = "activities/jarjesto-00000-1.yaml"


class Run:
    """One N's figures, saved (and the report rewritten) after every phase."""

    def __init__(self, n: int, mode: str, results: Path, target: Path, settings: dict):
        self.n, self.mode, self.results, self.target = n, mode, results, target
        self.path = results / f"n{n}.json"
        self.figures = {"n": n, "mode": mode, "date": now(), "machine": M.machine(), "versions": versions(),
                        "settings": settings, "phases": {}}

    @contextlib.contextmanager
    def phase(self, name: str):
        """Time a phase, print it, and save the figures when it ends (even by an error)."""
        start = time.perf_counter()
        print(f"   {name} ...", flush=True)
        try:
            yield
        except Exception as exc:  # one broken phase must not lose the others' figures
            self.figures.setdefault("errors", {})[name] = f"{type(exc).__name__}: {exc}"[:800]
            print(f"   {name}: FAILED {type(exc).__name__}: {exc}", flush=True)
        finally:
            took = time.perf_counter() - start
            self.figures["phases"][name] = took
            print(f"   {name}: {took:.1f} s", flush=True)
            self.save()

    def save(self) -> None:
        """Write the raw figures and rewrite the report from every saved N."""
        self.figures["load_average_end"] = os.getloadavg()
        self.path.write_text(json.dumps(self.figures, indent=1, default=str))
        write_report(self.results, self.target, self.mode)


def write_report(results: Path, target: Path, mode: str) -> str:
    """The report from the raw figures, keeping sections other tools wrote (e.g. the soak's)."""
    text = report.render(sorted(results.glob("n*.json"), key=lambda p: int(p.stem[1:])), mode)
    others = report.foreign_sections(target.read_text()) if target.exists() else ""
    target.write_text(text + ("\n" + others if others else ""))
    return text


def measure_build(run: Run, work: Path, rebuild: bool, budget: float) -> None:
    """Generate, build within the budget, then (if asked) rebuild after editing one entry."""
    data, publish = work / "data", work / "publish"
    b = run.figures["build"] = {}
    with run.phase("generate"):
        start = time.perf_counter()
        generate.write(run.n, data)
        b["generate_s"] = time.perf_counter() - start
    cmd = [str(serving.BIN / "kokemus-ld"), "--data", str(data), "--publish", str(publish), "build"]
    with run.phase("build"):
        shutil.rmtree(publish, ignore_errors=True)
        b["build"] = M.run_timed(cmd, env=serving.env_for(publish), timeout=budget)
        b.update(published(publish))
    if not rebuild or b.get("build", {}).get("rc") != 0:
        return
    edited = data / EDITED
    edited.write_text(edited.read_text(encoding="utf-8").replace(
        'description: "', 'description: "Toimintaa uudistettiin tänä vuonna. ', 1), encoding="utf-8")
    with run.phase("rebuild after one edit"):
        b["rebuild"] = M.run_timed(cmd, env=serving.env_for(publish), timeout=budget)


def published(publish: Path) -> dict:
    """Triples and documents of the published build (none if nothing was published)."""
    meta = publish / "current" / "meta.json"
    if not meta.exists():
        return {}
    data = json.loads(meta.read_text())
    return {"triples": data.get("triples"), "documents": data.get("documents")}


def measure_in_process(run: Run, publish: Path, budget: float) -> None:
    """The fixed queries through the embedded store in this process (the engine, no HTTP)."""
    from kokemus_ld.config import Settings
    from kokemus_ld.store.embedded import EmbeddedStore

    with run.phase("in-process queries"):
        start = time.perf_counter()
        store = EmbeddedStore(Settings(base_iri=serving.BASE, publish_dir=str(publish)))
        out = run.figures["in_process"] = {"load_s": time.perf_counter() - start, "queries": {}}
        for name, text in serving.queries().items():
            rows = store.query(text, limit=10**9)
            timing = M.in_process_latency(lambda text=text: store.query(text, limit=10**9), budget)
            out["queries"][name] = dict(timing, rows=len(rows.rows) or len(rows.triples))
        del store


def measure_servers(run: Run, publish: Path, work: Path, opts: argparse.Namespace) -> None:
    """Start every server at once, then measure them one by one, saving after each."""
    s = run.figures["servers"] = {}
    started: dict = {}
    try:
        with run.phase("start servers"):
            started = serving.start_all(publish, work, opts.memory_oxigraph, opts.start_budget)
            for name, info in started.items():
                s[name] = {k: v for k, v in info.items() if k != "server"}
        ceiling_dir = work / "ceiling"
        ceiling_dir.mkdir(exist_ok=True)
        ours = started.get("ours", {}).get("server")
        if ours:
            with run.phase("ours: pages and listings"):
                serving.pages_and_listing(ours, opts.seconds, opts.budget, ceiling_dir, opts.distinct_listings,
                                          out=s["ours"])
            with run.phase("ours: /sparql"):
                s["ours"]["sparql"] = serving.sparql(ours.url, "/sparql", opts.sparql_seconds, opts.budget)
            s["ours"]["memory"] = ours.memory()
            stop(started, "ours")
            with run.phase("ceiling: pages"):
                s["ceiling"] = serving.ceiling(ceiling_dir, opts.seconds, opts.start_budget)
        for name, label in (("ours_uncached", "ours, no answer cache: /sparql"),
                            ("oxigraph_disk", "Oxigraph on disk: /query"),
                            ("oxigraph_memory", "Oxigraph in memory: /query")):
            server = started.get(name, {}).get("server")
            if server:
                path = "/sparql" if name.startswith("ours") else "/query"
                with run.phase(label):
                    s[name]["sparql"] = serving.sparql(server.url, path, opts.sparql_seconds, opts.budget)
                s[name]["memory"] = server.memory()
                stop(started, name)
    finally:
        for name in list(started):
            stop(started, name)
        run.save()


def stop(started: dict, name: str) -> None:
    """Stop one started server (once)."""
    server = started.get(name, {}).pop("server", None)
    if server:
        server.stop()


def versions() -> dict:
    """Versions of what was measured, and the commit of kokemus-ld."""
    out = {"python": sys.version.split()[0]}
    for name in ["kokemus-ld", "rdflib", "pyoxigraph", "pyshacl", "flask", "gunicorn", "oxigraph"]:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "missing"
    for key, cmd in (("commit", ["git", "-C", str(ROOT), "describe", "--always", "--dirty"]),
                     ("wrk", ["wrk", "--version"])):
        try:
            text = subprocess.run(cmd, capture_output=True, text=True, timeout=10).stdout.strip()
            out[key] = text.splitlines()[0].split(" [")[0].removeprefix("wrk ") if text else "?"
        except (OSError, subprocess.SubprocessError):
            out[key] = "missing"
    return out


def now() -> str:
    """The time, in UTC, to the second."""
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")


def options(argv) -> argparse.Namespace:
    """Command-line options with the defaults of each mode."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="N = 100 and 1000; rebuild and serve the largest only")
    parser.add_argument("--sizes", help="comma-separated N (default: quick 100,1000; full 100,1000,10000,50000)")
    parser.add_argument("--serve", help="comma-separated N to rebuild and serve (default: quick the largest; full all)")
    parser.add_argument("--seconds", type=float, help="seconds per load run (default: quick 2, full 6)")
    parser.add_argument("--budget", type=float, help="seconds of sequential requests per figure (quick 0.5, full 2)")
    parser.add_argument("--build-budget", type=float,
                        help="seconds a build may take before it is stopped and reported (default: 600, or 120 + 0.03 s per entry if more)")
    parser.add_argument("--start-budget", type=float, default=900, help="seconds a server may take to start")
    parser.add_argument("--reuse-build", action="store_true",
                        help="keep the build (and its figures) of an earlier run of the same N and mode")
    parser.add_argument("--report-only", action="store_true", help="rewrite the report from the saved figures")
    parser.add_argument("--out", type=Path, help="write raw figures and the report here instead of bench/ (a trial run)")
    parser.add_argument("--work", type=Path, default=Path(os.environ.get("TMPDIR", "/tmp")) / "kokemus-bench")
    opts = parser.parse_args(argv)
    opts.mode = "quick" if opts.quick else "full"
    opts.sizes = [int(n) for n in (opts.sizes or ("100,1000" if opts.quick else "100,1000,10000,50000")).split(",")]
    opts.serve = ([int(n) for n in opts.serve.split(",")] if opts.serve
                  else [max(opts.sizes)] if opts.quick else list(opts.sizes))
    opts.seconds = opts.seconds or (2 if opts.quick else 6)
    opts.budget = opts.budget or (0.5 if opts.quick else 2.0)
    opts.sparql_seconds = opts.seconds if opts.quick else max(opts.seconds, 10)  # slow queries need longer runs
    opts.memory_oxigraph = not opts.quick
    opts.distinct_listings = 20 if opts.quick else 60
    return opts


def main(argv=None) -> int:
    """Measure the chosen sizes, save their figures phase by phase, print the ratios and targets."""
    opts = options(argv)
    # killed (SIGTERM) like interrupted: exit through atexit, which stops the servers it started
    signal.signal(signal.SIGTERM, lambda _signum, _frame: sys.exit(143))
    results = opts.out or BENCH / "results" / opts.mode
    results.mkdir(parents=True, exist_ok=True)
    target = opts.out / "RESULTS.md" if opts.out else BENCH / ("RESULTS-quick.md" if opts.quick else "RESULTS.md")
    began = time.perf_counter()
    if not opts.report_only:
        for n in opts.sizes:
            measure_size(n, opts, results, target)
    write_report(results, target, opts.mode)
    runs = report.load(sorted(results.glob("n*.json"), key=lambda p: int(p.stem[1:])))
    print("\n" + "\n".join(report.summary(runs)))
    print(f"Total: {time.perf_counter() - began:.0f} s. Report: {target}; raw figures: {results}/")
    return 0


def measure_size(n: int, opts: argparse.Namespace, results: Path, target: Path) -> None:
    """Every phase of one N."""
    work = opts.work / f"n{n}"
    work.mkdir(parents=True, exist_ok=True)
    serve = n in opts.serve
    settings = {"seconds_per_load_run": opts.seconds, "sequential_budget_s": opts.budget, "served": serve}
    print(f"== N = {n:,} (load average {', '.join(f'{x:.1f}' for x in os.getloadavg())})", flush=True)
    run = Run(n, opts.mode, results, target, settings)
    saved = results / f"n{n}.json"
    old = json.loads(saved.read_text()) if saved.exists() else {}
    if opts.reuse_build and not serve and old.get("build", {}).get("build", {}).get("rc") == 0:
        print("   kept from the last run (its figures, served or not, stay as they were)", flush=True)
        return
    if opts.reuse_build and old.get("build", {}).get("build", {}).get("rc") == 0 and \
            (work / "publish" / "current").exists() and ("rebuild" in old["build"] or not serve):
        run.figures["build"] = old["build"]
        run.figures["phases"].update({k: v for k, v in old.get("phases", {}).items()
                                      if k in ("generate", "build", "rebuild after one edit")})
        print("   build: reused from the last run", flush=True)
    else:
        budget = opts.build_budget or max(600, 120 + 0.03 * n)
        measure_build(run, work, rebuild=serve, budget=budget)
    build = run.figures["build"].get("build", {})
    if build.get("timed_out"):
        print(f"   build stopped at its budget of {build['budget_s']:.0f} s", flush=True)
    if serve and build.get("rc") == 0:
        measure_in_process(run, work / "publish", opts.budget)
        measure_servers(run, work / "publish", work, opts)
    run.save()


if __name__ == "__main__":
    sys.exit(main())
