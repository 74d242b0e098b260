"""The map of works near a place (/cerca): the place, the search circle and the works by
status. Rows of queries.nearby in, a Plotly figure out; district outlines come by URL."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from dash import html
from pyproj import Geod

from dashboard.i18n import _, ngettext
from geodata.infobras_format import STATUS_LABELS
from layers import format as fmt
from layers.basemap import Basemap, map_settings
from layers.briefing import STATUS_COLORS
from layers.figures import checked, plain_spec, template
from layers.map_table import Cell, sortable_table
from layers.work_story import FONT, MUTED, SEPARATORS
from layers.works_layer import RING, RING_CENTRE, RING_HOLE, RING_MARK

_WGS84 = Geod(ellps="WGS84")
RING_POINTS = 73
HERE_COLOR = "#111827"
STACK_COLOR = "#52606d"


def distance_text(metres: float | None) -> str:
    """850 -> "850 m"; 1234 -> "1,2 km"."""
    if metres is None:
        return fmt.MISSING
    if metres < 1000:
        return f"{fmt.number(round(metres / 10) * 10)} m"
    return f"{fmt.decimal(metres / 1000, 1)} km"


def radius_ring(lon: float, lat: float, radius_m: float) -> tuple[list[float], list[float]]:
    """The circle of `radius_m` metres around a point, on the ellipsoid (lon, lat lists)."""
    azimuths = [360.0 * i / (RING_POINTS - 1) for i in range(RING_POINTS)]
    lons, lats, _ = _WGS84.fwd([lon] * RING_POINTS, [lat] * RING_POINTS, azimuths,
                               [radius_m] * RING_POINTS)
    return list(lons), list(lats)


def zoom_for_radius(lat: float, radius_m: float, pixels: int = 270) -> float:
    """The web-map zoom at which the circle's diameter fills `pixels` (MapLibre: 512 px tiles,
    metres per pixel = 40 075 km · cos(lat) / (512 · 2^zoom))."""
    metres_per_pixel = 2.2 * radius_m / pixels
    return math.log2(40_075_016 * math.cos(math.radians(lat)) / (512 * metres_per_pixel))


def _stacks(works: Sequence[Mapping[str, Any]]) -> list[list[Mapping[str, Any]]]:
    """Works sharing one point (mostly those placed at their district's capital)."""
    groups: dict[tuple[float, float], list] = {}
    for w in works:
        groups.setdefault((round(w["lon"], 5), round(w["lat"], 5)), []).append(w)
    return [g for g in groups.values() if len(g) > 1]


def _stack_text(group: Sequence[Mapping[str, Any]]) -> str:
    if all(w.get("geom_source") != "surveyed" for w in group):
        return ngettext("{count} obra en la capital del distrito (ubicación aproximada)",
                        "{count} obras en la capital del distrito (ubicación aproximada)",
                        len(group), count=len(group))
    return ngettext("{count} obra en el mismo punto", "{count} obras en el mismo punto",
                    len(group), count=len(group))


@checked
def nearby_map(lon: float, lat: float, radius_km: int, works: Sequence[Mapping[str, Any]],
               outline_url: str | None = None, basemap: Basemap | None = None
               ) -> dict[str, Any]:
    """Works as dots coloured by status (tap one to see its name), the place and the circle,
    over the streets when a `basemap` is given: the plain spec dcc.Graph sends (validation,
    and even a go.Figure's copies, cost more than the search itself)."""
    ring_lon, ring_lat = radius_ring(lon, lat, radius_km * 1000)
    traces: list[dict[str, Any]] = [
        {"type": "scattermap", "lon": ring_lon, "lat": ring_lat, "mode": "lines",
         "hoverinfo": "skip", "line": {"color": MUTED, "width": 1.5}, "showlegend": False}]
    stacks = _stacks(works)
    stacked = {code for group in stacks for code in (w["infobras_code"] for w in group)}
    for status, label in STATUS_LABELS.items():
        group = [w for w in works if w.get("status") == status
                 and w["infobras_code"] not in stacked]
        if not group:
            continue
        dots = {
            "type": "scattermap", "lon": [w["lon"] for w in group],
            "lat": [w["lat"] for w in group], "mode": "markers",
            "name": _(label) + (RING_MARK if status == RING else ""), "legendgroup": status,
            "marker": {"size": 11, "color": STATUS_COLORS[status], "opacity": 0.85},
            "customdata": [[w["infobras_code"], w["name"][:80], distance_text(w["distance_m"])]
                           for w in group],
            "hovertemplate": "%{customdata[1]}<br>"
                             + _("a {distance}", distance="%{customdata[2]}")
                             + "<extra></extra>"}
        traces.append(dots)
        if status == RING:   # a ring: its colour is not what alone tells it apart
            traces.append({**dots, "showlegend": False,
                           "marker": {"size": round(11 * RING_HOLE, 1), "color": RING_CENTRE}})
    if stacks:
        traces.append({
            "type": "scattermap", "lon": [g[0]["lon"] for g in stacks],
            "lat": [g[0]["lat"] for g in stacks], "mode": "markers",
            "name": _("Varias obras en un punto"),
            "marker": {"size": [min(34, 16 + 2 * len(g)) for g in stacks],
                       "color": STACK_COLOR, "opacity": 0.8},
            "hovertext": [_stack_text(g) for g in stacks], "hoverinfo": "text"})
    traces.append({"type": "scattermap", "lon": [lon], "lat": [lat], "mode": "markers",
                   "name": _("Punto de búsqueda"), "marker": {"size": 14, "color": HERE_COLOR},
                   "hovertemplate": _("Punto de búsqueda") + "<extra></extra>"})
    layers = ([{"sourcetype": "geojson", "source": outline_url, "type": "line",
                "color": "#9aa5b1", "line": {"width": 1}, "below": "traces"}]
              if outline_url else [])
    layout = {
        "template": template("none"),
        "map": {**map_settings(basemap, layers), "center": {"lon": lon, "lat": lat},
                "zoom": zoom_for_radius(lat, radius_km * 1000)},
        "height": 320, "margin": {"l": 0, "r": 0, "t": 0, "b": 0}, "font": FONT,
        "separators": SEPARATORS,
        "legend": {"orientation": "h", "y": 0, "x": 0, "bgcolor": "rgba(255,255,255,0.85)",
                   "font": {"size": 11}},
        "paper_bgcolor": "rgba(0,0,0,0)"}
    return plain_spec(traces, layout)


def works_table(works: Sequence[Mapping[str, Any]]):
    """The map's works as a sortable table, nearest first: name (a link to its page),
    status in words, distance (≈ when measured to the district's capital), investment and
    physical progress."""
    headers = [_("Obra"), _("Estado"), _("Distancia"), _("Inversión"), _("Avance físico")]
    rows = [[Cell(html.A(w["name"], href=f"/obra/{w['infobras_code']}"), w["name"]),
             Cell(_(STATUS_LABELS.get(w.get("status"), w.get("status") or "")), w.get("status")),
             Cell(("" if w.get("geom_source") == "surveyed" else "≈ ")
                  + distance_text(w["distance_m"]), w["distance_m"]),
             Cell(fmt.money(w.get("amount_investment")), w.get("amount_investment")),
             Cell(fmt.percent(w.get("physical_progress")), w.get("physical_progress"))]
            for w in works]
    return sortable_table(_("Obras del mapa"), headers, rows, "cerca-map-table",
                          numeric=(2, 3, 4), keys=[str(w["infobras_code"]) for w in works],
                          note=_("Las {n} obras del mapa, de la más cercana a la más lejana.",
                                 n=fmt.number(len(works))))
