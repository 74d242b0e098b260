"""Load MEF investments: `python -m geodata.mef FILE...`.

The kind of each file is told by its columns (see PROVENANCE.md, mef/):
- the Banco de Inversiones export, xlsx or csv (`geodata.mef_banco`, source 'mef_banco');
- the SSI lista de ejecución (`geodata.mef_ssi`, source 'ssi_ejecucion');
- the SSI Formato 8 (`geodata.mef_ssi`, source 'ssi_formato8').
Files not seen before in the same formats load too: csv or xlsx, UTF-8 (with or without BOM)
or Latin-1, ',' or ';' separated, headers in any case and with or without accents, extra
columns (kept in `extra`), blank rows (skipped), amounts with or without "S/.", CUIs with
leading zeros or as floats.

Each file writes one investment_source row per CUI and one investment_place row per place of
it (Banco: per district, `seq` being the district's ubigeo as a number, so that files of
different regions add up; Formato 8: per location, in the file's order). Every row read is
loaded, quarantined with its reason, or counted as an explained repeat of its CUI
(`run.duplicate`): another district or location of it, or the same row again. Rows of one CUI
whose amounts (Formato 8: name or entity) differ are quarantined as 'cui_en_conflicto', naming
both values; the first row is kept. A Banco investment's region is where most of its
districts are, counting those other files loaded before (ties: the lower code), so the order
in which regional files are loaded does not change it.

One transaction per file (a failing file leaves the database as it was); loading the same file
again changes nothing. The links between sources are rebuilt last (`--sin-enlaces` skips it).
"""

from __future__ import annotations

import json
import re
import sys
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from geodata import gcpause, links, mef_banco, mef_ssi
from geodata.mef_rows import (
    RECORD_FIELDS,
    Areas,
    Columns,
    Kind,
    Place,
    Row,
    RowError,
    cui,
    money_text,
)
from geodata.runs import LoaderError, Run, load_files, load_run, progress, run_cli
from geodata.sheets import Sheet, open_sheet
from geodata.upsert import upsert

LOADER = "mef"
KINDS: tuple[Kind, ...] = (mef_banco.KIND, mef_ssi.LISTA, mef_ssi.FORMATO8)
SOURCE_COLUMNS = ("cui", "source", "source_date", *RECORD_FIELDS, "extra", "load_run_id")
PLACE_COLUMNS = ("cui", "source", "seq", "ubigeo", "department", "province", "district",
                 "locality", "geom")
REPEATED_ROW = "fila_repetida"
CONFLICT = "cui_en_conflicto"
# Flags a row leaves in `extra`, counted in the summary.
FLAG_NOTES = {
    "costo_actualizado_en_cero": "costo actualizado 0,00 tomado como «sin dato»",
    "ficha_ioarr_columnas_desplazadas": "filas de ficha IOARR con columnas desplazadas "
                                        "(UEP tomada de «brechas»)",
    "ubicacion_ilegible": "ubicación que no es un lugar (sin lugar; celdas en extra)",
    "coordenadas_invertidas": "coordenadas escritas «lon / lat», corregidas",
    "puntos_descartados": "puntos descartados (fuera del Perú o ilegibles; el lugar queda "
                          "por nombre)",
}
_FILE_DATE = re.compile(r"(20\d{2})-(\d{2})(?:-(\d{2}))?(?!\d)")


@dataclass
class Investment:
    """A CUI's first row (its figures) and its distinct places, in the file's order."""

    row: Row
    places: dict[tuple, Place] = field(default_factory=dict)

    def add(self, place: Place | None) -> bool:
        """Add a place; False if the CUI already has it."""
        if place is None or place.key in self.places:
            return False
        self.places[place.key] = place
        return True


def detect(path: str | Path) -> tuple[Kind, Sheet]:
    """The file's kind, from its header, and the file opened at it."""
    for kind in KINDS:
        try:
            return kind, open_sheet(path, kind.required)
        except LoaderError as exc:
            if "faltan columnas obligatorias" not in str(exc):
                raise
    needs = "; ".join(f"{kind.label} necesita {', '.join(kind.required)}" for kind in KINDS)
    raise LoaderError(f"{Path(path).name}: no es un archivo del MEF conocido ({needs})")


def source_date(path: Path) -> date | None:
    """A date in the file's name ('..._2024-06-30.csv', '..._2024-06.xlsx': the 1st)."""
    if match := _FILE_DATE.search(path.name):
        try:
            return date(int(match[1]), int(match[2]), int(match[3] or 1))
        except ValueError:
            return None
    return None


@gcpause.paused()
def load(path: str | Path, engine: sa.Engine | None = None, relink: bool = True) -> Run:
    """Load one MEF file; returns the finished run (every row loaded, quarantined or counted
    as a repeat)."""
    kind, sheet = detect(path)
    when = source_date(sheet.path)
    with load_run(LOADER, str(path), when, engine=engine) as run:
        run.note(f"tipo de archivo: {kind.label} (fuente {kind.source})")
        columns = Columns(sheet.headers, kind.fields)
        if columns.extra:
            run.note("columnas no reconocidas (guardadas en extra): "
                     + ", ".join(h for _, h in columns.extra))
        areas = _areas(run.conn)
        rows = _read(run, kind, sheet, columns, areas)
        notes = kind.locate(run.conn, rows, areas) if kind.locate else []
        investments = _settle(run, kind, columns, rows)
        _write(run, kind, investments, when)
        for line in notes:
            run.note(line)
        if relink:
            run.at_end(links.relink)
    return run


def _areas(conn: sa.Connection) -> Areas:
    areas = Areas(conn)
    if not any(len(code) == 6 for code in areas.codes):
        raise LoaderError("la base de datos no tiene distritos: cargue antes los límites "
                          "(python -m geodata.boundaries y python -m geodata.ubigeo)")
    return areas


def _read(run: Run, kind: Kind, sheet: Sheet, columns: Columns, areas: Areas) -> list[Row]:
    """Parse every non-blank row; a row that cannot be read is quarantined with its reason."""
    rows = []
    for number, cells in progress(sheet.rows, total=sheet.total, desc=kind.source):
        if all(c is None or (isinstance(c, str) and not c.strip()) for c in cells):
            continue
        run.rows_read += 1
        try:
            rows.append(kind.read(number, cells, columns, areas))
        except RowError as exc:
            run.quarantine(number, exc.code, exc.reason, columns.raw(cells),
                           _key(columns.get(cells, "cui")))
    return rows


def _key(value: Any) -> str | None:
    try:
        return cui(value)
    except RowError:
        return None


def _settle(run: Run, kind: Kind, columns: Columns, rows: Iterable[Row]) -> list[Investment]:
    """One investment per CUI: its first row; a further row adds a place (a repeat of the
    CUI), says nothing new (a repeated row), or contradicts the first (quarantined)."""
    found: dict[str, Investment] = {}
    for row in rows:
        investment = found.get(row.cui)
        if investment is None:
            found[row.cui] = investment = Investment(row)
            investment.add(row.place)
            continue
        if differences := _differences(investment.row, row):
            run.quarantine(row.number, CONFLICT, differences, columns.raw(row.cells), row.cui)
        elif investment.add(row.place):
            run.duplicate(kind.place_duplicate or REPEATED_ROW)
        else:
            run.duplicate(REPEATED_ROW)
    return list(found.values())


def _differences(first: Row, other: Row) -> str | None:
    """A Spanish sentence naming the values two rows of one CUI disagree on, or None."""
    diffs = [f"{label} {_shown(value)} en la fila {first.number} y {_shown(other.identity[label])}"
             f" en esta" for label, value in first.identity.items()
             if other.identity[label] != value]
    if not diffs:
        return None
    return (f"El CUI {first.cui} aparece con otros valores: {'; '.join(diffs)} "
            f"(se conserva la fila {first.number})")


def _shown(value: Any) -> str:
    if value is None:
        return "vacío"
    if isinstance(value, str):
        return f"«{value}»"
    return money_text(value)


def _write(run: Run, kind: Kind, investments: list[Investment], when: date | None) -> None:
    """Upsert the investments, then their places; places of these CUIs that the file no longer
    has are removed (Banco: within the file's regions only, other files keep theirs)."""
    conn = run.conn
    places = {inv.row.cui: list(inv.places.values()) for inv in investments}
    place_rows = [(code, kind.source, p.seq if p.seq is not None else i, p.ubigeo, p.department,
                   p.province, p.district, p.locality,
                   p.point and f"SRID=4326;POINT({p.point[0]!r} {p.point[1]!r})")
                  for code, ps in places.items() for i, p in enumerate(ps, start=1)]
    _stage_keys(conn, list(places), [(r[0], r[2]) for r in place_rows])
    file_regions = sorted({p.ubigeo[:2] for ps in places.values() for p in ps if p.ubigeo})
    regions = _regions(conn, kind, places, file_regions) if kind.region_from_places else {}
    records = []
    flags: Counter = Counter()
    for inv in investments:
        record = dict(inv.row.record)
        extra = dict(record.pop("extra"))
        if discarded := [p.discarded for p in places[inv.row.cui] if p.discarded]:
            extra["puntos_descartados"] = discarded
        if swapped := [p.swapped for p in places[inv.row.cui] if p.swapped]:
            extra["coordenadas_invertidas"] = swapped
        flags.update(flag for flag in FLAG_NOTES if flag in extra)
        located = [p.ubigeo for p in places[inv.row.cui] if p.ubigeo]
        record["region_ubigeo"] = (regions.get(inv.row.cui) or record["region_ubigeo"]
                                   or (located[0][:2] if located else None))
        records.append((inv.row.cui, kind.source, when, *(record[c] for c in RECORD_FIELDS),
                        json.dumps(extra, ensure_ascii=False, sort_keys=True, default=str),
                        run.id))
    run.count(*upsert(conn, "investment_source", ("cui", "source"), SOURCE_COLUMNS, records))
    for flag, n in flags.items():
        run.note(f"{FLAG_NOTES[flag]}: {n:,} inversiones")
    if kind.place_duplicate is None:   # a kind without places (the execution list)
        return
    inserted, updated, unchanged = upsert(conn, "investment_place", ("cui", "source", "seq"),
                                          PLACE_COLUMNS, place_rows)
    removed = conn.execute(sa.text("""
        DELETE FROM investment_place p USING _mef_cuis c
        WHERE p.source = :source AND p.cui = c.cui
          AND (CAST(:regions AS text[]) IS NULL OR left(p.ubigeo, 2) = ANY(:regions))
          AND NOT EXISTS (SELECT 1 FROM _mef_places k WHERE k.cui = p.cui AND k.seq = p.seq)"""),
        {"source": kind.source,
         "regions": file_regions if kind.region_from_places else None}).rowcount
    run.note(f"lugares: {inserted:,} nuevos, {updated:,} actualizados, {unchanged:,} sin "
             f"cambios, {removed:,} retirados (ya no están en el archivo)")


def _stage_keys(conn: sa.Connection, cuis: list[str], places: list[tuple[str, int]]) -> None:
    """The file's CUIs and place keys in temporary tables (joins, not 100,000-item arrays)."""
    for table, columns, rows in (("_mef_cuis", "cui text PRIMARY KEY", [(c,) for c in cuis]),
                                 ("_mef_places", "cui text, seq int, PRIMARY KEY (cui, seq)",
                                  places)):
        conn.exec_driver_sql(f"DROP TABLE IF EXISTS {table}")
        conn.exec_driver_sql(f"CREATE TEMP TABLE {table} ({columns}) ON COMMIT DROP")
        cursor = conn.connection.driver_connection.cursor()
        with cursor.copy(f"COPY {table} FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        conn.exec_driver_sql(f"ANALYZE {table}")


def _regions(conn: sa.Connection, kind: Kind, places: dict[str, list[Place]],
             file_regions: list[str]) -> dict[str, str]:
    """Each CUI's region: where most of its places are, this file's and those stored from
    files of other regions (ties: the lower code)."""
    # Most CUIs have one located place and nothing stored elsewhere: their region needs no
    # tally (250,000 Counters took 2 s at bench size).
    single: dict[str, str] = {}
    tally: dict[str, Counter] = {}
    for code, ps in places.items():
        located = [p.ubigeo[:2] for p in ps if p.ubigeo]
        if len(located) == 1:
            single[code] = located[0]
        elif located:
            tally[code] = Counter(located)
    for code, region, n in conn.execute(sa.text(
            "SELECT p.cui, left(p.ubigeo, 2), count(*) FROM investment_place p"
            " JOIN _mef_cuis c ON c.cui = p.cui WHERE p.source = :source"
            " AND NOT left(p.ubigeo, 2) = ANY(CAST(:regions AS text[])) GROUP BY 1, 2"),
            {"source": kind.source, "regions": file_regions}):
        if code not in tally:
            tally[code] = Counter([single.pop(code)] if code in single else [])
        tally[code][region] += n
    return {**single, **{code: min(counts, key=lambda r: (-counts[r], r))
                         for code, counts in tally.items() if counts}}


def main(argv: list[str] | None = None) -> int:
    return load_files(argv, prog="python -m geodata.mef", load=load,
                      description="Carga inversiones del MEF: el Banco de Inversiones (xlsx o "
                                  "csv), la lista de ejecución y el Formato 8 del SSI. El tipo se "
                                  "reconoce por las columnas.",
                      files_help="archivos a cargar")


if __name__ == "__main__":
    sys.exit(run_cli(main))
