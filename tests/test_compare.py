"""Comparing areas: metrics per inhabitant, peers by population, monthly series, figures."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pandas as pd
import pytest
import sqlalchemy as sa
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from layers import compare as compare_layer
from queries import compare
from queries.filters import Filters
from tests.browser_support import screenshot
from tests.officials_support import TOKEN

pytest_plugins = ["tests.officials_support", "tests.browser_support"]
pytestmark = pytest.mark.db


def _populations(engine, level: int, prefix: str) -> dict[str, int]:
    with engine.connect() as conn:
        rows = conn.execute(sa.text(
            "SELECT ubigeo, population FROM area WHERE level = :l AND ubigeo LIKE :p"
            " AND population IS NOT NULL"), {"l": level, "p": f"{prefix}%"}).all()
    return dict(rows)


@pytest.mark.parametrize("ubigeo", ["150101", "0801", "15"])
def test_peers_are_the_nearest_in_population_in_the_same_region(national_areas, ubigeo):
    level = compare.level_of(ubigeo)
    candidates = _populations(national_areas, level, ubigeo[:2] if level > 1 else "")
    own = candidates.pop(ubigeo)
    peers = compare.peers(ubigeo)
    assert len(peers) == compare.PEERS and ubigeo not in peers
    assert set(peers) <= set(candidates)
    farthest_peer = max(abs(candidates[p] - own) for p in peers)
    nearest_other = min(abs(pop - own) for code, pop in candidates.items() if code not in peers)
    assert farthest_peer <= nearest_other


def test_area_metrics_absolute_and_per_inhabitant(officials_works):
    frame = compare.area_metrics(3, officials_works, ubigeos=("150101", "150103", "150102"))
    rows = frame.set_index("ubigeo")
    assert list(rows.loc["150101", ["works", "investment", "accrued", "paralysed"]]) == [
        2, 3_500_000, 1_400_000, 1]
    assert rows.loc["150101", "accrued_pct"] == pytest.approx(40.0)
    assert rows.loc["150103", "investment_per_capita"] == pytest.approx(
        1_300_000 / rows.loc["150103", "population"])
    assert rows.loc["150103", "avg_physical"] == 50.0
    assert rows.loc["150102", "works"] == 0
    assert rows.loc["150102", "paralysed_pct"] != rows.loc["150102", "paralysed_pct"]  # NaN


def test_monthly_series_accumulate_per_area(officials_works):
    series = compare.monthly(("150101",), officials_works)
    assert list(series["month"]) == [date(2021, 3, 1), date(2021, 4, 1), date(2021, 5, 1)]
    assert list(series["spent"]) == [100_000, 150_000, 150_000]
    assert list(series["accrued"]) == [100_000, 250_000, 400_000]
    regions = compare.monthly(("15", "08"), officials_works)
    cusco = regions[regions["ubigeo"] == "08"]
    assert list(cusco["accrued"]) == [200_000, 600_000]
    assert list(cusco["avg_physical"]) == [30, 70]


def test_comparison_rows_and_figures(officials_works, names):
    frame = compare.area_metrics(3, officials_works, parent="15")
    header, rows = compare_layer.comparison_rows(frame, ["150103", "150101"], True)
    assert header == [names["150103"], names["150101"]]
    labels = [r[0] for r in rows]
    assert "Inversión por habitante" in labels and "Inversión" not in labels
    _, absolute = compare_layer.comparison_rows(frame, ["150103", "150101"], False)
    assert "Inversión" in [r[0] for r in absolute]

    metric = compare_layer.METRIC_BY_KEY["investment"]
    ranking = compare_layer.ranking_figure(frame, metric, False, ["150101"], "distritos")
    chosen = ranking.data[1]
    assert list(chosen.customdata[0][:1]) == [names["150101"]]
    assert chosen.marker.color == compare_layer.HIGHLIGHT
    assert len(ranking.data[0].x) + len(chosen.x) == len(frame)
    assert ranking.layout.annotations[0].text.startswith(f"{names['150101']} (#")

    trend = compare_layer.trend_figure(compare.monthly(("150101",), officials_works),
                                       {"150101": "Lima de prueba"})
    assert [t.name for t in trend.data] == ["Lima de prueba"] * 2


def test_compare_url_state(pages):
    comparar = pages.comparar
    state = comparar.parse_state({"areas": ["150101,150102,150103,150104,150105,150106,150107,15"],
                                  "per": ["abs"], "metric": ["nope"]})
    assert state["level"] == 3
    assert state["areas"] == ["150101", "150102", "150103", "150104", "150105", "150106"]
    assert (state["per"], state["metric"]) == ("abs", comparar.DEFAULT_METRIC)
    assert comparar.parse_state({})["level"] == 1


def test_compare_view_builds_table_ranking_and_trend(pages, officials_works, names):
    comparar = pages.comparar
    table, ranking, trend = comparar.compare_view(3, ("150101", "150103"), True, "paralysed_pct",
                                                  officials_works)
    header = [th.children for th in table.children[0].children.children][1:]
    assert header == [names["150101"], names["150103"]]
    assert ranking.layout.title.text.startswith("% de obras paralizadas")
    assert {t.name for t in trend.data} == {names["150101"]}  # Ate has no monthly history
    assert f"q={TOKEN}" in comparar.downloads(3, officials_works)[1].href


@pytest.mark.browser
def test_compare_page_in_a_browser(live_server, browser, officials_works, names):
    """Peers button fills six areas, the URL follows; briefing and data pages render."""
    def headers() -> list[str]:  # read in one go: the table is re-rendered meanwhile
        return browser.execute_script(
            "return [...document.querySelectorAll('#comparar-table thead th')]"
            ".map(e => e.textContent)")

    wait = WebDriverWait(browser, 20)
    browser.get(f"{live_server}/comparar?level=3&areas=150101&q={TOKEN}")
    wait.until(lambda _: len(headers()) == 2)
    browser.find_element(By.ID, "comparar-peers").click()
    wait.until(lambda _: len(headers()) == 2 + compare.PEERS)
    assert headers()[1] == names["150101"]
    assert "areas=150101%2C" in browser.current_url and f"q={TOKEN}" in browser.current_url
    screenshot(browser, "comparar-pares")

    browser.get(f"{live_server}/informe/15?q={TOKEN}")
    wait.until(lambda _: browser.find_elements(By.CSS_SELECTOR, ".officials-kpi"))
    assert browser.find_element(By.ID, "informe-pdf").get_attribute("href").endswith(
        f"/informe/15.pdf?q={TOKEN}")
    screenshot(browser, "informe-lima")

    browser.get(f"{live_server}/datos")
    wait.until(lambda _: browser.find_elements(By.ID, "datos-quarantine-total"))
    summary = next(e for e in browser.find_elements(By.TAG_NAME, "summary")
                   if e.text.startswith("prueba-oficiales · ubigeo_not_found"))
    summary.click()
    details = summary.find_element(By.XPATH, "..")
    assert "<script>alert('x')</script>" in details.text  # shown as text, not run
    assert not browser.execute_script(  # no executable script carries it
        "return [...document.scripts].some(s => s.type !== 'application/json'"
        " && s.text.includes(\"alert('x')\"))")
    screenshot(browser, "datos")


def test_ranking_on_a_log_axis_labels_the_right_dots():
    frame = pd.DataFrame({"ubigeo": ["01", "02", "03", "04"], "name": list("ABCD"),
                          "investment": [5000.0, 1.0, 1000.0, 10.0]})
    metric = compare_layer.METRIC_BY_KEY["investment"]
    fig = compare_layer.ranking_figure(frame, metric, False, ["03"], "regiones", bars_up_to=0)
    assert fig.layout.yaxis.type == "log"
    (note,) = fig.layout.annotations
    assert (note.x, note.y, note.text) == (2, 3.0, "C (#2)")
    linear = compare_layer.ranking_figure(frame.assign(investment=[4.0, 1.0, 3.0, 2.0]),
                                          metric, False, ["03"], bars_up_to=0)
    assert linear.layout.yaxis.type == "linear" and linear.layout.annotations[0].y == 3.0


def test_ranking_of_few_areas_names_every_one_with_its_rank():
    frame = pd.DataFrame({"ubigeo": ["01", "02", "03", "04"], "name": list("ABCD"),
                          "investment": [5000.0, None, 1000.0, 10.0]})
    metric = compare_layer.METRIC_BY_KEY["investment"]
    fig = compare_layer.ranking_figure(frame, metric, False, ["03"], "regiones")
    (bars,) = fig.data
    assert list(bars.y) == ["A (#1)", "C (#2)", "D (#3)"]  # no data: not ranked
    assert list(bars.marker.color) == [compare_layer.OTHERS, compare_layer.HIGHLIGHT,
                                       compare_layer.OTHERS]
    assert fig.layout.title.text == "Inversión: posición entre 3 regiones"


def test_trend_without_history_is_one_sentence():
    fig = compare_layer.trend_figure(pd.DataFrame(columns=["ubigeo", "month", "accrued",
                                                           "avg_physical"]), {}, "Nada aún")
    assert not fig.data and [a.text for a in fig.layout.annotations] == ["Nada aún"]


def test_the_precomputed_monthly_series_equal_the_live_ones(officials_works, engine):
    """Without filters the series come from area_monthly; they must be the live query's."""
    from queries.explorer_views import refresh_views, views_are_fresh

    with engine.begin() as conn:
        refresh_views(conn)
    for areas in (("15", "08"), ("1501", "0801"), ("150101", "080108")):
        with engine.connect() as conn:
            assert views_are_fresh(conn)
            live = pd.DataFrame(conn.execute(compare.monthly_stmt(areas, Filters())).mappings())
            view = pd.DataFrame(conn.execute(compare.monthly_view_stmt(areas)).mappings())
        assert not live.empty
        pd.testing.assert_frame_equal(view, live, check_dtype=False, atol=1e-6)
        served = compare.monthly(areas, Filters())
        pd.testing.assert_frame_equal(served[list(view.columns)], view, check_dtype=False)


def test_the_precomputed_area_metrics_equal_the_live_ones(officials_works, engine):
    from queries.explorer_views import refresh_views

    with engine.begin() as conn:
        refresh_views(conn)
    for level, parent, ubigeos in ((1, None, ()), (2, "15", ()), (3, "0801", ()),
                                   (3, None, ("150101", "080108"))):
        with engine.connect() as conn:
            live = pd.DataFrame(conn.execute(compare.area_metrics_stmt(
                level, Filters(), parent, ubigeos)).mappings())
            view = pd.DataFrame(conn.execute(compare.area_metrics_view_stmt(
                level, parent, ubigeos)).mappings())
        assert len(live) and live["works"].sum() > 0
        # The live sums are exact (numeric), the view's are float8: compare them as floats
        # (a Decimal beside a float is compared exactly, and a float sum of cents is not).
        for column in live.columns:
            if live[column].map(lambda v: isinstance(v, Decimal)).any():
                live[column] = live[column].astype(float)
                view[column] = view[column].astype(float)
        pd.testing.assert_frame_equal(view, live, check_dtype=False, atol=1e-6)


def test_the_trend_axis_holds_the_highest_line():
    series = pd.DataFrame({"ubigeo": ["01", "01"], "month": ["2024-01-01", "2024-02-01"],
                           "accrued": [40e6, 95e6], "avg_physical": [10.0, 20.0]})
    fig = compare_layer.trend_figure(series, {"01": "Amazonas"})
    assert fig.layout.yaxis.range[1] >= 95e6 and fig.layout.yaxis2.range[1] == 100
