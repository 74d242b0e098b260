"""Runasimi in headless Chromium: a work's page switched to Quechua (header, navigation, the
page, an alert sentence, `<html lang="qu">`, figures in the qu_PE locale), the language kept
while navigating (in the page and on a fresh load, by the cookie), and back to Spanish.
Screenshots: $MIRADOR_SHOTS/runasimi-*.png."""

from __future__ import annotations

import pytest

from tests.browser_support import browser, live_server, screenshot  # noqa: F401

pytest_plugins = ["tests.citizen_support"]
pytestmark = [pytest.mark.db, pytest.mark.browser]
WAIT = 30
# The "story" work of tests/citizen_data.py: technical file, contract, additional works and
# updated cost as inserted there.
FILE, CONTRACT, ADDITIONAL, UPDATED = 1_000_000, 1_100_000, 200_000, 1_400_000


def _wait(driver, condition, timeout=WAIT):
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, timeout).until(condition)


def _text(driver, selector: str) -> str:
    from selenium.webdriver.common.by import By

    found = driver.find_elements(By.CSS_SELECTOR, selector)
    return found[0].text if found else ""


def _lang(driver) -> str:
    return driver.execute_script("return document.documentElement.lang")


def _click_link(driver, text: str) -> None:
    from selenium.webdriver.common.by import By

    link = _wait(driver, lambda d: d.find_element(By.LINK_TEXT, text))
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", link)
    link.click()


def _soles_qu(amount: float) -> str:
    """S/ 1,400,000: CLDR's qu grouping, written here by Python's own formatter."""
    return f"S/ {amount:,.0f}"


def test_a_work_page_in_runasimi_and_back(browser, live_server, citizen_works):  # noqa: F811
    driver = browser
    code = citizen_works["story"]
    driver.get(f"{live_server}/obra/{code}")
    driver.delete_cookie("lang")
    try:
        driver.get(f"{live_server}/obra/{code}")
        _wait(driver, lambda d: "supera en" in _text(d, "#obra-alerts"))
        assert _lang(driver) == "es" and "Cerca de mí" in _text(driver, ".app-nav")
        overrun = (UPDATED / FILE - 1) * 100
        assert f"supera en {overrun:.1f} %".replace(".", ",") in _text(driver, "#obra-alerts")

        _click_link(driver, "Runasimi")
        _wait(driver, lambda d: "lang=qu" in d.current_url and _lang(d) == "qu")
        _wait(driver, lambda d: "Alertakuna" in _text(d, "#obra-alerts"))
        assert driver.current_url.split("?")[0].endswith(f"/obra/{code}")   # the same page
        assert "llaqta llamk'aykunata" in _text(driver, ".app-tagline")
        nav = _text(driver, ".app-nav")
        assert "Qayllaypi" in nav and "Cerca de mí" not in nav
        page = _text(driver, ".obra-page")
        assert "¿Hayk'ataq chanin?" in page and "¿Maypitaq kachkan?" in page
        assert _soles_qu(UPDATED) in page                    # the money, in the qu locale
        alerts = _text(driver, "#obra-alerts")
        assert (f"Musuqchasqa chaninninqa ({_soles_qu(UPDATED)}) expediente técnicopa "
                f"qullqinmanta ({_soles_qu(FILE)}) {overrun:.1f} % aswan: "
                f"{_soles_qu(UPDATED - FILE)} aswan.") in alerts
        share = ADDITIONAL / CONTRACT * 100
        assert (f"Llamk'aypa yapakunan {_soles_qu(ADDITIONAL)}: contratopa qullqinmanta "
                f"{share:.1f} % ({_soles_qu(CONTRACT)}).") in alerts
        assert "supera en" not in alerts
        screenshot(driver, "runasimi-1-obra")
        driver.execute_script(
            "document.querySelector('#obra-alerts').scrollIntoView({block: 'start'});")
        screenshot(driver, "runasimi-2-alerts")

        _click_link(driver, "Qayllaypi")                    # in the page: no reload
        _wait(driver, lambda d: "Qayllaypi llamk'aykuna" in _text(d, "h1"))
        assert _lang(driver) == "qu"
        assert "Maypi kasqayta llamk'achiy" in _text(driver, "#cerca-locate")
        driver.get(f"{live_server}/cerca")                 # a fresh load: the cookie
        _wait(driver, lambda d: "Qayllaypi llamk'aykuna" in _text(d, "h1"))
        assert _lang(driver) == "qu"
        _wait(driver, lambda d: "next=%2Fcerca" in d.find_element(
            "link text", "Español").get_attribute("href"))
        screenshot(driver, "runasimi-3-cerca")

        _click_link(driver, "Español")
        _wait(driver, lambda d: "lang=es" in d.current_url and _lang(d) == "es")
        _wait(driver, lambda d: "Obras cerca de mí" in _text(d, "h1"))
        assert driver.current_url.split("?")[0].endswith("/cerca")
        assert "Cerca de mí" in _text(driver, ".app-nav")
        screenshot(driver, "runasimi-4-back")
    finally:
        driver.delete_cookie("lang")   # the browser is shared with the other tests
