"""The README's two pictures, taken again on every run so they stay current: the explorer
(docs/explorer.png) and a work's page (docs/work-page.png), in headless Chromium on the real
app, with the 1,151 real paralysed works of ../shared and their alerts. A page that breaks
fails here before its picture would go stale."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from geodata import alerts, paralizadas
from tests.browser_support import WINDOW, browser, live_server, resize  # noqa: F401
from tests.conftest import PARALIZADAS_CSV, ROOT

pytestmark = [pytest.mark.db, pytest.mark.browser]
DOCS = ROOT / "docs"
WAIT = 60
WORK = 2833   # the file's first work: a rural road in Huánuco, paralysed


@pytest.fixture(scope="module")
def real_works(national_areas: sa.Engine) -> sa.Engine:
    if not PARALIZADAS_CSV.exists():
        pytest.skip(f"needs ../shared/data: {PARALIZADAS_CSV}")
    paralizadas.load(engine=national_areas, refresh_views=False)   # 3 s
    alerts.recompute(national_areas)                                # 1 s
    return national_areas


def _wait(driver, condition):
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, WAIT).until(condition)


def _idle(driver) -> bool:
    return driver.execute_script(
        "return !document.querySelector('[data-dash-is-loading=\"true\"]');")


def _save(driver, name: str) -> Path:
    """The window as docs/<name>.png; checked to be a real picture, not a blank page."""
    DOCS.mkdir(exist_ok=True)
    path = DOCS / f"{name}.png"
    driver.save_screenshot(str(path))
    assert path.stat().st_size > 50_000, f"{path} looks blank"
    return path


def test_readme_screens(browser, live_server, real_works):  # noqa: F811
    from selenium.webdriver.common.by import By

    resize(browser, *WINDOW)
    browser.get(f"{live_server}/")
    _wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "#explorar-map .choroplethmap, "
                                                              "#explorar-map canvas"))
    _wait(browser, lambda d: "Perú" in d.find_element(By.ID, "explorar-title").text)
    _wait(browser, _idle)
    browser.execute_script("return new Promise(r => setTimeout(r, 1500));")  # map tiles drawn
    _save(browser, "explorer")

    browser.get(f"{live_server}/obra/{WORK}")
    _wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "#obra-map .main-svg"))
    _wait(browser, _idle)
    assert "CARHUAPATA" in browser.find_element(By.ID, "obra-title").text
    browser.execute_script("return new Promise(r => setTimeout(r, 1000));")
    _save(browser, "work-page")
