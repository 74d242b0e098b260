"""The entity and contractor pages in headless Chromium: an entity's page on a phone (its
sections, a page no wider than the screen), a contractor's page, and the explorer's search
box leading to an entity's page. Screenshots: /tmp/mirador-shots/entity-*.png."""

from __future__ import annotations

import pytest

from tests import parties_data as d
from tests.browser_support import WINDOW, browser, live_server, resize, screenshot  # noqa: F401

pytest_plugins = ["tests.parties_support"]
pytestmark = [pytest.mark.db, pytest.mark.browser]
PHONE = (390, 844)
WAIT = 30


def _wait(driver, condition, timeout=WAIT):
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, timeout).until(condition)


def _present(driver, selector: str):
    from selenium.webdriver.common.by import By

    return _wait(driver, lambda dr: dr.find_elements(By.CSS_SELECTOR, selector))[0]


def test_entity_and_contractor_pages_and_the_search(browser, live_server, parties):  # noqa: F811
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    resize(browser, *PHONE)
    try:
        browser.get(f"{live_server}/entidad/{d.MUNI_ID}")
        assert d.MUNI in _present(browser, "#entidad-title").text
        for section in ("kpis", "where", "money", "works", "alerts", "investments",
                        "contracts", "processes", "reports"):
            _present(browser, f"#entidad-{section}")
        _present(browser, "#entidad-map .js-plotly-plot")
        pdfs = browser.find_elements(By.CSS_SELECTOR, "#entidad-reports a[href$='.pdf']")
        assert len(pdfs) == 2
        assert browser.execute_script(
            "return document.documentElement.scrollWidth <= window.innerWidth;")
        screenshot(browser, "entity-page-phone")
    finally:
        resize(browser, *WINDOW)

    browser.get(f"{live_server}/contratista/{d.BUILDER}")
    assert "CONSTRUCTORA ANDINA" in _present(browser, "#contratista-title").text
    for section in ("works", "entities", "contracts", "processes", "sanctions"):
        _present(browser, f"#contratista-{section}")
    assert "Inhabilitación" in _present(browser, "#contratista-sanctions").text
    screenshot(browser, "entity-contractor-page")

    browser.get(f"{live_server}/")
    box = _present(browser, "#explorar-q")
    box.send_keys("zzentidad cusco", Keys.ENTER)
    link = _present(browser, f"#explorar-found a[href='/entidad/{d.MUNI_ID}']")
    screenshot(browser, "entity-search")
    link.click()
    _wait(browser, lambda dr: dr.current_url.endswith(f"/entidad/{d.MUNI_ID}"))
    assert d.MUNI in _present(browser, "#entidad-title").text
