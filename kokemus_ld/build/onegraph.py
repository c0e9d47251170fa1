"""The graphs SHACL validation reads: rdflib's in-memory store, read and filled the fast way.

pyshacl reads a graph a value at a time through rdflib's generic layers; while a store holds
one graph those reads can go straight to its indexes, and the IRIs in it can be the very
objects pyshacl asks with. Same triples, same answers, in the same order: only quicker
(tests/test_validation.py compares them with rdflib's own `Memory` and `Graph.add`).
"""

from __future__ import annotations

from rdflib import Graph, URIRef
from rdflib.paths import Path as PropertyPath
from rdflib.plugins.stores.memory import Memory


def data_graph(triples) -> Graph:
    """A graph to validate: rdflib's in-memory store, read through `OneGraph` and `Reads`, its IRIs
    the very objects pyshacl and the shapes look them up with (`CANONICAL`)."""
    g = Reads(store=OneGraph())
    same = CANONICAL
    g.store.load(((same.get(s, s), same.get(p, p), same.get(o, o) if type(o) is URIRef else o) for s, p, o in triples), g)
    return g


# An IRI -> the one object pyshacl's constants and the parsed shapes hold for it. A dictionary
# finds a key without calling its `__eq__` only when it is handed that very object, and rdflib's
# `__eq__` is Python: with every predicate, class and concept of a graph under validation being
# the object pyshacl asks for (rdf:type, sh:class kt:Organisation, a path, an sh:in list's
# scheme), its ~400,000 look-ups per 300 entries compare no strings. Equal terms, so no answer
# changes; filled by validation's `Shapes` (the same for every shapes graph: IRIs, whatever their base).
CANONICAL: dict = {}


def canonical(iris) -> None:
    """Make these IRI objects the ones graphs made by `data_graph` hold (the first object of each IRI stays)."""
    for iri in iris:
        CANONICAL.setdefault(iri, iri)


class OneGraph(Memory):
    """rdflib's in-memory store, read faster while it holds a single graph.

    pyshacl needs a context-aware store, and rdflib's `Memory` then looks up the graphs of
    every triple it matches: half of validation's time went there. A graph under
    validation is one graph, so a match is its triple and that graph; a request for any
    other graph (or once a second graph exists) is left to `Memory` as it is.
    """

    def load(self, triples, graph: Graph) -> None:
        """Add triples to `graph`, the store's one graph, as `add` would one at a time, in a fifth of the time.

        The first goes through `add` (it registers the graph and the store's default bookkeeping
        of a triple's graphs); every other new triple then gets what `add` gives a triple of that
        graph: its three index entries and its place in the graph's and the default graph's sets
        (`add`'s per-triple graph record is dropped again when it equals the default, as here).
        """
        triples = iter(triples)
        for first in triples:
            self.add(first, graph)
            break
        else:
            return
        spo, pos, osp = self._Memory__spo, self._Memory__pos, self._Memory__osp
        sets = self._Memory__contextTriples
        default = sets[None]
        (own,) = [members for key, members in sets.items() if key is not None]
        for triple in triples:
            s, p, o = triple
            objects = spo.setdefault(s, {}).setdefault(p, {})
            if o in objects:
                continue
            objects[o] = 1
            pos.setdefault(p, {}).setdefault(o, {})[s] = 1
            osp.setdefault(o, {}).setdefault(s, {})[p] = 1
            default.add(triple)
            own.add(triple)

    def one(self, context=None) -> bool:
        """Whether reads may skip the graphs: the store holds one graph (and `context`, if any, is it)."""
        graphs = self._Memory__all_contexts
        return len(graphs) == 1 and (context is None or context in graphs)

    def triples(self, triple_pattern, context=None):
        """The triples matching a pattern (s, p, o; None matches anything), each with its graphs."""
        if not self.one(context) or triple_pattern == (None, None, None):
            yield from super().triples(triple_pattern, context)
            return
        one = tuple(self._Memory__all_contexts)
        for t in self.matches(*triple_pattern):
            yield t, iter(one)

    def matches(self, s, p, o):
        """The triples matching a pattern, read from the indexes (only while `one()`; not all three None)."""
        if s is not None:
            by_predicate = self._Memory__spo.get(s)
            if not by_predicate:
                return
            for p2, objects in ([(p, by_predicate.get(p))] if p is not None else list(by_predicate.items())):
                if not objects:
                    continue
                if o is not None:
                    if o in objects:
                        yield s, p2, o
                    continue
                for o2 in list(objects):
                    yield s, p2, o2
        elif p is not None:
            by_object = self._Memory__pos.get(p)
            if not by_object:
                return
            for o2, subjects in ([(o, by_object.get(o))] if o is not None else list(by_object.items())):
                for s2 in list(subjects or ()):
                    yield s2, p, o2
        else:
            for s2, predicates in list((self._Memory__osp.get(o) or {}).items()):
                for p2 in list(predicates):
                    yield s2, p2, o

    def objects_of(self, s, p) -> list:
        """The objects of (s, p), straight from the index (only while `one()`)."""
        objects = (self._Memory__spo.get(s) or _NONE).get(p)
        return list(objects) if objects else []

    def subjects_of(self, p, o) -> list:
        """The subjects of (p, o), straight from the index (only while `one()`)."""
        subjects = (self._Memory__pos.get(p) or _NONE).get(o)
        return list(subjects) if subjects else []

    def values_of(self, p) -> dict:
        """Each object of predicate `p` -> its subjects (a dict used as an ordered set), straight from the
        index (only while `one()`; not to be changed)."""
        return self._Memory__pos.get(p) or _NONE


_NONE: dict = {}


class Reads(Graph):
    """An rdflib graph over a `OneGraph`, answering pyshacl's lookups in one step.

    pyshacl reads the data (and the shapes) a value at a time: every sh:path from every focus
    node, every sh:class test, through rdflib's `objects` -> `triples` -> store -> `triples`,
    four Python generators per value. While the store holds this one graph, the lookups with
    both keys given read its index directly; the answers and their order are the same (the
    same dictionaries are read), anything else goes the usual way.
    """

    def triples(self, triple):
        """Triples matching a pattern; a path predicate (rdflib's `Path`) is evaluated by rdflib."""
        s, p, o = triple
        store = self.store
        if isinstance(p, PropertyPath) or (s is None and p is None and o is None) or not store.one():
            yield from super().triples(triple)
            return
        yield from store.matches(s, p, o)

    def objects(self, subject=None, predicate=None, unique=False):
        """The objects of a subject and predicate (a list of subjects, a path or None: as rdflib does)."""
        if subject is None or predicate is None or isinstance(subject, list) or isinstance(predicate, PropertyPath) \
                or not self.store.one():
            return super().objects(subject, predicate, unique)
        return iter(self.store.objects_of(subject, predicate))

    def subjects(self, predicate=None, object=None, unique=False):  # noqa: A002 (rdflib's name)
        """The subjects of a predicate and object (a list of objects, a path or None: as rdflib does)."""
        if object is None or predicate is None or isinstance(object, list) or isinstance(predicate, PropertyPath) \
                or not self.store.one():
            return super().subjects(predicate, object, unique)
        return iter(self.store.subjects_of(predicate, object))

    def __contains__(self, triple) -> bool:
        """Whether a triple (or a pattern with None) is in the graph."""
        s, p, o = triple
        if s is None or p is None or o is None or isinstance(p, PropertyPath) or not self.store.one():
            return super().__contains__(triple)
        objects = (self.store._Memory__spo.get(s) or _NONE).get(p)
        return bool(objects) and o in objects
