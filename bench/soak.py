"""The soak: gunicorn under a mixed load (concurrency 32, 60 s) three times in a row.

Starts the real server (gunicorn with the repository's gunicorn.conf.py) on 127.0.0.1 over a
fresh build of the data, with a 2 s SPARQL time limit, and sends the mix of tests/loadmix.py
(pages, RDF formats, dumps, typical and refused SPARQL) while two clients keep sending
pathological queries. After each run it records requests, 5xx other than the time limit's
503, latencies (p50, p95, p99), whether any worker was replaced, and the resident memory of
the server: memory must not grow from run to run.

    .venv/bin/python bench/soak.py                # 3 x 60 s at concurrency 32, print Markdown
    .venv/bin/python bench/soak.py --write        # ... and append it to bench/RESULTS.md ("Soak")
    .venv/bin/python bench/soak.py --seconds 5    # a quick look
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from loadmix import PATHOLOGICAL, gunicorn_workers, percentile, request, resident_kib, run_mix  # noqa: E402

from kokemus_ld.build.dataset import build  # noqa: E402
from kokemus_ld.config import Settings  # noqa: E402

BASE_IRI = "https://kokemus.vslj.fi/"


def serve(publish: str, port: int, timeout: float) -> subprocess.Popen:
    """gunicorn over a publish folder, as in production (`--preload -w 2`, gunicorn.conf.py)."""
    env = dict(os.environ, KOKEMUS_PUBLISH_DIR=publish, KOKEMUS_BASE_IRI=BASE_IRI,
               KOKEMUS_SPARQL_TIMEOUT=str(timeout))
    proc = subprocess.Popen([str(Path(sys.executable).with_name("gunicorn")), "--preload", "-w", "2",
                             "-b", f"127.0.0.1:{port}", "kokemus_ld.web.wsgi:app"],
                            env=env, cwd=str(ROOT), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while True:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2).read()
            return proc
        except OSError:
            if time.monotonic() > deadline or proc.poll() is not None:
                proc.kill()
                raise RuntimeError("gunicorn did not start")
            time.sleep(0.2)


def soak_run(base: str, seconds: float, concurrency: int, seed: int) -> dict:
    """One run: the mix plus two clients sending pathological queries; the figures."""
    stop = threading.Event()
    slow: list = []

    def pathological(n: int) -> None:
        while not stop.is_set():
            slow.append(request(base, "sparql-slow", PATHOLOGICAL[n % len(PATHOLOGICAL)]))

    slow_threads = [threading.Thread(target=pathological, args=(n,)) for n in range(2)]
    for t in slow_threads:
        t.start()
    workers = gunicorn_workers(base)
    started = time.monotonic()
    outcomes = run_mix(base, seconds, concurrency - len(slow_threads), seed=seed)
    elapsed = time.monotonic() - started
    stop.set()
    for t in slow_threads:
        t.join()
    master = [pid for pid in _masters(workers)]
    server_errors = [o for o in outcomes + slow if o.status >= 500 and not (o.status == 503 and o.kind.startswith("sparql"))]
    times = [o.seconds for o in outcomes]
    return {"requests": len(outcomes), "rps": len(outcomes) / elapsed, "server_errors": len(server_errors),
            "errors_sample": [(o.status, o.target[:60]) for o in server_errors[:3]],
            "stopped": sum(1 for o in slow if o.status == 503), "slow": len(slow),
            "p50": percentile(times, 50), "p95": percentile(times, 95), "p99": percentile(times, 99),
            "workers_same": gunicorn_workers(base) == workers, "rss_kib": resident_kib(workers + master)}


def _masters(workers: list[int]) -> list[int]:
    """The parent (gunicorn master) of the workers."""
    parents = set()
    for pid in workers:
        try:
            parents.add(int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1]))
        except OSError:
            continue
    return sorted(parents)


def markdown(results: list[dict], args, machine: str) -> str:
    """The Soak section for bench/RESULTS.md."""
    lines = [f"## Soak ({dt.date.today().isoformat()})", "",
             f"`bench/soak.py`: gunicorn `--preload -w 2` with gunicorn.conf.py (gthread, 8 threads), SPARQL time "
             f"limit {args.timeout:g} s; {args.runs} consecutive runs of {args.seconds:g} s at concurrency "
             f"{args.concurrency} ({args.concurrency - 2} clients on the mix of `tests/loadmix.py`: pages, RDF formats, "
             f"dumps, typical and refused SPARQL; 2 clients sending only pathological queries). {machine}", "",
             "| run | requests | req/s | 5xx (not time limit) | runaway queries stopped | p50 ms | p95 ms | p99 ms "
             "| workers unchanged | server RSS MiB |", "|" + " --- |" * 10]
    for n, r in enumerate(results, 1):
        lines.append(f"| {n} | {r['requests']} | {r['rps']:.0f} | {r['server_errors']} | {r['stopped']}/{r['slow']} | "
                     f"{r['p50'] * 1000:.0f} | {r['p95'] * 1000:.0f} | {r['p99'] * 1000:.0f} | "
                     f"{'yes' if r['workers_same'] else 'NO'} | {r['rss_kib'] / 1024:.0f} |")
    growth = (results[-1]["rss_kib"] - results[0]["rss_kib"]) / 1024
    lines += ["", f"Memory from the first run to the last: {growth:+.0f} MiB. "
                  "Latencies include the machine being shared; speed itself is measured by `make bench`.", ""]
    return "\n".join(lines)


def main(argv=None) -> int:
    """Build, serve, soak, report."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--timeout", type=float, default=2.0, help="SPARQL time limit of the server")
    parser.add_argument("--write", action="store_true", help="append the results to bench/RESULTS.md")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as publish:
        build(Settings(base_iri=BASE_IRI, publish_dir=publish))
        import socket  # noqa: PLC0415

        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        proc = serve(publish, port, args.timeout)
        try:
            results = []
            for n in range(args.runs):
                results.append(soak_run(f"http://127.0.0.1:{port}", args.seconds, args.concurrency, seed=n))
                print(f"run {n + 1}: {results[-1]}", file=sys.stderr)
        finally:
            proc.terminate()
            proc.wait(timeout=30)
    machine = f"Machine: {os.cpu_count()} CPUs, Python {sys.version.split()[0]}, load average " \
              f"{os.getloadavg()[0]:.1f} at the end (other work was running)."
    text = markdown(results, args, machine)
    print(text)
    if args.write:
        with open(ROOT / "bench" / "RESULTS.md", "a", encoding="utf-8") as out:
            out.write("\n" + text)
    ok = all(r["server_errors"] == 0 and r["workers_same"] for r in results)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
