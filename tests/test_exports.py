"""Open-data downloads: the exact filtered selection in CSV, GeoJSON, GeoPackage and OC4IDS."""

from __future__ import annotations

import csv
import io
import json

import geopandas as gpd
import pytest

from dashboard.routes.exports import aggregate_urls, csv_lines, download_urls
from layers import oc4ids
from tests.officials_support import FIRST_CODE, TOKEN, WORKS

pytest_plugins = ["tests.officials_support"]
pytestmark = pytest.mark.db
SELECTION = f"q={TOKEN}"
INVESTMENT = {w["infobras_code"]: w["amount_updated"] or w["amount_contract"] for w in WORKS}


def _csv_rows(response) -> list[dict]:
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff"), "the CSV starts with a BOM so Excel reads UTF-8"
    return list(csv.DictReader(io.StringIO(text[1:])))


def test_csv_is_the_selection_and_matches_the_aggregates(client, officials_works):
    response = client.get(f"/api/v1/works.csv?{SELECTION}")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = _csv_rows(response)
    assert sorted(int(r["infobras_code"]) for r in rows) == sorted(INVESTMENT)
    csv_total = sum(float(r["amount_investment"]) for r in rows)
    assert csv_total == pytest.approx(sum(INVESTMENT.values()))

    regions = client.get(f"/api/v1/aggregates?level=1&{SELECTION}").get_json()["items"]
    assert sum(r["investment"] for r in regions) == pytest.approx(csv_total)
    assert sum(r["works"] for r in regions) == len(rows)
    assert sum(r["paralysed"] for r in regions) == sum(r["status"] == "paralizada" for r in rows)
    lima = next(r for r in regions if r["ubigeo"] == "15")
    assert lima["investment"] == pytest.approx(
        sum(float(r["amount_investment"]) for r in rows if r["ubigeo"].startswith("15")))


def test_csv_follows_every_filter(client, officials_works, names):
    rows = _csv_rows(client.get(f"/api/v1/works.csv?{SELECTION}&area=15&status=paralizada"))
    assert [int(r["infobras_code"]) for r in rows] == [FIRST_CODE + 1]
    assert rows[0]["status_label"] == "Paralizada"
    assert rows[0]["district"] == names["150101"]


def test_csv_streams_in_chunks_with_one_header():
    chunks = list(csv_lines(["a", "b"], ([i, f"x{i}"] for i in range(5)), chunk=2))
    assert len(chunks) == 3
    text = "".join(chunks)
    assert text.startswith("\ufeffa,b\r\n")
    assert text.count("\r\n") == 6


def test_geopackage_reopens_with_the_same_rows_and_geometries(client, officials_works, tmp_path):
    response = client.get(f"/api/v1/works.gpkg?{SELECTION}")
    assert response.status_code == 200
    path = tmp_path / "obras.gpkg"
    path.write_bytes(response.data)
    frame = gpd.read_file(path, layer="obras")
    assert frame.crs.to_epsg() == 4326
    assert sorted(frame["infobras_code"]) == sorted(INVESTMENT)
    for work in WORKS:
        geometry = frame.loc[frame["infobras_code"] == work["infobras_code"], "geometry"].iloc[0]
        if work["geom"] is None:
            assert geometry is None or geometry.is_empty
        else:
            x, y = work["geom"].split("(")[1].rstrip(")").split()
            assert (geometry.x, geometry.y) == pytest.approx((float(x), float(y)))
    assert frame["amount_investment"].sum() == pytest.approx(sum(INVESTMENT.values()))


def test_geojson_parses_with_the_same_count(client, officials_works):
    response = client.get(f"/api/v1/works.geojson?{SELECTION}")
    assert response.status_code == 200
    collection = json.loads(response.data)
    assert collection["type"] == "FeatureCollection"
    assert len(collection["features"]) == len(WORKS)
    located = [f for f in collection["features"] if f["geometry"]]
    assert len(located) == sum(w["geom"] is not None for w in WORKS)
    first = next(f for f in collection["features"]
                 if f["properties"]["infobras_code"] == FIRST_CODE)
    assert first["properties"]["start_date"] == "2021-03-01"


def test_bad_export_parameters_are_json_errors(client, officials_works):
    for query in ("status=roto", "area=1", "amount_max=abc", "formato=xls"):
        response = client.get(f"/api/v1/works.gpkg?{query}")
        assert response.status_code == 400, query
        assert response.is_json and response.get_json()["error"]


def test_oc4ids_package(client, officials_works):
    package = client.get(f"/api/v1/oc4ids.json?{SELECTION}").get_json()
    assert package["version"] == "0.9"
    assert package["publisher"]["name"]
    projects = {p["id"]: p for p in package["projects"]}
    assert set(projects) == {oc4ids.project_id(code) for code in INVESTMENT}
    statuses = {"identification", "preparation", "implementation", "completion", "completed",
                "cancelled"}
    assert all(p["status"] in statuses for p in projects.values())

    paralysed = projects[oc4ids.project_id(FIRST_CODE + 1)]
    assert paralysed["status"] == "implementation"
    assert paralysed["statusDetails"] == "Paralizada: Falta de recursos"
    assert paralysed["budget"]["amount"] == {"amount": 2_500_000.0, "currency": "PEN"}
    location = paralysed["locations"][0]
    assert location["geometry"] == {"type": "Point", "coordinates": [-77.04, -12.06]}
    assert location["gazetteer"]["identifiers"] == ["150101"]
    construction = paralysed["contractingProcesses"][0]["summary"]
    modifications = {m["type"]: m for m in construction["modifications"]}
    assert modifications["value"]["newContractValue"]["amount"] == 2_300_000.0
    assert modifications["duration"]["newContractPeriod"]["endDate"].startswith("2023-01-01")
    contractor = next(p for p in paralysed["parties"] if "supplier" in p["roles"])
    assert contractor["identifier"] == {"scheme": "PE-RUC", "id": "20100000003",
                                        "legalName": "Consorcio Dos"}

    finished = projects[oc4ids.project_id(FIRST_CODE + 2)]
    assert finished["status"] == "completion"
    assert finished["completion"]["finalValue"]["amount"] == 800_000.0
    assert "33.3 %" in finished["completion"]["finalValueDetails"]
    supervised = projects[oc4ids.project_id(FIRST_CODE)]
    assert [p["summary"]["nature"] for p in supervised["contractingProcesses"]] == [
        ["construction"], ["supervision"]]


def test_oc4ids_pages(client, officials_works):
    first = client.get(f"/api/v1/oc4ids.json?{SELECTION}&per_page=4").get_json()
    assert len(first["projects"]) == 4
    second = client.get(first["links"]["next"].split("localhost", 1)[1]).get_json()
    assert len(second["projects"]) == len(WORKS) - 4
    assert "links" not in second
    assert client.get("/api/v1/oc4ids.json?per_page=1001").status_code == 400


def test_download_links_of_a_page_give_the_selection(client, officials_works):
    links = download_urls(officials_works.with_area("15"))
    assert set(links) == {"CSV", "GeoJSON", "GeoPackage", "OC4IDS"}
    assert len(_csv_rows(client.get(links["CSV"]))) == 4
    assert len(json.loads(client.get(links["GeoJSON"]).data)["features"]) == 4
    assert len(client.get(links["OC4IDS"]).get_json()["projects"]) == 4
    assert client.get(links["GeoPackage"]).status_code == 200
    per_province = client.get(aggregate_urls(officials_works, 2, "15")["JSON"]).get_json()
    assert sum(a["works"] for a in per_province["items"]) == 4


@pytest.fixture(scope="module")
def officials_alerts(officials_works, national_areas):
    """The rules applied to the hand-made works; their alerts are removed afterwards (other
    modules on this database count the alerts of these works)."""
    import sqlalchemy as sa

    from geodata import alerts as engine_alerts
    from tests.officials_support import SOURCE_DATE

    engine_alerts.recompute(national_areas, as_of=SOURCE_DATE)
    yield officials_works
    with national_areas.begin() as conn:
        conn.execute(sa.text("DELETE FROM alert WHERE infobras_code = ANY(:codes)"),
                     {"codes": [w["infobras_code"] for w in WORKS]})


def _api_alerts(client, query: str) -> list[dict]:
    body = client.get(f"/api/v1/alerts?{query}&per_page=100").get_json()
    assert body["total"] == len(body["items"]) > 0, "the selection must hold alerts"
    return body["items"]


def test_alerts_csv_is_every_alert_of_the_selection(client, officials_alerts):
    expected = _api_alerts(client, SELECTION)
    response = client.get(f"/api/v1/alerts.csv?{SELECTION}")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"].startswith('attachment; filename="alertas-')
    rows = _csv_rows(response)
    assert [(int(r["infobras_code"]), r["rule_code"]) for r in rows] == [
        (a["infobras_code"], a["rule_code"]) for a in expected]
    assert sum(float(r["amount_at_risk"] or 0) for r in rows) == pytest.approx(
        sum(a["amount_at_risk"] or 0 for a in expected))
    assert all(json.loads(r["evidence"]) for r in rows)   # the evidence travels as JSON text
    severe = _csv_rows(client.get(f"/api/v1/alerts.csv?{SELECTION}&severity=alta"))
    assert severe and {r["severity"] for r in severe} == {"alta"}
    assert len(severe) == len(_api_alerts(client, f"{SELECTION}&severity=alta"))


def test_alerts_geopackage_and_geojson_reopen_with_the_works_points(client, officials_alerts,
                                                                    tmp_path):
    expected = _api_alerts(client, SELECTION)
    path = tmp_path / "alertas.gpkg"
    path.write_bytes(client.get(f"/api/v1/alerts.gpkg?{SELECTION}").data)
    frame = gpd.read_file(path, layer="alertas")
    assert frame.crs.to_epsg() == 4326 and len(frame) == len(expected)
    points = {w["infobras_code"]: w["geom"] for w in WORKS}
    for _, row in frame.iterrows():
        geom = points[row["infobras_code"]]
        if geom is None:
            assert row.geometry is None or row.geometry.is_empty
        else:
            x, y = geom.split("(")[1].rstrip(")").split()
            assert (row.geometry.x, row.geometry.y) == pytest.approx((float(x), float(y)))
    collection = json.loads(client.get(f"/api/v1/alerts.geojson?{SELECTION}").data)
    assert collection["name"] == "alertas" and len(collection["features"]) == len(expected)
    assert client.get("/api/v1/alerts.gpkg?severity=grave").status_code == 400


def test_area_metrics_with_their_shapes(client, officials_works, tmp_path):
    table = client.get(f"/api/v1/aggregates?level=3&parent=15&{SELECTION}").get_json()["items"]
    path = tmp_path / "indicadores.gpkg"
    path.write_bytes(client.get(f"/api/v1/aggregates.gpkg?level=3&parent=15&{SELECTION}").data)
    frame = gpd.read_file(path, layer="indicadores")
    assert sorted(frame["ubigeo"]) == sorted(a["ubigeo"] for a in table)
    assert all(u.startswith("15") and len(u) == 6 for u in frame["ubigeo"])
    assert frame["works"].sum() == sum(a["works"] for a in table) == 4
    polygons = frame[frame["geom_source"] == "polygon"]
    assert len(polygons) and set(polygons.geometry.geom_type) <= {"Polygon", "MultiPolygon"}
    lima = frame.loc[frame["ubigeo"] == "150101"].iloc[0]
    assert lima.geometry.contains(gpd.points_from_xy([-77.03], [-12.05])[0])
    regions = json.loads(client.get(f"/api/v1/aggregates.geojson?level=1&{SELECTION}").data)
    assert len(regions["features"]) == 25
    assert sum(f["properties"]["works"] for f in regions["features"]) == len(WORKS)
    links = aggregate_urls(officials_works, 2, "15")
    assert set(links) == {"CSV", "GeoJSON", "GeoPackage", "JSON"}
    assert len(json.loads(client.get(links["GeoJSON"]).data)["features"]) == 10  # Lima's
