"""The citizen's journey in headless Chromium on a phone-sized window (390 x 844): works near a
district typed in, a work's page and its story, a report sent and received; the browser's
location, allowed and denied. Screenshots: /tmp/mirador-shots/citizen-*.png."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from queries.reports import citizen_report
from tests.browser_support import WINDOW, browser, live_server, resize, screenshot  # noqa: F401
from tests.citizen_data import DISTRICT, DISTRICT_NAME, TOKEN, capital

pytest_plugins = ["tests.citizen_support"]
pytestmark = [pytest.mark.db, pytest.mark.browser]
PHONE = (390, 844)
WAIT = 30


@pytest.fixture()
def phone(browser, live_server, citizen_works):  # noqa: F811
    resize(browser, *PHONE)
    yield browser
    browser.execute_cdp_cmd("Emulation.clearGeolocationOverride", {})
    browser.execute_cdp_cmd("Browser.resetPermissions", {})
    resize(browser, *WINDOW)


def _wait(driver, condition, timeout=WAIT):
    """Until `condition`; an element Dash replaced meanwhile (the suggestions re-rendered
    while they were read) is read again."""
    from selenium.common.exceptions import StaleElementReferenceException
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, timeout, ignored_exceptions=(
        StaleElementReferenceException,)).until(condition)


def _css(driver, selector):
    from selenium.webdriver.common.by import By

    return driver.find_element(By.CSS_SELECTOR, selector)


def _text_of(driver, selector) -> str:
    from selenium.webdriver.common.by import By

    found = driver.find_elements(By.CSS_SELECTOR, selector)
    return found[0].text if found else ""


def _fits_the_phone(driver) -> bool:
    """True when nothing is wider than the phone; else the widest culprits are printed."""
    wide = driver.execute_script("""
        if (document.documentElement.scrollWidth <= window.innerWidth) return [];
        return [...document.querySelectorAll('body *')]
            .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)
            .slice(-5).map(e => e.tagName + '#' + e.id + '.' + e.className + ': '
                           + (e.textContent || '').slice(0, 80));""")
    print("más ancho que el teléfono:", *wide, sep="\n  ") if wide else None
    return not wide


def _scroll_to(driver, selector) -> None:
    driver.execute_script(
        "document.querySelector(arguments[0]).scrollIntoView({block: 'start'});", selector)


def test_citizen_journey_on_a_phone(phone, live_server, citizen_works, national_areas):  # noqa: F811
    from selenium.webdriver.common.by import By

    driver = phone
    driver.get(f"{live_server}/cerca")
    _wait(driver, lambda d: "Usar mi ubicación" in _text_of(d, "#cerca-locate"))
    assert _fits_the_phone(driver)
    screenshot(driver, "citizen-1-cerca")

    _css(driver, "#cerca-place").click()
    search = _wait(driver, lambda d: d.find_element(By.CSS_SELECTOR, "input.dash-dropdown-search"))
    search.send_keys(DISTRICT_NAME)
    option = _wait(driver, lambda d: next(
        (o for o in d.find_elements(By.CSS_SELECTOR, ".dash-dropdown-content .dash-dropdown-option")
         if o.text.startswith(f"{DISTRICT_NAME} · Huancayo, Junín")), None))
    screenshot(driver, "citizen-2-search")
    option.click()
    _wait(driver, lambda d: f"area={DISTRICT}" in d.current_url)
    _wait(driver, lambda d: "a menos de 5 km de" in _text_of(d, "#cerca-summary"))
    _wait(driver, lambda d: d.find_elements(By.CSS_SELECTOR, "#cerca-map .main-svg"))
    cards = driver.find_elements(By.CSS_SELECTOR, ".cerca-card")
    assert cards and len(cards) <= 50
    distances = [c.find_element(By.CSS_SELECTOR, ".cerca-distance").text for c in cards]
    assert all(("m" in d) for d in distances)
    assert _fits_the_phone(driver)
    screenshot(driver, "citizen-3-results")
    _scroll_to(driver, ".cerca-list")
    screenshot(driver, "citizen-4-cards")

    link = next(a for a in driver.find_elements(By.CSS_SELECTOR, ".cerca-card-title")
                if f"{TOKEN} con historia" in a.text)
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", link)
    link.click()
    _wait(driver, lambda d: d.current_url.endswith(f"/obra/{citizen_works['story']}"))
    _wait(driver, lambda d: f"{TOKEN} con historia" in _text_of(d, "#obra-title"))
    _wait(driver, lambda d: d.find_elements(By.CSS_SELECTOR, "#obra-progress .main-svg"))
    assert _fits_the_phone(driver)
    screenshot(driver, "citizen-5-obra")
    _scroll_to(driver, "#obra-progress")
    screenshot(driver, "citizen-6-story")
    _scroll_to(driver, "#obra-alerts")
    screenshot(driver, "citizen-7-alerts")

    _scroll_to(driver, "#obra-title")
    _css(driver, "#obra-report-jump").click()          # the header's link opens the form
    _wait(driver, lambda d: d.find_element(By.ID, "obra-report-description").is_displayed())
    next(label for label in driver.find_elements(By.CSS_SELECTOR, "#obra-report-category label")
         if label.text == "Mala calidad").click()
    description = "Las veredas nuevas ya están rajadas 🚧 <b>y nadie responde</b>."
    _css(driver, "#obra-report-description").send_keys(description)
    _css(driver, "#obra-report-contact").send_keys("vecino@correo.pe")
    _wait(driver, lambda d: "caracteres" in _text_of(d, "#obra-report-count"))
    screenshot(driver, "citizen-8-form")
    _css(driver, "#obra-report-send").click()
    _wait(driver, lambda d: "recibido" in _text_of(d, "#obra-report-message"))
    assert _css(driver, "#obra-report-description").get_attribute("value") == ""
    driver.execute_script(
        "document.querySelector('#obra-report-message').scrollIntoView({block: 'center'});")
    screenshot(driver, "citizen-9-received")
    with national_areas.connect() as conn:
        row = conn.execute(sa.select(citizen_report).where(
            citizen_report.c.infobras_code == citizen_works["story"],
            citizen_report.c.description == description)).mappings().one()
    assert (row["category"], row["status"], row["moderation"]) == \
        ("mala_calidad", "recibido", "pendiente")


def test_my_location_allowed_and_denied(phone, live_server, national_areas):  # noqa: F811
    from selenium.webdriver.common.by import By

    driver = phone
    with national_areas.connect() as conn:
        lon, lat = capital(conn)
    driver.execute_cdp_cmd("Browser.grantPermissions",
                           {"origin": live_server, "permissions": ["geolocation"]})
    driver.execute_cdp_cmd("Emulation.setGeolocationOverride",
                           {"latitude": lat, "longitude": lon, "accuracy": 20})
    driver.get(f"{live_server}/cerca?r=1")
    _wait(driver, lambda d: _text_of(d, "#cerca-locate"))
    _css(driver, "#cerca-locate").click()
    _wait(driver, lambda d: f"lat={lat:.3f}" in d.current_url and f"lon={lon:.3f}" in
          d.current_url and "r=1" in d.current_url)
    _wait(driver, lambda d: "a menos de 1 km de su ubicación" in _text_of(d, "#cerca-summary"))
    _wait(driver, lambda d: d.find_elements(By.CSS_SELECTOR, "#cerca-map .main-svg"))
    screenshot(driver, "citizen-10-location")

    driver.execute_cdp_cmd("Browser.setPermission", {
        "origin": live_server, "permission": {"name": "geolocation"}, "setting": "denied"})
    driver.get(f"{live_server}/cerca")
    _wait(driver, lambda d: _text_of(d, "#cerca-locate"))
    _css(driver, "#cerca-locate").click()
    _wait(driver, lambda d: "No nos dio permiso" in _text_of(d, "#cerca-locate-message"))
    assert "Puede escribir el nombre de su distrito" in _text_of(driver, "#cerca-locate-message")
    screenshot(driver, "citizen-11-denied")
