"""Property-based tests (hypothesis): random and mutated input never crashes the publisher.

- the YAML loader: any text, and real entries mutated, give data or a `DataError` whose every
  problem names a file and a line; never another exception;
- content negotiation: any Accept header or format name gives 200 or 406 (never 500);
- the SPARQL endpoint: random and mutated example queries give 200, 400, 413 or 503.

Example counts are modest so `make test` stays quick; raise them locally with
`--hypothesis-seed` / `HYPOTHESIS_PROFILE` for a longer hunt.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings, strategies as st

from kokemus_ld.build.dataset import load_vocabulary
from kokemus_ld.build.entries import parse_yaml, read_data
from kokemus_ld.build.mapping import map_entries
from kokemus_ld.build.problems import DataError
from kokemus_ld.config import ROOT, Settings
from kokemus_ld.store.embedded import EmbeddedStore
from kokemus_ld.vocab import vocab
from kokemus_ld.web.app import create_app
from kokemus_ld.web.negotiation import RESOURCE_FORMATS, NotAcceptable, negotiate

FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                        HealthCheck.too_slow])
DATA = ROOT / "data"
REAL_FILES = sorted(p.relative_to(DATA).as_posix() for p in DATA.rglob("*.yaml"))
EXAMPLES = sorted((ROOT / "kokemus_ld" / "queries" / "examples").glob("*.rq"))


def assert_located(problems, file: str | None = None) -> None:
    """Every problem names a file (the one given, when given) and a line."""
    assert problems
    for p in problems:
        assert p.file and p.line >= 0 and p.message_en, p
        if file is not None:
            assert p.file == file, p


# -- the YAML loader ------------------------------------------------------------------------

YAML_ISH = st.text(alphabet=st.sampled_from(list("abc-:#&*!|>'\"[]{},?%@` \t\n0123456789.\\") + ["\ufeff", "ä"]),
                   max_size=200)


@FUZZ
@given(text=st.one_of(st.text(max_size=300), YAML_ISH))
@example(text="a: &x [*x]")
@example(text="!!python/object/apply:os.system ['true']")
@example(text="key: 1\nkey: 2")
@example(text="- [" * 100)
@example(text='a: "unterminated')
def test_any_text_is_data_or_a_located_error(text):
    try:
        parse_yaml(text, "data/fuzz.yaml")
    except DataError as exc:
        assert_located(exc.problems, "data/fuzz.yaml")
        assert all(p.line >= 1 for p in exc.problems)


@pytest.fixture(scope="module")
def concepts():
    """The concept id -> scheme table of the real vocabulary."""
    return load_vocabulary(Settings()).concepts


def _mutate(text: str, data) -> str:
    """One editor's mistake: a cut, an insertion, a deleted or duplicated line, a tab, a bad byte."""
    kind = data.draw(st.sampled_from(["truncate", "insert", "delete-line", "duplicate-line", "indent", "replace"]))
    lines = text.splitlines(keepends=True)
    at = data.draw(st.integers(0, max(len(text) - 1, 0)))
    line = data.draw(st.integers(0, max(len(lines) - 1, 0)))
    if kind == "truncate":
        return text[:at]
    if kind == "insert":
        return text[:at] + data.draw(st.one_of(YAML_ISH, st.text(max_size=20))) + text[at:]
    if kind == "delete-line":
        return "".join(lines[:line] + lines[line + 1:])
    if kind == "duplicate-line":
        return "".join(lines[:line + 1] + lines[line:])
    if kind == "indent":
        return "".join(lines[:line] + [data.draw(st.sampled_from([" ", "\t", "    "])) + lines[line]]
                       + lines[line + 1:])
    old = data.draw(st.sampled_from(["true", "false", ": ", "- ", "palvelu-", "rooli-", '"', "18", "id"]))
    new = data.draw(st.sampled_from(["yes", "1.5", "-3", "null", "~", "[]", "{}", "", "ei-ole", "'", "\u202e"]))
    return text.replace(old, new, 1)


@FUZZ
@given(name=st.sampled_from(REAL_FILES), data=st.data())
def test_mutated_real_files_are_data_or_located_errors(concepts, name, data):
    text = (DATA / name).read_text(encoding="utf-8")
    mutated = _mutate(text, data)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "data"
        for other in REAL_FILES:  # the other files stay as they are, so cross-file checks run
            (folder / other).parent.mkdir(parents=True, exist_ok=True)
            (folder / other).write_text(mutated if other == name else (DATA / other).read_text(encoding="utf-8"),
                                        encoding="utf-8")
        try:
            files = read_data(folder, concepts)
        except DataError as exc:
            assert_located(exc.problems)
            assert any(p.file == f"data/{name}" for p in exc.problems) or any(
                p.field in ("id", "organisation", "unit", "publisher") for p in exc.problems), exc.problems
            return
        map_entries(files, vocab(Settings().base_iri))  # what validates also maps, without crashing


def test_a_list_where_a_flag_belongs_is_a_located_error(concepts, tmp_path):
    """Found by the fuzzer above: `vslj_member: []` crashed the schema check (an unhashable value)."""
    folder = tmp_path / "data"
    for name in REAL_FILES:
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text((DATA / name).read_text(encoding="utf-8"), encoding="utf-8")
    org = folder / "organisations" / "ehja.yaml"
    org.write_text(org.read_text(encoding="utf-8").replace("vslj_member: true", "vslj_member: []"), encoding="utf-8")
    with pytest.raises(DataError) as caught:
        read_data(folder, concepts)
    [problem] = [p for p in caught.value.problems if p.file == "data/organisations/ehja.yaml"]
    assert problem.field == "vslj_member" and "true or false" in problem.message_en


# -- content negotiation ----------------------------------------------------------------------

MEDIA = st.sampled_from(["text/html", "text/turtle", "application/ld+json", "application/json", "text/*", "*/*",
                         "application/*", "image/png", "application/n-triples", "application/rdf+xml",
                         "application/xhtml+xml", "text/plain", "*/html", "", "/", "x", "text/turtle/extra"])
PARAM = st.sampled_from(["", ";q=0", ";q=1", ";q=0.5", ";q=abc", ";q=-1", ";q=2", ";level=1", ";;", ";q",
                         ";charset=utf-8", ";q=0.001", ";q=1.0000001", ";q=nan", ";q=inf"])
ACCEPT = st.one_of(
    st.lists(st.tuples(MEDIA, PARAM).map("".join), max_size=8).map(", ".join),
    st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=255), max_size=300),
)
FORMAT = st.one_of(st.sampled_from(["", "ttl", "turtle", "jsonld", "json-ld", "nt", "rdf", "trig", "nq", "html",
                                    "text/turtle", "TTL", " turtle ", "xml", "csv", "../../etc/passwd", "%00"]),
                   st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=0x2fff), max_size=30))
PATHS = ["/id/org/ehja", "/id/activity/kuule-minua", "/", "/hakemisto", "/.well-known/void", "/catalog",
         "/def/kt", "/id/dataset", "/changes"]


@pytest.fixture(scope="module")
def fuzz_app(built):
    """The app on the embedded store with a short SPARQL time limit."""
    app = create_app(built.replace(sparql_timeout=2.0), EmbeddedStore(built))
    app.config["TESTING"] = True
    return app


@FUZZ
@given(accept=ACCEPT, explicit=FORMAT)
def test_negotiate_picks_an_offered_format_or_refuses(accept, explicit):
    try:
        chosen = negotiate(accept, RESOURCE_FORMATS, explicit or None)
    except NotAcceptable as exc:
        assert exc.offered == RESOURCE_FORMATS
    else:
        assert chosen in RESOURCE_FORMATS


@FUZZ
@given(path=st.sampled_from(PATHS), accept=ACCEPT, explicit=FORMAT)
@example(path="/id/org/ehja", accept="text/turtle;q=abc,,,", explicit="")
def test_any_accept_header_or_format_gives_200_or_406(fuzz_app, path, accept, explicit):
    query = {"format": explicit} if explicit else {}
    r = fuzz_app.test_client().get(path, headers={"Accept": accept}, query_string=query)
    assert r.status_code in (200, 406), (path, accept, explicit, r.status_code)
    if r.status_code == 406:
        assert r.get_data(as_text=True).strip()


# -- the SPARQL endpoint ----------------------------------------------------------------------

SPARQL_TOKENS = st.sampled_from(["SELECT", "*", "WHERE", "{", "}", "?s", "?p", "?o", ".", "FILTER", "(", ")",
                                 "OPTIONAL", "UNION", "GRAPH", "CONSTRUCT", "ASK", "DESCRIBE", "LIMIT", "10",
                                 "ORDER BY", "GROUP BY", "COUNT(*)", "AS", "?n", "<urn:x>", '"a"@fi', "BIND",
                                 "VALUES", "SERVICE", "LOAD", "INSERT DATA", "#", "\n", "PREFIX", "x:", "a",
                                 "REGEX(", "STR(", "?s ?p ?o", "MINUS", "EXISTS", "NOT", "'", '"""', "\\"])


@st.composite
def mutated_example(draw):
    """An example query with a token inserted, a slice deleted, or cut short."""
    text = draw(st.sampled_from(EXAMPLES)).read_text(encoding="utf-8")
    at = draw(st.integers(0, len(text)))
    how = draw(st.sampled_from(["insert", "delete", "cut"]))
    if how == "insert":
        return text[:at] + " " + draw(SPARQL_TOKENS) + " " + text[at:]
    if how == "delete":
        return text[:at] + text[at + draw(st.integers(1, 40)):]
    return text[:at]


QUERIES = st.one_of(
    st.lists(SPARQL_TOKENS, max_size=30).map(" ".join),
    mutated_example(),
    st.text(max_size=200),
)


@FUZZ
@given(query=QUERIES, method=st.sampled_from(["GET", "POST-form", "POST-direct"]),
       accept=st.sampled_from(["application/sparql-results+json", "text/html", "text/csv", "text/turtle", "*/*"]))
@example(query="SELECT * WHERE { ?s ?p ?o } LIMIT 1", method="GET", accept="text/html")
@example(query="SELECT * WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }", method="GET", accept="*/*")
def test_any_query_gives_200_400_413_or_503(fuzz_app, query, method, accept):
    client = fuzz_app.test_client()
    headers = {"Accept": accept}
    if method == "GET":
        r = client.get("/sparql", query_string={"query": query}, headers=headers)
    elif method == "POST-form":
        r = client.post("/sparql", data={"query": query}, headers=headers)
    else:
        r = client.post("/sparql", data=query.encode("utf-8", "surrogatepass"),
                        content_type="application/sparql-query", headers=headers)
    assert r.status_code in (200, 400, 406, 413, 503), (query, r.status_code, r.get_data(as_text=True)[:300])
