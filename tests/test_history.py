"""The history's fast row reader against the general parser: on every row it accepts it gives
the general parser's values; every row the general parser would quarantine, it leaves to it;
and it accepts the usual rows (the demo generator's), or it would save no time."""

from __future__ import annotations

from decimal import Decimal

import pytest

from geodata import history, works
from geodata.demo.dataset import generate
from geodata.demo.history import history_lines
from geodata.infobras_format import HISTORY_COLUMNS
from geodata.works import Layout

KNOWN = {910001, 910002}
ROWS = [   # code, month, programmed, real, financial, accrued, status
    ["910001", "2025-11", "40 00", "38 00", "40 10", "520000 00", "En Ejecución"],
    ["910001", "01/12/2025", "45", "42.5", "", "", ""],
    ["910002", "05/2025", "100", "100 00", "949 5", "0", "Finalizado"],
    ["910001", "2025-13", "40", "38", "40", "1", "En Ejecución"],        # no such month
    ["910001", "31/02/2025", "40", "38", "40", "1", "En Ejecución"],     # no such day
    ["910003", "2025-11", "40", "38", "40", "1", "En Ejecución"],        # unknown work
    ["0000", "2025-11", "40", "38", "40", "1", "En Ejecución"],          # no code
    ["910001", "", "40", "38", "40", "1", "En Ejecución"],               # no month
    ["910001", "2025-11", "100 01", "38", "40", "1", "En Ejecución"],    # over 100 %
    ["910001", "2025-11", "40", "38", "1000 01", "1", "En Ejecución"],   # over 1000 %
    ["910001", "2025-11", "40", "38", "40", "-1", "En Ejecución"],       # negative amount
    ["910001", "2025-11", "40", "38", "40", "1000000000000", "En Ejecución"],  # 10^12
    ["910001", "2025-11", "40", "38", "40", "S/. 1,234.50", "En Ejecución"],  # other form
    ["910001", "2025-11", "40", "38", "40", "1e5", "En Ejecución"],      # not a number here
    ["910001", "2025-11", "40", "38", "40", "12", "En evaluación"],      # unknown status
    ["910001", " 2025-11", "40", "38", "40", "12", "PARALIZADA"],        # spaces, case
    ["٩١٠٠٠١", "2025-11", "40", "38", "40", "12", "Paralizada"],         # Arabic digits
    ["910001", "2025-11", "40"],                                         # short row
]


def _general(layout: Layout, cells: list[str]) -> tuple | None:
    record, problems = layout.read(cells)
    problems += works.missing(record, ("infobras_code", "month"), layout)
    problems += works.check_figures(record, layout)
    if problems or record.get("infobras_code") not in KNOWN:
        return None
    return tuple(record.get(c) for c in works.PROGRESS_COLUMNS)


def _same(fast: tuple, general: tuple) -> bool:
    def norm(v):
        return Decimal(v) if isinstance(v, str) and v[:1].isdigit() else v
    return [norm(v) for v in fast] == [norm(v) for v in general]


@pytest.fixture(scope="module")
def layout() -> Layout:
    return Layout.of(list(HISTORY_COLUMNS), history.COLUMNS)


@pytest.mark.parametrize("cells", ROWS, ids=[" ".join(r) for r in ROWS])
def test_fast_rows_agree_with_the_general_parser(layout, cells):
    fast = history.FastRows(layout, KNOWN).row(cells)
    general = _general(layout, cells)
    if fast is not None:
        assert general is not None and _same(fast, general)
    if general is None:
        assert fast is None


def test_the_usual_rows_take_the_fast_path(layout):
    # the first three, and the one whose month and status only need trimming and folding
    assert sum(history.FastRows(layout, KNOWN).row(r) is not None for r in ROWS) == 4
    dataset = generate(300, seed=3)
    lines = history_lines(dataset.history()).splitlines()
    codes = set(dataset.works["infobras_code"].tolist())
    fast = history.FastRows(layout, codes)
    for line in lines:
        cells = line.split(",")
        values = fast.row(cells)
        assert values is not None, line
        record, problems = layout.read(cells)
        assert not problems
        assert _same(values, tuple(record.get(c) for c in works.PROGRESS_COLUMNS)), line
    assert len(lines) > 1000
