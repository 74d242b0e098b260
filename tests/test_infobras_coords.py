"""The INFObras loader's geolocation file (--coords) on the hand-made export of tests/data: each
usable point becomes the work's geometry with the district that contains it and the mismatch
flag; every other row is quarantined with its reason and its work stays on the capital; a
point locates a work its names cannot; re-running changes nothing; a file that breaks
half-way leaves the previous load in place."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
import sqlalchemy as sa

from geodata import infobras
from geodata.runs import LoaderError
from tests.test_infobras import CODES, HISTORY, SAMPLE

COORDS_HEADER = ("Código INFOBRAS", "Latitud", "Longitud", "Fuente")
# The coords file's rows: (code, district the point lies in | a fixed (lon, lat), source),
# and the quarantine code expected for its row (None: used).
INSIDE = "150508"        # 910001 is declared in LUNAHUANA: a point inside it
NEIGHBOUR = "070101"     # 910002 is declared in VENTANILLA: a point in Callao, next door
NARNIA_POINT = "150101"  # 910006's district NARNIA matches nothing: its point says Lima
ROWS = [
    (910001, INSIDE, "INFOBRAS", None),
    (910002, NEIGHBOUR, "INVIERTE.PE", None),
    (910003, "swap", "INFOBRAS", "ubicacion_coordenadas_invertidas"),
    (910004, (0.0, 0.0), "INFOBRAS", "ubicacion_coordenadas_en_cero"),
    (910005, (-78.6, -12.05), "INFOBRAS", "ubicacion_fuera_de_todo_distrito"),  # the sea
    (910006, NARNIA_POINT, "INFOBRAS", None),
    (910007, INSIDE, "INFOBRAS", "ubicacion_obra_en_cuarentena"),   # its date is 31/02
    (919999, INSIDE, "INFOBRAS", "ubicacion_obra_desconocida"),     # no such work
    (910008, (-50.0, 10.0), "INFOBRAS", "ubicacion_fuera_del_peru"),  # the point is
    (910009, ("", "-12.1"), "INFOBRAS", "ubicacion_coordenadas_vacias"),  # checked first
    (910013, INSIDE, "INFOBRAS", "ubicacion_duplicado"),            # repeated below
    (910013, "080106", "INFOBRAS", None),
]


def _point_in(conn: sa.Connection, ubigeo: str) -> tuple[float, float]:
    return tuple(conn.execute(sa.text(
        "SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_PointOnSurface(geom) AS p FROM area"
        " WHERE ubigeo = :u) AS s"), {"u": ubigeo}).one())


@pytest.fixture(scope="module")
def coords_file(national_areas, tmp_path_factory) -> Path:
    """The coords file, with points taken from the district polygons in the database."""
    path = tmp_path_factory.mktemp("coords") / "ubicaciones.csv"
    with national_areas.connect() as conn, path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(COORDS_HEADER)
        for code, where, source, _ in ROWS:
            if where == "swap":
                lon, lat = _point_in(conn, "100702")
                lon, lat = lat, lon
            elif isinstance(where, str):
                lon, lat = _point_in(conn, where)
            else:
                lon, lat = where
            writer.writerow([code, lat, lon, source])
    return path


@pytest.fixture(scope="module")
def loaded(national_areas, coords_file):
    yield infobras.load(SAMPLE, HISTORY, coords_file, engine=national_areas)
    with national_areas.begin() as conn:
        conn.execute(sa.text("DELETE FROM work WHERE infobras_code = ANY(:c)"), {"c": CODES})


def _works(engine: sa.Engine) -> dict[int, dict]:
    with engine.connect() as conn:
        rows = conn.execute(sa.text(
            "SELECT w.infobras_code, w.ubigeo, w.ubigeo_method, w.geom_source, w.coords_ubigeo,"
            " w.location_mismatch, ST_X(w.geom) AS lon, ST_Y(w.geom) AS lat, w.extra,"
            " w.amount_updated, ST_Equals(w.geom, a.capital_point) AS on_capital"
            " FROM work w JOIN area a USING (ubigeo) WHERE infobras_code = ANY(:c)"),
            {"c": CODES})
        return {r["infobras_code"]: dict(r) for r in rows.mappings()}


def test_every_coords_row_is_used_or_quarantined(loaded, national_areas):
    with national_areas.connect() as conn:
        found = dict(conn.execute(sa.text(
            "SELECT row_number, reason_code FROM quarantine WHERE load_run_id = :id"
            " AND reason_code LIKE 'ubicacion_%'"), {"id": loaded.id}).all())
        reasons = dict(conn.execute(sa.text(
            "SELECT reason_code, reason FROM quarantine WHERE load_run_id = :id"
            " AND reason_code LIKE 'ubicacion_%'"), {"id": loaded.id}).all())
    expected = {row: code for row, (*_, code) in enumerate(ROWS, start=2) if code}
    assert found == expected
    assert reasons["ubicacion_coordenadas_invertidas"].startswith(
        "Ubicaciones ubicaciones.csv: latitud y longitud invertidas")
    assert "no está en la exportación" in reasons["ubicacion_obra_desconocida"]
    assert "fila de la exportación está en cuarentena" in reasons["ubicacion_obra_en_cuarentena"]
    assert "repetido (filas 12 y 13): se conserva la fila 13" in reasons["ubicacion_duplicado"]
    assert "ubicaciones ubicaciones.csv: 12 filas leídas, 6 puntos utilizables" in loaded.notes


def test_points_become_the_works_geometry(loaded, national_areas):
    works = _works(national_areas)
    with national_areas.connect() as conn:
        inside, neighbour, lima = (_point_in(conn, u) for u in (INSIDE, NEIGHBOUR, NARNIA_POINT))
    first, second = works[910001], works[910002]
    assert (first["geom_source"], first["coords_ubigeo"], first["location_mismatch"]) == (
        "surveyed", INSIDE, False)
    assert (first["lon"], first["lat"]) == pytest.approx(inside, abs=1e-9)
    assert first["extra"]["fuente_coordenadas"] == "INFOBRAS"
    assert (second["geom_source"], second["coords_ubigeo"], second["location_mismatch"]) == (
        "surveyed", NEIGHBOUR, True)   # declared Ventanilla, surveyed in Callao: flagged
    assert (second["lon"], second["lat"]) == pytest.approx(neighbour, abs=1e-9)
    assert second["extra"]["fuente_coordenadas"] == "INVIERTE.PE"
    narnia = works[910006]    # quarantined by name in the load without points
    assert (narnia["ubigeo"], narnia["ubigeo_method"], narnia["location_mismatch"]) == (
        NARNIA_POINT, "coordenadas", False)
    assert (narnia["lon"], narnia["lat"]) == pytest.approx(lima, abs=1e-9)
    for code in (910003, 910004, 910005):
        work = works[code]   # a broken point: the work stays on its capital
        assert (work["geom_source"], work["on_capital"], work["coords_ubigeo"]) == (
            "district_capital", True, None), code
    last = works[910013]     # the later of its two rows, in its own district
    assert (last["geom_source"], last["coords_ubigeo"], last["location_mismatch"]) == (
        "surveyed", "080106", False)
    assert set(works) == {910001, 910002, 910003, 910004, 910005, 910006, 910013}


def test_second_run_changes_nothing(loaded, national_areas, coords_file):
    run = infobras.load(SAMPLE, HISTORY, coords_file, engine=national_areas)
    assert (run.loaded, run.updated, run.unchanged) == (0, 0, loaded.loaded)
    # 6 points: 910006's month is kept too now that its point locates the work
    assert "historial mensual: 0 puntos nuevos, 0 actualizados, 6 sin cambios" in run.notes


def test_a_file_that_breaks_half_way_keeps_the_previous_load(loaded, national_areas,
                                                             coords_file, tmp_path):
    """Changed works and points, then a history whose last line opens a quote it never
    closes: the csv reader gives up after the works were written, inside the transaction.
    Nothing of the new load stays; the run is recorded as failed with the reason."""
    before = _works(national_areas)
    changed = tmp_path / "cambiado.csv"
    changed.write_text(SAMPLE.read_text(encoding="utf-8").replace("520000 00", "999999 00"),
                       encoding="utf-8")
    moved = tmp_path / "movido.csv"
    moved.write_text(coords_file.read_text(encoding="utf-8").replace(
        "INVIERTE.PE", "INFOBRAS"), encoding="utf-8")
    broken = tmp_path / "avance-roto.csv"
    broken.write_text(HISTORY.read_text(encoding="utf-8") + '910001,"2026-02' + "x" * 200_000
                      + "\n", encoding="utf-8")
    with pytest.raises(LoaderError, match="avance-roto.csv: CSV dañado cerca de la línea 11"):
        infobras.load(changed, broken, moved, engine=national_areas)
    assert _works(national_areas) == before
    assert float(before[910002]["amount_updated"]) == 520000.0
    with national_areas.connect() as conn:
        status, message = conn.execute(sa.text(
            "SELECT status, message FROM load_run WHERE source = :s ORDER BY id DESC LIMIT 1"),
            {"s": str(changed)}).one()
        kept_quarantine = conn.execute(sa.text(
            "SELECT count(*) FROM quarantine q JOIN load_run r ON r.id = q.load_run_id"
            " WHERE r.source = :s"), {"s": str(changed)}).scalar_one()
    assert status == "failed" and "CSV dañado" in message
    assert kept_quarantine == 0   # the quarantine of a failed load is rolled back with it


def test_data_page_counts_the_exports_rows_apart_from_its_companions(loaded, national_areas):
    """/datos: for the export, rows read = loaded + quarantined; the coordinates and history
    files' quarantined rows are not among them (they were, and the sum did not add up)."""
    from queries import data_sources

    with national_areas.connect() as conn:
        own = conn.execute(sa.text(
            "SELECT count(*) FROM quarantine WHERE load_run_id = :r"
            " AND reason_code NOT LIKE 'ubicacion\\_%' AND reason_code NOT LIKE 'historial\\_%'"),
            {"r": loaded.id}).scalar()
        companions = conn.execute(sa.text(
            "SELECT count(*) FROM quarantine WHERE load_run_id = :r"), {"r": loaded.id}
            ).scalar() - own
    assert companions > 0
    stmt = data_sources.source_loads_stmt()
    with national_areas.connect() as conn:
        row = next(r for r in conn.execute(stmt).mappings() if r["kind"] == "infobras")
    assert row["rows_read"] == row["loaded"] + row["quarantined"] + row["duplicates"]
    assert loaded.rows_read == loaded.loaded + loaded.updated + loaded.unchanged + own

