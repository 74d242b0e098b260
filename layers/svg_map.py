"""The explorer's choropleth as plain SVG: what a phone paints from the page's HTML alone,
seconds before Plotly and MapLibre have arrived and drawn the interactive map (see
dashboard/preview.py). Every area is a link to its own view, so the map can be used before
(and without) any script.

Pure functions: boundary GeoJSON and the interactive map's own figure in, SVG text out.
The projection is web Mercator (EPSG:3857), as MapLibre draws it, so the swap to the
interactive map keeps the shapes where they were.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from html import escape
from typing import Any

import geopandas as gpd
import shapely
from plotly.colors import sample_colorscale

from layers.choropleth import AREA_POINTS, BASE, NO_DATA_COLOR, SELECTED, VALUES

WIDTH = 1000           # the viewBox's width; its height follows the shapes
SIMPLIFY = 0.6         # viewBox units (a 412-pixel phone shows 1 000 units in ~380 pixels)
POINT_RADIUS = 7


@dataclass(frozen=True)
class Shapes:
    """A level's areas projected into a WIDTH-wide viewBox: path data by ubigeo, and where
    the areas drawn as points (no polygon) fall."""

    width: int
    height: int
    paths: dict[str, str]
    names: dict[str, str]
    west: float          # the frame in EPSG:3857, to place the points
    north: float
    scale: float

    def point(self, lon: float, lat: float) -> tuple[int, int]:
        x, y = shapely.get_coordinates(
            gpd.GeoSeries.from_xy([lon], [lat], crs=4326).to_crs(3857).iloc[0])[0]
        return round((x - self.west) * self.scale), round((self.north - y) * self.scale)


def shapes(geojson: bytes | str) -> Shapes:
    """The boundaries of a FeatureCollection (properties ubigeo, name), projected,
    fitted and simplified for the viewBox."""
    features = json.loads(geojson)["features"]
    if not features:
        return Shapes(WIDTH, WIDTH, {}, {}, 0.0, 0.0, 1.0)
    frame = gpd.GeoDataFrame.from_features(features, crs=4326).to_crs(3857)
    west, south, east, north = frame.total_bounds
    scale = WIDTH / max(east - west, 1.0)
    fitted = frame.geometry.affine_transform([scale, 0, 0, -scale, -west * scale,
                                              north * scale]).simplify(SIMPLIFY)
    return Shapes(width=WIDTH, height=max(1, round((north - south) * scale)),
                  paths={u: _path(g) for u, g in zip(frame["ubigeo"], fitted, strict=True)},
                  names=dict(zip(frame["ubigeo"], frame["name"], strict=True)),
                  west=float(west), north=float(north), scale=float(scale))


def _path(geometry: Any) -> str:
    """SVG path data of a (multi)polygon, in whole viewBox units."""
    rings = []
    for polygon in getattr(geometry, "geoms", [geometry]):
        if polygon.is_empty:
            continue
        for ring in (polygon.exterior, *polygon.interiors):
            points: list[str] = []
            for x, y in ring.coords[:-1]:
                point = f"{round(x)} {round(y)}"
                if not points or points[-1] != point:
                    points.append(point)
            if len(points) > 2:
                rings.append("M" + "L".join(points) + "Z")
    return "".join(rings)


def _place(values: Mapping[str, Any]) -> Callable[[float], float]:
    """Where a value falls (0..1) on the values trace's colour scale, zmin to zmax."""
    low, high = values.get("zmin", 0), values.get("zmax", 1)
    span = (high - low) or 1
    return lambda z: (z - low) / span


def fills(figure: Mapping[str, Any]) -> dict[str, str]:
    """Each area's colour as the interactive map paints it: the values trace's colour scale
    between zmin and zmax; grey for an area without a value."""
    data = figure["data"]
    out = {u: NO_DATA_COLOR for u in data[BASE].get("locations") or []}
    values = data[VALUES]
    place = _place(values)
    places = [min(max(place(z), 0), 1) for z in values.get("z") or []]
    colors = sample_colorscale(values["colorscale"], places) if places else []
    out.update(zip(values.get("locations") or [], colors, strict=True))
    return out


def labels(figure: Mapping[str, Any]) -> dict[str, str]:
    """Each area's hover text as one plain line ("Lima · Número de obras: 2 000 · …")."""
    base = figure["data"][BASE]
    return {u: _plain(text) for u, text in zip(base.get("locations") or [],
                                                base.get("hovertext") or [], strict=False)}


def _plain(hover: str) -> str:
    return (hover.replace("<br>", " · ").replace("<b>", "").replace("</b>", ""))


def svg(found: Shapes, figure: Mapping[str, Any], hrefs: Mapping[str, str], title: str,
        polygon_less: Mapping[str, tuple[float, float]] | None = None) -> str:
    """The map: each area a link (its name and figures as its accessible name and
    tooltip), the selected area outlined, the areas without a polygon as dots. The hover
    texts come escaped from the figure (layers.choropleth escapes the names)."""
    colours, names = fills(figure), labels(figure)
    selected = set(figure["data"][SELECTED].get("locations") or [])
    parts = [f'<svg class="preview-svg" viewBox="0 0 {found.width} {found.height}" '
             f'preserveAspectRatio="xMidYMid meet" role="group" aria-label="{escape(title)}">']
    for ubigeo, d in found.paths.items():
        if ubigeo not in colours:
            continue
        parts.append(_area(hrefs.get(ubigeo), names.get(ubigeo, escape(found.names[ubigeo])),
                           "path", f'd="{d}" fill="{colours[ubigeo]}"'
                           + (' class="preview-selected"' if ubigeo in selected else "")))
    for ubigeo in figure["data"][AREA_POINTS].get("customdata") or []:
        if polygon_less and ubigeo in polygon_less:
            x, y = found.point(*polygon_less[ubigeo])
            parts.append(_area(hrefs.get(ubigeo), names.get(ubigeo, ubigeo), "circle",
                               f'cx="{x}" cy="{y}" r="{POINT_RADIUS}" '
                               f'fill="{colours.get(ubigeo, NO_DATA_COLOR)}"'))
    parts.append("</svg>")
    return "".join(parts)


def _area(href: str | None, label: str, tag: str, attributes: str) -> str:
    """A shape with its tooltip, inside its link."""
    drawn = f"<{tag} {attributes}><title>{label}</title></{tag}>"
    if not href:
        return drawn
    return f'<a href="{escape(href)}" aria-label="{label}">{drawn}</a>'


def legend(figure: Mapping[str, Any]) -> str:
    """The colour scale with the interactive map's title and ticks, as HTML."""
    values = figure["data"][VALUES]
    colorbar = values.get("colorbar") or {}
    place = _place(values)
    stops = ", ".join(f"{color} {position * 100:g}%" for position, color in values["colorscale"])
    ticks = "".join(
        f'<span class="preview-tick" style="left: {place(v) * 100:.1f}%">'
        f"{escape(str(text))}</span>"
        for v, text in zip(colorbar.get("tickvals") or [], colorbar.get("ticktext") or [],
                           strict=False))
    title = escape(str(((colorbar.get("title") or {}).get("text")) or ""))
    return (f'<div class="preview-legend"><span class="preview-legend-title">{title}</span>'
            f'<span class="preview-legend-bar" style="background: linear-gradient(to right, '
            f'{stops})"></span><span class="preview-ticks">{ticks}</span></div>')

