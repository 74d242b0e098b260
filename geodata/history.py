"""Load the monthly progress history of INFObras works (`--history`) into `work_progress`.

The national history has millions of rows (2.6 M for the 200,000-work demo), so each row
first goes through a fast reader that handles the usual cell forms (digits, "2025-11" or
"01/11/2025", "40 00", a known status) with caches and no Decimal arithmetic; a row it does
not accept as it is goes through the general parser (geodata.works), which is the only one
that decides a row is bad and says why. Both give the same values for the rows they both
accept (tests/test_history.py), so the fast path only changes the time: on the 2.6 M rows,
~25 s of parsing become ~8 s.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from geodata import works
from geodata.infobras_format import HISTORY_COLUMNS
from geodata.parsing import parse_decimal, parse_month, parse_status
from geodata.runs import Run, progress
from geodata.sheets import Sheet
from geodata.works import Layout, Problem

# The history's headers -> work_progress columns (same order as HISTORY_COLUMNS).
COLUMNS = dict(zip(HISTORY_COLUMNS, works.PROGRESS_COLUMNS, strict=True))
REQUIRED = HISTORY_COLUMNS[:2]

_CODE_DIGITS = 18                                        # parse_infobras_code's range
_AMOUNT = re.compile(r"[0-9]{1,12}(?:[ .][0-9]{1,2})?")   # 0 <= amount < 10^12, in cents
_BAD = object()                                          # a cell the fast path leaves
_UNSEEN = object()


class FastRows:
    """The usual history row as PROGRESS_COLUMNS values, or None to send the row to the
    general parser: a cell in another form, empty where a value is required, out of range,
    or a code this load does not know."""

    def __init__(self, layout: Layout, known: set[int]):
        slot = {column: i for i, column, _ in layout.columns}
        self.slots = [slot.get(column) for column in works.PROGRESS_COLUMNS]
        self.width = 1 + max(i for i in self.slots if i is not None)
        self.known = known
        self.cache: dict[tuple[str, str], Any] = {}

    def row(self, cells: Sequence[Any]) -> tuple | None:
        if len(cells) < self.width:
            return None
        values = []
        for column, slot in zip(works.PROGRESS_COLUMNS, self.slots, strict=True):
            text = "" if slot is None else cells[slot]
            if type(text) is not str:
                return None
            if column == "infobras_code":
                if not (text.isdigit() and text.isascii() and len(text) <= _CODE_DIGITS):
                    return None
                value: Any = int(text)
                if value not in self.known:
                    return None
            elif column == "amount_accrued":
                if text and not _AMOUNT.fullmatch(text):
                    return None
                value = text.replace(" ", ".") if text else None
            else:
                value = self.cache.get((column, text), _UNSEEN)
                if value is _UNSEEN:
                    value = self.cache[(column, text)] = _cell(column, text)
                if value is _BAD:
                    return None
            values.append(value)
        return tuple(values)


def _cell(column: str, text: str) -> Any:
    """A month (required), a status or a percentage in range (either may be empty), parsed
    once per distinct text; _BAD where the general parser must look at the row."""
    try:
        if column == "month":
            return parse_month(text) or _BAD
        if column == "status":
            return parse_status(text)
        value = parse_decimal(text)
    except ValueError:
        return _BAD
    if value is None or Decimal(0) <= value <= works.PERCENT_MAX[column]:
        return value
    return _BAD


def load(run: Run, sheet: Sheet) -> None:
    """Monthly progress points of the works this loader stores; the rest to quarantine (the
    code of another source's work too). Of two rows for one work and month the later is kept."""
    layout = Layout.of(sheet.headers, COLUMNS)
    known = set(run.conn.execute(sa.text("SELECT infobras_code FROM work WHERE source = :s"),
                                 {"s": run.loader}).scalars())
    fast = FastRows(layout, known)
    name = sheet.path.name
    points: dict[tuple[int, date], tuple[int, tuple]] = {}
    read = 0
    for row_number, cells in progress(sheet.rows, total=sheet.total, desc="historial"):
        if not any(cells) and all(c in (None, "") for c in cells):
            continue
        read += 1
        values = fast.row(cells)
        if values is None and (values := _general(run, row_number, cells, layout, known,
                                                  name)) is None:
            continue
        key = (values[0], values[1])
        if (other := points.get(key)) is not None:
            earlier = dict(zip(works.PROGRESS_COLUMNS, other[1], strict=True))
            works.quarantine_row(run, other[0], [Problem(
                "duplicado", f"mes {key[1]:%m/%Y} repetido para la obra {key[0]} (filas "
                             f"{other[0]} y {row_number}): se conserva la fila {row_number}")],
                {"archivo": name, **layout.record_raw(earlier)}, earlier, name)
        points[key] = (row_number, values)
    run.note(f"historial {name}: {read:,} filas leídas")
    works.write_progress(run, (values for _, values in sorted(points.values(),
                                                               key=lambda p: p[0])))


def _general(run: Run, row_number: int, cells: Sequence[Any], layout: Layout, known: set[int],
             name: str) -> tuple | None:
    """The row through the general parser: its values, or None once it is quarantined."""
    record, problems = layout.read(cells)
    problems += works.missing(record, ("infobras_code", "month"), layout)
    problems += works.check_figures(record, layout)
    code = record.get("infobras_code")
    if code is not None and code not in known:
        problems.append(Problem("obra_desconocida", f"obra no cargada: código {code}"))
    if problems:
        works.quarantine_row(run, row_number, problems, {"archivo": name, **layout.raw(cells)},
                             record, name)
        return None
    return tuple(record.get(c) for c in works.PROGRESS_COLUMNS)
