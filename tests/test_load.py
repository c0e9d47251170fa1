"""A short load test against the real server (gunicorn on 127.0.0.1): the publisher stays up.

Concurrency 16 for a few seconds over a mix of pages, RDF formats, dumps and SPARQL queries,
while pathological queries run into the time limit. Asserted: no 5xx but the time limit's 503,
no worker crashed, and pages were answered while the slow queries ran. Latencies (p50, p99)
are printed, not asserted: speed lives in the benchmark (`bench/soak.py` is the long version).
"""

from __future__ import annotations

import threading

from loadmix import PATHOLOGICAL, gunicorn_workers, percentile, request, run_mix

SECONDS, CONCURRENCY = 4.0, 16


def test_short_mixed_load_has_no_server_errors_and_no_crash(live_server):
    workers_before = gunicorn_workers(live_server)
    assert workers_before, "the gunicorn workers of the live server"
    slow: list = []
    slow_threads = [threading.Thread(target=lambda q=q: slow.append(request(live_server, "sparql-slow", q)))
                    for q in PATHOLOGICAL]
    for t in slow_threads:
        t.start()
    outcomes = run_mix(live_server, SECONDS, CONCURRENCY, slow_running=lambda: any(t.is_alive() for t in slow_threads))
    for t in slow_threads:
        t.join()
    errors = [o for o in outcomes + slow if o.status >= 500 and not (o.status == 503 and o.kind.startswith("sparql"))]
    assert errors == [], errors[:5]
    assert [(o.status, bool(o.retry_after)) for o in slow] == [(503, True)] * len(PATHOLOGICAL)
    pages_while_slow = [o for o in outcomes if o.kind == "page" and o.status == 200 and o.during_slow]
    assert pages_while_slow, "the slow queries held up every page"
    assert gunicorn_workers(live_server) == workers_before, "a worker crashed or was replaced"
    assert request(live_server, "page", "/id/org/ehja").status == 200
    seconds = [o.seconds for o in outcomes]
    print(f"\nload: {len(outcomes)} requests in {SECONDS:g} s at concurrency {CONCURRENCY}: "
          f"p50 {percentile(seconds, 50) * 1000:.0f} ms, p99 {percentile(seconds, 99) * 1000:.0f} ms; "
          f"{len(pages_while_slow)} pages answered while {len(slow)} runaway queries ran "
          f"(stopped after {', '.join(f'{o.seconds:.1f}' for o in slow)} s)")
