"""Reading the editors' YAML: safe, line-located, checked against the schema of each file kind."""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest
from hypothesis import example, given, settings, strategies as st

from conftest import copy_sources
from kokemus_ld.build import entries
from kokemus_ld.build.dataset import load_vocabulary
from kokemus_ld.build.cache import BuildCache
from kokemus_ld.build.entries import LList, LMap, parse_yaml, read_data
from kokemus_ld.build.problems import DataError
from kokemus_ld.config import ROOT


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


def test_every_value_remembers_its_line(loader):
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
    ("a: 1\nb: !!map [1]\n",  # a tag that contradicts the shape (PyYAML's own constructor crashed here)
     "data/x.yaml:2: (yaml): YAML-syntaksivirhe: expected a mapping node, but found sequence; tarkista sisennys "
     "ja lainausmerkit / YAML syntax error: expected a mapping node, but found sequence; check the indentation "
     "and quotes"),
    ("alkaen: 2024-13-45\n",  # looks like a date, is none (PyYAML raised ValueError)
     "data/x.yaml:1: (yaml): YAML-syntaksivirhe: arvoa ei voi lukea luvuksi tai päivämääräksi; laita teksti "
     "lainausmerkkeihin (\"...\"); tarkista sisennys ja lainausmerkit / YAML syntax error: cannot read "
     "'2024-13-45' as timestamp; check the indentation and quotes"),
    ("nimi: Ehjä ry\t\n",  # libyaml would take a tab after a value; the editors keep being told
     "data/x.yaml:1: (yaml): YAML-syntaksivirhe: sarkainmerkki (tab); sisennä välilyönneillä; tarkista sisennys ja "
     "lainausmerkit / YAML syntax error: found character '\\t' that cannot start any token; check the indentation "
     "and quotes"),
    ("a: " + "[" * 3000,  # deeper than Python's recursion limit (PyYAML raised RecursionError)
     "data/x.yaml:1: (yaml): YAML-rakenne on liian syvä / the YAML is nested too deeply"),
])
def test_loading_refuses_what_is_not_plain_data(loader, text, expected):
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


# -- the two loaders: libyaml (fast) and PyYAML's Python one (the reference for messages) ------

def shape(value):
    """A value with every line it remembers, comparable with ==."""
    if isinstance(value, dict):
        return ("map", getattr(value, "line", None), dict(getattr(value, "key_lines", {})),
                [(key, shape(item)) for key, item in value.items()])
    if isinstance(value, list):
        return ("seq", getattr(value, "line", None), list(getattr(value, "item_lines", [])),
                [shape(item) for item in value])
    return (type(value).__name__, value)


def outcome(text: str):
    """What parse_yaml answers for one text: the value with its lines, or the problems as printed."""
    try:
        return shape(parse_yaml(text, "data/x.yaml"))
    except DataError as exc:
        return [str(p) for p in exc.problems]


@pytest.fixture(params=["libyaml", "python"])
def loader(request, monkeypatch):
    """Each loading test runs with libyaml and again as if PyYAML had been built without it."""
    assert entries._FastLoader is not None, "PyYAML is expected to come with libyaml"
    if request.param == "python":
        monkeypatch.setattr(entries, "_FastLoader", None)
    return request.param


# Texts built from YAML's own tokens and the editors' habits; hypothesis explores the same
# examples on every run (derandomize), so a finding is a regression, not a flaky run.
TOKENS = st.sampled_from(list("abc-:#&*!|>'\"[]{},?%@` \t\n0123456789.\\~<") + [
    "\ufeff", "ä", "a\u0308", "\x85", "\u2028", "!!str ", "!!map ", "!!int ", "<<: ", "\n  ", "\n- ", "key: ",
    "---\n", "...\n", '"\\u0308"', "2001-01-01", "yes", "null", "0x1F", "1_000", ".inf", "Miksi? ", "Huom! "])
REAL_TEXTS = [p.read_text(encoding="utf-8") for p in sorted((ROOT / "data").rglob("*.yaml"))]


@st.composite
def yaml_texts(draw) -> str:
    """A random text of YAML tokens, or a real data file with a few of them spliced in."""
    tokens = st.lists(TOKENS, max_size=60).map("".join)
    if draw(st.booleans()):
        return draw(tokens)
    text = draw(st.sampled_from(REAL_TEXTS))
    at = draw(st.integers(0, len(text)))
    return text[:at] + draw(tokens) + text[at + draw(st.integers(0, 20)):]


@settings(max_examples=300, deadline=None, derandomize=True)
@given(text=yaml_texts())
@example(text="a: ! 5\n")  # the two readings that differ: PyYAML reads the number 5 ...
@example(text="\ufeff\ufeffa: 1\n")  # ... and the key '\ufeffa'; both stay with the Python loader
def test_libyaml_reads_every_text_as_pyyaml_does(text):
    """Where libyaml is asked first (most texts), what it reads equals the Python loader's reading.

    libyaml accepts a few texts PyYAML refuses (`|#`, `?` inside a flow mapping's plain text);
    those are read as libyaml reads them, so only texts both accept are compared.
    """
    if not entries._read_alike(text):
        return
    try:
        fast = shape(entries._load(text, entries._FastLoader))
    except entries._FAST_FAILURES:
        return  # parse_yaml asks the Python loader: the loading tests above run both
    slow = outcome(text) if entries._FastLoader is None else _python_outcome(text)
    if isinstance(slow, tuple):
        assert fast == slow


def _python_outcome(text: str):
    fast, entries._FastLoader = entries._FastLoader, None
    try:
        return outcome(text)
    finally:
        entries._FastLoader = fast


# -- the per-file cache: a hit is what a fresh read gives, without parsing ---------------------

def summary(files) -> list:
    """What read_data returned, with every line, comparable with ==."""
    return [(f.name, f.kind, shape(f.value)) for f in files] + [str(p) for p in files.warnings]


def failure(folder: Path, concepts, **kw) -> list[str]:
    """The problems read_data refuses a folder with, as printed."""
    with pytest.raises(DataError) as caught:
        read_data(folder, concepts, **kw)
    return [str(p) for p in caught.value.problems]


@pytest.fixture
def parses(monkeypatch) -> list[str]:
    """The names of the files parsed from now on."""
    seen: list[str] = []
    parse = entries.parse_yaml

    def counting(text, file):
        seen.append(file)
        return parse(text, file)

    monkeypatch.setattr(entries, "parse_yaml", counting)
    return seen


def test_a_cache_hit_is_what_a_fresh_read_gives(tmp_path, concepts, parses):
    folder = Path(copy_sources(tmp_path).data_dir)
    write(folder, "muistiinpanot.txt", "x\n")  # a warning, reported on every read
    fresh = summary(read_data(folder, concepts))
    cache: dict = {}
    assert summary(read_data(folder, concepts, cache=cache)) == fresh
    assert len(cache) == 19
    parses.clear()
    stored = pickle.loads(pickle.dumps(cache))  # the build keeps it on disk between builds
    assert summary(read_data(folder, concepts, cache=stored)) == fresh
    assert parses == []


def test_a_cached_file_with_a_mistake_is_refused_again(tmp_path, concepts, parses):
    folder = Path(copy_sources(tmp_path).data_dir)
    path = folder / "activities" / "kuule-minua.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("    max_age: 29", "    max_age: -29", 1), encoding="utf-8")
    line = next(n for n, t in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if "max_age: -29" in t)
    fresh = failure(folder, concepts)
    assert fresh == [f"data/activities/kuule-minua.yaml:{line}: target_groups[1].max_age: "
                     "luku ei voi olla negatiivinen / the number cannot be negative"]
    cache: dict = {}
    assert failure(folder, concepts, cache=cache) == fresh
    parses.clear()
    assert failure(folder, concepts, cache=cache) == fresh
    assert parses == []


def test_an_edited_file_misses_and_only_it_is_parsed(tmp_path, concepts, parses):
    folder = Path(copy_sources(tmp_path).data_dir)
    cache: dict = {}
    read_data(folder, concepts, cache=cache)
    path = folder / "organisations" / "ehja.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("Ehjä ry", "Ehjä ry (muokattu)"), encoding="utf-8")
    parses.clear()
    files = read_data(folder, concepts, cache=cache)
    assert parses == ["data/organisations/ehja.yaml"]
    (ehja,) = [f for f in files if f.name == "data/organisations/ehja.yaml"]
    assert ehja.value["name"] == "Ehjä ry (muokattu)"


def test_the_build_cache_keeps_only_the_files_just_read(tmp_path, concepts, parses):
    """The next build's cache holds this build's files, not the old version of an edited one."""
    folder = Path(copy_sources(tmp_path).data_dir)
    first = BuildCache(None, "stamp", tmp_path / "packs")
    read_data(folder, concepts, cache=first.reuse("parsed"))
    path = folder / "organisations" / "ehja.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("Ehjä ry", "Ehjä ry (muokattu)"), encoding="utf-8")
    first.save(tmp_path)  # as the first build leaves it in its folder
    second = BuildCache(tmp_path, "stamp", tmp_path / "packs")
    parses.clear()
    read_data(folder, concepts, cache=second.reuse("parsed"))
    assert parses == ["data/organisations/ehja.yaml"]
    assert len(second.new["parsed"]) == len(first.new["parsed"]) == 19
    assert second.new["parsed"].keys() != first.new["parsed"].keys()


def test_unchanged_files_are_still_checked_across_files(tmp_path, concepts, parses):
    folder = Path(copy_sources(tmp_path).data_dir)
    cache: dict = {}
    read_data(folder, concepts, cache=cache)
    (folder / "organisations" / "mieli-lounais-suomi.yaml").unlink()
    parses.clear()
    assert failure(folder, concepts, cache=cache) == [
        "data/activities/feeniks.yaml:3: organisation: järjestöä 'mieli-lounais-suomi' ei ole kansiossa "
        "organisations/ / no organisation 'mieli-lounais-suomi' in organisations/"]
    assert parses == []


def test_the_key_holds_the_name_and_the_concepts(tmp_path, concepts, parses):
    """The same bytes under another name, or read with another concept table, are read anew."""
    folder = Path(copy_sources(tmp_path).data_dir)
    cache: dict = {}
    read_data(folder, concepts, cache=cache)
    (folder / "activities" / "feeniks.yaml").rename(folder / "activities" / "feeniks-tyo.yaml")
    parses.clear()
    names = [f.name for f in read_data(folder, concepts, cache=cache)]
    assert parses == ["data/activities/feeniks-tyo.yaml"] and "data/activities/feeniks-tyo.yaml" in names
    fewer = {c: s for c, s in concepts.items() if c != "palvelu-tyopari"}
    assert any("tuntematon käsite 'palvelu-tyopari'" in p for p in failure(folder, fewer, cache=cache))
    parses.clear()
    read_data(folder, concepts, label="data", cache=cache)
    assert parses == []  # each table's results are kept under their own keys: the first's are found again


def test_files_parsed_in_forked_processes_read_as_in_process(tmp_path, concepts, monkeypatch):
    """A cold read of many files parses them in a pool: the same values, lines, warnings, facts and
    mistakes as parsing them one by one, with or without a cache."""
    folder = Path(copy_sources(tmp_path).data_dir)
    path = folder / "activities" / "kuule-minua.yaml"
    alone = summary(read_data(folder, concepts))
    facts = [f.facts for f in read_data(folder, concepts)]
    monkeypatch.setattr(entries, "POOL_FILES", 0)
    pooled = read_data(folder, concepts, cache={})
    assert summary(pooled) == alone and [f.facts for f in pooled] == facts
    assert any(f.facts.organisation for f in pooled) and any(f.facts.units for f in pooled)
    path.write_text(path.read_text(encoding="utf-8").replace("    max_age: 29", "    max_age: -29", 1), encoding="utf-8")
    monkeypatch.setattr(entries, "POOL_FILES", 10_000)
    refused = failure(folder, concepts)
    monkeypatch.setattr(entries, "POOL_FILES", 0)
    assert failure(folder, concepts) == refused and any("kuule-minua.yaml" in p for p in refused)
