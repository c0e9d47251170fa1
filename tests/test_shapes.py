"""The SHACL shapes catch each kind of broken data with its severity, traced to the YAML line.

Broken variants go through the real path (copy of the sources, edited YAML, read -> map ->
validate); what YAML cannot express (a wrong scheme, a lost facet, a person's e-mail property)
is added to the mapped graph before validation. The every-literal checks are generated
(shapes/make_text_checks.py): the file must be current and cover every predicate that carries
text in a build of the real and of synthetic data.
"""

from __future__ import annotations

import importlib.util
import random
import re
from pathlib import Path

import pytest
from rdflib import Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS, SH

from conftest import BASE, copy_sources
from test_cli import edit, line_of
from kokemus_ld.build.dataset import _describe_dataset, check, load_shapes, load_vocabulary
from kokemus_ld.build.entries import read_data
from kokemus_ld.build.mapping import map_entries
from kokemus_ld.build.problems import DataError
from kokemus_ld.build.validation import locate_turtle, validate
from kokemus_ld.config import ROOT, Settings
from kokemus_ld.vocab import vocab

KUULE, KUMPPANIT = "activities/kuule-minua.yaml", "activities/kokemuskumppanit.yaml"
VETUROINTI, FINFAMI, SOS = "activities/veturointi.yaml", "activities/finfami.yaml", "activities/sos-kehittajanuoret.yaml"
KT = f"{BASE}def/kt#"
SCHEMA, FOAF, SKOS = "http://schema.org/", "http://xmlns.com/foaf/0.1/", "http://www.w3.org/2004/02/skos/core#"


def _module(path: Path, name: str):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def found(problems, where: str, severity: str, fi: str, en: str) -> bool:
    """Whether one problem is at `where` ("data/x.yaml:12: field") with this severity and message words."""
    return any(str(p).startswith(where + ": ") and p.severity == severity and fi in p.message_fi and en in p.message_en
               for p in problems)


# (what the editor wrote: file, old, new, the line to find) -> (field, Finnish words, English words)
BROKEN_YAML = [
    (("faq.yaml", "  answer: null", '  answer: "VASTAUS"', 'answer: "VASTAUS"'), ("[5].answer", "paikkamerkki", "placeholder")),
    (("documents.yaml", 'title: "Kokemustoimijat tilaisuuksissa"', 'title: "testi"', 'title: "testi"'),
     ("[1].title", "paikkamerkki", "placeholder")),
    ((KUMPPANIT, 'text: "Osallistuu henkilöstörekrytointiin"', 'text: "TODO"', 'text: "TODO"'),
     ("services[5].text", "paikkamerkki", "placeholder")),
    ((KUULE, "yhteiskunnallisiin asioihin.", "yhteiskunnallisiin asioihin. Soita Mikalle 040 123 4567.", "description:"),
     ("description", "puhelinnumero", "phone number")),
    ((KUMPPANIT, '"Työnohjausta ja hankkeen tarjoamaa mentorointia."', '"Työnohjausta numerosta +358 40 1234567."',
      "+358 40 1234567"), ("support[1].text", "puhelinnumero", "phone number")),
    ((KUMPPANIT, "yhdessä ammattilaisten kanssa.", "yhdessä ammattilaisten kanssa. Kysy: maija.meikalainen@example.fi",
      "description:"), ("description", "sähköpostiosoite", "e-mail address")),
    ((VETUROINTI, "Veturi-valmennuksia järjestetään", "Veturi Matti Meikäläinen kertoo. Veturi-valmennuksia järjestetään",
      "  description: >-"), ("training.description", "henkilön nimi", "person's name")),
    ((FINFAMI, 'given_by: "yhdistyksen työnohjaaja"', 'given_by: "Liisa Virtanen"', "Liisa Virtanen"),
     ("support[2].given_by", "henkilön nimeltä", "person's name")),
    ((KUULE, "    - min: 16\n      max: 16", "    - min: 16\n      max: 12", "min: 16"),
     ("training.hours[1].min", "suurempi kuin", "greater than")),
    ((SOS, "min_age: 12", "min_age: 22", "min_age: 22"), ("actors[1].min_age", "suurempi kuin", "greater than")),
    ((KUMPPANIT, "duration_months: {min: 4, max: 5}", "duration_months: {min: 6, max: 5}", "duration_months"),
     ("training.duration_months.min", "pidempi kuin", "longer than")),
]


def test_each_broken_yaml_is_a_violation_at_its_line(tmp_path):
    settings = copy_sources(tmp_path)
    expected = []
    for (rel, old, new, needle), (field, fi, en) in BROKEN_YAML:
        path = edit(settings, rel, old, new)
        expected.append((f"data/{rel}:{line_of(path, needle)}: {field}", fi, en))
    with pytest.raises(DataError) as caught:
        check(settings)
    problems = caught.value.problems
    missing = [e for e in expected if not found(problems, e[0], "violation", e[1], e[2])]
    assert not missing, "\n".join(str(p) for p in problems)


def test_an_undeclared_support_role_warns_and_glued_sentences_inform(tmp_path):
    settings = copy_sources(tmp_path)
    role = edit(settings, KUMPPANIT, "applies_to: rooli-kokemuskumppani", "applies_to: rooli-veturi")
    edit(settings, KUMPPANIT, "kokemusta lastensuojelusta\n", "kokemusta lastensuojelusta.Asiakkaana\n")
    problems = check(settings).report.problems  # no violation: it validates
    assert found(problems, f"data/{KUMPPANIT}:{line_of(role, 'applies_to')}: support[2].applies_to", "warning",
                 "ei ole toiminnan toimijaroolien", "not among the activity's actor roles")
    assert found(problems, f"data/{KUMPPANIT}:{line_of(role, 'description:')}: description", "info",
                 "puuttuu välilyönti", "space is missing")


@pytest.fixture(scope="module")
def mapped():
    """The real data read and mapped (not validated), with what validation needs beside it."""
    settings = Settings(base_iri=BASE)
    v = vocab(BASE)
    vocabulary = load_vocabulary(settings)
    files = read_data(Path(settings.data_dir), vocabulary.concepts, label="data")
    data, where = map_entries(files, v)
    _describe_dataset(data, v, settings)
    where = {**locate_turtle(Path(settings.ontology_dir), v.base, "ontology"), **where}
    return data, where, vocabulary, load_shapes(settings)


def _validate(mapped, add=(), remove=()):
    data, where, vocabulary, shapes = mapped
    graph = data.__class__()
    for t in data:
        graph.add(t)
    for t in remove:
        graph.remove(t)
    for t in add:
        graph.add(t)
    return validate(graph, shapes, vocabulary.graph, where).problems


def test_the_real_data_has_no_violation(mapped):
    assert [str(p) for p in _validate(mapped) if p.severity == "violation"] == []


def test_what_yaml_cannot_say_is_still_caught(mapped):
    kuule, feeniks = URIRef(f"{BASE}id/activity/kuule-minua"), URIRef(f"{BASE}id/activity/feeniks")
    document = URIRef(f"{BASE}id/document/kokemustoimijat-tilaisuuksissa")
    area = URIRef(f"{BASE}id/concept/alue-maakunta-02")
    label_fi = next(o for o in mapped[0].objects(kuule, URIRef(SKOS + "prefLabel")) if o.language == "fi")
    problems = _validate(mapped, add=[
        (kuule, URIRef(KT + "targetGroup"), area),                         # a concept of the wrong scheme
        (feeniks, URIRef(FOAF + "mbox"), URIRef("mailto:liisa@example.fi")),  # personal data on an activity
        (document, URIRef(SCHEMA + "url"), URIRef("mailto:liisa@example.fi")),  # a mailto link
        (kuule, URIRef(KT + "areaNote"), Literal(" koko maa ", lang="fi")),  # edge whitespace
        (URIRef(f"{BASE}id/person/x"), RDF.type, URIRef(FOAF + "Person")),  # a person
    ], remove=[(kuule, URIRef(SKOS + "prefLabel"), label_fi)])
    assert found(problems, f"data/{KUULE}:21: target_groups[1].group", "violation",
                 "luettelosta kts:kohderyhmat", "concept of kts:kohderyhmat")
    assert found(problems, f"data/{KUULE}:21: target_groups[1]", "violation", "hakuehto", "facet")
    assert found(problems, f"data/{KUULE}:4: name", "violation", "Suomenkielinen nimi", "Finnish preferred label")
    assert found(problems, "data/activities/feeniks.yaml:2: id", "violation", "Henkilötietoa", "Personal data")
    assert found(problems, "data/documents.yaml:2: [1] (url)", "violation", "sähköpostiosoite", "e-mail address")
    assert found(problems, f"data/{KUULE}:2: id (areaNote)", "info", "ylimääräistä tyhjää", "whitespace")
    assert any(p.severity == "violation" and "Henkilöitä" in p.message_fi for p in problems)


def test_the_generated_text_checks_are_current():
    generator = _module(ROOT / "shapes" / "make_text_checks.py", "make_text_checks")
    assert generator.OUT.read_text(encoding="utf-8") == generator.text_checks(), \
        "run .venv/bin/python shapes/make_text_checks.py"


def test_the_text_checks_shortcuts_give_the_plain_checks_verdicts(mapped):
    """A topic's `clear` and `bad_at_start` only make the check faster: on random strings made of
    what the patterns look for, and on every text of the data, each shape's pattern says what
    "no part of the value is wrong" says."""
    generator = _module(ROOT / "shapes" / "make_text_checks.py", "make_text_checks")
    data = mapped[0]
    rng = random.Random(6)
    alphabet = "0123456789٣ ()+-.,@%_\nabtodxfimelrpsuvåäöTODOXLREM"
    samples = ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 28))) for _ in range(20_000)]
    samples += [str(o) for o in set(data.objects()) if isinstance(o, Literal)]
    samples += ["xxx", "TODO", "lorem ipsum", "Lorem", "  vastaus ", "testi", "!!", "", "tbd.", "a todo b",
                "040 123 4567", "+358 40 123 4567", "(02) 123 456", "1234567-8", "nimi@example.org", "nimi (at) host.fi",
                "mailto:nimi@example.org", "tel:+358401234567"]
    for topic in generator.TOPICS:
        bad = f"^(?:{topic.bad_at_start})|{topic.bad}" if topic.bad_at_start else topic.bad
        plain = re.compile(rf"^(?![\s\S]*(?:{bad}))", re.I if topic.flags else 0)
        fast = re.compile(generator.pattern(topic), re.I if topic.flags else 0)
        differ = [t for t in samples if bool(plain.search(t)) != bool(fast.search(t))]
        assert differ == [], (topic.name, differ[:5])
        assert any(not plain.search(t) for t in samples) or topic.severity, topic.name  # the samples do hit it


def test_every_predicate_with_text_or_a_free_link_is_checked(tmp_path, mapped):
    data, _where, vocabulary, shapes = mapped
    synthetic = _module(ROOT / "bench" / "generate.py", "bench_generate").write(12, tmp_path / "data")
    more, _ = map_entries(read_data(synthetic, vocabulary.concepts, label="data"), vocab(BASE))
    checked = {p for s, p in shapes.subject_objects(SH.path) if str(s).startswith(f"{BASE}def/shapes#Placeholder-")}
    linked = {p for s, p in shapes.subject_objects(SH.path) if str(s).startswith(f"{BASE}def/shapes#MailtoLink-")}
    axioms = {RDF.type, RDF.first, RDF.rest} | {p for p in set(vocabulary.graph.predicates())
                                                   if str(p).startswith((str(RDFS), str(OWL)))}
    text, links = set(), set()
    for graph in (data, more, vocabulary.graph):
        for _s, p, o in graph:
            if isinstance(o, Literal) and (o.language or o.datatype is None):
                text.add(p)
            elif isinstance(o, URIRef) and not str(o).startswith(BASE) and p not in axioms:
                links.add(p)
    assert URIRef(KT + "sourceText") in text and URIRef(SCHEMA + "url") in links
    assert not text - checked, f"text predicates without checks: {sorted(text - checked)}"
    assert not links - linked, f"link predicates without checks: {sorted(links - linked)}"
