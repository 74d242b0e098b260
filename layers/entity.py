"""The figures of an entity's and a contractor's page: their works added up (from the rows of
queries.parties.work_groups_stmt), the works as points on a map, and money by year and by
status. Pure: rows in, numbers and Plotly figures out; boundaries come by URL.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from html import escape
from typing import Any

from geodata.infobras_format import STATUS_LABELS
from layers import format as fmt
from layers.briefing import map_view
from layers.figures import checked, plain_spec, template
from layers.works_layer import STATUS_COLORS, STATUSES, points_update, works_traces

FONT = {"family": "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif", "size": 12,
        "color": "#1f2933"}
INVESTMENT_COLOR = "#1f3a5f"
MAP_SIZE = (640, 360)      # pixels the map is framed for (its CSS height)
MIN_SPAN = 0.25           # degrees (about 28 km) the map shows at least
POINT_COLUMNS = ("infobras_code", "lon", "lat", "status", "investment", "name", "geom_source")


def _figure(traces: list[dict[str, Any]], height: int, **layout: Any) -> dict[str, Any]:
    """A figure as the plain dict dcc.Graph sends (layers.figures.plain_spec): these are
    built on every page, and a go.Figure would copy and walk them twice."""
    base = {"template": template("none"), "height": height, "font": FONT,
            "separators": ", ", "margin": {"l": 8, "r": 8, "t": 8, "b": 8},
            "paper_bgcolor": "rgba(0,0,0,0)", "plot_bgcolor": "rgba(0,0,0,0)",
            "hoverlabel": {"font": FONT}}
    return plain_spec(traces, {**base, **layout})


@functools.cache
def _status_traces() -> tuple[dict[str, Any], ...]:
    """The explorer's empty works traces (one per status) as plain dicts, built once."""
    return tuple(t.to_plotly_json() for t in works_traces())


def _padded(west: float, south: float, east: float, north: float
            ) -> tuple[float, float, float, float]:
    """The works' extent, at least MIN_SPAN degrees wide and high: a few works close
    together are shown with their district around them, not as dots on a blank street."""
    pad_x = max(0.0, MIN_SPAN - (east - west)) / 2
    pad_y = max(0.0, MIN_SPAN - (north - south)) / 2
    return west - pad_x, south - pad_y, east + pad_x, north + pad_y


def _merge(target: dict[str, Any], values: Mapping[str, Any]) -> None:
    for key, value in values.items():
        if isinstance(value, Mapping) and isinstance(target.get(key), dict):
            _merge(target[key], value)
        else:
            target[key] = value


@checked
def works_map(works: Sequence[Mapping[str, Any]], outlines: Sequence[str] = ()
              ) -> dict[str, Any]:
    """The works with a point, one trace per status (the explorer's colours and sizes),
    framed on them; `outlines`: boundary GeoJSON URLs drawn as lines beneath."""
    located = [w for w in works if w.get("lon") is not None and w.get("lat") is not None]
    columns = {name: [w[name] for w in located] for name in POINT_COLUMNS}
    traces = [{**t, "marker": dict(t["marker"])} for t in _status_traces()]
    for index, values in points_update(columns, 0).items():
        _merge(traces[index], values)
    bounds = (_padded(min(columns["lon"]), min(columns["lat"]), max(columns["lon"]),
                      max(columns["lat"])) if located else None)
    layers = [{"sourcetype": "geojson", "source": url, "type": "line", "color": "#9aa5b1",
               "line": {"width": 1}, "below": "traces"} for url in outlines]
    return _figure(traces, MAP_SIZE[1], showlegend=bool(located),
                   legend={"orientation": "h", "x": 0, "y": 1, "yanchor": "bottom",
                           "bgcolor": "rgba(255,255,255,0.8)"},
                   map={"style": "white-bg", "layers": layers, **map_view(bounds, MAP_SIZE)},
                   margin={"l": 0, "r": 0, "t": 28, "b": 0})


@checked
def money_by_year(groups: Sequence[Mapping[str, Any]],
                  investment_years: Sequence[Mapping[str, Any]] = ()) -> dict[str, Any]:
    """The works' investment by start year, stacked by status, and (a line) the updated
    cost of the MEF investments by year of viability."""
    traces: list[dict[str, Any]] = []
    for status in STATUSES:
        rows = sorted((r for r in groups if r["status"] == status and r["start_year"]),
                      key=lambda r: r["start_year"])
        if rows:
            traces.append({
                "type": "bar", "name": f"Obras {STATUS_LABELS[status].lower()}",
                "x": [r["start_year"] for r in rows],
                "y": [float(r["investment"] or 0) for r in rows],
                "marker": {"color": STATUS_COLORS[status]},
                "hovertext": [f"<b>{STATUS_LABELS[status]}, inicio en {r['start_year']}</b>"
                              f"<br>{fmt.count_label(r['works'], 'obra', 'obras')} · "
                              f"{fmt.money(r['investment'])}" for r in rows],
                "hovertemplate": "%{hovertext}<extra></extra>"})
    dated = [r for r in investment_years if r.get("year")]
    if dated:
        traces.append({
            "type": "scatter", "mode": "lines+markers", "name": "Inversiones MEF (costo "
            "actualizado, por año de viabilidad)", "x": [r["year"] for r in dated],
            "y": [float(r["amount_updated"] or r["amount_viable"] or 0) for r in dated],
            "line": {"color": INVESTMENT_COLOR, "dash": "dot"},
            "hovertext": [f"<b>Viables en {r['year']}</b><br>"
                          f"{fmt.count_label(r['investments'], 'inversión', 'inversiones')}"
                          f" · {fmt.money(r['amount_updated'] or r['amount_viable'])}"
                          for r in dated],
            "hovertemplate": "%{hovertext}<extra></extra>"})
    if not traces:
        return _empty("Sin montos por año")
    return _figure(traces, 300, barmode="stack", showlegend=True,
                   legend={"orientation": "h", "y": -0.15, "font": {"size": 11}},
                   xaxis={"tickmode": "linear", "dtick": 1, "showline": True,
                          "linecolor": "#ccc", "automargin": True},
                   yaxis={"gridcolor": "#eee", "zeroline": False, "automargin": True,
                          "tickprefix": "S/ "})


@checked
def money_by_status(totals: Mapping[str, Any]) -> dict[str, Any]:
    """The works' investment by status (how many under each name), in the fixed order."""
    present = list(totals.get("by_status", {}))
    if not present:
        return _empty("Sin obras registradas en INFObras")
    rows = [totals["by_status"][s] for s in present]
    names = [f"{STATUS_LABELS[s]}<br><span style='font-size:11px;color:#616e7c'>"
             f"{fmt.count_label(r['works'], 'obra', 'obras')}</span>"
             for s, r in zip(present, rows, strict=True)]
    amounts = [float(r["investment"] or 0) for r in rows]
    bar = {"type": "bar", "orientation": "h", "y": names, "x": amounts,
           "marker": {"color": [STATUS_COLORS[s] for s in present]},
           "text": [fmt.money(r["investment"]) for r in rows], "textposition": "auto",
           "cliponaxis": False,
           "hovertext": [f"<b>{escape(STATUS_LABELS[s])}</b><br>"
                         f"{fmt.count_label(r['works'], 'obra', 'obras')} · "
                         f"{fmt.money(r['investment'])}"
                         for s, r in zip(present, rows, strict=True)],
           "hovertemplate": "%{hovertext}<extra></extra>"}
    return _figure([bar], 60 + 44 * len(present), bargap=0.3,
                   xaxis={"visible": False, "range": [0, max(amounts, default=0) * 1.3 or 1]},
                   yaxis={"autorange": "reversed", "automargin": True, "ticks": ""})


def _empty(text: str) -> dict[str, Any]:
    return _figure([], 120, annotations=[{"text": text, "showarrow": False, "x": 0.5,
                                          "y": 0.5, "xref": "paper", "yref": "paper",
                                          "font": {"size": 13, "color": "#666"}}],
                   xaxis={"visible": False}, yaxis={"visible": False})
