"""The explorer's pure parts: number formats, metrics, colours, framing, charts, the works
layer, the URL state and what a click does. No database."""

from __future__ import annotations

import math

import pytest

from dashboard.explorer_components import year_marks
from dashboard.explorer_state import ExplorerState, href
from layers import charts
from layers import choropleth as chm
from layers import format as fmt
from layers.works_layer import (
    MAX_SIZE,
    MIN_SIZE,
    STATUSES,
    marker_sizes,
    points_update,
    works_traces,
)
from queries.explorer import View
from queries.filters import FilterError, Filters


@pytest.mark.parametrize(("value", "text"), [
    (130_100, "S/ 130 100"), (1_234_567, "S/ 1,2 M"), (123_400_000, "S/ 123 M"),
    (3_400_000_000, "S/ 3,4 mil M"), (2.39e12, "S/ 2,4 billones"), (4.5, "S/ 4,50"),
    (0, "S/ 0"), (None, "—"), (float("nan"), "—")])
def test_money(value, text):
    assert fmt.money(value) == text


def test_numbers_percentages_and_labels():
    assert fmt.number(1_234_567) == "1 234 567"
    assert fmt.decimal(1234.56) == "1 234,6"
    assert fmt.percent(45.26) == "45,3 %"
    assert fmt.percent(None) == fmt.MISSING
    assert fmt.money(1_234_567, exact=True) == "S/ 1 234 567"
    assert fmt.count_label(1, "obra", "obras") == "1 obra"
    assert fmt.label("OBRAS NUEVAS") == "Obras nuevas"          # unknown, in capitals
    assert fmt.label("FONAFE") == "FONAFE"                      # a canonical label stays
    assert fmt.label("Presidencia del Consejo de Ministros") == (
        "Presidencia del Consejo de Ministros")
    assert fmt.label("Categoría Nueva") == "Categoría Nueva"    # unknown, as the source wrote


ROWS = [  # two areas with works, one without
    {"ubigeo": "01", "name": "Amazonas", "population": 400_000, "works": 10,
     "investment": 2_000_000.0, "accrued": 500_000.0, "paralysed": 4,
     "paralysed_investment": 900_000.0, "progress_sum": 450.0, "progress_n": 9},
    {"ubigeo": "02", "name": "Áncash", "population": 1_000_000, "works": 5,
     "investment": 1_000_000.0, "accrued": 0.0, "paralysed": 0,
     "paralysed_investment": None, "progress_sum": None, "progress_n": 0},
    {"ubigeo": "03", "name": "Apurímac", "population": 0, "works": None, "investment": None,
     "accrued": None, "paralysed": None, "paralysed_investment": None,
     "progress_sum": None, "progress_n": None},
]


def test_metric_values_counts_zero_ratios_missing():
    m = chm.METRICS
    assert chm.values(ROWS, m["works"]) == [10, 5, 0]
    assert chm.values(ROWS, m["investment"]) == [2_000_000, 1_000_000, 0]
    assert chm.values(ROWS, m["paralysed_pct"]) == [40.0, 0.0, None]
    assert chm.values(ROWS, m["progress"]) == [50.0, None, None]
    assert chm.values(ROWS, m["investment_hab"]) == [5.0, 1.0, None]  # no population: None
    assert chm.values(ROWS, m["works_hab"]) == [pytest.approx(0.25), pytest.approx(0.05), None]
    assert chm.values(ROWS, m["paralysed_pct_hab"]) == [pytest.approx(0.1), 0.0, None]
    assert chm.values(ROWS, m["alerts"], None) == [None, None, None]  # never computed
    assert chm.values(ROWS, m["alerts"], {"01": 7}) == [7, 0, 0]
    assert "progress_hab" not in m
    assert chm.metric_key("progress", True) == "progress"
    assert chm.split_metric_key("accrued_hab") == ("accrued", True)


def test_titles_and_units():
    assert chm.METRICS["investment_hab"].unit == "S/ por habitante"
    assert chm.METRICS["works_hab"].title == "Número de obras por 10 000 habitantes"
    assert chm.METRICS["paralysed_pct"].format(None) == chm.NO_DATA_TEXT
    assert chm.METRICS["paralysed_pct"].format(12.34) == "12,3 %"


def test_choropleth_update_separates_missing_and_keeps_names_safe():
    rows = [*ROWS, {**ROWS[2], "ubigeo": "04", "name": "<b>X</b>"}]
    update = chm.choropleth_update(rows, chm.METRICS["paralysed_pct"], None, "02",
                                   {"03": (-72.0, -14.0)})
    assert update[chm.BASE]["locations"] == ["01", "02", "03", "04"]  # all grey underneath
    assert update[chm.VALUES]["locations"] == ["01", "02"]            # only those with data
    assert update[chm.VALUES]["zmin"] == 0 and update[chm.VALUES]["zmax"] == 40.0
    assert update[chm.SELECTED]["locations"] == ["02"]
    assert update[chm.AREA_POINTS]["customdata"] == ["03"]
    assert update[chm.AREA_POINTS]["marker"]["color"] == [chm.NO_DATA_COLOR]
    assert "sin datos" in update[chm.BASE]["hovertext"][2]
    assert "&lt;b&gt;X&lt;/b&gt;" in update[chm.BASE]["hovertext"][3]
    ticks = update[chm.VALUES]["colorbar"]
    assert ticks["ticktext"] == [chm.METRICS["paralysed_pct"].format(t) for t in ticks["tickvals"]]


def test_value_range_and_ticks():
    assert chm.value_range([None, None], chm.METRICS["works"]) == (0.0, 1.0)
    assert chm.value_range([5.0, 9.0], chm.METRICS["works"]) == (0.0, 9.0)
    assert chm.value_range([55.0, 70.0], chm.METRICS["progress"]) == (55.0, 70.0)
    assert chm.nice_ticks(0, 9) == [0, 2.5, 5.0, 7.5]
    assert chm.nice_ticks(55, 70) == [55, 60, 65, 70]


def test_frame_fits_bounds():
    bounds = {"west": -81.33, "south": -18.35, "east": -68.65, "north": -0.04}
    center, zoom = chm.frame(bounds, 800, 600)
    assert -82 < center["lon"] < -68 and -18.35 < center["lat"] < -0.04
    world = 512 * 2 ** zoom  # pixels: the country's height must fit in 600
    merc = [math.log(math.tan(math.pi / 4 + math.radians(v) / 2)) for v in (-18.35, -0.04)]
    assert (merc[1] - merc[0]) / (2 * math.pi) * world <= 600
    assert chm.frame(None)[1] > 0


def test_works_layer_sizes_and_traces():
    assert marker_sizes([None, 0, 25, 100], 100) == [MIN_SIZE, MIN_SIZE, 14.0, MAX_SIZE]
    points = {"infobras_code": [1, 2, 3], "lon": [-77.0, -77.123456, -75.0],
              "lat": [-12.0, -12.5, -13.0], "status": ["paralizada", "finalizada", "paralizada"],
              "investment": [10.0, None, 40.0], "name": ["<i>Puente</i>", None, "Pista"],
              "geom_source": ["surveyed", "district_capital", "surveyed"]}
    update = points_update(points, 4)
    assert len(update) == len(STATUSES) + 1 == len(works_traces())   # + the rings' centres
    paralysed = update[4 + STATUSES.index("paralizada")]
    assert paralysed["customdata"] == [1, 3] and "&lt;i&gt;" in paralysed["hovertext"][0]
    assert paralysed["marker"]["size"] == marker_sizes([10.0, 40.0], 40.0)
    assert paralysed["name"] == "Paralizada ◯ (2)"
    # A ring: a white centre over each paralysed dot, the same work under a click or hover.
    centres = update[4 + len(STATUSES)]
    assert (centres["lat"], centres["lon"], centres["customdata"], centres["hovertext"]) == (
        paralysed["lat"], paralysed["lon"], paralysed["customdata"], paralysed["hovertext"])
    assert all(0 < c < d for c, d in zip(centres["marker"]["size"], paralysed["marker"]["size"],
                                         strict=True))
    ring = works_traces()[-1]
    assert ring.legendgroup == "paralizada" and ring.showlegend is False
    assert ring.marker.color == "#ffffff"
    done = update[4 + STATUSES.index("finalizada")]
    assert (done["customdata"], done["lon"], done["lat"]) == ([2], [-77.12346], [-12.5])
    assert done["hovertext"] == ["<b></b><br>— · en la capital del distrito"]
    assert points_update({}, 4)[4]["showlegend"] is False
    assert points_update({name: [] for name in points}, 4)[4]["lat"] == []


def test_charts_carry_click_values():
    rows = [{"key": "paralizada", "works": 2, "investment": 10.0},
            {"key": "en_ejecucion", "works": 1, "investment": 5.0}]
    fig = charts.status_chart(rows)
    assert list(fig.data[0].customdata) == ["en_ejecucion", "paralizada"]  # fixed order
    sectors = [{"key": f"S{i}", "works": 1, "investment": float(i)} for i in range(12)]
    fig = charts.sector_chart(sectors, ["S11"])
    assert len(fig.data[0].x) == charts.SECTORS_SHOWN + 1 and fig.data[0].customdata[-1] is None
    assert fig.data[0].marker.color[0] == charts.HIGHLIGHT_COLOR
    years = [{"key": "2020", "works": 1, "investment": 3.0}, {"key": None, "works": 4,
                                                           "investment": 1.0}]
    fig = charts.year_chart(years)
    assert list(fig.data[0].customdata) == [2020]
    assert "4 obras sin fecha" in fig.layout.annotations[0].text
    fig = charts.top_areas_chart(ROWS, [3.0, None, 9.0], chm.METRICS["works"], "03")
    assert list(fig.data[0].customdata) == ["03", "01"]
    assert charts.status_chart([]).layout.annotations[0].text == charts.EMPTY_TEXT


def test_each_chart_says_in_its_text_the_figures_it_draws():
    """The text alternative of each chart (its meta's table, written by text_alternative)
    holds the rows the bars draw: names, works and amounts as the bars and labels write
    them, and the chart's note."""
    from tests.chart_support import drawn_rows

    sectors = [{"key": f"Sector {i}", "works": 1000 + i, "investment": 1e6 * i}
               for i in range(12)]
    figures = {
        "status": charts.status_chart([{"key": "paralizada", "works": 1234, "investment": 3e9},
                                       {"key": "finalizada", "works": 1, "investment": 5.0}]),
        "sector": charts.sector_chart(sectors, ["Sector 3"]),
        "year": charts.year_chart([{"key": "2021", "works": 2, "investment": 4e6},
                                   {"key": "2019", "works": 1, "investment": 7e8},
                                   {"key": None, "works": 4, "investment": 1.0}]),
        "top": charts.top_areas_chart(ROWS, [3.0, None, 9.0], chm.METRICS["works"], "03"),
    }
    for name, fig in figures.items():
        table = fig.layout.meta["table"]
        assert table["rows"] == drawn_rows(name, fig.data[0].to_plotly_json()), name
        items = [li.children for li in charts.text_alternative(fig, "Título").children]
        assert items[:len(table["rows"])] == charts.list_items(table), name
        assert items[len(table["rows"]):] == ([table["note"]] if table["note"] else [])
    assert charts.list_items(figures["status"].layout.meta["table"])[0] == (
        "Paralizada: obras 1 234, inversión S/ 3,0 mil M")
    assert figures["sector"].layout.meta["table"]["rows"][-1][:2] == ["Otros 4 sectores",
                                                                       "4 006"]
    assert figures["year"].layout.meta["table"]["note"] == "4 obras sin fecha de inicio"
    listed = charts.text_alternative(figures["top"], "Las 10 regiones")
    assert listed.to_plotly_json()["props"]["aria-label"] == "Las 10 regiones"
    empty = charts.text_alternative(charts.status_chart([]), "Por estado")
    assert empty.children == f"Por estado: {charts.EMPTY_TEXT}"


def test_chart_margins_hold_their_labels():
    """The left margin is estimated from the labels (Plotly's automargin then has nothing to
    push): wider for longer names, the detail line counted in its smaller size."""
    short = charts.status_chart([{"key": "paralizada", "works": 1, "investment": 1.0}])
    rows = [{"key": "Transportes y Comunicaciones", "works": 7182, "investment": 4e10}]
    long = charts.sector_chart(rows)
    assert short.layout.margin.l < long.layout.margin.l
    # The widest line: the name, 28 characters at 12 px (DejaVu Sans draws it in 185 px).
    assert 185 <= long.layout.margin.l - charts.TICK_PAD <= 215
    assert charts.text_width("1 obra", 11) < charts.text_width("1 obra", 12)
    # The years' labels are few enough to stand level on a phone: every 5 years for 19.
    years = charts.year_chart([{"key": str(y), "works": 1, "investment": 1e6}
                               for y in range(2008, 2027)])
    assert years.layout.xaxis.dtick == 5 and years.layout.xaxis.tick0 == 0
    assert charts.year_chart([{"key": "2020", "works": 1, "investment": 1.0}]
                             ).layout.xaxis.dtick == 1


def test_state_round_trips_through_the_url():
    state = ExplorerState(Filters(area="0801", status=("paralizada",), year_min=2020,
                                  q="puente"), "investment_hab")
    assert ExplorerState.from_search(state.to_search()) == state
    assert ExplorerState().to_search() == "" and href(ExplorerState()) == "/"
    assert ExplorerState.from_query({"_pages_store": {"title": "x"}}) == ExplorerState()
    with pytest.raises(FilterError, match="Métrica no válida"):
        ExplorerState.from_search("?metric=bogus")
    with pytest.raises(FilterError, match="Área no válida"):
        ExplorerState.from_search("?area=8x")


def test_views_of_each_level():
    assert (View(None).level, View(None).parent) == (1, None)
    assert (View("08").level, View("08").parent) == (2, "08")
    assert (View("0801").level, View("0801").parent) == (3, "0801")
    district = View("080108")
    assert (district.level, district.parent, district.is_district) == (3, "0801", True)


def test_clicks_drill_and_toggle():
    # The app first: a page module imported before it registers without its layout, and a
    # live server in the same process then answers every page with an error.
    import dashboard.app  # noqa: F401
    from dashboard.pages.explorer import after_click

    state = ExplorerState(Filters(status=("paralizada",)))
    on_map = {"points": [{"curveNumber": chm.VALUES, "location": "08"}]}
    assert after_click(state, "map", on_map).filters.area == "08"
    on_work = {"points": [{"curveNumber": chm.FIRST_WORKS_TRACE, "customdata": 5}]}
    assert after_click(state, "map", on_work) == state
    bar = {"points": [{"customdata": "paralizada"}]}
    assert after_click(state, "status_chart", bar).filters.status == ()
    year = {"points": [{"customdata": 2021}]}
    once = after_click(state, "year_chart", year)
    assert (once.filters.year_min, once.filters.year_max) == (2021, 2021)
    assert after_click(once, "year_chart", year).filters.year_min is None
    assert after_click(state, "top_chart", {"points": [{"customdata": "15"}]}).filters.area == "15"
    assert after_click(state, "sector_chart", {"points": [{"customdata": None}]}) == state


def test_year_marks_are_few_and_uncrowded():
    marks = year_marks(2008, 2026)
    assert min(marks) == 2008 and max(marks) == 2026 and len(marks) <= 5
    years = sorted(marks)
    assert min(b - a for a, b in zip(years, years[1:], strict=False)) >= 3
    assert year_marks(2020, 2020) == {2020: "2020"}


def test_the_tallest_year_bar_fits_under_the_axis():
    rows = [{"key": 2020, "works": 3, "investment": 590e6}, {"key": 2021, "works": 1,
                                                               "investment": 10e6}]
    fig = charts.year_chart(rows)
    low, high = fig.layout.yaxis.range
    assert low == 0 and high >= 590e6 * 1.05
