"""Parse each SPARQL text once while validating: the cure for pyshacl's per-node parsing.

pyshacl evaluates a SPARQL-based constraint once per focus node, passing the same query
text each time with `$this` as an initial binding; rdflib parses the text anew on every
call, and its pyparsing grammar costs 0.1-0.8 s per parse. Measured on the real shapes
(bench/profile_validation.py), parsing was about 40 of 45 s for seven entries and grows
with every focus node. rdflib's documented prepared-query API (`prepareQuery`, then
`query(prepared, initBindings=...)`) answers the same, so inside `prepared_queries()`
each distinct (text, base, namespaces) is translated once per process and reused.
"""

from __future__ import annotations

import contextlib
import threading

from rdflib.plugins.sparql import processor
from rdflib.plugins.sparql.algebra import translateQuery
from rdflib.plugins.sparql.parser import parseQuery

_lock = threading.Lock()
_translated: dict = {}  # (text, base, namespaces) -> translated query, for the life of the process


@contextlib.contextmanager
def prepared_queries():
    """Within the block, rdflib translates each distinct query text once (process-wide patch)."""
    original = processor.SPARQLProcessor.query
    cache = _translated

    def query(self, strOrQuery, initBindings=None, initNs=None, base=None, DEBUG=False):  # noqa: N803
        if isinstance(strOrQuery, str):
            key = (strOrQuery, base, tuple(sorted((initNs or {}).items())))
            prepared = cache.get(key)
            if prepared is None:
                prepared = cache[key] = translateQuery(parseQuery(strOrQuery), base, initNs)
            strOrQuery = prepared
        return original(self, strOrQuery, initBindings, initNs, base, DEBUG)

    with _lock:
        processor.SPARQLProcessor.query = query
        try:
            yield cache
        finally:
            processor.SPARQLProcessor.query = original
