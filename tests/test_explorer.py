"""The explorer against a real PostGIS: its sums equal an independent computation on the
works, the filters apply, the derived views give the same numbers as the work table; and,
in headless Chromium, the map, drill-down and back, a filter, a shared URL and a phone."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest
import sqlalchemy as sa

from dashboard.explorer_state import ExplorerState
from geodata.runs import load_run
from layers import choropleth as chm
from queries import db, explorer
from queries.explorer_views import VIEWS, refresh_views
from queries.filters import Filters

pytest_plugins = ["tests.browser_support"]  # live_server, browser
pytestmark = pytest.mark.db
TOKEN = "zzexplorador"
FIRST = 9_760_001  # test_alert_rules.py uses 9_700_000 + n: never share a code


def _work(n, ubigeo, status, point, investment_column, amount, accrued, progress, sector,
          government, start):
    amounts = dict.fromkeys(("amount_technical_file", "amount_contract", "amount_updated"))
    if investment_column:
        amounts[investment_column] = amount
    return {"infobras_code": FIRST + n, "cui": f"27{n:05d}", "name": f"Obra {TOKEN} {n}",
            "entity": f"Entidad de prueba {n}", "government_level": government,
            "work_type_1": sector, "modality": "Contrata", "ubigeo": ubigeo,
            "geom": f"SRID=4326;POINT({point[0]} {point[1]})" if point else None,
            "geom_source": "surveyed" if point else None, "status": status,
            "amount_accrued": accrued, "physical_progress": progress, "start_date": start,
            "contractor_name": "Consorcio Prueba" if n % 2 else None, "source": "prueba",
            **amounts}


WORKS = [
    _work(0, "080101", "en_ejecucion", (-71.97, -13.52), "amount_updated", 1_000_000, 300_000,
          30, "Transporte", "Gobierno Local", date(2020, 5, 1)),
    _work(1, "080101", "paralizada", (-71.98, -13.51), "amount_contract", 2_000_000, 1_500_000,
          60, "Educación", "Gobierno Regional", date(2019, 2, 1)),
    _work(2, "080108", "finalizada", (-71.96, -13.53), "amount_technical_file", 500_000,
          500_000, 100, "Salud", "Gobierno Local", date(2018, 7, 1)),
    _work(3, "081301", "paralizada", (-72.12, -13.30), "amount_updated", 4_000_000, 1_000_000,
          20, "Transporte", "Gobierno Nacional", date(2021, 1, 1)),
    _work(4, "081306", "sin_ejecucion", None, None, None, None, None, "Transporte",
          "Gobierno Local", None),
    _work(5, "040101", "en_ejecucion", (-71.54, -16.40), "amount_updated", 750_000, 100_000,
          45, "Saneamiento", "Gobierno Local", date(2022, 3, 1)),
    _work(6, "150101", "finalizada", (-77.03, -12.05), "amount_updated", 3_000_000, 2_900_000,
          100, "Educación", "Gobierno Nacional", date(2017, 9, 1)),
]
MINE = Filters(q=TOKEN)


@pytest.fixture(scope="module")
def explorer_works(national_areas: sa.Engine) -> sa.Engine:
    """The hand-made works, through a real load run (so the data version moves)."""
    with national_areas.connect() as conn:
        present = conn.execute(sa.text("SELECT 1 FROM work WHERE infobras_code = :c"),
                               {"c": FIRST}).first()
    if not present:
        with load_run("prueba-explorador", "tests/test_explorer.py", engine=national_areas) as run:
            columns = list(WORKS[0])
            values = ", ".join(f"CAST(:{c} AS geometry)" if c == "geom" else f":{c}"
                               for c in columns)
            run.conn.execute(sa.text(f"INSERT INTO work ({', '.join(columns)}) VALUES ({values})"),
                             WORKS)
            run.rows_read = len(WORKS)
            run.count(len(WORKS), 0, 0)
    return national_areas


@pytest.fixture(scope="module")
def all_works(explorer_works: sa.Engine) -> pd.DataFrame:
    """Every work in the database, read directly: the independent computation's input."""
    with explorer_works.connect() as conn:
        return pd.read_sql(sa.text(
            "SELECT ubigeo, status, work_type_1, start_year, amount_investment::float AS inv, "
            "amount_accrued::float AS acc, physical_progress::float AS prog FROM work"), conn)


def _by(frame: pd.DataFrame, key) -> pd.DataFrame:
    return frame.groupby(key).agg(works=("status", "size"), inv=("inv", "sum"),
                                  acc=("acc", "sum"),
                                  paralysed=("status", lambda s: int((s == "paralizada").sum())))


def _check_children(summary: explorer.Summary, expected: pd.DataFrame) -> None:
    for child in summary.children:
        if child["ubigeo"] in expected.index:
            row = expected.loc[child["ubigeo"]]
            assert child["works"] == row["works"]
            assert child["investment"] == pytest.approx(row["inv"])
            assert child["accrued"] == pytest.approx(row["acc"])
            assert child["paralysed"] == row["paralysed"]
        else:
            assert child["works"] is None  # no works: no sums (the map shows "sin datos")


def test_national_sums_equal_an_independent_computation(all_works):
    summary = explorer.summary(Filters())
    assert len(summary.children) == 25
    _check_children(summary, _by(all_works, all_works["ubigeo"].str[:2]))
    assert summary.totals["works"] == len(all_works)
    assert summary.totals["investment"] == pytest.approx(all_works["inv"].sum())
    assert sum(c["investment"] or 0 for c in summary.children) == pytest.approx(
        summary.totals["investment"])
    counts = all_works["status"].value_counts().to_dict()
    assert {r["key"]: r["works"] for r in summary.by_status} == counts
    assert summary.totals["paralysed"] == counts.get("paralizada", 0)
    years = all_works.dropna(subset=["start_year"])["start_year"].astype(int).value_counts()
    assert {int(r["key"]): r["works"] for r in summary.by_year if r["key"]} == years.to_dict()


def test_own_works_figures(explorer_works):
    summary = explorer.summary(MINE)
    t = summary.totals
    assert (t["works"], t["paralysed"]) == (7, 2)
    assert t["investment"] == pytest.approx(11_250_000)
    assert t["paralysed_investment"] == pytest.approx(6_000_000)
    assert t["progress_sum"] / t["progress_n"] == pytest.approx(355 / 6)  # one without
    by_region = {c["ubigeo"]: c["works"] for c in summary.children if c["works"]}
    assert by_region == {"08": 5, "04": 1, "15": 1}
    assert {r["key"]: r["works"] for r in summary.by_sector} == {
        "Transporte": 3, "Educación": 2, "Salud": 1, "Saneamiento": 1}


@pytest.mark.parametrize(("filters", "codes"), [
    (Filters(area="08", status=("paralizada",), q=TOKEN), {1, 3}),
    (Filters(year_min=2019, year_max=2020, q=TOKEN), {0, 1}),
    (Filters(amount_min=1_000_000, q=TOKEN), {0, 1, 3, 6}),
    (Filters(government_level=("Gobierno Nacional",), sector=("Educación",), q=TOKEN), {6}),
    (Filters(area="0813", q=TOKEN), {3, 4}),
    (Filters(q=str(FIRST + 5)), {5}),
])
def test_filters_apply(explorer_works, filters, codes):
    summary = explorer.summary(filters)
    assert summary.totals["works"] == len(codes)
    assert summary.totals["investment"] == pytest.approx(
        sum(WORKS[c]["amount_updated"] or WORKS[c]["amount_contract"]
            or WORKS[c]["amount_technical_file"] or 0 for c in codes))


def test_district_view_shows_its_province(explorer_works):
    summary = explorer.summary(Filters(area="080108", q=TOKEN))
    assert {c["ubigeo"][:4] for c in summary.children} == {"0801"}
    works = {c["ubigeo"]: c["works"] for c in summary.children if c["works"]}
    assert works == {"080101": 2, "080108": 1}
    assert summary.totals["works"] == 1 and summary.by_status[0]["key"] == "finalizada"


def test_per_inhabitant_values(explorer_works):
    summary = explorer.summary(Filters(area="0801", q=TOKEN))
    with explorer_works.connect() as conn:
        population = dict(conn.execute(sa.text(
            "SELECT ubigeo, population FROM area WHERE parent = '0801'")).all())
    values = chm.values(summary.children, chm.METRICS["investment_hab"])
    per_10k = chm.values(summary.children, chm.METRICS["works_hab"])
    for child, value, count in zip(summary.children, values, per_10k, strict=True):
        assert value == pytest.approx((child["investment"] or 0) / population[child["ubigeo"]])
        assert count == pytest.approx((child["works"] or 0) / population[child["ubigeo"]] * 1e4)


def test_derived_views_give_the_same_numbers_and_never_stale(explorer_works, all_works):
    before = explorer.summary(Filters())
    with explorer_works.begin() as conn:
        refresh_views(conn)
    for filters, source in ((Filters(), "summary"), (Filters(area="0801"), "summary"),
                            (Filters(area="080108"), "summary"),
                            (Filters(modality=("Contrata",)), "facts"),
                            (Filters(status=("paralizada",), area="15"), "facts"),
                            (Filters(area="0801", status=("finalizada",)), "facts"),
                            (Filters(area="080108", sector=("Transporte",)), "facts"),
                            (Filters(amount_min=10), "facts"),
                            (Filters(amount_max=1_000_000, year_min=2018), "facts"),
                            (Filters(year_max=2020, government_level=("Gobierno Local",)),
                             "facts"),
                            (Filters(status=("no_such",)), "facts"),
                            (Filters(q=TOKEN), "facts"), (Filters(area="08", q=TOKEN), "facts"),
                            (Filters(q=str(FIRST + 1)), "facts")):
        fresh = explorer.summary(filters)
        assert fresh.source == source
        if source == "facts":  # the works drawn one by one: the same, in the same order
            assert explorer.points(filters) == _points_of_work_table(filters)
        with explorer_works.begin() as conn:  # a change makes the views stale...
            conn.execute(sa.text("UPDATE work SET name = name WHERE infobras_code = :c"),
                         {"c": FIRST})
        live = explorer.summary(filters)  # ...and the work table answers, with equal sums
        assert live.source == "work"
        _assert_same(fresh, live)
        with explorer_works.begin() as conn:
            refresh_views(conn)
    assert explorer.summary(Filters()).totals == pytest.approx(before.totals)


def _points_of_work_table(filters: Filters) -> explorer.Points:
    with db.read_engine().connect() as conn:
        result = conn.execute(explorer.points_stmt(filters))
        rows = result.all()
        return explorer.Points({key: [row[i] for row in rows]
                                for i, key in enumerate(result.keys())})


def _assert_same(a: explorer.Summary, b: explorer.Summary) -> None:
    for x, y in zip(a.children, b.children, strict=True):
        for key, value in x.items():
            assert value == pytest.approx(y[key]), (x["ubigeo"], key)
    assert a.totals == pytest.approx(b.totals)
    for name in ("by_status", "by_sector", "by_year"):
        rows = {r["key"]: r for r in getattr(b, name)}
        assert set(rows) == {r["key"] for r in getattr(a, name)}
        for row in getattr(a, name):
            for key, value in row.items():
                assert value == pytest.approx(rows[row["key"]][key]), (name, row["key"], key)


def test_points_and_card(explorer_works):
    points = explorer.points(Filters(area="08", q=TOKEN))
    assert len(points) == 4
    assert [c - FIRST for c in points.columns["infobras_code"]] == [3, 1, 0, 2]  # largest first
    assert {"lon", "lat", "status", "investment", "name"} <= set(points.columns)
    assert all(len(values) == 4 for values in points.columns.values())
    empty = explorer.points(Filters(q="zz no existe zz"))
    assert len(empty) == 0 and set(empty.columns) == set(points.columns)
    card = explorer.work_card(FIRST + 1)
    assert card["district"] == "Cusco" and card["investment"] == pytest.approx(2_000_000)
    assert explorer.work_card(1) is None


def test_render_values_of_a_view(explorer_works):
    from dashboard.app import app
    from dashboard.explorer_view import view_data
    from dashboard.pages.explorer import render_values

    with app.server.app_context():
        data = view_data(ExplorerState(Filters(area="0801", q=TOKEN), "investment"))
        out = render_values(data, 900, 600)
    assert data.geojson.endswith("/3/0801.json") and data.shows_points
    assert [name for _, name in data.breadcrumb] == ["Perú", "Cusco", "Cusco"]
    patch = out["map"].to_plotly_json()
    assert any(op["location"][-1] == "geojson" and op["params"]["value"] == data.geojson
               for op in patch["operations"])
    assert out["kpis"][0].children[1].children == "3"
    links = [(a.children, a.href) for a in out["downloads"] if hasattr(a, "href")]
    works, areas = links[:4], links[4:7]
    assert [name for name, _ in works] == ["CSV", "GeoJSON", "GeoPackage", "OC4IDS"]
    assert all(f"q={TOKEN}" in url and "area=0801" in url for _, url in works)
    assert works[0][1].startswith("/api/v1/works.csv?")
    assert areas[0][1] == f"/api/v1/aggregates.csv?q={TOKEN}&level=3&parent=0801"
    assert links[-1] == ("Informe de Cusco (PDF)", f"/informe/0801?q={TOKEN}")


# -- in the browser ----------------------------------------------------------------------------
MAP = "document.querySelector('#explorar-map .js-plotly-plot')"


def _areas_drawn(driver) -> list[str]:
    return driver.execute_script(f"var g = {MAP}; return g && g.data ? g.data[0].locations : [];")


def _text(driver, selector: str) -> str:
    """An element's text read in one step (Dash may replace it between two WebDriver calls)."""
    return driver.execute_script(
        "var e = document.querySelector(arguments[0]); return e ? e.innerText : '';", selector)


def _heading(driver) -> str:
    return _text(driver, "#explorar-title").split("\n")[0]


def _kpi(driver) -> str:
    return _text(driver, "#explorar-kpis .explorer-kpi-value")


CHART_JS = """
var g = document.querySelector('#explorar-chart-' + arguments[0] + ' .js-plotly-plot');
var t = g && g.data && g.data[0];
if (!t) { return null; }
var s = g._fullLayout._size, m = g.layout.margin || {};
return {trace: {x: t.x, y: t.y, text: t.text, hovertext: t.hovertext, customdata: t.customdata},
        margin: [s.l, s.r, s.t, s.b], asked: [m.l, m.r, m.t, m.b],
        columns: g.layout.meta.table.columns};"""


def _chart(driver, name: str) -> dict | None:
    """The chart as Plotly drew it (its bar trace, the margins it drew with and the margins
    its figure asked for); None while it is not drawn."""
    return driver.execute_script(CHART_JS, name)


def _reach_chart(driver, wait, name: str) -> dict:
    """Scroll to a chart as a reader does (the charts are drawn once near the screen) and
    wait until it is drawn."""
    driver.execute_script("document.querySelector(arguments[0]).scrollIntoView("
                          "{block: 'center'});", f"[data-chart='explorar-chart-{name}']")
    return wait.until(lambda _: _chart(driver, name))


def _chart_text(driver, name: str) -> list[str]:
    """A chart's text alternative, item by item (as a screen reader gets it)."""
    return driver.execute_script(
        "return Array.from(document.querySelectorAll('#explorar-chart-' + arguments[0] + "
        "'-text li')).map(li => li.textContent);", name)


def _drawn_items(name: str, chart: dict) -> list[str]:
    """The text alternative's items for what the chart drew."""
    from layers.charts import list_items
    from tests.chart_support import drawn_rows

    return list_items({"columns": chart["columns"], "rows": drawn_rows(name, chart["trace"])})


def _click_map(driver, trace: int, location: str | None = None, point: int = 0) -> None:
    """What Plotly emits when a user clicks an area (or a point) of the map."""
    driver.execute_script(
        f"{MAP}.emit('plotly_click', {{points: [{{curveNumber: arguments[0], "
        "pointNumber: arguments[2], location: arguments[1]}]});", trace, location, point)


def _shows(driver, area: str | None, children: int, works: int):
    def ready(_) -> bool:
        drawn = _areas_drawn(driver)
        return (len(drawn) == children and all(u.startswith(area or "") for u in drawn)
                and _kpi(driver) == f"{works:,}".replace(",", " "))
    return ready


@pytest.mark.browser
def test_explore_drill_down_filter_share_and_phone(live_server, browser, explorer_works):
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    from tests.browser_support import resize, screenshot

    def total(**filters) -> int:
        return explorer.summary(Filters(**filters)).totals["works"] or 0

    wait = WebDriverWait(browser, 30)
    browser.get(f"{live_server}/")
    wait.until(_shows(browser, None, 25, total()))
    assert _heading(browser) == "Perú"
    assert browser.find_element(By.TAG_NAME, "html").get_attribute("lang") == "es"
    screenshot(browser, "explorar-peru")

    # Region: a click on its bar in the top-10 chart.
    bars = _reach_chart(browser, wait, "top")["trace"]["customdata"]
    bar = browser.find_elements(By.CSS_SELECTOR, "#explorar-chart-top .bars .point path")[
        list(bars).index("08")]
    ActionChains(browser).move_to_element(bar).click().perform()  # as a user, through Plotly
    wait.until(_shows(browser, "08", 13, total(area="08")))
    assert "area=08" in browser.current_url and _heading(browser) == "Cusco"

    # Province, then district: clicks on the map.
    _click_map(browser, chm.VALUES, "0813")
    wait.until(_shows(browser, "0813", 7, total(area="0813")))
    _click_map(browser, chm.VALUES, "081301")
    wait.until(lambda _: "area=081301" in browser.current_url
               and _kpi(browser) == str(total(area="081301")))
    crumbs = _text(browser, "#explorar-breadcrumb").replace("\n", " ")
    assert crumbs == "Perú › Cusco › Urubamba › Urubamba"
    _click_map(browser, chm.FIRST_WORKS_TRACE + 1, None, 0)  # the paralysed work
    wait.until(lambda _: browser.find_element(By.ID, "explorar-card").is_displayed())
    assert TOKEN in _text(browser, "#explorar-card")
    screenshot(browser, "explorar-distrito-ficha")

    # Back up: the breadcrumb, then the browser's back button walks the drill-down again.
    browser.find_element(By.LINK_TEXT, "Cusco").click()
    wait.until(_shows(browser, "08", 13, total(area="08")))
    browser.back()
    wait.until(lambda _: "area=081301" in browser.current_url
               and _kpi(browser) == str(total(area="081301")))
    browser.back()
    wait.until(_shows(browser, "0813", 7, total(area="0813")))

    # A filter changes the figures and the URL.
    browser.find_element(By.XPATH, "//*[@id='explorar-status']//label[contains(., "
                                   "'Paralizada')]").click()
    expected = total(area="0813", status=("paralizada",))
    wait.until(lambda _: "status=paralizada" in browser.current_url
               and _kpi(browser) == str(expected))

    # The URL, opened anew, gives the same view.
    shared = browser.current_url
    browser.get(shared)
    wait.until(_shows(browser, "0813", 7, expected))
    checked = browser.find_element(By.XPATH, "//*[@id='explorar-status']//label[contains(., "
                                             "'Paralizada')]//input")
    assert checked.is_selected() and _heading(browser) == "Urubamba"
    screenshot(browser, "explorar-provincia-filtro")

    # A phone: nothing wider than the screen.
    resize(browser, 390, 844)
    try:
        browser.get(f"{live_server}/?area=08")
        wait.until(_shows(browser, "08", 13, total(area="08")))
        widths = browser.execute_script(
            "return [document.documentElement.scrollWidth, document.documentElement.clientWidth];")
        assert widths[0] <= widths[1]
        screenshot(browser, "explorar-telefono")
    finally:
        resize(browser, 1366, 900)


@pytest.mark.browser
def test_charts_drawn_near_the_screen_say_their_figures(live_server, browser, explorer_works):
    """On a phone the charts, below the map, are not drawn until a reader scrolls near them;
    each is then drawn once (the margins its figure asks hold its labels, so Plotly's
    automargin does not lay it out again), and its text alternative holds the figures it
    draws. A new view reaches the tables at once, and a chart far from the screen when it
    comes near."""
    import time

    from selenium.webdriver.support.ui import WebDriverWait

    from tests.browser_support import resize

    names = ("status", "year", "sector", "top")
    wait = WebDriverWait(browser, 30)
    resize(browser, 390, 844)
    try:
        browser.get(f"{live_server}/?area=08")
        wait.until(_shows(browser, "08", 13, explorer.summary(Filters(area="08")).totals["works"]))
        time.sleep(1.5)   # the map has drawn: a chart due now would be drawn by then
        assert [_chart(browser, name) for name in names] == [None] * 4
        assert _chart_text(browser, "top")    # the tables are there all along

        for name in names:
            chart = _reach_chart(browser, wait, name)
            assert chart["margin"] == chart["asked"], name
            text = _chart_text(browser, name)
            assert text[:len(chart["trace"]["x"])] == _drawn_items(name, chart), name
        provinces = _reach_chart(browser, wait, "top")["trace"]["customdata"]
        assert provinces and all(p.startswith("08") and len(p) == 4 for p in provinces)
        before = _chart_text(browser, "top")

        # A drill-down from the top of the page: the top chart, far below, keeps what it
        # drew, its table is the new view's at once; scrolled to, it draws the new view.
        browser.execute_script("window.scrollTo(0, 0);")
        time.sleep(0.5)   # the scroll is seen (an IntersectionObserver reports at a frame)
        _click_map(browser, chm.VALUES, "0813")
        wait.until(_shows(browser, "0813", 7, explorer.summary(
            Filters(area="0813")).totals["works"]))
        wait.until(lambda _: _chart_text(browser, "top") != before)
        time.sleep(1)
        assert _chart(browser, "top")["trace"]["customdata"] == provinces
        wait.until(lambda _: _reach_chart(browser, wait, "top")["trace"]["customdata"]
                   != provinces)
        chart = _chart(browser, "top")
        assert all(d.startswith("0813") for d in chart["trace"]["customdata"])
        assert _chart_text(browser, "top") == _drawn_items("top", chart)
    finally:
        resize(browser, 1366, 900)


def test_migrate_fills_a_derived_table_it_adds(explorer_works, engine, database_url):
    """Upgrading a database with works: a new derived table is filled by the migration, so
    no reader trusts an empty one."""
    from queries import migrate

    with engine.begin() as conn:
        conn.execute(sa.text("REFRESH MATERIALIZED VIEW area_monthly WITH NO DATA"))
    migrate.migrate(database_url)
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT ispopulated FROM pg_matviews "
                                    "WHERE matviewname = 'area_monthly'")).scalar()


def test_migrate_rebuilds_derived_tables_of_an_older_layout(explorer_works, engine,
                                                           database_url):
    """A database whose explorer_works predates the current columns (no layout comment):
    the migration drops it with the tables that sum it and fills them again."""
    from queries import migrate

    with engine.begin() as conn:
        conn.execute(sa.text("DROP MATERIALIZED VIEW explorer_works CASCADE"))
        conn.execute(sa.text(
            "CREATE MATERIALIZED VIEW explorer_works AS SELECT ubigeo, status, "
            "amount_investment FROM work"))
    migrate.migrate(database_url)
    with engine.connect() as conn:
        columns = set(conn.execute(sa.text(
            "SELECT attname FROM pg_attribute WHERE attrelid = 'explorer_works'::regclass "
            "AND attnum > 0")).scalars())
        populated = dict(conn.execute(sa.text(
            "SELECT matviewname, ispopulated FROM pg_matviews")).all())
    assert {"name", "cui", "geom", "lon"} <= columns
    assert all(populated[name] for name in VIEWS)
    assert explorer.summary(Filters(q=TOKEN)).source == "facts"


def test_each_refresh_renews_the_copy_in_memory(explorer_works):
    """The process's copy of the works (queries.explorer_facts) is keyed by the refresh: a
    changed amount shows as soon as the derived tables are refreshed, never before."""
    def mine() -> explorer.Summary:
        return explorer.summary(Filters(q=TOKEN, sector=("Transporte",)))

    before = mine()
    assert before.source == "facts"
    try:
        with explorer_works.begin() as conn:
            conn.execute(sa.text("UPDATE work SET amount_updated = amount_updated + 1000 "
                                 "WHERE infobras_code = :c"), {"c": FIRST})
        stale = mine()
        assert stale.source == "work"
        with explorer_works.begin() as conn:
            refresh_views(conn)
        after = mine()
        assert after.source == "facts"
        assert after.totals["investment"] == pytest.approx(before.totals["investment"] + 1000)
        assert after.totals == pytest.approx(stale.totals)
    finally:
        with explorer_works.begin() as conn:
            conn.execute(sa.text("UPDATE work SET amount_updated = amount_updated - 1000 "
                                 "WHERE infobras_code = :c"), {"c": FIRST})
            refresh_views(conn)
    assert mine().totals == pytest.approx(before.totals)


# Every callback request the page sends, by its outputs (installed before the page's scripts).
RECORD_CALLBACKS = """
window.__callbacks = [];
var fetchBefore = window.fetch;
window.fetch = function(url, init) {
    if (String(url).indexOf('_dash-update-component') >= 0) {
        var body = {};
        try { body = JSON.parse((init && init.body) || '{}'); } catch (e) {}
        window.__callbacks.push({output: body.output || '', changed: body.changedPropIds});
    }
    return fetchBefore.apply(this, arguments);
};
"""


def _server_callbacks(driver) -> list[str]:
    """The callback requests sent since the page opened (their outputs, then what changed),
    but the router's (it brings the page's layout)."""
    sent = driver.execute_script("return window.__callbacks || [];")
    return [f"{c['output']} <- {c['changed']}" for c in sent
            if "_pages_content" not in c["output"]]


@pytest.mark.browser
def test_first_view_needs_no_callback_and_drill_down_still_works(live_server, browser,
                                                                  explorer_works):
    """The layout holds the first view (the map's values, the KPIs, the title, the charts, the
    table, the controls): opening `/` or `/?area=08&status=paralizada` sends no callback
    request, and then a click still drills down (render answers it)."""
    import time

    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    def total(**filters) -> int:
        return explorer.summary(Filters(**filters)).totals["works"] or 0

    script = browser.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument",
                                     {"source": RECORD_CALLBACKS})
    wait = WebDriverWait(browser, 30)
    try:
        for url, area, children, works in (
                ("/", None, 25, total()),
                ("/?area=08&status=paralizada", "08", 13,
                 total(area="08", status=("paralizada",)))):
            browser.get(f"{live_server}{url}")
            wait.until(_shows(browser, area, children, works))
            time.sleep(2)   # any callback of the first view would have been sent by now
            assert _server_callbacks(browser) == [], "\n".join([url, *_server_callbacks(browser)])
        assert _heading(browser) == "Cusco"
        assert browser.find_element(
            By.XPATH, "//*[@id='explorar-status']//label[contains(., 'Paralizada')]//input"
        ).is_selected()
        assert "1 activos" in _text(browser, "#explorar-filters summary")
        status = _reach_chart(browser, wait, "status")["trace"]["customdata"]
        assert list(status) == ["paralizada"] or "paralizada" in list(status)

        # A drill-down afterwards: navigate and render answer it.
        _click_map(browser, chm.VALUES, "0813")
        wait.until(_shows(browser, "0813", 7, total(area="0813", status=("paralizada",))))
        assert _heading(browser) == "Urubamba" and "area=0813" in browser.current_url
        sent = " ".join(_server_callbacks(browser))
        assert "explorar-kpis.children" in sent and "explorar-url.search" in sent
    finally:
        browser.execute_cdp_cmd("Page.removeScriptToEvaluateOnNewDocument",
                                {"identifier": script["identifier"]})
