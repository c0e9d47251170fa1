"""gunicorn settings, read from the working directory by `gunicorn ... kokemus_ld.web.wsgi:app`.

Threaded workers, so one slow request (a SPARQL query running to its time limit, a large
dump on a slow link) holds one thread, never a whole worker: with the default sync workers
two slow queries would stop a two-worker site for the length of the time limit. Request
lines and headers stay bounded (gunicorn answers 400 past these limits). See SECURITY.md.
"""

worker_class = "gthread"
threads = 8
limit_request_line = 8190  # gunicorn's maximum: room for a GET SPARQL query of a few KiB
limit_request_fields = 100
limit_request_field_size = 8190
