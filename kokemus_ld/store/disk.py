"""A build's on-disk store: Oxigraph's RocksDB copy of its N-Quads, made once, read by every process.

In memory, pyoxigraph holds about 340 bytes a quad (N = 50,000: ~1.9 GB), every worker's
resident memory counts it, and each query child's reads dirty pages of it until the child
holds 1.4 GiB of its own. On disk the store is shared through the page cache instead, at the
price of slower uncached queries (bench/PROFILE.md). The copy sits in the build's own folder,
so it is published and pruned with the build; it is made by one process under a file lock
(the others wait for it), in a separate interpreter so the bulk loader's buffers never stay
in the server's memory, and appears by one rename, so no reader sees half a store.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pyoxigraph as ox

from ..build.dumps import open_dump

STORE_DIR = "store"  # the copy, inside the build's folder
LOCK_NAME = ".store.lock"
PART_PREFIX = ".store."  # a copy being made: `.store.<pid>`


def on_disk(folder: Path, nquads: str) -> Path:
    """The build's on-disk store, made from its dump `nquads` now if no process has made it yet."""
    target = folder / STORE_DIR
    if target.is_dir():
        return target
    with open(folder / LOCK_NAME, "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # one maker; the others wait, then find it made
        if not target.is_dir():
            for leftover in folder.glob(PART_PREFIX + "[0-9]*"):  # a maker that died half-way
                shutil.rmtree(leftover, ignore_errors=True)
            part = folder / f"{PART_PREFIX}{os.getpid()}"
            subprocess.run([sys.executable, "-m", __name__, str(folder), nquads, str(part)], check=True)
            part.rename(target)
    return target


def open_read_only(path: Path) -> ox.Store:
    """A read-only handle; any number of processes may hold one on the same copy."""
    return ox.Store.read_only(str(path))


def make(folder: Path, nquads: str, part: Path) -> None:
    """Bulk-load the build's N-Quads dump into a new RocksDB folder and close it (run in its own process)."""
    store = ox.Store(str(part))
    with open_dump(folder, nquads) as source:
        store.bulk_load(input=source, format=ox.RdfFormat.N_QUADS)
    store.flush()
    store.optimize()  # compacted, the heavy queries take half the time (N = 50,000: 12.3 -> 5.4 s)
    del store  # closes the database before the folder is renamed


if __name__ == "__main__":
    make(Path(sys.argv[1]), sys.argv[2], Path(sys.argv[3]))
