"""Write shapes/kt-text-checks.ttl: the checks over every literal, one property shape per predicate.

    .venv/bin/python shapes/make_text_checks.py      # after editing a topic or a predicate list

Placeholders, e-mail addresses and phone numbers in text, and text hygiene apply to every text
value of every resource. SHACL Core says that with one property shape per (predicate, topic),
each targeting the subjects of its predicate, so pyshacl checks each value with one regular
expression in one pass per shape (a SPARQL constraint over "any predicate" costs a query per
node). The predicates are every text-valued and every free IRI-valued predicate the mapping,
the build and the vocabulary write; tests/test_shapes.py fails when a literal appears under a
predicate missing here. A topic's pattern is written as what is wrong (`bad`); the shape says
"found nowhere in the value" with a negative lookahead (Python `re`, as pyshacl uses).

The lookahead tries `bad` at every character of every text, which made these checks the
largest part of validation's regular expressions. So a topic may also say what is plainly
fine (`clear`: a value with at most five digits holds no phone number), tried first and in
one pass, and which alternatives of what is wrong can only start at the value's start
(`bad_at_start`: tried there once, not at every character). The verdicts are the same
(tests/test_shapes.py: every topic on 200,000 random strings); on 40,000 generated texts
the phone check took 9x less time, the e-mail check 5x, the placeholder check 1.4x.
"""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

OUT = Path(__file__).with_name("kt-text-checks.ttl")

# Language-tagged text (the data's and the vocabulary's); every topic applies.
TEXT = ["kt:sourceText", "kt:sourceHeading", "kt:areaNote", "kt:editorialNote", "kt:givenBy",
        "kt:providerNote", "kt:requirementNote", "kt:section", "kt:missingInformation",
        "dct:title", "dct:description", "schema:name", "schema:description", "schema:text",
        "schema:programPrerequisites", "dcat:keyword", "foaf:name",
        "skos:prefLabel", "skos:altLabel", "skos:hiddenLabel", "skos:definition", "skos:scopeNote",
        "skos:note", "skos:editorialNote", "skos:example", "rdfs:label", "rdfs:comment"]
# Plain strings (xsd:string): placeholders and contact data, no hygiene (that is for language-tagged text).
STRINGS = ["kt:sourceFile", "dct:identifier", "skos:notation", "vann:preferredNamespacePrefix",
           "owl:versionInfo"]
# IRI-valued properties whose values come from editors or settings: no mailto: or tel: link.
LINKS = ["foaf:homepage", "schema:url", "dcat:downloadURL", "dcat:landingPage", "dct:source",
         "dct:license", "prov:wasDerivedFrom", "rdfs:seeAlso", "skos:closeMatch", "skos:exactMatch",
         "skos:broadMatch", "skos:narrowMatch", "skos:relatedMatch"]

EMAIL_MESSAGE = ('"Tekstissä on sähköpostiosoite. Kokemustoimijoiden henkilötietoja ei julkaista; vain järjestön omat '
                 'yhteystiedot (schema:email) ovat sallittuja."@fi ,\n        "The text contains an e-mail address. '
                 'Experience actors\' personal data is never published; only an organisation\'s own contact data '
                 '(schema:email) is allowed."@en')
PHONE_MESSAGE = ('"Tekstissä on puhelinnumero. Kokemustoimijoiden henkilötietoja ei julkaista; vain järjestön omat '
                 'yhteystiedot (schema:telephone) ovat sallittuja."@fi ,\n        "The text contains a phone number. '
                 'Experience actors\' personal data is never published; only an organisation\'s own contact data '
                 '(schema:telephone) is allowed."@en')



class Topic(NamedTuple):
    """One check over text: a shape per predicate."""

    name: str  # the shape name's prefix
    names: tuple  # (fi, en)
    severity: str | None  # None: a violation
    bad: str  # what is wrong, found anywhere in the value
    flags: str | None
    message: str  # Turtle: the sh:message literals
    predicates: list
    clear: str | None = None  # what is plainly fine (a shortcut: never decides against a value)
    bad_at_start: str | None = None  # what is wrong, found only from the value's start


def pattern(topic: Topic) -> str:
    """The shape's sh:pattern: the value is plainly fine, or no part of it is wrong."""
    start = f"^(?!{topic.bad_at_start})" if topic.bad_at_start else "^"
    nowhere = start + rf"(?![\s\S]*(?:{topic.bad}))"
    return f"{topic.clear}|{nowhere}" if topic.clear else nowhere


WORD = "a-zåäöéü0-9"
TOPICS = [
    # Empty or only punctuation/whitespace, "VASTAUS" or "testi" as the whole value, "lorem ...",
    # or a TODO / TBD / FIXME / xxx token. The seed has "VASTAUS" (FAQ) and "testi" (guideline).
    # Typed values (numbers, dates, durations) cannot be placeholders: their sh:datatype fails first.
    Topic("Placeholder", ("paikkamerkki", "placeholder"), None,
     rf"lorem ipsum|(^|[^{WORD}])(todo|tbd|fixme|xxx+)([^{WORD}]|$)", "i",
     '"Arvo on tyhjä tai paikkamerkki (esim. \\"VASTAUS\\", \\"testi\\", \\"lorem ...\\", \\"TODO\\", \\"TBD\\", '
     '\\"xxx\\"): jätä tieto pois tai kirjoita varsinainen teksti."@fi ,\n        "The value is empty or a placeholder '
     '(e.g. \\"VASTAUS\\", \\"testi\\", \\"lorem ...\\", \\"TODO\\", \\"TBD\\", \\"xxx\\"): leave the fact out or write '
     'the real text."@en', TEXT + STRINGS,
     bad_at_start=rf"[^{WORD}]*$|[^{WORD}]*(vastaus|testi)[^{WORD}]*$|[^{WORD}]*lorem"),
    # Safeguarding: only a kt:Organisation may carry contact data, and only in its contact
    # properties (schema:email, schema:telephone, ...: ktsh:PersonalDataShape). Recognised:
    # name@host, name(at)host; +358 40 123 4567, 040 123 4567, 0401234567, 040-123 4567,
    # (02) 123 456, 09 1234 5678, other +CC / 00CC numbers; a Y-tunnus (1234567-8) is not a phone number.
    # The e-mail pattern starts only at the first character of a run of name characters (the
    # lookbehind): a run's tail matches only when the whole run does, so the values it finds are
    # the same, but Python's regex no longer retries every tail of every word (3x faster).
    # Clear: no "@" and no "(" (as in "(at)"), so no address.
    Topic("Email", ("sähköpostiosoite", "e-mail address"), None,
          r"(?<![a-z0-9._%+-])[a-z0-9._%+-]+(@|[ ]?[(]at[)][ ]?)[a-z0-9-]+([.][a-z0-9-]+)*[.][a-z]{2,}", "i",
          EMAIL_MESSAGE, TEXT + STRINGS, clear=r"^[^@(]*$"),
    # Clear: at most five digits (every alternative needs six).
    Topic("Phone", ("puhelinnumero", "phone number"), None,
          r"(([+]|(^|[^0-9])00)[ ]?[1-9][0-9]{0,2}[ ().-]*[0-9]([ ().-]?[0-9]){5,12})"
          r"|((^|[^0-9a-z+,-])[(]?0[0-9]{1,3}[)]?[ -]?[0-9]{2,4}[ -]?[0-9]{2,4}([ ][0-9]{1,4})?($|[^0-9a-z-]))", "i",
          PHONE_MESSAGE, TEXT + STRINGS, clear=r"^\D*(?:\d\D*){0,5}$"),
    Topic("MailtoLink", ("sähköpostilinkki", "mailto link"), None, r"^mailto:", "i", EMAIL_MESSAGE, LINKS),
    Topic("TelLink", ("puhelinlinkki", "tel link"), None, r"^tel:", "i", PHONE_MESSAGE, LINKS),
    # Text hygiene of verbatim source text: reported, never blocking. The raw text is kept as the
    # source wrote it ("kotitehtävät).Vapaaehtoistoiminnan"); a normalised copy may fix it.
    Topic("SpaceAfterStop", ("välilyönti pisteen jälkeen", "space after full stop"), "sh:Info",
     r"[a-zäö)][.][A-ZÄÖÅ]", None,
     '"Virkkeen lopun pisteen jälkeen puuttuu välilyönti (esim. \\"tuntia.Vapaaehtoistoiminnan\\")."@fi ,\n'
     '        "A space is missing after a full stop (e.g. \\"tuntia.Vapaaehtoistoiminnan\\")."@en', TEXT),
    Topic("EdgeWhitespace", ("tyhjä tekstin reunalla", "edge whitespace"), "sh:Info", r"^\s|\s$", None,
     '"Tekstin alussa tai lopussa on ylimääräistä tyhjää."@fi ,\n        "The text has leading or trailing whitespace."@en',
     TEXT),
]

HEADER = """# GENERATED by shapes/make_text_checks.py: edit that file and run it, not this one.
#
# Checks over every literal of every resource: placeholders, e-mail addresses and phone numbers in
# text, mailto:/tel: links, and text hygiene (sh:Info). One property shape per (topic, predicate),
# each targeting the subjects of its predicate; a value the pattern does not match is reported.

@prefix rdfs:   <http://www.w3.org/2000/01/rdf-schema#> .
@prefix owl:    <http://www.w3.org/2002/07/owl#> .
@prefix sh:     <http://www.w3.org/ns/shacl#> .
@prefix skos:   <http://www.w3.org/2004/02/skos/core#> .
@prefix dct:    <http://purl.org/dc/terms/> .
@prefix dcat:   <http://www.w3.org/ns/dcat#> .
@prefix prov:   <http://www.w3.org/ns/prov#> .
@prefix foaf:   <http://xmlns.com/foaf/0.1/> .
@prefix schema: <http://schema.org/> .
@prefix vann:   <http://purl.org/vocab/vann/> .
@prefix kt:     <def/kt#> .
@prefix ktsh:   <def/shapes#> .
"""


def turtle_string(text: str) -> str:
    """A Turtle string literal of `text` (backslashes and quotes escaped)."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def shape(topic: Topic, predicate: str) -> str:
    """The Turtle of one topic's property shape on one predicate."""
    name, (fi, en), severity, flags, message = topic.name, topic.names, topic.severity, topic.flags, topic.message
    lines = [f"ktsh:{name}-{predicate.replace(':', '-')} a sh:PropertyShape ;",
             f"    sh:targetSubjectsOf {predicate} ;",
             f"    sh:path {predicate} ;",
             f'    sh:name "{fi} ({predicate})"@fi , "{en} ({predicate})"@en ;']
    if severity:
        lines.append(f"    sh:severity {severity} ;")
    lines.append(f"    sh:pattern {turtle_string(pattern(topic))} ;")
    if flags:
        lines.append(f'    sh:flags "{flags}" ;')
    lines.append(f"    sh:message {message} .")
    return "\n".join(lines) + "\n"


def text_checks() -> str:
    """The whole generated file."""
    parts = [HEADER]
    for topic in TOPICS:
        parts.append(f"\n# --- {topic.names[1]} {'-' * (90 - len(topic.names[1]))}\n")
        parts.extend("\n" + shape(topic, p) for p in topic.predicates)
    return "".join(parts)


if __name__ == "__main__":
    OUT.write_text(text_checks(), encoding="utf-8")
    print(f"wrote {OUT}")
