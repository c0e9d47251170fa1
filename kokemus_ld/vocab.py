"""Namespaces: the only module that holds namespace IRIs.

Our own namespaces hang off the configurable base IRI, so they are built by
`Vocab(base)`; external ones are constants.
"""

from __future__ import annotations

from functools import lru_cache

from rdflib import Namespace
from rdflib.namespace import DCAT, DCTERMS, FOAF, OWL, PROV, RDF, RDFS, SKOS, XSD

SCHEMA = Namespace("http://schema.org/")
ORG = Namespace("http://www.w3.org/ns/org#")
SH = Namespace("http://www.w3.org/ns/shacl#")
CPSV = Namespace("http://purl.org/vocab/cpsv#")
CV = Namespace("http://data.europa.eu/m8g/")
VOID = Namespace("http://rdfs.org/ns/void#")
SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")
SPDX = Namespace("http://spdx.org/rdf/terms#")
DCATAP = Namespace("http://data.europa.eu/r5r/")
ADMS = Namespace("http://www.w3.org/ns/adms#")
AS = Namespace("https://www.w3.org/ns/activitystreams#")
TREE = Namespace("https://w3id.org/tree#")
LDES = Namespace("https://w3id.org/ldes#")

DCT = DCTERMS

# Well-known prefixes for serializations and the SPARQL editor (ours are added per base).
EXTERNAL_PREFIXES = {
    "rdf": str(RDF), "rdfs": str(RDFS), "owl": str(OWL), "xsd": str(XSD),
    "skos": str(SKOS), "dct": str(DCTERMS), "dcat": str(DCAT), "foaf": str(FOAF),
    "prov": str(PROV), "schema": str(SCHEMA), "org": str(ORG), "sh": str(SH),
    "cpsv": str(CPSV), "cv": str(CV), "void": str(VOID), "vcard": str(VCARD),
}


class Vocab:
    """Our namespaces under one base IRI (`https://kokemus.vslj.fi/` by default)."""

    def __init__(self, base: str):
        if not base.endswith("/"):
            base += "/"
        self.base = base
        self.KT = Namespace(base + "def/kt#")
        self.SHAPES = Namespace(base + "def/shapes#")
        self.CONCEPT = Namespace(base + "id/concept/")
        self.SCHEME = Namespace(base + "id/scheme/")
        self.ORGS = Namespace(base + "id/org/")
        self.ACTIVITY = Namespace(base + "id/activity/")
        self.STATISTIC = Namespace(base + "id/statistic/")
        self.FAQ = Namespace(base + "id/faq/")
        self.DOCUMENT = Namespace(base + "id/document/")
        self.ontology = base + "def/kt"
        self.shapes_doc = base + "def/shapes"
        self.dataset = base + "id/dataset"
        self.faq_page = base + "id/faq"
        self.catalog = base + "catalog"
        self.sparql = base + "sparql"

    @property
    def prefixes(self) -> dict[str, str]:
        """Prefix table for serializations and the SPARQL editor."""
        return {
            "kt": str(self.KT), "ktc": str(self.CONCEPT), "kts": str(self.SCHEME),
            "ktsh": str(self.SHAPES), **EXTERNAL_PREFIXES,
        }

    def document_of(self, iri: str) -> str:
        """The IRI of the document a resource belongs to (hash parts live in their parent)."""
        return iri.split("#", 1)[0]


@lru_cache(maxsize=8)
def vocab(base: str) -> Vocab:
    """The shared `Vocab` for a base IRI."""
    return Vocab(base)
