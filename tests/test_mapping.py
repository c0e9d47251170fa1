"""The seed's facts, asked in SPARQL of the built dataset (YAML -> mapping -> build -> store).

Each test is one sentence of the source page that a user of the data should be able to
get back by a query, with the answer the page gives.
"""

from __future__ import annotations

import unicodedata

import pyoxigraph as ox
import pytest

from kokemus_ld.store.embedded import EmbeddedStore
from kokemus_ld.vocab import vocab

SOURCE_PAGE = "https://vslj.fi/kokemustoiminta/"
SEVEN = {"Veturointi-toiminta", "Kokemuskumppanit", "Kuule minua -hanke", "Feeniks-työ", "SOS-kehittäjänuoret",
         "Varsinais-Suomen mielenterveysomaiset – FinFami ry: kokemustoiminta",
         "Äidit irti synnytysmasennuksesta Äimä ry: kokemustoiminta"}


@pytest.fixture(scope="module")
def ask(built):
    """Run a SELECT through the store's one choke point; rows as dicts of plain Python values."""
    store = EmbeddedStore(built)
    prefixes = "".join(f"PREFIX {k}: <{v}>\n" for k, v in vocab(built.base_iri).prefixes.items())

    def run(sparql: str) -> list[dict]:
        result = store.query(prefixes + sparql)
        assert not result.truncated
        if result.kind == "ask":
            return result.boolean
        return [{k: _plain(t) for k, t in row.items()} for row in result.dicts()]

    return run


def _plain(term):
    if isinstance(term, ox.Literal):
        dtype = term.datatype.value.rsplit("#", 1)[-1]
        if dtype in ("integer", "int"):
            return int(term.value)
        if dtype == "decimal":
            return float(term.value)
        return term.value
    return term.value.rsplit("/", 1)[-1]


def test_seven_activities_each_named_once(ask):
    rows = ask("SELECT ?name WHERE { ?a a kt:Activity ; skos:prefLabel ?name }")
    assert sorted(r["name"] for r in rows) == sorted(SEVEN)


def test_four_activities_offer_peer_appointments(ask):
    """'Vertaisvastaanotto tai vertaiskeskustelu' is a bullet of four entries."""
    rows = ask("""SELECT ?name ?text WHERE {
        ?a kt:offersService ktc:palvelu-vertaisvastaanotto ; skos:prefLabel ?name ;
           kt:offering [ kt:serviceType ktc:palvelu-vertaisvastaanotto ; kt:sourceText ?text ] }""")
    assert sorted(r["name"] for r in rows) == ["Feeniks-työ", "Kokemuskumppanit", "Kuule minua -hanke",
                                                "Veturointi-toiminta"]
    assert {r["text"] for r in rows} == {"Vertaisvastaanotto tai vertaiskeskustelu"}


def test_every_activity_offers_talks_at_trainings_and_seminars(ask):
    rows = ask("""SELECT ?name ?text WHERE {
        ?a a kt:Activity ; skos:prefLabel ?name ;
           kt:offering [ kt:serviceType ktc:palvelu-puheenvuorot ; kt:sourceText ?text ] }""")
    assert {r["name"] for r in rows} == SEVEN
    assert all("puheenvuorot koulutuksissa ja seminaareissa" in r["text"] for r in rows)
    missing = ask("""SELECT ?a WHERE { ?a a kt:Activity
        FILTER NOT EXISTS { ?a kt:offersService ktc:palvelu-puheenvuorot }
        FILTER NOT EXISTS { ?a schema:serviceType ktc:palvelu-puheenvuorot } }""")
    assert missing == []


def test_kuule_minua_training_is_16_hours_for_18_to_29_year_olds(ask):
    hours = ask("""SELECT ?min ?max ?unit ?text WHERE {
        ?a skos:prefLabel "Kuule minua -hanke"@fi ; kt:training/kt:volume ?v .
        ?v kt:minHours ?min ; kt:maxHours ?max ; kt:hourUnit ?unit ; kt:sourceText ?text }""")
    assert hours == [{"min": 16, "max": 16, "unit": "yksikko-tunti", "text": "16 tunnin"}]
    ages = ask("""SELECT ?group ?min ?max ?smin ?smax WHERE {
        ?a skos:prefLabel "Kuule minua -hanke"@fi ; kt:audience ?aud ; schema:audience ?aud .
        ?aud kt:targetGroup ?group ; kt:minAge ?min ; kt:maxAge ?max ;
             schema:suggestedMinAge ?smin ; schema:suggestedMaxAge ?smax }""")
    assert ages == [{"group": "kr-pakolaistaustaiset-nuoret", "min": 18, "max": 29, "smin": 18, "smax": 29}]


def test_kokemuskumppanit_training_about_100_hours_over_4_to_5_months_by_interview(ask):
    rows = ask("""SELECT ?min ?max ?qualifier ?from ?to ?weekly ?selection WHERE {
        ?a skos:prefLabel "Kokemuskumppanit"@fi ; kt:training ?t .
        ?t kt:volume [ kt:minHours ?min ; kt:maxHours ?max ; kt:hoursQualifier ?qualifier ] ;
           kt:minDuration ?from ; kt:maxDuration ?to ; kt:weeklyWorkload ?weekly ; kt:selectionMethod ?selection }""")
    assert rows == [{"min": 100, "max": 100, "qualifier": "maara-noin", "from": "P4M", "to": "P5M",
                     "weekly": "PT2H", "selection": "valinta-haastattelu"}]
    datatypes = ask("""SELECT (DATATYPE(?from) AS ?dt) WHERE {
        ?a skos:prefLabel "Kokemuskumppanit"@fi ; kt:training/kt:minDuration ?from }""")
    assert datatypes == [{"dt": "XMLSchema#duration"}]


def test_finfami_group_supervision_four_times_a_year_on_site_and_twice_remotely(ask):
    rows = ask("""SELECT ?count ?period ?mode ?text WHERE {
        ?a kt:organisation/skos:prefLabel "Varsinais-Suomen mielenterveysomaiset – FinFami ry"@fi ;
           kt:support ?s .
        ?s kt:supportKind ktc:tuki-ryhmatyonohjaus ; kt:schedule ?sch .
        ?sch schema:repeatCount ?count ; schema:repeatFrequency ?period ; kt:mode ?mode ; kt:sourceText ?text }
        ORDER BY DESC(?count)""")
    assert rows == [
        {"count": 4, "period": "P1Y", "mode": "tapa-lahi", "text": "toimistolla 4 krt. vuodessa"},
        {"count": 2, "period": "P1Y", "mode": "tapa-eta", "text": "etänä 2 krt. vuodessa"},
    ]


def test_statistic_2023_is_195_actors_in_18_member_organisations(ask):
    rows = ask("""SELECT ?actors ?orgs ?year ?label WHERE {
        ?s a kt:Statistic ; kt:actorCount ?actors ; kt:memberOrganisationCount ?orgs ;
           dct:temporal ?year ; skos:prefLabel ?label }""")
    assert rows == [{"actors": 195, "orgs": 18, "year": "2023", "label": "Kokemustoimijat vuonna 2023"}]


def test_fee_question_is_unanswered_and_no_placeholder_is_published(ask):
    rows = ask("""SELECT ?status ?answer WHERE {
        ?q schema:name "Kuka maksaa lastensuojelujärjestöjen kokemustoimijoiden palkkiot?"@fi ;
           kt:answerStatus ?status OPTIONAL { ?q schema:acceptedAnswer ?answer } }""")
    assert rows == [{"status": "vastaus-puuttuu"}]
    placeholders = ask("""SELECT ?s ?o WHERE { ?s ?p ?o
        FILTER(isLiteral(?o) && STR(?o) IN ("VASTAUS", "testi", "")) }""")
    assert placeholders == []


def test_ethics_guideline_is_known_by_title_without_a_file(ask):
    rows = ask("""SELECT ?doc ?section ?missing WHERE {
        ?doc a kt:Guideline, schema:DigitalDocument ; dct:title "Kokemustoimijat tilaisuuksissa"@fi ;
             kt:section ?section ; kt:missingInformation ?missing
        FILTER NOT EXISTS { ?doc schema:url ?u } FILTER NOT EXISTS { ?doc dcat:downloadURL ?u } }""")
    assert rows == [{"doc": "kokemustoimijat-tilaisuuksissa",
                     "section": "Eettiset ohjeet kokemustoimijoiden kanssa työskentelyyn", "missing": "tiedosto"}]


def test_every_text_literal_is_nfc(ask):
    rows = ask("SELECT DISTINCT ?o WHERE { ?s ?p ?o FILTER(isLiteral(?o) && (LANG(?o) != '' || DATATYPE(?o) = xsd:string)) }")
    assert len(rows) > 500
    assert [r["o"] for r in rows if not unicodedata.is_normalized("NFC", r["o"])] == []


def test_every_activity_is_a_complete_schema_org_service(ask):
    rows = ask("""SELECT ?a ?name ?provider ?area ?audience WHERE {
        ?a a kt:Activity, schema:Service ; schema:name ?name ; schema:description ?d ;
           schema:provider ?p ; schema:areaServed ?area ; schema:audience ?audience .
        ?p a schema:NGO ; schema:name ?provider .
        ?audience a schema:PeopleAudience }""")
    assert {r["name"] for r in rows} == SEVEN
    assert {r["area"] for r in rows} == {"alue-maakunta-02"}
    by_name = {r["name"]: r["provider"] for r in rows}
    assert by_name["Feeniks-työ"] == "MIELI Lounais-Suomen mielenterveys ry"
    assert by_name["Kokemuskumppanit"] == "Perhekuntoutuskeskus Lauste"


def test_faq_items_are_schema_org_questions_with_accepted_answers(ask):
    rows = ask("""SELECT ?pos ?question ?answer WHERE {
        ?page a schema:FAQPage ; schema:mainEntity ?q .
        ?q a schema:Question, kt:FAQItem ; schema:name ?question ; kt:position ?pos
        OPTIONAL { ?q schema:acceptedAnswer [ a schema:Answer ; schema:text ?answer ] } } ORDER BY ?pos""")
    assert [r["pos"] for r in rows] == [1, 2, 3, 4, 5]
    assert rows[0]["question"] == "Miksi käytätte sanaa kokemustoimija?"
    assert rows[0]["answer"].startswith("Kokemustoimijoilla tarkoitamme sekä kokemusasiantuntijoita että vertaisia.")
    assert [("answer" in r) for r in rows] == [True, True, True, True, False]


def test_feeniks_is_work_of_a_unit_of_mieli(ask):
    rows = ask("""SELECT ?unit ?org WHERE {
        ?a skos:prefLabel "Feeniks-työ"@fi ; kt:unit ?u ; kt:organisation ?o .
        ?u skos:prefLabel ?unit ; org:unitOf ?o . ?o skos:prefLabel ?org ; org:memberOf ?vslj .
        ?vslj skos:prefLabel "Varsinais-Suomen lastensuojelujärjestöt ry"@fi }""")
    assert rows == [{"unit": "Turun kriisikeskus", "org": "MIELI Lounais-Suomen mielenterveys ry"}]
