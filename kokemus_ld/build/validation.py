"""SHACL validation of the mapped graph: the only module that imports `pyshacl`.

Each result is traced back to the YAML line its focus node and path came from, and
said in Finnish and English (the shapes carry `sh:message` in both languages).
"""

from __future__ import annotations

import dataclasses

import pyshacl
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF

from ..vocab import SH
from .problems import Problem

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
    _conforms, report_graph, _text = pyshacl.validate(
        combined, shacl_graph=shapes, inference="none", advanced=True,
        allow_warnings=True, allow_infos=True, meta_shacl=False,
    )
    problems = [_problem(report_graph, r, where) for r in report_graph.subjects(RDF.type, SH.ValidationResult)]
    conforms = not any(p.severity == "violation" for p in problems)
    return Report(conforms, sorted(set(problems)), report_graph)


def _problem(rg: Graph, result, where: dict) -> Problem:
    focus = rg.value(result, SH.focusNode)
    path = rg.value(result, SH.resultPath)
    severity = SEVERITY.get(rg.value(result, SH.resultSeverity), "violation")
    messages = {m.language: str(m) for m in rg.objects(result, SH.resultMessage) if isinstance(m, Literal)}
    en = messages.get("en") or messages.get(None) or next(iter(messages.values()), "constraint not met")
    fi = messages.get("fi") or en
    value = rg.value(result, SH.value)
    if value is not None and isinstance(value, Literal):
        shown = str(value) if len(str(value)) <= 40 else str(value)[:37] + "..."
        fi, en = f"{fi} (arvo: '{shown}')", f"{en} (value: '{shown}')"
    loc = None
    if isinstance(path, URIRef):
        loc = where.get((str(focus), str(path)))
    loc = loc or where.get((str(focus), None))
    if loc is None and isinstance(focus, URIRef) and "#" in focus:
        loc = where.get((str(focus).split("#")[0], None))
    file, line, field = loc or ("(vocabulary)", 0, "")
    field = field or (str(path).rsplit("#", 1)[-1].rsplit("/", 1)[-1] if path is not None else "")
    if loc and isinstance(path, URIRef) and (str(focus), str(path)) not in where:
        field = f"{field} ({_short(path)})"
    return Problem(file, line, field or "(resource)", fi, en, severity)


def _short(iri) -> str:
    return str(iri).rsplit("#", 1)[-1].rsplit("/", 1)[-1]
