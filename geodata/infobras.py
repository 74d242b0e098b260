"""Load the INFObras open-data export into `work`, a monthly history into `work_progress` and
the works' surveyed points.

`python -m geodata.infobras FILE [--history HISTORY_CSV] [--coords COORDS_CSV]` reads the real
export ("DataSet-Obras-Publicas dd-mm-aaaa.xlsx" or a CSV of it, see geodata/infobras_format.py)
or the demo generator's output. Every row is parsed, checked and located by its names; a row
that cannot be loaded goes to quarantine with its row number and a Spanish reason, never
dropped. The export has no coordinates: a work is placed on its surveyed point when the
geolocation file (geodata/locations.py) has a usable one, else on its district's capital.
All files are checked before anything is written, and the load is one transaction.
"""

from __future__ import annotations

import re
import sys
from collections import Counter
from collections.abc import Iterable, Mapping
from datetime import date
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from geodata import history as monthly
from geodata import locations, works
from geodata.infobras_format import COLUMNS, COORDS_COLUMNS, HISTORY_COLUMNS, REQUIRED
from geodata.names import DistrictMatcher
from geodata.parsing import clean_text, parse_date
from geodata.runs import Parser, Run, load_run, progress, run_cli
from geodata.sheets import Sheet, open_sheet
from geodata.works import Kept, Layout

LOADER = "infobras"
REQUIRED_VALUES = ("infobras_code", "name", "status")
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


def load(path: str | Path, history: str | Path | None = None, coords: str | Path | None = None,
         engine: sa.Engine | None = None, refresh_views: bool = True) -> Run:
    """Load one export (and optionally its monthly history and its geolocation file); returns
    the finished run. Every file is checked before anything is written; the load is one
    transaction."""
    sheet = open_sheet(path, REQUIRED)
    history_sheet = open_sheet(history, monthly.REQUIRED) if history else None
    coords_sheet = open_sheet(coords, locations.REQUIRED) if coords else None
    when = source_date(sheet.path, sheet.titles)
    with load_run(LOADER, str(path), when, engine=engine, refresh_views=refresh_views) as run:
        matcher = DistrictMatcher.from_db(run.conn)
        places = works.district_places(run.conn)
        points = locations.read(run, coords_sheet) if coords_sheet is not None else {}
        layout = Layout.of(sheet.headers, COLUMNS)
        kept, seen = _read_works(run, sheet, layout, matcher, points)
        works.keep_own(run, kept, layout)
        if coords_sheet is not None:
            locations.keep_loaded(run, points, kept, seen, coords_sheet.path.name)
        run.note(works.tally_note("ubicación", Counter(k.record["ubigeo_method"]
                                                       for k in kept.values())))
        records = [_finish(k.record, places, when, points.get(code))
                   for code, k in sorted(kept.items(), key=lambda item: item[1].row_number)]
        run.note(works.tally_note("geometría", Counter(r["geom_source"] for r in records))
                 + f"; punto fuera del distrito declarado (location_mismatch): "
                   f"{sum(r['location_mismatch'] for r in records):,}")
        works.write_works(run, records)
        if history_sheet is not None:
            monthly.load(run, history_sheet)
    return run


def _read_works(run: Run, sheet: Sheet, layout: Layout, matcher: DistrictMatcher,
                points: Mapping[int, locations.Surveyed]) -> tuple[dict[int, Kept], set[int]]:
    """The rows that pass every check, by code, and every code read (quarantined rows too).
    A work whose names match no district is located by its surveyed point, if it has one."""
    kept: dict[int, Kept] = {}
    seen: set[int] = set()
    blank = 0
    for row_number, cells in progress(sheet.rows, total=sheet.total, desc="obras"):
        if all(c in (None, "") for c in cells):
            blank += 1
            continue
        run.rows_read += 1
        record, problems = layout.read(cells)
        code = record.get("infobras_code")
        seen.add(code)
        if (surveyed := points.get(code)) is not None:
            record["coords_ubigeo"] = surveyed.at.ubigeo
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
    return kept, seen


def _finish(record: dict[str, Any], places: Mapping[str, works.Place], when: date | None,
            surveyed: locations.Surveyed | None) -> dict[str, Any]:
    """The work on its surveyed point when it has one, else on its district's capital."""
    if surveyed is not None:
        locations.place(record, surveyed)
    return {**record, **works.geometry(record, places[record["ubigeo"]]), "source": LOADER,
            "source_date": when, "extra": works.extra_json(record["extra"])}


def main(argv: list[str] | None = None) -> int:
    parser = Parser(
        prog="python -m geodata.infobras",
        description="Carga la exportación de INFObras (xlsx o csv) en la tabla de obras.")
    parser.add_argument("file", metavar="ARCHIVO",
                        help="DataSet-Obras-Publicas dd-mm-aaaa.xlsx (o .csv)")
    parser.add_argument("--history", help="CSV del avance mensual (columnas: "
                        + ", ".join(HISTORY_COLUMNS).replace("%", "%%") + ")")
    parser.add_argument("--coords", help="CSV de geolocalización de las obras (columnas: "
                        + ", ".join(COORDS_COLUMNS) + "; grados decimales WGS84)")
    parser.add_works_load_options()
    args = parser.parse_args(argv)
    print(load(args.file, args.history, args.coords,
               refresh_views=not args.sin_vistas).summary())
    parser.after_works_load(args)
    return 0


if __name__ == "__main__":
    sys.exit(run_cli(main))
