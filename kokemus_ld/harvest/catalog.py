"""The DCAT-AP 3 catalogue and the VoID description, as pyoxigraph triples.

The catalogue is three parts put together at request time (and cached per build):
`catalog.ttl` (what only the catalogue says: its title, the data services, contact point,
themes), the directory dataset's own document from the store (title, description,
publisher, keywords, spatial coverage, licence, dates), and the build's meta.json (one
distribution per dump file with size and checksum). Dates are the content-derived
`modified` dates of the documents, so `modified_since` lets a harvester skip what did not
change.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import pyoxigraph as ox

from ..vocab import DCAT, DCATAP, DCT, FOAF, RDF, SKOS, SPDX, VOID, XSD, Vocab

CATALOG_TTL = Path(__file__).with_name("catalog.ttl")
IANA_MEDIA_TYPES = "https://www.iana.org/assignments/media-types/"
EU_FILE_TYPES = "http://publications.europa.eu/resource/authority/file-type/"
STABLE = "http://publications.europa.eu/resource/authority/planned-availability/STABLE"
HSDS_SCHEMA = "https://github.com/openreferral/specification/tree/3.0"
# Our format names -> codes of the EU file-type authority table.
FILE_TYPES = {"turtle": "RDF_TURTLE", "ntriples": "RDF_N_TRIPLES", "nquads": "RDF_N_QUADS", "trig": "RDF_TRIG",
              "jsonld": "JSON_LD", "rdfxml": "RDF_XML", "json": "JSON", "gzip": "GZIP"}
FORMAT_TITLES = {"turtle": "Turtle", "ntriples": "N-Triples", "nquads": "N-Quads", "trig": "TriG",
                 "jsonld": "JSON-LD", "json": "JSON"}


@dataclasses.dataclass(frozen=True)
class Download:
    """One file a harvester can download: where, what format, how big, its SHA-256."""

    name: str
    url: str
    format: str  # our format name (turtle, ntriples, ..., json)
    media_type: str  # of the content (for a gzip file: of what it decompresses to)
    gzip: bool
    size: int
    sha256: str | None  # None: a plain dump, checked through its `.gz` twin (build/dumps.py)
    conforms_to: str | None = None


def iri(value) -> ox.NamedNode:
    """A named node from a string or an rdflib term."""
    return ox.NamedNode(str(value))


def typed(value, datatype) -> ox.Literal:
    """A typed literal."""
    return ox.Literal(str(value), datatype=iri(datatype))


def text(value: str, lang: str) -> ox.Literal:
    """A language-tagged literal."""
    return ox.Literal(value, language=lang)


def parse_since(raw: str | None) -> dt.datetime | None:
    """An ISO 8601 date or date-time as an aware datetime (UTC when no zone is given); ValueError if malformed."""
    if not raw:
        return None
    when = dt.datetime.fromisoformat(raw.strip().replace("Z", "+00:00").replace(" ", "+"))
    return when if when.tzinfo else when.replace(tzinfo=dt.timezone.utc)


def when(stamp: str) -> dt.datetime:
    """A stored ISO timestamp as an aware datetime."""
    return parse_since(stamp)


def dataset_modified(info: dict, v: Vocab) -> dict[str, str]:
    """The last change of each catalogued dataset, from the documents it holds."""
    modified = info.get("modified", {})

    def latest(*prefixes) -> str | None:
        stamps = [m for doc, m in modified.items() if doc.startswith(prefixes)]
        return max(stamps, key=when) if stamps else None

    return {
        v.dataset: modified.get(v.dataset) or info["built"],
        v.catalog + "#luokitukset": latest(str(v.SCHEME), str(v.CONCEPT)) or info["built"],
        v.catalog + "#tilastot": latest(str(v.STATISTIC)) or info["built"],
    }


def catalog_triples(v: Vocab, info: dict, license_iri: str, dataset_doc: list, downloads: list[Download],
                    schemes: list[tuple], statistics: list[tuple], since: dt.datetime | None = None) -> list:
    """The whole catalogue; with `since`, only the datasets changed at or after it (and their distributions)."""
    out = [ox.Triple(q.subject, q.predicate, q.object)
           for q in ox.parse(path=str(CATALOG_TTL), format=ox.RdfFormat.TURTLE, base_iri=v.base)]
    catalog, ds = iri(v.catalog), iri(v.dataset)
    changed = dataset_modified(info, v)
    kept = {d for d, m in changed.items() if since is None or when(m) >= since}
    out = [t for t in out if _keep(t, kept, changed, v)]
    issued = info.get("issued") or info["built"]
    out += [ox.Triple(catalog, iri(DCT.issued), typed(issued, XSD.dateTime)),
            ox.Triple(catalog, iri(DCT.modified), typed(max(changed.values(), key=when), XSD.dateTime)),
            ox.Triple(catalog, iri(DCT.license), iri(license_iri)),
            ox.Triple(iri(license_iri), iri(RDF.type), iri(DCT.LicenseDocument))]
    out += _publisher_names(dataset_doc, v)
    if v.dataset in kept:
        out += [t for t in dataset_doc if t.subject == ds or t.subject.value.startswith(v.dataset + "#")]
        out += [t for t in dataset_doc if t.predicate.value == str(SKOS.prefLabel) and t.subject != ds]
        for d in downloads:
            out += _distribution(v, d, license_iri)
    for name in ("#luokitukset", "#tilastot"):
        node = iri(v.catalog + name)
        if node.value in kept:
            out += [ox.Triple(node, iri(DCT.modified), typed(changed[node.value], XSD.dateTime)),
                    ox.Triple(node, iri(DCT.issued), typed(issued, XSD.dateTime)),
                    ox.Triple(node, iri(DCT.license), iri(license_iri))]
    if v.catalog + "#luokitukset" in kept:
        out += _scheme_distributions(v, schemes, license_iri)
    if v.catalog + "#tilastot" in kept:
        out += _statistic_distributions(v, statistics, license_iri)
    return out


def _keep(t: ox.Triple, kept: set, changed: dict, v: Vocab) -> bool:
    """Leave out unchanged datasets: their descriptions and the catalogue's links to them."""
    if t.subject.value in changed and t.subject.value not in kept:
        return False
    if t.predicate.value == str(DCAT.dataset) and t.object.value not in kept:
        return False
    return True


def _publisher_names(dataset_doc: list, v: Vocab) -> list:
    """foaf:name of the publisher (DCAT-AP wants it) from its labels in the data."""
    publisher = iri(v.ORGS["vslj"])
    return [ox.Triple(publisher, iri(FOAF.name), t.object) for t in dataset_doc
            if t.subject == publisher and t.predicate.value == str(SKOS.prefLabel)]


def _distribution(v: Vocab, d: Download, license_iri: str) -> list:
    """One dcat:Distribution of the directory: download URL, media type, EU file type, size, and the SHA-256
    of a file that has one."""
    dataset, node = iri(v.dataset), iri(f"{v.catalog}#jakelu-{d.name}")
    label = FORMAT_TITLES.get(d.format, d.format) + (" (gzip)" if d.gzip else "")
    what_fi = "HSDS 3.0 -vienti (JSON)" if d.conforms_to == HSDS_SCHEMA else f"Koko aineisto, {label}"
    what_en = "HSDS 3.0 export (JSON)" if d.conforms_to == HSDS_SCHEMA else f"The whole dataset, {label}"
    checksum = ox.BlankNode()
    out = [
        ox.Triple(dataset, iri(DCAT.distribution), node),
        ox.Triple(node, iri(RDF.type), iri(DCAT.Distribution)),
        ox.Triple(node, iri(DCT.title), text(f"{d.name}: {what_fi}", "fi")),
        ox.Triple(node, iri(DCT.title), text(f"{d.name}: {what_en}", "en")),
        ox.Triple(node, iri(DCT.description), text(f"{what_fi}. Tiedosto: {d.name}.", "fi")),
        ox.Triple(node, iri(DCT.description), text(f"{what_en}. File: {d.name}.", "en")),
        ox.Triple(node, iri(DCAT.accessURL), iri(d.url)),
        ox.Triple(node, iri(DCAT.downloadURL), iri(d.url)),
        ox.Triple(node, iri(DCAT.mediaType), iri(IANA_MEDIA_TYPES + d.media_type)),
        ox.Triple(node, iri(DCT.format), iri(EU_FILE_TYPES + FILE_TYPES[d.format])),
        ox.Triple(node, iri(DCAT.byteSize), typed(d.size, XSD.nonNegativeInteger)),
        ox.Triple(node, iri(DCT.license), iri(license_iri)),
        ox.Triple(node, iri(DCATAP.availability), iri(STABLE)),
    ]
    if d.sha256:
        out += [ox.Triple(node, iri(SPDX.checksum), checksum),
                ox.Triple(checksum, iri(RDF.type), iri(SPDX.Checksum)),
                ox.Triple(checksum, iri(SPDX.algorithm), iri(SPDX.checksumAlgorithm_sha256)),
                ox.Triple(checksum, iri(SPDX.checksumValue), typed(d.sha256, XSD.hexBinary))]
    if d.gzip:
        out.append(ox.Triple(node, iri(DCAT.compressFormat), iri(IANA_MEDIA_TYPES + "application/gzip")))
    if d.conforms_to:
        out.append(ox.Triple(node, iri(DCT.conformsTo), iri(d.conforms_to)))
    return out


def _document_distribution(dataset: str, doc: str, titles: list, license_iri: str, media_type: str) -> list:
    """A distribution that is one published document (a concept scheme, a statistic), as Turtle."""
    node = iri(f"{dataset}-{doc.rstrip('/').rsplit('/', 1)[-1]}")
    out = [ox.Triple(iri(dataset), iri(DCAT.distribution), node),
           ox.Triple(node, iri(RDF.type), iri(DCAT.Distribution)),
           ox.Triple(node, iri(DCAT.accessURL), iri(doc)),
           ox.Triple(node, iri(DCAT.downloadURL), iri(doc + ".ttl")),
           ox.Triple(node, iri(DCAT.mediaType), iri(IANA_MEDIA_TYPES + media_type)),
           ox.Triple(node, iri(DCT.format), iri(EU_FILE_TYPES + FILE_TYPES["turtle"])),
           ox.Triple(node, iri(DCT.license), iri(license_iri)),
           ox.Triple(node, iri(DCATAP.availability), iri(STABLE)),
           ox.Triple(node, iri(DCT.description), text(
               "Asiakirja omassa osoitteessaan; muut muodot (HTML, JSON-LD, N-Triples, RDF/XML) sisältöneuvottelulla.",
               "fi")),
           ox.Triple(node, iri(DCT.description), text(
               "The document at its own IRI; other formats (HTML, JSON-LD, N-Triples, RDF/XML) by content negotiation.",
               "en"))]
    out += [ox.Triple(node, iri(DCT.title), title) for title in titles]
    return out


def _scheme_distributions(v: Vocab, schemes: list[tuple], license_iri: str) -> list:
    """One distribution per concept scheme: `schemes` is (scheme IRI, [dct:title literals])."""
    out = []
    for scheme, titles in schemes:
        out += _document_distribution(v.catalog + "#luokitukset", scheme, titles, license_iri, "text/turtle")
    return out


def _statistic_distributions(v: Vocab, statistics: list[tuple], license_iri: str) -> list:
    """One distribution per yearly statistic, and the years they cover as dct:temporal."""
    dataset = iri(v.catalog + "#tilastot")
    out = []
    years = sorted(int(year) for _, year in statistics)
    if years:
        period = ox.BlankNode()
        out += [ox.Triple(dataset, iri(DCT.temporal), period),
                ox.Triple(period, iri(RDF.type), iri(DCT.PeriodOfTime)),
                ox.Triple(period, iri(DCAT.startDate), typed(f"{years[0]}-01-01", XSD.date)),
                ox.Triple(period, iri(DCAT.endDate), typed(f"{years[-1]}-12-31", XSD.date))]
    for stat, year in statistics:
        titles = [text(f"Kokemustoimijat vuonna {year}", "fi"), text(f"Experience actors in {year}", "en")]
        out += _document_distribution(dataset.value, stat, titles, license_iri, "text/turtle")
    return out


# -- VoID ------------------------------------------------------------------------------------

@dataclasses.dataclass
class Statistics:
    """Counts a VoID description states, from the store."""

    triples: int
    entities: int
    classes: int
    vocabularies: list[str]
    examples: list[str]


def void_triples(v: Vocab, stats: Statistics, downloads: list[Download], void_iri: str) -> list:
    """The VoID description of the dataset: size, vocabularies, URI space, examples, dumps, endpoint."""
    ds = iri(v.dataset)
    doc = iri(void_iri)
    out = [ox.Triple(doc, iri(RDF.type), iri(VOID.DatasetDescription)),
           ox.Triple(doc, iri(FOAF.primaryTopic), ds),
           ox.Triple(doc, iri(DCT.title), text("Kokemustoiminta-aineiston VoID-kuvaus", "fi")),
           ox.Triple(doc, iri(DCT.title), text("VoID description of the lived-experience dataset", "en")),
           ox.Triple(ds, iri(RDF.type), iri(VOID.Dataset)),
           ox.Triple(ds, iri(VOID.triples), typed(stats.triples, XSD.integer)),
           ox.Triple(ds, iri(VOID.entities), typed(stats.entities, XSD.integer)),
           ox.Triple(ds, iri(VOID.classes), typed(stats.classes, XSD.integer)),
           ox.Triple(ds, iri(VOID.uriSpace), ox.Literal(v.base + "id/")),
           ox.Triple(ds, iri(VOID.uriSpace), ox.Literal(v.base + "def/")),
           ox.Triple(ds, iri(VOID.sparqlEndpoint), iri(v.sparql)),
           ox.Triple(ds, iri(VOID.rootResource), iri(v.dataset)),
           ox.Triple(ds, iri(DCAT.landingPage), iri(v.base))]
    out += [ox.Triple(ds, iri(VOID.vocabulary), iri(ns)) for ns in stats.vocabularies]
    out += [ox.Triple(ds, iri(VOID.exampleResource), iri(e)) for e in stats.examples]
    out += [ox.Triple(ds, iri(VOID.dataDump), iri(d.url)) for d in downloads if d.format != "json"]
    out += [ox.Triple(ds, iri(VOID.feature), iri(f"http://www.w3.org/ns/formats/{name}"))
            for name in ("Turtle", "N-Triples", "N-Quads", "TriG", "JSON-LD", "RDF_XML")]
    return out


def namespace_of(term: str) -> str:
    """The namespace part of an IRI (up to the last # or /)."""
    cut = max(term.rfind("#"), term.rfind("/"))
    return term[:cut + 1]
