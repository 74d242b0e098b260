"""The sources joined around one work (queries.work_sources, queries.investments) and their
API: the real paralysed-works file with investment, procurement and control rows around one of
its works; each figure per source, the one shown by precedence, the disagreements."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from geodata import paralizadas
from queries import investments, work_sources
from tests import work_sources_data as data
from tests.conftest import PARALIZADAS_CSV

pytestmark = pytest.mark.db
if not PARALIZADAS_CSV.exists():
    pytest.skip(f"falta el archivo real {PARALIZADAS_CSV}", allow_module_level=True)


@pytest.fixture(scope="module")
def joined(national_areas: sa.Engine) -> dict:
    """The real file loaded, and the source rows around its first work with a CUI."""
    paralizadas.load(engine=national_areas)
    with national_areas.begin() as conn:
        work = dict(conn.execute(sa.text(
            "SELECT infobras_code, cui_key(cui) AS cui, entity, ubigeo, amount_updated,"
            " amount_contract, physical_progress, extra FROM work"
            " WHERE source = 'paralizadas' AND cui IS NOT NULL AND entity IS NOT NULL"
            " AND (extra->>'avance_fisico_invierte') IS NOT NULL"
            " ORDER BY infobras_code LIMIT 1")).mappings().one())
        data.insert(conn, work)
    yield work
    with national_areas.begin() as conn:
        data.remove(conn, work["cui"])


def _figure(body: dict, field: str) -> dict:
    return next(f for f in body["figures"] if f["field"] == field)


def test_work_sources_join_every_source(joined):
    body = work_sources.work_sources(joined["infobras_code"])
    inv = body["investment"]
    assert inv["cui"] == joined["cui"] and inv["amount_updated"] == data.MEF_COST
    assert [r["source"] for r in inv["by_source"]] == ["mef_banco", "ssi_ejecucion"]
    [works, consulting] = body["procurement"]
    assert (works["id"], consulting["id"]) == (data.PROCESS, data.CONSULTING)
    assert works["bidder_count"] == 3
    assert {b["name"] for b in works["bidders"]} == {n for _, n in data.BIDDERS}
    assert works["winners"][0]["ruc"] == data.WINNER
    assert works["winners"][0]["sanctions"][0]["kind"] == "inhabilitacion"
    [k] = works["contracts"]
    assert (k["amount"], k["amount_additional"], k["amount_reduction"]) == (
        data.CONTRACT, 250000, 10000)
    assert k["penalties"][0]["amount"] == 35000 and k["supplier_sanctions"]
    assert works["link"]["method"] == "cui"
    reports = {r["id"]: r for r in body["control"]}
    assert reports[data.REPORT_ENTITY]["method"] in ("entidad_region", "entidad")
    assert reports[data.REPORT_ENTITY]["linked_to"] == "entity"
    candidate = reports[data.REPORT_CANDIDATE]
    assert (candidate["method"], float(candidate["confidence"])) == ("nombre_similar", 0.55)


def test_figures_follow_the_stated_precedence(joined):
    body = work_sources.work_sources(joined["infobras_code"])
    cost = _figure(body, "cost")
    assert [v["source"] for v in cost["values"]] == ["mef_banco", "ssi_ejecucion", "paralizadas"]
    assert cost["shown"]["value"] == float(data.MEF_COST) and not cost["agree"]
    assert cost["values"][2]["value"] == float(joined["amount_updated"])
    contract = _figure(body, "contract_amount")
    assert contract["shown"]["source"] == "seace"
    assert contract["shown"]["value"] == float(data.CONTRACT)   # consultancy not summed
    assert len(contract["values"]) == 1        # the file has no contract amount
    progress = _figure(body, "physical_progress")
    assert [v["source"] for v in progress["values"]] == ["paralizadas", "invierte"]
    assert progress["values"][1]["value"] == float(joined["extra"]["avance_fisico_invierte"])
    status = _figure(body, "status")
    assert status["shown"]["source"] == "paralizadas"
    assert status["agree"] is False            # CERRADO in the MEF, open in INFObras
    place = _figure(body, "place")
    assert place["agree"] is False             # the investment's district is another one
    fields = {d["field"] for d in body["disagreements"]}
    assert {"cost", "status", "place"} <= fields
    assert all(d["tolerance"] for d in body["disagreements"])


def test_pure_comparison_tolerances():
    values = {"cost": [{"source": "mef_banco", "value": 100.0, "date": None},
                       {"source": "infobras", "value": 100.9, "date": None,
                        "precedence_key": "work"}],
              "physical_progress": [{"source": "infobras", "value": 50.0, "date": None,
                                     "precedence_key": "work"},
                                    {"source": "invierte", "value": 51.5, "date": None}]}
    figures = {f["field"]: f for f in work_sources.compare(values)}
    assert figures["cost"]["agree"] and not figures["physical_progress"]["agree"]
    assert [d["field"] for d in work_sources.disagreements(figures.values())] == [
        "physical_progress"]


def test_investment_without_work(joined):
    assert investments.parse_cui("0009990001") == data.CUI_ONLY
    body = investments.investment_detail(data.CUI_ONLY)
    assert body["works"] == [] and body["investment"]["name"] == "Inversión sin obra"
    assert _figure(body, "cost")["shown"]["value"] == 900000.0
    assert investments.investment_detail("123") is None
    linked = investments.investment_detail(joined["cui"])
    assert [w["infobras_code"] for w in linked["works"]] == [joined["infobras_code"]]
    assert [p["id"] for p in linked["procurement"]] == [data.PROCESS, data.CONSULTING]


@pytest.mark.parametrize("raw", ["", "abc", "12a", "0", "1" * 13])
def test_malformed_cui(raw):
    with pytest.raises(Exception, match="CUI"):
        investments.parse_cui(raw)


# -- the API -------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def client(joined):
    from dashboard.app import app

    return app.server.test_client()


def test_api_work_carries_sources_disagreements_and_placement(client, joined):
    body = client.get(f"/api/v1/works/{joined['infobras_code']}").get_json()
    assert set(body["sources"]) == {"investment", "procurement", "control", "figures"}
    cost = _figure(body["sources"], "cost")
    assert cost["shown"] == {"source": "mef_banco", "source_label": "MEF, Banco de Inversiones",
                             "value": float(data.MEF_COST), "date": "2024-12-31"}
    assert {d["field"] for d in body["disagreements"]} >= {"cost", "status", "place"}
    assert body["sources"]["procurement"][0]["bidder_count"] == 3
    assert body["placement"]["ubigeo"] == joined["ubigeo"]


def test_api_placement_says_when_mirador_moved_a_work(client, national_areas, joined):
    with national_areas.connect() as conn:
        moved = conn.execute(sa.text(
            "SELECT infobras_code, declared_district FROM work WHERE source = 'paralizadas'"
            " AND ubigeo_method = 'coordenadas' ORDER BY 1 LIMIT 1")).one()
        mismatch = conn.execute(sa.text(
            "SELECT infobras_code, coords_ubigeo FROM work WHERE source = 'paralizadas'"
            " AND location_mismatch ORDER BY 1 LIMIT 1")).one()
    placement = client.get(f"/api/v1/works/{moved.infobras_code}").get_json()["placement"]
    assert placement["moved"] is True and placement["method"] == "coordenadas"
    assert placement["declared"]["district"] == moved.declared_district
    assert "coordenadas" in placement["note"]
    placement = client.get(f"/api/v1/works/{mismatch.infobras_code}").get_json()["placement"]
    assert placement["location_mismatch"] is True
    assert placement["coords_ubigeo"] == mismatch.coords_ubigeo != placement["ubigeo"]


def test_api_investment(client, joined):
    body = client.get(f"/api/v1/investments/{data.CUI_ONLY}").get_json()
    assert body["works"] == [] and body["investment"]["amount_updated"] == 900000.0
    assert client.get("/api/v1/investments/123").status_code == 404
    bad = client.get("/api/v1/investments/abc")
    assert bad.status_code == 400 and "CUI" in bad.get_json()["error"]


def test_openapi_documents_the_new_fields(client, joined):
    from openapi_spec_validator import validate

    doc = client.get("/api/openapi.json").get_json()
    validate(doc)
    assert "/api/v1/investments/{cui}" in doc["paths"]
    detail = doc["components"]["schemas"]["WorkDetail"]["allOf"][1]["properties"]
    assert {"sources", "disagreements", "placement"} <= set(detail)
    aggregate = doc["components"]["schemas"]["Aggregate"]["properties"]
    assert aggregate["paralysed"]["deprecated"] is True
    assert {"paralysed_by_status", "paralysed_6_months_rule"} <= set(aggregate)


def test_paralysed_counts_are_named_apart(client, national_areas, joined):
    """By status (the file's «Paralizado»), against the 6-month rule (the alerts), per region,
    both from an independent count."""
    import pandas as pd

    from geodata import alerts as engine_alerts

    engine_alerts.recompute(national_areas)
    raw = pd.read_csv(PARALIZADAS_CSV)
    with national_areas.connect() as conn:
        region = conn.execute(sa.text(
            "SELECT left(ubigeo, 2) FROM work WHERE source = 'paralizadas'"
            " GROUP BY 1 ORDER BY count(*) DESC LIMIT 1")).scalar()
        in_region = conn.execute(sa.text(
            "SELECT infobras_code FROM work WHERE left(ubigeo, 2) = :r"), {"r": region}
            ).scalars().all()
        flagged = conn.execute(sa.text(
            "SELECT count(DISTINCT a.infobras_code) FROM alert a JOIN work w USING"
            " (infobras_code) WHERE a.rule_code = 'paralizada' AND a.state = 'alerta'"
            " AND left(w.ubigeo, 2) = :r"), {"r": region}).scalar()
    rows = raw[raw["cod_infobras"].isin(in_region)]
    by_status = int((rows["estado_hist_infobras"].str.strip().str.lower() == "paralizado").sum())
    item = client.get(f"/api/v1/areas/{region}").get_json()["metrics"]
    assert item["paralysed_by_status"] == item["paralysed"] == by_status
    assert item["paralysed_6_months_rule"] == flagged
    [agg] = [i for i in client.get("/api/v1/aggregates?level=1").get_json()["items"]
             if i["ubigeo"] == region]
    assert (agg["paralysed_by_status"], agg["paralysed_6_months_rule"]) == (by_status, flagged)
