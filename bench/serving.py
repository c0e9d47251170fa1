"""The serving half of the benchmark: our gunicorn, its reference peers, and their figures.

Every server of one N starts at once (idle servers take no CPU, so starting them side by side
distorts nothing and saves the serial start-up time); they are then measured one after
another, each stopped when its figures are in. Every load run is bounded in time.
"""

from __future__ import annotations

import concurrent.futures
import gzip
import os
import shutil
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

import generate
import measure as M

BIN = Path(sys.executable).parent
ROOT = Path(__file__).resolve().parent.parent
QUERIES = Path(__file__).resolve().parent / "queries"
BASE = "https://kokemus.vslj.fi/"
ACTIVITY = "/id/activity/jarjesto-00000-1"
PAGES = [("activity HTML", ACTIVITY, {"Accept": "text/html"}, "activity.html"),
         ("activity Turtle", ACTIVITY, {"Accept": "text/turtle"}, "activity.ttl"),
         ("activity JSON-LD", ACTIVITY, {"Accept": "application/ld+json"}, "activity.jsonld")]
LISTINGS = [("listing with facet", "/hakemisto?palvelu=palvelu-vertaisvastaanotto"),
            ("listing with search", "/hakemisto?q=nuorten"),
            ("listing with facet and search", "/hakemisto?palvelu=palvelu-vertaistuki&q=perhe")]
SEARCH_WORDS = ["nuorten", "perhe", "vertais", "sijais", "kriisi", "mielenterveys", "vanhemmuu", "läheis"]


def queries() -> dict[str, str]:
    """The fixed typical queries, by file name."""
    return {p.stem: p.read_text() for p in sorted(QUERIES.glob("*.rq"))}


def env_for(publish: Path, **extra: str) -> dict:
    """Environment of our processes: the bench build, the default base IRI."""
    return dict(os.environ, KOKEMUS_PUBLISH_DIR=str(publish), KOKEMUS_BASE_IRI=BASE, **extra)


def gunicorn(app: str, port: int) -> list[str]:
    """The production server command, the same for our app and the ceiling: workers = cores,
    --preload, and the repository's gunicorn.conf.py (read from the working directory)."""
    return [str(BIN / "gunicorn"), "--preload", "-w", str(os.cpu_count() or 2), "-b", f"127.0.0.1:{port}",
            "--timeout", "120", app]


def start_all(publish: Path, work: Path, with_memory_oxigraph: bool, timeout: float) -> dict:
    """Start our server (answer cache on and off) and the Oxigraph servers side by side: name ->
    {"server": Server, "start_s": ..., "load": ...} or {"error": ...}."""
    starters = {"ours": lambda: _ours(publish, {}, timeout),
                "ours_uncached": lambda: _ours(publish, {"KOKEMUS_SPARQL_CACHE": "false"}, timeout),
                "oxigraph_disk": lambda: _oxigraph(publish, work, True, timeout)}
    if with_memory_oxigraph:
        starters["oxigraph_memory"] = lambda: _oxigraph(publish, work, False, timeout)
    with concurrent.futures.ThreadPoolExecutor(len(starters)) as pool:
        futures = {name: pool.submit(_timed_start, start) for name, start in starters.items()}
        return {name: future.result() for name, future in futures.items()}


def _timed_start(start) -> dict:
    began = time.perf_counter()
    try:
        out = start()
    except (RuntimeError, OSError) as exc:
        return {"error": str(exc)[-800:], "start_s": time.perf_counter() - began}
    return dict(out, start_s=time.perf_counter() - began)


def _ours(publish: Path, extra_env: dict, timeout: float) -> dict:
    port = M.free_port()
    server = M.start_server("kokemus-ld", gunicorn("kokemus_ld.web.wsgi:app", port), port, "/",
                            env=env_for(publish, **extra_env), cwd=str(ROOT), timeout=timeout)
    return {"server": server}


def _oxigraph(publish: Path, work: Path, on_disk: bool, timeout: float) -> dict:
    """The reference: `oxigraph serve` over the same build (N-Quads dump), union default graph."""
    exe = str(BIN / "oxigraph")
    nquads = str(work / "kokemus.nq")  # the build keeps only its .gz: Oxigraph is given the plain dump
    with gzip.open(publish / "current" / "kokemus.nq.gz", "rb") as src, open(nquads, "wb") as out:
        shutil.copyfileobj(src, out, 1 << 20)
    port = M.free_port()
    cmd = [exe, "serve", "--bind", f"127.0.0.1:{port}", "--union-default-graph"]
    out: dict = {}
    if on_disk:
        location = work / "oxigraph"
        shutil.rmtree(location, ignore_errors=True)
        out["load"] = M.run_timed([exe, "load", "--location", str(location), "--file", nquads], timeout=timeout)
        # Compact before serving, as Oxigraph advises for a read-heavy endpoint: otherwise it
        # compacts in the background during the measurements.
        out["optimize"] = M.run_timed([exe, "optimize", "--location", str(location)], timeout=timeout)
        cmd += ["--location", str(location)]
    server = M.start_server("oxigraph", cmd, port, "/query?query=ASK%7B%7D", timeout=timeout)
    if not on_disk:
        start = time.perf_counter()
        with open(nquads, "rb") as body:
            req = urllib.request.Request(server.url + "/store", data=body, method="POST",
                                         headers={"Content-Type": "application/n-quads"})
            urllib.request.urlopen(req, timeout=timeout).read()
        out["load"] = {"seconds": time.perf_counter() - start}
    return dict(out, server=server)


def pages_and_listing(server: M.Server, seconds: float, budget: float, ceiling_dir: Path,
                      distinct: int, out: dict) -> None:
    """Into `out`: our pages under load (their bodies saved for the ceiling); the first listings
    after start (each worker builds its listing index), the listings under load, then listings
    at distinct URLs (facets, search, pages), each computed once, sequentially."""
    pages = out["pages"] = {}
    for label, path, headers, stored in PAGES:
        status, body, _ = M.fetch(server.url + path, headers, timeout=300)
        (ceiling_dir / stored).write_bytes(body)
        pages[label] = dict(M.attempt(M.steady_load, server.url + path, seconds, headers=headers),
                            status=status, bytes=len(body))
    out["listing_first"] = first_listings(server)
    for label, path in LISTINGS[:2]:
        status, body, _ = M.fetch(server.url + path)
        pages[label] = dict(M.attempt(M.load, server.url + path, seconds), status=status, bytes=len(body))
    out["listing_distinct"] = M.attempt(M.distinct_latency, server.url, listing_paths(distinct),
                                        budget=max(10 * budget, 10))
    out["listing_repeated"] = {label: M.attempt(M.sequential_latency, server.url + path, budget=budget)
                               for label, path in LISTINGS}


def first_listings(server: M.Server) -> dict:
    """The first listings after start: rounds of one request per worker at once until every
    worker has built its listing index (told by its CPU time); the slowest is what the first
    visitor of each worker waits for."""
    workers = M.children(server.proc.pid)
    before = {pid: M.cpu_seconds(pid) for pid in workers}
    paths = [f"/hakemisto?alue={area}&sivu={page}" for page in (1, 2, 3) for area in generate.AREAS]
    timed, busy = [], 0
    with concurrent.futures.ThreadPoolExecutor(len(workers) or 1) as pool:
        for _ in range(3):
            batch, paths = paths[:len(workers) or 1], paths[len(workers) or 1:]
            timed += pool.map(lambda path: _timed_fetch(server.url + path), batch)
            busy = sum(M.cpu_seconds(pid) - before[pid] > 0.5 for pid in workers)
            if busy == len(workers):
                break
    return {"slowest_ms": max(ms for ms, _ in timed), "fastest_ms": min(ms for ms, _ in timed),
            "requests": len(timed), "statuses": sorted({st for _, st in timed}), "workers": len(workers),
            "workers_busy": busy}


def _timed_fetch(url: str) -> tuple[float, int]:
    start = time.perf_counter()
    try:
        status = M.fetch(url, timeout=900)[0]
    except OSError:  # no answer within 15 minutes: status 0, the time says how long it waited
        status = 0
    return (time.perf_counter() - start) * 1000, status


def listing_paths(count: int) -> list[str]:
    """`count` different listing URLs: a service facet, sometimes a second facet, a search word,
    a later page; deterministic, none repeated (so none is answered from the page cache)."""
    services, groups = sorted(generate.W.SERVICES), generate.GROUPS
    paths, seen, i = [], set(), 0
    while len(paths) < count and i < count * 20:
        params = [("palvelu", services[i % len(services)])]
        if i % 3 == 1:
            params.append(("kohderyhma", groups[(i // 3) % len(groups)]))
        if i % 2 == 1:
            params.append(("q", SEARCH_WORDS[(i // 2) % len(SEARCH_WORDS)]))
        if i % 5 == 4:
            params.append(("sivu", "2"))
        path = "/hakemisto?" + urllib.parse.urlencode(params)
        if path not in seen:
            seen.add(path)
            paths.append(path)
        i += 1
    return paths


# Queries take up to seconds each at N = 10,000: with 16 connections neither server finished a
# request within a 10 s run. Fewer connections (and, in the full mode, longer runs) give every
# server a figure.
SPARQL_CONNECTIONS = 4


def sparql(base: str, path: str, seconds: float, budget: float) -> dict:
    """Every fixed query over HTTP: sequential p50/p99, then throughput under load."""
    out = {}
    for name, text in queries().items():
        url = f"{base}{path}?{urllib.parse.urlencode({'query': text})}"
        settle()
        out[name] = dict(M.attempt(M.sequential_latency, url, accept_for(text), budget=budget))
        settle()
        out[name]["load"] = M.attempt(M.load, url, seconds, connections=SPARQL_CONNECTIONS,
                                      headers=accept_for(text))
    return out


def settle(idle: float = 0.8, most: float = 15.0) -> None:
    """Wait until the machine is idle again: a server may go on computing queries whose client left
    (Oxigraph does), which would slow whatever is measured next."""
    def busy_idle():
        with open("/proc/stat") as f:
            fields = [int(x) for x in f.readline().split()[1:]]
        return sum(fields), fields[3] + fields[4]

    end = time.monotonic() + most
    while time.monotonic() < end:
        total0, idle0 = busy_idle()
        time.sleep(0.5)
        total1, idle1 = busy_idle()
        if total1 > total0 and (idle1 - idle0) / (total1 - total0) >= idle:
            return


def accept_for(text: str) -> dict:
    """The Accept header a client would send for this query form."""
    graph = "CONSTRUCT" in text.upper().split("WHERE")[0]
    return {"Accept": "application/n-triples" if graph else "application/sparql-results+json"}


def ceiling(ceiling_dir: Path, seconds: float, timeout: float) -> dict:
    """The pre-serialized Flask app under the same gunicorn settings, the same bytes as ours."""
    port = M.free_port()
    server = M.start_server("ceiling", gunicorn("bench.ceiling:app", port), port, "/activity.html",
                            env=dict(os.environ, CEILING_DIR=str(ceiling_dir)), cwd=str(ROOT), timeout=timeout)
    try:
        return {label: M.attempt(M.steady_load, f"{server.url}/{stored}", seconds) for label, _, _, stored in PAGES}
    finally:
        server.stop()
