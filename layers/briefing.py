"""An area's briefing as one A4 landscape page, drawn with matplotlib on the server.

The same figure becomes the PDF and the PNG a manager attaches: KPIs, a map of the area's
children (or the district's works), the monthly trend, the biggest paralysed works and the
top alerts, with the data's date and the filters written on it. Facts in, bytes out.
"""

from __future__ import annotations

import io
import math
import textwrap
from datetime import date, datetime
from zoneinfo import ZoneInfo

import matplotlib

matplotlib.use("Agg")  # no display on a server

import geopandas as gpd  # noqa: E402
import plotly.graph_objects as go  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from geodata.infobras_format import STATUS_LABELS  # noqa: E402
from layers import format as fmt  # noqa: E402
from layers.figures import checked
from queries.briefing import Briefing  # noqa: E402
from queries.filters import Filters  # noqa: E402

LIMA = ZoneInfo("America/Lima")
PAGE = (11.69, 8.27)                # A4 landscape, inches
PNG_DPI = 150
TABLE_FONT = 7.5
INK, MUTED, ACCENT, ALERT = "#1f2933", "#616e7c", "#1d6fa5", "#c0392b"
STATUS_COLORS = {"en_ejecucion": "#1d6fa5", "paralizada": "#c0392b",
                 "finalizada": "#2e8b57", "sin_ejecucion": "#9aa5b1"}
LEVEL_TITLES = {1: "Región", 2: "Provincia", 3: "Distrito"}
CHILD_PLURAL = {2: "provincias", 3: "distritos"}
MAP_METRIC = ("paralysed_investment", "Inversión en obras paralizadas")
MAP_TITLE_Y = 0.655


def describe_filters(filters: Filters) -> str:
    """The filters in one Spanish line ("ninguno" when the selection is everything)."""
    parts = []
    if filters.status:
        parts.append("Estado: " + ", ".join(STATUS_LABELS.get(s, s) for s in filters.status))
    for label, values in (("Nivel de gobierno", filters.government_level),
                          ("Tipo de obra", filters.sector), ("Modalidad", filters.modality)):
        if values:
            parts.append(f"{label}: " + ", ".join(values))
    if filters.year_min is not None or filters.year_max is not None:
        parts.append(f"Año de inicio: {filters.year_min or '…'}–{filters.year_max or '…'}")
    if filters.amount_min is not None or filters.amount_max is not None:
        low = fmt.money(filters.amount_min) if filters.amount_min is not None else "…"
        high = fmt.money(filters.amount_max) if filters.amount_max is not None else "…"
        parts.append(f"Inversión: {low} a {high}")
    if filters.q:
        parts.append(f"Búsqueda: «{filters.q}»")
    return "; ".join(parts) or "ninguno (todas las obras del área)"


def date_text(value: date | datetime | None, with_time: bool = False,
              missing: str = "sin cargas registradas") -> str:
    """dd/mm/yyyy (and HH:MM), moments shown in Peru's time."""
    if value is None:
        return missing
    if isinstance(value, datetime):
        value = value.astimezone(LIMA) if value.tzinfo else value
        if with_time:
            return value.strftime("%d/%m/%Y %H:%M")
    return value.strftime("%d/%m/%Y")


def briefing_figure(b: Briefing, shapes: gpd.GeoDataFrame, points: gpd.GeoDataFrame,
                    generated: datetime | None = None) -> Figure:
    """The page as a matplotlib Figure (not attached to pyplot: safe across threads)."""
    with matplotlib.rc_context({"font.size": 7.5}):
        fig = Figure(figsize=PAGE)
        fig.patch.set_facecolor("white")
        _header(fig, b, generated or datetime.now(LIMA))
        _kpis(fig, b)
        _map(fig.add_axes((0.02, 0.06, 0.44, 0.60)), b, shapes, points)
        _trend(fig.add_axes((0.555, 0.47, 0.39, 0.17)), b)
        _paralysed_table(fig, b, top=0.38)
        _alerts_table(fig, b, top=0.19)
    fig.text(0.02, 0.015, "Fuentes: INFObras (Contraloría General de la República), MEF "
             "(CUI), INEI (límites y población). Elaborado con Mirador de Obras.",
             fontsize=7, color=MUTED)
    return fig


def render(fig: Figure, kind: str) -> bytes:
    """PDF or PNG bytes of the page."""
    out = io.BytesIO()
    if kind == "pdf":
        fig.savefig(out, format="pdf", metadata={"Title": fig.get_label() or "Informe",
                                                 "Creator": "Mirador de Obras"})
    else:
        fig.savefig(out, format="png", dpi=PNG_DPI)
    return out.getvalue()


def _header(fig: Figure, b: Briefing, generated: datetime) -> None:
    title = f"{LEVEL_TITLES[b.level]} {b.name}"
    fig.set_label(f"Informe de obras públicas — {title}")
    fig.text(0.02, 0.955, "Informe de obras públicas", fontsize=10, color=MUTED)
    fig.text(0.02, 0.915, title, fontsize=20, weight="bold", color=INK)
    if b.lineage:
        fig.text(0.02, 0.885, " › ".join(f"{LEVEL_TITLES[i]} {name}"
                                         for i, name in enumerate(b.lineage, start=1)),
                 fontsize=9, color=MUTED)
    fig.text(0.98, 0.955, f"Datos al {date_text(b.data_date)}", fontsize=10, ha="right",
             color=INK, weight="bold")
    fig.text(0.98, 0.93, f"Generado el {date_text(generated, with_time=True)}", fontsize=8,
             ha="right", color=MUTED)
    population = fmt.number(b.population) if b.population else "s/d"
    fig.text(0.98, 0.905, f"Población 2025 (INEI): {population}", fontsize=8, ha="right",
             color=MUTED)
    fig.text(0.02, 0.855, textwrap.shorten("Filtros: " + describe_filters(b.filters), 190),
             fontsize=8.5, color=INK)


def kpi_cards(b: Briefing) -> list[tuple[str, str, str]]:
    """(label, value, note) of the six headline figures, for the page and the file."""
    k = b.kpis
    computed = b.top_alerts is not None
    per_capita = k["investment_per_capita"]
    return [
        ("Obras", fmt.number(k["works"]), ""),
        ("Inversión", fmt.money(k["investment"]),
         f"{fmt.money(per_capita)} por habitante" if per_capita == per_capita else ""),
        ("Devengado", fmt.money(k["accrued"]), f"{fmt.percent(k['accrued_pct'])} de la inversión"),
        ("Paralizadas", fmt.number(k["paralysed"]),
         f"{fmt.percent(k['paralysed_pct'])} · {fmt.money(k['paralysed_investment'])}"),
        ("Avance físico promedio", fmt.percent(k["avg_physical"]), ""),
        ("Alertas", fmt.number(k["alerts"]) if computed else "no calculadas",
         f"{fmt.money(k['amount_at_risk'])} en riesgo" if computed else ""),
    ]


def _kpis(fig: Figure, b: Briefing) -> None:
    boxes = kpi_cards(b)
    width = 0.96 / len(boxes)
    for i, (label, value, note) in enumerate(boxes):
        x = 0.02 + i * width
        fig.patches.append(matplotlib.patches.FancyBboxPatch(
            (x + 0.004, 0.705), width - 0.012, 0.125, boxstyle="round,pad=0.004",
            transform=fig.transFigure, facecolor="#f5f7fa", edgecolor="#d9e2ec"))
        color = ALERT if label in ("Paralizadas", "Alertas") and note else INK
        fig.text(x + 0.012, 0.805, label, fontsize=8.5, color=MUTED)
        fig.text(x + 0.012, 0.752, value, fontsize=15, weight="bold", color=color)
        fig.text(x + 0.012, 0.717, note, fontsize=7, color=MUTED)


def _map(ax, b: Briefing, shapes: gpd.GeoDataFrame, points: gpd.GeoDataFrame) -> None:
    ax.set_axis_off()
    if shapes.empty and points.empty:
        ax.text(0.5, 0.5, "Sin geometría para esta área", ha="center", color=MUTED,
                transform=ax.transAxes)
        return
    if b.level < 3 and not b.children.empty:
        column, label = MAP_METRIC
        data = shapes.merge(b.children[["ubigeo", column]], on="ubigeo", how="left")
        data.plot(ax=ax, column=column, cmap="OrRd", edgecolor="white", linewidth=0.4,
                  legend=True, missing_kwds={"color": "#eeeeee"},
                  legend_kwds={"shrink": 0.6, "orientation": "horizontal", "pad": 0.02,
                               "format": matplotlib.ticker.FuncFormatter(
                                   lambda v, _: fmt.money(v))})
        _section(ax.figure, 0.02, MAP_TITLE_Y, f"{label} por {CHILD_PLURAL[b.level + 1]}")
        colorbar = ax.figure.axes[-1]
        colorbar.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(4))
        colorbar.tick_params(labelsize=7, colors=MUTED)
    else:
        shapes.plot(ax=ax, color="#f5f7fa", edgecolor="#9aa5b1", linewidth=0.8)
        for status, group in points.groupby("status"):
            group.plot(ax=ax, color=STATUS_COLORS.get(status, MUTED), markersize=14,
                       label=STATUS_LABELS.get(status, status))
        if not points.empty:
            ax.legend(loc="lower left", fontsize=7, frameon=False)
        _section(ax.figure, 0.02, MAP_TITLE_Y, "Obras con ubicación registrada")
    ax.set_aspect("equal")


def _trend(ax, b: Briefing) -> None:
    _section(ax.figure, 0.50, MAP_TITLE_Y,
             "Por mes: devengado acumulado (azul), avance físico medio % (naranja)")
    trend = b.trend
    if trend.empty:
        ax.set_axis_off()
        ax.text(0.5, 0.5, "Sin historial mensual para esta selección", ha="center",
                color=MUTED, transform=ax.transAxes)
        return
    months = trend["month"].astype("datetime64[ns]")
    ax.plot(months, trend["accrued"], color=ACCENT, linewidth=1.8)
    ax.yaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: fmt.money(v)))
    ax.tick_params(labelsize=7, colors=MUTED)
    twin = ax.twinx()
    twin.plot(months, trend["avg_physical"], color="#e67e22", linewidth=1.2)
    twin.set_ylim(0, 100)
    twin.tick_params(labelsize=7, colors=MUTED)
    for axis in (ax, twin):
        axis.spines[["top"]].set_visible(False)


def _section(fig: Figure, x: float, y: float, title: str) -> None:
    fig.text(x, y, title, fontsize=10, color=INK, weight="bold")


def _table(fig: Figure, top: float, title: str, header: list[str], rows: list[list[str]],
           widths: list[float], empty: str) -> None:
    """A plain text table on the right half of the page."""
    left = 0.50
    _section(fig, left, top, title)
    if not rows:
        fig.text(left, top - 0.03, empty, fontsize=8, color=MUTED)
        return
    line = 0.022
    xs = [left + sum(widths[:i]) for i in range(len(widths))]
    for x, text in zip(xs, header, strict=True):
        fig.text(x, top - 0.028, text, fontsize=TABLE_FONT, color=MUTED)
    for r, row in enumerate(rows):
        for c, (x, text) in enumerate(zip(xs, row, strict=True)):
            fig.text(x, top - 0.028 - line * (r + 1), _fit(text, widths[c]),
                     fontsize=TABLE_FONT,
                     color=ALERT if c == 0 and title.startswith("Alertas") else INK)


def _fit(text: str, width: float) -> str:
    """`text` cut to about what fits in `width` (a share of the page's width) at the table's
    font size; capitals are wider than small letters."""
    points = width * PAGE[0] * 72 - 6  # a small gap before the next column
    capitals = sum(ch.isupper() for ch in text) / max(len(text), 1)
    per_char = TABLE_FONT * (0.55 + 0.17 * capitals)
    return textwrap.shorten(text, max(6, int(points / per_char)), placeholder="…")


def _paralysed_table(fig: Figure, b: Briefing, top: float) -> None:
    rows = [[w["name"] or "", w["district"] or "", fmt.money(w["amount_investment"]),
             fmt.percent(w["physical_progress"])]
            for w in b.paralysed[:6]]
    _table(fig, top, "Obras paralizadas de mayor inversión",
           ["Obra", "Distrito", "Inversión", "Avance"], rows, [0.27, 0.09, 0.06, 0.05],
           "No hay obras paralizadas en esta selección.")


def _alerts_table(fig: Figure, b: Briefing, top: float) -> None:
    if b.top_alerts is None:
        _table(fig, top, "Alertas principales", [], [], [],
               "Las alertas aún no se calcularon para estos datos.")
        return
    rows = [[a["severity"], a["message"] or a["rule_code"], fmt.money(a["amount_at_risk"])]
            for a in b.top_alerts]
    _table(fig, top, "Alertas principales (mayor monto en riesgo)",
           ["Severidad", "Alerta", "En riesgo"], rows, [0.05, 0.35, 0.07],
           "Ninguna alerta activa en esta selección.")


def map_view(bounds: tuple[float, float, float, float] | None,
             size: tuple[int, int] = (520, 420)) -> dict:
    """Center and zoom of a web map of `size` pixels that shows the bounds (lon/lat) whole
    (MapLibre: the world is 512 * 2**zoom pixels wide)."""
    if bounds is None:
        return {"center": {"lat": -9.2, "lon": -75.0}, "zoom": 4}
    west, south, east, north = bounds
    fits = [math.log2(0.9 * pixels * 360 / (512 * max(span, 0.01)))
            for pixels, span in zip(size, (east - west, north - south), strict=True)]
    return {"center": {"lat": (south + north) / 2, "lon": (west + east) / 2},
            "zoom": max(0.0, min(14.0, *fits))}


@checked
def children_map(geojson_url: str, children, column: str, label: str,
                 bounds: tuple[float, float, float, float] | None,
                 id_key: str = "id") -> go.Figure:
    """The web page's choropleth: boundaries by URL (cached by the browser), values inline.
    A plain white background: no tile server needed (works offline and loads fast)."""
    fig = go.Figure(go.Choroplethmap(
        geojson=geojson_url, featureidkey=id_key, locations=list(children["ubigeo"]),
        z=list(children[column].fillna(0)), colorscale="OrRd", marker_line_width=0.6,
        marker_line_color="#9aa5b1",
        colorbar={"tickprefix": f"{label} ", "thickness": 14, "len": 0.8},
        customdata=[[n, fmt.money(v)] for n, v in zip(children["name"], children[column],
                                                      strict=True)],
        hovertemplate="%{customdata[0]}<br>%{customdata[1]}<extra></extra>"), _validate=False)
    fig.update_layout(map={"style": "white-bg", **map_view(bounds)},
                      margin={"l": 0, "r": 0, "t": 0, "b": 0}, height=420)
    return fig
