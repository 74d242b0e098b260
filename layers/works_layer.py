"""Works as points on the map: one trace per status (colour-blind-safe Okabe–Ito colours, so
the legend names them), marker area proportional to the amount. The paralysed works are
rings (a white centre drawn over their dots, the last trace): their colour is not what
alone tells them apart."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from html import escape
from operator import itemgetter
from typing import Any

import numpy as np
import plotly.graph_objects as go

from geodata.infobras_format import STATUS_LABELS
from layers import format as fmt

STATUSES = tuple(STATUS_LABELS)
STATUS_COLORS = {                       # Okabe & Ito (2008), distinguishable in colour blindness
    "en_ejecucion": "#0072B2",          # blue
    "paralizada": "#D55E00",            # vermillion
    "finalizada": "#009E73",            # bluish green
    "sin_ejecucion": "#CC79A7",         # reddish purple
}
MIN_SIZE, MAX_SIZE = 6.0, 22.0
LOCATION_NOTE = {"surveyed": "", "district_capital": " · en la capital del distrito"}
COORD_DIGITS = 5  # about a metre
HOVER_NAME = 60   # characters of a work's name in its hover label
RING = "paralizada"          # the status drawn as a ring
RING_HOLE = 0.45             # the white centre's diameter, as a share of the dot's
RING_CENTRE = "#ffffff"
RING_MARK = " ◯"             # the legend's word for it


def _hover_template(status: str) -> str:
    return (f"%{{hovertext}}<br>{STATUS_LABELS[status]}"
            "<br><i>Clic para ver la ficha</i><extra></extra>")


def works_traces() -> list[go.Scattermap]:
    """Empty traces, one per status, in STATUSES order, then the rings' centres (in the
    paralysed works' legend group: hidden with them; a click there is on the same work).
    Filled by points_update."""
    return [*(go.Scattermap(lat=[], lon=[], mode="markers", name=STATUS_LABELS[s],
                            marker=dict(color=STATUS_COLORS[s], size=[], opacity=0.85),
                            customdata=[], hovertext=[], visible=True, legendgroup=s,
                            hovertemplate=_hover_template(s))
              for s in STATUSES),
            go.Scattermap(lat=[], lon=[], mode="markers", name=f"{STATUS_LABELS[RING]} (centro)",
                          marker=dict(color=RING_CENTRE, size=[], opacity=1), customdata=[],
                          hovertext=[], visible=True, legendgroup=RING, showlegend=False,
                          hovertemplate=_hover_template(RING))]


def marker_sizes(amounts: Sequence[float | None], largest: float | None) -> list[float]:
    """Marker diameters: the area grows with the amount; works without amount are smallest."""
    if not largest or largest <= 0:
        return [MIN_SIZE] * len(amounts)
    values = np.asarray(amounts, dtype=np.float64)   # None: NaN
    share = np.sqrt(np.clip(np.nan_to_num(values) / largest, 0.0, 1.0))
    sizes = np.where(values > 0, np.round(MIN_SIZE + (MAX_SIZE - MIN_SIZE) * share, 1), MIN_SIZE)
    return sizes.tolist()


def points_update(points: Mapping[str, Sequence[Any]], first_trace: int
                  ) -> dict[int, dict[str, Any]]:
    """New values of the works traces (trace index -> properties) for these works, given as
    columns (infobras_code, lon, lat, status, investment, name, geom_source; queries.explorer
    .Points); no columns, or empty ones, clear them."""
    status = points.get("status", [])
    amounts = points.get("investment", [])
    largest = max((a or 0 for a in amounts), default=0)
    columns = {  # every work's values once (2,000 hover labels cost more than the query)
        "lat": _rounded(points.get("lat", ())), "lon": _rounded(points.get("lon", ())),
        "customdata": points.get("infobras_code", ()),
        "hovertext": list(map(_hover, points.get("name", ()), amounts,
                              points.get("geom_source", ()))),
        "size": marker_sizes(amounts, largest),
    }
    rows: dict[str, list[int]] = {name: [] for name in STATUSES}
    for i, s in enumerate(status):
        rows.setdefault(s, []).append(i)
    out = {}
    for offset, name in enumerate(STATUSES):
        mine = rows[name]
        lat, lon, codes, hover, size = (_rows(columns[field], mine) for field in (
            "lat", "lon", "customdata", "hovertext", "size"))
        mark = RING_MARK if name == RING else ""
        out[first_trace + offset] = {
            "lat": lat, "lon": lon, "customdata": codes, "hovertext": hover,
            "marker": {"size": size},
            "name": f"{STATUS_LABELS[name]}{mark} ({fmt.number(len(mine))})",
            "showlegend": bool(status),
        }
        if name == RING:
            out[first_trace + len(STATUSES)] = {
                "lat": lat, "lon": lon, "customdata": codes, "hovertext": hover,
                "marker": {"size": [round(d * RING_HOLE, 1) for d in size]}}
    return out


def _rounded(coordinates: Sequence[float]) -> list[float]:
    return np.round(np.asarray(coordinates, dtype=np.float64), COORD_DIGITS).tolist()


def _rows(values: Sequence[Any], rows: list[int]) -> list[Any]:
    if not rows:
        return []
    picked = itemgetter(*rows)(values)
    return list(picked) if len(rows) > 1 else [picked]


def _hover(name: str | None, amount: float | None, geom_source: str | None) -> str:
    """Name (its start: two thousand full names would double the response; the card has
    it whole), amount and where the point stands; the trace's template adds the status."""
    name = name or ""
    if len(name) > HOVER_NAME:
        name = name[:HOVER_NAME - 1].rstrip() + "…"
    return (f"<b>{escape(name)}</b><br>{fmt.money(amount)}"
            f"{LOCATION_NOTE.get(geom_source, '')}")
