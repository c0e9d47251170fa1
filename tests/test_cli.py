"""`kokemus-ld validate` and `kokemus-ld build` as an editor meets them, with broken YAML.

Every class of mistake gets one exact `data/<file>.yaml:<line>: <field>: <message>` line in
Finnish and English, exit code 1, and never a traceback; warnings alone exit 0; a failing
build leaves the published dataset byte for byte as it was.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import copy_sources
from kokemus_ld.build.dataset import load_vocabulary
from kokemus_ld.cli import main

KUULE = "activities/kuule-minua.yaml"
KUMPPANIT = "activities/kokemuskumppanit.yaml"
BILLION_LAUGHS = """a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]
b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]
c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]
d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]
e: [*d, *d, *d, *d, *d, *d, *d, *d, *d]
"""


@pytest.fixture()
def sources(tmp_path, monkeypatch):
    """A private copy of the sources, made the CLI's settings through the environment."""
    settings = copy_sources(tmp_path)
    for name in ("base_iri", "data_dir", "ontology_dir", "shapes_dir", "publish_dir"):
        monkeypatch.setenv("KOKEMUS_" + name.upper(), str(getattr(settings, name)))
    return settings


def cli(capsys, *argv) -> tuple[int, str, str]:
    """Run `kokemus-ld <argv>` in process: (exit code, stdout, stderr)."""
    code = main(list(argv))
    out, err = capsys.readouterr()
    assert "Traceback" not in err and "Traceback" not in out
    return code, out, err


def edit(settings, rel: str, old: str, new: str) -> Path:
    """Replace one exact piece of a data file (which must be there) and return its path."""
    path = Path(settings.data_dir) / rel
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{rel} no longer contains {old!r}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


def line_of(path: Path, needle: str) -> int:
    """The 1-based line where `needle` first appears."""
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if needle in line:
            return number
    raise AssertionError(f"{needle!r} not in {path}")


def allowed(settings, scheme: str) -> str:
    """The ids of one concept scheme, as the message lists them."""
    return ", ".join(sorted(c for c, s in load_vocabulary(settings).concepts.items() if s == scheme))


# --- mistakes found while reading the YAML: each yields exactly these lines -----------------------

def say(file: str, line: int, field: str, fi: str, en: str) -> str:
    """A problem line as `validate` prints it."""
    return f"data/{file}:{line}: {field}: {fi} / {en}"


EDITS = [
    # (case, file, text -> edited text, marker of the line named, field, Finnish message, English message)
    ("unquoted_colon", KUULE, ('heading: "Kuule minua -hanke, Ehjä ry"', "heading: Kuule minua: hanke, Ehjä ry"),
     "heading:", "(yaml)",
     'YAML-syntaksivirhe: kaksoispiste arvon sisällä; laita teksti lainausmerkkeihin ("..."); '
     "tarkista sisennys ja lainausmerkit",
     "YAML syntax error: mapping values are not allowed here; check the indentation and quotes"),
    # an unclosed quote is named where it was opened, not where YAML noticed it lines later
    ("unclosed_quote", KUULE, ('heading: "Kuule minua -hanke, Ehjä ry"', 'heading: "Kuule minua -hanke, Ehjä ry'),
     "heading:", "(yaml)",
     "YAML-syntaksivirhe: tiedosto loppui kesken: lainausmerkki tai sulku jäi sulkematta; "
     "tarkista sisennys ja lainausmerkit",
     "YAML syntax error: found unexpected end of stream; check the indentation and quotes"),
    ("tab_indent", KUULE, ("  - group: kr-pakolaistaustaiset-nuoret", "\t- group: kr-pakolaistaustaiset-nuoret"),
     "- group:", "(yaml)",
     "YAML-syntaksivirhe: sarkainmerkki (tab); sisennä välilyönneillä; tarkista sisennys ja lainausmerkit",
     "YAML syntax error: found character '\\t' that cannot start any token; check the indentation and quotes"),
    ("wrong_type", KUULE, ("    - min: 16", '    - min: "paljon"'), "min: ", "training.hours[1].min",
     "arvon pitää olla luku, nyt 'paljon'", "the value must be a number, got 'paljon'"),
    ("unknown_concept", KUMPPANIT, ("concepts: [palvelu-tyopari]", "concepts: [palvelu-tyopar]"),
     "palvelu-tyopar]", "services[2].concepts[1]",
     "tuntematon käsite 'palvelu-tyopar' (luokitus palvelut); tarkoititko 'palvelu-tyopari'?",
     "unknown concept 'palvelu-tyopar' (scheme palvelut); did you mean 'palvelu-tyopari'?"),
    # a service concept where a support kind belongs: no guess, the scheme's ids ({ids}) are listed
    ("concept_of_wrong_scheme", KUMPPANIT,
     ("kinds: [tuki-tyonohjaus, tuki-mentorointi]", "kinds: [tuki-tyonohjaus, palvelu-tyopari]"),
     "tuki-tyonohjaus, palvelu-tyopari]", "support[1].kinds[2]",
     "käsite 'palvelu-tyopari' kuuluu luokitukseen palvelut, ei tuki; sallitut: {ids}",
     "concept 'palvelu-tyopari' is in scheme palvelut, not tuki; allowed: {ids}"),
    ("duplicate_key", KUULE, ("kind: ohjelma-hanke", "kind: ohjelma-hanke\nname: Kuule"), "name: Kuule", "(yaml)",
     "avain 'name' toistuu (ensin rivillä 4)", "key 'name' appears twice (first on line 4)"),
    ("python_tag", KUULE, ("organisation: ehja", 'organisation: !!python/object/apply:os.system ["touch {pwned}"]'),
     "organisation:", "(yaml)",
     "tunniste !!python/object/apply:os.system ei ole sallittu; kirjoita arvo tavallisena tekstinä",
     "tag !!python/object/apply:os.system is not allowed; write the value as plain text"),
]


def edited(case) -> "callable":
    """A mistake made by editing one file, as a function of the sources returning the expected lines."""
    name, file, (old, new), marker, field, fi, en = case

    def mistake(s):
        ids = allowed(s, "tuki")
        p = edit(s, file, old, new.format(pwned=Path(s.data_dir).parent / "pwned"))
        return [say(file, line_of(p, marker), field, fi.format(ids=ids), en.format(ids=ids))]

    mistake.__name__ = name
    return mistake


unknown_concept, python_tag = edited(EDITS[4]), edited(EDITS[7])


def unknown_key(s):
    p = edit(s, KUULE, "description: >-", "descripton: >-")
    return [say(KUULE, line_of(p, "descripton:"), "descripton", "tuntematon avain 'descripton'; tarkoititko "
                "'description'?", "unknown key 'descripton'; did you mean 'description'?"),
            say(KUULE, line_of(p, "id: "), "description", "pakollinen avain 'description' puuttuu",
                "required key 'description' is missing")]


def duplicate_id_across_files(s):
    # an editor copies an entry to start a new one and forgets to change the id
    original = Path(s.data_dir) / KUULE
    copy = original.with_name("uusi.yaml")
    copy.write_text(original.read_text(encoding="utf-8"), encoding="utf-8")
    return [say("activities/uusi.yaml", line_of(copy, "id: "), "id", f"tunniste 'kuule-minua' on jo käytössä "
                f"tiedostossa data/{KUULE}", f"id 'kuule-minua' is already used in data/{KUULE}")]


def alias_bomb(s):
    path = Path(s.data_dir) / "activities" / "pommi.yaml"
    path.write_text(BILLION_LAUGHS, encoding="utf-8")
    return [say("activities/pommi.yaml", 2, "(yaml)", "YAML-viittauksia (&ankkuri / *alias) ei sallita",
                "YAML anchors and aliases (&anchor / *alias) are not allowed")]


def invalid_utf8(s):
    path = Path(s.data_dir) / KUULE
    text = path.read_text(encoding="utf-8")
    path.write_bytes(text.encode("latin-1", errors="replace"))  # saved by an old editor as Latin-1
    first = next(n for n, line in enumerate(text.splitlines(), start=1) if any(ord(c) > 127 for c in line))
    return [say(KUULE, first, "(file)", "tiedosto ei ole UTF-8-muodossa; tallenna se UTF-8:na",
                "the file is not UTF-8; save it as UTF-8")]


def empty_file(s):
    (Path(s.data_dir) / "activities" / "tyhja.yaml").write_text("", encoding="utf-8")
    return [say("activities/tyhja.yaml", 1, "(file)", "tiedosto on tyhjä", "the file is empty")]


YAML_MISTAKES = [edited(case) for case in EDITS] + [unknown_key, duplicate_id_across_files, alias_bomb,
                                                     invalid_utf8, empty_file]


@pytest.mark.parametrize("mistake", YAML_MISTAKES, ids=lambda f: f.__name__)
def test_validate_names_each_yaml_mistake_exactly(mistake, sources, capsys):
    expected = mistake(sources)
    code, out, err = cli(capsys, "validate")
    assert code == 1
    violations = [line for line in err.splitlines() if line.startswith("data/")]
    assert violations == sorted(expected, key=_order)
    assert not (Path(sources.data_dir).parent / "pwned").exists()


def _order(line: str):
    file, number, rest = line.split(":", 2)
    return file, int(number), rest


# --- mistakes only the SHACL shapes see, traced back to the YAML line -------------------------

SHACL_EDITS = [
    # (case, file, text -> edited text, marker of the line named, field, words of the Finnish / English message)
    ("placeholder_answer", "faq.yaml", ("  answer: null", '  answer: "VASTAUS"'), 'answer: "VASTAUS"', "[5].answer",
     ["paikkamerkki", "(arvo: 'VASTAUS')"], ["placeholder", "(value: 'VASTAUS')"]),
    ("placeholder_title", "documents.yaml", ('title: "Kokemustoimijat tilaisuuksissa"', 'title: "testi"'),
     "title:", "[1].title", ["paikkamerkki", "(arvo: 'testi')"], ["placeholder", "(value: 'testi')"]),
    ("min_hours_above_max", KUULE, ("    - min: 16\n      max: 16", "    - min: 16\n      max: 12"), "min: 16",
     "training.hours[1].min", ["suurempi kuin"], ["greater than"]),
    ("phone_number_in_description", KUULE,
     ("yhteiskunnallisiin asioihin.", "yhteiskunnallisiin asioihin. Soita Mikalle 040 123 4567."), "description:",
     "description", ["puhelinnumero", "henkilötietoja"], ["phone number", "personal data"]),
    ("email_in_description", KUMPPANIT,
     ("yhdessä ammattilaisten kanssa.", "yhdessä ammattilaisten kanssa. Kysy lisää: maija.meikalainen@example.fi"),
     "description:", "description", ["sähköpostiosoite", "henkilötietoja"], ["e-mail address", "personal data"]),
]


def shacl_mistake(case) -> "callable":
    """A mistake the shapes catch: returns where it must be named and the words of its message."""
    name, file, (old, new), marker, field, fi, en = case

    def mistake(s):
        p = edit(s, file, old, new)
        return f"data/{file}:{line_of(p, marker)}: {field}: ", fi, en

    mistake.__name__ = name
    return mistake


SHACL_MISTAKES = [shacl_mistake(case) for case in SHACL_EDITS]
placeholder_answer, min_hours_above_max = SHACL_MISTAKES[0], SHACL_MISTAKES[2]


@pytest.mark.parametrize("mistake", SHACL_MISTAKES, ids=lambda f: f.__name__)
def test_validate_traces_shacl_violations_to_the_yaml_line(mistake, sources, capsys):
    where, fi_words, en_words = mistake(sources)
    code, out, err = cli(capsys, "validate")
    assert code == 1
    lines = [line for line in err.splitlines() if line.startswith(where)]
    assert lines, f"no violation at {where!r} in:\n{err}"
    message = lines[0][len(where):]
    assert not message.startswith("[")  # a violation, not a warning or info
    fi, en = message.split(" / ", 1)
    assert all(w in fi for w in fi_words) and all(w in en for w in en_words)


def test_validate_real_data_passes_with_readable_warnings(sources, capsys):
    code, out, err = cli(capsys, "validate")
    assert code == 0
    assert err == ""
    assert out.splitlines()[-1].startswith("OK: 19 tiedostoa / files, ")
    problems = out.splitlines()[:-1]
    assert problems and all(p.startswith(("data/", "ontology/")) for p in problems)
    for p in problems:
        location, field, message = p.split(": ", 2)
        assert message.startswith(("[warning] ", "[info] "))
        assert " / " in message, f"not in both languages: {p}"
    assert ("data/organisations/ehja.yaml:2: id (identifier): [warning] Järjestön Y-tunnus (dct:identifier) "
            "puuttuu; lähde ei kerro sitä. Tarvitaan esim. PTV-vientiin. / The organisation's business ID "
            "(Y-tunnus, dct:identifier) is missing; the source does not give it. Needed e.g. for PTV export.") in problems


def test_warnings_alone_exit_zero(sources, capsys):
    (Path(sources.data_dir) / "muistiinpanot.txt").write_text("editorin muistiinpanoja\n", encoding="utf-8")
    code, out, err = cli(capsys, "validate")
    assert code == 0
    assert ("data/muistiinpanot.txt:1: (file): [warning] tiedosto ei ole YAML-tiedosto (.yaml) / "
            "the file is not a YAML file (.yaml)") in out.splitlines()


def test_console_script_never_shows_a_traceback(tmp_path):
    """The installed `kokemus-ld` command, several broken files at once: all named, no traceback."""
    settings = copy_sources(tmp_path)
    expected = alias_bomb(settings) + empty_file(settings) + unknown_concept(settings) + python_tag(settings)
    env = dict(os.environ, **{"KOKEMUS_" + n.upper(): str(getattr(settings, n))
                              for n in ("base_iri", "data_dir", "ontology_dir", "shapes_dir", "publish_dir")})
    exe = Path(sys.executable).with_name("kokemus-ld")
    done = subprocess.run([str(exe), "validate"], env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert [line for line in done.stderr.splitlines() if line.startswith("data/")] == sorted(expected, key=_order)


# --- build: a refused build leaves the published one as it was ---------------------------------

def _snapshot(publish: Path) -> tuple[str, dict]:
    current = os.readlink(publish / "current")
    files = {str(p.relative_to(publish)): p.read_bytes() for p in sorted((publish / "builds").rglob("*")) if p.is_file()}
    return current, files


@pytest.mark.parametrize("mistake", [edited(EDITS[0]), placeholder_answer, min_hours_above_max],
                         ids=lambda f: f.__name__)
def test_failing_build_leaves_the_published_build_untouched(mistake, sources, capsys):
    code, out, err = cli(capsys, "build")
    assert code == 0
    assert out.splitlines()[-1].startswith("Julkaistu / published ")
    publish = Path(sources.publish_dir)
    before = _snapshot(publish)

    where = mistake(sources)[0]
    code, out, err = cli(capsys, "build")
    assert code == 1
    assert where.split(": ")[0] in err  # says why, at the YAML line
    assert err.splitlines()[-1] == ("Julkaisu keskeytettiin; edellinen julkaisu on ennallaan. / "
                                    "Build refused; the previously published dataset is untouched.")
    assert _snapshot(publish) == before
    assert [p.name for p in (publish / "builds").iterdir() if p.name.startswith(".")] == []


def test_broken_vocabulary_turtle_is_named_at_its_line(sources, capsys):
    scheme = Path(sources.ontology_dir) / "schemes" / "tavat.ttl"
    lines = scheme.read_text(encoding="utf-8").splitlines()
    scheme.write_text("\n".join(lines + ["ktc:tapa-uusi a ."]) + "\n", encoding="utf-8")
    code, out, err = cli(capsys, "validate")
    assert code == 1
    why = ". is not a valid RDF object"
    assert err.splitlines() == [f"ontology/schemes/tavat.ttl:{len(lines) + 1}: (turtle): Turtle-syntaksivirhe: "
                                f"{why} / Turtle syntax error: {why}"]


def test_a_missing_data_folder_is_an_error_not_an_empty_dataset(sources, capsys, tmp_path):
    code, out, err = cli(capsys, "--data", str(tmp_path / "dta"), "validate")
    assert code == 1 and out == ""
    assert err.splitlines() == [f"dta/dataset.yaml:1: (file): tiedostoa ei ole: onko datakansio {tmp_path / 'dta'} "
                                f"oikea? / the file does not exist: is the data folder {tmp_path / 'dta'} right?"]
