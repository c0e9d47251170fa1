"""Change tracking between builds: content-derived dct:modified, the change feed, tombstones and 410."""

from __future__ import annotations

import datetime as dt
import os
import uuid
from email.utils import format_datetime

import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import DCTERMS as DCT

from kokemus_ld.build.dataset import build
from kokemus_ld.store.embedded import EmbeddedStore
from kokemus_ld.web.app import create_app

from conftest import copy_sources

BASE = "https://kokemus.vslj.fi/"
T0 = dt.datetime(2024, 1, 10, 8, 0, tzinfo=dt.timezone.utc)
T1 = dt.datetime(2024, 2, 20, 9, 30, tzinfo=dt.timezone.utc)
T2 = dt.datetime(2024, 3, 30, 12, 15, tzinfo=dt.timezone.utc)
EDITED = "id/activity/finfami-kokemustoiminta"
DELETED = "id/activity/kuule-minua"
UNCHANGED = ["id/org/ehja", "id/org/finfami", "id/activity/feeniks", "id/concept/palvelu-tyopari",
             "id/scheme/palvelut", "id/statistic/2023"]


def client_for(settings):
    """A fresh app on the embedded store over the current build (a new app sees the new build at once)."""
    app = create_app(settings, EmbeddedStore(settings))
    app.config["TESTING"] = True
    return app.test_client()


def all_events(client) -> list:
    collection = client.get("/changes", headers={"Accept": "application/activity+json"}).get_json()
    items, url = [], collection["first"]
    while url:
        page = client.get(url[len(BASE) - 1:], headers={"Accept": "application/activity+json"}).get_json()
        items += page["orderedItems"]
        url = page.get("next")
    assert len(items) == collection["totalItems"]
    return items


def modified_of(client, path: str) -> str:
    g = Graph().parse(data=client.get(path + ".ttl").get_data(as_text=True), format="turtle")
    return str(g.value(URIRef(BASE + path.lstrip("/")), DCT.modified))


def parse(stamp: str) -> dt.datetime:
    return dt.datetime.fromisoformat(stamp.replace("Z", "+00:00"))


def http_date(when: dt.datetime) -> str:
    return format_datetime(when, usegmt=True)


@pytest.fixture(scope="module")
def history(tmp_path_factory):
    """Three builds of a private copy of the data: as is, one entry edited, one entry deleted;
    what a client saw after each."""
    settings = copy_sources(tmp_path_factory.mktemp("changes"))
    seen = {}

    def look(label):
        client = client_for(settings)
        seen[label] = {
            "events": all_events(client),
            "etags": {p: client.get("/" + p, headers={"Accept": "text/turtle"}).headers["ETag"] for p in UNCHANGED},
            "modified": {p: modified_of(client, "/" + p) for p in UNCHANGED + [EDITED]},
            "last_modified": client.get("/" + EDITED).headers["Last-Modified"],
            "client": client,
        }

    build(settings, now=T0)
    look("first")
    build(settings, now=T0 + dt.timedelta(days=1))  # a rebuild with nothing changed
    look("same")
    entry = settings.data_dir + "/activities/finfami.yaml"
    text = open(entry, encoding="utf-8").read()
    edited = text.replace("Vertaisomaisia sekä kokemusasiantuntijoita.",
                          "Vertaisomaisia sekä koulutettuja kokemusasiantuntijoita.", 1)
    assert edited != text
    open(entry, "w", encoding="utf-8").write(edited)
    build(settings, now=T1)
    look("edited")
    os.remove(settings.data_dir + "/activities/kuule-minua.yaml")
    build(settings, now=T2)
    look("deleted")
    return seen


def test_first_build_creates_every_document(history):
    events = history["first"]["events"]
    assert events and {e["type"] for e in events} == {"Create"}
    assert BASE + EDITED in {e["object"]["id"] for e in events}


def test_a_rebuild_without_changes_changes_nothing(history):
    first, same = history["first"], history["same"]
    assert same["events"] == first["events"]
    assert same["etags"] == first["etags"]
    assert same["modified"] == first["modified"]


def test_editing_one_entry_gives_exactly_one_update(history):
    before, after = history["same"]["events"], history["edited"]["events"]
    new = after[len(before):]
    assert after[:len(before)] == before  # the feed only grows; old pages keep their events
    assert [(e["type"], e["object"]["id"]) for e in new] == [("Update", BASE + EDITED)]
    assert new[0]["published"] == T1.isoformat()


def test_only_the_edited_entry_gets_a_new_modified_date(history):
    before, after = history["same"], history["edited"]
    assert parse(before["modified"][EDITED]) == T0
    assert parse(after["modified"][EDITED]) == T1
    assert after["last_modified"] == http_date(T1) != before["last_modified"]
    for path in UNCHANGED:
        assert parse(after["modified"][path]) == parse(before["modified"][path]) == T0, path
        assert after["etags"][path] == before["etags"][path], path


def test_the_edit_reaches_the_html_and_hsds(history):
    client = history["edited"]["client"]
    page = client.get("/" + EDITED, headers={"Accept": "text/html"})
    assert "koulutettuja kokemusasiantuntijoita" in page.get_data(as_text=True)
    assert page.headers["Last-Modified"] == http_date(T1)
    service = client.get("/hsds/services/" + str(uuid.uuid5(uuid.NAMESPACE_URL, BASE + EDITED))).get_json()
    assert parse(service["last_modified"]) == T1
    assert [m["last_action_type"] for m in service["metadata"]] == ["create", "update"]
    changed = client.get("/hsds/services?modified_after=2024-02-01T00:00:00Z").get_json()
    assert [s["id"] for s in changed["contents"]] == [service["id"]]


def test_the_catalogue_reports_the_directory_as_changed(history):
    client = history["edited"]["client"]
    g = Graph().parse(data=client.get("/catalog.ttl?modified_since=2024-02-01T00:00:00Z").get_data(as_text=True),
                      format="turtle")
    datasets = set(g.objects(URIRef(BASE + "catalog"), URIRef("http://www.w3.org/ns/dcat#dataset")))
    assert datasets == {URIRef(BASE + "id/dataset")}
    assert g.value(URIRef(BASE + "id/dataset"), DCT.modified).toPython() == T1


def test_deleting_an_entry_leaves_a_tombstone_and_410(history):
    before, after = history["edited"]["events"], history["deleted"]["events"]
    new = after[len(before):]
    deletes = [e for e in new if e["type"] == "Delete"]
    assert [e["object"] for e in deletes] == [{"id": BASE + DELETED, "type": "Tombstone",
                                               "deleted": T2.isoformat()}]
    client = history["deleted"]["client"]
    for accept in ("text/html", "text/turtle", "application/ld+json"):
        r = client.get("/" + DELETED, headers={"Accept": accept})
        assert r.status_code == 410, accept
    assert "2024-03-30" in client.get("/" + DELETED, headers={"Accept": "text/html"}).get_data(as_text=True)
    assert client.get("/id/activity/never-existed").status_code == 404
    assert client.get("/hsds/services?search=kuule minua").get_json()["total_items"] == 0


def test_closed_feed_pages_are_immutable_and_the_last_is_not(history):
    client = history["deleted"]["client"]
    collection = client.get("/changes", headers={"Accept": "application/activity+json"})
    body = collection.get_json()
    assert body["type"] == "OrderedCollection" and "immutable" not in collection.headers["Cache-Control"]
    last = int(body["last"].rsplit("/", 1)[-1])
    assert last >= 3
    first = client.get("/changes/page/1", headers={"Accept": "application/activity+json"})
    assert first.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert first.get_json()["next"] == BASE + "changes/page/2" and "prev" not in first.get_json()
    tail = client.get(f"/changes/page/{last}", headers={"Accept": "application/activity+json"})
    assert "immutable" not in tail.headers["Cache-Control"] and "next" not in tail.get_json()
    assert tail.get_json()["prev"] == BASE + f"changes/page/{last - 1}"
    assert client.get(f"/changes/page/{last + 1}").status_code == 404
    # A closed page is the same, byte for byte, in every later build.
    old = history["first"]["client"].get("/changes/page/1", headers={"Accept": "application/activity+json"})
    assert old.data == first.data


def test_feed_html_lists_the_events(history):
    client = history["deleted"]["client"]
    last = client.get("/changes", headers={"Accept": "application/activity+json"}).get_json()["last"]
    page = client.get(last[len(BASE) - 1:] + "?lang=en", headers={"Accept": "text/html"}).get_data(as_text=True)
    assert "<h1>Changes" in page and "Deleted" in page and BASE + DELETED in page
