"""The dumps' machinery: blocks serialized as each document alone would be, the gzip's CRC put
together from its blocks', and a plain dump read from its gzip at any byte."""

from __future__ import annotations

import json
import os
import random
import zlib
from pathlib import Path

import pyoxigraph as ox
import pytest

from conftest import read_dump
from kokemus_ld.build.dumps import DUMPS, PlainDump, _serialized, _turtle_of_trig, crc32_combine
from kokemus_ld.vocab import vocab


@pytest.fixture(scope="module")
def documents(built) -> list[tuple[str, bytes]]:
    """The real data's documents as the build chunks them: (IRI, its N-Quads lines), in dump order."""
    out: list[tuple[str, list]] = []
    for line in read_dump(built.current_dir, "kokemus.nq").splitlines(keepends=True):
        graph = line.rsplit(b" ", 2)[-2].decode()[1:-1]
        if not out or out[-1][0] != graph:
            out.append((graph, []))
        out[-1][1].append(line)
    return [(iri, b"".join(lines)) for iri, lines in out]


def alone(ext: str, iri: str, chunk: bytes, prefixes: dict, first: bool) -> bytes:
    """One document serialized on its own by pyoxigraph, without prefixes (what a block must equal)."""
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


@pytest.mark.parametrize("size", [1, 7, 64])
def test_a_block_is_its_documents_serialized_each_alone(built, documents, size):
    """In every format, Turtle included (read off the TriG), whatever formats are made together."""
    prefixes = vocab(built.base_iri).prefixes
    exts = tuple(ext for _name, _fmt, ext in DUMPS)
    for start in range(0, len(documents), size):
        block = documents[start:start + size]
        together = _serialized(exts, block, prefixes, start == 0)
        for ext in exts:
            expected = b"".join(alone(ext, iri, chunk, prefixes, start == 0 and i == 0) for i, (iri, chunk) in enumerate(block))
            assert together[ext] == expected, (ext, start)
            assert _serialized((ext,), block, prefixes, start == 0)[ext] == expected, (ext, start)


def test_turtle_is_serialized_when_the_trig_is_not_of_the_known_shape():
    assert _turtle_of_trig(b"<g> {\n\t<s> <p> <o> .\n}\n") == b"<s> <p> <o> .\n"
    assert _turtle_of_trig(b"<s> <p> <o> .\n") is None  # a default-graph statement
    assert _turtle_of_trig(b"<g> {\n\t<s> <p> \"\"\"two\nlines\"\"\" .\n}\n") is None


def test_the_crc_of_blocks_put_together_is_the_crc_of_their_bytes():
    rng = random.Random(7)
    for _ in range(100):
        a, b = rng.randbytes(rng.randint(0, 3000)), rng.randbytes(rng.choice([0, 1, 17, 4096, 300_000]))
        assert crc32_combine(zlib.crc32(a), zlib.crc32(b), len(b)) == zlib.crc32(a + b)


@pytest.mark.parametrize("ext", ["nq", "ttl", "jsonld"])
def test_a_plain_dump_reads_from_its_gzip_at_any_byte(built, ext):
    folder = Path(built.current_dir).resolve()
    entry = json.loads((folder / "meta.json").read_text())["dumps"][f"kokemus.{ext}"]
    whole = read_dump(folder, f"kokemus.{ext}")
    assert entry["bytes"] == len(whole)
    rng = random.Random(ext)
    with PlainDump(folder / f"kokemus.{ext}.gz", entry["bytes"], entry["starts"]) as plain:
        assert plain.read() == whole and plain.read() == b""
        for _ in range(50):
            start, length = rng.randrange(len(whole)), rng.choice([1, 100, 70_000])
            assert plain.seek(start) == start
            assert plain.read(length) == whole[start:start + length]
        assert plain.seek(-10, os.SEEK_END) == len(whole) - 10 and plain.read() == whole[-10:]
