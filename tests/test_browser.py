"""The site in a real headless Chromium: a visitor's path, the language switch, and axe-core.

Path: home -> search -> listing -> facet -> activity -> concept -> organisation, then
Swedish and English. axe-core (npm `axe-core`, installed by `make` into .venv/axe; never
fetched at test time) runs on every page visited: no serious or critical violations of
WCAG 2.1 A/AA. A missing browser or axe skips locally and fails when
KOKEMUS_REQUIRE_BROWSER=1 (set by .ci/run).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest

from kokemus_ld.config import ROOT

CHROMIUM = os.environ.get("KOKEMUS_CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("KOKEMUS_CHROMEDRIVER", "/usr/bin/chromedriver")
AXE_JS = Path(os.environ.get("KOKEMUS_AXE_JS", ROOT / ".venv/axe/node_modules/axe-core/axe.min.js"))
SCREENSHOT = Path(tempfile.gettempdir()) / "kokemus-activity.png"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
BLOCKING = {"serious", "critical"}


def _missing() -> str | None:
    if not (Path(CHROMIUM).exists() or shutil.which("chromium")):
        return f"no Chromium at {CHROMIUM}"
    if not Path(CHROMEDRIVER).exists():
        return f"no chromedriver at {CHROMEDRIVER}"
    if not AXE_JS.exists():
        return f"no axe-core at {AXE_JS} (run `make` to install it with npm)"
    return None


@pytest.fixture(scope="module")
def browser():
    """A headless Chromium driven by selenium, with a fresh profile."""
    missing = _missing()
    if missing:
        if os.environ.get("KOKEMUS_REQUIRE_BROWSER") == "1":
            pytest.fail(f"browser tests are required here but cannot run: {missing}")
        pytest.skip(missing)
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="kokemus-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic",
                 "--no-first-run", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", f"--user-data-dir={profile}", "--window-size=1280,1000", "--lang=fi"):
        options.add_argument(flag)
    options.add_experimental_option("prefs", {"intl.accept_languages": "fi,sv,en"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(30)
    driver.set_script_timeout(60)
    yield driver
    driver.quit()
    shutil.rmtree(profile, ignore_errors=True)


def assert_accessible(driver) -> None:
    """Run axe-core on the current page: no serious or critical WCAG 2.1 A/AA violations."""
    driver.execute_script(AXE_JS.read_text(encoding="utf-8"))
    result = driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "axe.run(document, {runOnly: {type: 'tag', values: arguments[0]}})"
        ".then(r => done(r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,"
        " nodes: v.nodes.map(n => n.target.join(' ')).slice(0, 5)}))))"
        ".catch(e => done([{id: 'axe-error', impact: 'critical', help: String(e), nodes: []}]));",
        AXE_TAGS)
    blocking = [v for v in result if v["impact"] in BLOCKING]
    assert not blocking, (driver.current_url, blocking)


def click(driver, css: str) -> None:
    """Click the first element matching a CSS selector and wait for the next page."""
    from selenium.webdriver.common.by import By

    old = driver.find_element(By.TAG_NAME, "html")
    driver.find_element(By.CSS_SELECTOR, css).click()
    _wait_for_new_page(driver, old)


def _wait_for_new_page(driver, old) -> None:
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(driver, 20).until(expected_conditions.staleness_of(old))


def text_of(driver, css: str) -> str:
    """The visible text of the first element matching a CSS selector."""
    from selenium.webdriver.common.by import By

    return driver.find_element(By.CSS_SELECTOR, css).text


def test_a_visitor_finds_an_activity_and_switches_language(browser, live_server):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    driver = browser
    driver.get(live_server + "/")
    assert text_of(driver, "h1") == "Kokemustoiminta Varsinais-Suomessa"
    assert "195" in text_of(driver, ".statistic")
    assert_accessible(driver)

    # The skip link is the first thing the keyboard reaches, and it shows when focused.
    driver.find_element(By.TAG_NAME, "body").send_keys(Keys.TAB)
    active = driver.switch_to.active_element
    assert active.get_attribute("class") == "skip" and active.is_displayed()
    assert active.rect["x"] >= 0

    # Search from the home page.
    old = driver.find_element(By.TAG_NAME, "html")
    field = driver.find_element(By.ID, "home-q")
    field.send_keys("synnytys")
    field.submit()
    _wait_for_new_page(driver, old)
    assert "q=synnytys" in driver.current_url
    assert "Äimä" in text_of(driver, "ol.cards")
    assert_accessible(driver)

    # A facet on the full listing.
    driver.get(live_server + "/hakemisto")
    click(driver, "a[data-value='palvelu-vertaisvastaanotto']")
    assert "palvelu=palvelu-vertaisvastaanotto" in driver.current_url
    cards = driver.find_elements(By.CSS_SELECTOR, "li.card h3 a")
    assert sorted(a.text for a in cards) == ["Feeniks-työ", "Kokemuskumppanit", "Kuule minua -hanke",
                                             "Veturointi-toiminta"]
    assert_accessible(driver)

    # Listing -> activity.
    click(driver, "li.card h3 a[href='/id/activity/kuule-minua']")
    assert driver.current_url.endswith("/id/activity/kuule-minua")
    assert "16 tunnin" in text_of(driver, "main")
    driver.save_screenshot(str(SCREENSHOT))
    assert_accessible(driver)

    # Activity -> concept.
    click(driver, "main a[href='/id/concept/palvelu-vertaisvastaanotto']")
    assert text_of(driver, "h1") == "Vertaisvastaanotto tai vertaiskeskustelu"
    assert "Kuule minua -hanke" in text_of(driver, "main")
    assert_accessible(driver)

    # Concept -> an activity using it -> its organisation.
    click(driver, "section[aria-labelledby='kaytto'] a[href='/id/activity/kuule-minua']")
    click(driver, "dl.facts a[href='/id/org/ehja']")
    assert text_of(driver, "h1") == "Ehjä ry"
    assert "Y-tunnus" in text_of(driver, "main")
    assert_accessible(driver)

    # Switch language: Swedish, then English.
    click(driver, "nav.langs a[hreflang='sv']")
    assert driver.find_element(By.TAG_NAME, "html").get_attribute("lang") == "sv"
    assert "Katalog" in text_of(driver, "nav.main")
    assert "(på finska)" in text_of(driver, "h1")
    assert_accessible(driver)
    click(driver, "nav.langs a[hreflang='en']")
    assert driver.find_element(By.TAG_NAME, "html").get_attribute("lang") == "en"
    click(driver, "nav.main a[href='/hakemisto?lang=en']")
    assert text_of(driver, "h1") == "Directory of lived-experience work"
    assert_accessible(driver)


@pytest.mark.parametrize("path", ["/", "/hakemisto", "/id/activity/finfami-kokemustoiminta", "/def/kt",
                                  "/id/dataset", "/id/scheme/tuki"])
def test_pages_are_accessible_and_fit_a_phone(browser, live_server, path):
    driver = browser
    driver.set_window_size(375, 800)
    try:
        driver.get(live_server + path)
        overflow = driver.execute_script(
            "return document.documentElement.scrollWidth - document.documentElement.clientWidth;")
        assert overflow <= 1, f"{path} scrolls sideways on a phone by {overflow}px"
        assert_accessible(driver)
    finally:
        driver.set_window_size(1280, 1000)
