"""The explorer's charts: investment and works by status, by sector, by start year, and the
top areas by the map's metric. Pure: rows in, go.Figure out. Each bar carries in
`customdata` the filter value (or ubigeo) a click on it selects, and each figure its text
alternative in `layout.meta["table"]`: the same figures, written as the chart writes them,
which `text_alternative` writes for screen readers (built in the same step as the bars, so the
two cannot drift apart).

The left margin is estimated here from the labels (TEXT_EM, a wide sans-serif's widths), a
little wider than they need: Plotly's automargin, kept as a safety net, then has nothing to
push, and draws each chart once instead of measuring, moving the margin and drawing again.
"""

from __future__ import annotations

import math
import re
import textwrap
from collections.abc import Mapping, Sequence
from html import escape, unescape
from typing import Any

import plotly.graph_objects as go
from dash import html

from dashboard.i18n import _
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
# Character widths (em) of DejaVu Sans, the widest of the faces FONT resolves to (Linux),
# rounded up to 0.05 em; Roboto, Segoe UI and San Francisco are narrower.
TEXT_EM = {**dict.fromkeys("'IJijlÍí", 0.3), **dict.fromkeys(" ,./:;f|·", 0.35),
           **dict.fromkeys("()-rt", 0.4), **dict.fromkeys("!", 0.45),
           **dict.fromkeys("csz", 0.55), **dict.fromkeys("FLTkvxy", 0.6),
           **dict.fromkeys("BCKRVXZ", 0.7), **dict.fromkeys("ANUÁÑÚ", 0.75),
           **dict.fromkeys("&DGHOQÓ", 0.8), **dict.fromkeys("w", 0.85),
           **dict.fromkeys("M", 0.9), **dict.fromkeys("%Wm", 1.0)}
TEXT_EM_DEFAULT = 0.65          # most lower-case letters, the digits
TICK_PAD = 12                   # Plotly's gap between a label and the axis, and 2 px more
YEAR_LABELS_MARGIN = 32         # the years, level (few enough to fit a phone: _year_step)
YEAR_LABELS = 5                 # at most: 34 px each, level on a 320 px phone
YEAR_RIGHT_MARGIN = 20          # half the last year's label, beyond its bar


def _figure(traces: list[dict], table: dict[str, Any], bars: int = 4, **layout: Any
            ) -> go.Figure:
    """One figure built in one step, unvalidated (layers.figures: the tests check every chart
    against Plotly's validation), with its text alternative `table` (_table). Sized by its
    container (the page's CSS): no height here. Few bars stay slim."""
    base = dict(template=template("none"), separators=", ", margin=dict(l=8, r=12, t=8, b=8),
                meta=dict(table=table),
                showlegend=False,
                plot_bgcolor="white", paper_bgcolor="white",
                font=dict(family=FONT, size=12, color="#222"),
                hoverlabel=dict(bgcolor="white"), bargap=max(0.2, 0.85 - 0.15 * bars),
                clickmode="event", dragmode=False)
    return spec(traces, {**base, **layout})


def _table(columns: Sequence[str], rows: Sequence[Sequence[str]], note: str = ""
           ) -> dict[str, Any]:
    """A chart's text alternative: column heads, one row of texts per bar, and what the
    chart says beside its bars (a note, or why it has none)."""
    return {"columns": list(columns), "rows": [list(r) for r in rows], "note": note}


def text_width(text: str, size: float) -> float:
    """The width in pixels of one line of `text` at font `size` (TEXT_EM's estimate)."""
    return size * sum(TEXT_EM.get(c, TEXT_EM_DEFAULT) for c in text)


def _labels_width(ticks: Sequence[str], size: float = 12) -> int:
    """The margin that holds the widest of the axis labels: each line of each label (the
    detail line, a smaller <span>, at 11 px), plus the gap to the axis."""
    widest = 0.0
    for tick in ticks:
        for line in str(tick).split("<br>"):
            small = line.startswith("<span")
            plain = unescape(re.sub(r"<[^>]+>", "", line))
            widest = max(widest, text_width(plain, size - 1 if small else size))
    return math.ceil(widest) + TICK_PAD


@checked
def empty_figure(text: str = EMPTY_TEXT) -> go.Figure:
    return _figure([], _table([], [], text),
                   annotations=[dict(text=text, showarrow=False, x=0.5, y=0.5, xref="paper",
                                     yref="paper", font=dict(size=13, color="#666"))],
                   xaxis=dict(visible=False), yaxis=dict(visible=False))


def _bar_text(works: int | None, investment: float | None) -> str:
    return f"{fmt.count_label(works or 0, 'obra', 'obras')} · {fmt.money(investment)}"


def _tick(label: str, detail: str = "", width: int = 30) -> str:
    """A category's axis label: its name (wrapped) and, smaller below, a detail."""
    lines = "<br>".join(textwrap.wrap(escape(label), width)) or escape(label)
    return lines + (f"<br><span style='font-size:11px;color:{MUTED_TEXT}'>{detail}</span>"
                    if detail else "")


def _horizontal(ticks: list[str], amounts: list[float], texts: list[str], colors: list[str],
                keys: list[Any], hover: list[str], table: dict[str, Any]) -> go.Figure:
    """Horizontal bars, first on top; the value beside or inside each bar."""
    bar = dict(type="bar", y=ticks, x=amounts, orientation="h", marker=dict(color=colors),
               text=texts, textposition="auto", cliponaxis=False, customdata=keys,
               hovertext=hover, hovertemplate="%{hovertext}<extra></extra>",
               textfont=dict(size=12))
    return _figure([bar], table, len(ticks), uniformtext=dict(minsize=10, mode="show"),
                   margin=dict(l=_labels_width(ticks), r=12, t=8, b=8),
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
    texts = [fmt.money(by_key[s]["investment"]) for s in present]
    return _horizontal(
        ticks=[_tick(STATUS_LABELS[s], fmt.count_label(by_key[s]["works"] or 0, "obra",
                                                         "obras")) for s in present],
        amounts=[by_key[s]["investment"] or 0 for s in present],
        texts=texts, colors=[STATUS_COLORS[s] for s in present], keys=present,
        hover=[f"<b>{STATUS_LABELS[s]}</b><br>"
               f"{_bar_text(by_key[s]['works'], by_key[s]['investment'])}"
               "<br><i>Clic para filtrar</i>" for s in present],
        table=_table([_("Estado"), _("Obras"), _("Inversión")],
                     [(STATUS_LABELS[s], fmt.number(by_key[s]["works"] or 0), text)
                      for s, text in zip(present, texts, strict=True)]))


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
    texts = [fmt.money(a) for a in amounts]
    table = _table([_("Sector"), _("Obras"), _("Inversión")],
                   zip(labels, map(fmt.number, works), texts, strict=True))
    return _horizontal([_tick(label, fmt.count_label(n, "obra", "obras"))
                        for label, n in zip(labels, works, strict=True)],
                       amounts, texts, colors, keys, hover, table)


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
    ticktext = [fmt.money(t) for t in ticks]
    undated = [r for r in rows if r["key"] is None]
    note = (f"{fmt.count_label(undated[0]['works'] or 0, 'obra', 'obras')} sin fecha de inicio"
            if undated else "")
    notes = [dict(text=note, showarrow=False, xref="paper", yref="paper", x=1,
                  y=1.0, xanchor="right", yanchor="bottom", font=dict(size=11, color="#666"))
             ] if undated else []
    table = _table([_("Año de inicio"), _("Obras"), _("Inversión")],
                   [(str(y), fmt.number(r["works"] or 0), fmt.money(r["investment"] or 0))
                    for y, r in zip(years, dated, strict=True)], note)
    return _figure([bar], table, len(years), annotations=notes,
                   margin=dict(l=_labels_width(ticktext), r=YEAR_RIGHT_MARGIN,
                               t=24 if notes else 8, b=YEAR_LABELS_MARGIN),
                   yaxis=dict(tickvals=ticks, ticktext=ticktext,
                              gridcolor="#eee", zeroline=False, range=[0, max(top, ticks[-1])],
                              automargin=True),
                   xaxis=dict(tickmode="linear", tick0=0, dtick=_year_step(years), ticks="",
                              showline=True, linecolor="#ccc", automargin=True))


def _year_step(years: Sequence[int]) -> int:
    """Years between two labels: 1, 2, 5 or 10, so that at most YEAR_LABELS are written and
    they fit level on a phone (turned, they took a second layout and a deeper margin)."""
    span = max(years) - min(years) + 1
    return next((step for step in (1, 2, 5) if math.ceil(span / step) <= YEAR_LABELS), 10)


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
    table = _table([_("Área"), metric.heading],
                   [(r["name"], t) for (_v, r), t in zip(ranked, texts, strict=True)])
    return _horizontal([_tick(r["name"]) for _, r in ranked], [max(v, 0) for v, _ in ranked],
                       texts, colors, [r["ubigeo"] for _, r in ranked], hover, table)


def text_alternative(figure: go.Figure, caption: str) -> html.Ul | html.P:
    """A chart's text alternative (its meta's table) for screen readers: a list named by the
    chart's title, an item per bar ("Salud: obras 816, inversión S/ 12,0 mil M"), and the
    chart's note; a chart without bars says why. A list, not a table: a table's cells are a
    Dash component each, and the page's first render grew by half with them."""
    table = figure.layout.meta["table"]
    note = table["note"]
    if not table["rows"]:
        return html.P(f"{caption}: {note}" if note else caption)
    items = [html.Li(item) for item in list_items(table)]
    return html.Ul(items + ([html.Li(note)] if note else []), **{"aria-label": caption})


def list_items(table: Mapping[str, Any]) -> list[str]:
    """A table's rows as text_alternative's items: the bar's name, then each column's name
    and value."""
    heads = [c[:1].lower() + c[1:] for c in table["columns"][1:]]
    return [f"{row[0]}: " + ", ".join(f"{h} {v}" for h, v in zip(heads, row[1:], strict=True))
            for row in table["rows"]]
