"""The one error handler: every error in the format the client asked for, never a traceback."""

from __future__ import annotations

import json
import logging

from flask import Flask, Response, g, request
from werkzeug.exceptions import HTTPException

from ..store.base import QueryError, QueryTimeout, StoreUnavailable
from .negotiation import ERROR_FORMATS, HTML, JSON, JSONLD, TEXT, TURTLE, NotAcceptable, negotiate

log = logging.getLogger(__name__)

TITLES = {
    400: ("Virheellinen pyyntö", "Felaktig begäran", "Bad request"),
    404: ("Sivua ei löydy", "Sidan hittades inte", "Not found"),
    405: ("Menetelmä ei sallittu", "Metoden är inte tillåten", "Method not allowed"),
    406: ("Muotoa ei voi tarjota", "Formatet kan inte erbjudas", "Not acceptable"),
    410: ("Poistettu", "Borttagen", "Gone"),
    413: ("Pyyntö on liian suuri", "Begäran är för stor", "Payload too large"),
    414: ("Osoite on liian pitkä", "Adressen är för lång", "URI too long"),
    415: ("Sisältötyyppiä ei tueta", "Innehållstypen stöds inte", "Unsupported media type"),
    500: ("Palvelinvirhe", "Serverfel", "Internal server error"),
    503: ("Palvelu ei juuri nyt vastaa", "Tjänsten svarar inte just nu", "Service unavailable"),
}


class ClientError(Exception):
    """A problem with the request, shown to the client with a status and a message."""

    def __init__(self, status: int, message: str, offered=None):
        super().__init__(message)
        self.status, self.message, self.offered = status, message, offered


def error_response(status: int, message: str, offered=None, headers=None) -> Response:
    """Render an error in the negotiated format (HTML, JSON, Turtle, JSON-LD or text)."""
    try:
        fmt = negotiate(request.headers.get("Accept"), ERROR_FORMATS)
    except NotAcceptable:
        fmt = TEXT
    lang = getattr(g, "lang", "fi")
    titles = TITLES.get(status, TITLES[500] if status >= 500 else TITLES[400])
    title = titles[{"fi": 0, "sv": 1, "en": 2}.get(lang, 0)]
    formats = [f.media_type for f in offered] if offered else []
    if fmt is HTML:
        from .pages import page_context
        from .render import html

        try:
            body = html("error.html", **page_context("error", status=status, title=title, message=message,
                                                     formats=offered or []))
        except Exception:  # noqa: BLE001 - the error page itself must never fail
            log.exception("error page failed")
            body = f"<!doctype html><title>{status}</title><p>{status}</p>"
    elif fmt in (JSON, JSONLD):
        data = {"status": status, "title": titles[2], "message": message}
        if formats:
            data["available"] = formats
        body = json.dumps(data, ensure_ascii=False)
    elif fmt is TURTLE:
        escaped = message.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
        body = (f'@prefix http: <http://www.w3.org/2011/http#> .\n[] a http:Response ; http:statusCodeValue {status} ;\n'
                f'  http:reasonPhrase "{titles[2]}" ; <http://www.w3.org/2000/01/rdf-schema#comment> "{escaped}" .\n')
    else:
        body = f"{status} {titles[2]}\n{message}\n" + (f"Available: {', '.join(formats)}\n" if formats else "")
    response = Response(body, status=status, content_type=fmt.content_type)
    response.headers["Vary"] = "Accept"
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Cache-Control"] = "no-store" if status >= 500 else "public, max-age=60"
    for k, v in (headers or {}).items():
        response.headers[k] = v
    return response


def install(app: Flask) -> None:
    """Register the handlers."""

    @app.errorhandler(ClientError)
    def _client(exc: ClientError):
        return error_response(exc.status, exc.message, exc.offered)

    @app.errorhandler(NotAcceptable)
    def _not_acceptable(exc: NotAcceptable):
        return error_response(406, "Pyydettyä muotoa ei ole tarjolla. / The requested format is not available.",
                              exc.offered)

    @app.errorhandler(QueryError)
    def _query(exc: QueryError):
        return error_response(400, str(exc))

    @app.errorhandler(QueryTimeout)
    def _timeout(exc: QueryTimeout):
        return error_response(503, str(exc), headers={"Retry-After": "1"})

    @app.errorhandler(StoreUnavailable)
    def _unavailable(exc: StoreUnavailable):
        return error_response(503, str(exc), headers={"Retry-After": "5"})

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException):
        messages = {404: "Tällä osoitteella ei ole sisältöä. / Nothing is published at this address.",
                    413: "Pyyntö on liian suuri. / The request body is too large.",
                    405: "Tämä menetelmä ei ole sallittu tässä osoitteessa. / This method is not allowed here."}
        response = error_response(exc.code or 500, messages.get(exc.code, exc.description or ""))
        if exc.code == 405 and hasattr(exc, "valid_methods") and exc.valid_methods:
            response.headers["Allow"] = ", ".join(exc.valid_methods)
        return response

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):
        log.exception("unhandled error")
        return error_response(500, "Odottamaton virhe; se on kirjattu. / An unexpected error; it has been logged.")
