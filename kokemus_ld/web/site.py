"""What every view shares: the store, IRI <-> path mapping, labels, languages and headers.

The data's IRIs never depend on the serving host: a request path is mapped onto the
canonical base IRI, and links in pages are written as local paths, so a local server
resolves every IRI of the data.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from email.utils import format_datetime
import datetime as dt

import pyoxigraph as ox
from flask import Flask, Response, current_app, g, request

from ..config import Settings
from ..store import Store
from ..vocab import Vocab, vocab
from .answers import MARK, Answers, Mark, fresh
from .errors import ClientError
from .negotiation import Format

LANGS = ("fi", "sv", "en")
_MISSING = object()  # a cache miss (None is a value worth keeping)
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")


class Site:
    """Per-app state: settings, store, namespaces and a response cache keyed by build."""

    def __init__(self, settings: Settings, store: Store):
        self.settings = settings
        self.store = store
        self.vocab: Vocab = vocab(settings.base_iri)
        self._cache: OrderedDict = OrderedDict()
        self._cache_lock = threading.Lock()
        self._cache_build = None
        self._making: dict[tuple, threading.Lock] = {}  # keys being computed, one lock each

    # -- build-keyed cache -----------------------------------------------------------------

    def cached(self, key: tuple, make, keep=None):
        """`make()` once per build and key; an LRU bounded by the cache_size setting.

        Concurrent misses of one key wait for the first to finish instead of all computing
        it (eight first listings at once cost 8x the CPU otherwise). `keep(value)` may refuse
        to cache a value (e.g. a large answer)."""
        build = self.build_id()
        full = (build,) + key
        hit = self._lookup(build, full)
        if hit is not _MISSING:
            return hit
        with self._cache_lock:
            making = self._making.setdefault(full, threading.Lock())
        with making:
            hit = self._lookup(build, full)
            if hit is not _MISSING:
                return hit
            try:
                value = make()
                if keep is None or keep(value):
                    with self._cache_lock:
                        self._cache[full] = value
                        while len(self._cache) > self.settings.cache_size:
                            self._cache.popitem(last=False)
            finally:
                with self._cache_lock:
                    self._making.pop(full, None)
        return value

    def _lookup(self, build: str, full: tuple):
        """The kept value of `full`, or `_MISSING`; a new build first drops the old build's entries."""
        with self._cache_lock:
            if build != self._cache_build:  # a new build: nothing kept from the old one is asked for again
                self._cache.clear()
                self._cache_build = build
            if full in self._cache:
                self._cache.move_to_end(full)
                return self._cache[full]
        return _MISSING

    def build_id(self) -> str:
        """The id of the build being served."""
        return self.store.build_info()["build_id"]

    # -- IRIs and paths --------------------------------------------------------------------

    def iri_for_path(self, path: str) -> str:
        """The canonical IRI a request path stands for."""
        return self.vocab.base + path.lstrip("/")

    def path_for(self, iri: str) -> str | None:
        """The local path of one of our IRIs (with its fragment), or None for a foreign IRI."""
        base = self.vocab.base
        if iri.startswith(base):
            return "/" + iri[len(base):]
        return None

    def link(self, iri: str, **params) -> str:
        """A link to show in a page: local for our IRIs (keeping the language), the IRI otherwise."""
        path = self.path_for(iri)
        if path is None:
            return iri
        lang = params.pop("lang", None) or getattr(g, "lang", "fi")
        if lang != "fi":
            doc, _, frag = path.partition("#")
            path = f"{doc}?lang={lang}" + (f"#{frag}" if frag else "")
        return path


def site() -> Site:
    """The `Site` of the current app."""
    return current_app.extensions["kokemus"]


# -- languages and labels --------------------------------------------------------------------

def choose_lang() -> str:
    """The UI language: `?lang=` first, then Accept-Language, then Finnish."""
    lang = request.args.get("lang", "")
    if lang in LANGS:
        return lang
    best = request.accept_languages.best_match(LANGS) if request.headers.get("Accept-Language") else None
    return best or "fi"


def pick(literals, lang: str) -> tuple[str | None, str | None]:
    """The text in `lang`, falling back fi -> sv -> en -> untagged; returns (text, language used)."""
    by_lang: dict[str | None, str] = {}
    for lit in literals:
        key = getattr(lit, "language", None) or None
        by_lang.setdefault(key, lit.value if hasattr(lit, "value") else str(lit))
    for candidate in (lang, "fi", "sv", "en", None):
        if candidate in by_lang:
            return by_lang[candidate], candidate
    if by_lang:
        key = next(iter(by_lang))
        return by_lang[key], key
    return None, None


# -- response headers ------------------------------------------------------------------------

def install(app: Flask) -> None:
    """Security headers on every response, the UI language on every request, kept answers first."""
    s = app.extensions["kokemus"]
    app.wsgi_app = Answers(app.wsgi_app, s.build_id, s.settings.cache_size)

    @app.before_request
    def _lang():
        g.lang = choose_lang()
        limit = 3 * site().settings.sparql_max_query_bytes + 4096  # room for a percent-encoded GET query
        if len(request.query_string) > limit:
            raise ClientError(414, f"Osoitteen kyselyosa on yli {limit} tavua. / "
                                   f"The query string is too long (over {limit} bytes).")

    @app.after_request
    def _headers(response: Response) -> Response:
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers.setdefault("X-Frame-Options", "DENY")
        return response


def data_response(body: bytes | str, fmt: Format, *, modified: str | None = None, alternates=(),
                  status: int = 200, cache_seconds: int = 60, vary_accept: bool = True,
                  content_location: str | None = None, whole: bool = False) -> Response:
    """A data or page response with ETag / Last-Modified (304 when fresh), CORS, Vary and Link.

    `whole=True` says the finished response depends on nothing but the build, the URL, Accept
    and Accept-Language, so the worker may keep it and answer it again without Flask (answers.py).
    """
    if isinstance(body, str):
        body = body.encode("utf-8")
    etag = '"' + hashlib.sha256(body).hexdigest()[:20] + ('-' + fmt.name) + '"'
    response = Response(body, status=status, content_type=fmt.content_type)
    response.headers["ETag"] = etag
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Access-Control-Expose-Headers"] = "ETag, Link, Content-Location, X-Truncated"
    response.headers["Cache-Control"] = f"public, max-age={cache_seconds}"
    if vary_accept:
        response.headers["Vary"] = "Accept, Accept-Language"
    if content_location:
        response.headers["Content-Location"] = content_location
    if alternates:
        response.headers["Link"] = ", ".join(f'<{href}>; rel="alternate"; type="{f.media_type}"'
                                             for href, f in alternates)
    last_modified = None
    if modified:
        try:
            last_modified = dt.datetime.fromisoformat(modified.replace("Z", "+00:00"))
            response.headers["Last-Modified"] = format_datetime(last_modified.astimezone(dt.timezone.utc), usegmt=True)
        except ValueError:
            last_modified = None
    if whole and status == 200:
        request.environ[MARK] = Mark(body, etag, last_modified)
    if status == 200 and fresh(etag, last_modified, request.headers.get("If-None-Match"),
                               request.headers.get("If-Modified-Since")):
        response.status_code = 304
        response.set_data(b"")
        response.headers.pop("Content-Type", None)
    return response


def term_value(term) -> str:
    """The lexical value of a pyoxigraph term."""
    return term.value if isinstance(term, (ox.NamedNode, ox.Literal, ox.BlankNode)) else str(term)
