"""The work page's source sections in a real browser: the investment, the procurement, the
control reports (the candidate shown as «posible relación») and every source's figures with
the disagreements flagged; source text escaped."""

from __future__ import annotations

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait

from tests import work_sources_data as data
from tests.browser_support import browser, live_server, screenshot  # noqa: F401
from tests.test_work_sources import joined  # noqa: F401

pytestmark = [pytest.mark.db, pytest.mark.browser]


def test_work_page_sections(browser, live_server, joined):  # noqa: F811
    browser.get(f"{live_server}/obra/{joined['infobras_code']}")
    wait = WebDriverWait(browser, 30)
    # Visible: the app's page, not the one it builds hidden behind the preview.
    wait.until(ec.visibility_of_element_located((By.ID, "obra-control")))
    text = {name: browser.find_element(By.ID, name).text
            for name in ("obra-investment", "obra-procurement", "obra-control", "obra-sources")}
    assert "La inversión (MEF)" in text["obra-investment"]
    assert "S/ 4 321 988" in text["obra-investment"] and "31/12/2024" in text["obra-investment"]
    assert "Constructora Andina S.A.C." in text["obra-procurement"]
    assert "3: " in text["obra-procurement"] and "S/ 3 500 000" in text["obra-procurement"]
    assert "inhabilitación" in text["obra-procurement"]
    assert "Consorcio <b>Vial</b>" in text["obra-procurement"]           # escaped, as text
    assert "posible relación" in text["obra-control"]
    assert "<script>x</script>" in text["obra-control"]
    assert browser.find_elements(By.CSS_SELECTOR, "#obra-control a[href$='a.pdf']")
    assert "No coinciden" in text["obra-sources"]
    assert "Costo actualizado de la inversión" in browser.find_element(
        By.ID, "obra-disagreements").text
    for section in ("obra-investment", "obra-procurement"):
        browser.execute_script("arguments[0].scrollIntoView()",
                               browser.find_element(By.ID, section))
        screenshot(browser, f"work-sources-{section}")
    browser.execute_script("arguments[0].scrollIntoView()",
                           browser.find_element(By.ID, "obra-control"))
    screenshot(browser, "work-sources-control")
    browser.execute_script("arguments[0].scrollIntoView()",
                           browser.find_element(By.ID, "obra-sources"))
    screenshot(browser, "work-sources-figures")
    browser.get(f"{live_server}/inversion/{data.CUI_ONLY}")
    wait.until(ec.presence_of_element_located((By.ID, "inversion-works")))
    assert "Ninguna obra de INFObras" in browser.find_element(By.ID, "inversion-works").text
    assert "Inversión sin obra" in browser.find_element(By.ID, "inversion-title").text
    screenshot(browser, "work-sources-investment-page")
