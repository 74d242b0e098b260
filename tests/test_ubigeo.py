"""INEI areas loader 2 (population, capitals, missing surfaces): sums, quarantine of the rows
that name no area, idempotence, transactions and bad files."""

from __future__ import annotations

import csv
import shutil

import pytest
import sqlalchemy as sa

from geodata import boundaries, ubigeo
from geodata.runs import run_cli

pytestmark = pytest.mark.db

NATIONAL_POPULATION = 34_350_244   # INEI projection at 30/06/2025 (PROVENANCE.md)


def test_population_is_summed_up_the_levels(national_areas):
    with national_areas.connect() as conn:
        per_level = dict(conn.execute(sa.text(
            "SELECT level, sum(population) FROM area GROUP BY level")).all())
        wrong_sums = conn.execute(sa.text(
            "SELECT count(*) FROM area p WHERE p.level < 3 AND p.population IS DISTINCT FROM"
            " (SELECT sum(d.population) FROM area d"
            "  WHERE d.level = 3 AND left(d.ubigeo, 2 * p.level) = p.ubigeo)")).scalar()
        missing = conn.execute(sa.text(
            "SELECT count(*) FROM area WHERE population IS NULL OR capital IS NULL")).scalar()
    assert per_level == {1: NATIONAL_POPULATION, 2: NATIONAL_POPULATION,
                         3: NATIONAL_POPULATION}
    assert wrong_sums == 0 and missing == 0


def test_capitals_and_surfaces_from_the_tables(national_areas):
    with open(ubigeo.DEFAULT_DIR / ubigeo.DISTRICT_EXTRA, encoding="utf-8") as f:
        surfaces = {r["inei"]: r["superficie"] for r in csv.DictReader(f)}
    with national_areas.connect() as conn:
        capitals = dict(conn.execute(sa.text(
            "SELECT ubigeo, capital FROM area WHERE ubigeo IN ('12', '0801', '150133')")).all())
        no_polygon = dict(conn.execute(sa.text(
            "SELECT ubigeo, area_km2 FROM area WHERE geom IS NULL")).all())
    assert capitals == {"12": "Huancayo", "0801": "Cusco", "150133": "Ciudad de Dios"}
    assert len(no_polygon) == 4
    assert no_polygon == {code: float(surfaces[code]) for code in no_polygon}


def test_rows_without_area_are_quarantined_with_the_reason(national_areas):
    with national_areas.connect() as conn:
        rows = conn.execute(sa.text(
            "SELECT reason_code, record_key, reason FROM quarantine WHERE load_run_id ="
            " (SELECT max(id) FROM load_run WHERE loader = 'ubigeo' AND status = 'ok')"
            " ORDER BY record_key")).all()
    assert [(r[0], r[1]) for r in rows] == [
        ("ubigeo_sin_area", "150144"), ("ubigeo_sin_area", "160109"),
        ("ubigeo_sin_area", "160114"), ("sin_codigo_inei", None)]
    assert all(r[2].startswith("ubigeo_distrito_aumentado.csv: ") for r in rows)


def test_second_load_changes_nothing(national_areas):
    again = ubigeo.load(engine=national_areas)
    assert (again.loaded, again.updated, again.unchanged) == (0, 0, 2112)
    assert f"{NATIONAL_POPULATION:,}" in again.summary()


@pytest.fixture
def data_copy(tmp_path):
    """A writable copy of the shipped data directory, to damage one file."""
    shutil.copytree(ubigeo.DEFAULT_DIR, tmp_path / "data")
    return tmp_path / "data"


def test_failed_load_keeps_the_previous_data(national_areas, data_copy):
    with national_areas.begin() as conn:
        conn.execute(sa.text("UPDATE area SET population = 1 WHERE ubigeo = '080101'"))
    # The region table is read last, after the districts were written in the transaction.
    (data_copy / ubigeo.REGION_EXTRA).write_text("inei,nombre\n010000,Amazonas\n")
    try:
        with pytest.raises(ubigeo.LoaderError):
            ubigeo.load(engine=national_areas, data_dir=data_copy)
        with national_areas.connect() as conn:
            assert conn.execute(sa.text(
                "SELECT population FROM area WHERE ubigeo = '080101'")).scalar() == 1
    finally:
        ubigeo.load(engine=national_areas)


INEI_HEADER = ",".join(ubigeo.INEI_COLUMNS).encode() + b"\n"
BOUNDARY = boundaries.LEVEL_FILES[2]
BAD_FILES = {   # id: (loader, file, content (None = deleted), start of the message)
    "csv_missing": (ubigeo, ubigeo.INEI_TABLE, None, "No existe el archivo"),
    "csv_empty": (ubigeo, ubigeo.INEI_TABLE, b"", "El archivo está vacío"),
    "csv_columns": (ubigeo, ubigeo.INEI_TABLE, b"ubigeo,distrito\n010101,Chachapoyas\n",
                    "ubigeo_distritos_inei_2025.csv: faltan columnas obligatorias"),
    "csv_pdf": (ubigeo, ubigeo.INEI_TABLE, b"%PDF-1.7\n\x00\x01",
                "ubigeo_distritos_inei_2025.csv no es una hoja de cálculo ni un CSV"),
    "csv_encoding": (ubigeo, ubigeo.INEI_TABLE,
                     INEI_HEADER + b"010102,Amazonas,Chachapoyas,Asunci\x81n,X,269,-6,-77\n",
                     "ubigeo_distritos_inei_2025.csv: codificación no reconocida"),
    "csv_header_only": (ubigeo, ubigeo.INEI_TABLE, INEI_HEADER,
                        "ubigeo_distritos_inei_2025.csv no tiene filas de datos"),
    "csv_for_boundaries": (boundaries, ubigeo.INEI_TABLE, b"", "El archivo está vacío"),
    "geojson_missing": (boundaries, BOUNDARY, None, "No existe el archivo"),
    "geojson_empty": (boundaries, BOUNDARY, b"",
                      "peru_provincias.geojson no se puede leer como GeoJSON"),
    "geojson_png": (boundaries, BOUNDARY, b"\x89PNG\r\n\x1a\n\x00\x00",
                    "peru_provincias.geojson no se puede leer como GeoJSON"),
    "geojson_no_features": (boundaries, BOUNDARY, b'{"type":"FeatureCollection","features":[]}',
                            "peru_provincias.geojson no tiene elementos"),
    "geojson_no_ubigeo": (boundaries, BOUNDARY, b'{"type":"FeatureCollection","features":[{'
                          b'"type":"Feature","properties":{"code":"01"},"geometry":'
                          b'{"type":"Point","coordinates":[-77,-6]}}]}',
                          "peru_provincias.geojson: falta la propiedad «ubigeo»"),
}


@pytest.mark.parametrize("case", BAD_FILES.values(), ids=BAD_FILES.keys())
def test_bad_file_is_one_clear_line(national_areas, data_copy, capsys, case):
    loader, name, content, message = case
    path = data_copy / name
    if content is None:
        path.unlink()
    else:
        path.write_bytes(content)
    assert run_cli(loader.main, ["--dir", str(data_copy)]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"error: {message}") and err.count("\n") == 1
