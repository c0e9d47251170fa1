"""The change feed for incremental harvesting: `/changes` and `/changes/page/<n>`.

JSON (application/activity+json, or application/ld+json) or HTML by negotiation. Closed
pages are `Cache-Control: immutable`; the last page and the collection are cached briefly.
"""

from __future__ import annotations

import json
from pathlib import Path

from flask import Blueprint, g, request

from ..harvest import feed
from .errors import ClientError
from .negotiation import FEED_FORMATS, HTML, negotiate
from .pages import page_context
from .render import html
from .site import data_response, site

bp = Blueprint("feed", __name__)
IMMUTABLE = "public, max-age=31536000, immutable"
OPEN_SECONDS = 60


def events() -> list:
    """The current build's change events, oldest first."""
    s = site()

    def load():
        path = Path(s.store.build_info()["_path"]) / "changes.json"
        return json.loads(path.read_text()) if path.exists() else []

    return s.cached(("feed-events",), load)


@bp.route("/changes", methods=["GET", "HEAD"])
def changes():
    """The ordered collection: how many events, the first and the last page."""
    s = site()
    evs = events()
    return _answer(feed.collection(s.vocab, evs), evs, evs[-1]["published"] if evs else None, closed=False,
                   pages=list(range(1, feed.page_count(evs) + 1)))


@bp.route("/changes/page/<int:number>", methods=["GET", "HEAD"])
def changes_page(number: int):
    """One page of events (stable URL; immutable once a later page exists)."""
    s = site()
    evs = events()
    body = feed.page(s.vocab, evs, number)
    if body is None:
        raise ClientError(404, f"Sivua {number} ei ole; sivuja on {feed.page_count(evs)}. / "
                               f"There is no page {number}; the feed has {feed.page_count(evs)}.")
    items = body["orderedItems"]
    return _answer(body, evs, items[-1]["published"] if items else None, closed=feed.is_closed(evs, number))


def _answer(body: dict, evs: list, modified: str | None, closed: bool, pages=()):
    fmt = negotiate(request.headers.get("Accept"), FEED_FORMATS, request.args.get("format"))
    if fmt is HTML:
        s = site()
        items = body.get("orderedItems", [])
        data = html("feed.html", **page_context("feed", title="Muutokset / Changes", feed=body, closed=closed,
                                                  items=[{**i, "href": s.link(i["object"]["id"])} for i in items],
                                                  pages=[(n, s.link(feed.page_url(s.vocab, n))) for n in pages],
                                                  link_of=s.link, lang_code=g.lang))
    else:
        data = json.dumps(body, ensure_ascii=False, indent=1)
    response = data_response(data, fmt, modified=modified, cache_seconds=OPEN_SECONDS)
    if closed:
        response.headers["Cache-Control"] = IMMUTABLE
    return response
