"""The build cache: what a build keeps in its folder, and what the next build takes from it."""

from __future__ import annotations

import pickle

from kokemus_ld.build import cache as cache_module
from kokemus_ld.build.cache import CACHE_PREFIX, BuildCache, digest


def saved(folder, entries: dict, stamp: str = "stamp") -> None:
    """A build that computed `entries` (one section, "mapped") and left them in `folder`."""
    first = BuildCache(None, stamp)
    for key, value in entries.items():
        first.put("mapped", key, value)
    first.save(folder)


def test_the_next_build_gets_what_the_last_one_kept(tmp_path):
    saved(tmp_path, {"a": ["one", 1], "b": {"two": (2,)}})
    second = BuildCache(tmp_path, "stamp")
    assert second.get("mapped", "a") == ["one", 1]
    assert second.get("mapped", "b") == {"two": (2,)}
    assert second.get("mapped", "c") is None
    assert (second.hits["mapped"], second.misses["mapped"]) == (2, 1)


def test_reused_values_are_written_again_as_the_same_bytes(tmp_path, monkeypatch):
    """A rebuild after one edit pickles only what it computed, not every unchanged document again."""
    saved(tmp_path, {f"k{i}": [f"document {i}"] * 50 for i in range(100)})
    second = BuildCache(tmp_path, "stamp")
    for i in range(100):
        second.put("mapped", f"k{i}", second.get("mapped", f"k{i}"))  # looked up, then put back as is
    second.put("mapped", "k7", ["edited"])
    pickled = []
    real_dumps = pickle.dumps
    monkeypatch.setattr(cache_module.pickle, "dumps", lambda value, **kw: pickled.append(value) or real_dumps(value, **kw))
    out = tmp_path / "next"
    out.mkdir()
    second.save(out)
    assert pickled == [["edited"]]
    third = BuildCache(out, "stamp")
    assert third.get("mapped", "k7") == ["edited"]
    assert third.get("mapped", "k8") == ["document 8"] * 50


def test_a_damaged_entry_or_another_codes_cache_is_a_miss(tmp_path):
    saved(tmp_path, {"good": "kept", "bad": "lost"})
    path = tmp_path / f"{CACHE_PREFIX}mapped.pickle"
    stamp, entries = pickle.loads(path.read_bytes())
    entries["bad"] = b"not a pickle"
    path.write_bytes(pickle.dumps((stamp, entries)))
    second = BuildCache(tmp_path, "stamp")
    assert second.get("mapped", "good") == "kept"
    assert second.get("mapped", "bad") is None
    assert BuildCache(tmp_path, "another fingerprint").get("mapped", "good") is None
    path.write_bytes(b"truncated")
    assert BuildCache(tmp_path, "stamp").get("mapped", "good") is None


def test_a_key_names_its_parts_in_order():
    assert digest("a", "b") != digest("ab") != digest("b", "a")
    assert digest("a", b"b", 3) == digest("a", "b", "3")
