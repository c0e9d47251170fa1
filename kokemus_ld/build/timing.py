"""How a build spends its time: seconds per stage, logged (logger `kokemus_ld.build`, level INFO)
for the benchmark; and the garbage collector held back while it runs."""

from __future__ import annotations

import contextlib
import gc
import logging
import time

log = logging.getLogger("kokemus_ld.build")


@contextlib.contextmanager
def stage(name: str):
    """Log how long the block took: `stage read 1.23 s`."""
    start = time.perf_counter()
    try:
        yield
    finally:
        log.info("stage %s %.2f s", name, time.perf_counter() - start)


RARE_COLLECTIONS = (200_000, 50, 100)  # gen0 at 200,000 allocations (Python's default: 700)


@contextlib.contextmanager
def rare_collections():
    """Run the block with the cycle collector run rarely, then as before.

    A build makes millions of objects that live to its end (documents, findings, cached values)
    and few cycles; at Python's default threshold the collector walked them again and again:
    unpickling a rebuild's cached values at N = 10,000 took 1.6 s with it and 0.7 s without,
    and the whole rebuild 5.6 s -> 4.8 s. Cycles are still collected, 285x less often."""
    before = gc.get_threshold()
    gc.set_threshold(*RARE_COLLECTIONS)
    try:
        yield
    finally:
        gc.set_threshold(*before)
