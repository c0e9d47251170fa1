"""The listing (`web/listing.py`): the in-memory index's filtering, counting and paging agree with
the plain definition (every chosen value, the search text, the stable order); rows kept per build
give the same page as rows rendered afresh, and a new build renders them again."""

from __future__ import annotations

import random
import time
from pathlib import Path

import pytest

from kokemus_ld.build.dataset import build
from kokemus_ld.config import Settings
from kokemus_ld.store.embedded import RELOAD_CHECK_SECONDS, EmbeddedStore
from kokemus_ld.web import listing as listing_module
from kokemus_ld.web.app import create_app
from kokemus_ld.web.listing import DirectoryIndex, ListingState, RowCache, _mask, directory_index, warm

from conftest import copy_sources
from htmltree import parse


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
    made = []
    s.cached(("listing-search", "nuor"), lambda: made.append(1))
    assert made == []  # the search's activities are kept for the build: the next facet or page reuses them


def test_warm_makes_the_index_and_rows_before_any_request_and_tolerates_no_build(built, tmp_path, monkeypatch):
    app = create_app(built, EmbeddedStore(built))
    s = app.extensions["kokemus"]
    warm(app)
    made = []
    for key in [("directory-index",)] + [("listing-facet-values", lang) for lang in ("fi", "sv", "en")]:
        s.cached(key, lambda key=key: made.append(key))
    assert made == []  # already there: no visitor pays for them
    asked = _summarised(monkeypatch)
    assert app.test_client().get("/hakemisto").data.count(b'<li class="card">') == 7
    assert asked == []  # every Finnish row was rendered by warm
    empty = Settings(base_iri=built.base_iri, publish_dir=str(tmp_path / "nothing"))
    warm(create_app(empty, EmbeddedStore(empty)))  # no build published: no error


# -- rows kept per build: the page is the same whether its rows are kept or rendered afresh ----

LISTED = ["/hakemisto?palvelu=palvelu-vertaisvastaanotto", "/hakemisto?palvelu=palvelu-vertaisvastaanotto&lang=sv",
          "/hakemisto?q=nuor&lang=en", "/hakemisto?kohderyhma=kr-omaiset"]


def _fresh(app):
    """A new app (empty caches) over the same settings and store as `app`."""
    s = app.extensions["kokemus"]
    fresh = create_app(s.settings, s.store)
    fresh.config["TESTING"] = True
    return fresh


def _summarised(monkeypatch) -> list[str]:
    """The activities whose summaries are asked of the store from now on."""
    asked: list[str] = []
    original = listing_module.summaries

    def recording(s, activities, *args):
        asked.extend(activities)
        return original(s, activities, *args)

    monkeypatch.setattr(listing_module, "summaries", recording)
    return asked


@pytest.mark.parametrize("path", LISTED)
def test_a_listing_is_the_same_with_its_rows_kept_or_rendered_afresh(app, monkeypatch, path):
    cold = _fresh(app).test_client().get(path)
    assert cold.status_code == 200
    lang = path.partition("lang=")[2] or "fi"
    warm_app = _fresh(app)
    warm = warm_app.test_client()
    everything = warm.get("/hakemisto" + (f"?lang={lang}" if lang != "fi" else ""))  # every row, in this language
    assert everything.data.count(b'<li class="card">') == 7
    asked = _summarised(monkeypatch)
    again = warm.get(path)
    assert asked == []  # every row came from the kept HTML: no summary asked of the store
    assert again.data == cold.data
    cards = parse(again.get_data(as_text=True)).find_all("li", class_="card")
    names = [card.find("h3").find("a") for card in cards]
    assert names and all(a.get("href").startswith("/id/activity/") for a in names)
    if lang != "fi":  # a row kept in another language is not reused: its links keep this language
        assert all(a.get("href").endswith(f"?lang={lang}") for card in cards for a in card.find_all("a"))
    if "vertaisvastaanotto" in path:
        assert sorted(a.text for a in names) == ["Feeniks-työ", "Kokemuskumppanit", "Kuule minua -hanke",
                                                 "Veturointi-toiminta"]


def test_rows_missing_from_the_kept_html_are_the_only_ones_summarised(embedded_app, monkeypatch):
    client = _fresh(embedded_app).test_client()
    asked = _summarised(monkeypatch)
    client.get("/hakemisto?palvelu=palvelu-vertaisvastaanotto")
    assert len(asked) == 4
    asked.clear()
    client.get("/hakemisto")
    assert len(asked) == 3  # the four already shown are kept


def test_row_cache_keeps_the_most_recently_shown_rows():
    kept = RowCache(2)
    kept.put(("fi", "a"), ("A", b"<li>a</li>"))
    kept.put(("fi", "b"), ("B", b"<li>b</li>"))
    assert kept.get(("fi", "a")) == ("A", b"<li>a</li>")  # a is now the most recent
    kept.put(("sv", "a"), ("A", b"<li>a sv</li>"))
    assert kept.get(("fi", "b")) is None and kept.get(("fi", "a")) and kept.get(("sv", "a"))


def test_a_rows_html_changes_when_the_build_changes(tmp_path):
    settings = copy_sources(tmp_path)
    build(settings)
    client = create_app(settings, EmbeddedStore(settings)).test_client()

    def finfami_card() -> str:
        cards = parse(client.get("/hakemisto").get_data(as_text=True)).find_all("li", class_="card")
        return next(card.text for card in cards
                    if card.find("h3").find("a").get("href") == "/id/activity/finfami-kokemustoiminta")

    before = finfami_card()
    assert "Vertaisomaisia sekä kokemusasiantuntijoita." in before
    entry = Path(settings.data_dir) / "activities" / "finfami.yaml"
    text = entry.read_text(encoding="utf-8")
    entry.write_text(text.replace("Vertaisomaisia sekä kokemusasiantuntijoita.",
                                  "Vertaisomaisia sekä koulutettuja kokemusasiantuntijoita.", 1), encoding="utf-8")
    build(settings)
    time.sleep(RELOAD_CHECK_SECONDS + 0.1)  # the store looks at `current` once a second
    after = finfami_card()
    assert "Vertaisomaisia sekä koulutettuja kokemusasiantuntijoita." in after
    assert "Vertaisomaisia sekä kokemusasiantuntijoita." not in after
