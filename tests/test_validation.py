"""SHACL validation: each result becomes one problem at the line an editor can open, in both languages."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, XSD

from kokemus_ld.build.problems import Problem
from kokemus_ld.build.validation import locate_turtle, validate
from kokemus_ld.config import ROOT

KT = "https://kokemus.vslj.fi/def/kt#"
THING = URIRef("https://kokemus.vslj.fi/id/activity/esimerkki")
SHAPES = f"""
@prefix sh: <http://www.w3.org/ns/shacl#> . @prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix kt: <{KT}> .
kt:ThingShape a sh:NodeShape ; sh:targetClass kt:Activity ;
  sh:property [ sh:path kt:name ; sh:minCount 1 ;
                sh:message "Nimi puuttuu."@fi , "The name is missing."@en ] ;
  sh:property [ sh:path kt:count ; sh:datatype xsd:integer ; sh:severity sh:Warning ;
                sh:message "Määrä on kokonaisluku."@fi , "The count is a whole number."@en ] ;
  sh:sparql [ sh:select "SELECT $this ?path ?value WHERE {{ $this ?path ?value FILTER(STR(?value) = 'VASTAUS') }}" ;
              sh:message "Paikkamerkki."@fi , "A placeholder."@en ] .
kt:PartShape a sh:NodeShape ; sh:targetClass kt:Part ;
  sh:property [ sh:path kt:name ; sh:minCount 1 ; sh:message "Osan nimi puuttuu."@fi , "The part has no name."@en ] .
"""


def run(triples, where) -> list[str]:
    """Validate a few triples against the small shapes above; the problems as printed."""
    data = Graph()
    for t in triples:
        data.add(t)
    shapes = Graph().parse(data=SHAPES, format="turtle")
    return [str(p) for p in validate(data, shapes, Graph(), where).problems]


def test_missing_property_is_named_at_the_resource_line():
    problems = run([(THING, RDF.type, URIRef(KT + "Activity"))],
                   {(str(THING), None): ("data/activities/esimerkki.yaml", 2, "id")})
    assert problems == ["data/activities/esimerkki.yaml:2: id (name): Nimi puuttuu. / The name is missing."]


def test_wrong_value_is_named_at_its_own_line_with_the_value_and_severity():
    problems = run([(THING, RDF.type, URIRef(KT + "Activity")), (THING, URIRef(KT + "name"), Literal("X", lang="fi")),
                    (THING, URIRef(KT + "count"), Literal("paljon"))],
                   {(str(THING), None): ("data/a.yaml", 2, "id"), (str(THING), KT + "count"): ("data/a.yaml", 9, "count")})
    assert problems == ["data/a.yaml:9: count: [warning] Määrä on kokonaisluku. (arvo: 'paljon') / "
                        "The count is a whole number. (value: 'paljon')"]


def test_sparql_constraint_messages_keep_both_languages():
    """pyshacl reports SPARQL-constraint messages without language tags; both still come out right."""
    problems = run([(THING, RDF.type, URIRef(KT + "Activity")), (THING, URIRef(KT + "name"), Literal("VASTAUS", lang="fi"))],
                   {(str(THING), KT + "name"): ("data/faq.yaml", 34, "[5].answer")})
    assert problems == ["data/faq.yaml:34: [5].answer: Paikkamerkki. (arvo: 'VASTAUS') / A placeholder. (value: 'VASTAUS')"]


def test_a_hash_part_falls_back_to_its_documents_line():
    part = URIRef(f"{THING}#tuki-1")
    problems = run([(THING, RDF.type, URIRef(KT + "Activity")), (THING, URIRef(KT + "name"), Literal("X", lang="fi")),
                    (part, RDF.type, URIRef(KT + "Part"))],
                   {(str(THING), None): ("data/a.yaml", 2, "id")})
    assert problems == ["data/a.yaml:2: id (name): Osan nimi puuttuu. / The part has no name."]


def test_unlocated_resource_is_still_named():
    problems = run([(THING, RDF.type, URIRef(KT + "Activity"))], {})
    assert problems == ["(vocabulary):0: esimerkki name: Nimi puuttuu. / The name is missing."]


def test_warnings_alone_conform_and_are_counted():
    other = URIRef(KT + "count")
    data = Graph()
    for t in [(THING, RDF.type, URIRef(KT + "Activity")), (THING, URIRef(KT + "name"), Literal("X", lang="fi")),
              (THING, other, Literal("a")), (THING, other, Literal("b"))]:
        data.add(t)
    report = validate(data, Graph().parse(data=SHAPES, format="turtle"), Graph(),
                      {(str(THING), KT + "count"): ("data/a.yaml", 9, "count")})
    assert report.conforms  # warnings alone do not stop a build
    assert report.count("warning") == 2 and report.count("violation") == 0
    assert all(isinstance(p, Problem) and p.line == 9 for p in report.problems)


def test_locate_turtle_finds_each_subject_line(tmp_path):
    folder = tmp_path / "ontology" / "schemes"
    folder.mkdir(parents=True)
    (folder / "tavat.ttl").write_text(
        "# tavat\n@prefix ktc:  <id/concept/> .\n@prefix kts: <id/scheme/> .\n\n"
        "kts:tavat a <http://www.w3.org/2004/02/skos/core#ConceptScheme> .\n\n"
        "ktc:tapa-eta a <http://www.w3.org/2004/02/skos/core#Concept> ;\n    kts:x ktc:tapa-lahi .\n"
        "<id/concept/tapa-lahi> a <http://www.w3.org/2004/02/skos/core#Concept> .\n", encoding="utf-8")
    where = locate_turtle(tmp_path / "ontology", "https://kokemus.vslj.fi/", "ontology")
    assert where == {
        ("https://kokemus.vslj.fi/id/scheme/tavat", None): ("ontology/schemes/tavat.ttl", 5, ""),
        ("https://kokemus.vslj.fi/id/concept/tapa-eta", None): ("ontology/schemes/tavat.ttl", 7, ""),
        ("https://kokemus.vslj.fi/id/concept/tapa-lahi", None): ("ontology/schemes/tavat.ttl", 9, ""),
    }


# --- the real data's report, as published by the build ---------------------------------------------

@pytest.fixture(scope="module")
def published_problems(built) -> list[str]:
    """The problems of the session's build, from its meta.json."""
    meta = json.loads((Path(built.current_dir) / "meta.json").read_text())
    return meta["validation"]["problems"]


def test_real_data_has_no_violation_and_every_problem_is_located(published_problems):
    assert published_problems
    for line in published_problems:
        file, number, rest = line.split(":", 2)
        assert ": [warning] " in rest or ": [info] " in rest, line  # never a violation
        source = ROOT / file
        assert source.exists(), line
        assert 1 <= int(number) <= len(source.read_text(encoding="utf-8").splitlines()), line


def test_real_data_problems_are_said_in_finnish_and_english(published_problems):
    for line in published_problems:
        message = line.split("] ", 1)[1]
        fi, en = message.split(" / ", 1)
        assert fi and en and fi != en, line


def test_vocabulary_warnings_point_at_the_concept_in_its_turtle_file(published_problems):
    swedish = [p for p in published_problems if "skos:prefLabel@sv" in p and p.startswith("ontology/")]
    assert swedish, "a concept without a Swedish label is a warning, located in its scheme file"
    for line in swedish:
        file, number, _ = line.split(":", 2)
        written = (ROOT / file).read_text(encoding="utf-8").splitlines()[int(number) - 1]
        assert written.startswith(("ktc:", "<id/concept/", "kts:")), line


def test_the_one_graph_store_finds_what_rdflibs_memory_store_finds(tmp_path):
    """`data_graph` reads rdflib's store its own faster way; every finding on the real data with
    its SHACL mistakes (and on the vocabulary) is the one rdflib's `Memory` store gives."""
    from conftest import copy_sources
    from test_cli import SHACL_EDITS, edit
    from kokemus_ld.build.dataset import _describe_dataset, load_shapes, load_vocabulary
    from kokemus_ld.build.entries import read_data
    from kokemus_ld.build.mapping import map_entries
    from kokemus_ld.build.validation import Shapes, data_graph
    from kokemus_ld.vocab import vocab

    settings = copy_sources(tmp_path)
    for _name, file, (old, new), *_rest in SHACL_EDITS:
        edit(settings, file, old, new)
    vocabulary = load_vocabulary(settings)
    data, _where = map_entries(read_data(Path(settings.data_dir), vocabulary.concepts), vocab(settings.base_iri))
    _describe_dataset(data, vocab(settings.base_iri), settings)
    triples = list(data) + list(vocabulary.graph)
    shapes = Shapes(load_shapes(settings))
    plain = Graph()
    for t in triples:
        plain.add(t)
    expected = sorted(set(shapes.validate(plain)))
    assert sum(1 for f in expected if f.severity == "violation") >= len(SHACL_EDITS) - 1
    assert sorted(set(shapes.validate(data_graph(triples)))) == expected



def _mistaken(tmp_path, extra) -> tuple:
    """The shapes, and the real data with its SHACL mistakes, the vocabulary and `extra(data, vocabulary)`'s triples."""
    from conftest import copy_sources
    from test_cli import SHACL_EDITS, edit
    from kokemus_ld.build.dataset import _describe_dataset, load_shapes, load_vocabulary
    from kokemus_ld.build.entries import read_data
    from kokemus_ld.build.mapping import map_entries
    from kokemus_ld.vocab import vocab

    settings = copy_sources(tmp_path)
    for _name, file, (old, new), *_rest in SHACL_EDITS:
        edit(settings, file, old, new)
    v = vocab(settings.base_iri)
    vocabulary = load_vocabulary(settings)
    data, _where = map_entries(read_data(Path(settings.data_dir), vocabulary.concepts), v)
    _describe_dataset(data, v, settings)
    return load_shapes(settings), list(data) + list(vocabulary.graph) + extra(data, vocabulary.graph)


SKOS = "http://www.w3.org/2004/02/skos/core#"


def test_the_shortcuts_find_what_pyshacl_alone_finds(tmp_path):
    """The pattern-only shapes (text checks, name heuristics) are screened before pyshacl runs
    them, and paths are read from the graph's index: on the real data with its SHACL mistakes,
    values failing such shapes in every way (a blank node, a second value beside a good one, the
    vocabulary's and a link's) and an activity of a subclass, the findings are those of pyshacl
    evaluating every focus node of every shape on its own."""
    from rdflib import BNode
    from kokemus_ld.build.validation import Shapes, data_graph

    def extra(data, vocabulary):
        activity = next(data.subjects(RDF.type, URIRef(KT + "Activity")))
        organisation = next(data.subjects(RDF.type, URIRef(KT + "Organisation")))
        concept = next(vocabulary.subjects(RDF.type, URIRef(SKOS + "Concept")))
        return [(activity, URIRef("http://purl.org/dc/terms/description"), BNode()),  # a blank node never passes
                (activity, URIRef(SKOS + "prefLabel"), Literal("Toiminta", lang="sv")),  # a heading, beside a good label
                (activity, URIRef(KT + "sourceHeading"), Literal(" kokemusasiantuntija Matti Meikäläinen kertoi", lang="fi")),
                (concept, URIRef(SKOS + "definition"), Literal("Kysy: maija@example.fi tai TODO", lang="fi")),
                (organisation, URIRef("http://xmlns.com/foaf/0.1/homepage"), URIRef("tel:0401234567")),
                (organisation, URIRef(SKOS + "prefLabel"), Literal("Auta Lasta ry:n Veturointi.", lang="en")),
                (URIRef(KT + "Hanke"), URIRef("http://www.w3.org/2000/01/rdf-schema#subClassOf"), URIRef(KT + "Activity")),
                (URIRef(f"{activity}-hanke"), RDF.type, URIRef(KT + "Hanke"))]  # an activity with nothing said

    shapes, triples = _mistaken(tmp_path, extra)
    expected = set(Shapes(shapes, shortcuts=False).validate(data_graph(triples)))
    found = set(Shapes(shapes).validate(data_graph(triples)))
    hit = {f.shape.rsplit("#", 1)[-1] for f in expected}
    assert {"Placeholder-dct-description", "prefLabel-notHeading", "NamedActor-description", "EdgeWhitespace-kt-sourceHeading",
            "Email-skos-definition", "Placeholder-skos-definition", "TelLink-foaf-homepage",
            "Organisation-nameHygiene", "Activity-organisation"} <= hit
    assert any(f.focus.endswith("-hanke") for f in expected)
    assert found == expected


def test_paths_read_from_the_index_find_what_pyshacls_own_path_walk_finds(tmp_path):
    """A graph made by `data_graph` has its predicate and sequence paths read from its index: a
    concept of the wrong scheme, a facet out of step with its parts and a unit of another
    organisation are found as pyshacl finds them walking the paths of a plain rdflib graph."""
    from kokemus_ld.build.validation import Shapes, data_graph

    def extra(data, vocabulary):
        activity = next(data.subjects(URIRef(KT + "unit"), None))
        other = next(o for o in data.subjects(RDF.type, URIRef(KT + "Organisation"))
                     if (activity, URIRef(KT + "organisation"), o) not in data)
        unit = URIRef(f"{other}#yksikko")
        role = next(vocabulary.subjects(URIRef(SKOS + "inScheme"), URIRef(str(activity).split("/id/")[0] + "/id/scheme/roolit")))
        return [(activity, URIRef(KT + "offersService"), role),  # a role offered as a service: wrong scheme, facet out of step
                (unit, RDF.type, URIRef(KT + "OrganisationalUnit")), (unit, URIRef("http://www.w3.org/ns/org#unitOf"), other),
                (activity, URIRef(KT + "unit"), unit)]

    shapes, triples = _mistaken(tmp_path, extra)
    plain = Graph()
    for t in triples:
        plain.add(t)
    parsed = Shapes(shapes)
    expected = set(parsed.validate(plain))
    hit = {f.shape.rsplit("#", 1)[-1] for f in expected}
    assert {"Activity-offersService-scheme", "Activity-offersServiceInSync", "Activity-unitOfOrganisation"} <= hit
    assert set(parsed.validate(data_graph(triples))) == expected


def test_a_graph_loaded_at_once_holds_what_one_added_triple_at_a_time_holds():
    """`data_graph` fills the one-graph store's indexes itself: the same triples (duplicates once),
    found by every kind of pattern, as `Graph.add` one by one gives."""
    from kokemus_ld.build.validation import data_graph

    part = URIRef(f"{THING}#tuki-1")
    triples = [(THING, RDF.type, URIRef(KT + "Activity")), (THING, URIRef(KT + "support"), part),
               (part, URIRef(KT + "position"), Literal(1)), (part, URIRef(KT + "givenBy"), Literal("ohjaaja", lang="fi")),
               (THING, URIRef(KT + "support"), part)]  # the last one twice
    one_by_one = Graph()
    for t in triples:
        one_by_one.add(t)
    loaded = data_graph(triples)
    assert len(loaded) == len(one_by_one) == 4
    for pattern in [(None, None, None), (THING, None, None), (None, URIRef(KT + "support"), None), (None, None, part),
                    (part, URIRef(KT + "position"), None), (THING, URIRef(KT + "support"), part)]:
        assert sorted(loaded.triples(pattern)) == sorted(one_by_one.triples(pattern)), pattern
    assert list(loaded.objects(THING, URIRef(KT + "support"))) == [part]
    assert list(loaded.subjects(URIRef(KT + "support"), part)) == [THING]
    assert (part, URIRef(KT + "position"), Literal(1)) in loaded and (part, URIRef(KT + "position"), Literal(2)) not in loaded
