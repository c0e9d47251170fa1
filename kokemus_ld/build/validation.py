"""SHACL validation of the mapped graph: the only module that imports `pyshacl`.

Each result is traced back to the YAML line its focus node and path came from (or, for
the vocabulary, to the line of its Turtle file where the resource is written), and
said in Finnish and English (the shapes carry `sh:message` in both languages).
"""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path
from urllib.parse import urljoin

import pyshacl
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF

from ..vocab import SH
from .prepared import prepared_queries
from .problems import Problem

_PREFIX = re.compile(r"^(?:@prefix|PREFIX)\s+([\w-]*):\s*<([^>]*)>", re.I)
_SUBJECT = re.compile(r"^(<[^>\s]*>|[\w-]*:[^\s;,]*)\s")
SEVERITY = {SH.Violation: "violation", SH.Warning: "warning", SH.Info: "info"}


@dataclasses.dataclass
class Report:
    """The outcome of validation: conforms (no violation), the problems, and the report graph."""

    conforms: bool
    problems: list[Problem]
    graph: Graph

    def count(self, severity: str) -> int:
        """How many problems of one severity."""
        return sum(1 for p in self.problems if p.severity == severity)


def validate(data: Graph, shapes: Graph, ontology: Graph, where: dict) -> Report:
    """Validate `data` (with the vocabulary and schemes beside it) against `shapes`."""
    combined = Graph()
    for g in (data, ontology):
        for t in g:
            combined.add(t)
    with prepared_queries():  # pyshacl would parse each SPARQL constraint once per focus node
        _conforms, report_graph, _text = pyshacl.validate(
            combined, shacl_graph=shapes, inference="none", advanced=True,
            allow_warnings=True, allow_infos=True, meta_shacl=False,
            inplace=True,  # `combined` is ours alone: no need for pyshacl to copy it first
        )
    languages = {str(m): m.language for m in shapes.objects(None, SH.message) if isinstance(m, Literal)}
    problems = [_problem(report_graph, r, where, languages)
                for r in report_graph.subjects(RDF.type, SH.ValidationResult)]
    conforms = not any(p.severity == "violation" for p in problems)
    return Report(conforms, sorted(set(problems)), report_graph)


def _problem(rg: Graph, result, where: dict, languages: dict) -> Problem:
    focus = rg.value(result, SH.focusNode)
    path = _first_step(rg, rg.value(result, SH.resultPath))
    severity = SEVERITY.get(rg.value(result, SH.resultSeverity), "violation")
    # pyshacl drops the language tag of SPARQL-constraint messages: recover it from the shapes
    messages = {m.language or languages.get(str(m)): str(m)
                for m in rg.objects(result, SH.resultMessage) if isinstance(m, Literal)}
    en = messages.get("en") or messages.get(None) or next(iter(messages.values()), "constraint not met")
    fi = messages.get("fi") or en
    value = rg.value(result, SH.value)
    if value is not None and isinstance(value, Literal):
        shown = str(value) if len(str(value)) <= 40 else str(value)[:37] + "..."
        fi, en = f"{fi} (arvo: '{shown}')", f"{en} (value: '{shown}')"
    loc = where.get((str(focus), str(path))) if isinstance(path, URIRef) else None
    exact = loc is not None
    loc = loc or where.get((str(focus), None))
    if loc is None and isinstance(focus, URIRef) and "#" in focus:
        loc = where.get((str(focus).split("#")[0], None))
    prop = _short(path) if isinstance(path, URIRef) else ""
    if loc is None:  # neither in the YAML nor in a located Turtle file: name the resource at least
        return Problem("(vocabulary)", 0, f"{_short(focus)} {prop}".strip(), fi, en, severity)
    file, line, field = loc
    if not exact and prop:  # the property is missing or derived: name it beside where the resource is
        field = f"{field} ({prop})" if field else prop
    return Problem(file, line, field or "(resource)", fi, en, severity)


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
