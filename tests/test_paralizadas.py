"""The real file of 1,151 paralysed or at-risk works: every row accounted for, amounts, the
ubigeo from names against the file's own x_ubigeo, surveyed points and the location mismatch;
plus bad coordinates and bad rows in a small file of the same format."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
import sqlalchemy as sa

from geodata import paralizadas
from geodata import vocabulary as V
from tests.conftest import PARALIZADAS_CSV

ROWS = 1151
TEST_CODES = [9_950_001, 9_950_002, 9_950_003, 9_950_004, 9_950_005]


def _file_rows() -> tuple[list[str], list[dict]]:
    with PARALIZADAS_CSV.open(encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        return list(reader.fieldnames or []), list(reader)


if not PARALIZADAS_CSV.exists():
    pytest.skip(f"falta el archivo real {PARALIZADAS_CSV}", allow_module_level=True)
FILE_CODES = [int(r["cod_infobras"]) for r in _file_rows()[1]]


@pytest.fixture(scope="module")
def loaded(national_areas: sa.Engine):
    """The real file loaded once from its default place. Other test modules share the
    database (and may have loaded the file too): queries here look at the file's codes only,
    and the works are removed at the end."""
    run = paralizadas.load(engine=national_areas)
    yield run
    with national_areas.begin() as conn:
        conn.execute(sa.text("DELETE FROM work WHERE infobras_code = ANY(:c)"),
                     {"c": FILE_CODES + TEST_CODES})


def _one(engine: sa.Engine, sql: str):
    """One row of `sql`, whose FROM is `file_work` (the works of the file)."""
    with engine.connect() as conn:
        return conn.execute(sa.text(
            "WITH file_work AS (SELECT * FROM work WHERE infobras_code = ANY(:codes)) " + sql),
            {"codes": FILE_CODES}).one()


def test_every_row_is_accounted_for(loaded):
    assert loaded.source == str(PARALIZADAS_CSV)
    assert loaded.rows_read == ROWS == len(set(FILE_CODES))
    assert loaded.loaded + loaded.updated + loaded.unchanged + loaded.quarantined == ROWS
    assert loaded.quarantined == 0


def test_amounts_and_statuses(loaded, national_areas):
    works, cost, balance, paralysed, running = _one(national_areas, """
        SELECT count(*), sum(amount_updated) / 1e6,
               sum((extra->>'saldo_inversion')::numeric) / 1e6,
               count(*) FILTER (WHERE status = 'paralizada'),
               count(*) FILTER (WHERE status = 'en_ejecucion')
        FROM file_work""")
    assert works == ROWS
    assert cost == pytest.approx(16_176, abs=1)      # S/ 16,176 M, as the paper says
    assert balance == pytest.approx(6_726, abs=1)    # S/ 6,726 M
    assert (paralysed, running) == (1072, 79)


def test_ubigeo_from_names_agrees_with_the_file(loaded, national_areas):
    same, methods = _one(national_areas, """
        SELECT count(*) FILTER (WHERE ubigeo = extra->>'x_ubigeo'),
               jsonb_object_agg(ubigeo_method, n)
        FROM (SELECT ubigeo, extra, ubigeo_method,
                     count(*) OVER (PARTITION BY ubigeo_method) AS n
              FROM file_work) AS w""")
    assert same == ROWS
    assert methods == {"nombre": 1113, "nombre_aprox": 25, "coordenadas": 12,
                       "nombre_sin_provincia": 1}
    assert "ubigeo igual al x_ubigeo del archivo: 1,151 de 1,151" in loaded.notes


def test_points_are_kept_and_mismatches_flagged(loaded, national_areas):
    surveyed, mismatched, wrong_flag, other_region = _one(national_areas, """
        SELECT count(*) FILTER (WHERE geom_source = 'surveyed'
                                AND ST_X(geom) = (extra->>'longitud')::float8),
               count(*) FILTER (WHERE location_mismatch),
               count(*) FILTER (WHERE location_mismatch AND coords_ubigeo = ubigeo),
               count(*) FILTER (WHERE location_mismatch
                                AND left(coords_ubigeo, 2) <> left(ubigeo, 2))
        FROM file_work""")
    assert surveyed == ROWS
    assert 100 < mismatched < 250 and wrong_flag == 0
    assert other_region >= 1   # the file's notes: a few points even fall in another region
    note = next(n for n in loaded.notes if "location_mismatch" in n)
    assert f": {mismatched:,} obras" in note


def test_source_fields_for_the_alerts(loaded, national_areas):
    last6, both_sources, dated, no_cause = _one(national_areas, """
        SELECT sum((extra->>'paralizada_ult_6_meses')::int),
               count(*) FILTER (WHERE jsonb_array_length(extra->'avance_fisico_por_fuente') = 2),
               count(paralysis_date) FILTER (WHERE status = 'paralizada'),
               count(*) FILTER (WHERE paralysis_cause IS NULL)
        FROM file_work""")
    assert last6 == 727
    assert both_sources == ROWS
    assert dated == 1072 - 51            # 51 paralysed works have no interruption date
    assert no_cause == 0
    assert any("devengado mayor que el costo actualizado: 6 obras" in n for n in loaded.notes)


def test_second_run_changes_nothing(loaded, national_areas):
    run = paralizadas.load(paralizadas.DEFAULT_PATH, engine=national_areas)
    assert (run.loaded, run.updated, run.unchanged, run.quarantined) == (0, 0, ROWS, 0)


def test_bad_points_and_bad_rows(loaded, national_areas, tmp_path):
    header, rows = _file_rows()
    base = rows[0]
    cases = [
        {"cod_infobras": "9950001"},                                   # as it is
        {"cod_infobras": "9950002", "longitud": "0", "latitud": "0"},  # off Africa
        {"cod_infobras": "9950003", "longitud": "-69.0", "latitud": "-9.5"},   # Brazil
        {"cod_infobras": "99SO004"},                                   # broken code
        {"cod_infobras": "9950005", "distrito": "Narnia", "longitud": "", "latitud": ""},
    ]
    path = tmp_path / "paralizadas_2026-05.csv"
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=header)
        writer.writeheader()
        writer.writerows({**base, **case} for case in cases)
    run = paralizadas.load(path, engine=national_areas)
    assert (run.rows_read, run.loaded, run.quarantined) == (5, 3, 2)
    assert dict(run.reasons) == {"valor_invalido": 1, "ubigeo_no_encontrado": 1}
    with national_areas.connect() as conn:
        got = {r[0]: r[1:] for r in conn.execute(sa.text(
            "SELECT infobras_code, geom_source, coords_ubigeo, extra->>'coordenadas_descartadas'"
            " FROM work WHERE infobras_code = ANY(:c)"), {"c": TEST_CODES})}
    assert got[9_950_001][0] == "surveyed"
    assert got[9_950_002][0] == "district_capital" and "en cero" in got[9_950_002][2]
    assert got[9_950_003][0] == "district_capital" and "fuera de todo distrito" in got[9_950_003][2]
    assert got[9_950_002][1] is None


def test_categories_are_written_in_the_one_vocabulary(loaded, national_areas):
    """The file's own spellings ("PROTECCIONREADAPTACION SOCIAL" and "ProteccionReadaptacion
    Social", "AGRICULTURA" and "AGRICULTURA Y RIEGO") are one label each, as in the export."""
    levels, sectors, modalities, kinds = _one(national_areas, """
        SELECT jsonb_object_agg(government_level, n) FILTER (WHERE dim = 'l'),
               jsonb_object_agg(sector, n) FILTER (WHERE dim = 's'),
               jsonb_object_agg(modality, n) FILTER (WHERE dim = 'm'),
               jsonb_object_agg(work_type_1, n) FILTER (WHERE dim = 't')
        FROM (SELECT CASE WHEN grouping(government_level) = 0 THEN 'l'
                          WHEN grouping(sector) = 0 THEN 's'
                          WHEN grouping(modality) = 0 THEN 'm' ELSE 't' END AS dim,
                     government_level, sector, modality, work_type_1, count(*) AS n
              FROM file_work
              GROUP BY GROUPING SETS ((government_level), (sector), (modality),
                                      (work_type_1))) AS g""")
    assert levels == {"Gobierno Local": 818, "Gobierno Nacional": 188, "Gobierno Regional": 145}
    assert sectors["Protección/Readaptación Social"] == 4 + 2
    assert sectors["Agricultura y Riego"] == 126 + 2
    assert sectors["Vivienda, Construcción y Saneamiento"] == 235
    assert kinds["Vivienda, Construcción y Saneamiento"] == 183 + 71
    assert modalities["Administración directa"] == 537 and set(modalities) <= set(V.MODALITIES)


def test_a_work_of_another_source_is_not_overwritten(loaded, national_areas, tmp_path):
    """A code another source stored is quarantined, not overwritten: else two sources that
    share codes overwrite each other on every run."""
    header, rows = _file_rows()
    with national_areas.begin() as conn:
        conn.execute(sa.text(
            "INSERT INTO work (infobras_code, name, ubigeo, status, source)"
            " VALUES (9950006, 'Obra de otra fuente', '150101', 'en_ejecucion', 'infobras')"))
    path = tmp_path / "paralizadas_2026-05.csv"
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=header)
        writer.writeheader()
        writer.writerow({**rows[0], "cod_infobras": "9950006"})
    try:
        run = paralizadas.load(path, engine=national_areas)
        with national_areas.connect() as conn:
            name, source = conn.execute(sa.text(
                "SELECT name, source FROM work WHERE infobras_code = 9950006")).one()
            reason = conn.execute(sa.text(
                "SELECT reason FROM quarantine WHERE load_run_id = :id"), {"id": run.id}
            ).scalar_one()
    finally:
        with national_areas.begin() as conn:
            conn.execute(sa.text("DELETE FROM work WHERE infobras_code = 9950006"))
    assert (run.loaded, run.updated, dict(run.reasons)) == (0, 0, {"codigo_de_otra_fuente": 1})
    assert (name, source) == ("Obra de otra fuente", "infobras")
    assert reason.startswith("Código INFOBRAS 9950006 ya cargado desde la fuente «infobras»")


def test_default_path_is_the_shared_file():
    assert paralizadas.DEFAULT_PATH == PARALIZADAS_CSV
    assert Path(paralizadas.DEFAULT_PATH).exists()


def test_months_without_progress_become_the_month_progress_last_rose():
    from datetime import date

    end_of_may = date(2026, 5, 31)
    assert paralizadas.last_physical_advance(14, end_of_may) == date(2025, 3, 1)
    assert paralizadas.last_physical_advance(0, end_of_may) == date(2026, 5, 1)
    assert paralizadas.last_physical_advance(17, date(2026, 1, 31)) == date(2024, 8, 1)
    assert paralizadas.last_physical_advance(None, end_of_may) is None
    assert paralizadas.last_physical_advance("doce", end_of_may) is None   # kept as text
    assert paralizadas.last_physical_advance(3, None) is None
