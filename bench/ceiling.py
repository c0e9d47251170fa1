"""The ceiling for Python serving: a minimal Flask app returning pre-serialized bytes.

    CEILING_DIR=<folder> gunicorn --preload -w N bench.ceiling:app

The folder holds one file per path (the benchmark writes our server's own answers there,
so the sizes match); each request is a dict lookup and the bytes, nothing else.
"""

from __future__ import annotations

import os
from pathlib import Path

from flask import Flask, Response, abort

MEDIA_TYPES = {".html": "text/html; charset=utf-8", ".ttl": "text/turtle", ".jsonld": "application/ld+json"}


def create_app(folder: str) -> Flask:
    """An app that answers /<name> with the bytes of <folder>/<name>."""
    bodies = {p.name: (p.read_bytes(), MEDIA_TYPES.get(p.suffix, "application/octet-stream"))
              for p in Path(folder).iterdir() if p.is_file()}
    app = Flask(__name__)

    @app.route("/<name>")
    def serve(name: str):
        """The stored bytes, as they are."""
        if name not in bodies:
            abort(404)
        body, media_type = bodies[name]
        return Response(body, mimetype=media_type)

    return app


app = create_app(os.environ["CEILING_DIR"]) if "CEILING_DIR" in os.environ else None
