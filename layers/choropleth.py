"""The explorer's map: what each metric means, its value per area, the colours, and the
figure whose traces the explorer's callbacks fill (by index) with values.

Pure functions: area rows in, plain values or a go.Figure out. The boundary GeoJSON is
always a URL, never geometry in the figure.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from html import escape
from typing import Any

import plotly.graph_objects as go
from plotly.colors import sequential

from dashboard.i18n import N_, _
from layers import format as fmt
from layers.basemap import Basemap, map_settings
from layers.figures import checked, template

PER_CAPITA_SUFFIX = "_hab"
PER_10K = 10_000
NO_DATA_COLOR = "#d4d4d4"
NO_DATA_TEXT = "sin datos"
OUTLINE_COLOR = "#ffffff"
SELECTED_COLOR = "#1b1b1b"
def colorscale(name: str) -> list[list]:
    """A named scale as Plotly.js wants it: [[0, colour], ..., [1, colour]]."""
    colors = SCALES[name]
    return [[i / (len(colors) - 1), c] for i, c in enumerate(colors)]


# ColorBrewer sequential scales (colour-blind safe), light to dark, without the near-white
# first class so the lowest areas still stand out from the white background.
SCALES = {"blue": sequential.YlGnBu[1:], "red": sequential.OrRd[1:],
          "green": sequential.YlGn[1:]}


@dataclass(frozen=True)
class Metric:
    """A figure per area. `base` names what is summed; per inhabitant, money is divided by
    the population and counts are given per 10 000 inhabitants."""

    base: str
    label: str
    short: str            # legend title
    kind: str             # count | money | percent
    scale: str            # a key of SCALES
    per_capita: bool = False

    @property
    def colorscale(self) -> list[list]:
        return colorscale(self.scale)

    @property
    def key(self) -> str:
        return self.base + (PER_CAPITA_SUFFIX if self.per_capita else "")

    @property
    def title(self) -> str:
        """In the current language (the label is a catalog entry)."""
        if not self.per_capita:
            return _(self.label)
        return _("{label} por habitante", label=_(self.label)) if self.kind == "money" else (
            _("{label} por 10 000 habitantes", label=_(self.label)))

    @property
    def heading(self) -> str:
        """The title with its unit, unless the title already says it (a legend, a column)."""
        return self.title if self.unit in self.title else f"{self.title} ({self.unit})"

    @property
    def unit(self) -> str:
        if self.kind == "money":
            return _("S/ por habitante") if self.per_capita else "S/"
        if self.kind == "percent":
            return "%"
        return _("por 10 000 hab.") if self.per_capita else _(self.short)

    def format(self, value: float | None) -> str:
        if value is None:
            return NO_DATA_TEXT
        if self.kind == "money":
            return fmt.money(value)
        if self.kind == "percent":
            return fmt.percent(value)
        return fmt.decimal(value, 1) if self.per_capita else fmt.number(value)


# Base metrics; each has a per-inhabitant variant except the percentages and averages, whose
# per-inhabitant reading is that of their numerator (paralysed works per 10 000 inhabitants).
BASES: tuple[Metric, ...] = (
    Metric("works", N_("Número de obras"), N_("obras"), "count", "blue"),
    Metric("investment", N_("Inversión total"), "S/", "money", "blue"),
    Metric("accrued", N_("Devengado acumulado"), "S/", "money", "blue"),
    Metric("paralysed_pct", N_("Obras paralizadas"), "%", "percent", "red"),
    Metric("progress", N_("Avance físico promedio"), "%", "percent", "green"),
    Metric("alerts", N_("Alertas"), N_("alertas"), "count", "red"),
)
_PER_CAPITA_OF = {"paralysed_pct": Metric("paralysed", N_("Obras paralizadas"), N_("obras"),
                                          "count", "red", per_capita=True)}
NO_PER_CAPITA = frozenset({"progress"})
DEFAULT_METRIC = "works"


def _all_metrics() -> dict[str, Metric]:
    out: dict[str, Metric] = {}
    for m in BASES:
        out[m.key] = m
        if m.base in NO_PER_CAPITA:
            continue
        per = _PER_CAPITA_OF.get(m.base) or Metric(m.base, m.label, m.short, m.kind,
                                                   m.scale, per_capita=True)
        out[m.base + PER_CAPITA_SUFFIX] = per
    return out


METRICS: dict[str, Metric] = _all_metrics()


def metric_key(base: str, per_capita: bool) -> str:
    """The metric for a base and the "por habitante" switch (ignored where meaningless)."""
    return base + PER_CAPITA_SUFFIX if per_capita and base not in NO_PER_CAPITA else base


def split_metric_key(key: str) -> tuple[str, bool]:
    """"investment_hab" -> ("investment", True)."""
    if key.endswith(PER_CAPITA_SUFFIX):
        return key.removesuffix(PER_CAPITA_SUFFIX), True
    return key, False


# -- values --------------------------------------------------------------------------------
def _ratio(numerator: float | None, denominator: float | None, scale: float = 1.0
           ) -> float | None:
    if numerator is None or not denominator:
        return None
    return numerator / denominator * scale


def area_value(row: Mapping[str, Any], metric: Metric,
               alerts: Mapping[str, float] | None = None) -> float | None:
    """The metric of one area row (sums from queries.explorer.summary). Counts and sums of
    an area without works are 0; ratios and averages are None (no data, never 0)."""
    works = row.get("works") or 0
    if metric.base == "works":
        value = float(works)
    elif metric.base in ("investment", "accrued"):
        value = float(row.get(metric.base) or 0.0)
    elif metric.base == "paralysed_pct":
        return _ratio(row.get("paralysed"), works, 100.0)
    elif metric.base == "paralysed":
        value = float(row.get("paralysed") or 0)
    elif metric.base == "progress":
        return _ratio(row.get("progress_sum"), row.get("progress_n"))
    elif metric.base == "alerts":
        if alerts is None:
            return None  # alerts not computed: unknown, not zero
        value = float(alerts.get(row["ubigeo"], 0))
    else:
        raise KeyError(metric.key)
    if not metric.per_capita:
        return value
    return _ratio(value, row.get("population"), PER_10K if metric.kind == "count" else 1.0)


def values(rows: Sequence[Mapping[str, Any]], metric: Metric,
           alerts: Mapping[str, float] | None = None) -> list[float | None]:
    return [area_value(r, metric, alerts) for r in rows]


def value_range(vals: Sequence[float | None], metric: Metric) -> tuple[float, float]:
    """Colour range: from 0 for counts and sums (so 0 reads as "none"), the data otherwise;
    percentages never beyond 0..100."""
    present = [v for v in vals if v is not None]
    if not present:
        return 0.0, 1.0
    low, high = min(present), max(present)
    if metric.kind != "percent" or metric.base == "paralysed_pct":
        low = min(low, 0.0)
    if metric.kind == "percent":
        low, high = max(low, 0.0), min(high, 100.0)
    if math.isclose(low, high):
        high = low + 1.0
    return low, high


# -- the figure --------------------------------------------------------------------------------
# Trace order of map_figure(); the explorer patches traces by these indexes.
BASE, VALUES, SELECTED, AREA_POINTS = 0, 1, 2, 3
FIRST_WORKS_TRACE = 4


@checked
def map_figure(geojson_url: str, context_url: str | None, center: Mapping[str, float],
               zoom: float, works_traces: Sequence[go.Scattermap] = (),
               basemap: Basemap | None = None, streets: bool = False) -> go.Figure:
    """The map: a grey base of every area (missing data shows as grey), the coloured areas,
    the selected area's outline, areas without a polygon as points, then the works.
    `context_url` draws the neighbouring regions in light grey; `basemap` the streets, shown
    when `streets` (at district level: street_patch) (the map still reads without them)."""
    feature = "properties.ubigeo"
    common = dict(geojson=geojson_url, featureidkey=feature, locations=[], z=[])
    fig = go.Figure([
        go.Choroplethmap(**common, name=NO_DATA_TEXT, colorscale=[[0, NO_DATA_COLOR],
                                                                   [1, NO_DATA_COLOR]],
                         showscale=False, marker_line_color=OUTLINE_COLOR,
                         marker_line_width=0.6, hovertemplate="%{hovertext}<extra></extra>",
                         hovertext=[], showlegend=False),
        go.Choroplethmap(**common, name="valores", colorscale=colorscale("blue"),
                         marker_line_color=OUTLINE_COLOR, marker_line_width=0.6,
                         hovertemplate="%{hovertext}<extra></extra>", hovertext=[],
                         colorbar=dict(orientation="h", x=0.5, xanchor="center", y=0.0,
                                       yanchor="top", thickness=12, len=0.9,
                                       title=dict(side="top", font=dict(size=12)),
                                       tickfont=dict(size=11), outlinewidth=0),
                         showlegend=False),
        go.Choroplethmap(**common, name="seleccionada", showscale=False,
                         colorscale=[[0, "rgba(0,0,0,0)"], [1, "rgba(0,0,0,0)"]],
                         marker_line_color=SELECTED_COLOR, marker_line_width=2.5,
                         hoverinfo="skip", showlegend=False),
        go.Scattermap(lat=[], lon=[], mode="markers", name="áreas sin polígono",
                      marker=dict(size=14, color=[], colorscale=colorscale("blue"),
                                  showscale=False),
                      hovertemplate="%{hovertext}<extra></extra>", hovertext=[],
                      showlegend=False),
        *works_traces,
    ], _validate=False)
    layers = []
    if context_url:   # the fill would hide the streets: it goes while they show
        layers.append(dict(sourcetype="geojson", source=context_url, type="fill",
                           color="#eeeeee", below="traces",
                           visible=not (basemap and streets)))
        layers.append(dict(sourcetype="geojson", source=context_url, type="line",
                           color="#c8c8c8", line=dict(width=0.8), below="traces"))
    fig.update_layout(
        template=template("none"),
        map=dict(**map_settings(basemap, layers, streets), center=dict(center), zoom=zoom),
        margin=dict(l=0, r=0, t=0, b=56),
        paper_bgcolor="rgba(0,0,0,0)",
        legend=dict(orientation="h", x=0, y=1, xanchor="left", yanchor="bottom",
                    bgcolor="rgba(255,255,255,0.85)", font=dict(size=12),
                    itemclick="toggle", itemdoubleclick="toggleothers"),
        uirevision="explorer",
        dragmode="pan",
        font=dict(family="system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif"),
        hoverlabel=dict(bgcolor="white", font=dict(size=13)),
    )
    return fig


def streets_update(basemap: Basemap, streets: bool) -> dict[str, Any]:
    """What changes in the `map` of map_figure(basemap, context_url=...) when the streets
    are shown or hidden: its style, or the visibility of its layers by index (the tiles
    first, then the neighbouring regions' fill, which would cover them)."""
    settings = map_settings(basemap, [], streets)
    if basemap.is_style:
        return {"style": settings["style"], "layers": {0: not streets}}
    return {"layers": {0: streets, 1: not streets}}


def choropleth_update(rows: Sequence[Mapping[str, Any]], metric: Metric,
                      alerts: Mapping[str, float] | None, selected: str | None,
                      polygon_less: Mapping[str, tuple[float, float]] | None = None
                      ) -> dict[int, dict[str, Any]]:
    """New values of the area traces (trace index -> properties) for these area rows."""
    vals = values(rows, metric, alerts)
    low, high = value_range(vals, metric)
    hover = [_hover(r, metric, v) for r, v in zip(rows, vals, strict=True)]
    present = [(r["ubigeo"], v, h) for r, v, h in zip(rows, vals, hover, strict=True)
               if v is not None]
    polygon_less = polygon_less or {}
    points = [(r["ubigeo"], v, h) for r, v, h in zip(rows, vals, hover, strict=True)
              if r["ubigeo"] in polygon_less]
    whole = metric.kind == "count" and not metric.per_capita
    ticks = [t for t in nice_ticks(low, high, whole=whole) if low <= t <= high]
    return {
        BASE: {"locations": [r["ubigeo"] for r in rows], "z": [0] * len(rows),
               "hovertext": hover},
        VALUES: {"locations": [p[0] for p in present], "z": [p[1] for p in present],
                 "hovertext": [p[2] for p in present], "zmin": low, "zmax": high,
                 "colorscale": metric.colorscale,
                 "colorbar": {"title": {"text": metric.heading}, "tickvals": ticks,
                              "ticktext": [metric.format(t) for t in ticks]}},
        SELECTED: {"locations": [selected] if selected else [], "z": [1] if selected else []},
        AREA_POINTS: {"customdata": [u for u, _, _ in points],
                      "lat": [polygon_less[u][1] for u, _, _ in points],
                      "lon": [polygon_less[u][0] for u, _, _ in points],
                      "hovertext": [h for _, _, h in points],
                      "marker": {"color": [NO_DATA_COLOR if v is None else v
                                           for _, v, _ in points],
                                 "cmin": low, "cmax": high, "colorscale": metric.colorscale}},
    }


def nice_ticks(low: float, high: float, count: int = 4, whole: bool = False) -> list[float]:
    """Round values spanning low..high, about `count` steps apart (whole numbers only when
    `whole`: counts of works)."""
    span = high - low
    if span <= 0:
        return [low]
    raw = max(span / count, 1.0) if whole else span / count
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    first = math.ceil(low / step) * step
    return [round(first + i * step, 10) for i in range(int((high - first) // step) + 1)]


def _hover(row: Mapping[str, Any], metric: Metric, value: float | None) -> str:
    works = row.get("works") or 0
    lines = [f"<b>{escape(str(row.get('name') or row['ubigeo']))}</b>",
             f"{metric.title}: {metric.format(value)}"]
    if metric.base != "works" or metric.per_capita:
        lines.append(f"Obras: {fmt.number(works)}")
    if row.get("population"):
        lines.append(f"Población: {fmt.number(row['population'])}")
    return "<br>".join(lines)


def frame(bounds: Mapping[str, float] | None, width: float = 800, height: float = 560,
          padding: float = 0.95) -> tuple[dict[str, float], float]:
    """Center and zoom that fit `bounds` (west, south, east, north) in a map of
    width x height pixels (MapLibre: 512-pixel tiles, web Mercator)."""
    if not bounds:
        return {"lon": -75.0, "lat": -9.2}, 4.2
    center, scales = fit(bounds, padding)
    return center, fitted_zoom(scales, width, height)


def fit(bounds: Mapping[str, float], padding: float = 0.95
        ) -> tuple[dict[str, float], tuple[float, float]]:
    """The center of `bounds` and the scales such that the zoom fitting them in a map of
    width x height pixels is log2(min(width * sx, height * sy)): the browser frames a first
    view with them for its own map size (FIT_ZOOM_JS), without asking the server."""
    west, south, east, north = (bounds[k] for k in ("west", "south", "east", "north"))

    def mercator(lat: float) -> float:
        lat = max(min(lat, 85.0), -85.0)
        return math.log(math.tan(math.pi / 4 + math.radians(lat) / 2))

    dx = max(east - west, 1e-4) / 360
    dy = max(mercator(north) - mercator(south), 1e-4) / (2 * math.pi)
    y_mid = (mercator(north) + mercator(south)) / 2
    lat_mid = math.degrees(2 * math.atan(math.exp(y_mid)) - math.pi / 2)
    return ({"lon": (west + east) / 2, "lat": lat_mid},
            (padding / (512 * dx), padding / (512 * dy)))


def fitted_zoom(scales: tuple[float, float], width: float, height: float) -> float:
    """The zoom `fit`'s scales give a map of width x height (FIT_ZOOM_JS is the same)."""
    zoom = math.log2(min(width * scales[0], height * scales[1]))
    return round(max(min(zoom, 14.0), 2.0), 2)


# fitted_zoom in the browser.
FIT_ZOOM_JS = """function(scales, width, height) {
    var zoom = Math.log2(Math.min(width * scales[0], height * scales[1]));
    return Math.round(Math.max(Math.min(zoom, 14.0), 2.0) * 100) / 100;
}"""
