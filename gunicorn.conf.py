"""gunicorn settings, read from the working directory by `gunicorn ... kokemus_ld.web.wsgi:app`.

Threaded workers, so one slow request (a SPARQL query running to its time limit, a large
dump on a slow link) holds one thread, never a whole worker: with the default sync workers
two slow queries would stop a two-worker site for the length of the time limit. Request
lines and headers stay bounded (gunicorn answers 400 past these limits). See SECURITY.md.
"""

import gc

worker_class = "gthread"
threads = 8
limit_request_line = 8190  # gunicorn's maximum: room for a GET SPARQL query of a few KiB
limit_request_fields = 100
limit_request_field_size = 8190


def pre_fork(server, worker):
    """Hide what the master loaded (with --preload: the app, the store, the build's meta) from
    the workers' garbage collector: a full collection walks every tracked object with all of a
    worker's threads stopped (about 180 ms for the preloaded app at N = 1,000 on the 2-core
    bench machine, a p99 of its own), and walking them writes to pages the workers would
    otherwise share with the master."""
    gc.collect()
    gc.freeze()
