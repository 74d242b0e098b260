"""The /alertas page: its layout from the URL, its callbacks (table page, map values by Patch,
bars, the URL built from the controls), and one look at it in headless Chromium."""

from __future__ import annotations

import importlib.util
import sys
from datetime import date

import pytest

from geodata import alerts as engine_alerts
from tests.alerts_support import AS_OF, insert_works

HAS_BROWSER = importlib.util.find_spec("tests.browser_support") is not None
if HAS_BROWSER:
    from tests.browser_support import browser, live_server, screenshot  # noqa: F401

pytestmark = pytest.mark.db

TOKEN = "zzpagina"
BASE = 9_720_000
CASES = {
    "stopped": {"ubigeo": "080108", "status": "paralizada", "paralysis_date": date(2024, 6, 1),
                "entity": "Municipalidad zzpagina <b>Wanchaq</b>"},
    "late": {"ubigeo": "080108", "programmed_end": date(2025, 12, 1)},
}
CODE = {name: BASE + i for i, name in enumerate(CASES)}
SEARCH = f"?q={TOKEN}"


@pytest.fixture(scope="module")
def page(national_areas):
    """The works, their alerts, and the page module as Dash loaded it."""
    from dashboard import app as app_module

    with national_areas.begin() as conn:
        insert_works(conn, CODE, CASES, TOKEN)
    engine_alerts.recompute(national_areas, as_of=AS_OF)
    module = sys.modules["dashboard.pages.alertas"]
    with app_module.app.server.test_request_context():
        yield module


def test_layout_reads_the_url(page):
    text = str(page.layout(area="0801", rule=["paralizada"], severity="alta"))
    assert "Fecha de corte de los datos: 31/05/2026" in text
    for part in ("alertas-table", "alertas-map", "alertas-top-areas", "alertas-top-entities",
                 "/geo/", "/3.json", "Cómo se calculan las alertas",
                 "Ley de Contrataciones del Estado"):
        assert part in text, part
    layout = page.layout(area="0801", rule=["paralizada"])
    region = _find(layout, "alertas-region")
    assert (region.value, _find(layout, "alertas-province").value) == ("08", "0801")
    assert _find(layout, "alertas-rule").value == ["paralizada"]
    assert "Severidad no válida" in str(page.layout(severity="extrema"))


def _find(component, ident):
    if getattr(component, "id", None) == ident:
        return component
    children = getattr(component, "children", None)
    for child in children if isinstance(children, list) else [children]:
        if child is not None and not isinstance(child, str | int | float):
            found = _find(child, ident)
            if found is not None:
                return found
    return None


def test_table_callback(page):
    sort = [{"column_id": "amount_at_risk", "direction": "desc"}]
    records, pages, summary, tips = page.table(SEARCH, 0, 25, sort)
    assert [t["work_name"]["value"] for t in tips] == [r["work_name"] for r in records]
    assert pages == 1 and len(records) == 2
    assert records[0]["link"] == f"[Ver obra {CODE['stopped']}](/obra/{CODE['stopped']})"
    assert {r["rule_name"] for r in records} == {"Obra paralizada", "Obra retrasada"}
    assert summary.startswith("2 alertas en 2 obras; monto en riesgo: S/ 1,2 M")
    assert summary.endswith("Se aplican además los filtros de obras del enlace.")
    missing, _, text, _ = page.table(SEARCH + "&state=no_calculable", 0, 25, sort)
    assert missing and text.endswith("calcular en 2 obras por falta de datos.")


def test_map_is_patched_with_values_only(page):
    patch, table = page.district_map(SEARCH, "alerts")
    changes = {tuple(op["location"]): op["params"]["value"]
               for op in patch.to_plotly_json()["operations"]}
    codes = page._district_codes()
    z = changes[("data", 0, "z")]
    assert len(z) == len(codes) and z[codes.index("080108")] == 2
    rows = table.children[1].children.children[2].children   # the map's table: same figure
    assert [(getattr(r, "data-key"), r.children[2].children) for r in rows] == [("080108", "2")]
    assert sum(z) == 2                                   # only this selection's alerts
    assert ("data", 0, "geojson") not in changes          # the boundaries never travel
    zoomed = page.district_map(SEARCH + "&area=0801", "alerts_per_10k")[0].to_plotly_json()
    view = {tuple(op["location"]): op["params"]["value"] for op in zoomed["operations"]}
    assert view[("layout", "map", "zoom")] > 6
    assert view[("data", 0, "colorbar", "title", "text")] == "Alertas por 10 000 hab."


def test_bars_and_url(page):
    areas, entities = page.where_the_money_is(SEARCH)
    assert list(areas.data[0].y) == ["Wanchaq (Cusco)"]
    assert entities.data[0].y[0] == "Municipalidad zzpagina &lt;b&gt;Wanchaq&lt;/b&gt;"
    search, message, first_page = page.select("08", "0801", None, ["paralizada"], ["alta"],
                                              "Wanchaq", 1000, None, "alerta",
                                              "?area=15&q=puente&status=paralizada&rule=x")
    assert search == ("?area=0801&status=paralizada&q=puente&rule=paralizada&severity=alta"
                      "&entity=Wanchaq&risk_min=1000.0")       # the works filters stay
    assert (message, first_page) == ("", 0)
    _, message, _ = page.select(None, None, None, [], [], "", 10, 1, "alerta")
    assert "mínimo es mayor" in message


MAP_READY = """var gd = document.querySelector('#alertas-map .js-plotly-plot');
var s = gd && gd._fullLayout && gd._fullLayout.map && gd._fullLayout.map._subplot;
return !!(s && s.map && s.map.loaded() && gd.data[0].z.some(function (v) { return v > 0; }));"""


@pytest.mark.browser
@pytest.mark.skipif(not HAS_BROWSER, reason="tests/browser_support.py not available")
def test_page_in_the_browser(page, live_server, browser):  # noqa: F811
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    browser.get(f"{live_server}/alertas{SEARCH}")
    wait = WebDriverWait(browser, 40)
    link = wait.until(ec.presence_of_element_located(
        (By.CSS_SELECTOR, f"#alertas-table a[href='/obra/{CODE['stopped']}']")))
    assert link.text == f"Ver obra {CODE['stopped']}"
    summary = browser.find_element(By.ID, "alertas-summary")
    wait.until(lambda d: summary.text.startswith("2 alertas en 2 obras"))
    assert "<b>Wanchaq</b>" in browser.find_element(By.ID, "alertas-table").text  # as text
    wait.until(lambda d: d.execute_script(MAP_READY))      # the district shapes came by URL
    browser.find_element(By.CSS_SELECTOR, "#alertas-severity input[value='alta']").click()
    wait.until(lambda d: summary.text.startswith("1 alerta en 1 obra;"))
    assert "severity=alta" in browser.current_url and f"q={TOKEN}" in browser.current_url
    assert browser.find_element(By.CSS_SELECTOR, "#alertas-severity input[value='alta']"
                                ).is_selected()              # updated in place, not rebuilt
    screenshot(browser, "alertas")
