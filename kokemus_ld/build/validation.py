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
import pyshacl.consts
from pyshacl.constraints import CONSTRAINT_PARAMETERS_MAP
from pyshacl.constraints.core.string_based_constraints import PatternConstraintComponent
from pyshacl.graph_abstraction import DataGraph
import pyshacl.shape
from pyshacl.shape import Shape as PyshaclShape
from pyshacl.shapes_graph import ShapesGraph
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF

from ..vocab import SH
from .onegraph import OneGraph, canonical, data_graph
from .prepared import prepared_queries
from .problems import IN_ORDER, Problem

_PREFIX = re.compile(r"^(?:@prefix|PREFIX)\s+([\w-]*):\s*<([^>]*)>", re.I)
_SUBJECT = re.compile(r"^(<[^>\s]*>|[\w-]*:[^\s;,]*)\s")
SEVERITY = {SH.Violation: "violation", SH.Warning: "warning", SH.Info: "info"}
_lock = threading.RLock()  # the patches of pyshacl nest (targets, then paths)


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
    problems = sorted({locate(f, where) for f in findings}, key=IN_ORDER)
    return Report(not any(p.severity == "violation" for p in problems), problems, findings)


def _canonical_iris(shapes: Graph) -> None:
    """Make pyshacl's constants, then the shapes' IRIs, the objects graphs to validate hold (`onegraph.CANONICAL`)."""
    canonical([value for value in vars(pyshacl.consts).values() if type(value) is URIRef])
    canonical([term for triple in shapes for term in triple if type(term) is URIRef])


class Shapes:
    """The shapes graph, parsed by pyshacl once and reused for every graph validated with it."""

    def __init__(self, graph: Graph, shortcuts: bool = True):
        # pyshacl reads the shapes (paths, lists, parameters) all through validation: a one-graph
        # copy reads faster, and takes the two OWL axioms pyshacl adds, so `graph` (published) has none
        _canonical_iris(graph)
        self.graph = data_graph(graph)
        self.languages = {str(m): m.language for m in graph.objects(None, SH.message) if isinstance(m, Literal)}
        self._parsed = ShapesGraph(self.graph)  # pyshacl's view of the shapes, harvested on first use
        # off: pyshacl as it is, to prove that the shortcuts (screens, paths read from the index) change nothing
        self.shortcuts = shortcuts
        self._screens = _pattern_screens(self._parsed) if shortcuts else {}
        self._paths: dict = {}  # sh:path node -> its predicates in order, or None (see `_path_reader`)

    def validate(self, data: Graph, focus: set | None = None) -> list[Finding]:
        """The findings of validating `data` in place; with `focus`, only those nodes are targeted
        (other nodes are there for the shapes to read: types, schemes, referenced resources)."""
        validator = pyshacl.Validator(DataGraph.from_rdflib(data), shacl_graph=self.graph, options={
            "inference": "none", "advanced": True, "allow_warnings": True, "allow_infos": True,
            "inplace": True,  # `data` is the caller's own: no need for pyshacl to copy it first
        })
        validator.shacl_graph = self._parsed  # parsed shapes (and their SPARQL) are reused
        # pyshacl would parse each SPARQL constraint once per focus node
        paths = _path_reader(self._paths, data) if self.shortcuts else contextlib.nullcontext()
        with prepared_queries(), _targets(focus, self._screens, data), paths:
            _conforms, report_graph, _text = validator.run()
        return [_finding(report_graph, r, self.languages)
                for r in report_graph.subjects(RDF.type, SH.ValidationResult)]


@contextlib.contextmanager
def _targets(focus: set | None, screens: dict, data: Graph):
    """Within the block, a shape's own targets are kept only when in `focus` (None: all of them),
    and a screened shape's only when one of their values fails its pattern (`_pattern_screens`).

    Only the top-level target selection is narrowed: values a shape reads on its way (nested
    shapes, qualified value shapes, sh:class on referenced nodes) are evaluated as always.
    """
    original = PyshaclShape.focus_nodes
    seen: dict = {}  # (pattern, text) -> whether the text matches, for this graph
    failing: dict = {}  # screen -> the nodes with a value that fails it, for this graph

    def focus_nodes(self, data_graph, debug=False):
        screen = screens.get(self.node)
        if screen is not None:  # nearly always none fails: then its targets need not be found at all
            if screen not in failing:
                failing[screen] = _failing(screen, data, seen)
            if not failing[screen]:
                return set()
        nodes = original(self, data_graph, debug=debug)
        if focus is not None:
            nodes = {n for n in nodes if n in focus}
        if screen is not None:
            nodes = {n for n in nodes if n in failing[screen]}
        return nodes

    with _lock:
        PyshaclShape.focus_nodes = focus_nodes
        try:
            yield
        finally:
            PyshaclShape.focus_nodes = original


@contextlib.contextmanager
def _path_reader(paths: dict, data: Graph):
    """Within the block, pyshacl reads a shape's values on a predicate path, or a sequence of
    predicates, in `data` straight from its one-graph index.

    pyshacl walks a path anew for every focus node of every shape: the path's list nodes in the
    shapes graph, then each step through its graph abstraction and rdflib's generators (about
    40 % of validation). A predicate, or a list of predicates, is read here once per path and
    then followed in the store's index: the same values (objects of each step, as a set); any
    other path (inverse, alternative, repeated), or another graph, is left to pyshacl.
    """
    original = pyshacl.shape.value_nodes_from_path
    store = data.store if isinstance(data.store, OneGraph) else None

    def value_nodes_from_path(sg, focus, path, target_graph, *args, **kwargs):
        steps = paths.get(path, _UNREAD)
        if steps is _UNREAD:
            steps = paths[path] = _predicates(sg.graph, path)
        if steps is None or store is None or args or kwargs or getattr(target_graph, "impl", None) is not data \
                or not store.one():
            return original(sg, focus, path, target_graph, *args, **kwargs)
        values = {focus}
        for step in steps:
            values = {o for v in values for o in store.objects_of(v, step)}
        return values

    with _lock:
        pyshacl.shape.value_nodes_from_path = value_nodes_from_path
        try:
            yield
        finally:
            pyshacl.shape.value_nodes_from_path = original


_UNREAD = object()


def _predicates(shapes: Graph, path) -> tuple | None:
    """The predicates of a path that is one predicate or a list of two or more; None for any other."""
    if isinstance(path, URIRef):
        return (path,)
    if not isinstance(path, BNode) or shapes.value(path, RDF.first) is None:
        return None
    steps = tuple(shapes.items(path))
    return steps if len(steps) >= 2 and all(isinstance(s, URIRef) for s in steps) else None


def _pattern_screens(parsed: ShapesGraph) -> dict:
    """The property shapes whose one constraint is sh:pattern on a predicate: shape -> (predicate, regexes).

    Most shapes are of this kind (the ~180 text checks and the name heuristics), each evaluated by
    pyshacl over every focus node with its machinery per node and value, while nearly every value
    passes. So their focus nodes are screened first, here, with pyshacl's own compiled patterns and
    its own test (`match`, else `search`; a blank node never passes), each (pattern, text) tested
    once per graph (dct:description and its schema:description copy are the same texts): pyshacl
    then evaluates, and reports, only the nodes with a value that fails. Off when the shapes
    declare constraint components of their own (their parameters could sit on any shape).
    """
    if parsed.custom_constraints:
        return {}
    params = set(CONSTRAINT_PARAMETERS_MAP) | {SH.expression, SH.sparql}
    screens = {}
    for shape in parsed.shapes:
        if not shape.is_property_shape or not isinstance(shape.path(), URIRef):
            continue
        if {p for p, _o in parsed.graph.predicate_objects(shape.node) if p in params} != {SH.pattern}:
            continue
        screens[shape.node] = (shape.path(), tuple(PatternConstraintComponent(shape).compiled_cache.values()))
    return screens


def _failing(screen: tuple, data: Graph, seen: dict) -> set:
    """The nodes of `data` with a value on the screen's predicate that fails one of its patterns.

    Each distinct value is tested once, read off the predicate's index (value -> its subjects)
    rather than node by node after pyshacl has found each shape's targets: that walk, done for
    ~190 shapes per graph whose values nearly all pass, was a sixth of a validation worker's time."""
    predicate, patterns = screen
    store = data.store
    if isinstance(store, OneGraph) and store.one():
        pairs = store.values_of(predicate).items()
    else:
        pairs = ((value, (node,)) for node, value in data.subject_objects(predicate))
    nodes: set = set()
    for value, subjects in pairs:
        if _fails(value, patterns, seen):
            nodes.update(subjects)
    return nodes


def _fails(value, patterns: tuple, seen: dict) -> bool:
    """Whether a value fails one of the patterns, as pyshacl tests it (a blank node always does)."""
    if isinstance(value, BNode):
        return True
    text = PatternConstraintComponent.value_node_to_string(value)
    for pattern in patterns:
        matches = seen.get((pattern, text))
        if matches is None:
            matches = seen[(pattern, text)] = bool(pattern.match(text) or pattern.search(text))
        if not matches:
            return True
    return False


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
