"""The dumps, written from the documents in blocks, unchanged blocks copied from the last build.

Every dump is the documents in IRI order: N-Quads is each document's sorted chunk, N-Triples
the same lines without the graph, Turtle, TriG and JSON-LD each document serialized alone by
pyoxigraph (the prefixes, or JSON-LD's brackets, written once). Documents are cut into
blocks at content-defined points (an IRI whose CRC is 0 mod `SPAN`), so adding or removing
a document moves no other block's boundary. A block is keyed by the hash of its
documents' chunks; the previous build's dump holds it at a known offset, so a rebuild
copies it (checked against its CRC) instead of serializing again.

Each `.gz` is one gzip member whose deflate stream is the blocks compressed independently
(each ended by a full flush, as pigz does): a block's compressed bytes are copied too, and
only changed blocks are compressed, in threads (zlib releases the GIL).

Only the `.gz` files get a SHA-256 (the catalogue's spdx:checksum). Hashing the plain dumps
(707 MB at N = 10,000, ~300 MB/s here) was the largest part of a rebuild after one edit; a
plain dump is exactly its `.gz` decompressed, so a harvester checks the `.gz` it downloads
(15x smaller). A plain dump's ETag names its bytes by its blocks' keys and its frame instead.
"""

from __future__ import annotations

import concurrent.futures
import dataclasses
import hashlib
import multiprocessing
import os
import struct
import zlib
from pathlib import Path
from typing import Callable, NamedTuple

import pyoxigraph as ox

from .cache import BuildCache, digest

DUMP_NAME = "kokemus"
# format name, pyoxigraph format, file extension; the dumps written by every build
DUMPS = [
    ("turtle", ox.RdfFormat.TURTLE, "ttl"),
    ("ntriples", ox.RdfFormat.N_TRIPLES, "nt"),
    ("nquads", ox.RdfFormat.N_QUADS, "nq"),
    ("trig", ox.RdfFormat.TRIG, "trig"),
    ("jsonld", ox.RdfFormat.JSON_LD, "jsonld"),
]
SPAN = 64  # documents per block, on average
LEVEL = 6  # gzip level: a third of level 9's time for 1-2 % more bytes
_FINAL = zlib.compressobj(LEVEL, zlib.DEFLATED, -15).flush(zlib.Z_FINISH)  # the empty last deflate block
_GZIP_HEADER = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff"  # no name, no time: reproducible


class Chunk(NamedTuple):
    """One document's part of the dumps: its IRI, a key naming its N-Quads bytes exactly, the bytes."""

    iri: str
    key: str
    nquads: Callable[[], bytes]  # made only for a block that is serialized anew


@dataclasses.dataclass
class Block:
    """Where one block lies in a dump and in its gzip, and the CRCs that vouch for a copy."""

    key: str
    offset: int
    length: int
    crc: int
    zoffset: int
    zlength: int
    zcrc: int


PROCESS_BLOCKS = 32  # from this many blocks to serialize (a first build), forked processes make them

_work: dict = {}  # what the block makers read (threads, or processes forked after it is set)


def write_dumps(work: Path, chunks: list[Chunk], prefixes: dict, cache: BuildCache | None) -> dict:
    """Every dump and its gzip from the documents' chunks (IRI order); the meta.json entries.

    The formats are written side by side in threads: copying, CRCs, hashing and zlib release
    the GIL, so a rebuild that mostly copies uses both cores. Blocks to serialize anew are
    made in threads, or, when there are many (a first build: pyoxigraph's serializers hold
    the GIL), in processes."""
    cuts = [i for i, c in enumerate(chunks) if i == 0 or zlib.crc32(c.iri.encode()) % SPAN == 0]
    spans = list(zip(cuts, cuts[1:] + [len(chunks)]))
    old = Path(cache.previous) if cache is not None and cache.previous is not None else None
    plans = {}
    for _name, _fmt, ext in DUMPS:
        blocks = [(digest(ext, i == 0, *(c.key for c in chunks[a:b])), a, b) for i, (a, b) in enumerate(spans)]
        previous = cache.get("dumps", ext) if cache is not None and old is not None else None
        plans[ext] = (blocks, previous)
    fresh = sum(1 for blocks, previous in plans.values()
                for key, _a, _b in blocks if key not in {b.key for b in previous or []})
    workers = os.cpu_count() or 2
    _work.update(chunks=chunks, prefixes=prefixes)
    try:
        if fresh >= PROCESS_BLOCKS and workers > 1:
            pool = concurrent.futures.ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork"))
            pool.submit(int).result()  # fork every process now, before this process starts threads
        else:
            pool = concurrent.futures.ThreadPoolExecutor(workers)
        with pool, concurrent.futures.ThreadPoolExecutor(max_workers=len(DUMPS)) as formats:
            written = {ext: formats.submit(_write, work / f"{DUMP_NAME}.{ext}", ext, *plans[ext], old, pool)
                       for _name, _fmt, ext in DUMPS}
            dumps = {}
            for name, fmt, ext in DUMPS:
                index, etag, zsha = written[ext].result()
                if cache is not None:
                    cache.put("dumps", ext, index)
                path = work / f"{DUMP_NAME}.{ext}"
                common = {"format": name, "media_type": fmt.media_type}
                dumps[path.name] = {**common, "gzip": False, "bytes": path.stat().st_size, "etag": etag}
                gz = Path(str(path) + ".gz")
                dumps[gz.name] = {**common, "gzip": True, "bytes": gz.stat().st_size, "etag": zsha, "sha256": zsha}
    finally:
        _work.clear()
    return dumps


def _write(path: Path, ext: str, blocks: list, previous: list | None, old: Path | None,
           pool) -> tuple[list[Block], str, str]:
    """One dump and its gzip; the blocks' index for the next build, the dump's ETag (a hash of its
    frame and its blocks' keys) and the gzip's SHA-256."""
    reusable = {b.key: b for b in previous or []}
    src = _open(old / path.name) if reusable else None
    zsrc = _open(old / (path.name + ".gz")) if reusable else None
    head, tail = _frame(ext, _work["prefixes"])
    # serialize and compress the changed blocks in the pool while the unchanged ones are copied
    fresh = {key: pool.submit(_fresh, ext, a, b) for key, a, b in blocks
             if key not in reusable or src is None or zsrc is None}
    index: list[Block] = []
    crc, size = 0, 0
    try:
        with open(path, "wb") as raw, open(str(path) + ".gz", "wb") as zraw:
            out, zout = _Counted(raw), _Hashed(zraw)
            zout.write(_GZIP_HEADER)
            for part in (head,):
                out.write(part)
                zout.write(_deflate(part))
                crc, size = zlib.crc32(part, crc), size + len(part)
            for key, _a, _b in blocks:
                data = zdata = None
                if key not in fresh:
                    data, zdata = _copy(src, zsrc, reusable[key])
                if data is None:  # not reusable after all (a damaged previous dump): make it
                    data, zdata = (fresh.get(key) or pool.submit(_fresh, ext, _a, _b)).result()
                index.append(Block(key, out.tell(), len(data), zlib.crc32(data), zout.tell(), len(zdata),
                                   zlib.crc32(zdata)))
                out.write(data)
                zout.write(zdata)
                crc, size = zlib.crc32(data, crc), size + len(data)
            out.write(tail)
            zout.write(_deflate(tail) + _FINAL + struct.pack("<II", zlib.crc32(tail, crc), (size + len(tail)) & 0xFFFFFFFF))
    finally:
        for fh in (src, zsrc):
            if fh is not None:
                fh.close()
    return index, digest(path.name, head, tail, *(key for key, _a, _b in blocks)), zout.sha256.hexdigest()


class _Counted:
    """A file being written, its position kept on the way."""

    def __init__(self, fh):
        self.fh, self.position = fh, 0

    def write(self, data: bytes) -> None:
        """Write."""
        self.fh.write(data)
        self.position += len(data)

    def tell(self) -> int:
        """Bytes written so far."""
        return self.position


class _Hashed(_Counted):
    """A file being written, its SHA-256 and position kept on the way."""

    def __init__(self, fh):
        super().__init__(fh)
        self.sha256 = hashlib.sha256()

    def write(self, data: bytes) -> None:
        """Write and hash."""
        super().write(data)
        self.sha256.update(data)


def _open(path: Path):
    try:
        return open(path, "rb")
    except OSError:
        return None


def _copy(src, zsrc, block: Block) -> tuple[bytes | None, bytes | None]:
    """A block's bytes from the previous dump and its gzip, if both are still what was written."""
    if src is None or zsrc is None:
        return None, None
    data = os.pread(src.fileno(), block.length, block.offset)
    zdata = os.pread(zsrc.fileno(), block.zlength, block.zoffset)
    if len(data) != block.length or zlib.crc32(data) != block.crc or zlib.crc32(zdata) != block.zcrc:
        return None, None
    return data, zdata


def _fresh(ext: str, a: int, b: int) -> tuple[bytes, bytes]:
    """The block of chunks a..b serialized anew, and compressed."""
    prefixes = _work["prefixes"]
    data = b"".join(_fragment(ext, c.iri, c.nquads(), prefixes, a == 0 and i == 0)
                    for i, c in enumerate(_work["chunks"][a:b]))
    return data, _deflate(data)


def _fragment(ext: str, iri: str, chunk: bytes, prefixes: dict, first: bool) -> bytes:
    """One document in one format, without the dump's frame."""
    if ext == "nq":
        return chunk
    if ext == "nt":
        return chunk.replace(f" <{iri}> .\n".encode(), b" .\n")
    quads = list(ox.parse(chunk, format=ox.RdfFormat.N_QUADS))
    if ext == "jsonld":
        return (b"" if first else b",") + ox.serialize(quads, format=ox.RdfFormat.JSON_LD)[1:-1]
    if ext == "ttl":
        text = ox.serialize([ox.Triple(q.subject, q.predicate, q.object) for q in quads],
                            format=ox.RdfFormat.TURTLE, prefixes=prefixes)
    else:
        text = ox.serialize(quads, format=ox.RdfFormat.TRIG, prefixes=prefixes)
    return b"".join(line for line in text.splitlines(keepends=True) if not line.startswith(b"@prefix "))


def _frame(ext: str, prefixes: dict) -> tuple[bytes, bytes]:
    """What comes before the first document and after the last."""
    if ext in ("ttl", "trig"):
        return b"".join(f"@prefix {p}: <{ns}> .\n".encode() for p, ns in prefixes.items()), b""
    if ext == "jsonld":
        return b"[", b"]"
    return b"", b""


def _deflate(data: bytes) -> bytes:
    """Raw deflate of a block, ended on a byte boundary so blocks concatenate (pigz's way)."""
    z = zlib.compressobj(LEVEL, zlib.DEFLATED, -15)
    return z.compress(data) + z.flush(zlib.Z_FULL_FLUSH)

