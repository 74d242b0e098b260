"""The explorer's charts: investment and works by status, by sector, by start year, and the
top areas by the map's metric. Pure: rows in, go.Figure out. Each bar carries in
`customdata` the filter value (or ubigeo) a click on it selects.
"""

from __future__ import annotations

import textwrap
from collections.abc import Mapping, Sequence
from html import escape
from typing import Any

import plotly.graph_objects as go

from geodata.infobras_format import STATUS_LABELS
from layers import format as fmt
from layers.choropleth import Metric, nice_ticks
from layers.figures import checked, spec, template
from layers.works_layer import STATUS_COLORS, STATUSES

BAR_COLOR = "#2c7fb8"
HIGHLIGHT_COLOR = "#253494"
MUTED_COLOR = "#a6bddb"
MUTED_TEXT = "#616e7c"
EMPTY_TEXT = "Sin obras con estos filtros"
TOP_N = 10
SECTORS_SHOWN = 8
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif"


def _figure(traces: list[dict], bars: int = 4, **layout: Any) -> go.Figure:
    """One figure built in one step, unvalidated (layers.figures: the tests check every chart
    against Plotly's validation). Sized by its container (the page's CSS): no height here.
    Few bars stay slim."""
    base = dict(template=template("none"), separators=", ", margin=dict(l=8, r=12, t=8, b=8),
                showlegend=False,
                plot_bgcolor="white", paper_bgcolor="white",
                font=dict(family=FONT, size=12, color="#222"),
                hoverlabel=dict(bgcolor="white"), bargap=max(0.2, 0.85 - 0.15 * bars),
                clickmode="event", dragmode=False)
    return spec(traces, {**base, **layout})


@checked
def empty_figure(text: str = EMPTY_TEXT) -> go.Figure:
    return _figure([], annotations=[dict(text=text, showarrow=False, x=0.5, y=0.5,
                                         xref="paper", yref="paper",
                                         font=dict(size=13, color="#666"))],
                   xaxis=dict(visible=False), yaxis=dict(visible=False))


def _bar_text(works: int | None, investment: float | None) -> str:
    return f"{fmt.count_label(works or 0, 'obra', 'obras')} · {fmt.money(investment)}"


def _tick(label: str, detail: str = "", width: int = 30) -> str:
    """A category's axis label: its name (wrapped) and, smaller below, a detail."""
    lines = "<br>".join(textwrap.wrap(escape(label), width)) or escape(label)
    return lines + (f"<br><span style='font-size:11px;color:{MUTED_TEXT}'>{detail}</span>"
                    if detail else "")


def _horizontal(ticks: list[str], amounts: list[float], texts: list[str], colors: list[str],
                keys: list[Any], hover: list[str]) -> go.Figure:
    """Horizontal bars, first on top; the value beside or inside each bar."""
    bar = dict(type="bar", y=ticks, x=amounts, orientation="h", marker=dict(color=colors),
               text=texts, textposition="auto", cliponaxis=False, customdata=keys,
               hovertext=hover, hovertemplate="%{hovertext}<extra></extra>",
               textfont=dict(size=12))
    return _figure([bar], len(ticks), uniformtext=dict(minsize=10, mode="show"),
                   xaxis=dict(visible=False, range=[0, max(amounts, default=0) * 1.3 or 1]),
                   yaxis=dict(autorange="reversed", automargin=True, ticks="",
                              showline=False, tickfont=dict(size=12)))


@checked
def status_chart(rows: Sequence[Mapping[str, Any]]) -> go.Figure:
    """Investment by status (the number of works under each name), in the fixed order."""
    by_key = {r["key"]: r for r in rows}
    present = [s for s in STATUSES if s in by_key]
    if not present:
        return empty_figure()
    return _horizontal(
        ticks=[_tick(STATUS_LABELS[s], fmt.count_label(by_key[s]["works"] or 0, "obra",
                                                         "obras")) for s in present],
        amounts=[by_key[s]["investment"] or 0 for s in present],
        texts=[fmt.money(by_key[s]["investment"]) for s in present],
        colors=[STATUS_COLORS[s] for s in present], keys=present,
        hover=[f"<b>{STATUS_LABELS[s]}</b><br>"
               f"{_bar_text(by_key[s]['works'], by_key[s]['investment'])}"
               "<br><i>Clic para filtrar</i>" for s in present])


@checked
def sector_chart(rows: Sequence[Mapping[str, Any]], selected: Sequence[str] = ()) -> go.Figure:
    """Investment by sector, largest first; the rest summed as "Otros sectores"."""
    ranked = sorted(rows, key=lambda r: (-(r["investment"] or 0), str(r["key"])))
    if not ranked:
        return empty_figure()
    cut = SECTORS_SHOWN if len(ranked) > SECTORS_SHOWN + 1 else len(ranked)  # never "1 other"
    shown, rest = ranked[:cut], ranked[cut:]
    labels = [fmt.label(r["key"]) if r["key"] else "Sin sector" for r in shown]
    works = [r["works"] or 0 for r in shown]
    amounts = [r["investment"] or 0 for r in shown]
    keys = [r["key"] for r in shown]
    if rest:
        labels.append(f"Otros {len(rest)} sectores")
        works.append(sum(r["works"] or 0 for r in rest))
        amounts.append(sum(r["investment"] or 0 for r in rest))
        keys.append(None)
    colors = [HIGHLIGHT_COLOR if k in selected else BAR_COLOR if k else MUTED_COLOR
              for k in keys]
    hover = [f"<b>{escape(label)}</b><br>{_bar_text(n, amount)}"
             + ("<br><i>Clic para filtrar</i>" if key else "")
             for label, n, amount, key in zip(labels, works, amounts, keys, strict=True)]
    return _horizontal([_tick(label, fmt.count_label(n, "obra", "obras"))
                        for label, n in zip(labels, works, strict=True)],
                       amounts, [fmt.money(a) for a in amounts], colors, keys, hover)


@checked
def year_chart(rows: Sequence[Mapping[str, Any]], year_range: tuple[int | None, int | None]
               = (None, None)) -> go.Figure:
    """Investment by start year (works in the hover); works without a start date are left
    out and counted in the note."""
    dated = sorted((r for r in rows if r["key"] is not None), key=lambda r: int(r["key"]))
    if not dated:
        return empty_figure()
    years = [int(r["key"]) for r in dated]
    amounts = [r["investment"] or 0 for r in dated]
    low, high = year_range
    colors = [HIGHLIGHT_COLOR if (low is not None or high is not None)
              and (low is None or y >= low) and (high is None or y <= high) else BAR_COLOR
              for y in years]
    bar = dict(type="bar", x=years, y=amounts, marker=dict(color=colors), customdata=years,
               hovertext=[f"<b>Inicio en {y}</b><br>{_bar_text(r['works'], r['investment'])}"
                          "<br><i>Clic para filtrar por este año</i>"
                          for y, r in zip(years, dated, strict=True)],
               hovertemplate="%{hovertext}<extra></extra>")
    top = max(max(amounts), 1.0) * 1.05   # room above the tallest bar
    ticks = nice_ticks(0.0, top)
    undated = [r for r in rows if r["key"] is None]
    notes = [dict(text=f"{fmt.count_label(undated[0]['works'] or 0, 'obra', 'obras')} sin "
                       "fecha de inicio", showarrow=False, xref="paper", yref="paper", x=1,
                  y=1.0, xanchor="right", yanchor="bottom", font=dict(size=11, color="#666"))
             ] if undated else []
    return _figure([bar], len(years), annotations=notes,
                   margin=dict(l=8, r=12, t=24 if notes else 8, b=8),
                   yaxis=dict(tickvals=ticks, ticktext=[fmt.money(t) for t in ticks],
                              gridcolor="#eee", zeroline=False, range=[0, max(top, ticks[-1])],
                              automargin=True),
                   xaxis=dict(tickmode="linear", dtick=1 if len(years) <= 12 else 2,
                              ticks="", showline=True, linecolor="#ccc", automargin=True))


@checked
def top_areas_chart(rows: Sequence[Mapping[str, Any]], vals: Sequence[float | None],
                    metric: Metric, selected: str | None = None) -> go.Figure:
    """The TOP_N areas with the highest value of the metric (areas without data left out)."""
    ranked = sorted(((v, r) for v, r in zip(vals, rows, strict=True) if v is not None),
                    key=lambda vr: (-vr[0], vr[1]["ubigeo"]))[:TOP_N]
    if not ranked:
        return empty_figure("Sin datos para esta métrica")
    texts = [metric.format(v) for v, _ in ranked]
    colors = [HIGHLIGHT_COLOR if r["ubigeo"] == selected else BAR_COLOR for _, r in ranked]
    hover = [f"<b>{escape(r['name'])}</b><br>{metric.title}: {t}"
             "<br><i>Clic para ver esta área</i>" for (_, r), t in zip(ranked, texts, strict=True)]
    return _horizontal([_tick(r["name"]) for _, r in ranked], [max(v, 0) for v, _ in ranked],
                       texts, colors, [r["ubigeo"] for _, r in ranked], hover)
