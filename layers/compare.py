"""Areas side by side: the metrics table, the ranking with the chosen areas highlighted and
the monthly trend. Frames from queries.compare in, rows and Plotly figures out."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import pandas as pd
import plotly.graph_objects as go

from layers import format as fmt
from layers.choropleth import nice_ticks
from layers.figures import checked, spec, template

HIGHLIGHT, OTHERS = "#1d6fa5", "#cbd2d9"
BAR_RANKING_MAX = 30  # up to this many areas the ranking names every one (bars)
SERIES_COLORS = ("#1d6fa5", "#c0392b", "#2e8b57", "#e67e22", "#7b4fa0", "#16a5a5")


@dataclass(frozen=True)
class Metric:
    """A comparable figure: its absolute column, its per-inhabitant column (if any)."""

    key: str
    label: str
    column: str
    per_inhabitant: str | None
    per_label: str
    kind: str  # money | number | percent

    def column_for(self, per_inhabitant: bool) -> str:
        return self.per_inhabitant if per_inhabitant and self.per_inhabitant else self.column

    def label_for(self, per_inhabitant: bool) -> str:
        return self.per_label if per_inhabitant and self.per_inhabitant else self.label

    def formatter(self, per_inhabitant: bool) -> Callable[[float | None], str]:
        if self.kind == "money":
            return fmt.money
        if self.kind == "percent":
            return fmt.percent
        return fmt.decimal if per_inhabitant and self.per_inhabitant else fmt.number


METRICS: tuple[Metric, ...] = (
    Metric("works", "Obras", "works", "works_per_10k", "Obras por 10 000 hab.", "number"),
    Metric("investment", "Inversión", "investment", "investment_per_capita",
           "Inversión por habitante", "money"),
    Metric("accrued", "Devengado", "accrued", "accrued_per_capita",
           "Devengado por habitante", "money"),
    Metric("accrued_pct", "Devengado / inversión", "accrued_pct", None, "", "percent"),
    Metric("paralysed", "Obras paralizadas", "paralysed", None, "", "number"),
    Metric("paralysed_pct", "% de obras paralizadas", "paralysed_pct", None, "", "percent"),
    Metric("avg_physical", "Avance físico promedio", "avg_physical", None, "", "percent"),
    Metric("alerts", "Alertas", "alerts", "alerts_per_10k", "Alertas por 10 000 hab.",
           "number"),
    Metric("amount_at_risk", "Monto en riesgo", "amount_at_risk", "amount_at_risk_per_capita",
           "Monto en riesgo por habitante", "money"),
)
METRIC_BY_KEY = {m.key: m for m in METRICS}


def comparison_rows(frame: pd.DataFrame, order: Sequence[str], per_inhabitant: bool
                    ) -> tuple[list[str], list[list[str]]]:
    """(area names, rows of [metric label, value per area]) in the order chosen."""
    frame = frame.set_index("ubigeo").reindex([u for u in order if u in set(frame["ubigeo"])])
    header = list(frame["name"])
    rows = [["Población 2025", *(fmt.number(v) for v in frame["population"])]]
    for metric in METRICS:
        column, show = metric.column_for(per_inhabitant), metric.formatter(per_inhabitant)
        rows.append([metric.label_for(per_inhabitant), *(show(v) for v in frame[column])])
    return header, rows


@checked
def ranking_figure(frame: pd.DataFrame, metric: Metric, per_inhabitant: bool,
                   highlighted: Sequence[str], level_plural: str = "áreas",
                   bars_up_to: int = BAR_RANKING_MAX) -> go.Figure:
    """Every area of the level, best first, the chosen ones highlighted: named bars when the
    level has few areas (regions), else dots with the chosen ones big and named (a log scale
    when values span more than two orders of magnitude)."""
    column = metric.column_for(per_inhabitant)
    data = frame.dropna(subset=[column]).sort_values(column, ascending=False)
    data = data.assign(rank=range(1, len(data) + 1))
    title = f"{metric.label_for(per_inhabitant)}: posición entre {len(data)} {level_plural}"
    if len(data) <= bars_up_to:
        return _ranking_bars(data, column, metric.formatter(per_inhabitant), highlighted, title)
    return _ranking_dots(data, column, metric.formatter(per_inhabitant), highlighted, title)


def _ranking_bars(data: pd.DataFrame, column: str, show: Callable[[float | None], str],
                  highlighted: Sequence[str], title: str) -> go.Figure:
    chosen = data["ubigeo"].isin(highlighted)
    values = [float(v) for v in data[column]]
    bar = {"type": "bar", "x": values, "orientation": "h",
           "y": [f"{name} (#{rank})" for name, rank in zip(data["name"], data["rank"],
                                                            strict=True)],
           "text": [show(v) for v in values], "textposition": "outside", "cliponaxis": False,
           "marker": {"color": [HIGHLIGHT if c else OTHERS for c in chosen]},
           "hovertemplate": "%{y}: %{text}<extra></extra>"}
    layout = {"title": {"text": title}, "template": template("plotly_white"),
              "showlegend": False, "bargap": 0.25, "height": max(320, 60 + 22 * len(data)),
              "yaxis": {"autorange": "reversed", "automargin": True},
              "xaxis": {"visible": False,
                        "range": [min(0.0, min(values)), max(max(values), 0.0) * 1.18 or 1]},
              "margin": {"l": 10, "r": 20, "t": 50, "b": 10}}
    return spec([bar], layout)


def _ranking_dots(data: pd.DataFrame, column: str, show: Callable[[float | None], str],
                  highlighted: Sequence[str], title: str) -> go.Figure:
    chosen = data["ubigeo"].isin(highlighted)
    traces = []
    for subset, color, size, name in ((data[~chosen], OTHERS, 5, "Otras"),
                                      (data[chosen], HIGHLIGHT, 13, "Elegidas")):
        values = [float(v) for v in subset[column]]
        traces.append({
            "type": "scatter", "x": [int(r) for r in subset["rank"]], "y": values,
            "mode": "markers", "name": name,
            "marker": {"color": color, "size": size, "line": {"width": 0}},
            "customdata": [[n, show(v)] for n, v in zip(subset["name"], values, strict=True)],
            "hovertemplate": "%{customdata[0]}<br>#%{x}: %{customdata[1]}<extra></extra>"})
    positive = data.loc[data[column] > 0, column]
    log = not positive.empty and positive.max() / positive.min() > 100
    notes = []
    for i, (_, row) in enumerate(data[chosen].iterrows()):
        value = float(row[column])
        if log and value <= 0:
            continue  # not drawn on a log axis
        # Annotations on a log axis take the exponent, not the value.
        notes.append({"x": int(row["rank"]), "y": math.log10(value) if log else value,
                      "text": f"{row['name']} (#{row['rank']})", "showarrow": True,
                      "arrowhead": 0, "ax": 0, "ay": -30 - 22 * (i % 3),
                      "font": {"size": 11}, "bgcolor": "rgba(255,255,255,0.85)"})
    layout = {"title": {"text": title}, "template": template("plotly_white"),
              "xaxis": {"title": {"text": "Posición (1 = el valor más alto)"}},
              "yaxis": {"type": "log" if log else "linear"}, "showlegend": False,
              "annotations": notes, "margin": {"l": 60, "r": 20, "t": 50, "b": 40}}
    return spec(traces, layout)


@checked
def trend_figure(series: pd.DataFrame, names: dict[str, str],
                 empty_text: str = "Sin historial mensual para estas áreas") -> go.Figure:
    """Accrued money (running total) and average physical progress per month, per area."""
    if series.empty:  # one line of text, not two empty panels
        note = {"text": empty_text, "showarrow": False, "xref": "paper", "yref": "paper",
                "x": 0.5, "y": 0.5, "font": {"size": 14, "color": "#616e7c"}}
        return spec([], {
            "template": template("plotly_white"), "height": 140, "annotations": [note],
            "xaxis": {"visible": False}, "yaxis": {"visible": False},
            "margin": {"l": 10, "r": 10, "t": 10, "b": 10}})
    traces = []
    for i, (ubigeo, group) in enumerate(series.groupby("ubigeo", sort=False)):
        color = SERIES_COLORS[i % len(SERIES_COLORS)]
        name = names.get(ubigeo, ubigeo)
        months = list(group["month"])
        traces.append({"type": "scatter", "x": months, "y": list(group["accrued"]),
                       "name": name, "line": {"color": color}, "legendgroup": ubigeo,
                       "customdata": [fmt.money(v) for v in group["accrued"]],
                       "hovertemplate": f"%{{x|%m/%Y}}: %{{customdata}}<extra>{name}</extra>"})
        traces.append({"type": "scatter", "x": months, "y": list(group["avg_physical"]),
                       "name": name, "line": {"color": color, "dash": "dot"},
                       "legendgroup": ubigeo, "showlegend": False, "xaxis": "x2",
                       "yaxis": "y2",
                       "hovertemplate": f"%{{x|%m/%Y}}: %{{y:.1f}} %<extra>{name}</extra>"})
    top = max(float(series["accrued"].max() or 0), 1.0) * 1.05   # room above the highest
    ticks = nice_ticks(0.0, top)
    title = {"showarrow": False, "xref": "paper", "yref": "paper", "x": 0.5,
             "xanchor": "center", "yanchor": "bottom", "font": {"size": 14}}
    layout = {
        "template": template("plotly_white"), "height": 520, "hovermode": "x unified",
        "separators": ", ", "margin": {"l": 70, "r": 20, "t": 40, "b": 30},
        "legend": {"orientation": "h", "y": -0.08},
        "xaxis": {"anchor": "y", "domain": [0, 1], "matches": "x2", "showticklabels": False},
        "xaxis2": {"anchor": "y2", "domain": [0, 1], "tickformat": "%m/%Y"},
        "yaxis": {"anchor": "x", "domain": [0.54, 1], "tickvals": ticks,
                  "ticktext": [fmt.money(t) for t in ticks],
                  "range": [0, max(top, ticks[-1])]},
        "yaxis2": {"anchor": "x2", "domain": [0, 0.44], "range": [0, 100],
                   "ticksuffix": " %"},
        "annotations": [{**title, "text": "Devengado acumulado (S/)", "y": 1.0},
                        {**title, "text": "Avance físico promedio de las obras que reportan",
                         "y": 0.44}],
    }
    return spec(traces, layout)
