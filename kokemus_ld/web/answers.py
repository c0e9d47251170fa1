"""Finished answers kept per worker, so a page asked for again skips Flask altogether.

The data does not change within a build, so a page's whole response (status, headers, body)
is fixed by the build and by what the request says about the representation: host, path,
query string (format, page, language), Accept and Accept-Language. The first request for a
key goes through Flask; a view that opts in (`data_response(..., whole=True)`) marks its 200
answer, and this WSGI layer keeps the response as Flask finished it, the security headers of
`after_request` included. The next request with the same key is answered at the top of the
WSGI call: GET with the body, HEAD without it, 304 from the stored ETag or Last-Modified.

The keys start with the build id, so a newly published build is answered from the first
request that sees it (and the old build's answers are dropped then); the cache is an LRU of
at most `cache_size` answers per worker.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import threading
from collections import OrderedDict
from email.utils import parsedate_to_datetime

from werkzeug.http import remove_entity_headers

MARK = "kokemus.whole"  # the environ key a view's answer is marked with
# What a response may depend on, besides the build (Vary: Accept, Accept-Language).
KEY_FIELDS = ("HTTP_HOST", "wsgi.url_scheme", "SCRIPT_NAME", "PATH_INFO", "QUERY_STRING",
              "HTTP_ACCEPT", "HTTP_ACCEPT_LANGUAGE")


@dataclasses.dataclass(frozen=True)
class Mark:
    """What `data_response` tells this layer about a 200 answer it may keep."""

    body: bytes
    etag: str
    last_modified: dt.datetime | None


@dataclasses.dataclass(frozen=True)
class Answer:
    """One finished response: the 200 and the 304 header lists, the body and its validators."""

    headers: list
    not_modified: list
    body: bytes
    etag: str
    last_modified: dt.datetime | None

    @classmethod
    def of(cls, headers: list, mark: Mark) -> Answer:
        """The answer for a response Flask finished, with the 304 headers werkzeug would send."""
        not_modified = list(headers)
        remove_entity_headers(not_modified)
        return cls(list(headers), not_modified, mark.body, mark.etag, mark.last_modified)

    def serve(self, environ: dict, start_response) -> list:
        """Answer a request from this entry: 304 when the client's copy is fresh, no body for HEAD."""
        inm, ims = environ.get("HTTP_IF_NONE_MATCH"), environ.get("HTTP_IF_MODIFIED_SINCE")
        if (inm or ims) and fresh(self.etag, self.last_modified, inm, ims):
            start_response("304 NOT MODIFIED", list(self.not_modified))
            return []
        start_response("200 OK", list(self.headers))
        return [] if environ["REQUEST_METHOD"] == "HEAD" else [self.body]


class Answers:
    """WSGI middleware: answers kept answers, keeps the marked ones, passes everything else on."""

    def __init__(self, wsgi_app, build_id, size: int):
        self.wsgi_app, self.build_id, self.size = wsgi_app, build_id, size
        self._answers: OrderedDict = OrderedDict()
        self._lock = threading.Lock()
        self._build = None

    def __call__(self, environ: dict, start_response):
        """One request: a kept answer, or Flask's answer (kept when the view marked it)."""
        method = environ.get("REQUEST_METHOD")
        if method not in ("GET", "HEAD") or self.size <= 0:
            return self.wsgi_app(environ, start_response)
        try:
            build = self.build_id()
        except Exception:  # noqa: BLE001 - no build to answer from: Flask's error handler speaks
            return self.wsgi_app(environ, start_response)
        key = (build,) + tuple(environ.get(name) for name in KEY_FIELDS)
        with self._lock:
            if build != self._build:  # a new build: the old answers can never be asked for again
                self._answers.clear()
                self._build = build
            answer = self._answers.get(key)
            if answer is not None:
                self._answers.move_to_end(key)
        if answer is not None:
            return answer.serve(environ, start_response)
        started = []

        def capture(status, headers, exc_info=None):
            started[:] = [status, headers]
            return start_response(status, headers, exc_info)

        body = self.wsgi_app(environ, capture)
        mark = environ.get(MARK)
        if method == "GET" and mark is not None and started and started[0].startswith("200 "):
            self._keep(key, Answer.of(started[1], mark))
        return body

    def _keep(self, key: tuple, answer: Answer) -> None:
        with self._lock:
            self._answers[key] = answer
            while len(self._answers) > self.size:
                self._answers.popitem(last=False)

    def __len__(self) -> int:
        return len(self._answers)


def fresh(etag: str, last_modified: dt.datetime | None, inm: str | None, ims: str | None) -> bool:
    """Is the client's cached copy still good (If-None-Match first, then If-Modified-Since)?"""
    if inm:
        tags = [t.strip() for t in inm.split(",")]
        return "*" in tags or etag in tags or ("W/" + etag) in tags
    if ims and last_modified is not None:
        try:
            since = parsedate_to_datetime(ims)
        except (TypeError, ValueError):
            return False
        if since.tzinfo is None:
            since = since.replace(tzinfo=dt.timezone.utc)
        return last_modified.replace(microsecond=0) <= since
    return False
