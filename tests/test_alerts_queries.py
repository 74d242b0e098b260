"""Reading the alerts: counts by area (the explorer's metric), the table with its filters,
sorting and paging, where the money at risk is, one work's alerts, and the view's figures."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from geodata import alerts as engine_alerts
from layers import alerts as alerts_layer
from queries import alerts
from queries.filters import STATUSES, FilterError, Filters
from tests.alerts_support import AS_OF, insert_works

pytestmark = pytest.mark.db

TOKEN = "zzconsultas"
BASE = 9_710_000
# Four works: two paralysed in Lima (one also over cost), one late in Cusco, one clean.
CASES = {
    "lima": {"status": "paralizada", "paralysis_date": date(2025, 1, 15),
             "amount_technical_file": 500_000, "entity": "Municipalidad zzq Lima"},
    "ate": {"ubigeo": "150103", "last_progress_date": date(2025, 6, 1),
            "amount_updated": 2_000_000, "amount_accrued": 0, "entity": "Municipalidad zzq Ate"},
    "cusco": {"ubigeo": "080101", "programmed_end": date(2026, 1, 1),
              "entity": "Gobierno Regional zzq Cusco"},
    "clean": {"ubigeo": "080101", "entity": "Gobierno Regional zzq Cusco"},
}
CODE = {name: BASE + i for i, name in enumerate(CASES)}
MINE = Filters(q=TOKEN)


@pytest.fixture(scope="module")
def computed(national_areas):
    with national_areas.begin() as conn:
        insert_works(conn, CODE, CASES, TOKEN)
    engine_alerts.recompute(national_areas, as_of=AS_OF)
    return national_areas


def _by_area(rows):
    return {r["ubigeo"]: (r["alerts"], r["works_with_alerts"], r["amount_at_risk"])
            for r in rows}


def test_counts_by_area(computed):
    assert _by_area(alerts.alert_counts(MINE, 1)) == {
        "15": (3, 2, 2_600_000.0),           # Lima's work counts once, with its 600 000
        "08": (1, 1, 600_000.0)}
    assert _by_area(alerts.alert_counts(MINE, 3, rules=["paralizada"])) == {
        "150101": (1, 1, 600_000.0), "150103": (1, 1, 2_000_000.0)}
    assert _by_area(alerts.alert_counts(MINE, 2, severities=["media"])) == {
        "0801": (1, 1, 600_000.0)}


def test_rollup_counts_equal_the_alerts(computed):
    """The per-work rollup (area-only filters), the district view and the alert table give
    the same counts."""
    fast = alerts.alert_counts(Filters(area="15"), 3)
    slow = alerts.alert_counts(Filters(area="15", status=STATUSES), 3)
    assert _by_area(fast) == _by_area(slow) and fast
    with computed.connect() as conn:
        view = conn.execute(sa.text(
            "SELECT ubigeo, alerts, works_with_alerts, amount_at_risk::float FROM alert_district"
            " WHERE ubigeo LIKE '15%'")).all()
    assert {u: (a, w, m) for u, a, w, m in view} == _by_area(fast)


def test_table_filters_sort_and_page(computed):
    page = alerts.alerts_table(alerts.AlertSelection(MINE))
    assert page["total"] == 4 and page["pages"] == 1
    assert [(r["infobras_code"], r["rule_code"]) for r in page["rows"]] == [
        (CODE["ate"], "paralizada"), (CODE["lima"], "paralizada"),
        (CODE["cusco"], "retrasada"), (CODE["lima"], "sobrecosto")]
    first = page["rows"][0]
    assert (first["district"], first["region"], first["rule_name"]) == (
        "Ate", "Lima", "Obra paralizada")
    by_name = alerts.alerts_table(alerts.AlertSelection(MINE), alerts.TablePage(
        sort=(("work_name", "asc"),), size=10))
    assert [r["work_name"] for r in by_name["rows"]] == sorted(
        r["work_name"] for r in by_name["rows"])
    select = alerts.AlertSelection.from_query
    assert alerts.alerts_table(select({"q": TOKEN, "entity": "zzq cusco"}))["total"] == 1
    assert alerts.alerts_table(select({"q": TOKEN, "risk_min": "700000"}))["total"] == 1
    assert alerts.alerts_table(select({"q": TOKEN, "rule": "sobrecosto",
                                       "severity": "alta"}))["total"] == 1
    missing = alerts.alerts_table(select({"q": TOKEN, "state": "no_calculable"}))
    assert missing["total"] > 0
    assert {r["severity"] for r in missing["rows"]} == {None}
    lima = alerts.alerts_table(select({"area": "15"}), alerts.TablePage(size=100))
    assert lima["rows"] and {r["ubigeo"][:2] for r in lima["rows"]} == {"15"}


@pytest.mark.parametrize("query", [
    {"q": TOKEN}, {"area": "15"}, {"area": "1501", "severity": "alta"},
    {"state": "no_calculable"}, {"rule": "sobrecosto"}, {"area": "15", "q": TOKEN}])
def test_the_summary_counts_what_the_table_counts(computed, query):
    """The page's total is taken from the summary (one count, not two): both must agree."""
    selection = alerts.AlertSelection.from_query(query)
    assert alerts.summary(selection)["alerts"] == alerts.alerts_table(selection)["total"]


def test_alerts_carry_their_works_district_and_rule_names(computed):
    """The copies the table sorts by equal what they copy."""
    with computed.connect() as conn:
        wrong = conn.execute(sa.text(
            "SELECT count(*) FROM alert a JOIN work w USING (infobras_code)"
            " JOIN area d ON d.ubigeo = w.ubigeo JOIN area r ON r.ubigeo = left(w.ubigeo, 2)"
            " JOIN alert_rule ar ON ar.code = a.rule_code"
            " WHERE a.ubigeo <> w.ubigeo OR a.district_name <> d.name"
            " OR a.region_name <> r.name OR a.rule_name <> ar.name"
            " OR a.severity_rank <> CASE a.severity WHEN 'alta' THEN 3"
            " WHEN 'media' THEN 2 WHEN 'baja' THEN 1 ELSE 0 END")).scalar()
        total = conn.execute(sa.text("SELECT count(*) FROM alert")).scalar()
    assert wrong == 0 and total > 0


def test_where_the_money_is(computed):
    selection = alerts.AlertSelection(MINE)
    top = alerts.top_areas(selection, 3)
    assert [(r["ubigeo"], r["amount_at_risk"]) for r in top] == [
        ("150103", 2_000_000.0), ("080101", 600_000.0), ("150101", 600_000.0)]
    entities = alerts.top_entities(selection)
    assert entities[0]["entity"] == "Municipalidad zzq Ate"
    assert alerts.summary(selection) == {"alerts": 4, "works": 3, "amount_at_risk": 3_200_000.0}


def test_one_work(computed):
    rows = alerts.work_alerts(CODE["lima"])
    assert [(r["rule_code"], r["state"]) for r in rows[:2]] == [
        ("paralizada", "alerta"), ("sobrecosto", "alerta")]
    assert all(r["state"] == "no_calculable" for r in rows[2:]) and len(rows) > 2
    assert rows[0]["source"].startswith("Contraloría General de la República")
    assert alerts.work_alerts(CODE["clean"])[0]["state"] == "no_calculable"
    assert alerts.last_run()["as_of"] == AS_OF


@pytest.mark.parametrize(("params", "message"), [
    ({"rule": "inventada"}, "Regla de alerta desconocida"),
    ({"severity": "extrema"}, "Severidad no válida"),
    ({"state": "todas"}, "Estado de alerta no válido"),
    ({"risk_min": "5", "risk_max": "1"}, "mínimo es mayor"),
    ({"risk_min": "mucho"}, "debe ser un número"),
    ({"entity": "x" * 200}, "demasiado largo"),
    ({"area": "15a"}, "Área no válida"),
])
def test_bad_selection_is_a_spanish_message(params, message):
    with pytest.raises(FilterError, match=message):
        alerts.AlertSelection.from_query(params)


def test_selection_round_trips_and_bad_sorting():
    params = {"area": "0801", "rule": ["paralizada", "retrasada"], "severity": ["alta"],
              "entity": "Cusco", "risk_min": 10.0, "state": "no_calculable"}
    selection = alerts.AlertSelection.from_query(params)
    assert alerts.AlertSelection.from_query(selection.to_query()) == selection
    assert selection.to_query() == params
    with pytest.raises(FilterError, match="No se puede ordenar"):
        alerts.TablePage(sort=(("message; DROP TABLE", "asc"),))
    with pytest.raises(FilterError, match="Página no válida"):
        alerts.TablePage(size=7)


# -- the view's figures (pure) --------------------------------------------------------------------
AREAS = [{"ubigeo": "150101", "name": "Lima", "region_name": "Lima", "population": 20_000},
         {"ubigeo": "150103", "name": "Ate", "region_name": "Lima", "population": 0},
         {"ubigeo": "080101", "name": "Cusco", "region_name": "Cusco", "population": 1_000}]
COUNTS = [{"ubigeo": "150101", "alerts": 4, "works_with_alerts": 2, "amount_at_risk": 5e6},
          {"ubigeo": "080101", "alerts": 1, "works_with_alerts": 1, "amount_at_risk": 1e5}]


def test_map_values_follow_the_districts_order():
    per = alerts_layer.map_values(COUNTS, AREAS, alerts_layer.MEASURE_BY_KEY["alerts_per_10k"])
    assert per["z"] == [2.0, 0.0, 10.0]          # no population: 0, never a division error
    assert per["zmax"] == 10.0 and per["title"] == "Alertas por 10 000 hab."
    assert per["text"][0].startswith("Lima (Lima)<br>Alertas por 10 000 hab.: 2,0")
    money = alerts_layer.map_values(COUNTS, AREAS, alerts_layer.MEASURE_BY_KEY["amount_at_risk"])
    assert money["z"] == [5e6, 0.0, 1e5] and "S/ 5,0 M" in money["text"][0]
    fig = alerts_layer.map_figure("/geo/areas/3.geojson", [a["ubigeo"] for a in AREAS],
                                  alerts_layer.MEASURES[0])
    assert fig.data[0].geojson == "/geo/areas/3.geojson"      # by URL, never inline
    assert list(fig.data[0].locations) == ["150101", "150103", "080101"]


def test_bars_and_table_records():
    rows = [{"name": "Ate", "region_name": "Lima", "amount_at_risk": 2e6, "works": 1,
             "alerts": 1}, {"name": "Lima", "region_name": "Lima", "amount_at_risk": 6e5,
                            "works": 1, "alerts": 2}]
    fig = alerts_layer.top_bars(rows, alerts_layer.area_label, "Distritos", "Nada")
    assert list(fig.data[0].y) == ["Lima", "Ate (Lima)"]       # largest on top
    empty = alerts_layer.top_bars([], alerts_layer.area_label, "Distritos", "Nada")
    assert not empty.data and empty.layout.annotations[0].text == "Nada"
    record = alerts_layer.table_records([{
        "infobras_code": 123, "rule_code": "paralizada", "rule_name": "Obra paralizada",
        "severity": "alta", "state": "alerta", "amount_at_risk": 600_000.0,
        "message": "<b>x</b>", "work_name": "Obra [a](javascript:x)", "entity": None,
        "status": "paralizada", "ubigeo": "150101", "district": "Lima", "region": "Lima"}])[0]
    assert record["link"] == "[Ver obra 123](/obra/123)"
    assert record["work_name"] == "Obra [a](javascript:x)"   # plain text cell, not markdown
    assert (record["severity"], record["amount_at_risk"], record["status"]) == (
        "Alta", "S/ 600 000", "Paralizada")


@pytest.mark.parametrize(("sort", "direction", "index"), [
    ("amount_at_risk", "desc", "alert_state_amount_idx"),
    ("severity", "desc", "alert_severity_idx"),
    ("work_name", "asc", "work_name_idx"), ("work_name", "desc", "work_name_idx"),
    ("entity", "asc", "work_entity_idx"),
    ("rule_name", "asc", "alert_rule_name_idx"), ("rule_name", "desc", "alert_rule_name_idx"),
    ("district", "asc", "alert_district_idx"), ("district", "desc", "alert_district_idx"),
    ("region", "asc", "alert_region_idx"), ("severity", "asc", "alert_severity_asc_idx"),
    ("amount_at_risk", "asc", "alert_state_amount_asc_idx")])
def test_a_sorted_national_page_can_walk_an_index(computed, sort, direction, index):
    """The first page of every alert in the country, sorted, is read in index order (the
    test tables are small: sorts and full scans are priced out to see that it can be)."""
    stmt = alerts.alerts_table_stmt(alerts.AlertSelection(),
                                    alerts.TablePage(sort=((sort, direction),)))
    sql = str(stmt.compile(computed, compile_kwargs={"literal_binds": True}))
    with computed.begin() as conn:
        for setting in ("enable_seqscan", "enable_bitmapscan", "enable_sort"):
            conn.execute(sa.text(f"SET LOCAL {setting} = off"))
        plan = "\n".join(r[0] for r in conn.exec_driver_sql("EXPLAIN " + sql))
    assert f"Index Scan using {index}" in plan or f"Index Scan Backward using {index}" in plan, \
        plan
