"""Reading the editors' YAML: safe, line-located, checked against the schema of each file kind."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import copy_sources
from kokemus_ld.build.dataset import load_vocabulary
from kokemus_ld.build.entries import LList, LMap, parse_yaml, read_data
from kokemus_ld.build.problems import DataError


@pytest.fixture(scope="module")
def concepts() -> dict[str, str]:
    """Concept id -> scheme id, from the real vocabulary."""
    from kokemus_ld.config import Settings

    return load_vocabulary(Settings()).concepts


def problems_of(text: str) -> list[str]:
    """The problems parse_yaml reports for one text, as printed."""
    with pytest.raises(DataError) as caught:
        parse_yaml(text, "data/x.yaml")
    return [str(p) for p in caught.value.problems]


def test_every_value_remembers_its_line():
    value = parse_yaml("# kommentti\nid: x\nservices:\n  - text: a\n    concepts: [b, c]\n", "data/x.yaml")
    assert isinstance(value, LMap) and value.line == 2
    assert value.key_lines == {"id": 2, "services": 3}
    assert isinstance(value["services"], LList) and value["services"].item_lines == [4]
    assert value["services"][0].key_lines == {"text": 4, "concepts": 5}


@pytest.mark.parametrize("text, expected", [
    # (what an editor or an attacker wrote, the one line the loader answers with)
    ("a: &x [1]\nb: *x\n",
     "data/x.yaml:2: (yaml): YAML-viittauksia (&ankkuri / *alias) ei sallita / "
     "YAML anchors and aliases (&anchor / *alias) are not allowed"),
    ("a: 1\nb:\n  <<: {c: 1}\n",
     "data/x.yaml:3: (yaml): tunniste !!merge ei ole sallittu; kirjoita arvo tavallisena tekstinä / "
     "tag !!merge is not allowed; write the value as plain text"),
    ("a: !!python/object/apply:os.system ['true']\n",
     "data/x.yaml:1: (yaml): tunniste !!python/object/apply:os.system ei ole sallittu; kirjoita arvo "
     "tavallisena tekstinä / tag !!python/object/apply:os.system is not allowed; write the value as plain text"),
    ("a: !!binary aGVsbG8=\n",
     "data/x.yaml:1: (yaml): tunniste !!binary ei ole sallittu; kirjoita arvo tavallisena tekstinä / "
     "tag !!binary is not allowed; write the value as plain text"),
    ("a: 1\na: 2\n",
     "data/x.yaml:2: (yaml): avain 'a' toistuu (ensin rivillä 1) / key 'a' appears twice (first on line 1)"),
    ("a: 1\n1: 2\n", "data/x.yaml:2: (yaml): avaimen pitää olla tekstiä / a key must be text"),
    ("a: 1\n---\na: 2\n",
     "data/x.yaml:2: (yaml): YAML-syntaksivirhe: tiedostossa saa olla vain yksi dokumentti (poista '---'); "
     "tarkista sisennys ja lainausmerkit / YAML syntax error: but found another document; "
     "check the indentation and quotes"),
    ('a: "x\nb: 1\nc: "y"\nd: [\n',
     "data/x.yaml:1: (yaml): YAML-syntaksivirhe: tiedosto loppui kesken: lainausmerkki tai sulku jäi sulkematta; "
     "tarkista sisennys ja lainausmerkit / YAML syntax error: found unexpected end of stream; "
     "check the indentation and quotes"),
])
def test_loading_refuses_what_is_not_plain_data(text, expected):
    assert problems_of(text) == [expected]


def write(folder: Path, rel: str, text: str) -> None:
    path = folder / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def test_texts_are_normalised_to_nfc(tmp_path, concepts):
    settings = copy_sources(tmp_path)
    path = Path(settings.data_dir) / "organisations" / "ehja.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("Ehjä ry", "Ehja\u0308 ry"), encoding="utf-8")
    files = read_data(Path(settings.data_dir), concepts)
    (ehja,) = [f for f in files if f.name == "data/organisations/ehja.yaml"]
    assert ehja.value["name"] == "Ehjä ry"
    assert ehja.value.key_lines["name"] == 3


def test_cross_file_references_are_checked_with_suggestions(tmp_path, concepts):
    settings = copy_sources(tmp_path)
    path = Path(settings.data_dir) / "activities" / "feeniks.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("organisation: mieli-lounais-suomi", "organisation: mieli-lounais"), encoding="utf-8")
    with pytest.raises(DataError) as caught:
        read_data(Path(settings.data_dir), concepts)
    assert [str(p) for p in caught.value.problems if p.severity == "violation"] == [
        "data/activities/feeniks.yaml:3: organisation: järjestöä 'mieli-lounais' ei ole kansiossa organisations/; "
        "tarkoititko 'mieli-lounais-suomi'? / no organisation 'mieli-lounais' in organisations/; "
        "did you mean 'mieli-lounais-suomi'?"]


def test_unit_must_belong_to_the_organisation(tmp_path, concepts):
    settings = copy_sources(tmp_path)
    path = Path(settings.data_dir) / "activities" / "feeniks.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("unit: turun-kriisikeskus", "unit: oulun-kriisikeskus"),
                    encoding="utf-8")
    with pytest.raises(DataError) as caught:
        read_data(Path(settings.data_dir), concepts)
    assert [str(p) for p in caught.value.problems] == [
        "data/activities/feeniks.yaml:4: unit: järjestöllä 'mieli-lounais-suomi' ei ole yksikköä 'oulun-kriisikeskus' "
        "/ organisation 'mieli-lounais-suomi' has no unit 'oulun-kriisikeskus'"]


@pytest.mark.parametrize("change, expected", [
    # (a value of the wrong kind in Kuule minua's entry, the exact problem)
    (("id: kuule-minua", "id: Kuule Minua"),
     "id: arvon pitää olla tunniste (pienet kirjaimet a–z, numerot ja -), nyt 'Kuule Minua' / "
     "the value must be an id (lowercase a-z, digits and -), got 'Kuule Minua'"),
    (("    max_age: 29", "    max_age: -29"),
     "target_groups[1].max_age: luku ei voi olla negatiivinen / the number cannot be negative"),
    (("    max_age: 29", "    max_age: true"),
     "target_groups[1].max_age: arvon pitää olla kokonaisluku, nyt true / the value must be a whole number, got true"),
    (('name: "Kuule minua -hanke"', 'name: "  "'),
     "name: teksti on tyhjä / the text is empty"),
    (("areas: [alue-maakunta-02]", "areas: alue-maakunta-02"),
     "areas: arvon pitää olla lista (- alkuiset rivit), nyt 'alue-maakunta-02' / "
     "the value must be a list (lines starting with -), got 'alue-maakunta-02'"),
    (("      - {count: 1, per: week,", "      - {count: 1, per: fortnight,"),
     "support[1].schedules[1].per: arvon pitää olla day, week, month tai year, nyt 'fortnight' / "
     "the value must be day, week, month or year, got 'fortnight'"),
])
def test_each_field_is_checked_against_its_kind(tmp_path, concepts, change, expected):
    settings = copy_sources(tmp_path)
    path = Path(settings.data_dir) / "activities" / "kuule-minua.yaml"
    text = path.read_text(encoding="utf-8")
    assert change[0] in text
    path.write_text(text.replace(change[0], change[1], 1), encoding="utf-8")
    line = next(n for n, t in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if change[1] in t)
    with pytest.raises(DataError) as caught:
        read_data(Path(settings.data_dir), concepts)
    assert [str(p) for p in caught.value.problems] == [f"data/activities/kuule-minua.yaml:{line}: {expected}"]


def test_files_outside_the_known_places_are_named(tmp_path, concepts):
    settings = copy_sources(tmp_path)
    write(Path(settings.data_dir), "muut/ohje.yaml", "id: x\n")
    write(Path(settings.data_dir), "LUEMINUT.md", "ohje\n")
    with pytest.raises(DataError) as caught:
        read_data(Path(settings.data_dir), concepts)
    assert [str(p) for p in caught.value.problems] == [
        "data/LUEMINUT.md:1: (file): [warning] tiedosto ei ole YAML-tiedosto (.yaml) / the file is not a YAML file (.yaml)",
        "data/muut/ohje.yaml:1: (file): tuntematon tiedosto: merkinnät kuuluvat kansioihin activities/ ja "
        "organisations/ / unknown file: entries belong in activities/ and organisations/",
    ]


def test_a_huge_file_is_refused_before_parsing(tmp_path, concepts):
    settings = copy_sources(tmp_path)
    write(Path(settings.data_dir), "activities/iso.yaml", "id: x\n" + "# " + "x" * 1_100_000 + "\n")
    with pytest.raises(DataError) as caught:
        read_data(Path(settings.data_dir), concepts)
    assert [str(p) for p in caught.value.problems] == [
        "data/activities/iso.yaml:1: (file): tiedosto on liian suuri (yli 1 Mt) / the file is too large (over 1 MB)"]


def test_warnings_are_kept_for_the_report(tmp_path, concepts):
    settings = copy_sources(tmp_path)
    write(Path(settings.data_dir), "muistiinpanot.txt", "x\n")
    files = read_data(Path(settings.data_dir), concepts)
    assert len(files) == 19
    assert [str(p) for p in files.warnings] == [
        "data/muistiinpanot.txt:1: (file): [warning] tiedosto ei ole YAML-tiedosto (.yaml) / "
        "the file is not a YAML file (.yaml)"]
