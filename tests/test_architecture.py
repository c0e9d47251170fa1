"""The one path of the data stays one path: each concern is imported in one module only."""

import re

import pytest

from kokemus_ld.config import ROOT

PACKAGE = ROOT / "kokemus_ld"

# (pattern, the only modules allowed to use it, why)
BOUNDARIES = [
    (r"^\s*(import yaml|from yaml)", {"build/entries.py"}, "only the YAML-reading module reads YAML"),
    (r"^\s*(import pyshacl|from pyshacl)", {"build/validation.py"}, "only validation runs SHACL"),
    (r"render_template\(", {"web/render.py"}, "only the render module renders templates"),
    (r"\bNamespace\(\"", {"vocab.py"}, "only the vocabulary module holds namespace IRIs"),
    (r"[\"']application/(ld\+json|n-triples|rdf\+xml|sparql-results\+json)[\"']", {"web/negotiation.py", "store/remote.py"},
     "only the negotiation module (and the SPARQL protocol client) knows media-type strings"),
]


def _sources():
    return {p.relative_to(PACKAGE).as_posix(): p.read_text(encoding="utf-8") for p in PACKAGE.rglob("*.py")}


@pytest.mark.parametrize("pattern, allowed, why", BOUNDARIES)
def test_boundary(pattern, allowed, why):
    offenders = sorted(name for name, text in _sources().items()
                       if re.search(pattern, text, re.M) and name not in allowed)
    assert not offenders, f"{why}: also found in {offenders}"


def test_build_never_imports_web():
    offenders = [name for name, text in _sources().items()
                 if name.startswith(("build/", "store/")) and re.search(r"from \.\.web|import kokemus_ld\.web", text)]
    assert not offenders
