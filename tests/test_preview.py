"""The explorer's first paint: the page's HTML carries the explorer as static HTML with its
map as SVG (dashboard/preview.py), whose figures are the app's, whose areas are links into
them, usable without scripts, and which gives way to the app once its map has drawn."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlsplit

import pytest
from dash import dcc, html

from dashboard.preview import ID_PREFIX, static_html
from layers import format as fmt
from tests.a11y import report, violations
from tests.browser_support import browser, live_server, screenshot  # noqa: F401
from tests.test_explorer import FIRST, all_works, explorer_works  # noqa: F401 - fixtures

WAIT = 30


# -- static_html -----------------------------------------------------------------------------
def test_static_html_escapes_text_and_attributes():
    tree = html.Div(className='a"b', title="<x>", children=[
        "<script>alert(1)</script>", html.B("é & ü"), 3, None, False])
    assert static_html(tree) == ('<div class="a&quot;b" title="&lt;x&gt;">'
                                 "&lt;script&gt;alert(1)&lt;/script&gt;<b>é &amp; ü</b>3</div>")


def test_static_html_prefixes_ids_and_what_names_them():
    tree = html.Div([html.Label("Buscar", htmlFor="q"),
                     html.Span("x", id="total", **{"aria-describedby": "ayuda nota"}),
                     html.Div(id={"type": "patrón", "index": 1})])
    written = static_html(tree)
    assert f'id="{ID_PREFIX}total"' in written
    assert f'aria-describedby="{ID_PREFIX}ayuda {ID_PREFIX}nota"' in written
    assert " for=" not in written           # its control is not in the preview
    assert "patrón" not in written          # a pattern id is the app's alone


def test_static_html_writes_dash_controls_as_their_choice():
    tree = html.Div([
        dcc.Link("Alertas", href="/alertas", className="nav"),
        dcc.Dropdown(options=[{"label": "Obras", "value": "works"},
                              {"label": "Inversión", "value": "investment"}],
                     value="investment"),
        dcc.Checklist(options=["Por habitante"], value=[]),
        dcc.Store(id="s", data={"secret": 1}), dcc.Location(id="u"),
        dcc.Graph(id="g", figure={}), html.Br(), html.Details(open=True, children="x")])
    written = static_html(tree, graph=lambda props: f"<svg data-graph='{props['id']}'></svg>")
    assert '<a href="/alertas" class="nav">Alertas</a>' in written
    assert '<span class="preview-control">Inversión</span>' in written
    assert '<input type="checkbox" disabled> Por habitante' in written
    assert "secret" not in written and "<svg data-graph='g'></svg>" in written
    assert "<br>" in written and "</br>" not in written
    assert "<details>x</details>" in written   # folded, as on a phone


# -- the preview of a real view --------------------------------------------------------------
class _Preview(HTMLParser):
    """The preview's area links (href, accessible name), its KPI values and all ids."""

    def __init__(self) -> None:
        super().__init__()
        self.links: dict[str, str] = {}
        self.kpis: list[str] = []
        self.ids: list[str] = []
        self._kpi = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if attrs.get("id"):
            self.ids.append(attrs["id"])
        if tag == "a" and "aria-label" in attrs and attrs["href"].startswith("/?area="):
            self.links[attrs["href"]] = attrs["aria-label"]
        self._kpi = "explorer-kpi-value" in (attrs.get("class") or "")

    def handle_data(self, data):
        if self._kpi:
            self.kpis.append(data)
            self._kpi = False


def _preview(client, path: str) -> _Preview:
    response = client.get(path)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert 'id="vista-previa"' in page and 'class="preview-behind"' in page
    parsed = _Preview()
    parsed.feed(page)
    return parsed


def _number(text: str) -> int:
    """A whole number as the page writes it (thousands apart by a space of some kind)."""
    return int(re.sub(r"\D", "", text))


def _count(label: str) -> int:
    return _number(re.search(r"Número de obras: ([^·]+)", label).group(1))


@pytest.fixture(scope="module")
def client(explorer_works):  # noqa: F811
    from dashboard.app import app
    return app.server.test_client()


@pytest.mark.db
@pytest.mark.parametrize("area", [None, "08"])
def test_the_preview_shows_each_area_s_works_as_pandas_counts_them(client, all_works,  # noqa: F811
                                                                    area):
    parsed = _preview(client, f"/?area={area}" if area else "/")
    works = all_works if area is None else all_works[all_works.ubigeo.str.startswith(area)]
    size = 2 if area is None else 4
    expected = works.groupby(works.ubigeo.str[:size]).size()
    shown = {href.split("=", 1)[1]: _count(label) for href, label in parsed.links.items()}
    assert {u: n for u, n in shown.items() if n} == expected.to_dict()
    assert all(len(u) == size for u in shown)
    assert _number(parsed.kpis[0]) == len(works)
    assert len(parsed.ids) == len(set(parsed.ids))
    assert all(i.startswith(ID_PREFIX) or i == "react-entry-point" or i.startswith("_dash")
               for i in parsed.ids)


@pytest.mark.db
@pytest.mark.parametrize("area", [None, "08"])
def test_the_preview_shows_each_area_s_investment_as_pandas_sums_it(client, all_works,  # noqa: F811
                                                                     area):
    """The map's money, area by area and in the KPI: the works table's amounts summed by
    pandas, written as the page writes money."""
    search = f"?area={area}&metric=investment" if area else "?metric=investment"
    parsed = _preview(client, "/" + search)
    works = all_works if area is None else all_works[all_works.ubigeo.str.startswith(area)]
    size = 2 if area is None else 4
    sums = works.groupby(works.ubigeo.str[:size])["inv"].sum()
    shown = {parse_qs(urlsplit(href).query)["area"][0]:
             re.search(r"Inversión total: ([^·]+)", label).group(1).strip()
             for href, label in parsed.links.items()}
    assert shown and all(len(u) == size for u in shown)
    assert shown == {u: fmt.money(sums.get(u, 0.0)) for u in shown}
    assert set(sums.index) <= set(shown)
    assert parsed.kpis[1] == fmt.money(works["inv"].sum())


@pytest.mark.db
def test_other_pages_have_no_preview(client):
    page = client.get("/alertas").get_data(as_text=True)
    assert "vista-previa" not in page and "preview-behind" not in page


# -- in a browser ----------------------------------------------------------------------------
def _wait(driver, condition, name: str):
    from selenium.common.exceptions import TimeoutException
    from selenium.webdriver.support.ui import WebDriverWait

    try:
        return WebDriverWait(driver, WAIT).until(condition)
    except TimeoutException:
        screenshot(driver, name)
        raise


@pytest.mark.db
@pytest.mark.browser
def test_without_scripts_the_preview_map_drills_down(browser, live_server,  # noqa: F811
                                                      explorer_works):  # noqa: F811
    from selenium.webdriver.common.by import By

    browser.execute_cdp_cmd("Emulation.setScriptExecutionDisabled", {"value": True})
    try:
        browser.get(live_server + "/")
        # The page's own scripts were skipped as it loaded; axe runs now.
        browser.execute_cdp_cmd("Emulation.setScriptExecutionDisabled", {"value": False})
        found = violations(browser, "#vista-previa")
        assert not found, report(found)
        browser.execute_cdp_cmd("Emulation.setScriptExecutionDisabled", {"value": True})
        browser.find_element(By.CSS_SELECTOR, '#vista-previa a[href="/?area=08"]').click()
        _wait(browser, lambda d: "area=08" in d.current_url
              and "/?area=0801" in d.page_source, "preview-drill")
        title = browser.find_element(By.CSS_SELECTOR, "#vista-explorar-title").text
        assert title.startswith("Cusco")
        assert browser.find_element(By.ID, "react-entry-point").value_of_css_property(
            "visibility") == "hidden"
    finally:
        browser.execute_cdp_cmd("Emulation.setScriptExecutionDisabled", {"value": False})


@pytest.mark.db
@pytest.mark.browser
def test_the_app_takes_the_preview_s_place_and_its_map_the_svg_s(browser, live_server,  # noqa: F811
                                                                  explorer_works):  # noqa: F811
    """The app shows as soon as its page is there; the preview's SVG map stays over the
    app's map box until that map has drawn."""
    browser.get(live_server + "/?area=08")
    map_drawn = """var g = document.querySelector('#explorar-map .js-plotly-plot');
        var s = g && g._fullLayout && g._fullLayout.map && g._fullLayout.map._subplot;
        return Boolean(s && s.map && s.map.loaded());"""
    _wait(browser, lambda d: not d.execute_script(
        "return document.getElementById('vista-previa');"), "preview-swap")
    assert browser.execute_script(
        "return getComputedStyle(document.getElementById('react-entry-point')).visibility"
    ) == "visible"
    _wait(browser, lambda d: d.execute_script(map_drawn) and not d.execute_script(
        "return document.querySelector('.preview-overlay');"), "preview-overlay")
    ids = browser.execute_script(
        "return Array.from(document.querySelectorAll('[id]')).map(e => e.id);")
    assert not [i for i in ids if i.startswith(ID_PREFIX)]
    assert len(ids) == len(set(ids))


@pytest.mark.db
@pytest.mark.browser
def test_the_svg_map_over_the_app_s_is_a_picture_nobody_tabs_into(browser, live_server,  # noqa: F811
                                                                   explorer_works):  # noqa: F811
    """While the app's map draws (here never: its boundaries are blocked) the preview's map
    lies over it inert: out of the tab order and of the accessibility tree."""
    from selenium.webdriver.common.keys import Keys

    browser.execute_cdp_cmd("Network.enable", {})
    browser.execute_cdp_cmd("Network.setBlockedURLs", {"urls": ["*/geo/*"]})
    try:
        browser.get(live_server + "/?area=08")
        _wait(browser, lambda d: d.execute_script(
            "return !document.getElementById('vista-previa') "
            "&& document.querySelector('.preview-overlay');"), "preview-inert")
        layer = browser.execute_script(
            "var l = document.querySelector('.preview-overlay');"
            "return [l.inert, l.getAttribute('aria-hidden'), l.querySelectorAll('a').length];")
        assert layer[:2] == [True, "true"] and layer[2] > 0
        browser.execute_script("document.activeElement.blur();")
        for _ in range(15):      # backwards from the page's end, where the layer is
            browser.switch_to.active_element.send_keys(Keys.SHIFT, Keys.TAB)
            assert not browser.execute_script(
                "return !!document.activeElement.closest('.preview-overlay');")
    finally:
        browser.execute_cdp_cmd("Network.setBlockedURLs", {"urls": []})


@pytest.mark.db
@pytest.mark.browser
@pytest.mark.parametrize(("path", "texts"), [
    ("/?area=08", "h1, .explorer-kpi"),
    (f"/obra/{FIRST}", "h1, .citizen-kpi, .citizen-progress, .citizen-chip"),
])
def test_the_preview_shows_what_the_app_then_shows(browser, live_server, explorer_works,  # noqa: F811
                                                  path, texts):
    """Read at once (the preview is on screen), then once the app took its place: the same
    texts and figures."""
    read = ("return Array.from(document.querySelectorAll(arguments[0]))"
            ".map(e => e.innerText.replace(/\\s+/g, ' ').trim());")
    browser.get(live_server + path)
    preview = browser.execute_script(
        "var p = document.getElementById('vista-previa');"
        "return p ? Array.from(p.querySelectorAll(arguments[0]))"
        ".map(e => e.innerText.replace(/\\s+/g, ' ').trim()) : null;", texts)
    assert preview, "no preview on screen right after loading"
    _wait(browser, lambda d: not d.execute_script(
        "return document.getElementById('vista-previa');"), "preview-same")
    assert browser.execute_script(read, texts) == preview
