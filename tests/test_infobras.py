"""The INFObras loader on a small hand-made export (tests/data, 3 title rows, header on row 4,
good and bad rows) as CSV and as XLSX, its monthly history, idempotence, the transaction, bad
files on the command line, and the demo generator's output with its geolocation file (the
geolocation file on the hand-made export: tests/test_infobras_coords.py)."""

from __future__ import annotations

import contextlib
import csv
import json
import os
import subprocess
import sys
from collections import Counter
from datetime import date, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from openpyxl import Workbook

from geodata import infobras, works
from geodata import vocabulary as V
from geodata.demo.dataset import generate, write
from geodata.runs import LoaderError
from queries import explorer_views
from tests.conftest import ROOT

DATA = Path(__file__).parent / "data"
SAMPLE = DATA / "infobras_muestra.csv"
HISTORY = DATA / "infobras_avance_mensual.csv"
CODES = list(range(910_001, 910_014))
DEMO_DIR = "infobras-demo-generado"

# 1-based row in the file -> reason code, for every row the sample must quarantine.
QUARANTINED = {
    5: "codigo_duplicado",        # 910001 again on row 13 with a later progress date
    10: "ubigeo_no_encontrado",   # district NARNIA
    11: "valor_invalido",         # 31/02/2024
    12: "fuera_de_rango",         # negative cost
    14: "falta_dato",             # no work name
    15: "fechas_incoherentes",    # programmed end before the start
    16: "fuera_de_rango",         # physical progress 120 %
    17: "valor_invalido",         # status "En evaluación"
    18: "valor_invalido",         # code "ABC"
}
HISTORY_QUARANTINED = {
    6: "historial_duplicado",         # 910002, 05/2025 twice
    8: "historial_obra_desconocida",  # 919999 is no work
    9: "historial_fuera_de_rango",    # physical progress 150 %
    10: "historial_obra_desconocida",  # 910006 was quarantined
}
LOCATED = {   # code -> (ubigeo, method)
    910001: ("150508", "nombre"),                   # LIMA / CAÑETE / LUNAHUANA
    910002: ("070106", "nombre"),                   # P C DEL CALLAO / VENTANILLA
    910003: ("100702", "nombre_aprox"),             # HUANUCO / MARA ON / CHOLON
    910004: ("050108", "nombre_sin_provincia"),     # QUINUA declared under HUANTA
    910005: ("110110", "nombre_sin_departamento"),  # Ica's province under HUANCAVELICA
    910013: ("080106", "nombre"),                   # Cusco / cusco / Santiago
}


def _quarantine(engine: sa.Engine, run_id: int) -> list[dict]:
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(sa.text(
            "SELECT row_number, reason_code, reason, record_key FROM quarantine"
            " WHERE load_run_id = :id ORDER BY row_number, reason_code"), {"id": run_id}
        ).mappings()]


def _works(engine: sa.Engine) -> dict[int, dict]:
    with engine.connect() as conn:
        rows = conn.execute(sa.text(
            "SELECT w.*, ST_Equals(w.geom, a.capital_point) AS on_capital FROM work w"
            " JOIN area a USING (ubigeo) WHERE infobras_code = ANY(:c)"), {"c": CODES})
        return {r["infobras_code"]: dict(r) for r in rows.mappings()}


def _split(rows: list[dict]) -> tuple[dict, dict]:
    main = {r["row_number"]: r["reason_code"] for r in rows
            if not r["reason_code"].startswith("historial_")}
    history = {r["row_number"]: r["reason_code"] for r in rows
               if r["reason_code"].startswith("historial_")}
    return main, history


@pytest.fixture(scope="module")
def loaded(national_areas: sa.Engine):
    """The sample and its history, loaded once. The works this module loads are removed at
    the end: other test modules share the database."""
    yield infobras.load(SAMPLE, HISTORY, engine=national_areas)
    with national_areas.begin() as conn:
        conn.execute(sa.text(
            "DELETE FROM work WHERE infobras_code = ANY(:c) OR load_run_id IN"
            " (SELECT id FROM load_run WHERE loader = 'infobras' AND source LIKE :demo)"),
            {"c": CODES, "demo": f"%{DEMO_DIR}%"})


@pytest.fixture(scope="module")
def sample_xlsx(tmp_path_factory) -> Path:
    """The same sample as an Excel file, with typed cells where Excel would have them."""
    rows = list(csv.reader(SAMPLE.open(encoding="utf-8")))
    header = rows[3]
    start = header.index("Fecha de inicio de obra")
    book = Workbook()
    sheet = book.active
    for row in rows[:4]:
        sheet.append(row)
    for row in rows[4:]:
        cells: list = list(row)
        if cells[0].isdigit():
            cells[0] = int(cells[0])
        with contextlib.suppress(ValueError):   # the impossible date and ISO ones stay text
            cells[start] = datetime.strptime(cells[start], "%d/%m/%Y")
        sheet.append(cells)
    path = tmp_path_factory.mktemp("xlsx") / "DataSet-Obras-Publicas 05-05-2026.xlsx"
    book.save(path)
    return path


def test_every_row_is_loaded_or_quarantined(loaded):
    run = loaded
    assert run.rows_read == 15
    assert (run.loaded, run.updated, run.unchanged) == (6, 0, 0)
    assert Counter(run.reasons) == Counter(QUARANTINED.values()) + Counter(
        HISTORY_QUARANTINED.values())


def test_quarantine_rows_and_reasons(loaded, national_areas):
    run = loaded
    rows = _quarantine(national_areas, run.id)
    assert _split(rows) == (QUARANTINED, HISTORY_QUARANTINED)
    reasons = {(r["row_number"], r["reason_code"]): r["reason"] for r in rows}
    assert reasons[(10, "ubigeo_no_encontrado")] == (
        "Distrito no encontrado: 'NARNIA' en provincia 'LIMA', departamento 'LIMA'")
    assert reasons[(5, "codigo_duplicado")] == (
        "Código INFOBRAS 910001 repetido (filas 5 y 13): se conserva la fila 13 (avance "
        "registrado el 20/03/2026)")
    assert reasons[(11, "valor_invalido")] == (
        "Fecha de inicio de obra: fecha inexistente: '31/02/2024'")
    assert "monto negativo" in reasons[(12, "fuera_de_rango")]
    assert reasons[(14, "falta_dato")] == "Falta el dato obligatorio «Nombre de obra»"
    assert reasons[(8, "historial_obra_desconocida")].startswith(
        "Historial infobras_avance_mensual.csv: obra no cargada: código 919999")


def test_loaded_works(loaded, national_areas):
    found = _works(national_areas)
    assert {code: (w["ubigeo"], w["ubigeo_method"]) for code, w in found.items()} == LOCATED
    kept = found[910001]   # the later of the two rows
    assert (kept["last_progress_date"], float(kept["physical_progress"])) == (
        date(2026, 3, 20), 52.0)
    assert all(w["on_capital"] and w["geom_source"] == "district_capital"
               for w in found.values())   # no geolocation file: every work on its capital
    assert {(w["government_level"], w["modality"]) for w in found.values()} == {
        ("Gobierno Local", "Contrata")}   # the export writes "GOBIERNO LOCAL"
    assert {w["source_date"] for w in found.values()} == {date(2026, 5, 5)}   # title row
    assert float(found[910001]["amount_technical_file"]) == 1205287.56        # "1205287 56"
    assert float(found[910003]["amount_updated"]) == 1234567.50               # "S/. 1,234,567.50"
    assert found[910003]["start_date"] == date(2023, 1, 10)                   # ISO date
    assert (found[910001]["cui"], found[910001]["snip"]) == ("2143986", None)  # SNIP "0"
    assert found[910002]["status"] == "paralizada"
    assert found[910001]["extra"] == {   # unmapped columns, the second contract amount too
        "Monto del contrato en soles": "85000 00",
        "Dirección o información de referencia": "Av. Principal s/n"}


def test_history_points(loaded, national_areas):
    with national_areas.connect() as conn:
        months = conn.execute(sa.text(
            "SELECT infobras_code, month, physical_real FROM work_progress"
            " WHERE infobras_code = ANY(:c) ORDER BY 1, 2"), {"c": CODES}).all()
    assert [(c, m.isoformat(), float(p)) for c, m, p in months] == [
        (910001, "2025-11-01", 38.0), (910001, "2025-12-01", 42.0),
        (910001, "2026-01-01", 45.5), (910002, "2025-04-01", 25.0),
        (910002, "2025-05-01", 30.0)]


def test_second_run_changes_nothing(loaded, national_areas):
    run = infobras.load(SAMPLE, HISTORY, engine=national_areas)
    assert (run.loaded, run.updated, run.unchanged) == (0, 0, 6)
    assert "historial mensual: 0 puntos nuevos, 0 actualizados, 5 sin cambios" in run.notes
    with national_areas.connect() as conn:  # the unchanged history leaves them fresh too
        assert explorer_views.views_are_fresh(conn)


def test_a_deferred_refresh_is_done_once_later(loaded, national_areas, database_url):
    """`make load`: loaders with --sin-vistas leave the derived tables stale (never read
    then), and `python -m queries.explorer_views` refreshes them once."""
    def fresh() -> bool:
        with national_areas.connect() as conn:
            return explorer_views.views_are_fresh(conn)

    def refresh() -> str:
        done = subprocess.run([sys.executable, "-m", "queries.explorer_views"],
                              capture_output=True, text=True, cwd=ROOT, timeout=120,
                              env={**os.environ, "DATABASE_URL": database_url})
        assert done.returncode == 0, done.stderr
        return done.stdout

    with national_areas.begin() as conn:
        conn.execute(sa.text("UPDATE work SET name = name WHERE infobras_code = 910001"))
    done = _cli(database_url, str(SAMPLE), "--history", str(HISTORY), "--sin-vistas")
    assert done.returncode == 0, done.stderr
    assert not fresh()
    assert "recalculadas" in refresh()
    assert fresh()
    assert "al día" in refresh()


def test_xlsx_reads_like_the_csv(loaded, national_areas, sample_xlsx):
    run = infobras.load(sample_xlsx, engine=national_areas)
    assert (run.rows_read, run.loaded, run.updated, run.unchanged) == (15, 0, 0, 6)
    main, _ = _split(_quarantine(national_areas, run.id))
    assert main == QUARANTINED


def test_failure_mid_load_keeps_the_earlier_data(loaded, national_areas, tmp_path, monkeypatch):
    changed = tmp_path / "cambiado.csv"
    changed.write_text(SAMPLE.read_text(encoding="utf-8").replace("520000 00", "999999 00"),
                       encoding="utf-8")

    def broken(*args, **kwargs):
        raise RuntimeError("fallo simulado a mitad de la carga")

    monkeypatch.setattr(works, "write_progress", broken)
    with pytest.raises(RuntimeError, match="fallo simulado"):
        infobras.load(changed, HISTORY, engine=national_areas)
    assert float(_works(national_areas)[910002]["amount_updated"]) == 520000.0
    with national_areas.connect() as conn:
        status, message = conn.execute(sa.text(
            "SELECT status, message FROM load_run WHERE source = :s ORDER BY id DESC LIMIT 1"),
            {"s": str(changed)}).one()
    assert (status, message) == ("failed", "fallo simulado a mitad de la carga")


def test_source_date_from_the_file_name():
    name = Path("DataSet-Obras-Publicas 12-10-2026.xlsx")
    assert infobras.source_date(name, ["CONTRALORÍA", "INFOBRAS"]) == date(2026, 10, 12)
    assert infobras.source_date(name, ["Fecha de corte: 05/05/2026"]) == date(2026, 5, 5)


def _bad_files(folder: Path) -> dict[str, tuple[Path, str]]:
    png = folder / "imagen.xlsx"
    png.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(64))
    empty = folder / "vacio.csv"
    empty.write_bytes(b"")
    columns = folder / "columnas.csv"
    columns.write_text("Código INFOBRAS,Nombre de obra,Departamento,Estado de ejecución\n"
                       "1,OBRA,LIMA,En Ejecución\n", encoding="utf-8")
    binary = folder / "binario.csv"
    binary.write_bytes(b"PK" + bytes(range(256)) * 4)
    return {
        "no existe": (folder / "no-existe.xlsx", "No existe el archivo"),
        "vacío": (empty, "El archivo está vacío"),
        "imagen": (png, "no es una hoja de cálculo ni un CSV"),
        "columnas": (columns, "faltan columnas obligatorias: Provincia, Distrito"),
        "binario": (binary, "no es un archivo de texto CSV"),
    }


def _cli(database_url: str, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "DATABASE_URL": database_url}
    return subprocess.run([sys.executable, "-m", "geodata.infobras", *args, "--sin-alertas"],
                          capture_output=True, text=True, env=env, cwd=ROOT, timeout=120)


def _one_error_line(done: subprocess.CompletedProcess, code: int = 1) -> str:
    lines = done.stderr.strip().splitlines()
    assert done.returncode == code, done.stderr
    assert len(lines) == 1 and lines[0].startswith("error: "), done.stderr
    assert "Traceback" not in done.stderr
    return lines[0]


@pytest.mark.parametrize("role", ["export", "--history", "--coords"])
def test_bad_files_give_one_clear_line_and_exit_1(national_areas, database_url, tmp_path,
                                                  role):
    """As the export, the history or the geolocation file: one line, exit 1, nothing loaded."""
    with national_areas.connect() as conn:
        runs_before = conn.execute(sa.text("SELECT count(*) FROM load_run")).scalar_one()
    for case, (path, message) in _bad_files(tmp_path).items():
        if role != "export" and case == "columnas":
            continue   # those columns are an export's; the companions' are checked below
        args = [str(path)] if role == "export" else [str(SAMPLE), role, str(path)]
        assert message in _one_error_line(_cli(database_url, *args)), case
    with national_areas.connect() as conn:   # refused before a load run was even opened
        assert conn.execute(sa.text("SELECT count(*) FROM load_run")).scalar_one() == runs_before


def test_companion_files_with_wrong_columns_are_refused(national_areas, database_url, tmp_path):
    wrong = tmp_path / "otro.csv"
    wrong.write_text("Código INFOBRAS,Avance\n1,2\n", encoding="utf-8")
    line = _one_error_line(_cli(database_url, str(SAMPLE), "--coords", str(wrong)))
    assert "faltan columnas obligatorias: Latitud, Longitud" in line
    line = _one_error_line(_cli(database_url, str(SAMPLE), "--history", str(wrong)))
    assert "faltan columnas obligatorias: Mes" in line


def test_wrong_encoding_and_damaged_csv_are_one_line(national_areas, database_url, tmp_path):
    latin = tmp_path / "latin.csv"   # 0x81 is no character in UTF-8 nor in Windows-1252
    latin.write_bytes(SAMPLE.read_bytes().replace("CAÑETE".encode(), b"CA\x81ETE"))
    assert "codificación no reconocida" in _one_error_line(_cli(database_url, str(latin)))
    damaged = tmp_path / "damaged.csv"   # an unclosed quote half-way: csv gives up mid-file
    damaged.write_text(SAMPLE.read_text(encoding="utf-8") + '910099,"' + "x" * 200_000 + "\n",
                       encoding="utf-8")
    line = _one_error_line(_cli(database_url, str(damaged)))
    assert "CSV dañado cerca de la línea 20" in line and "comillas sin cerrar" in line


def test_help_and_bad_arguments(database_url):
    env = {**os.environ, "DATABASE_URL": database_url}
    done = subprocess.run([sys.executable, "-m", "geodata.infobras", "--help"],
                          capture_output=True, text=True, env=env, cwd=ROOT, timeout=120)
    shown = " ".join(done.stdout.split())   # argparse wraps the lines
    assert done.returncode == 0 and "Avance Físico Real Acumulado (%)" in shown
    assert "--coords" in shown and done.stderr == ""
    line = _one_error_line(subprocess.run(
        [sys.executable, "-m", "geodata.infobras"], capture_output=True, text=True, env=env,
        cwd=ROOT, timeout=120), code=2)
    assert "faltan argumentos obligatorios: ARCHIVO" in line


def test_bad_history_file_is_refused_before_loading(national_areas, tmp_path):
    history = tmp_path / "avance.csv"
    history.write_text("Código INFOBRAS,Avance\n1,2\n", encoding="utf-8")
    with pytest.raises(LoaderError, match="faltan columnas obligatorias: Mes"):
        infobras.load(SAMPLE, history, engine=national_areas)


def test_reads_the_demo_generator_output(loaded, national_areas, tmp_path):
    """The generator's export (xlsx), history and geolocation file load; every row it damaged
    on purpose is quarantined at its row number, and each point lands in the district the
    generator put it in."""
    dataset = generate(600, seed=5)
    paths = write(dataset, tmp_path / DEMO_DIR, "xlsx")
    summary = json.loads(paths["summary"].read_text(encoding="utf-8"))
    run = infobras.load(paths["xlsx"], paths["history"], paths["coords"], engine=national_areas)
    rows = _quarantine(national_areas, run.id)
    main, _ = _split(rows)
    export_rows = {r: c for r, c in main.items() if not c.startswith("ubicacion_")}
    coords_rows = {r: c for r, c in main.items() if c.startswith("ubicacion_")}
    assert run.rows_read == 600
    assert run.loaded + run.updated + run.unchanged + len(export_rows) == 600
    expected = {"fecha_invalida": "valor_invalido", "monto_negativo": "fuera_de_rango"}
    for kind, code in expected.items():
        for bad in summary["filas_defectuosas"][kind]:
            assert export_rows.get(bad["fila"]) == code, (kind, bad)
    duplicated = {str(bad["codigo"]) for bad in summary["filas_defectuosas"]["codigo_duplicado"]}
    assert duplicated == {r["record_key"] for r in rows if r["reason_code"] == "codigo_duplicado"}

    located = dataset.locations.set_index("infobras_code")
    good = located[located["kind"] == ""]
    stored = _demo_works(national_areas, run.id)
    for bad in summary["filas_defectuosas"]["distrito_desconocido"]:
        code = int(bad["codigo"])
        if code in good.index:   # names fail, the surveyed point does not
            assert stored[code]["ubigeo_method"] == "coordenadas", bad
            assert stored[code]["ubigeo"] == good.loc[code, "at"], bad
        else:
            assert export_rows.get(bad["fila"]) == "ubigeo_no_encontrado", bad
    coords_kinds = {"invertidas": "ubicacion_coordenadas_invertidas",
                    "cero": "ubicacion_coordenadas_en_cero",
                    "fuera_del_peru": "ubicacion_fuera_del_peru",
                    "fuera_de_distritos": "ubicacion_fuera_de_todo_distrito",
                    "codigo_desconocido": "ubicacion_obra_desconocida"}
    broken = summary["ubicaciones"]["filas_defectuosas"]
    assert sum(len(b) for b in broken.values()) >= len(coords_kinds)
    for kind, code in coords_kinds.items():
        for bad in broken[kind]:
            assert coords_rows.get(bad["fila"]) == code, (kind, bad)
    assert set(coords_rows.values()) <= {*coords_kinds.values(), "ubicacion_obra_en_cuarentena"}

    surveyed = {c: w for c, w in stored.items() if w["geom_source"] == "surveyed"}
    assert set(surveyed) <= set(good.index)
    assert len(surveyed) == len(good) - sum(c == "ubicacion_obra_en_cuarentena"
                                            for c in coords_rows.values())
    assert len(surveyed) > 0.7 * len(stored)   # most works, not all
    for code, work in surveyed.items():
        assert (work["lon"], work["lat"]) == pytest.approx(
            (good.loc[code, "lon"], good.loc[code, "lat"]), abs=1e-9)
        if good.loc[code, "at"]:          # the generator knows the polygon it fell in
            assert work["coords_ubigeo"] == good.loc[code, "at"], code
    mismatched = [w for w in surveyed.values() if w["location_mismatch"]]
    assert 0 < len(mismatched) < 0.15 * len(surveyed)
    assert all(w["coords_ubigeo"] != w["ubigeo"] for w in mismatched)
    vocabularies = {"government_level": V.GOVERNMENT_LEVELS, "modality": V.MODALITIES,
                    "sector": V.SECTORS, "work_type_1": V.WORK_TYPES}
    for field, vocabulary in vocabularies.items():   # the export's spellings, made canonical
        assert {w[field] for w in stored.values()} <= set(vocabulary), field


def _demo_works(engine: sa.Engine, run_id: int) -> dict[int, dict]:
    with engine.connect() as conn:
        rows = conn.execute(sa.text(
            "SELECT infobras_code, ubigeo, ubigeo_method, geom_source, coords_ubigeo,"
            " location_mismatch, ST_X(geom) AS lon, ST_Y(geom) AS lat, government_level,"
            " modality, sector, work_type_1 FROM work WHERE load_run_id = :id"), {"id": run_id})
        return {r["infobras_code"]: dict(r) for r in rows.mappings()}
