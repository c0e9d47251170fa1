"""What an entry may hold: the schema of each kind of data file, and the checker that reads it.

The schema is declarative (`mapof`, `listof`, `concept`, `F`), so an editor's mistake is
named by its field and line with a did-you-mean for unknown keys and concept names;
values carry their YAML line (`LMap`, `LList`) from the loader in entries.py.
"""

from __future__ import annotations

import dataclasses
import difflib
import re
from typing import Any

from .problems import Problem


class LMap(dict):
    """A YAML mapping that remembers its own line and the line of each key."""

    __slots__ = ("line", "key_lines")  # no __dict__: a cache of 15,000 files unpickles 1.6x faster
    line: int
    key_lines: dict


class LList(list):
    """A YAML sequence that remembers its own line and the line of each item."""

    __slots__ = ("line", "item_lines")
    line: int
    item_lines: list


@dataclasses.dataclass(frozen=True)
class Field:
    """What one key holds: a kind (text, int, ...), a concept scheme, a nested map or a list."""

    kind: str  # text | int | number | bool | slug | url | concept | map | list | langtext | langlist
    required: bool = False
    scheme: str | None = None
    fields: dict | None = None  # for map
    item: "Field | None" = None  # for list
    nullable: bool = False


def F(kind, required=False, **kw) -> Field:
    """Shorthand for a `Field`."""
    return Field(kind, required, **kw)


def concept(scheme: str, required=False) -> Field:
    """A reference to a concept of one scheme, by its id (e.g. `palvelu-tyopari`)."""
    return Field("concept", required, scheme=scheme)


def listof(item: Field, required=False) -> Field:
    """A list of items of one kind."""
    return Field("list", required, item=item)


def mapof(required=False, **fields) -> Field:
    """A mapping with known keys."""
    return Field("map", required, fields=fields)


SCHEDULE = mapof(
    count=F("int", True), per=F("period", True), every=F("int"),
    qualifier=concept("maarat"), mode=concept("tavat"), text=F("text"),
)
HOURS = mapof(
    min=F("number", True), max=F("number"), unit=concept("yksikot", True),
    qualifier=concept("maarat"), label=F("text"), text=F("text"),
)
ACTIVITY = mapof(
    id=F("slug", True), organisation=F("slug", True), unit=F("slug"), name=F("text"),
    heading=F("text", True), kind=concept("ohjelmatyypit"), description=F("text", True),
    actors=listof(mapof(role=concept("roolit", True), min_age=F("int"), max_age=F("int"),
                        age_qualifier=concept("maarat"), engagement=concept("osallistumistavat"),
                        text=F("text"))),
    target_groups=listof(mapof(group=concept("kohderyhmat", True), min_age=F("int"),
                               max_age=F("int"), text=F("text"))),
    areas=listof(concept("alueet")), nationwide=F("bool"), area_note=F("text"),
    services=listof(mapof(text=F("text", True), concepts=listof(concept("palvelut"), True)), True),
    training=mapof(
        description=F("text", True), for_roles=listof(concept("roolit")), hours=listof(HOURS),
        duration_months=mapof(min=F("int", True), max=F("int")), weekly_hours=F("number"),
        selection=concept("valintatavat"), provider=F("text"), requirements=F("text"),
        locations=listof(concept("alueet")),
    ),
    support=listof(mapof(
        text=F("text", True), kinds=listof(concept("tuki"), True), modes=listof(concept("tavat")),
        given_by=F("text"), applies_to=concept("roolit"), on_demand=F("bool"),
        schedules=listof(SCHEDULE),
    )),
)
ORGANISATION = mapof(
    id=F("slug", True), name=F("text", True), alt_names=listof(F("text")), vslj_member=F("bool", True),
    units=listof(mapof(id=F("slug", True), name=F("text", True))),
    business_id=F("text"), homepage=F("url"),
)
DATASET = mapof(
    title=F("langtext", True), description=F("langtext", True), keywords=F("langlist"),
    publisher=F("slug", True), source_page=F("url", True), spatial=concept("alueet"),
    related=listof(mapof(title=F("text", True), description=F("text"), url=F("url", nullable=True))),
)
STATISTICS = listof(mapof(year=F("int", True), actors=F("int", True),
                          member_organisations=F("int", True), text=F("text", True)), True)
FAQ = listof(mapof(id=F("slug", True), question=F("text", True),
                   answer=F("text", True, nullable=True), note=F("text")), True)
DOCUMENTS = listof(mapof(id=F("slug", True), title=F("text", True), section=F("text"),
                         url=F("url", True, nullable=True), note=F("text")), True)

FILE_KINDS = {
    "activities": ACTIVITY, "organisations": ORGANISATION, "dataset.yaml": DATASET,
    "statistics.yaml": STATISTICS, "faq.yaml": FAQ, "documents.yaml": DOCUMENTS,
}

PERIODS = {"day": "P1D", "week": "P1W", "month": "P1M", "year": "P1Y"}
_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,79}$")
_URL = re.compile(r"^https?://[^\s<>\"{}|\\^`]+$")
_KIND_WORDS = {
    "text": ("tekstiä", "text"), "int": ("kokonaisluku", "a whole number"),
    "number": ("luku", "a number"), "bool": ("true tai false", "true or false"),
    "slug": ("tunniste (pienet kirjaimet a–z, numerot ja -)", "an id (lowercase a-z, digits and -)"),
    "url": ("http(s)-osoite", "an http(s) address"), "map": ("avain: arvo -rakenne", "a mapping of key: value"),
    "list": ("lista (- alkuiset rivit)", "a list (lines starting with -)"),
    "langtext": ("kielikohtaiset tekstit (fi:, sv:, en:)", "texts per language (fi:, sv:, en:)"),
    "langlist": ("kielikohtaiset listat (fi:, sv:, en:)", "lists per language (fi:, sv:, en:)"),
    "period": ("day, week, month tai year", "day, week, month or year"),
}


class Checker:
    """Checks parsed YAML against a schema, collecting `Problem`s."""

    def __init__(self, file: str, concepts: dict[str, str]):
        self.file = file
        self.concepts = concepts  # concept id -> scheme id
        self.problems: list[Problem] = []

    def problem(self, line: int, field: str, fi: str, en: str, severity="violation") -> None:
        """Record one problem."""
        self.problems.append(Problem(self.file, line, field, fi, en, severity))

    def check(self, value: Any, spec: Field, field: str, line: int) -> None:
        """Check one value (and everything under it) against its field spec."""
        if value is None:
            if spec.nullable:
                return
            self.problem(line, field, "arvo puuttuu", "the value is missing")
            return
        kind = spec.kind
        if kind == "map":
            self._check_map(value, spec, field, line)
        elif kind == "list":
            if not isinstance(value, list):
                self._wrong(value, spec, field, line)
                return
            if spec.required and not value:
                self.problem(line, field, "lista on tyhjä", "the list is empty")
            lines = getattr(value, "item_lines", [line] * len(value))
            for i, item in enumerate(value):
                self.check(item, spec.item, f"{field}[{i + 1}]", lines[i])
        elif kind in ("langtext", "langlist"):
            if not isinstance(value, dict):
                self._wrong(value, spec, field, line)
                return
            for lang, text in value.items():
                at = value.key_lines.get(lang, line) if isinstance(value, LMap) else line
                if lang not in ("fi", "sv", "en"):
                    self.problem(at, f"{field}.{lang}", "kielen pitää olla fi, sv tai en",
                                 "the language must be fi, sv or en")
                elif kind == "langtext":
                    self.check(text, F("text"), f"{field}.{lang}", at)
                else:
                    self.check(text, listof(F("text")), f"{field}.{lang}", at)
            if "fi" not in value:
                self.problem(line, field, "suomenkielinen (fi) teksti puuttuu", "the Finnish (fi) text is missing")
        elif kind == "concept":
            self._check_concept(value, spec, field, line)
        else:
            self._check_scalar(value, spec, field, line)

    def _check_map(self, value, spec, field, line):
        if not isinstance(value, dict):
            self._wrong(value, spec, field, line)
            return
        key_lines = getattr(value, "key_lines", {})
        known = spec.fields
        for key, item in value.items():
            at = key_lines.get(key, line)
            path = f"{field}.{key}" if field else key
            if key not in known:
                near = difflib.get_close_matches(key, known, n=1, cutoff=0.6)
                hint_fi = f"; tarkoititko '{near[0]}'?" if near else f"; sallitut: {', '.join(known)}"
                hint_en = f"; did you mean '{near[0]}'?" if near else f"; allowed: {', '.join(known)}"
                self.problem(at, path, f"tuntematon avain '{key}'{hint_fi}", f"unknown key '{key}'{hint_en}")
                continue
            self.check(item, known[key], path, at)
        for key, sub in known.items():
            if sub.required and key not in value:
                path = f"{field}.{key}" if field else key
                self.problem(line, path, f"pakollinen avain '{key}' puuttuu", f"required key '{key}' is missing")

    def _check_concept(self, value, spec, field, line):
        if not isinstance(value, str):
            self._wrong(value, spec, field, line)
            return
        scheme = self.concepts.get(value)
        if scheme == spec.scheme:
            return
        same_scheme = sorted(c for c, s in self.concepts.items() if s == spec.scheme)
        # ids share their scheme's prefix ("palvelu-"), so only a close match is a real guess;
        # otherwise the scheme's ids are listed
        near = difflib.get_close_matches(value, same_scheme, n=1, cutoff=0.75)
        hint_fi = f"; tarkoititko '{near[0]}'?" if near else f"; sallitut: {', '.join(same_scheme)}"
        hint_en = f"; did you mean '{near[0]}'?" if near else f"; allowed: {', '.join(same_scheme)}"
        if scheme is None:
            self.problem(line, field, f"tuntematon käsite '{value}' (luokitus {spec.scheme}){hint_fi}",
                         f"unknown concept '{value}' (scheme {spec.scheme}){hint_en}")
        else:
            self.problem(line, field, f"käsite '{value}' kuuluu luokitukseen {scheme}, ei {spec.scheme}{hint_fi}",
                         f"concept '{value}' is in scheme {scheme}, not {spec.scheme}{hint_en}")

    def _check_scalar(self, value, spec, field, line):
        kind = spec.kind
        ok = {
            "text": isinstance(value, str),
            "slug": isinstance(value, str) and bool(_SLUG.match(value)),
            "url": isinstance(value, str) and bool(_URL.match(value)),
            "int": isinstance(value, int) and not isinstance(value, bool),
            "number": isinstance(value, (int, float)) and not isinstance(value, bool),
            "bool": isinstance(value, bool),
            "period": isinstance(value, str) and value in PERIODS,  # a list or map is unhashable
        }[kind]
        if not ok:
            self._wrong(value, spec, field, line)
        elif kind == "text" and not value.strip():
            self.problem(line, field, "teksti on tyhjä", "the text is empty")
        elif kind in ("int", "number") and value < 0:
            self.problem(line, field, "luku ei voi olla negatiivinen", "the number cannot be negative")

    def _wrong(self, value, spec, field, line):
        fi, en = _KIND_WORDS[spec.kind]
        if isinstance(value, (dict, list)):
            got_fi, got_en = _KIND_WORDS["map" if isinstance(value, dict) else "list"]
        else:
            shown = ("true" if value else "false") if isinstance(value, bool) else repr(value)  # as YAML spells it
            got_fi = got_en = shown if len(shown) <= 60 else shown[:57] + "..."
        self.problem(line, field, f"arvon pitää olla {fi}, nyt {got_fi}", f"the value must be {en}, got {got_en}")
