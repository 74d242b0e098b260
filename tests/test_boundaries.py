"""INEI areas loader 1 (polygons) and the areas queries: counts, parent chain, the districts
without polygon, valid geometries, idempotence, transactions, bad files, GeoJSON, search."""

from __future__ import annotations

import gzip
import json
import os
import shutil
import subprocess
import sys

import pytest
import sqlalchemy as sa

from geodata import boundaries, ubigeo
from queries import areas, areas_geojson
from queries.filters import FilterError

pytestmark = pytest.mark.db

NO_POLYGON = {"070105", "070107", "200602", "210103"}
# Budget for a whole level's map GeoJSON, gzipped (what the browser downloads).
GZIP_BUDGET_KB = {1: 60, 2: 120, 3: 300}


def scalar(engine: sa.Engine, sql: str, **params):
    with engine.connect() as conn:
        return conn.execute(sa.text(sql), params).scalar()


def test_counts_per_level(national_areas):
    with national_areas.connect() as conn:
        counts = dict(conn.execute(sa.text(
            "SELECT level, count(*) FROM area GROUP BY level")).all())
        polygons = conn.execute(sa.text(
            "SELECT count(*) FROM area WHERE level = 3 AND geom IS NOT NULL")).scalar()
    assert counts == {1: 25, 2: 196, 3: 1891}
    assert polygons == 1887


def test_every_district_has_a_parent_chain_to_a_region(national_areas):
    chained = scalar(national_areas, """
        SELECT count(*) FROM area d
        JOIN area p ON p.ubigeo = d.parent AND p.level = 2
        JOIN area r ON r.ubigeo = p.parent AND r.level = 1
        WHERE d.level = 3 AND d.region_name = r.name AND d.province_name = p.name""")
    assert chained == 1891


def test_districts_without_polygon_are_flagged_capital_points(national_areas):
    with national_areas.connect() as conn:
        rows = conn.execute(sa.text(
            "SELECT ubigeo, geom_source, flags, geom IS NULL, geom_display IS NULL,"
            " ST_Contains(ST_Buffer((SELECT geom FROM area WHERE ubigeo = left(a.ubigeo, 2)),"
            " 0.1), capital_point), area_km2"
            " FROM area a WHERE 'no_polygon' = ANY(flags) ORDER BY ubigeo")).all()
    assert {r[0] for r in rows} == NO_POLYGON
    for code, source, flags, no_geom, no_display, in_region, area_km2 in rows:
        assert (source, flags, no_geom, no_display, in_region) == (
            "capital_point", ["no_polygon"], True, True, True), code
        assert area_km2 > 0, code   # from the 'aumentado' table's superficie


def test_geometries_are_valid_multipolygons(national_areas):
    assert scalar(national_areas, """
        SELECT count(*) FROM area WHERE geom IS NOT NULL AND (NOT ST_IsValid(geom)
        OR NOT ST_IsValid(geom_display) OR ST_IsEmpty(geom_display)
        OR GeometryType(geom) <> 'MULTIPOLYGON' OR ST_SRID(geom) <> 4326)""") == 0


def test_official_names_and_measured_areas(national_areas):
    with national_areas.connect() as conn:
        names = dict(conn.execute(sa.text(
            "SELECT ubigeo, name FROM area WHERE ubigeo IN ('02', '07', '08', '0813', '1501')"
        )).all())
        region_vs_districts = conn.execute(sa.text(
            "SELECT max(abs(r.area_km2 - s.km2) / r.area_km2) FROM area r JOIN ("
            " SELECT left(ubigeo, 2) AS code, sum(area_km2) AS km2 FROM area"
            " WHERE level = 3 AND geom IS NOT NULL GROUP BY 1) s ON s.code = r.ubigeo")).scalar()
    assert names == {"02": "Áncash", "07": "Callao", "08": "Cusco", "0813": "Urubamba",
                     "1501": "Lima"}
    assert region_vs_districts < 0.01   # the levels share borders: areas add up


def test_second_load_changes_nothing(national_areas):
    again = boundaries.load(engine=national_areas)
    assert (again.loaded, again.updated, again.unchanged) == (0, 0, 2112)
    assert "1,887 polígonos + 4 puntos de capital" in again.summary()
    assert "1,890" in again.summary()   # the TopoJSON source's count, explained


def test_failed_load_keeps_the_previous_data(national_areas, monkeypatch):
    with national_areas.begin() as conn:
        conn.execute(sa.text("UPDATE area SET name = 'Prueba' WHERE ubigeo = '02'"))
    write = boundaries.write

    def fail_on_districts(run, rows):
        if rows and rows[0].level == 3:
            raise RuntimeError("corte simulado")
        write(run, rows)

    monkeypatch.setattr(boundaries, "write", fail_on_districts)
    try:
        with pytest.raises(RuntimeError):
            boundaries.load(engine=national_areas)
        # The regions were rewritten inside the failed transaction, then rolled back.
        assert scalar(national_areas, "SELECT name FROM area WHERE ubigeo = '02'") == "Prueba"
        assert scalar(national_areas, "SELECT status FROM load_run WHERE loader = 'boundaries'"
                                      " ORDER BY id DESC LIMIT 1") == "failed"
    finally:
        with national_areas.begin() as conn:
            conn.execute(sa.text("UPDATE area SET name = 'Áncash' WHERE ubigeo = '02'"))


@pytest.fixture
def data_copy(tmp_path):
    """A writable copy of the shipped data directory, to damage one file."""
    shutil.copytree(boundaries.DEFAULT_DIR, tmp_path / "data")
    return tmp_path / "data"


def _edit_features(path, edit) -> None:
    collection = json.loads(path.read_text(encoding="utf-8"))
    collection["features"] = edit(collection["features"])
    path.write_text(json.dumps(collection), encoding="utf-8")


def test_repairs_and_quarantine(national_areas, data_copy):
    """A self-intersecting polygon is repaired; an orphan, a duplicate and an unknown code
    go to quarantine with their reason; the next good load puts everything back."""
    def provinces(features):
        return [f for f in features if f["properties"]["ubigeo"] != "2501"]

    def districts(features):
        by_code = {f["properties"]["ubigeo"]: f for f in features}
        ring = by_code["010101"]["geometry"]["coordinates"][0]
        west, east = min(x for x, _ in ring), max(x for x, _ in ring)
        south, north = min(y for _, y in ring), max(y for _, y in ring)
        by_code["010101"]["geometry"] = {"type": "Polygon", "coordinates": [[
            [west, south], [east, north], [east, south], [west, north], [west, south]]]}
        unknown = json.loads(json.dumps(by_code["010102"]))
        unknown["properties"]["ubigeo"] = "019999"
        return [*features, by_code["010102"], unknown]

    _edit_features(data_copy / boundaries.LEVEL_FILES[2], provinces)
    _edit_features(data_copy / boundaries.LEVEL_FILES[3], districts)
    orphans = scalar(national_areas, "SELECT count(*) FROM area WHERE parent = '2501'")
    try:
        run = boundaries.load(engine=national_areas, data_dir=data_copy)
        assert dict(run.reasons) == {"sin_padre": orphans, "ubigeo_duplicado": 1,
                                     "ubigeo_no_inei": 1}
        assert "geometrías reparadas (make_valid): 1 (010101)" in run.summary()
        with national_areas.connect() as conn:
            flags, valid, parts = conn.execute(sa.text(
                "SELECT flags, ST_IsValid(geom), ST_NumGeometries(geom) FROM area"
                " WHERE ubigeo = '010101'")).one()
        assert (flags, valid, parts) == (["repaired"], True, 2)
    finally:
        restored = boundaries.load(engine=national_areas)
    assert restored.updated == 1 and restored.quarantined == 0


def test_command_line_exit_code_without_traceback(national_areas, data_copy):
    (data_copy / ubigeo.INEI_TABLE).write_bytes(b"codigo;nombre\n01;Amazonas\n")
    done = subprocess.run([sys.executable, "-m", "geodata.boundaries", "--dir", str(data_copy)],
                          capture_output=True, text=True, env=os.environ.copy(), timeout=120)
    assert done.returncode == 1
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ubigeo_distritos_inei_2025.csv")
    assert "faltan columnas" in lines[0]


@pytest.mark.parametrize("level", [1, 2, 3])
def test_level_geojson(national_areas, level):
    body = areas_geojson.areas_geojson(level)
    collection = json.loads(body)
    polygons = scalar(national_areas, "SELECT count(*) FROM area WHERE level = :l AND geom_display"
                                      " IS NOT NULL", l=level)
    assert len(collection["features"]) == polygons
    first = collection["features"][0]
    assert first["id"] == first["properties"]["ubigeo"] and first["properties"]["name"]
    zipped = len(gzip.compress(body))
    print(f"\nGeoJSON nivel {level}: {len(body):,} bytes, gzip {zipped:,} bytes")
    assert zipped < GZIP_BUDGET_KB[level] * 1024


def test_geojson_under_a_parent_and_points(national_areas):
    cusco = json.loads(areas_geojson.areas_geojson(3, "0801"))
    assert {f["id"][:4] for f in cusco["features"]} == {"0801"}
    assert len(cusco["features"]) == len(areas.children("0801"))
    callao_points = areas_geojson.area_points(3, "07")
    assert {p["ubigeo"] for p in callao_points} == {"070105", "070107"}
    assert {p["ubigeo"] for p in areas_geojson.area_points(3)} == NO_POLYGON
    assert json.loads(areas_geojson.areas_geojson(3, "99"))["features"] == []
    with pytest.raises(FilterError):
        areas_geojson.areas_geojson(2, "0801")   # a province has no provinces below it


def test_area_children_and_breadcrumb(national_areas):
    cusco = areas.area("080101")
    assert (cusco["name"], cusco["province_name"], cusco["region_name"]) == (
        "Cusco", "Cusco", "Cusco")
    assert cusco["west"] < cusco["center_lon"] < cusco["east"]
    assert cusco["south"] < cusco["center_lat"] < cusco["north"]
    assert areas.area("999999") is None and areas.area("x'--") is None
    assert len(areas.children()) == 25 and len(areas.children("07")) == 1
    assert areas.breadcrumb("080101") == [(None, "Perú"), ("08", "Cusco"), ("0801", "Cusco"),
                                          ("080101", "Cusco")]


def test_search_ignores_accents_and_case(national_areas):
    cusco = areas.search_areas("cusco")
    assert [r["ubigeo"] for r in cusco[:3]] == ["08", "0801", "080101"]
    assert areas.search_areas("ancash")[0]["name"] == "Áncash"
    assert areas.search_areas("MI PERU")[0]["ubigeo"] == "070107"
    assert areas.search_areas("ciudad de dios")[0]["name"] == "San Juan de Miraflores"  # capital
    assert areas.search_areas("%") == [] and areas.search_areas("  ") == []
