"""Works as points on the map: one trace per status (colour-blind-safe Okabe–Ito colours, so
the legend names them), marker area proportional to the amount."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from html import escape
from typing import Any

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


def works_traces() -> list[go.Scattermap]:
    """Empty traces, one per status, in STATUSES order (filled by points_update)."""
    return [go.Scattermap(lat=[], lon=[], mode="markers", name=STATUS_LABELS[s],
                          marker=dict(color=STATUS_COLORS[s], size=[], opacity=0.85),
                          customdata=[], hovertext=[], visible=True, legendgroup=s,
                          hovertemplate=f"%{{hovertext}}<br>{STATUS_LABELS[s]}"
                                        "<br><i>Clic para ver la ficha</i><extra></extra>")
            for s in STATUSES]


def marker_sizes(amounts: Sequence[float | None], largest: float | None) -> list[float]:
    """Marker diameters: the area grows with the amount; works without amount are smallest."""
    top = largest if largest and largest > 0 else None
    out = []
    for amount in amounts:
        if not amount or amount <= 0 or top is None:
            out.append(MIN_SIZE)
        else:
            out.append(round(MIN_SIZE + (MAX_SIZE - MIN_SIZE) * math.sqrt(min(amount / top, 1.0)),
                             1))
    return out


def points_update(points: Sequence[Mapping[str, Any]], first_trace: int
                  ) -> dict[int, dict[str, Any]]:
    """New values of the works traces (trace index -> properties) for these works; an empty
    list clears them."""
    largest = max((p["investment"] or 0 for p in points), default=0)
    out = {}
    for offset, status in enumerate(STATUSES):
        mine = [p for p in points if p["status"] == status]
        out[first_trace + offset] = {
            "lat": [round(p["lat"], COORD_DIGITS) for p in mine],
            "lon": [round(p["lon"], COORD_DIGITS) for p in mine],
            "customdata": [p["infobras_code"] for p in mine],
            "hovertext": [_hover(p) for p in mine],
            "marker": {"size": marker_sizes([p["investment"] for p in mine], largest)},
            "name": f"{STATUS_LABELS[status]} ({fmt.number(len(mine))})",
            "showlegend": bool(points),
        }
    return out


def _hover(point: Mapping[str, Any]) -> str:
    """Name (its start: two thousand full names would double the response; the card has
    it whole), amount and where the point stands; the trace's template adds the status."""
    name = str(point["name"] or "")
    if len(name) > HOVER_NAME:
        name = name[:HOVER_NAME - 1].rstrip() + "…"
    return (f"<b>{escape(name)}</b><br>{fmt.money(point['investment'])}"
            f"{LOCATION_NOTE.get(point.get('geom_source'), '')}")
