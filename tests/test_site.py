"""The build-keyed cache of `web/site.py`: one computation per key, however many ask at once."""

from __future__ import annotations

import threading
import time

from kokemus_ld.web.site import Site


def test_concurrent_misses_of_one_key_compute_it_once(embedded_app):
    site: Site = embedded_app.extensions["kokemus"]
    calls = []
    start = threading.Barrier(8)

    def make():
        calls.append(1)
        time.sleep(0.2)  # long enough that the other seven arrive while it runs
        return {"index": len(calls)}

    answers = []

    def ask():
        start.wait()
        answers.append(site.cached(("single-flight",), make))

    threads = [threading.Thread(target=ask) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(calls) == 1
    assert answers == [{"index": 1}] * 8


def test_a_failed_computation_is_not_kept_and_the_next_caller_retries(embedded_app):
    site = embedded_app.extensions["kokemus"]
    attempts = []

    def make():
        attempts.append(1)
        if len(attempts) == 1:
            raise RuntimeError("store unavailable")
        return "ok"

    try:
        site.cached(("flaky",), make)
    except RuntimeError:
        pass
    assert site.cached(("flaky",), make) == "ok"
    assert len(attempts) == 2
