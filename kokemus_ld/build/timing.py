"""Seconds per build stage, logged (logger `kokemus_ld.build`, level INFO) for the benchmark."""

from __future__ import annotations

import contextlib
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
