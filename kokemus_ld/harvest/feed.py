"""The change feed as an Activity Streams 2.0 ordered collection of Create/Update/Delete.

Events come from the build's changes.json (appended to by every build, oldest first, each
with a sequence number). Pages have a fixed size, so page n always holds events
(n-1)*PAGE_SIZE+1 .. n*PAGE_SIZE: its URL is stable and, once a later page exists, its
content never changes again (served as immutable). Pages carry `first`, `prev` and `next`
but not `last` (which would change as the feed grows); the collection carries
`first`, `last` and `totalItems`.
"""

from __future__ import annotations

from ..vocab import AS, Vocab

PAGE_SIZE = 50  # never change: page URLs and closed pages are promised to be stable
CONTEXT = str(AS).rstrip("#")


def page_count(events: list) -> int:
    """How many pages the feed has (an empty feed has one, empty, page)."""
    return max(1, -(-len(events) // PAGE_SIZE))


def is_closed(events: list, number: int) -> bool:
    """A page is closed when a later page exists: its events and links are final."""
    return number < page_count(events)


def page_url(v: Vocab, number: int) -> str:
    """The stable IRI of page `number`."""
    return f"{v.base}changes/page/{number}"


def collection(v: Vocab, events: list) -> dict:
    """The OrderedCollection: size and the first and last pages."""
    return {
        "@context": CONTEXT, "id": v.base + "changes", "type": "OrderedCollection",
        "name": "Kokemustoiminta-hakemiston muutokset / Changes to the lived-experience directory",
        "summary": "Create, Update and Delete of each published document, oldest first. "
                   "A document is a resource and its # parts; its IRI is the object's id.",
        "totalItems": len(events), "first": page_url(v, 1), "last": page_url(v, page_count(events)),
    }


def page(v: Vocab, events: list, number: int) -> dict | None:
    """One OrderedCollectionPage (None past the last page)."""
    if number < 1 or number > page_count(events):
        return None
    chunk = events[(number - 1) * PAGE_SIZE:number * PAGE_SIZE]
    out = {
        "@context": CONTEXT, "id": page_url(v, number), "type": "OrderedCollectionPage",
        "partOf": v.base + "changes", "first": page_url(v, 1), "startIndex": (number - 1) * PAGE_SIZE,
        "orderedItems": [activity(v, e, number) for e in chunk],
    }
    if number > 1:
        out["prev"] = page_url(v, number - 1)
    if number < page_count(events):
        out["next"] = page_url(v, number + 1)
    return out


def activity(v: Vocab, event: dict, number: int) -> dict:
    """One event: a Delete's object is a Tombstone (the IRI then answers 410 Gone)."""
    doc, stamp = event["object"], event["published"]
    if event["type"] == "Delete":
        obj = {"id": doc, "type": "Tombstone", "deleted": stamp}
    else:
        obj = {"id": doc, "updated": stamp}
    return {"id": f"{page_url(v, number)}#{event['seq']}", "type": event["type"], "actor": str(v.ORGS["vslj"]),
            "published": stamp, "object": obj}
