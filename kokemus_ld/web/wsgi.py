"""Production entry point for gunicorn: `gunicorn --preload 'kokemus_ld.web.wsgi:app'`.

With --preload the store is loaded once in the master and shared copy-on-write by the
workers. Settings come from KOKEMUS_* environment variables.
"""

from .app import create_app

app = create_app()
