"""A map's table alternative: the same figures as rows a keyboard and a screen reader can
reach, one row per area or work, each row's first cell a link, every column sortable (a
button in its head; assets/a11y.js sorts by each cell's data-sort value, so money sorts as
money and "sin datos" always last).

Pure: rows in, a Dash component out. The caller formats, this module only lays out.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from dash import html

from dashboard.i18n import _


@dataclass(frozen=True)
class Cell:
    """What a cell shows and the value it sorts by (None: no data, sorted last)."""

    shown: Any
    sort: float | str | None = None


def sortable_table(caption: str, headers: Sequence[str], rows: Sequence[Sequence[Cell]],
                   table_id: str, selected: int | None = None,
                   numeric: Sequence[int] = (), keys: Sequence[str] | None = None,
                   note: str = "") -> html.Div:
    """`note` (how to use it, what it leaves out) above a scrollable, focusable box holding
    the table, whose caption names it. `numeric` columns carry their value in data-sort and
    data-value, and each row its `keys` entry in data-key (the browser tests compare them
    with the map's locations and values)."""
    head = html.Thead(html.Tr([
        html.Th(html.Button(h, type="button", title=_("Ordenar por {columna}", columna=h)),
                scope="col", className=None if i in numeric else "is-text")
        for i, h in enumerate(headers)]))
    body = html.Tbody([
        html.Tr([_cell(c, i, i in numeric) for i, c in enumerate(row)],
                className="is-selected" if n == selected else None,
                **({"data-key": keys[n]} if keys else {}))
        for n, row in enumerate(rows)])
    return html.Div([
        html.P(note, className="map-table-note") if note else None,
        html.Div(html.Table([html.Caption(caption), head, body], id=table_id,
                            className="a11y-table a11y-sortable"),
                 className="map-table-wrap", tabIndex=0, role="region",
                 **{"aria-label": caption})])


def _cell(cell: Cell, index: int, numeric: bool) -> html.Td | html.Th:
    sort = "" if cell.sort is None else (repr(float(cell.sort)) if numeric else str(cell.sort))
    attrs = {"data-sort": sort}
    if numeric:
        attrs["data-value"] = sort
    if index == 0:
        return html.Th(cell.shown, scope="row", **attrs)
    return html.Td(cell.shown, **attrs)
