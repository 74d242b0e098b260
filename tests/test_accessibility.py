"""Accessibility in headless Chromium: axe-core finds no serious or critical WCAG 2.1 A/AA
violation on any page (desktop and phone widths); each map's table shows the map's own
figures; the explorer can be driven with the keyboard alone (drill down from the table,
sort it, a filter, up a level) with a visible focus."""

from __future__ import annotations

import time

import pandas as pd
import pytest
import sqlalchemy as sa

from tests import parties_data
from tests.a11y import assert_accessible
from tests.browser_support import WINDOW, browser, live_server, resize, screenshot  # noqa: F401
from tests.citizen_data import DISTRICT

pytest_plugins = ["tests.citizen_support", "tests.parties_support"]
pytestmark = [pytest.mark.db, pytest.mark.browser]
PHONE = (390, 844)
WAIT = 30
MAP = "document.querySelector('#explorar-map .js-plotly-plot')"


@pytest.fixture(scope="module")
def data(citizen_works, parties) -> dict[str, int]:
    """Works around Huancayo (near me, a work page with a story and alerts) and the entity,
    contractor and investment rows."""
    return citizen_works


def _wait(driver, condition, timeout=WAIT):
    from selenium.common.exceptions import TimeoutException
    from selenium.webdriver.support.ui import WebDriverWait

    try:
        return WebDriverWait(driver, timeout).until(condition)
    except TimeoutException:
        screenshot(driver, "a11y-timeout")
        print("esperando en", driver.current_url, driver.get_cookies(), driver.execute_script(
            "return [document.documentElement.lang, window.innerWidth, "
            "Array.from(document.querySelectorAll('table')).map(t => t.id + ':' "
            "+ t.tBodies[0].rows.length), (document.querySelector('.app-error') || {}).innerText,"
            " ((document.querySelector('#explorar-map .js-plotly-plot') || {}).data || [])"
            ".map(t => (t.locations || []).length)];"),
              _table_values(driver, "#explorar-area-table", 1))
        raise


def _settled(driver) -> bool:
    """Dash has rendered the page and no callback is running."""
    return driver.execute_script("""
        return document.readyState === 'complete' && !!document.querySelector('h1')
            && !document.querySelector('._dash-loading, [data-dash-is-loading="true"]');""")


def _open(driver, url: str) -> None:
    driver.get(url)
    _wait(driver, _settled)
    time.sleep(0.5)            # a last callback may start right after the first settle
    _wait(driver, _settled)


def _pages(codes: dict[str, int]) -> list[tuple[str, str]]:
    return [
        ("explorador, Perú", "/"),
        ("explorador, región", "/?area=08"),
        ("explorador, provincia", "/?area=0801"),
        ("explorador, distrito", "/?area=080101&metric=investment"),
        ("alertas", "/alertas"),
        ("cerca de mí", "/cerca"),
        ("cerca de mí, resultados", f"/cerca?area={DISTRICT}&r=5"),
        ("obra", f"/obra/{codes['story']}"),
        ("obra no encontrada", "/obra/1"),
        ("entidad", f"/entidad/{parties_data.MUNI_ID}"),
        ("contratista", f"/contratista/{parties_data.BUILDER}"),
        ("inversión", "/inversion/2400001"),
        ("comparar", "/comparar"),
        ("informe", "/informe/08"),
        ("datos", "/datos"),
        ("moderación (ingreso)", "/moderacion"),
        ("entidades", "/entidades"),
        ("glosario", "/glosario"),
        ("seguimiento de un reporte no encontrado", "/reporte/ZZZZ-0000"),
        ("404", "/no-existe"),
        # In Runasimi (the page sets the cookie; the last one sets Spanish back).
        ("explorador en runasimi", "/?area=08&lang=qu"),
        ("cerca de mí en runasimi", f"/cerca?area={DISTRICT}&r=5&lang=qu"),
        ("obra en runasimi", f"/obra/{codes['story']}?lang=qu"),
        ("alertas en runasimi", "/alertas?lang=qu"),
        ("explorador de nuevo en español", "/?lang=es"),
    ]


def test_no_serious_violation_on_any_page(browser, live_server, data):  # noqa: F811
    failures = []
    try:
        for width, height in (WINDOW, PHONE):
            resize(browser, width, height)
            for name, path in _pages(data):
                _open(browser, live_server + path)
                # What folds away (filters, the maps' tables, forms) is checked unfolded.
                browser.execute_script(
                    "document.querySelectorAll('details:not([open]) > summary')"
                    ".forEach(s => s.click());")   # as a reader opens them (tables load)
                time.sleep(0.3)
                _wait(browser, _settled)
                language = "qu" if "lang=qu" in path else "es"
                assert browser.find_element("tag name", "html").get_attribute("lang") == language
                try:
                    assert_accessible(browser, f"{name} ({path}, {width} px)")
                except pytest.fail.Exception as exc:
                    failures.append(str(exc))
        # A work's card on the explorer's map (opened as a click on its point does).
        _open(browser, f"{live_server}/?area=120101")
        browser.execute_script(
            f"{MAP}.emit('plotly_click', {{points: [{{curveNumber: arguments[0], "
            "pointNumber: 0}]});", _first_works_trace(browser))
        _wait(browser, lambda d: d.execute_script(
            "return !document.getElementById('explorar-card').hidden && "
            "!!document.querySelector('#explorar-card h3');"))
        try:
            assert_accessible(browser, "explorador, ficha de una obra", "#explorar-card")
        except pytest.fail.Exception as exc:
            failures.append(str(exc))
    finally:
        resize(browser, *WINDOW)
    assert not failures, "\n\n".join(failures)


def _first_works_trace(driver) -> int:
    """The first trace of works that holds a point."""
    from layers.choropleth import FIRST_WORKS_TRACE

    return driver.execute_script(
        f"var d = {MAP}.data; for (var i = arguments[0]; i < d.length; i++) "
        "{ if ((d[i].customdata || []).length) { return i; } } return -1;", FIRST_WORKS_TRACE)


# -- the maps' tables ------------------------------------------------------------------------


def _map_values(driver, graph: str, trace: int) -> dict[str, float]:
    return driver.execute_script(f"""
        var g = document.querySelector('{graph} .js-plotly-plot');
        if (!g || !g.data) {{ return {{}}; }}
        var t = g.data[{trace}], out = {{}};
        (t.locations || []).forEach(function(l, i) {{ out[l] = t.z[i]; }});
        return out;""")


def _table_values(driver, table: str, column: int) -> dict[str, float | None]:
    """data-key of each row -> data-value of its `column`-th cell (None: no data)."""
    rows = driver.execute_script(f"""
        return Array.from(document.querySelectorAll('{table} tbody tr')).map(function(r) {{
            return [r.getAttribute('data-key'), r.cells[{column}].getAttribute('data-value')];
        }});""")
    return {key: (float(v) if v else None) for key, v in rows}


def _province_works(engine: sa.Engine, region: str) -> dict[str, int]:
    with engine.connect() as conn:
        frame = pd.read_sql(sa.text("SELECT ubigeo FROM work WHERE ubigeo LIKE :r"), conn,
                            params={"r": f"{region}%"})
    return frame["ubigeo"].str[:4].value_counts().to_dict()


@pytest.mark.parametrize("metric", ["works", "investment", "paralysed_pct"])
def test_explorer_table_holds_the_map_figures(browser, live_server, data, parties, metric):  # noqa: F811
    from layers.choropleth import FIRST_WORKS_TRACE, VALUES

    _open(browser, f"{live_server}/?area=08&metric={metric}")
    browser.execute_script("document.querySelector('#explorar-table-box > summary').click();")
    _wait(browser, lambda d: len(_table_values(d, "#explorar-area-table", 1)) == 13
          and _map_values(d, "#explorar-map", 0))
    on_map = _map_values(browser, "#explorar-map", VALUES)
    in_table = _table_values(browser, "#explorar-area-table", 1)
    assert set(in_table) == set(_map_values(browser, "#explorar-map", 0))  # every area drawn
    assert {k for k, v in in_table.items() if v is not None} == set(on_map)
    for ubigeo, value in on_map.items():
        assert in_table[ubigeo] == pytest.approx(value, rel=1e-9), ubigeo
    if metric == "works":  # and the count is the works table's, read apart
        expected = _province_works(parties, "08")
        assert {k: int(v) for k, v in in_table.items() if v} == expected
        # The works drawn one by one are the works table's rows, with the same amounts.
        drawn = browser.execute_script(
            f"var d = {MAP}.data, out = {{}}; for (var i = arguments[0]; i < d.length; i++) "
            "{ (d[i].customdata || []).forEach(function(c) { out[String(c)] = true; }); } "
            "return Object.keys(out);", FIRST_WORKS_TRACE)
        works = _table_values(browser, "#explorar-works-table", 2)
        assert drawn and set(works) == set(drawn)


def test_alerts_table_holds_the_map_figures(browser, live_server, data):  # noqa: F811
    _open(browser, f"{live_server}/alertas?area=12")
    _wait(browser, lambda d: _table_values(d, "#alertas-map-table", 2))
    on_map = _map_values(browser, "#alertas-map", 0)
    in_table = _table_values(browser, "#alertas-map-table", 2)
    assert in_table and all(v > 0 for v in in_table.values())
    for ubigeo, value in in_table.items():
        assert on_map[ubigeo] == pytest.approx(value, rel=1e-9), ubigeo
    shown_on_map = {k for k, v in on_map.items() if v > 0}
    assert set(in_table) == shown_on_map or len(in_table) == 150


def test_near_me_table_lists_the_map_works(browser, live_server, data):  # noqa: F811
    _open(browser, f"{live_server}/cerca?area={DISTRICT}&r=5")
    _wait(browser, lambda d: _table_values(d, "#cerca-map-table", 2))
    codes = browser.execute_script("""
        var g = document.querySelector('#cerca-map .js-plotly-plot'), out = [];
        g.data.forEach(function(t) { (t.customdata || []).forEach(function(c) {
            if (Array.isArray(c)) { out.push(String(c[0])); } }); });
        return out;""")
    in_table = _table_values(browser, "#cerca-map-table", 2)
    assert set(codes) <= set(in_table)
    distances = list(in_table.values())
    assert distances == sorted(distances)   # nearest first, as the map's list


# -- the keyboard alone ----------------------------------------------------------------------
def _press(driver, *keys) -> None:
    from selenium.webdriver.common.action_chains import ActionChains

    ActionChains(driver).send_keys(*keys).perform()


def _tab_to(driver, test: str, limit: int = 120, back: bool = False) -> None:
    """Press TAB (or Shift+TAB) until the focused element passes `test` (a JS expression on
    `e`, the active element)."""
    from selenium.webdriver.common.keys import Keys

    for _ in range(limit):
        if driver.execute_script(f"var e = document.activeElement; return !!(e && ({test}));"):
            return
        _press(driver, *((Keys.SHIFT, Keys.TAB) if back else (Keys.TAB,)))
    raise AssertionError(f"no llegué con TAB a: {test}")


def _focus_is_visible(driver) -> bool:
    return driver.execute_script("""
        var s = getComputedStyle(document.activeElement);
        return s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2;""")


def test_explorer_by_keyboard_alone(browser, live_server, data):  # noqa: F811
    from selenium.webdriver.common.keys import Keys

    _open(browser, f"{live_server}/")
    # To the table, open it (its rows load), sort it by its first figure.
    _tab_to(browser, "e.tagName === 'SUMMARY' && e.parentNode.id === 'explorar-table-box'")
    assert _focus_is_visible(browser)
    _press(browser, Keys.ENTER)
    _wait(browser, lambda d: d.execute_script(
        "return document.getElementById('explorar-table-box').open;")
        and len(_table_values(d, "#explorar-area-table", 1)) == 25)
    _tab_to(browser, "e.closest && e.closest('#explorar-area-table th') && "
                     "e.closest('th').cellIndex === 1")
    _press(browser, Keys.ENTER)
    works = list(_table_values(browser, "#explorar-area-table", 1).values())
    assert browser.execute_script(
        "return document.querySelectorAll('#explorar-area-table th')[1].getAttribute('aria-sort');"
    ) == "descending"
    assert works == sorted(works, key=lambda v: -(v or 0))
    # Drill down: Cusco's row.
    _tab_to(browser, "e.tagName === 'A' && e.closest('#explorar-area-table') && "
                     "e.textContent === 'Cusco'")
    assert _focus_is_visible(browser)
    screenshot(browser, "a11y-teclado-tabla")
    _press(browser, Keys.ENTER)
    _wait(browser, lambda d: "area=08" in d.current_url
          and len(_table_values(d, "#explorar-area-table", 1)) == 13)
    assert browser.execute_script(
        "return document.getElementById('explorar-title').innerText;").startswith("Cusco")
    # A filter: the "Paralizada" box, with the space bar.
    _tab_to(browser, "e.type === 'checkbox' && e.value === 'paralizada'", back=True)
    assert _focus_is_visible(browser)
    _press(browser, Keys.SPACE)
    _wait(browser, lambda d: "status=paralizada" in d.current_url)
    # Up a level: the breadcrumb's "Perú".
    _tab_to(browser, "e.tagName === 'A' && e.closest('#explorar-breadcrumb') && "
                     "e.textContent === 'Perú'", back=True)
    _press(browser, Keys.ENTER)
    _wait(browser, lambda d: "area=" not in d.current_url and "status=paralizada" in
          d.current_url and len(_table_values(d, "#explorar-area-table", 1)) == 25)
    screenshot(browser, "a11y-teclado-peru")
