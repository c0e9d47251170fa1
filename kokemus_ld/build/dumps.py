"""The dumps, written from the documents in blocks, unchanged blocks copied from the last build.

Every dump is the documents in IRI order: N-Quads is each document's sorted chunk, N-Triples
the same lines without the graph, Turtle, TriG and JSON-LD each document serialized alone by
pyoxigraph (the prefixes, or JSON-LD's brackets, written once). Documents are cut into
blocks at content-defined points (an IRI whose CRC is 0 mod `SPAN`), so adding or removing
a document moves no other block's boundary. A block is keyed by the hash of its
documents' chunks; the previous build's dump holds it at a known offset, so a rebuild
copies it (checked against its CRC) instead of serializing again.

Each dump is written once, as a `.gz`: one gzip member whose deflate stream is the blocks
compressed independently (each ended by a full flush, as pigz does): a block's compressed
bytes are copied, only changed blocks are compressed (in threads: zlib releases the GIL),
and the member's CRC is combined from the blocks' CRCs. The plain dump is that file
decompressed, served by `PlainDump`: a full flush resets the compressor, so inflating can
start at any block, and a range request starts at the block that holds it. Writing the
plain dumps (707 MB at N = 10,000, 15x their gzips) was most of a rebuild after one edit.

Only the `.gz` files get a SHA-256 (the catalogue's spdx:checksum); a harvester checks the
`.gz` it downloads. A plain dump's ETag names its bytes by its blocks' keys and its frame.
"""

from __future__ import annotations

import bisect
import concurrent.futures
import dataclasses
import gzip
import hashlib
import multiprocessing
import os
import struct
import zlib
from collections import defaultdict
from pathlib import Path
from typing import BinaryIO, Callable, NamedTuple

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
    """Every dump (as its gzip) from the documents' chunks (IRI order); the meta.json entries.

    The formats are written side by side in threads: copying, CRCs, hashing and zlib release
    the GIL, so a rebuild that mostly copies uses both cores. Blocks to serialize anew are
    made in threads, or, when there are many (a first build: pyoxigraph's serializers hold
    the GIL), in processes."""
    cuts = [i for i, c in enumerate(chunks) if i == 0 or zlib.crc32(c.iri.encode()) % SPAN == 0]
    spans = list(zip(cuts, cuts[1:] + [len(chunks)]))
    old = Path(cache.previous) if cache is not None and cache.previous is not None else None
    contents = [digest(*(c.key for c in chunks[a:b])) for a, b in spans]  # what each block holds
    plans = {}
    needed = defaultdict(list)  # span -> the formats that make it anew (TriG and JSON-LD share one parse)
    for _name, _fmt, ext in DUMPS:
        blocks = [(digest(ext, i == 0, content), a, b) for i, ((a, b), content) in enumerate(zip(spans, contents))]
        copyable = old is not None and cache is not None and (old / f"{DUMP_NAME}.{ext}.gz").is_file()
        reusable = {b.key: b for b in (cache.get("dumps", ext) if copyable else None) or []}
        plans[ext] = (blocks, reusable)
        for key, a, b in blocks:
            if key not in reusable:
                needed[a, b].append(ext)
    fresh = sum(len(exts) for exts in needed.values())
    workers = os.cpu_count() or 2
    _work.update(chunks=chunks, prefixes=prefixes)
    try:
        if fresh >= PROCESS_BLOCKS and workers > 1:
            pool = concurrent.futures.ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork"))
            pool.submit(int).result()  # fork every process now, before this process starts threads
        else:
            pool = concurrent.futures.ThreadPoolExecutor(workers)
        with pool, concurrent.futures.ThreadPoolExecutor(max_workers=len(DUMPS)) as formats:
            made = {}  # (format, span's start) -> the future of its new bytes
            for (a, b), exts in needed.items():
                future = pool.submit(_fresh, tuple(exts), a, b)
                made.update(((ext, a), future) for ext in exts)
            written = {ext: formats.submit(_write, work / f"{DUMP_NAME}.{ext}", ext, *plans[ext], old, made, pool)
                       for _name, _fmt, ext in DUMPS}
            dumps = {}
            for name, fmt, ext in DUMPS:
                index, plain, zsha = written[ext].result()
                if cache is not None:
                    cache.put("dumps", ext, index)
                gz = work / f"{DUMP_NAME}.{ext}.gz"
                common = {"format": name, "media_type": fmt.media_type}
                dumps[f"{DUMP_NAME}.{ext}"] = {**common, "gzip": False, **plain}
                dumps[gz.name] = {**common, "gzip": True, "bytes": gz.stat().st_size, "etag": zsha, "sha256": zsha}
    finally:
        _work.clear()
    return dumps


def _write(path: Path, ext: str, blocks: list, reusable: dict, old: Path | None, made: dict,
           pool) -> tuple[list[Block], dict, str]:
    """One dump's gzip, its new blocks taken from `made` (made in the pool while the unchanged
    ones are copied); the blocks' index for the next build, the plain dump's meta entry (its
    size, its ETag: a hash of its frame and its blocks' keys, and where inflating may start)
    and the gzip's SHA-256."""
    gz = Path(str(path) + ".gz")
    zsrc = _open(old / gz.name) if reusable and old is not None else None
    head, tail = _frame(ext, _work["prefixes"])
    index: list[Block] = []
    starts = [(0, len(_GZIP_HEADER))]  # (plain offset, gzip offset) where inflating may start
    crc, size = zlib.crc32(head), len(head)
    try:
        with open(gz, "wb") as raw:
            zout = _Hashed(raw)
            zout.write(_GZIP_HEADER + _deflate(head))
            for key, a, b in blocks:
                block = reusable.get(key)
                zdata = _copy(zsrc, block) if block is not None else None
                if zdata is None:  # changed, or not reusable after all (a damaged previous dump): make it
                    data, zdata = (made.get((ext, a)) if block is None else pool.submit(_fresh, (ext,), a, b)).result()[ext]
                    length, block_crc = len(data), zlib.crc32(data)
                else:
                    length, block_crc = block.length, block.crc
                index.append(Block(key, size, length, block_crc, zout.tell(), len(zdata), zlib.crc32(zdata)))
                starts.append((size, zout.tell()))
                zout.write(zdata)
                crc, size = crc32_combine(crc, block_crc, length), size + length
            zout.write(_deflate(tail) + _FINAL + struct.pack("<II", zlib.crc32(tail, crc), (size + len(tail)) & 0xFFFFFFFF))
    finally:
        if zsrc is not None:
            zsrc.close()
    plain = {"bytes": size + len(tail), "etag": digest(path.name, head, tail, *(key for key, _a, _b in blocks)),
             "starts": starts}
    return index, plain, zout.sha256.hexdigest()


class _Hashed:
    """A file being written, its SHA-256 and position kept on the way."""

    def __init__(self, fh):
        self.fh, self.position, self.sha256 = fh, 0, hashlib.sha256()

    def write(self, data: bytes) -> None:
        """Write and hash."""
        self.fh.write(data)
        self.position += len(data)
        self.sha256.update(data)

    def tell(self) -> int:
        """Bytes written so far."""
        return self.position


def _open(path: Path):
    try:
        return open(path, "rb")
    except OSError:
        return None


def _copy(zsrc, block: Block) -> bytes | None:
    """A block's compressed bytes from the previous gzip, if they are still what was written."""
    if zsrc is None:
        return None
    zdata = os.pread(zsrc.fileno(), block.zlength, block.zoffset)
    return zdata if len(zdata) == block.zlength and zlib.crc32(zdata) == block.zcrc else None


def _fresh(exts: tuple, a: int, b: int) -> dict[str, tuple[bytes, bytes]]:
    """The block of chunks a..b serialized anew in each format, and compressed."""
    chunks = [(c.iri, c.nquads()) for c in _work["chunks"][a:b]]
    return {ext: (data, _deflate(data)) for ext, data in _serialized(exts, chunks, _work["prefixes"], a == 0).items()}


def _serialized(exts: tuple, chunks: list[tuple[str, bytes]], prefixes: dict, first: bool) -> dict[str, bytes]:
    """Documents (IRI, N-Quads chunk) in each format, without the dump's frame: the same bytes as
    serializing each alone, since no statement crosses documents. One parse and serialize per
    block (pyoxigraph's terms as Python objects cost 4x the serializing: per document and
    through a list, Turtle took 2.7x as long), one parse for TriG and JSON-LD together, and
    Turtle read off the TriG (`_turtle_of_trig`)."""
    nquads = b"".join(chunk for _iri, chunk in chunks)
    triples = b"".join(chunk.replace(f" <{iri}> .\n".encode(), b" .\n") for iri, chunk in chunks)
    both = "jsonld" in exts and ("trig" in exts or "ttl" in exts)
    quads = list(ox.parse(nquads, format=ox.RdfFormat.N_QUADS)) if both else None
    trig = None
    if "trig" in exts or "ttl" in exts:
        trig = _unprefixed(ox.serialize(quads or ox.parse(nquads, format=ox.RdfFormat.N_QUADS),
                                        format=ox.RdfFormat.TRIG, prefixes=prefixes))
    out = {}
    for ext in exts:
        if ext in ("nq", "nt", "trig"):
            out[ext] = {"nq": nquads, "nt": triples, "trig": trig}[ext]
        elif ext == "jsonld":
            text = ox.serialize(quads or ox.parse(nquads, format=ox.RdfFormat.N_QUADS), format=ox.RdfFormat.JSON_LD)
            out[ext] = (b"" if first else b",") + text[1:-1]
        else:
            out[ext] = _turtle_of_trig(trig) or _unprefixed(ox.serialize(
                ox.parse(triples, format=ox.RdfFormat.N_TRIPLES), format=ox.RdfFormat.TURTLE, prefixes=prefixes))
    return out


def _unprefixed(text: bytes) -> bytes:
    return b"".join(line for line in text.splitlines(keepends=True) if not line.startswith(b"@prefix "))


def _turtle_of_trig(trig: bytes) -> bytes | None:
    """The Turtle of a block's documents, read off their TriG: pyoxigraph writes each graph's
    statements as Turtle indented by one tab between `<graph> {` and `}` (the same bytes as its
    Turtle serializer on every block of N = 10,000 and the real data; serializing Turtle again
    was 40 % of a first build's dumps). None if a line is not of that shape: then it is serialized."""
    lines = trig.splitlines(keepends=True)
    body = [line[1:] for line in lines if line.startswith(b"\t")]
    opened = sum(1 for line in lines if line.endswith(b" {\n") and not line.startswith(b"\t"))
    closed = sum(1 for line in lines if line == b"}\n")
    return b"".join(body) if opened == closed and len(body) + opened + closed == len(lines) else None


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



# -- the CRC of blocks put together ------------------------------------------------------------

def _times(matrix: list[int], vector: int) -> int:
    """A GF(2) 32x32 matrix (as its columns) times a vector."""
    total, i = 0, 0
    while vector:
        if vector & 1:
            total ^= matrix[i]
        vector >>= 1
        i += 1
    return total


def _zero_operators() -> list[list[int]]:
    """The CRC-32 operators for 1, 2, 4, ... 2**63 zero bytes (zlib's crc32_combine, precomputed)."""
    one_bit = [0xEDB88320] + [1 << n for n in range(31)]
    operator = one_bit
    for _ in range(3):  # 1 -> 2 -> 4 -> 8 zero bits: one byte
        operator = [_times(operator, column) for column in operator]
    operators = [operator]
    for _ in range(63):
        operator = [_times(operator, column) for column in operator]
        operators.append(operator)
    return operators


_ZEROS = _zero_operators()


def crc32_combine(crc1: int, crc2: int, length2: int) -> int:
    """The CRC-32 of A + B from CRC(A), CRC(B) and len(B), without B's bytes (what zlib's
    crc32_combine does; Python's zlib does not offer it). A block copied from the last build
    is never read back to extend the gzip's CRC."""
    k = 0
    while length2:
        if length2 & 1:
            crc1 = _times(_ZEROS[k], crc1)
        length2 >>= 1
        k += 1
    return crc1 ^ crc2


# -- reading a plain dump from its gzip ---------------------------------------------------------

def open_dump(folder: Path, name: str) -> BinaryIO:
    """A build's plain dump `name` (e.g. kokemus.nq) to read from the start: its gzip, inflated."""
    return gzip.open(folder / f"{name}.gz", "rb")


class PlainDump:
    """A plain dump served from its gzip: read, and seek (a range request) to any byte.

    Seeking starts a raw inflater at the last block that begins at or before the byte (a full
    flush ends every block, so no earlier data is needed) and skips within that block only."""

    CHUNK = 1 << 16

    def __init__(self, gz: Path, size: int, starts: list):
        self._fh = open(gz, "rb")
        self.size = size
        self._starts = [tuple(s) for s in starts]
        self._offsets = [offset for offset, _z in self._starts]
        self.seek(0)

    def seekable(self) -> bool:
        """Yes: a range request seeks."""
        return True

    def tell(self) -> int:
        """The plain offset of the next byte read."""
        return self._position

    def seek(self, position: int, whence: int = os.SEEK_SET) -> int:
        """Go to a plain offset (from the start, or the end)."""
        position = position if whence == os.SEEK_SET else self.size + position
        position = min(max(position, 0), self.size)
        offset, zoffset = self._starts[bisect.bisect_right(self._offsets, position) - 1]
        self._fh.seek(zoffset)
        self._inflater = zlib.decompressobj(-15)
        self._pending, self._at, self._position = b"", 0, offset
        while self._position < position:  # skip to the byte within the block
            self._position += len(self.read(position - self._position))
        return self._position

    def read(self, n: int = -1) -> bytes:
        """Up to `n` plain bytes (all the rest if n < 0)."""
        n = self.size - self._position if n is None or n < 0 else min(n, self.size - self._position)
        parts = []
        while n > 0:
            if self._at >= len(self._pending):
                compressed = self._fh.read(self.CHUNK)
                if not compressed or self._inflater.eof:
                    break
                self._pending, self._at = self._inflater.decompress(compressed), 0
                continue
            part = self._pending[self._at: self._at + n]
            self._at += len(part)
            parts.append(part)
            n -= len(part)
            self._position += len(part)
        return b"".join(parts)

    def close(self) -> None:
        """Close the gzip."""
        self._fh.close()

    def __enter__(self) -> "PlainDump":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
