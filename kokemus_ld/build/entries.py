"""Reading the editors' YAML: the only module that imports `yaml`.

Every value keeps the line it came from, so any later problem (a SHACL violation
included) can name `data/<file>.yaml:<line>`. Loading is safe (no tags, no anchors
or aliases, no duplicate keys), and the shape of each file is checked against its
schema (schema.py). A file's result is cached under the hash of its bytes; what the
checks across files need of it (ids, references) is kept beside it as its `Facts`.
"""

from __future__ import annotations

import concurrent.futures
import difflib
import hashlib
import multiprocessing
import os
import pickle
import re
import unicodedata
from pathlib import Path
from typing import Any, NamedTuple

import yaml

from .problems import DataError, Problem
from .schema import FILE_KINDS, Checker, LList, LMap

MAX_FILE_BYTES = 1_000_000


class _Refused(yaml.YAMLError):
    def __init__(self, line: int, fi: str, en: str):
        super().__init__(en)
        self.line, self.fi, self.en = line, fi, en


_PLAIN_TAGS = {
    "tag:yaml.org,2002:str", "tag:yaml.org,2002:int", "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:bool", "tag:yaml.org,2002:null", "tag:yaml.org,2002:map",
    "tag:yaml.org,2002:seq", "tag:yaml.org,2002:timestamp",
}


_MAP, _SEQ, _STR = "tag:yaml.org,2002:map", "tag:yaml.org,2002:seq", "tag:yaml.org,2002:str"
_ALIAS = ("YAML-viittauksia (&ankkuri / *alias) ei sallita",
          "YAML anchors and aliases (&anchor / *alias) are not allowed")


class _Values:
    """Plain values built from composed YAML nodes; every mapping and sequence keeps its lines."""

    def __init__(self, loader: Any):
        self.loader = loader  # its SafeConstructor methods build ints, floats, booleans, nulls, dates
        self.met: set = set()  # libyaml's composer hands an alias over as the same node again

    def value(self, node: Any) -> Any:
        """The value of one node and everything under it."""
        if node in self.met:  # the anchor's line, not the alias's: parse_yaml re-parses for the message
            raise _Refused(node.start_mark.line + 1, *_ALIAS)
        self.met.add(node)  # (a node hashes by identity)
        tag, shape = node.tag, node.id
        if tag == _STR and shape == "scalar":  # most nodes: texts
            return node.value
        line = node.start_mark.line + 1
        if tag == _MAP and (shape == "mapping" or shape == "scalar" and not node.value):  # `a: !!map` is {}
            return self._mapping(node, line)
        if tag == _SEQ and shape == "sequence":
            return self._sequence(node, line)
        if tag not in _PLAIN_TAGS:
            tag = tag.replace("tag:yaml.org,2002:", "!!")  # as the editor wrote it
            raise _Refused(line, f"tunniste {tag} ei ole sallittu; kirjoita arvo tavallisena tekstinä",
                           f"tag {tag} is not allowed; write the value as plain text")
        if tag in (_MAP, _SEQ):  # `!!map [1]`: an explicit tag that contradicts the shape
            expected = "mapping" if tag == _MAP else "sequence"
            raise yaml.constructor.ConstructorError(None, None, f"expected a {expected} node, but found {shape}",
                                                    node.start_mark)
        try:
            return self.loader.yaml_constructors[tag](self.loader, node)
        except (ValueError, LookupError, AttributeError):  # `2001-13-45`, `!!int x`: PyYAML's own crash
            raise yaml.constructor.ConstructorError(
                None, None, f"cannot read {node.value!r} as {tag.replace('tag:yaml.org,2002:', '')}",
                node.start_mark) from None

    def _mapping(self, node, line: int) -> LMap:
        data = LMap()
        data.line = line
        data.key_lines = {}
        for key_node, value_node in node.value:
            key = self.value(key_node)
            at = key_node.start_mark.line + 1
            if not isinstance(key, str):
                raise _Refused(at, "avaimen pitää olla tekstiä", "a key must be text")
            if key in data:
                raise _Refused(at, f"avain '{key}' toistuu (ensin rivillä {data.key_lines[key]})",
                               f"key '{key}' appears twice (first on line {data.key_lines[key]})")
            data[key] = self.value(value_node)
            data.key_lines[key] = at
        return data

    def _sequence(self, node, line: int) -> LList:
        data = LList(self.value(child) for child in node.value)
        data.line = line
        data.item_lines = [child.start_mark.line + 1 for child in node.value]
        return data


class _Loader(yaml.SafeLoader):
    """The pure-Python composer: the reference for every message and line."""

    def compose_node(self, parent, index):
        if self.check_event(yaml.AliasEvent):
            raise _Refused(self.peek_event().start_mark.line + 1, *_ALIAS)
        return super().compose_node(parent, index)


# libyaml scans and composes in C, ~10x faster than _Loader; the values are built by _Values either way
_FastLoader = yaml.CSafeLoader if yaml.__with_libyaml__ else None
_BARE_TAG = re.compile(r"(?<![^\s\[{,\ufeff])!(?![^\s\]},])")


def _read_alike(text: str) -> bool:
    """False where libyaml would read a text otherwise than PyYAML did (found by fuzzing both).

    A tab after or inside a plain value (PyYAML refuses it, with the tab message editors know), a
    bare `!` tag (PyYAML resolves `! 5` as the number) and a byte order mark past the start (PyYAML
    keeps it as text) stay with the Python loader.
    """
    return "\t" not in text and text.find("\ufeff", 1) < 0 and ("!" not in text or not _BARE_TAG.search(text))


_FAST_FAILURES = (yaml.YAMLError, ValueError, RecursionError)  # ValueError: a lone surrogate


def _load(text: str, loader_class: type) -> Any:
    """Compose the one document of `text`, then build its values (None for an empty text)."""
    loader = loader_class(text)
    try:
        node = loader.get_single_node()
        return None if node is None else _Values(loader).value(node)
    finally:
        loader.dispose()


def parse_yaml(text: str, file: str) -> Any:
    """Parse one YAML document safely, or raise `DataError` naming the file and line."""
    if _FastLoader is not None and _read_alike(text):
        try:
            return _load(text, _FastLoader)
        except _FAST_FAILURES:
            pass  # refused or malformed: the Python loader below says why, with the exact line
    try:
        return _load(text, _Loader)
    except _Refused as exc:
        raise DataError([Problem(file, exc.line, "(yaml)", exc.fi, exc.en)]) from None
    except yaml.MarkedYAMLError as exc:
        what = (exc.problem or "syntax error").strip()
        mark = exc.problem_mark or exc.context_mark
        if what.startswith("found unexpected end of stream") and exc.context_mark:
            mark = exc.context_mark  # an unclosed quote: point at where it was opened
        line = mark.line + 1 if mark else 1
        opened = _unclosed_quote(text, line)
        if opened is not None:  # the quote ran on to a later line's quote; the mistake is where it opened
            line, what = opened, "found unexpected end of stream"
        raise DataError([Problem(file, line, "(yaml)",
                                 f"YAML-syntaksivirhe: {_syntax_fi(what)}; tarkista sisennys ja lainausmerkit",
                                 f"YAML syntax error: {what}; check the indentation and quotes")]) from None
    except RecursionError:  # thousands of nested brackets: no editor writes them
        raise DataError([Problem(file, 1, "(yaml)", "YAML-rakenne on liian syvä", "the YAML is nested too deeply")]) from None
    except yaml.YAMLError as exc:  # pragma: no cover - every PyYAML error is marked in practice
        raise DataError([Problem(file, 1, "(yaml)", f"YAML-virhe: {exc}", f"YAML error: {exc}")]) from None


# PyYAML's commonest complaints, said in Finnish (the rest are shown as PyYAML words them).
_SYNTAX_FI = [
    ("mapping values are not allowed here",
     "kaksoispiste arvon sisällä; laita teksti lainausmerkkeihin (\"...\")"),
    ("could not find expected ':'", "avaimen perästä puuttuu kaksoispiste ':'"),
    ("found character '\\t' that cannot start any token", "sarkainmerkki (tab); sisennä välilyönneillä"),
    ("found unexpected end of stream", "tiedosto loppui kesken: lainausmerkki tai sulku jäi sulkematta"),
    ("expected ',' or ']'", "listasta puuttuu pilkku ',' tai sulkeva ']'"),
    ("expected ',' or '}'", "rakenteesta puuttuu pilkku ',' tai sulkeva '}'"),
    ("expected <block end>", "sisennys ei täsmää edelliseen riviin"),
    ("but found another document", "tiedostossa saa olla vain yksi dokumentti (poista '---')"),
    ("found undefined alias", "YAML-viittauksia (*alias) ei sallita"),
    ("cannot read", "arvoa ei voi lukea luvuksi tai päivämääräksi; laita teksti lainausmerkkeihin (\"...\")"),
]


def _unclosed_quote(text: str, before: int) -> int | None:
    """The first line before `before` whose double quotes do not pair up, if any.

    A quoted value may legally run over several lines, so a forgotten closing quote is only
    noticed lines later; the editors' files never continue a quoted value on the next line.
    """
    for number, line in enumerate(text.splitlines()[: before - 1], start=1):
        if line.lstrip().startswith("#"):
            continue
        if (line.count('"') - line.count('\\"')) % 2:
            return number
    return None


def _syntax_fi(problem: str) -> str:
    """A PyYAML problem in Finnish, when it is one of the common ones."""
    for english, finnish in _SYNTAX_FI:
        if problem.startswith(english):
            return finnish
    return problem


# --- the schema of each kind of file -------------------------------------------------------

class SourceFiles(list):
    """The checked files of the data folder, with the warnings found while reading them."""

    warnings: list[Problem]


class Facts(NamedTuple):
    """What the checks across files read of one file, kept beside it so they never need its value."""

    ids: tuple = ()  # ((id, line), ...) of the file's entries
    units: tuple = ()  # an organisation's unit ids
    organisation: tuple | None = None  # an activity's (organisation id, line)
    unit: tuple | None = None  # an activity's (unit id, line)
    publisher: tuple | None = None  # dataset.yaml's (publisher id, line)


def facts_of(kind: str, value: Any) -> Facts:
    """The facts of one checked file's value (see `_cross_check`)."""
    items = value if isinstance(value, list) else [value]
    lines = getattr(value, "item_lines", None)
    ids = tuple((item["id"], item.key_lines.get("id", 1) if isinstance(item, LMap) else (lines[i] if lines else 1))
                for i, item in enumerate(items) if isinstance(item, dict) and "id" in item)
    if kind == "organisations":
        return Facts(ids, units=tuple(u["id"] for u in value.get("units") or []))
    if kind == "activities":
        unit = (value["unit"], value.key_lines.get("unit", 1)) if "unit" in value else None
        return Facts(ids, organisation=(value["organisation"], value.key_lines.get("organisation", 1)), unit=unit)
    if kind == "dataset.yaml":
        return Facts(ids, publisher=(value["publisher"], value.key_lines["publisher"]))
    return Facts(ids)


class SourceFile:
    """One YAML file of the data folder, checked, with its relative name for messages.

    A file read from the cache keeps its value pickled until something asks for it: a
    rebuild after one edit maps one file, and unpickling 15,000 parsed files (~450,000
    objects) cost more than everything else it did.
    """

    __slots__ = ("path", "name", "kind", "key", "facts", "_value", "_blob")

    def __init__(self, path: str, name: str, kind: str, key: str, facts: Facts, value: Any = None,
                 blob: bytes | None = None):
        self.path = path  # a string: building 15,000 pathlib paths was a third of a read from the cache
        self.name = name  # e.g. data/activities/finfami.yaml
        self.kind = kind
        self.key = key  # the hash of the bytes and of what reading them depends on (`_cache_key`)
        self.facts = facts
        self._value, self._blob = value, blob

    @property
    def value(self) -> Any:
        """The parsed, checked value (LMap / LList / scalars), unpickled on first use."""
        if self._value is None:
            self._value = pickle.loads(self._blob)  # noqa: S301 - our own build cache, see cache.py
        return self._value


def nfc(value: Any) -> Any:
    """Every text in Unicode NFC, recursively (editors paste from anywhere); mappings and
    sequences are changed in place (a new copy of each cost a tenth of reading a file)."""
    if isinstance(value, str):
        return unicodedata.normalize("NFC", value)
    if isinstance(value, LMap):
        for k, v in value.items():
            if type(v) is not str or not unicodedata.is_normalized("NFC", v):
                value[k] = nfc(v)
    elif isinstance(value, LList):
        for i, v in enumerate(value):
            if type(v) is not str or not unicodedata.is_normalized("NFC", v):
                value[i] = nfc(v)
    return value


def file_kind(relative: str) -> str | None:
    """Which schema a data file follows, from where it lies (`activities/x.yaml`); None for an unknown file."""
    parts = relative.split("/")
    if len(parts) == 2 and parts[0] in ("activities", "organisations"):
        return parts[0]
    if len(parts) == 1 and parts[0] in FILE_KINDS:
        return parts[0]
    return None


def read_data(data_dir: Path, concepts: dict[str, str], label: str = "data",
              cache: dict[str, FileResult] | None = None) -> SourceFiles:
    """Read and check every YAML file of the data folder; raise `DataError` with all problems.

    `cache` maps a file's key (`_cache_key`) to its cached `FileResult`: a hit skips parsing and
    the schema check (and leaves the value pickled until asked for), a miss is added. The
    checks across files always run over every file, from its facts, and a cached file's
    warnings are reported again.
    """
    problems: list[Problem] = []
    files = SourceFiles()
    if not (data_dir / "dataset.yaml").is_file():  # also: a mistyped or missing data folder
        raise DataError([Problem(f"{label}/dataset.yaml", 1, "(file)",
                                 f"tiedostoa ei ole: onko datakansio {data_dir} oikea?",
                                 f"the file does not exist: is the data folder {data_dir} right?")])
    depends = _depends_on(label, concepts)
    folder = str(data_dir)
    read = []  # (path, name, kind, key, result or None when it must be parsed, bytes to parse)
    for rel in _file_names(data_dir):
        name = f"{label}/{rel}"
        if not rel.endswith((".yaml", ".yml")):
            problems.append(Problem(name, 1, "(file)", "tiedosto ei ole YAML-tiedosto (.yaml)",
                                    "the file is not a YAML file (.yaml)", "warning"))
            continue
        kind = file_kind(rel)
        if kind is None:
            problems.append(Problem(name, 1, "(file)",
                                    "tuntematon tiedosto: merkinnät kuuluvat kansioihin activities/ ja organisations/",
                                    "unknown file: entries belong in activities/ and organisations/"))
            continue
        path = os.path.join(folder, rel)
        with open(path, "rb") as source:
            raw = source.read()
        if len(raw) > MAX_FILE_BYTES:
            problems.append(Problem(name, 1, "(file)", "tiedosto on liian suuri (yli 1 Mt)", "the file is too large (over 1 MB)"))
            continue
        key = _cache_key(depends, name, raw)
        result = cache.get(key) if cache is not None else None
        read.append((path, name, kind, key, result, raw if result is None else b""))
    parsed = _parse([(raw, name, kind) for _p, name, kind, _k, result, raw in read if result is None], concepts)
    for path, name, kind, key, result, _raw in read:
        if result is None:
            result = next(parsed)
            if cache is not None:
                cache[key] = result.cached()
        problems.extend(result.problems)
        if isinstance(result.value, bytes):  # as cached, or as a worker sent it: the value pickled
            files.append(SourceFile(path, name, kind, key, result.facts, blob=result.value))
        elif result.value is not None:
            files.append(SourceFile(path, name, kind, key, result.facts, value=result.value))
    problems.extend(_cross_check(files))
    if any(p.severity == "violation" for p in problems):
        raise DataError(problems)
    files.warnings = problems
    return files


def _file_names(data_dir: Path) -> list[str]:
    """Every file under the folder but hidden ones, as sorted relative POSIX names (os.walk: pathlib
    costs ~50 µs a file, a third of reading 15,000 cached files)."""
    names = []
    for folder, _, files in os.walk(data_dir):
        inner = os.path.relpath(folder, data_dir).replace(os.sep, "/")
        prefix = "" if inner == "." else inner + "/"
        names.extend(prefix + name for name in files if not name.startswith("."))
    return sorted(names, key=lambda name: name.split("/"))  # the order of sorted(Path)


class FileResult(NamedTuple):
    """One file read and checked on its own: its problems, and its value when it has no violation.

    As kept in the build cache, `value` is the value pickled (bytes), so a cache of 15,000
    files loads as 15,000 byte strings; `facts` are what the checks across files need.
    """

    problems: tuple[Problem, ...]
    value: Any
    facts: Facts | None = None

    def cached(self) -> "FileResult":
        """The result as the cache keeps it (value pickled)."""
        if self.value is None or isinstance(self.value, bytes):
            return self
        return self._replace(value=pickle.dumps(self.value, protocol=5))


POOL_FILES = 400  # below this many files to parse, forking processes costs more than it saves
_concepts: dict[str, str] = {}  # what forked parsers read


def _parse(items: list[tuple[bytes, str, str]], concepts: dict[str, str]):
    """`read_file` of each (bytes, name, kind), in order; many files in a pool of forked processes
    (their results come back as cached: the value pickled, which the cache keeps anyway)."""
    workers = os.cpu_count() or 1
    if len(items) < POOL_FILES or workers < 2:
        return (read_file(raw, name, kind, concepts) for raw, name, kind in items)
    _concepts.update(concepts)
    chunks = [items[i:i + 100] for i in range(0, len(items), 100)]
    try:
        with concurrent.futures.ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork")) as pool:
            done = list(pool.map(_parse_chunk, chunks))
    finally:
        _concepts.clear()
    return (result for chunk in done for result in chunk)


def _parse_chunk(items: list[tuple[bytes, str, str]]) -> list[FileResult]:
    """In a forked parser: `read_file` of each, as cached."""
    return [read_file(raw, name, kind, _concepts).cached() for raw, name, kind in items]


def read_file(raw: bytes, name: str, kind: str, concepts: dict[str, str]) -> FileResult:
    """Decode, parse and schema-check one file's bytes; its texts in NFC when it has no violation."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        return FileResult((Problem(name, line, "(file)", "tiedosto ei ole UTF-8-muodossa; tallenna se UTF-8:na",
                                   "the file is not UTF-8; save it as UTF-8"),), None)
    try:
        value = parse_yaml(text, name)
    except DataError as exc:
        return FileResult(tuple(exc.problems), None)
    if value is None:
        return FileResult((Problem(name, 1, "(file)", "tiedosto on tyhjä", "the file is empty"),), None)
    checker = Checker(name, concepts)
    checker.check(value, FILE_KINDS[kind], "", getattr(value, "line", 1))
    if any(p.severity == "violation" for p in checker.problems):
        return FileResult(tuple(checker.problems), None)
    value = nfc(value)
    return FileResult(tuple(checker.problems), value, facts_of(kind, value))


# What a file's result depends on besides its bytes and name: this module and problems.py (the
# schema and the messages), PyYAML, and (per call) the concept table and the folder's label.
_CODE = hashlib.sha256(b"".join(Path(__file__).with_name(module).read_bytes()
                                for module in ("entries.py", "schema.py", "problems.py"))
                       + f"{yaml.__version__} {yaml.__with_libyaml__}".encode()).digest()


def _depends_on(label: str, concepts: dict[str, str]) -> Any:
    """A sha256 over this code, the label and the concept table, to be extended per file."""
    digest = hashlib.sha256(_CODE)
    digest.update(label.encode() + b"\0")
    digest.update("".join(f"{concept}\t{scheme}\n" for concept, scheme in sorted(concepts.items())).encode())
    return digest


def _cache_key(depends: Any, name: str, raw: bytes) -> str:
    """The cache key of one file: sha256 over what it depends on, its name (label/relative path) and bytes."""
    digest = depends.copy()
    digest.update(name.encode() + b"\0")
    digest.update(raw)
    return digest.hexdigest()


def _cross_check(files: list[SourceFile]) -> list[Problem]:
    """Checks across files, from each file's facts: unique ids, and references to organisations
    and units that exist."""
    problems: list[Problem] = []
    seen: dict[tuple[str, str], str] = {}
    units: dict[str, tuple] = {}  # organisation id -> its unit ids
    for f in files:
        for ident, line in f.facts.ids:
            key = (f.kind, ident)
            if key in seen:
                problems.append(Problem(f.name, line, "id", f"tunniste '{ident}' on jo käytössä tiedostossa {seen[key]}",
                                        f"id '{ident}' is already used in {seen[key]}"))
            else:
                seen[key] = f.name
            if f.kind == "organisations":
                units[ident] = f.facts.units
    for f in files:
        if f.kind != "activities":
            continue
        (org, line), unit = f.facts.organisation, f.facts.unit
        if org not in units:
            near = difflib.get_close_matches(org, units, n=1, cutoff=0.5)
            hint = (f"; tarkoititko '{near[0]}'?", f"; did you mean '{near[0]}'?") if near else ("", "")
            problems.append(Problem(f.name, line, "organisation",
                                    f"järjestöä '{org}' ei ole kansiossa organisations/{hint[0]}",
                                    f"no organisation '{org}' in organisations/{hint[1]}"))
        elif unit is not None and unit[0] not in units[org]:
            problems.append(Problem(f.name, unit[1], "unit", f"järjestöllä '{org}' ei ole yksikköä '{unit[0]}'",
                                    f"organisation '{org}' has no unit '{unit[0]}'"))
    for f in files:
        if f.kind == "dataset.yaml" and f.facts.publisher[0] not in units:
            problems.append(Problem(f.name, f.facts.publisher[1], "publisher",
                                    "julkaisijaa ei ole kansiossa organisations/", "the publisher is not in organisations/"))
    return problems


def line_of(container: Any, key: Any, default: int = 1) -> int:
    """The line of a key in a mapping, or of an index in a list."""
    if isinstance(container, LMap):
        return container.key_lines.get(key, container.line)
    if isinstance(container, LList) and isinstance(key, int) and key < len(container.item_lines):
        return container.item_lines[key]
    return getattr(container, "line", default)
