"""The directory listing: facets (service, role, target group, area), free-text search, paging.

The store is asked twice per build for an index (every activity's order, facet values and
search texts, `DirectoryIndex`); filtering, counting and paging then run in memory on
bitmasks. A row (one activity's card) depends only on the build, the activity and the UI
language, so its HTML is rendered once per build and kept (`RowCache`); a page asks the store
only for the summaries of rows not kept yet (`warm` renders the Finnish rows in the preloading
master). The facet values' labels and links, and each search text's matches, are made once per
build too. The state lives in the URL (`?palvelu=palvelu-tyopari&q=...&sivu=2`), so a
listing is shareable and works without JavaScript.
"""

from __future__ import annotations

import dataclasses
import re
import threading
from collections import OrderedDict
from urllib.parse import urlencode

from flask import Flask, g, request
from markupsafe import Markup

from ..store.base import StoreUnavailable
from ..vocab import DCT, SKOS
from .errors import ClientError
from .pages import labelled_links, local_name, page_context, select, text_view
from .queries import safe_iri
from .render import macro
from .site import LANGS, Site

# URL parameter, kt: property the facet reads, its concept scheme, UI string key.
FACETS = [
    ("palvelu", "offersService", "palvelut", "facet_palvelu"),
    ("rooli", "actorRole", "roolit", "facet_rooli"),
    ("kohderyhma", "targetGroup", "kohderyhmat", "facet_kohderyhma"),
    ("alue", "area", "alueet", "facet_alue"),
]
MAX_QUERY_CHARS = 200
MAX_PAGE = 10_000
_CONCEPT_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,100}$")
SUMMARY_CHARS = 280
# Rows kept per worker, all languages (an LRU): a kept row costs ~1,450 bytes (1,150 of HTML as
# UTF-8), so 12,000 rows cost ~17 MiB whatever N is (the worker is near its 2 GiB at N = 50,000).
# `warm` renders the Finnish rows in the master: every row at N = 10,000, with room for other
# languages; beyond that, rows not kept are rendered on demand (~0.8 ms each, summary included).
ROWS_KEPT = 12_000
WARM_ROWS_PER_QUERY = 200


@dataclasses.dataclass(frozen=True)
class ListingState:
    """What the visitor asked for: search text, chosen facet values, page."""

    q: str = ""
    chosen: tuple[tuple[str, tuple[str, ...]], ...] = ()
    page: int = 1

    def values(self, param: str) -> tuple[str, ...]:
        """The chosen values of one facet."""
        return dict(self.chosen).get(param, ())

    def url(self, lang: str, *, toggle: tuple[str, str] | None = None, page: int = 1, q: str | None = None) -> str:
        """The shareable URL of this state, with one facet value toggled or another page."""
        params = []
        for param, *_ in FACETS:
            values = set(self.values(param))
            if toggle and toggle[0] == param:
                values ^= {toggle[1]}
            params += [(param, v) for v in sorted(values)]
        text = self.q if q is None else q
        if text:
            params.append(("q", text))
        if page > 1:
            params.append(("sivu", str(page)))
        if lang != "fi":
            params.append(("lang", lang))
        return "/hakemisto" + (f"?{urlencode(params)}" if params else "")


def state_from_request() -> ListingState:
    """The listing state from the query string; 400 for values that cannot be concept ids."""
    q = " ".join(request.args.get("q", "").split())[:MAX_QUERY_CHARS]
    chosen = []
    for param, *_ in FACETS:
        values = sorted(set(request.args.getlist(param)))
        for v in values:
            if not _CONCEPT_ID.match(v):
                raise ClientError(400, f"Tuntematon rajaus / unknown filter value: {param}={v[:60]}")
        if values:
            chosen.append((param, tuple(values)))
    try:
        page = int(request.args.get("sivu", "1"))
    except ValueError:
        raise ClientError(400, "Sivunumeron pitää olla luku. / The page must be a number.") from None
    if not 1 <= page <= MAX_PAGE:
        raise ClientError(400, "Sivunumero ei kelpaa. / The page number is out of range.")
    return ListingState(q, tuple(chosen), page)


def sparql_string(text: str) -> str:
    """A SPARQL string literal for any text (quotes, backslashes and controls escaped)."""
    escaped = (text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")
               .replace("\t", "\\t"))
    return '"' + "".join(ch for ch in escaped if ch >= " ") + '"'


@dataclasses.dataclass
class DirectoryIndex:
    """Every activity's place in the stable order, facet values and search text, read once per build.

    A set of activities is a Python int used as a bitmask over positions in `order`: choosing a
    facet value is one `&`, a count is one `bit_count()`, so filtering and counting cost
    microseconds per facet value at 10,000 entries instead of a pass over every activity.
    """

    order: list[str]  # activity IRIs in the listing's stable order (Finnish name, then IRI)
    masks: dict[str, dict[str, int]]  # facet property IRI -> value IRI -> activities having it
    texts: list[str]  # the searchable texts of order[i], lower-cased

    def chosen(self, s: Site, state: ListingState) -> int:
        """The activities matching every chosen facet value and the search text."""
        mask = (1 << len(self.order)) - 1
        for param, prop, *_ in FACETS:
            for value in state.values(param):
                mask &= self.masks[str(s.vocab.KT[prop])].get(str(s.vocab.CONCEPT[value]), 0)
        q = state.q.lower()
        if q and mask:  # a pass over every text (~10 ms at 10,000): once per build and search text
            mask &= s.cached(("listing-search", q), lambda: self.searched(q))
        return mask

    def searched(self, q: str) -> int:
        """The activities whose search text holds `q` (lower-cased)."""
        return int("".join("1" if q in text else "0" for text in reversed(self.texts)) or "0", 2)

    def activities(self, mask: int, start: int = 0, stop: int | None = None) -> list[str]:
        """The activities of `mask` in the listing's order, from the `start`-th to before the `stop`-th."""
        bits = bin(mask)[:1:-1]  # bit i is character i
        found, i = [], bits.find("1")
        count = 0
        while i >= 0 and (stop is None or count < stop):
            if count >= start:
                found.append(self.order[i])
            count += 1
            i = bits.find("1", i + 1)
        return found


def directory_index(s: Site) -> DirectoryIndex:
    """The listing's index for the build being served (two queries, cached by build)."""

    def make():
        names: dict[str, str] = {}
        facets: dict[str, dict[str, set[str]]] = {str(s.vocab.KT[prop]): {} for _, prop, *_ in FACETS}
        label = str(SKOS.prefLabel)
        for row in select(s, "listing-index", limit=10_000_000):
            a, p, value = row["activity"].value, row["p"].value, row["value"].value
            if p == label:
                names[a] = value
            else:
                facets[p].setdefault(value, set()).add(a)
                names.setdefault(a, "")
        texts: dict[str, list[str]] = {}
        for row in select(s, "listing-search", limit=10_000_000):
            texts.setdefault(row["activity"].value, []).append(row["text"].value.lower())
        order = sorted(names, key=lambda a: (names[a].lower(), a))
        position = {a: i for i, a in enumerate(order)}
        masks = {prop: {value: _mask((position[a] for a in having), len(order)) for value, having in values.items()}
                 for prop, values in facets.items()}
        return DirectoryIndex(order, masks, ["\n".join(texts.get(a, ())) for a in order])

    return s.cached(("directory-index",), make)


def warm(app: Flask) -> None:
    """Make the listing's per-build data now (in a preloading master, shared by its workers): the
    index, the labels, the facet values in every language, and the HTML of the Finnish rows, as
    many as are kept (~5-10 s at N = 10,000)."""
    s = app.extensions["kokemus"]
    try:
        index = directory_index(s)
        concept_labels(s)
        for lang in LANGS:
            with app.test_request_context("/hakemisto"):
                g.lang = lang
                views = facet_values(s, lang)
                if lang == "fi":
                    for start in range(0, min(len(index.order), ROWS_KEPT), WARM_ROWS_PER_QUERY):
                        render_rows(s, index.order[start:start + WARM_ROWS_PER_QUERY], views, lang)
    except StoreUnavailable:  # nothing published yet: the site says so until a build is
        pass


def _mask(positions, size: int) -> int:
    """The bitmask with the given bit positions set (built as a digit string: linear in `size`)."""
    digits = bytearray(b"0" * size)
    for i in positions:
        digits[size - 1 - i] = ord("1")
    return int(digits.decode() or "0", 2)


def concept_labels(s: Site) -> dict[str, list]:
    """Every concept's labels (all languages), read once per build."""

    def make():
        labels: dict[str, list] = {}
        for row in select(s, "page-concept-labels", limit=1_000_000):
            labels.setdefault(row["concept"].value, []).append(row["label"])
        return labels

    return s.cached(("concept-labels",), make)


def listing(s: Site, state: ListingState, lang: str) -> dict:
    """The listing's view model: rows of this page, total, facets with counts, paging links."""
    size = s.settings.page_size
    index = directory_index(s)
    matching = index.chosen(s, state)
    total = matching.bit_count()
    pages = max(1, -(-total // size))
    activities = index.activities(matching, (state.page - 1) * size, state.page * size)
    labels = concept_labels(s)
    views = facet_values(s, lang)
    return {
        "state": state, "total": total, "pages": pages, "first": (state.page - 1) * size + 1,
        "rows": rows(s, activities, views, lang),
        "facets": [facet(s, state, lang, views, f, index, matching) for f in FACETS],
        "chosen": [{"param": p, "id": v, "label": _concept_text(s, labels, v, lang),
                    "remove": state.url(lang, toggle=(p, v))} for p, values in state.chosen for v in values],
        "prev": state.url(lang, page=state.page - 1) if state.page > 1 else None,
        "next": state.url(lang, page=state.page + 1) if state.page < pages else None,
        "clear": ListingState().url(lang),
        "hidden": [(p, v) for p, values in state.chosen for v in values],
    }


def _concept_text(s: Site, labels: dict, concept_id: str, lang: str) -> dict:
    iri = s.vocab.CONCEPT + concept_id
    return text_view(labels.get(iri, []), lang) or {"text": concept_id, "lang": None, "fallback": False}


def facet_values(s: Site, lang: str) -> dict[str, dict]:
    """Every facet value (so every concept a row links to) in `lang`: its label, its label's HTML
    (language mark, fallback note) and its link's HTML, made once per build."""

    def make():
        labels = concept_labels(s)
        context = page_context("listing")
        label_html, link_html = macro("_macros.html", "txt", **context), macro("_macros.html", "a", **context)
        out = {}
        for having in directory_index(s).masks.values():
            for iri in having:
                view = text_view(labels.get(iri, []), lang) or {"text": local_name(iri), "lang": None,
                                                                 "fallback": False}
                out[iri] = {**view, "id": local_name(iri), "iri": iri, "sort": view["text"].lower(),
                            "label": label_html(view), "link": link_html({**view, "href": s.link(iri)})}
        return out

    return s.cached(("listing-facet-values", lang), make)


def facet(s: Site, state: ListingState, lang: str, labelled: dict, spec, index: DirectoryIndex,
          matching: int) -> dict:
    """One facet: each value with the number of matching activities, and its toggle link."""
    param, prop, scheme, key = spec
    chosen = set(state.values(param))
    values = []
    for iri, having in index.masks[str(s.vocab.KT[prop])].items():
        count = (having & matching).bit_count()
        if not count:
            continue
        value = labelled[iri]
        values.append({**value, "count": count, "selected": value["id"] in chosen,
                       "href": state.url(lang, toggle=(param, value["id"]))})
    values.sort(key=lambda v: (not v["selected"], -v["count"], v["sort"]))
    return {"param": param, "key": key, "scheme": s.link(s.vocab.SCHEME + scheme), "values": values}


class RowCache:
    """Rows' HTML for one build as UTF-8 bytes, the `size` most recently shown (an LRU, thread-safe)."""

    def __init__(self, size: int):
        self.size = size
        self._rows: OrderedDict[tuple[str, str], tuple[str, bytes]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple[str, str]) -> tuple[str, bytes] | None:
        """The kept (name, HTML) of a (language, activity), or None."""
        with self._lock:
            row = self._rows.get(key)
            if row is not None:
                self._rows.move_to_end(key)
            return row

    def put(self, key: tuple[str, str], row: tuple[str, bytes]) -> None:
        """Keep a row, forgetting the least recently shown beyond `size`."""
        with self._lock:
            self._rows[key] = row
            while len(self._rows) > self.size:
                self._rows.popitem(last=False)


def rows(s: Site, activities: list[str], views: dict, lang: str) -> list[dict]:
    """The page's rows, each with its card's HTML: kept per build, only the missing ones summarised."""
    kept = _kept_rows(s)
    found = {a: kept.get((lang, a)) for a in activities}
    found.update(render_rows(s, [a for a, row in found.items() if row is None], views, lang))
    # "link" keeps the name where the page's JSON-LD reads it (views.directory)
    return [{"iri": a, "link": {"text": found[a][0]}, "html": Markup(found[a][1].decode("utf-8"))}
            for a in activities]


def render_rows(s: Site, activities: list[str], views: dict, lang: str) -> dict[str, tuple[str, bytes]]:
    """Render the rows of `activities` (one summaries query) and keep them: activity -> (name, HTML)."""
    if not activities:
        return {}
    kept = _kept_rows(s)
    card = macro("_listing.html", "card", **page_context("listing"))
    made = {}
    for summary in summaries(s, activities, views, lang):
        made[summary["iri"]] = row = (summary["link"]["text"], str(card(summary)).encode("utf-8"))
        kept.put((lang, summary["iri"]), row)
    return made


def _kept_rows(s: Site) -> RowCache:
    return s.cached(("listing-rows",), lambda: RowCache(ROWS_KEPT))


def summaries(s: Site, activities: list[str], values: dict, lang: str) -> list[dict]:
    """The rows of one page, from a single query over the page's activities; `values` are the
    facet values' views (`facet_values`), whose links the rows show."""
    if not activities:
        return []
    listed = " ".join(f"<{safe_iri(a)}>" for a in activities)
    by_activity: dict[str, dict[str, list]] = {a: {} for a in activities}
    org_rows = []
    for row in select(s, "listing-summaries", fragments={"#ACTIVITIES": listed}):
        if "orgLabel" in row:
            org_rows.append({"org": row["o"], "label": row["orgLabel"], "activity": row["activity"]})
        else:
            by_activity[row["activity"].value].setdefault(row["p"].value, []).append(row["o"])
    kt = str(s.vocab.KT)
    out = []
    for a in activities:
        props = by_activity[a]
        name = text_view(props.get(str(SKOS.prefLabel), []), lang) or {"text": local_name(a), "lang": None,
                                                                           "fallback": False}
        description = text_view(props.get(str(DCT.description), []), lang)
        if description and len(description["text"]) > SUMMARY_CHARS:
            description = {**description, "text": description["text"][:SUMMARY_CHARS].rsplit(" ", 1)[0] + " …"}

        def concept_links(prop: str) -> list[Markup]:
            found = sorted((values[term.value] for term in props.get(kt + prop, [])), key=lambda v: v["sort"])
            return [v["link"] for v in found]

        orgs = labelled_links(s, [r for r in org_rows if r["activity"].value == a], "org", lang)
        out.append({"iri": a, "link": {**name, "href": s.link(a), "iri": a}, "description": description,
                    "organisations": orgs, "services": concept_links("offersService"),
                    "groups": concept_links("targetGroup"), "areas": concept_links("area")})
    return out
