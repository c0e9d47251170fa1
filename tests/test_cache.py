"""The build cache: the values a build appends to the pack, its index in the build's folder, and
what the next build takes from them."""

from __future__ import annotations

import pickle

from kokemus_ld.build import cache as cache_module
from kokemus_ld.build.cache import INDEX_NAME, BuildCache, digest


def saved(tmp_path, entries: dict, stamp: str = "stamp", name: str = "first") -> BuildCache:
    """A build that computed `entries` (one section, "mapped") and saved them (its folder: tmp_path/name)."""
    first = BuildCache(None, stamp, tmp_path / "packs")
    for key, value in entries.items():
        first.put("mapped", key, value)
    (tmp_path / name).mkdir()
    first.save(tmp_path / name)
    return first


def pack_bytes(tmp_path) -> int:
    return sum(p.stat().st_size for p in (tmp_path / "packs").glob("values.*.pack"))


def test_the_next_build_gets_what_the_last_one_kept(tmp_path):
    saved(tmp_path, {"a": ["one", 1], "b": {"two": (2,)}})
    second = BuildCache(tmp_path / "first", "stamp", tmp_path / "packs")
    assert second.get("mapped", "a") == ["one", 1]
    assert second.get("mapped", "b") == {"two": (2,)}
    assert second.get("mapped", "c") is None
    assert (second.hits["mapped"], second.misses["mapped"]) == (2, 1)


def test_a_rebuild_appends_only_what_it_computed(tmp_path, monkeypatch):
    """A rebuild after one edit pickles and writes only the edited value, not every unchanged one again."""
    saved(tmp_path, {f"k{i}": [f"document {i}"] * 50 for i in range(100)})
    before = pack_bytes(tmp_path)
    second = BuildCache(tmp_path / "first", "stamp", tmp_path / "packs")
    for i in range(100):
        second.put("mapped", f"k{i}", second.get("mapped", f"k{i}"))  # looked up, then put back as is
    second.put("mapped", "k7", ["edited"])
    pickled = []
    real_dumps = pickle.dumps
    monkeypatch.setattr(cache_module.pickle, "dumps", lambda value, **kw: pickled.append(value) or real_dumps(value, **kw))
    (tmp_path / "second").mkdir()
    second.save(tmp_path / "second")
    assert pickled == [["edited"]]
    assert pack_bytes(tmp_path) == before + len(real_dumps(["edited"], protocol=pickle.HIGHEST_PROTOCOL))
    third = BuildCache(tmp_path / "second", "stamp", tmp_path / "packs")
    assert third.get("mapped", "k7") == ["edited"]
    assert third.get("mapped", "k8") == ["document 8"] * 50


def test_a_value_kept_unread_reaches_the_build_after_next(tmp_path):
    saved(tmp_path, {"chunk": b"<a> <b> <c> <g> .\n", "stale": b"gone"})
    second = BuildCache(tmp_path / "first", "stamp", tmp_path / "packs")
    assert second.keep("mapped", "chunk") and not second.keep("mapped", "missing")
    (tmp_path / "second").mkdir()
    second.save(tmp_path / "second")
    third = BuildCache(tmp_path / "second", "stamp", tmp_path / "packs")
    assert third.get("mapped", "chunk") == b"<a> <b> <c> <g> .\n"
    assert third.get("mapped", "stale") is None  # neither read nor kept: not carried forward


def test_garbage_is_dropped_when_the_pack_has_doubled(tmp_path, monkeypatch):
    monkeypatch.setattr(cache_module, "SLACK", 0)
    saved(tmp_path, {f"k{i}": f"value {i} " * 100 for i in range(10)})
    folder, packs_seen = tmp_path / "first", set()
    for build in range(40):  # every build edits one value: the old one becomes garbage
        cache = BuildCache(folder, "stamp", tmp_path / "packs")
        for i in range(10):
            cache.get("mapped", f"k{i}")
        cache.put("mapped", "k0", f"edit {build:02d} " * 100)
        folder = tmp_path / f"build{build}"
        folder.mkdir()
        cache.save(folder)
        live = sum(len(pickle.dumps(cache.new["mapped"][f"k{i}"], protocol=pickle.HIGHEST_PROTOCOL)) for i in range(10))
        assert pack_bytes(tmp_path) <= 2 * live + live // 5  # never much more than twice the live values
        (pack,) = (tmp_path / "packs").glob("values.*.pack")  # one pack: a compacted one is deleted
        packs_seen.add(pack.name)
    assert len(packs_seen) >= 2  # it was compacted
    last = BuildCache(folder, "stamp", tmp_path / "packs")
    assert [last.get("mapped", f"k{i}") for i in range(10)] == ["edit 39 " * 100] + [f"value {i} " * 100 for i in range(1, 10)]


def test_a_damaged_value_or_another_codes_cache_is_a_miss(tmp_path):
    saved(tmp_path, {"good": "kept", "bad": "lost"})
    index = tmp_path / "first" / INDEX_NAME
    stamp, pack, sections = pickle.loads(index.read_bytes())
    offset, length, _crc = sections["mapped"]["bad"]
    path = tmp_path / "packs" / pack
    data = bytearray(path.read_bytes())
    data[offset + length - 2] ^= 0xFF  # one flipped byte
    path.write_bytes(bytes(data))
    second = BuildCache(tmp_path / "first", "stamp", tmp_path / "packs")
    assert second.get("mapped", "good") == "kept"
    assert second.get("mapped", "bad") is None
    assert BuildCache(tmp_path / "first", "another fingerprint", tmp_path / "packs").get("mapped", "good") is None
    index.write_bytes(b"truncated")
    assert BuildCache(tmp_path / "first", "stamp", tmp_path / "packs").get("mapped", "good") is None


def test_a_key_names_its_parts_in_order():
    assert digest("a", "b") != digest("ab") != digest("b", "a")
    assert digest("a", b"b", 3) == digest("a", "b", "3")
