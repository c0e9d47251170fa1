"""Finished answers kept per worker (web/answers.py): the same bytes and headers Flask gives,
HEAD and 304 from the same entry, bounded, and a new build answered from its first request."""

from __future__ import annotations

import os
import shutil
import time
import uuid
from pathlib import Path

import pytest

from kokemus_ld.store.embedded import RELOAD_CHECK_SECONDS, EmbeddedStore
from kokemus_ld.web.answers import MARK, Answers, Mark
from kokemus_ld.web.app import create_app

from test_store import smaller_build

ACTIVITY = "/id/activity/kuule-minua"
LABEL = "Kuule minua -hanke"


def answers_of(client) -> Answers:
    return client.application.wsgi_app


def unique_accept(media: str) -> dict:
    """An Accept header no other test sends (a type nobody offers, at low q): a key of its own."""
    return {"Accept": f"{media}, x-test/{uuid.uuid4().hex};q=0.1"}


def without_date(headers) -> list:
    return sorted((k, v) for k, v in headers.items() if k != "Date")


# (path, Accept, what the body says): each kept answer is the one Flask gave, byte for byte.
KEPT = [
    (ACTIVITY, "text/html", LABEL),
    (ACTIVITY, "text/turtle", LABEL),
    (ACTIVITY, "application/ld+json", LABEL),
    (ACTIVITY + ".nt", "text/html", LABEL),  # the extension wins over Accept
    (ACTIVITY + "?lang=en", "text/html", "Kuule minua"),
    ("/", "text/html", "Kokemustoiminta"),
    ("/hakemisto", "text/html", "Kuule minua"),
]


@pytest.mark.parametrize("path, accept, says", KEPT)
def test_a_page_asked_again_is_the_answer_flask_gave(client, path, accept, says):
    headers = unique_accept(accept)
    before = len(answers_of(client))
    first = client.get(path, headers=headers)
    assert first.status_code == 200 and says in first.get_data(as_text=True)
    assert len(answers_of(client)) == before + 1  # kept (the cache is far from full)
    again = client.get(path, headers=headers)
    assert again.status_code == 200
    assert again.get_data() == first.get_data()
    assert without_date(again.headers) == without_date(first.headers)
    assert again.headers["X-Frame-Options"] == "DENY" and "ETag" in again.headers


def test_head_is_answered_from_the_kept_get(client):
    headers = unique_accept("text/turtle")
    get = client.get(ACTIVITY, headers=headers)
    head = client.head(ACTIVITY, headers=headers)
    assert head.status_code == 200 and head.get_data() == b""
    assert without_date(head.headers) == without_date(get.headers)
    assert int(head.headers["Content-Length"]) == len(get.get_data())


def test_not_modified_from_the_kept_answer_is_flasks_304(client):
    flask_headers = unique_accept("text/html")
    etag = client.get(ACTIVITY, headers=unique_accept("text/html")).headers["ETag"]
    from_flask = client.get(ACTIVITY, headers=dict(flask_headers, **{"If-None-Match": etag}))  # nothing kept yet
    assert from_flask.status_code == 304
    kept_headers = unique_accept("text/html")
    client.get(ACTIVITY, headers=kept_headers)
    kept = client.get(ACTIVITY, headers=dict(kept_headers, **{"If-None-Match": f'"other", {etag}'}))
    assert kept.status_code == 304 and kept.get_data() == b""
    assert without_date(kept.headers) == without_date(from_flask.headers)
    assert "Content-Type" not in kept.headers and kept.headers["ETag"] == etag


def test_conditional_requests_on_a_kept_answer(client):
    headers = unique_accept("application/ld+json")
    first = client.get(ACTIVITY, headers=headers)
    modified = first.headers["Last-Modified"]
    assert client.get(ACTIVITY, headers=dict(headers, **{"If-Modified-Since": modified})).status_code == 304
    stale = client.get(ACTIVITY, headers=dict(headers, **{"If-None-Match": '"stale"'}))
    assert stale.status_code == 200 and stale.get_data() == first.get_data()
    old = client.get(ACTIVITY, headers=dict(headers, **{"If-Modified-Since": "Mon, 01 Jan 2001 00:00:00 GMT"}))
    assert old.status_code == 200 and LABEL in old.get_data(as_text=True)


@pytest.mark.parametrize("path, status", [("/id/activity/no-such-thing", 404), (ACTIVITY + "?page=x", 400),
                                          (ACTIVITY + ".ttl?format=nosuch", 406)])
def test_errors_are_never_kept(client, path, status):
    headers = unique_accept("text/turtle")
    before = len(answers_of(client))
    assert client.get(path, headers=headers).status_code == status
    assert client.get(path, headers=headers).status_code == status
    assert len(answers_of(client)) == before


def publish(target: Path, build_dir: Path) -> None:
    """Point `current` at a build the way `kokemus-ld build` does: one atomic rename."""
    (target / "next").symlink_to(build_dir)
    os.replace(target / "next", target / "current")


def test_a_new_build_is_answered_from_its_first_request(built, tmp_path):
    builds = tmp_path / "builds"
    builds.mkdir()
    publish(tmp_path, Path(shutil.copytree(built.current_dir.resolve(), builds / "full")))
    settings = built.replace(publish_dir=str(tmp_path))
    client = create_app(settings, EmbeddedStore(settings)).test_client()
    for _ in range(2):  # the second answer is the kept one
        assert LABEL in client.get(ACTIVITY).get_data(as_text=True)
        assert ACTIVITY in client.get("/hakemisto").get_data(as_text=True)
    publish(tmp_path, smaller_build(built, builds / "smaller"))  # the same build without Kuule minua
    time.sleep(RELOAD_CHECK_SECONDS + 0.1)  # the store looks at `current` once a second
    assert client.get(ACTIVITY).status_code == 404
    assert ACTIVITY not in client.get("/hakemisto").get_data(as_text=True)


# The layer itself, around a counting WSGI app: what it keeps, for how long, and what it passes on.

class Counting:
    """A WSGI app answering 'v<n>' (marked when `mark` is set), counting its calls."""

    def __init__(self, status="200 OK", mark=True):
        self.calls, self.status, self.mark = 0, status, mark

    def __call__(self, environ, start_response):
        self.calls += 1
        body = f"v{self.calls}".encode()
        if self.mark:
            environ[MARK] = Mark(body, '"e"', None)
        start_response(self.status, [("Content-Type", "text/plain"), ("Content-Length", str(len(body))),
                                     ("ETag", '"e"')])
        return [body]


def call(app, path="/p", method="GET", **headers):
    environ = {"REQUEST_METHOD": method, "PATH_INFO": path, "QUERY_STRING": "", "wsgi.url_scheme": "http",
               "HTTP_HOST": "localhost", **{f"HTTP_{k.upper()}": v for k, v in headers.items()}}
    started = []
    body = b"".join(app(environ, lambda status, headers, exc_info=None: started.extend([status, headers])))
    return started[0], dict(started[1]), body


def test_kept_until_the_build_changes_then_dropped():
    inner, build = Counting(), ["b1"]
    app = Answers(inner, lambda: build[0], size=10)
    assert call(app)[2] == call(app)[2] == b"v1" and inner.calls == 1
    call(app, "/other")
    build[0] = "b2"
    assert call(app)[2] == b"v3" and inner.calls == 3
    assert len(app) == 1  # the old build's answers are dropped, not left to age out


def test_at_most_cache_size_answers():
    inner = Counting()
    app = Answers(inner, lambda: "b", size=2)
    for path in ("/a", "/b", "/c", "/a"):
        call(app, path)
    assert len(app) == 2 and inner.calls == 4  # /a was dropped for /c, then asked again


@pytest.mark.parametrize("inner, method", [(Counting(mark=False), "GET"), (Counting(status="404 NOT FOUND"), "GET"),
                                           (Counting(), "POST"), (Counting(), "HEAD")])
def test_passed_on_and_not_kept(inner, method):
    app = Answers(inner, lambda: "b", size=10)
    call(app, method=method)
    call(app, method=method)
    assert inner.calls == 2 and len(app) == 0


def test_head_and_304_without_the_app():
    inner = Counting()
    app = Answers(inner, lambda: "b", size=10)
    call(app)
    status, headers, body = call(app, method="HEAD")
    assert (status, body, headers["Content-Length"]) == ("200 OK", b"", "2")
    status, headers, body = call(app, if_none_match='"e"')
    assert (status, body) == ("304 NOT MODIFIED", b"") and "Content-Type" not in headers
    assert inner.calls == 1


def test_no_build_passes_on_to_flask():
    def no_build():
        raise RuntimeError("no build is published yet")

    inner = Counting()
    app = Answers(inner, no_build, size=10)
    call(app)
    call(app)
    assert inner.calls == 2
