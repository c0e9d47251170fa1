"""The Flask application factory: `create_app(settings, store)`, no import-time globals.

Production: `gunicorn --preload -w 2 'kokemus_ld.web.wsgi:app'` (see README).
"""

from __future__ import annotations

from flask import Flask, g

from ..config import Settings
from ..store import Store, open_store
from . import errors, render, site

MAX_BODY_BYTES = 64 * 1024


def create_app(settings: Settings | None = None, store: Store | None = None) -> Flask:
    """Build the app for one set of settings and one store (opened from the settings if not given)."""
    settings = settings or Settings.from_env()
    app = Flask(__name__, template_folder="../templates", static_folder="../static", static_url_path="/static")
    app.config.update(MAX_CONTENT_LENGTH=MAX_BODY_BYTES, JSON_AS_ASCII=False)
    app.extensions["kokemus"] = site.Site(settings, store or open_store(settings))
    app.jinja_env.autoescape = True
    app.jinja_env.finalize = render.visible_controls
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
    site.install(app)
    errors.install(app)
    from . import harvest, hsds, sparql, views  # noqa: PLC0415 - blueprints register routes

    for module in (views, sparql, harvest, hsds):
        app.register_blueprint(module.bp)
    app.register_blueprint(views.resources)  # the catch-all for IRIs comes last

    @app.teardown_appcontext
    def _forget(_exc):  # nothing per-request survives the request
        g.pop("lang", None)

    return app
