"""Every setting is documented, and the settings table matches the Settings class."""

import dataclasses
import re

from kokemus_ld.config import ROOT, SETTINGS, Settings


def test_every_setting_is_in_the_readme_table():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    table = readme.split("<!-- settings-table -->", 1)[1].split("\n\n", 1)[0]
    documented = set(re.findall(r"^\| `([a-z_]+)` \|", table, re.M))
    assert documented == {name for name, _, _ in SETTINGS}


def test_settings_table_matches_the_class():
    fields = {f.name: f.default for f in dataclasses.fields(Settings)}
    assert fields == {name: default for name, default, _ in SETTINGS}
    assert all(help_text.strip() for _, _, help_text in SETTINGS)


def test_environment_overrides_with_types():
    s = Settings.from_env({"KOKEMUS_SPARQL_TIMEOUT": "2.5", "KOKEMUS_PAGE_SIZE": "7",
                           "KOKEMUS_ALLOW_SERVICE": "yes", "KOKEMUS_BASE_IRI": "http://example.org/"})
    assert (s.sparql_timeout, s.page_size, s.allow_service, s.base_iri) == (2.5, 7, True, "http://example.org/")
