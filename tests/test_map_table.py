"""The maps' tables (layers.map_table, the explorer's area table): every figure is the map's,
a value the browser sorts by, no data sorts last, and each row names its area."""

from __future__ import annotations

from dash import html

from dashboard.explorer_components import area_table
from dashboard.explorer_state import ExplorerState
from layers import choropleth as chm
from layers.map_table import Cell, sortable_table
from queries.explorer import View

ROWS = [
    {"ubigeo": "0801", "name": "Cusco", "works": 3, "investment": 1_500_000.5, "accrued": 10.0,
     "paralysed": 1, "progress_sum": 90.0, "progress_n": 2, "population": 100_000},
    {"ubigeo": "0802", "name": "Acomayo", "works": None, "investment": None, "accrued": None,
     "paralysed": None, "progress_sum": None, "progress_n": None, "population": 20_000},
]


def _body(table: html.Div) -> list:
    return table.children[1].children.children[2].children


def test_sortable_table_cells_carry_their_values():
    out = sortable_table("Cifras", ["Área", "Monto"], [[Cell("A", "a"), Cell("S/ 1", 1.25)],
                                                       [Cell("B", "b"), Cell("sin datos")]],
                         "t", selected=1, numeric=(1,), keys=["01", "02"], note="Ordene.")
    note, box = out.children
    assert note.children == "Ordene." and box.tabIndex == 0 and box.role == "region"
    table = box.children
    caption, head, body = table.children
    assert caption.children == "Cifras" and "a11y-sortable" in table.className
    assert [th.scope for th in head.children.children] == ["col", "col"]
    first, second = body.children
    assert getattr(first, "data-key") == "01" and second.className == "is-selected"
    assert first.children[0].scope == "row"                      # the row is named by its area
    assert getattr(first.children[1], "data-value") == "1.25"
    assert getattr(second.children[1], "data-sort") == ""        # no data: sorted last


def test_area_table_holds_the_map_values():
    state = ExplorerState(metric="investment_hab")
    table = area_table(state, ROWS, chm.METRICS["investment_hab"], None, View("08"))
    rows = _body(table)
    assert [getattr(r, "data-key") for r in rows] == ["0801", "0802"]
    map_values = chm.values(ROWS, chm.METRICS["investment_hab"])
    shown = [getattr(r.children[1], "data-value") for r in rows]
    assert shown == [repr(float(map_values[0])), repr(float(map_values[1]))]
    link = rows[0].children[0].children
    assert link.href == "/?area=0801&metric=investment_hab" and link.children == "Cusco"
    # Ratios without works are "sin datos", never 0.
    paralysed = [c for c in rows[1].children][-2]
    assert paralysed.children == chm.NO_DATA_TEXT and getattr(paralysed, "data-value") == ""
