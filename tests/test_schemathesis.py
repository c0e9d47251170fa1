"""The app against its own OpenAPI description (openapi.yaml), with schemathesis.

Every operation gets generated requests (valid and invalid parameters, random path segments,
random query texts); every answer must be no 5xx (a SPARQL time limit's 503 excepted), a status
and content type the description lists, and a body matching its schema. Bounded: a few examples
per operation, run in process on the embedded store with a short time limit.
"""

from __future__ import annotations

import schemathesis
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from schemathesis import GenerationMode
from schemathesis.specs.openapi.checks import negative_data_rejection, positive_data_acceptance

from kokemus_ld.config import ROOT
from kokemus_ld.store.embedded import EmbeddedStore
from kokemus_ld.web.app import create_app

OPENAPI = ROOT / "openapi.yaml"


SCHEMA = schemathesis.openapi.from_path(OPENAPI)
OPERATIONS = [result.ok() for result in SCHEMA.get_all_operations()]
# Invalid input (negative mode) only where an operation takes input at all.
CASES = [(op, GenerationMode.POSITIVE) for op in OPERATIONS] + [
    (op, GenerationMode.NEGATIVE) for op in OPERATIONS
    if op.definition.raw.get("parameters") or op.definition.raw.get("requestBody")]
# The app is tolerant by design where the description is strict: an unknown `lang` falls back to
# Finnish, an unknown `format` is a 406 listing what exists. So "schema-valid data accepted" and
# "schema-violating data rejected" are not its contract; no 5xx, the status codes, content types,
# headers and bodies are.
TOLERANT = [positive_data_acceptance, negative_data_rejection]


@pytest.fixture(scope="module")
def contract_app(built):
    """The app (embedded store, short SPARQL time limit), called in process over WSGI."""
    return create_app(built.replace(sparql_timeout=2.0), EmbeddedStore(built))


@pytest.mark.parametrize("operation, mode", CASES, ids=lambda x: getattr(x, "label", None) or x.value)
@settings(max_examples=6, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_the_app_keeps_its_openapi_contract(contract_app, operation, mode, data):
    case = data.draw(operation.as_strategy(generation_mode=mode))
    response = case.call(app=contract_app)
    if response.status_code == 503 and operation.path == "/sparql":
        assert response.headers.get("Retry-After")  # the time limit stopped a generated query: allowed
        return
    case.validate_response(response, excluded_checks=TOLERANT)


def test_openapi_describes_every_route(embedded_app):
    """Each route of the app has its path in openapi.yaml (static files and examples redirect aside)."""
    described = set(schemathesis.openapi.from_path(OPENAPI).raw_schema["paths"])
    routes = {rule.rule.replace("<path:", "{").replace("<int:", "{").replace("<", "{").replace(">", "}")
              for rule in embedded_app.url_map.iter_rules()}
    routes = {r.replace("{rest}", "{path}").replace("{name}", "{file}") if r.startswith("/dumps") else
              r.replace("{rest}", "{path}").replace("{ident}", "{id}") for r in routes}
    skipped = {"/static/{filename}", "/sparql/examples"}
    missing = sorted(r for r in routes - skipped if r not in described)
    assert missing == [], f"routes missing from openapi.yaml: {missing}"
