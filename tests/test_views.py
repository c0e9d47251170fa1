"""The HTML site as a reader sees it: content, links, languages, structure and JSON-LD.

Runs on both stores (the `client` fixture is parametrized over embedded and Oxigraph).
"""

from __future__ import annotations

import pytest

from htmltree import json_ld, links, parse
from kokemus_ld.store.embedded import EmbeddedStore
from kokemus_ld.web.app import create_app

VERTAISVASTAANOTTO_USERS = {"/id/activity/veturointi", "/id/activity/kokemuskumppanit",
                            "/id/activity/kuule-minua", "/id/activity/feeniks"}


def page(client, path: str, status: int = 200):
    """GET a page, check its status and parse it."""
    r = client.get(path)
    assert r.status_code == status, (path, r.status_code, r.get_data(as_text=True)[:500])
    return parse(r.get_data(as_text=True))


def main_text(doc) -> str:
    """The text of the page's <main>."""
    return doc.find("main").text


def result_hrefs(doc) -> list[str]:
    """The activity links of a listing, in order."""
    return [card.find("h3").find("a").get("href").split("?")[0] for card in doc.find_all("li", class_="card")]


# -- home ------------------------------------------------------------------------------------

def test_home_shows_statistic_faq_guideline_and_way_in(client):
    doc = page(client, "/")
    text = main_text(doc)
    assert "Kokemustoimijat vuonna 2023" in text
    figures = [li.text for li in doc.find("section", class_="statistic").find_all("li")]
    assert figures == ["195 kokemustoimijaa", "18 VSLJ:n jäsenjärjestössä"]
    assert "Miksi käytätte sanaa kokemustoimija?" in text
    assert "Kokemustoimijoilla tarkoitamme sekä kokemusasiantuntijoita että vertaisia." in text
    unanswered = [qa for qa in doc.find_all("article", class_="qa") if "palkkiot" in qa.text]
    assert len(unanswered) == 1 and "ei ole vielä julkaistu vastausta" in unanswered[0].text
    assert "VASTAUS" not in doc.text
    guideline = doc.find("section", **{"aria-labelledby": "ohjeet"})
    assert "Kokemustoimijat tilaisuuksissa" in guideline.text and "Tiedostoa ei ole julkaistu." in guideline.text
    assert "Lataa" not in guideline.text
    form = doc.find("form", role="search")
    assert form.get("action") == "/hakemisto"
    field = form.find("input", name="q")
    assert form.find("label", **{"for": field.get("id")}) is not None
    hrefs = [h for h, _ in links(doc)]
    assert "/hakemisto" in hrefs and "/id/scheme/palvelut" in hrefs


def test_home_json_ld_is_website_and_faq_page(client):
    (data,) = json_ld(page(client, "/"))
    by_type = {node["@type"]: node for node in data["@graph"]}
    assert by_type["WebSite"]["potentialAction"]["@type"] == "SearchAction"
    questions = by_type["FAQPage"]["mainEntity"]
    assert len(questions) == 5
    answered = [q for q in questions if "acceptedAnswer" in q]
    assert len(answered) == 4
    assert all(q["acceptedAnswer"]["@type"] == "Answer" and q["acceptedAnswer"]["text"] for q in answered)
    unanswered = [q for q in questions if "acceptedAnswer" not in q]
    assert unanswered[0]["name"] == "Kuka maksaa lastensuojelujärjestöjen kokemustoimijoiden palkkiot?"


# -- the activity page -----------------------------------------------------------------------

def test_activity_page_reads_like_the_seed_entry(client):
    doc = page(client, "/id/activity/kuule-minua")
    assert [h.text for h in doc.find_all("h1")] == ["Kuule minua -hanke"]
    headings = [h.text for h in doc.find("main").find_all("h2")]
    for heading in ("Toiminta", "Palvelut", "Koulutus", "Kokemustoimijoiden saama tuki", "Kohderyhmät", "Alue"):
        assert heading in headings
    text = main_text(doc)
    assert "16 tunnin" in text and "16 tuntia" in text
    assert "18–29" in text
    assert "Soveltuvuusarvio" in text
    assert "1 krt / 2 vko, ryhmämuotoinen" in text  # "Vertaistuellinen ryhmä joka toinen viikko"
    assert "Vertaistuellinen ryhmä joka toinen viikko, mihin koulutetut kokemusasiantuntijat voivat osallistua." in text
    concept = [a for a in doc.find("main").find_all("a", href="/id/concept/palvelu-vertaisvastaanotto")]
    assert concept and concept[0].text == "Vertaisvastaanotto tai vertaiskeskustelu"
    assert ("/id/org/ehja", "Ehjä ry") in links(doc)
    assert ("/id/concept/alue-maakunta-02", "Varsinais-Suomi") in links(doc)


def test_activity_support_schedules_and_training_duration(client):
    finfami = main_text(page(client, "/id/activity/finfami-kokemustoiminta"))
    assert "4 krt / vuosi, lähimuotoinen" in finfami and "2 krt / vuosi, etämuotoinen" in finfami
    assert "vähintään 50 tuntia" in finfami
    kumppanit = main_text(page(client, "/id/activity/kokemuskumppanit"))
    assert "4–5 kk" in kumppanit and "noin 100 tuntia" in kumppanit
    assert "Haastattelu" in kumppanit


def test_activity_json_ld_is_a_service_with_provider_area_and_audience(client):
    (data,) = json_ld(page(client, "/id/activity/kuule-minua"))
    assert data["@type"] == "Service" and data["name"] == "Kuule minua -hanke"
    assert data["provider"] == [{"@type": "NGO", "@id": "https://kokemus.vslj.fi/id/org/ehja", "name": "Ehjä ry"}]
    assert data["areaServed"][0]["name"] == "Varsinais-Suomi"
    assert data["audience"][0]["suggestedMinAge"] == 18 and data["audience"][0]["suggestedMaxAge"] == 29


# -- organisation, concept, scheme, vocabulary, dataset --------------------------------------

def test_organisation_page_lists_activities_and_what_is_missing(client):
    doc = page(client, "/id/org/mieli-lounais-suomi")
    text = main_text(doc)
    assert doc.find("h1").text == "MIELI Lounais-Suomen mielenterveys ry"
    assert "Turun kriisikeskus" in text and doc.find(id="turun-kriisikeskus") is not None
    assert ("/id/activity/feeniks", "Feeniks-työ") in links(doc)
    assert ("/id/org/vslj", "Varsinais-Suomen lastensuojelujärjestöt ry") in links(doc)
    assert "Lähde ei kerro" in text and "Y-tunnus" in text
    (data,) = json_ld(doc)
    assert data["@type"] == "NGO" and data["department"][0]["name"] == "Turun kriisikeskus"


def test_vslj_page_lists_member_organisations(client):
    doc = page(client, "/id/org/vslj")
    hrefs = {h for h, _ in links(doc)}
    assert {"/id/org/ehja", "/id/org/aima", "/id/org/lauste"} <= hrefs


def test_concept_page_has_labels_in_all_languages_and_its_users(client):
    doc = page(client, "/id/concept/tapa-lahi")
    rows = {tr.find_all("td")[0].text: tr.find_all("td")[1] for tr in doc.find("table").find("tbody").find_all("tr")}
    assert rows["fi"].text == "Lähimuotoinen" and rows["sv"].get("lang") == "sv" and rows["en"].text == "In person"
    assert ("/id/scheme/tavat", "Toteutustavat") in links(doc)
    users = doc.find("section", **{"aria-labelledby": "kaytto"})
    assert "/id/activity/finfami-kokemustoiminta" in [a.get("href") for a in users.find_all("a")]


def test_concept_page_links_to_the_filtered_directory(client):
    doc = page(client, "/id/concept/palvelu-vertaisvastaanotto")
    users = doc.find("section", **{"aria-labelledby": "kaytto"})
    assert {a.get("href") for a in users.find_all("a")} >= VERTAISVASTAANOTTO_USERS
    assert "/hakemisto?palvelu=palvelu-vertaisvastaanotto" in [a.get("href") for a in users.find_all("a")]


def test_concept_page_shows_hierarchy(client):
    doc = page(client, "/id/concept/tuki-yksilotyonohjaus")
    assert ("/id/concept/tuki-tyonohjaus", "Työnohjaus") in links(doc)


def test_scheme_page_draws_the_hierarchy(client):
    doc = page(client, "/id/scheme/tuki")
    tree = doc.find("section", class_="tree")
    top = next(li for li in tree.find("ul").find_all("li") if li.find("a").get("href") == "/id/concept/tuki-tyonohjaus")
    nested = [a.get("href") for a in top.find("ul").find_all("a")]
    assert "/id/concept/tuki-yksilotyonohjaus" in nested
    (data,) = json_ld(doc)
    assert data["@type"] == "DefinedTermSet" and len(data["hasDefinedTerm"]) > 10


def test_vocabulary_page_has_an_anchor_per_term(client):
    doc = page(client, "/def/kt")
    activity = doc.find("section", id="Activity")
    assert activity is not None and "Kokemustoiminta" in activity.text
    assert "schema:Service" in activity.text and "cpsv:PublicService" in activity.text
    volume = doc.find("section", id="volume")
    assert ("/def/kt#Training", "Koulutus") in links(volume) or "Training" in volume.text
    assert doc.find("a", href="#Activity") is not None


def test_dataset_page_gives_licence_provenance_validation_and_downloads(client):
    doc = page(client, "/id/dataset")
    text = main_text(doc)
    assert "CC BY 4.0" in text
    assert "Aineisto on muotosääntöjen mukainen." in text
    hrefs = [h for h, _ in links(doc)]
    for name in ("kokemus.ttl", "kokemus.nt.gz", "kokemus.jsonld", "kokemus.trig", "kokemus.nq"):
        assert f"/dumps/{name}" in hrefs
    info = client.application.extensions["kokemus"].store.build_info()
    assert "Koottu" in text and info["build_id"] in text
    assert (info["commit"] or "ei kirjattu") in text
    (data,) = json_ld(doc)
    assert data["@type"] == "Dataset" and data["distribution"]


def test_faq_item_without_answer_says_so(client):
    doc = page(client, "/id/faq/kuka-maksaa-palkkiot")
    assert "Tähän kysymykseen ei ole vielä julkaistu vastausta." in main_text(doc)
    assert "VASTAUS" not in doc.text
    (data,) = json_ld(doc)
    assert data["@type"] == "Question" and "acceptedAnswer" not in data


def test_statistic_and_document_pages(client):
    stat = main_text(page(client, "/id/statistic/2023"))
    assert "195" in stat and "18" in stat and "2023" in stat
    document = main_text(page(client, "/id/document/kokemustoimijat-tilaisuuksissa"))
    assert "Tiedostoa ei ole julkaistu." in document


# -- the directory listing -------------------------------------------------------------------

def test_listing_shows_every_activity_in_a_stable_order(client):
    doc = page(client, "/hakemisto")
    hrefs = result_hrefs(doc)
    assert len(hrefs) == 7
    names = [card.find("h3").text for card in doc.find_all("li", class_="card")]
    assert names == sorted(names, key=str.lower)
    assert result_hrefs(page(client, "/hakemisto")) == hrefs


def test_facet_counts_and_filter(client):
    doc = page(client, "/hakemisto")
    facet = doc.find("a", **{"data-value": "palvelu-vertaisvastaanotto"})
    assert facet.find("span", class_="count").text == "(4)"
    assert facet.get("href") == "/hakemisto?palvelu=palvelu-vertaisvastaanotto"
    filtered = page(client, facet.get("href"))
    assert set(result_hrefs(filtered)) == VERTAISVASTAANOTTO_USERS
    assert "4 kokemustoimintaa" in filtered.find("h2", id="tulokset").text


def test_facets_combine(client):
    doc = page(client, "/hakemisto?palvelu=palvelu-vertaisvastaanotto&rooli=rooli-veturi")
    assert result_hrefs(doc) == ["/id/activity/veturointi"]
    chosen = doc.find("div", class_="chosen")
    assert "/hakemisto?rooli=rooli-veturi" in [a.get("href") for a in chosen.find_all("a")]


@pytest.mark.parametrize("query", ["synnytys", "SYNNYTYS", "Synnytys"])
def test_search_is_case_insensitive_over_names(client, query):
    assert result_hrefs(page(client, f"/hakemisto?q={query}")) == ["/id/activity/aima-kokemustoiminta"]


def test_search_reads_bullet_texts_and_keeps_facets(client):
    # "WhatsApp" is only in a support bullet of Kokemuskumppanit.
    assert result_hrefs(page(client, "/hakemisto?q=whatsapp")) == ["/id/activity/kokemuskumppanit"]
    doc = page(client, "/hakemisto?palvelu=palvelu-tyopari&q=vertais")
    assert set(result_hrefs(doc)) <= {"/id/activity/veturointi", "/id/activity/kokemuskumppanit",
                                      "/id/activity/finfami-kokemustoiminta"}
    form = doc.find("form", role="search")
    assert ("palvelu", "palvelu-tyopari") in [(i.get("name"), i.get("value")) for i in form.find_all("input", type="hidden")]


def test_search_with_quotes_and_backslashes_is_just_text(client):
    doc = page(client, '/hakemisto?q=%22%5C%7D%20UNION')
    assert result_hrefs(doc) == [] and "Hakuehdoilla ei löytynyt" in main_text(doc)


@pytest.mark.parametrize("query", ["palvelu=%3Cx%3E", "sivu=nolla", "sivu=0"])
def test_listing_refuses_malformed_parameters(client, query):
    doc = page(client, f"/hakemisto?{query}", status=400)
    assert doc.find("h1").text.startswith("400")


def test_listing_pages_through_the_results(built):
    app = create_app(built.replace(page_size=3), EmbeddedStore(built))
    client = app.test_client()
    first = page(client, "/hakemisto")
    assert len(result_hrefs(first)) == 3 and "Sivu 1 / 3" in main_text(first)
    seen = result_hrefs(first)
    nxt = first.find("a", rel="next").get("href")
    while nxt:
        doc = page(client, nxt)
        seen += result_hrefs(doc)
        link = doc.find("a", rel="next")
        nxt = link.get("href") if link else None
    assert len(seen) == len(set(seen)) == 7


# -- languages -------------------------------------------------------------------------------

def test_language_switch_gives_swedish_and_english_ui(client):
    sv = page(client, "/hakemisto?lang=sv")
    assert sv.find("html").get("lang") == "sv"
    assert "Katalog över erfarenhetsverksamhet" == sv.find("h1").text
    assert ("/hakemisto?lang=sv", "Katalog") in links(sv)
    en = page(client, "/id/activity/kuule-minua?lang=en")
    assert en.find("html").get("lang") == "en"
    assert "Services" in [h.text for h in en.find_all("h2")]
    switch = en.find("nav", class_="langs")
    assert [(a.get("hreflang"), a.get("href")) for a in switch.find_all("a")] == [
        ("fi", "/id/activity/kuule-minua"), ("sv", "/id/activity/kuule-minua?lang=sv"),
        ("en", "/id/activity/kuule-minua?lang=en")]


def test_fallback_labels_are_marked_and_language_tagged(client):
    en = page(client, "/id/activity/kuule-minua?lang=en")
    h1 = en.find("h1")
    assert h1.get("lang") == "fi" or h1.find(lang="fi") is not None  # the name exists only in Finnish
    assert "(in Finnish)" in h1.text
    area = en.find("a", href="/id/concept/alue-maakunta-02?lang=en")
    assert area.text == "Southwest Finland" and area.get("lang") is None  # an English label: no mark
    sv = page(client, "/id/concept/palvelu-vertaisvastaanotto?lang=sv")
    assert "(på finska)" in sv.find("h1").text


def test_links_keep_the_language(client):
    doc = page(client, "/?lang=sv")
    local = [h for h, _ in links(doc) if h.startswith("/id/") or h.startswith("/hakemisto")]
    assert local and all("lang=sv" in h for h in local)


# -- structure shared by every page ----------------------------------------------------------

PAGES = ["/", "/hakemisto", "/id/activity/kuule-minua", "/id/org/ehja", "/id/concept/palvelu-tyopari",
         "/id/scheme/palvelut", "/def/kt", "/id/dataset", "/id/statistic/2023", "/id/faq",
         "/id/faq/hyoty", "/id/document/kokemustoimijat-tilaisuuksissa", "/id/org/mieli-lounais-suomi",
         "/id/dataset?lang=en", "/ei-ole"]


@pytest.mark.parametrize("path", PAGES)
def test_every_page_is_accessible_in_structure(client, path):
    r = client.get(path)
    doc = parse(r.get_data(as_text=True))
    assert doc.find("html").get("lang") in ("fi", "sv", "en")
    assert len(doc.find_all("h1")) == 1
    assert doc.find("main", id="main") is not None and doc.find("a", class_="skip").get("href") == "#main"
    assert doc.find("header") is not None and doc.find("footer") is not None and doc.find("nav") is not None
    levels = [int(h.tag[1]) for h in doc.find("main").iter() if h.tag in ("h1", "h2", "h3", "h4", "h5", "h6")]
    assert levels[0] == 1 and all(b - a <= 1 for a, b in zip(levels, levels[1:])), levels
    for field in doc.find_all("input"):
        if field.get("type") != "hidden":
            assert doc.find("label", **{"for": field.get("id")}) is not None
    # The CSP forbids inline code: only JSON-LD data blocks, no style attributes or <style>.
    assert all(s.get("type") == "application/ld+json" for s in doc.find_all("script"))
    assert not doc.find_all(style=None) and not doc.find_all("style")
    assert json_ld(doc), "every page embeds schema.org JSON-LD"
    # Links show labels, never raw IRIs.
    for href, text in links(doc):
        assert not text.startswith(("http://", "https://")), (href, text)


def test_json_ld_cannot_break_out_of_its_script(client):
    body = client.get("/hakemisto?q=%3C/script%3E%3Cb%3E").get_data(as_text=True)
    assert "</script><b>" not in body
