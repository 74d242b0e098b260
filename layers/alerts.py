"""The alerts view's figures and table rows: a district map whose GeoJSON comes by URL (the
callbacks only patch its values), bars of where the money at risk is, and the alerts as table
records. Rows from queries.alerts in, Plotly figures and plain dicts out."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from html import escape

import plotly.graph_objects as go
from dash import html

from dashboard.i18n import _
from geodata.infobras_format import STATUS_LABELS
from geodata.messages import N_
from layers import alert_text
from layers import format as fmt
from layers.choropleth import frame
from layers.figures import checked
from layers.map_table import Cell, sortable_table

SEVERITY_LABELS = {"alta": N_("Alta"), "media": N_("Media"), "baja": N_("Baja")}
STATE_LABELS = {"alerta": N_("Alerta"), "no_calculable": N_("No calculable"),
                "senal": N_("Señal de control")}
COLORSCALE = "OrRd"
BAR_COLOR = "#c0392b"
MAP_SIZE = (640, 560)  # width, height in pixels, to frame an area


@dataclass(frozen=True)
class Measure:
    """What the map colours: a column of the counts, optionally per inhabitant."""

    key: str
    label: str
    column: str
    per: float | None                       # divide by population / per (None: absolute)
    formatter: Callable[[float | None], str]

    def value(self, row: Mapping, population: float | None) -> float:
        raw = float(row.get(self.column) or 0.0)
        if self.per is None:
            return raw
        return self.per * raw / population if population else 0.0


MEASURES: tuple[Measure, ...] = (
    Measure("alerts", N_("Alertas"), "alerts", None, fmt.number),
    Measure("alerts_per_10k", N_("Alertas por 10 000 hab."), "alerts", 10_000, fmt.decimal),
    Measure("amount_at_risk", N_("Monto en riesgo"), "amount_at_risk", None, fmt.money),
    Measure("amount_per_capita", N_("Monto en riesgo por habitante"), "amount_at_risk", 1,
            fmt.money),
)
MEASURE_BY_KEY = {m.key: m for m in MEASURES}


# -- map -----------------------------------------------------------------------------------------
def map_view(bounds: Mapping[str, float] | None) -> dict:
    """Center and zoom that show an area (west/south/east/north), or all of Peru."""
    center, zoom = frame(bounds, *MAP_SIZE)
    return {"center": center, "zoom": zoom}


@checked
def map_figure(geojson_url: str, locations: Sequence[str], measure: Measure,
               view: Mapping | None = None) -> go.Figure:
    """The district choropleth with every district present and zero values: the GeoJSON is a
    URL the browser fetches once; `map_values` gives what a callback patches in."""
    fig = go.Figure(go.Choroplethmap(
        geojson=geojson_url, featureidkey="id", locations=list(locations),
        z=[0] * len(locations), zmin=0, zmax=1, colorscale=COLORSCALE,
        marker={"line": {"width": 0.2, "color": "#ffffff"}},
        # Shorter than the map and from its foot: the top corner is the modebar's.
        colorbar={"title": {"text": _(measure.label), "side": "right"}, "thickness": 12,
                  "len": 0.88, "y": 0, "yanchor": "bottom"},
        hoverinfo="text", text=[""] * len(locations)), _validate=False)
    # "white-bg": no tile server needed, the district shapes are the map.
    fig.update_layout(map={"style": "white-bg", **(view or map_view(None))},
                      margin={"l": 0, "r": 0, "t": 0, "b": 0}, height=560,
                      paper_bgcolor="rgba(0,0,0,0)")
    return fig


def map_values(counts: Sequence[Mapping], areas: Sequence[Mapping], measure: Measure
               ) -> dict:
    """z, hover text, colour range and title for the districts in `areas` (ubigeo, name,
    region_name, population) from alert counts (ubigeo, alerts, works_with_alerts,
    amount_at_risk). The colour top is the 95th percentile, so one outlier does not wash
    out the rest."""
    by_code = {row["ubigeo"]: row for row in counts}
    z, text = [], []
    for a in areas:
        row = by_code.get(a["ubigeo"], {})
        value = measure.value(row, a.get("population"))
        z.append(value)
        text.append(f"{escape(a['name'])} ({escape(a.get('region_name') or '')})<br>"
                    f"{_(measure.label)}: {measure.formatter(value)}<br>"
                    f"Obras con alertas: {fmt.number(row.get('works_with_alerts') or 0)}")
    positive = sorted(v for v in z if v > 0)
    top = positive[min(len(positive) - 1, int(0.95 * len(positive)))] if positive else 1.0
    return {"z": z, "text": text, "zmax": top, "title": _(measure.label)}


TABLE_ROWS = 150   # districts in the map's table (the downloads hold every alert)


def map_table(counts: Sequence[Mapping], areas: Sequence[Mapping], measure: Measure,
              link: Callable[[str], str]):
    """The map's figures as a sortable table: the districts with alerts in the selection,
    highest first by the map's measure (at most TABLE_ROWS; every other district is 0 on the
    map), each named by a link to its alerts."""
    by_code = {row["ubigeo"]: row for row in counts}
    rows = []
    for a in areas:
        row = by_code.get(a["ubigeo"])
        if row and (row.get("alerts") or 0) > 0:
            rows.append((measure.value(row, a.get("population")), a, row))
    rows.sort(key=lambda r: (-r[0], r[1]["ubigeo"]))
    shown = rows[:TABLE_ROWS]
    headers = [_("Distrito"), _("Región"), _(measure.label), _("Alertas"), _("Obras con alertas"),
               _("Monto en riesgo")]
    body = [[Cell(html.A(a["name"], href=link(a["ubigeo"])), a["name"]),
             Cell(a.get("region_name") or "", a.get("region_name") or ""),
             Cell(measure.formatter(value), value),
             Cell(fmt.number(row.get("alerts") or 0), row.get("alerts") or 0),
             Cell(fmt.number(row.get("works_with_alerts") or 0),
                  row.get("works_with_alerts") or 0),
             Cell(fmt.money(row.get("amount_at_risk") or 0), row.get("amount_at_risk") or 0)]
            for value, a, row in shown]
    if not rows:
        note = _("Ningún distrito tiene alertas en esta selección.")
    elif len(rows) > len(shown):
        note = _("Los {n} distritos con más {medida} de {total} con alertas; los demás "
                 "distritos del mapa tienen 0.", n=len(shown), medida=_(measure.label).lower(),
                 total=fmt.number(len(rows)))
    else:
        note = _("Los {n} distritos con alertas en esta selección; los demás distritos del "
                 "mapa tienen 0.", n=fmt.number(len(rows)))
    return sortable_table(_("{medida} por distrito", medida=_(measure.label)), headers, body,
                          "alertas-map-table", numeric=(2, 3, 4, 5),
                          keys=[a["ubigeo"] for _v, a, _r in shown], note=note)


# -- where the money at risk is --------------------------------------------------------------
@checked
def top_bars(rows: Sequence[Mapping], label: Callable[[Mapping], str], title: str,
             empty: str) -> go.Figure:
    """Horizontal bars of amount at risk, the largest on top, with works and alerts on hover."""
    fig = go.Figure(_validate=False)
    if not rows:
        fig.add_annotation(text=empty, showarrow=False, x=0.5, y=0.5, xref="paper",
                           yref="paper")
        fig.update_xaxes(visible=False)
        fig.update_yaxes(visible=False)
    else:
        ordered = list(reversed(rows))
        fig.add_bar(
            x=[r["amount_at_risk"] for r in ordered],
            y=[escape(_short(label(r))) for r in ordered],
            orientation="h", marker_color=BAR_COLOR,
            text=[fmt.money(r["amount_at_risk"]) for r in ordered], textposition="auto",
            hovertext=[f"{escape(label(r))}<br>"
                       f"Monto en riesgo: {fmt.money(r['amount_at_risk'])}<br>"
                       f"Obras: {fmt.number(r['works'])} · Alertas: {fmt.number(r['alerts'])}"
                       for r in ordered], hoverinfo="text")
        fig.update_xaxes(title_text="Monto en riesgo (S/)", showticklabels=False)
    fig.update_layout(title={"text": title, "x": 0, "font": {"size": 16}},
                      height=80 + 32 * max(len(rows), 3), margin={"l": 10, "r": 10, "t": 40,
                                                                   "b": 30},
                      plot_bgcolor="rgba(0,0,0,0)", paper_bgcolor="rgba(0,0,0,0)")
    return fig


def area_label(row: Mapping) -> str:
    region = row.get("region_name")
    return f"{row['name']} ({region})" if region and region != row["name"] else row["name"]


def _short(text: str, limit: int = 42) -> str:
    return text if len(text) <= limit else text[:limit - 1] + "…"


# -- table ----------------------------------------------------------------------------------------
TABLE_COLUMNS = (
    ("severity", N_("Severidad")), ("rule_name", N_("Alerta")), ("message", N_("Detalle")),
    ("work_name", N_("Obra")), ("amount_at_risk", N_("Monto en riesgo")),
    ("district", N_("Distrito")), ("region", N_("Región")), ("entity", N_("Entidad")),
    ("link", N_("Ficha")),
)
UNSORTABLE = ("message", "link")


def table_records(rows: Sequence[Mapping]) -> list[dict]:
    """Display values for the DataTable (plain text, escaped by the table), in the current
    language (a sentence rewritten from its evidence, layers/alert_text); the link column is
    markdown made only of a fixed label and the numeric code."""
    reports, see = _("Ver informes de control"), _("Ver obra {code}")
    return [{
        "severity": _(SEVERITY_LABELS.get(r["severity"], STATE_LABELS.get(r["state"], ""))),
        "rule_name": alert_text.rule_name(r["rule_code"], r["rule_name"]),
        "message": alert_text.sentence(
            r, ", ".join(v for v in (r.get("district"), r.get("region")) if v)),
        "work_name": r["work_name"],
        "amount_at_risk": fmt.money(r["amount_at_risk"]) if r["amount_at_risk"] else "—",
        "district": r["district"] or r["ubigeo"],
        "region": r["region"] or "",
        "entity": r["entity"] or "",
        "status": _(STATUS_LABELS.get(r["status"], r["status"])),
        "link": (f"[{reports}](/obra/{int(r['infobras_code'])}#obra-control)"
                 if r["state"] == "senal" else
                 f"[{see.format(code=int(r['infobras_code']))}](/obra/{int(r['infobras_code'])})"),
    } for r in rows]
