"""SHACL validation of the mapped graph: the only module that imports `pyshacl`.

Each result is traced back to the YAML line its focus node and path came from (or, for
the vocabulary, to the line of its Turtle file where the resource is written), and
said in Finnish and English (the shapes carry `sh:message` in both languages).
"""

from __future__ import annotations

import contextlib
import dataclasses
import re
import threading
from typing import NamedTuple
from pathlib import Path
from urllib.parse import urljoin

import pyshacl
from pyshacl.graph_abstraction import DataGraph
from pyshacl.shape import Shape as PyshaclShape
from pyshacl.shapes_graph import ShapesGraph
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF
from rdflib.plugins.stores.memory import Memory

from ..vocab import SH
from .prepared import prepared_queries
from .problems import Problem

_PREFIX = re.compile(r"^(?:@prefix|PREFIX)\s+([\w-]*):\s*<([^>]*)>", re.I)
_SUBJECT = re.compile(r"^(<[^>\s]*>|[\w-]*:[^\s;,]*)\s")
SEVERITY = {SH.Violation: "violation", SH.Warning: "warning", SH.Info: "info"}
_lock = threading.Lock()


@dataclasses.dataclass
class Report:
    """The outcome of validation: conforms (no violation), the problems, and the SHACL results."""

    conforms: bool
    problems: list[Problem]
    findings: list["Finding"] = dataclasses.field(default_factory=list)

    def count(self, severity: str) -> int:
        """How many problems of one severity."""
        return sum(1 for p in self.problems if p.severity == severity)


class Finding(NamedTuple):
    """One SHACL result, not yet located: plain strings, so it pickles and caches cheaply."""

    focus: str  # an IRI, or "_:label" for a blank node
    path: str | None  # the first predicate of the result path
    severity: str  # violation | warning | info
    messages: tuple  # ((language or None, text), ...) with the shapes' language tags restored
    value: tuple | None  # ("iri", iri) | ("literal", lexical, language, datatype) | ("blank", label)
    shape: str | None
    component: str | None


def validate(data: Graph, shapes: Graph, ontology: Graph, where: dict) -> Report:
    """Validate `data` (with the vocabulary and schemes beside it) against `shapes`, as one graph."""
    combined = data_graph(t for g in (data, ontology) for t in g)
    findings = Shapes(shapes).validate(combined)
    return report(findings, where)


def report(findings: list[Finding], where: dict) -> Report:
    """The located problems of a set of findings."""
    problems = sorted({locate(f, where) for f in findings})
    return Report(not any(p.severity == "violation" for p in problems), problems, findings)


def data_graph(triples) -> Graph:
    """A graph to validate: rdflib's in-memory store, read through `_OneGraph`."""
    g = Graph(store=_OneGraph())
    for t in triples:
        g.add(t)
    return g


class _OneGraph(Memory):
    """rdflib's in-memory store, read faster while it holds a single graph.

    pyshacl needs a context-aware store, and rdflib's `Memory` then looks up the graphs of
    every triple it matches: half of validation's time went there. A graph under
    validation is one graph, so a match is its triple and that graph; a request for any
    other graph (or once a second graph exists) is left to `Memory` as it is.
    """

    def triples(self, triple_pattern, context=None):
        """The triples matching a pattern (s, p, o; None matches anything), each with its graphs."""
        graphs = self._Memory__all_contexts
        if len(graphs) != 1 or (context is not None and context not in graphs):
            yield from super().triples(triple_pattern, context)
            return
        one = tuple(graphs)
        s, p, o = triple_pattern
        if s is not None:
            by_predicate = self._Memory__spo.get(s)
            if not by_predicate:
                return
            for p2, objects in ([(p, by_predicate.get(p))] if p is not None else list(by_predicate.items())):
                if not objects:
                    continue
                if o is not None:
                    if o in objects:
                        yield (s, p2, o), iter(one)
                    continue
                for o2 in list(objects):
                    yield (s, p2, o2), iter(one)
        elif p is not None:
            by_object = self._Memory__pos.get(p)
            if not by_object:
                return
            for o2, subjects in ([(o, by_object.get(o))] if o is not None else list(by_object.items())):
                for s2 in list(subjects or ()):
                    yield (s2, p, o2), iter(one)
        elif o is not None:
            for s2, predicates in list((self._Memory__osp.get(o) or {}).items()):
                for p2 in list(predicates):
                    yield (s2, p2, o), iter(one)
        else:
            yield from super().triples(triple_pattern, context)


class Shapes:
    """The shapes graph, parsed by pyshacl once and reused for every graph validated with it."""

    def __init__(self, graph: Graph):
        # pyshacl reads the shapes (paths, lists, parameters) all through validation: a one-graph
        # copy reads faster, and takes the two OWL axioms pyshacl adds, so `graph` (published) has none
        self.graph = data_graph(graph)
        self.languages = {str(m): m.language for m in graph.objects(None, SH.message) if isinstance(m, Literal)}
        self._parsed = ShapesGraph(self.graph)  # pyshacl's view of the shapes, harvested on first use

    def validate(self, data: Graph, focus: set | None = None) -> list[Finding]:
        """The findings of validating `data` in place; with `focus`, only those nodes are targeted
        (other nodes are there for the shapes to read: types, schemes, referenced resources)."""
        validator = pyshacl.Validator(DataGraph.from_rdflib(data), shacl_graph=self.graph, options={
            "inference": "none", "advanced": True, "allow_warnings": True, "allow_infos": True,
            "inplace": True,  # `data` is the caller's own: no need for pyshacl to copy it first
        })
        validator.shacl_graph = self._parsed  # parsed shapes (and their SPARQL) are reused
        # pyshacl would parse each SPARQL constraint once per focus node
        with prepared_queries(), _targets_within(focus):
            _conforms, report_graph, _text = validator.run()
        return [_finding(report_graph, r, self.languages)
                for r in report_graph.subjects(RDF.type, SH.ValidationResult)]


@contextlib.contextmanager
def _targets_within(focus: set | None):
    """Within the block, a shape's own targets are kept only when in `focus` (None: all of them).

    Only the top-level target selection is narrowed: values a shape reads on its way (nested
    shapes, qualified value shapes, sh:class on referenced nodes) are evaluated as always.
    """
    if focus is None:
        yield
        return
    original = PyshaclShape.focus_nodes

    def focus_nodes(self, data_graph, debug=False):
        return {n for n in original(self, data_graph, debug=debug) if n in focus}

    with _lock:
        PyshaclShape.focus_nodes = focus_nodes
        try:
            yield
        finally:
            PyshaclShape.focus_nodes = original


def _finding(rg: Graph, result, languages: dict) -> Finding:
    """One result of a pyshacl report graph as plain strings."""
    path = _first_step(rg, rg.value(result, SH.resultPath))
    # pyshacl drops the language tag of SPARQL-constraint messages: recover it from the shapes
    messages = {(m.language or languages.get(str(m)), str(m))
                for m in rg.objects(result, SH.resultMessage) if isinstance(m, Literal)}
    shape, component = rg.value(result, SH.sourceShape), rg.value(result, SH.sourceConstraintComponent)
    return Finding(_name(rg.value(result, SH.focusNode)), str(path) if isinstance(path, URIRef) else None,
                   SEVERITY.get(rg.value(result, SH.resultSeverity), "violation"),
                   tuple(sorted(messages, key=lambda m: (m[0] or "", m[1]))), _term(rg.value(result, SH.value)),
                   _name(shape) if isinstance(shape, URIRef) else None,
                   str(component) if component is not None else None)


def _name(node) -> str:
    return f"_:{node}" if isinstance(node, BNode) else str(node)


def _term(node) -> tuple | None:
    if node is None:
        return None
    if isinstance(node, Literal):
        return ("literal", str(node), node.language, str(node.datatype) if node.datatype else None)
    return ("blank", str(node)) if isinstance(node, BNode) else ("iri", str(node))


def locate(finding: Finding, where: dict) -> Problem:
    """A finding as a problem at the YAML (or Turtle) line its focus node and path came from."""
    focus, path = finding.focus.removeprefix("_:"), finding.path
    messages = dict(finding.messages)
    en = messages.get("en") or messages.get(None) or next(iter(messages.values()), "constraint not met")
    fi = messages.get("fi") or en
    if finding.value is not None and finding.value[0] == "literal":
        value = finding.value[1]
        shown = value if len(value) <= 40 else value[:37] + "..."
        fi, en = f"{fi} (arvo: '{shown}')", f"{en} (value: '{shown}')"
    loc = where.get((focus, path)) if path is not None else None
    exact = loc is not None
    loc = loc or where.get((focus, None))
    if loc is None and not finding.focus.startswith("_:") and "#" in focus:
        loc = where.get((focus.split("#")[0], None))
    prop = _short(path) if path is not None else ""
    if loc is None:  # neither in the YAML nor in a located Turtle file: name the resource at least
        return Problem("(vocabulary)", 0, f"{_short(focus)} {prop}".strip(), fi, en, finding.severity)
    file, line, field = loc
    if not exact and prop:  # the property is missing or derived: name it beside where the resource is
        field = f"{field} ({prop})" if field else prop
    return Problem(file, line, field or "(resource)", fi, en, finding.severity)


def _first_step(rg: Graph, path):
    """A sequence or alternative path is located by its first predicate (e.g. kt:unit of kt:unit/org:unitOf)."""
    while isinstance(path, BNode):
        path = rg.value(path, RDF.first) or rg.value(path, SH.alternativePath)
    return path


def locate_turtle(folder: Path, base: str, label: str) -> dict:
    """Where each subject of the Turtle files in `folder` starts (file, line), for tracing results.

    Reads the project's own style (a statement starts at column 0 with a prefixed name or a
    relative IRI); anything else is simply not located.
    """
    where: dict = {}
    for path in sorted(Path(folder).rglob("*.ttl")):
        name = f"{label}/{path.relative_to(folder).as_posix()}"
        prefixes: dict[str, str] = {}
        for number, text in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            declared = _PREFIX.match(text)
            if declared:
                prefixes[declared[1]] = urljoin(base, declared[2])
                continue
            subject = _SUBJECT.match(text)
            if not subject:
                continue
            token = subject[1]
            if token.startswith("<"):
                iri = urljoin(base, token[1:-1])
            elif ":" in token and token.split(":", 1)[0] in prefixes:
                pfx, local = token.split(":", 1)
                iri = prefixes[pfx] + local
            else:
                continue
            where.setdefault((iri, None), (name, number, ""))
    return where


def _short(iri) -> str:
    return str(iri).rsplit("#", 1)[-1].rsplit("/", 1)[-1]
