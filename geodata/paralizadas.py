"""Load the real file of paralysed or at-risk works (May 2026, 1,151 works) into `work`.

`python -m geodata.paralizadas [FILE]`; by default ../shared/data/obras/
obras_paralizadas_alertas_2026-05.csv (used in place, never copied: it states no licence).
Columns are described in ../shared/data/PROVENANCE.md. Every row is either loaded or
quarantined with its reason. The declared district comes from the names (the file's own
x_ubigeo is only compared against); the surveyed point is kept as the work's geometry, the
district containing it is stored too, and a point outside the declared district is flagged
(`location_mismatch`), never moved. Points that are invalid or outside Peru are replaced by
the district capital, with the reason in `extra`. Figures that contradict each other are loaded
as they are and listed in the summary.

No monthly history is built: the file has only the latest cumulative figures and the date of
the last report, which is not the date progress last moved (a work paralysed since 2018 reports
the same 60 % every month), so a series from it would be invented.
"""

from __future__ import annotations

import calendar
import contextlib
import re
import sys
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from geodata import works
from geodata.names import DistrictMatcher, districts_at
from geodata.parsing import clean_text, parse_date, parse_float, parse_int
from geodata.runs import Parser, Run, load_run, run_cli
from geodata.shared_data import shared_data_dir
from geodata.sheets import open_sheet
from geodata.works import Kept, Layout

LOADER = "paralizadas"
ROOT = Path(__file__).resolve().parent.parent
FILE_NAME = "obras_paralizadas_alertas_2026-05.csv"
DEFAULT_PATH = shared_data_dir() / "obras" / FILE_NAME

# File column -> work column. Physical progress and its date are INFObras's (the other source,
# Invierte.pe, stays in extra); everything not listed here goes to extra under its own name.
COLUMNS: dict[str, str] = {
    "cod_infobras": "infobras_code", "cui": "cui", "nombre_obra": "name",
    "descripcion_inversion": "project_name", "modalidad_ejecucion": "modality",
    "nivel_gobierno": "government_level", "sector": "sector", "entidad": "entity",
    "tipo_obra_n1": "work_type_1", "tipo_obra_n2": "work_type_2", "tipo_obra_n3": "work_type_3",
    "departamento": "declared_department", "provincia": "declared_province",
    "distrito": "declared_district", "fecha_inicio_obra": "start_date",
    "monto_exp_tecnico": "amount_technical_file", "costo_actualizado": "amount_updated",
    "devengado_acumulado": "amount_accrued", "avance_financiero": "financial_progress",
    "avance_fisico_infobras": "physical_progress",
    "fecha_ult_avance_fisico_infobras": "last_progress_date",
    "estado_hist_infobras": "status", "causal_paralizacion": "paralysis_cause",
}
REQUIRED = ("cod_infobras", "nombre_obra", "departamento", "provincia", "distrito",
            "estado_hist_infobras", "longitud", "latitud")
REQUIRED_VALUES = ("infobras_code", "name", "status")
MONTHS_WITHOUT_PROGRESS = "sin_avance_fisico"
PARALYSIS_START = "fecha_inicio_max_interrupcion"   # dd-mm-yyyy; the paralysis date of a
                                                    # paralysed work (longest interruption)


def _iso_date(value: Any) -> str | None:
    day = parse_date(value)
    return None if day is None else day.isoformat()


# How each extra column is typed in work.extra (a value that does not parse is kept as text).
_INTEGERS = ("Nro", "anio_inicio", "meses_ult_deveng", "obra_unica", "en_contraloria", "en_mef",
             "sin_avance_fisico", "sin_avance_financiero", "paralizada_ult_6_meses",
             "Pobl_afectada")
_NUMBERS = ("saldo_inversion", "avance_fisico_invierte", "avance_fisico_analisis",
            "brecha_financiera", "longitud", "latitud")
_DATES = ("fecha_ult_devengado", "fecha_ult_avance_fisico_invierte", "fecha_est_sit_F12B",
          PARALYSIS_START)
EXTRA_TYPES: dict[str, Callable[[Any], Any]] = {
    **dict.fromkeys(_INTEGERS, parse_int), **dict.fromkeys(_NUMBERS, parse_float),
    **dict.fromkeys(_DATES, _iso_date)}

NOTE_CODES = 10   # codes listed per data-quality note


def source_date(path: Path) -> date | None:
    """'..._2026-05.csv' -> 31 May 2026 (the file gives the situation at the end of May)."""
    if match := re.search(r"(20\d{2})-(\d{2})(?!\d)", path.name):
        year, month = int(match[1]), int(match[2])
        if 1 <= month <= 12:
            return date(year, month, calendar.monthrange(year, month)[1])
    return None


def load(path: str | Path = DEFAULT_PATH, engine: sa.Engine | None = None,
         refresh_views: bool = True) -> Run:
    """Load the file; returns the finished run (every row loaded or quarantined)."""
    sheet = open_sheet(path, REQUIRED)
    when = source_date(sheet.path)
    with load_run(LOADER, str(path), when, engine=engine, refresh_views=refresh_views) as run:
        layout = Layout.of(sheet.headers, COLUMNS)
        rows = _read(run, sheet.rows, layout)
        _place(run.conn, rows)
        matcher = DistrictMatcher.from_db(run.conn)
        kept: dict[int, Kept] = {}
        for row in rows:
            if problems := works.locate(row.record, matcher):
                works.quarantine_row(run, row.number, problems, row.raw, row.record)
            else:
                works.keep_latest(run, kept, Kept(row.number, row.record), layout)
        works.keep_own(run, kept, layout)
        places = works.district_places(run.conn)
        records = [_finish(k.record, places, when)
                   for k in sorted(kept.values(), key=lambda k: k.row_number)]
        works.write_works(run, ({**r, "extra": works.extra_json(r["extra"])} for r in records))
        for line in _notes(records, when):
            run.note(line)
    return run


@dataclass(slots=True)
class _Row:
    """A parsed row: its number in the file, the work record, the raw cells, and the surveyed
    (lon, lat) when it is usable."""

    number: int
    record: dict[str, Any]
    raw: dict[str, Any]
    point: tuple[float, float] | None


def _read(run: Run, rows: Iterable[tuple[int, list[Any]]], layout: Layout) -> list[_Row]:
    parsed = []
    for number, cells in rows:
        if all(c in (None, "") for c in cells):
            continue
        run.rows_read += 1
        record, problems = layout.read(cells)
        problems += works.missing(record, REQUIRED_VALUES, layout)
        problems += works.check_figures(record, layout)
        raw = layout.raw(cells)
        if problems:
            works.quarantine_row(run, number, problems, raw, record)
            continue
        record["extra"] = _extra(cells, layout, record)
        point, why = _point(record["extra"])
        if why:
            record["extra"]["coordenadas_descartadas"] = why
        parsed.append(_Row(number, record, raw, point))
    return parsed


def _place(conn: sa.Connection, rows: Sequence[_Row]) -> None:
    """Keep each usable point as the work's geometry with the district that contains it (or
    the nearest, just off the coast); a point far from every district is discarded."""
    surveyed = [row for row in rows if row.point]
    for row, at in zip(surveyed, districts_at(conn, [r.point for r in surveyed]), strict=True):
        extra = row.record["extra"]
        if at.ubigeo is None:
            extra["coordenadas_descartadas"] = works.far_from_districts(at).message
            continue
        works.set_point(row.record, row.point, at)


def _extra(cells: Sequence[Any], layout: Layout, record: Mapping[str, Any]) -> dict[str, Any]:
    """Unmapped columns under their own names, typed where they parse, plus physical progress
    by source (INFObras's is the work's; Invierte.pe's is kept beside it)."""
    extra = {}
    for i, name in layout.extra:
        value = cells[i] if i < len(cells) else None
        try:
            extra[name] = EXTRA_TYPES.get(name, clean_text)(value)
        except ValueError:
            extra[name] = clean_text(value)
    last = record.get("last_progress_date")
    extra["avance_fisico_por_fuente"] = [
        {"fuente": "INFObras", "avance": record.get("physical_progress"),
         "fecha": last and last.isoformat()},
        {"fuente": "Invierte.pe (MEF)", "avance": extra.get("avance_fisico_invierte"),
         "fecha": extra.get("fecha_ult_avance_fisico_invierte")}]
    return extra


def _point(extra: dict[str, Any]) -> tuple[tuple[float, float] | None, str | None]:
    """The surveyed (lon, lat), or why it cannot be used."""
    point, problem = works.surveyed_point(extra.get("longitud"), extra.get("latitud"))
    return point, problem and problem.message


def _finish(record: dict[str, Any], places: Mapping[str, works.Place], when: date | None
            ) -> dict[str, Any]:
    """Geometry (the surveyed point, else the district capital), the mismatch flag (only
    where the declared district has a polygon to test against), the paralysis date and the
    month physical progress last rose (from the file's months without progress)."""
    start = record["extra"].get(PARALYSIS_START)
    if record["status"] == "paralizada" and start:
        with contextlib.suppress(ValueError):   # kept as text in extra when it is no date
            record["paralysis_date"] = parse_date(start)
    record["last_physical_advance"] = last_physical_advance(
        record["extra"].get(MONTHS_WITHOUT_PROGRESS), when)
    return {**record, **works.geometry(record, places[record["ubigeo"]]),
            "source": LOADER, "source_date": when}


def last_physical_advance(months: Any, when: date | None) -> date | None:
    """`sin_avance_fisico` counts the months, up to the file's date, since physical progress
    last rose in the authors' monthly series (INFObras and Invierte.pe): that month is the
    evidence the paralysis rule wants. 14 months before 31/05/2026 -> 01/03/2025."""
    if when is None or not isinstance(months, int) or months < 0:
        return None
    index = when.year * 12 + when.month - 1 - months
    return date(index // 12, index % 12 + 1, 1)


def _notes(records: list[dict[str, Any]], when: date | None) -> list[str]:
    """Summary lines: how works were located, and the figures that contradict each other."""
    extras = [r["extra"] for r in records]
    notes = [works.tally_note("ubicación", Counter(r["ubigeo_method"] for r in records))]
    same = sum(r["ubigeo"] == e.get("x_ubigeo") for r, e in zip(records, extras, strict=True))
    notes.append(f"ubigeo igual al x_ubigeo del archivo: {same:,} de {len(records):,}")
    checks: dict[str, Callable[[dict, dict], bool]] = {
        "punto fuera del distrito declarado (location_mismatch)":
            lambda r, e: r["location_mismatch"],
        "coordenadas descartadas (se usa la capital del distrito)":
            lambda r, e: "coordenadas_descartadas" in e,
        "devengado mayor que el costo actualizado":
            lambda r, e: _gt(r["amount_accrued"], r["amount_updated"]),
        "avance financiero mayor que 100 %":
            lambda r, e: _gt(r["financial_progress"], Decimal(100)),
        "costo actualizado o monto del expediente en cero":
            lambda r, e: not r["amount_updated"] or not r["amount_technical_file"],
        "fecha del último avance posterior a la fecha del archivo":
            lambda r, e: bool(when and r["last_progress_date"] and r["last_progress_date"] > when),
        "interrupción que empieza antes del inicio de obra":
            lambda r, e: bool(r["start_date"] and e.get(PARALYSIS_START)
                              and e[PARALYSIS_START] < r["start_date"].isoformat()),
    }
    for title, test in checks.items():
        codes = [r["infobras_code"] for r, e in zip(records, extras, strict=True) if test(r, e)]
        if codes:
            shown = ", ".join(map(str, codes[:NOTE_CODES])) + (" …" if len(codes) > NOTE_CODES
                                                               else "")
            notes.append(f"calidad de datos — {title}: {len(codes):,} obras ({shown})")
    return notes


def _gt(a: Decimal | None, b: Decimal | None) -> bool:
    return a is not None and b is not None and a > b


def main(argv: list[str] | None = None) -> int:
    parser = Parser(
        prog="python -m geodata.paralizadas",
        description="Carga el archivo de obras paralizadas (alertas, mayo 2026) en la tabla de "
                    "obras.")
    parser.add_argument("file", metavar="ARCHIVO", nargs="?", default=str(DEFAULT_PATH),
                        help=f"CSV (por defecto {DEFAULT_PATH})")
    parser.add_works_load_options()
    parser.add_argument("--si-existe", action="store_true",
                        help="sin el archivo, avisar y terminar sin error (make load: el "
                             "archivo real no se distribuye con el proyecto)")
    args = parser.parse_args(argv)
    if args.si_existe and not Path(args.file).exists():
        print(f"[{LOADER}] no está {args.file}: se omite (obras reales de la carpeta shared)")
        return 0
    print(load(args.file, refresh_views=not args.sin_vistas).summary())
    parser.after_works_load(args)
    return 0


if __name__ == "__main__":
    sys.exit(run_cli(main))
