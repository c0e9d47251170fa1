"""Production entry point for gunicorn: `gunicorn --preload 'kokemus_ld.web.wsgi:app'`.

With --preload the store is loaded once in the master and shared copy-on-write by the
workers. Settings come from KOKEMUS_* environment variables. The listing's per-build index
and its rows' HTML are made here too, once in the master, instead of by each worker's first
visitor (6.9 s at N = 10,000 on the bench machine); a later build is indexed by the first
request that sees it.
"""

from .app import create_app
from .listing import warm

app = create_app()
warm(app)
