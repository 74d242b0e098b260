"""The read-only JSON API: filters, pagination, clear 4xx errors, cache headers, OpenAPI."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from openapi_spec_validator import validate

from geodata.alert_rules import RULES
from tests.officials_support import FIRST_CODE, TOKEN, WORKS

pytest_plugins = ["tests.officials_support"]
pytestmark = pytest.mark.db
MY_BLUEPRINTS = ("api", "exports", "briefing")


def test_works_pages_in_a_stable_order(client, officials_works):
    first = client.get(f"/api/v1/works?q={TOKEN}&per_page=4").get_json()
    assert (first["total"], first["page"], first["per_page"], first["pages"]) == (6, 1, 4, 2)
    codes = [w["infobras_code"] for w in first["items"]]
    assert codes == sorted(codes) == [FIRST_CODE + i for i in range(4)]
    assert "prev" not in first["links"]
    second = client.get(first["links"]["next"].split("localhost", 1)[1]).get_json()
    assert [w["infobras_code"] for w in second["items"]] == [FIRST_CODE + 4, FIRST_CODE + 5]
    item = first["items"][1]
    assert item["amount_investment"] == 2_500_000.0
    assert item["start_date"] == "2021-03-01"
    assert (item["longitude"], item["latitude"]) == pytest.approx((-77.04, -12.06))


def test_works_filters(client, officials_works):
    body = client.get(f"/api/v1/works?q={TOKEN}&status=paralizada,finalizada&area=15").get_json()
    assert sorted(w["infobras_code"] for w in body["items"]) == [FIRST_CODE + 1, FIRST_CODE + 2]
    body = client.get(f"/api/v1/works?q={TOKEN}&status=paralizada&status=en_ejecucion"
                      "&amount_min=1100000").get_json()
    assert sorted(w["infobras_code"] for w in body["items"]) == [
        FIRST_CODE + 1, FIRST_CODE + 4, FIRST_CODE + 5]


def test_one_work_with_history(client, officials_works):
    body = client.get(f"/api/v1/works/{FIRST_CODE}").get_json()
    assert body["name"] == WORKS[0]["name"]
    assert [h["amount_accrued"] for h in body["history"]] == [100_000, 250_000, 400_000]
    assert isinstance(body["alerts"], list)


def test_areas(client, officials_works, names):
    body = client.get("/api/v1/areas?parent=1501").get_json()
    assert body["total"] == len(body["items"]) > 40
    assert all(a["ubigeo"].startswith("1501") and a["level"] == 3 for a in body["items"])
    regions = client.get("/api/v1/areas?level=1").get_json()["items"]
    assert {"15", "08", "07"} <= {a["ubigeo"] for a in regions}
    lima = client.get("/api/v1/areas/150101").get_json()
    assert lima["name"] == names["150101"] and lima["population"] > 0
    assert lima["metrics"]["works"] >= 2
    assert "geom" not in lima


def test_aggregates_absolute_and_per_inhabitant(client, officials_works):
    items = client.get(f"/api/v1/aggregates?level=3&parent=1501&q={TOKEN}").get_json()["items"]
    by_code = {a["ubigeo"]: a for a in items}
    lima = by_code["150101"]
    assert (lima["works"], lima["investment"], lima["paralysed"]) == (2, 3_500_000, 1)
    assert lima["paralysed_pct"] == 50.0
    assert lima["investment_per_capita"] == pytest.approx(3_500_000 / lima["population"])
    assert lima["avg_physical"] == 35.0
    assert by_code["150102"]["works"] == 0 and by_code["150102"]["avg_physical"] is None


@pytest.mark.parametrize("url, words", [
    ("/api/v1/works?area=15a", "Área no válida"),
    ("/api/v1/works?status=abandonada", "Estado no válido"),
    ("/api/v1/works?per_page=501", "per_page"),
    ("/api/v1/works?page=0", "page"),
    ("/api/v1/works?amount_min=-5", "negativos"),
    ("/api/v1/works?year_min=2020&year_max=2010", "posterior"),
    ("/api/v1/works?estado=paralizada", "Parámetro desconocido"),
    ("/api/v1/areas?level=4", "level"),
    ("/api/v1/areas?parent=15&level=1", "más fino"),
    ("/api/v1/areas/1x", "Área no válida"),
    ("/api/v1/aggregates?parent=ABC", "Área no válida"),
    ("/api/v1/alerts?severity=extrema", "Severidad"),
])
def test_bad_parameters_are_clear_json_400(client, officials_works, url, words):
    response = client.get(url)
    assert response.status_code == 400
    assert response.is_json
    assert words in response.get_json()["error"]
    assert "Traceback" not in response.get_data(as_text=True)


@pytest.mark.parametrize("url", ["/api/v1/works/1", "/api/v1/areas/99", "/api/v1/nada",
                                 "/api/v1/works/abc"])
def test_unknown_things_are_json_404(client, officials_works, url):
    response = client.get(url)
    assert response.status_code == 404
    assert response.is_json and response.get_json()["error"]


def test_text_search_is_a_parameter_not_sql(client, officials_works, engine):
    response = client.get("/api/v1/works?q=x'; DROP TABLE work; --")
    assert response.status_code == 200
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT to_regclass('work')")).scalar() is not None


def test_cache_headers_and_conditional_requests(client, officials_works):
    response = client.get(f"/api/v1/works?q={TOKEN}")
    assert "max-age" in response.headers["Cache-Control"]
    etag = response.headers["ETag"]
    again = client.get(f"/api/v1/works?q={TOKEN}", headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert client.get("/api/v1/works?status=x").headers["Cache-Control"] == "no-store"


def test_alerts_endpoint(client, officials_works, engine):
    rule = RULES[0].code
    with engine.begin() as conn:
        conn.execute(sa.text(
            "INSERT INTO alert (infobras_code, rule_code, state, severity, amount_at_risk,"
            " message, ubigeo, severity_rank, rule_name, district_name, region_name)"
            " SELECT :c, :r, 'alerta', 'alta', 123, 'Mensaje de prueba', w.ubigeo, 3, :r,"
            " d.name, d.region_name FROM work w JOIN area d USING (ubigeo)"
            " WHERE w.infobras_code = :c"
            " ON CONFLICT (infobras_code, rule_code) DO UPDATE SET state = 'alerta',"
            " severity = 'alta', amount_at_risk = 123, message = 'Mensaje de prueba'"),
            {"c": FIRST_CODE + 1, "r": rule})
    body = client.get(f"/api/v1/alerts?q={TOKEN}&rule={rule}&severity=alta").get_json()
    assert [(a["infobras_code"], a["amount_at_risk"], a["message"]) for a in body["items"]] == [
        (FIRST_CODE + 1, 123.0, "Mensaje de prueba")]
    assert body["total"] == 1
    detail = client.get(f"/api/v1/works/{FIRST_CODE + 1}").get_json()
    assert rule in [a["rule_code"] for a in detail["alerts"]]
    assert client.get("/api/v1/alerts?rule=inventada").status_code == 400


def test_openapi_is_valid_and_lists_every_route(client, app):
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    document = response.get_json()
    validate(document)
    served = set()
    for rule in app.server.url_map.iter_rules():
        blueprint = rule.endpoint.split(".")[0]
        if blueprint in MY_BLUEPRINTS and rule.endpoint not in ("api.unknown", "api.docs"):
            served.add(re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule))
    assert served and served <= set(document["paths"])
    docs = client.get("/api/docs")
    assert docs.status_code == 200 and "/api/v1/works.gpkg" in docs.get_data(as_text=True)
