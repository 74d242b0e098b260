"""Load the INFObras open-data export into `work`, and a monthly history into `work_progress`.

`python -m geodata.infobras FILE [--history HISTORY_CSV]` reads the real export
("DataSet-Obras-Publicas dd-mm-aaaa.xlsx" or a CSV of it, see geodata/infobras_format.py) or
the demo generator's output. Every row is parsed, checked and located by its names; a row that
cannot be loaded goes to quarantine with its row number and a Spanish reason, never dropped.
The export has no coordinates: a work is placed on its district's capital.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections import Counter
from collections.abc import Iterable, Mapping
from datetime import date
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from geodata import works
from geodata.infobras_format import COLUMNS, HISTORY_COLUMNS, REQUIRED
from geodata.names import DistrictMatcher
from geodata.parsing import clean_text, parse_date
from geodata.runs import Run, load_run, progress, run_cli
from geodata.sheets import Sheet, open_sheet
from geodata.works import Kept, Layout, Problem

LOADER = "infobras"
REQUIRED_VALUES = ("infobras_code", "name", "status")
# The monthly history's headers -> work_progress columns (same order as HISTORY_COLUMNS).
HISTORY_MAP = dict(zip(HISTORY_COLUMNS, works.PROGRESS_COLUMNS, strict=True))
HISTORY_REQUIRED = HISTORY_COLUMNS[:2]
_DATE_IN_TEXT = re.compile(r"(?<!\d)(\d{1,2}[/-]\d{1,2}[/-]\d{4}|\d{4}-\d{2}-\d{2})(?!\d)")


def source_date(path: Path, titles: Iterable[str]) -> date | None:
    """The export's date: from its title rows, else from the file name (dd-mm-aaaa)."""
    for text in (*titles, path.name):
        for found in _DATE_IN_TEXT.findall(text):
            try:
                return parse_date(found)
            except ValueError:
                continue
    return None


def load(path: str | Path, history: str | Path | None = None,
         engine: sa.Engine | None = None) -> Run:
    """Load one export (and optionally its monthly history); returns the finished run.
    Both files are checked before anything is written; the load is one transaction."""
    sheet = open_sheet(path, REQUIRED)
    history_sheet = open_sheet(history, HISTORY_REQUIRED) if history else None
    when = source_date(sheet.path, sheet.titles)
    with load_run(LOADER, str(path), when, engine=engine) as run:
        matcher = DistrictMatcher.from_db(run.conn)
        places = works.district_places(run.conn)
        layout = Layout.of(sheet.headers, COLUMNS)
        kept = _read_works(run, sheet, layout, matcher)
        run.note(works.tally_note("ubicación", Counter(k.record["ubigeo_method"]
                                                       for k in kept.values())))
        works.write_works(run, (_finish(k.record, places, when)
                                for k in sorted(kept.values(), key=lambda k: k.row_number)))
        if history_sheet is not None:
            load_history(run, history_sheet)
    return run


def _read_works(run: Run, sheet: Sheet, layout: Layout, matcher: DistrictMatcher
                ) -> dict[int, Kept]:
    kept: dict[int, Kept] = {}
    blank = 0
    for row_number, cells in progress(sheet.rows, total=sheet.total, desc="obras"):
        if all(c in (None, "") for c in cells):
            blank += 1
            continue
        run.rows_read += 1
        record, problems = layout.read(cells)
        problems += works.missing(record, REQUIRED_VALUES, layout)
        problems += works.check_figures(record, layout)
        if not problems:
            problems += works.locate(record, matcher)
        if problems:
            works.quarantine_row(run, row_number, problems, layout.raw(cells), record)
            continue
        record["extra"] = {name: clean_text(cells[i]) if i < len(cells) else None
                           for i, name in layout.extra}
        works.keep_latest(run, kept, Kept(row_number, record), layout)
    if blank:
        run.note(f"filas vacías ignoradas: {blank:,}")
    return kept


def _finish(record: dict[str, Any], places: Mapping[str, works.Place], when: date | None
            ) -> dict[str, Any]:
    """No coordinates in the export: the work sits on its district's capital."""
    capital = places[record["ubigeo"]].capital
    return {**record, "geom": capital, "geom_source": "district_capital" if capital else None,
            "location_mismatch": False, "source": LOADER, "source_date": when,
            "extra": works.extra_json(record["extra"])}


def load_history(run: Run, sheet: Sheet) -> None:
    """Monthly progress points of works that exist; the rest to quarantine. Points are kept as
    tuples: the national history has millions of rows."""
    layout = Layout.of(sheet.headers, HISTORY_MAP)
    known = set(run.conn.execute(sa.text("SELECT infobras_code FROM work")).scalars())
    points: dict[tuple[int, date], tuple[int, tuple]] = {}
    read = 0
    for row_number, cells in progress(sheet.rows, total=sheet.total, desc="historial"):
        if all(c in (None, "") for c in cells):
            continue
        read += 1
        record, problems = layout.read(cells)
        problems += works.missing(record, ("infobras_code", "month"), layout)
        problems += works.check_figures(record, layout)
        code = record.get("infobras_code")
        if code is not None and code not in known:
            problems.append(Problem("obra_desconocida", f"obra no cargada: código {code}"))
        if problems:
            works.quarantine_row(run, row_number, problems,
                                 {"archivo": sheet.path.name, **layout.raw(cells)}, record,
                                 sheet.path.name)
            continue
        key = (code, record["month"])
        if (other := points.get(key)) is not None:
            earlier = dict(zip(works.PROGRESS_COLUMNS, other[1], strict=True))
            works.quarantine_row(run, other[0], [Problem(
                "duplicado", f"mes {key[1]:%m/%Y} repetido para la obra {code} (filas "
                             f"{other[0]} y {row_number}): se conserva la fila {row_number}")],
                {"archivo": sheet.path.name, **layout.record_raw(earlier)}, earlier,
                sheet.path.name)
        points[key] = (row_number, tuple(record.get(c) for c in works.PROGRESS_COLUMNS))
    run.note(f"historial {sheet.path.name}: {read:,} filas leídas")
    works.write_progress(run, (values for _, values in sorted(points.values(),
                                                               key=lambda p: p[0])))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m geodata.infobras",
        description="Carga la exportación de INFObras (xlsx o csv) en la tabla de obras.")
    parser.add_argument("file", help="DataSet-Obras-Publicas dd-mm-aaaa.xlsx (o .csv)")
    parser.add_argument("--history", help="CSV del avance mensual (columnas: "
                        + ", ".join(HISTORY_COLUMNS) + ")")
    parser.add_argument("--sin-alertas", action="store_true",
                        help="no recalcular las alertas después de cargar")
    args = parser.parse_args(argv)
    print(load(args.file, args.history).summary())
    if not args.sin_alertas:
        from geodata import alerts
        print(alerts.recompute())
    return 0


if __name__ == "__main__":
    sys.exit(run_cli(main))
