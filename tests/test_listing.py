"""The listing's in-memory index (`web/listing.py`): bitmask filtering, counting and paging
agree with the plain definition (every chosen value, the search text, the stable order)."""

from __future__ import annotations

import random

from kokemus_ld.config import Settings
from kokemus_ld.store.embedded import EmbeddedStore
from kokemus_ld.web.app import create_app
from kokemus_ld.web.listing import DirectoryIndex, ListingState, _mask, directory_index, warm


def _index(n: int, seed: int = 7):
    rng = random.Random(seed)
    order = [f"https://example.org/id/a{i:05d}" for i in range(n)]
    having = {f"v{k}": {a for a in order if rng.random() < 0.3} for k in range(6)}
    position = {a: i for i, a in enumerate(order)}
    masks = {"p": {v: _mask((position[a] for a in has), n) for v, has in having.items()}}
    texts = [rng.choice(["nuoret ja perhe", "aikuiset", "perheet", ""]) for _ in order]
    return DirectoryIndex(order, masks, texts), having, texts


def test_filtering_counting_and_paging_agree_with_the_plain_definition():
    index, having, _texts = _index(1234)
    mask = index.masks["p"]["v1"] & index.masks["p"]["v4"]
    expected = [a for a in index.order if a in having["v1"] and a in having["v4"]]
    assert expected and mask.bit_count() == len(expected)
    assert index.activities(mask) == expected
    assert index.activities(mask, 10, 20) == expected[10:20]
    assert index.activities(mask, len(expected), len(expected) + 50) == []
    assert {v: (m & mask).bit_count() for v, m in index.masks["p"].items()}["v1"] == len(expected)


def test_empty_sets_and_an_empty_directory():
    index, _having, _texts = _index(0)
    assert _mask([], 0) == 0
    assert index.activities(0) == []


def test_the_search_text_narrows_within_the_chosen_values(built):
    app = create_app(built, EmbeddedStore(built))
    s = app.extensions["kokemus"]
    index = directory_index(s)
    everyone = index.chosen(s, ListingState())
    assert index.activities(everyone) == index.order and everyone.bit_count() == len(index.order) == 7
    found = index.activities(index.chosen(s, ListingState(q="NUOR")))  # case-insensitive substring
    assert found and set(found) < set(index.order)
    assert all("nuor" in index.texts[index.order.index(a)] for a in found)


def test_warm_makes_the_index_before_any_request_and_tolerates_no_build(built, tmp_path):
    app = create_app(built, EmbeddedStore(built))
    s = app.extensions["kokemus"]
    warm(s)
    made = []
    s.cached(("directory-index",), lambda: made.append(1))
    assert made == []  # already there: no visitor pays for it
    empty = Settings(base_iri=built.base_iri, publish_dir=str(tmp_path / "nothing"))
    warm(create_app(empty, EmbeddedStore(empty)).extensions["kokemus"])  # no build published: no error
