"""UI strings in Finnish, Swedish and English (content labels come from the data)."""

from __future__ import annotations

STRINGS: dict[str, tuple[str, str, str]] = {
    "site_title": ("Kokemustoiminta Varsinais-Suomessa", "Erfarenhetsverksamhet i Egentliga Finland",
                   "Lived-experience work in Southwest Finland"),
    "skip": ("Siirry sisältöön", "Hoppa till innehållet", "Skip to content"),
    "nav_home": ("Etusivu", "Startsida", "Home"),
    "nav_directory": ("Hakemisto", "Katalog", "Directory"),
    "nav_concepts": ("Luokitukset", "Klassifikationer", "Classifications"),
    "nav_vocabulary": ("Sanasto", "Vokabulär", "Vocabulary"),
    "nav_sparql": ("SPARQL", "SPARQL", "SPARQL"),
    "nav_data": ("Avoin data", "Öppna data", "Open data"),
    "language": ("Kieli", "Språk", "Language"),
    "formats": ("Muut muodot", "Andra format", "Other formats"),
    "fallback": ("ei saatavilla valitulla kielellä", "inte tillgänglig på valt språk", "not available in the chosen language"),
    "incoming": ("Viittaukset tähän", "Hänvisningar hit", "Links to this"),
    "more": ("Lisää", "Fler", "More"),
    "modified": ("Muokattu", "Ändrad", "Modified"),
    "type": ("Tyyppi", "Typ", "Type"),
}
LANG_INDEX = {"fi": 0, "sv": 1, "en": 2}
LANG_NAMES = {"fi": "suomi", "sv": "svenska", "en": "English"}


def t(key: str, lang: str) -> str:
    """The UI string `key` in `lang` (Finnish if the key is unknown in that language)."""
    texts = STRINGS.get(key)
    if texts is None:
        return key
    return texts[LANG_INDEX.get(lang, 0)] or texts[0]
