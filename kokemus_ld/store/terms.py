"""Plain-tuple encoding of pyoxigraph terms, for passing answers between processes."""

from __future__ import annotations

import pyoxigraph as ox

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
RDF_LANGSTRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"


def encode(term):
    """A term as a tuple of strings (None stays None)."""
    if term is None:
        return None
    if isinstance(term, ox.NamedNode):
        return ("u", term.value)
    if isinstance(term, ox.BlankNode):
        return ("b", term.value)
    if isinstance(term, ox.Literal):
        return ("l", term.value, term.datatype.value, term.language)
    if isinstance(term, ox.Triple):
        return ("t", encode(term.subject), encode(term.predicate), encode(term.object))
    raise TypeError(f"not an RDF term: {term!r}")


def decode(data):
    """The term a tuple from `encode` stands for."""
    if data is None:
        return None
    kind = data[0]
    if kind == "u":
        return ox.NamedNode(data[1])
    if kind == "b":
        return ox.BlankNode(data[1])
    if kind == "l":
        if data[3]:
            return ox.Literal(data[1], language=data[3])
        return ox.Literal(data[1], datatype=ox.NamedNode(data[2]))
    return ox.Triple(decode(data[1]), decode(data[2]), decode(data[3]))
