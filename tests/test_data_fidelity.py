"""The data says what the source page says, in its own words.

The seed page is parsed independently of the YAML, and each of its "Palvelut" and
"Kokemustoimijoiden saama tuki" bullets, each "Toiminta" and "Koulutus" paragraph and
each "Vastaava järjestö" heading must come back verbatim from the built dataset.
"""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest

from kokemus_ld.config import ROOT
from kokemus_ld.store.embedded import EmbeddedStore
from kokemus_ld.vocab import vocab

SEED = Path(ROOT).parent / "shared" / "seed" / "000_023b63b2d3e9db96.txt"
SECTIONS = ("Toiminta", "Palvelut", "Koulutus", "Kokemustoimijoiden saama tuki")
ENTRY_START = "• Vastaava järjestö"
AFTER_ENTRIES = "Eettiset ohjeet kokemustoimijoiden kanssa työskentelyyn"


def _norm(text: str) -> str:
    return unicodedata.normalize("NFC", " ".join(text.split()))


def parse_seed(text: str) -> list[dict]:
    """The directory entries of the page: heading, and per section its paragraphs or bullets."""
    body = text.split(AFTER_ENTRIES)[0]
    entries = []
    for chunk in body.split(ENTRY_START)[1:]:
        lines = [line.strip() for line in chunk.splitlines() if line.strip()]
        entry: dict = {"heading": lines[0], **{s: [] for s in SECTIONS}}
        section = None
        for line in lines[1:]:
            if line in SECTIONS:
                section = line
            elif section is not None:
                entry[section].append(_norm(line.removeprefix("•")))
        entries.append(entry)
    return entries


@pytest.fixture(scope="module")
def seed() -> list[dict]:
    """The seven entries of the source page."""
    if not SEED.exists():
        pytest.skip(f"the seed page is not at {SEED} (it lives beside the checkout, in ../shared/seed)")
    entries = parse_seed(SEED.read_text(encoding="utf-8"))
    assert len(entries) == 7
    return entries


@pytest.fixture(scope="module")
def texts(built):
    """Every value of a predicate in the built data, normalised for whitespace, by predicate name."""
    store = EmbeddedStore(built)
    v = vocab(built.base_iri)

    def values(predicate: str, subject_type: str) -> list[str]:
        result = store.query(f"SELECT ?o WHERE {{ ?s a <{subject_type}> ; <{predicate}> ?o }}")
        return [_norm(row[0].value) for row in result.rows]

    dct = "http://purl.org/dc/terms/"
    return {
        "offering": values(v.KT.sourceText, v.KT.ServiceOffering),
        "support": values(v.KT.sourceText, v.KT.SupportArrangement),
        "activity": values(dct + "description", v.KT.Activity),
        "training": values(dct + "description", v.KT.Training),
        "heading": values(v.KT.sourceHeading, v.KT.Activity),
    }


def test_seed_parses_into_its_entries(seed):
    assert seed[0]["heading"] == "Auta Lasta ry:n Veturointi-toiminta."
    assert seed[0]["Palvelut"][0] == "Vertaisvastaanotto tai vertaiskeskustelu"
    assert sum(len(e["Palvelut"]) for e in seed) == 27
    assert sum(len(e["Kokemustoimijoiden saama tuki"]) for e in seed) == 18


def test_every_service_bullet_is_a_source_text_of_an_offering(seed, texts):
    for entry in seed:
        for bullet in entry["Palvelut"]:
            assert bullet in texts["offering"], f"{entry['heading']}: missing service bullet {bullet!r}"
    assert len(texts["offering"]) == sum(len(e["Palvelut"]) for e in seed)


def test_every_support_bullet_is_a_source_text_of_a_support_arrangement(seed, texts):
    for entry in seed:
        for bullet in entry["Kokemustoimijoiden saama tuki"]:
            assert bullet in texts["support"], f"{entry['heading']}: missing support bullet {bullet!r}"
    assert len(texts["support"]) == sum(len(e["Kokemustoimijoiden saama tuki"]) for e in seed)


def test_every_activity_paragraph_is_an_activity_description(seed, texts):
    for entry in seed:
        (paragraph,) = entry["Toiminta"]
        assert paragraph in texts["activity"], f"{entry['heading']}: description differs from the page"


def test_every_training_paragraph_is_a_training_description(seed, texts):
    for entry in seed:
        (paragraph,) = entry["Koulutus"]
        assert paragraph in texts["training"], f"{entry['heading']}: training text differs from the page"


def test_every_heading_is_kept_verbatim(seed, texts):
    assert sorted(texts["heading"]) == sorted(_norm(e["heading"]) for e in seed)
