"""A mixed HTTP workload for load tests (tests/test_load.py) and the soak (bench/soak.py).

Pages, RDF formats, dumps and SPARQL queries (typical, example and refused ones) picked at
random by a fixed seed, sent over plain HTTP by a pool of threads; each answer is recorded as
an `Outcome` (kind, status, seconds). Also: the PIDs of the gunicorn workers behind a URL, to
tell whether a worker crashed, and their resident memory.
"""

from __future__ import annotations

import dataclasses
import random
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

PAGES = ["/", "/hakemisto", "/hakemisto?q=vertais", "/hakemisto?palvelu=palvelu-vertaistuki", "/id/org/ehja",
         "/id/activity/kuule-minua", "/id/activity/feeniks", "/id/concept/palvelu-tyopari", "/def/kt", "/id/dataset",
         "/catalog", "/changes", "/hsds/services", "/sitemap.xml", "/no/such/page", "/hakemisto?lang=en"]
RDF = ["/id/org/ehja.ttl", "/id/activity/kuule-minua.jsonld", "/id/activity/finfami.nt", "/def/kt.rdf",
       "/id/org/vslj.trig", "/.well-known/void", "/catalog.ttl", "/dumps/kokemus.nt.gz"]
QUERIES = [
    "SELECT ?a ?label WHERE { ?a a <https://kokemus.vslj.fi/def/kt#Activity> ; "
    "<http://www.w3.org/2004/02/skos/core#prefLabel> ?label } LIMIT 20",
    "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }",
    "ASK { ?s ?p ?o }",
    "CONSTRUCT WHERE { ?s <http://www.w3.org/2004/02/skos/core#prefLabel> ?o } LIMIT 50",
    "SELECT * WHERE { ?s ?p ?o } ORDER BY ?o LIMIT 5",
    "SELECT * WHERE { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }",  # refused: 400
    "SELEC broken",  # 400
]
# Runs into the time limit: a four-way cross product of every triple, counted.
PATHOLOGICAL = [
    "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }",
    "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i } ORDER BY DESC(?c) ?f ?i",
]


@dataclasses.dataclass
class Outcome:
    """One answer: what was asked, the status, how long it took, and whether slow queries ran meanwhile."""

    kind: str
    target: str
    status: int
    seconds: float
    retry_after: str | None = None
    detail: str = ""
    during_slow: bool = False

    @property
    def ok(self) -> bool:
        """A 2xx, 3xx or an expected 4xx (the mix sends a few bad requests on purpose)."""
        return self.status < 500


def request(base: str, kind: str, target: str, timeout: float = 60.0) -> Outcome:
    """One request of the mix: a path, or (for SPARQL kinds) a query sent by GET."""
    if kind.startswith("sparql"):
        url = base + "/sparql?" + urllib.parse.urlencode({"query": target})
        headers = {"Accept": "application/sparql-results+json, text/turtle;q=0.9"}
    else:
        url = base + target
        headers = {"Accept": "text/html" if kind == "page" else "*/*"}
    started = time.monotonic()
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=timeout) as r:
            r.read()
            status, retry = r.status, r.headers.get("Retry-After")
            detail = ""
    except urllib.error.HTTPError as exc:
        detail = exc.read()[:200].decode("utf-8", "replace")
        status, retry = exc.code, exc.headers.get("Retry-After")
    except OSError as exc:  # connection refused or reset: the server side broke
        status, retry, detail = 599, None, repr(exc)
    return Outcome(kind, target, status, time.monotonic() - started, retry, detail)


def run_mix(base: str, seconds: float, concurrency: int, seed: int = 7, slow_running=lambda: False) -> list[Outcome]:
    """Send the mix with `concurrency` threads for `seconds`; every outcome, in completion order."""
    outcomes: list[Outcome] = []
    lock = threading.Lock()
    deadline = time.monotonic() + seconds
    mix = [("page", p) for p in PAGES] * 3 + [("rdf", r) for r in RDF] * 2 + [("sparql", q) for q in QUERIES] * 2

    def worker(n: int) -> None:
        rng = random.Random(seed * 1000 + n)
        while time.monotonic() < deadline:
            outcome = request(base, *rng.choice(mix))
            outcome.during_slow = slow_running()
            with lock:
                outcomes.append(outcome)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return outcomes


def percentile(values: list[float], p: float) -> float:
    """The p-th percentile (0-100) of some values, nearest rank."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * p / 100))] if ordered else 0.0


def gunicorn_workers(base: str) -> list[int]:
    """PIDs of the gunicorn workers serving `base` (children of the master bound to its port)."""
    port = base.rsplit(":", 1)[1]
    masters = []
    parents: dict[int, int] = {}
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            cmdline = (proc / "cmdline").read_bytes().split(b"\0")
            stat = (proc / "stat").read_text()
        except OSError:
            continue
        parents[int(proc.name)] = int(stat.rsplit(")", 1)[1].split()[1])
        if any(b"gunicorn" in part for part in cmdline) and f"127.0.0.1:{port}".encode() in cmdline:
            masters.append(int(proc.name))
    candidates = set(masters)
    master = next((pid for pid in candidates if parents.get(pid) not in candidates), None)
    return sorted(pid for pid in candidates if parents.get(pid) == master)


def resident_kib(pids: list[int]) -> int:
    """Total resident memory (VmRSS) of some processes, in KiB."""
    total = 0
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            continue
    return total


