"""The explorer's HTML pieces: filters panel, KPI cards, breadcrumb, the work's card and the
note under the map. Built from plain values; the look is in assets/style.css."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from dash import dcc, html

from dashboard import widgets
from dashboard.explorer_state import ExplorerState, href
from dashboard.i18n import _
from dashboard.routes.exports import aggregate_urls, download_urls, query_suffix
from geodata.infobras_format import STATUS_LABELS
from layers import choropleth as chm
from layers import format as fmt
from layers.choropleth import BASES, NO_PER_CAPITA, Metric
from layers.map_table import Cell, sortable_table
from layers.works_layer import STATUS_COLORS
from queries.explorer import POINTS_LIMIT, View

LEVEL_NAMES = {1: "región", 2: "provincia", 3: "distrito"}
LEVEL_PLURALS = {1: "regiones", 2: "provincias", 3: "distritos"}
ID = "explorar"


def _id(name: str) -> str:
    return f"{ID}-{name}"


# -- controls ------------------------------------------------------------------------------
def metric_controls(base: str, per_capita: bool) -> html.Div:
    return html.Div(className="explorer-metric", children=[
        html.Label("Mostrar en el mapa", htmlFor=_id("metric")),
        widgets.dropdown(id=_id("metric"), options=[{"label": m.label, "value": m.base}
                                               for m in BASES],
                     value=base, clearable=False, searchable=False),
        dcc.Checklist(id=_id("per-capita"), className="explorer-switch",
                      options=per_capita_options(base),
                      value=["hab"] if per_capita else []),
    ])


def per_capita_options(base: str) -> list[dict[str, Any]]:
    return [{"label": "Por habitante", "value": "hab", "disabled": base in NO_PER_CAPITA,
             "title": "El promedio de avance no se reparte por habitante"
             if base in NO_PER_CAPITA else "Dividido por la población 2025 (INEI)"}]


def _group(label: str, control, target: str) -> html.Div:
    return html.Div(className="explorer-filter", children=[
        html.Label(label, htmlFor=target, className="explorer-filter-label"), control])


def filters_panel(options: Mapping[str, Any]) -> html.Details:
    """Every filter of queries.filters.Filters, with the values present in the data."""
    years = (options.get("year_min"), options.get("year_max"))
    year_min, year_max = (years if None not in years else (2000, 2030))
    return html.Details(id=_id("filters"), className="explorer-filters", open=True, children=[
        html.Summary([html.Span("Filtros", className="explorer-filters-title"),
                      html.Span(id=_id("filter-count"), className="explorer-filter-count")]),
        _group("Buscar obra, entidad o contratista", dcc.Input(
            id=_id("q"), type="search", debounce=True, maxLength=120,
            placeholder="Nombre, código, CUI o RUC", className="explorer-input"),
            _id("q")),
        html.Div(id=_id("found"), className="party-found", **{"aria-live": "polite"}),
        _group("Estado", dcc.Checklist(
            id=_id("status"), options=[{"label": html.Span(
                [html.Span(className="explorer-dot",
                           style={"backgroundColor": STATUS_COLORS[k]}), v]), "value": k}
                for k, v in STATUS_LABELS.items()], value=[],
            className="explorer-checklist"), _id("status")),
        _group("Nivel de gobierno", dcc.Checklist(
            id=_id("government_level"), options=_choices(options.get("government_level", [])),
            value=[], className="explorer-checklist"), _id("government_level")),
        _group("Sector", widgets.dropdown(
            id=_id("sector"), options=_choices(options.get("sector", [])), multi=True, value=[],
            placeholder="Todos los sectores"), _id("sector")),
        _group("Modalidad", dcc.Checklist(
            id=_id("modality"), options=_choices(options.get("modality", [])), value=[],
            className="explorer-checklist"), _id("modality")),
        _group("Año de inicio", dcc.RangeSlider(
            id=_id("years"), min=year_min, max=year_max, step=1, value=[year_min, year_max],
            marks=year_marks(year_min, year_max),
            allowCross=False, tooltip={"placement": "bottom"}), _id("years")),
        _group("Inversión de la obra (S/)", html.Div(className="explorer-range", children=[
            dcc.Input(id=_id("amount-min"), type="text", inputMode="decimal", debounce=True,
                      placeholder="desde", className="explorer-input"),
            dcc.Input(id=_id("amount-max"), type="text", inputMode="decimal", debounce=True,
                      placeholder="hasta", className="explorer-input"),
        ]), _id("amount-min")),
        html.Button("Quitar filtros", id=_id("clear"), n_clicks=0,
                    className="explorer-clear"),
    ])


def year_marks(low: int, high: int, most: int = 5) -> dict[int, str]:
    """At most `most` evenly spaced years, both ends included and never crowded."""
    step = max(1, -(-(high - low) // (most - 1)))
    years = list(range(low, high + 1, step))
    if years[-1] != high:
        if high - years[-1] < step / 2 and len(years) > 1:
            years.pop()
        years.append(high)
    return {y: str(y) for y in years}


def _choices(values: list[str]) -> list[dict[str, str]]:
    return [{"label": fmt.label(v), "value": v} for v in values]


def filter_count(state: ExplorerState) -> str:
    query = state.filters.to_query()
    query.pop("area", None)
    return f"{len(query)} activos" if query else ""


# -- what the view shows -----------------------------------------------------------------------
def title(view: View, breadcrumb: Sequence[tuple[str | None, str]]) -> list:
    name = breadcrumb[-1][1]
    if view.selected is None:
        return [name, html.Small("obras públicas por región")]
    kind = LEVEL_NAMES[len(view.selected) // 2]
    return [name, html.Small(kind + (f" · {breadcrumb[1][1]}" if len(breadcrumb) > 2 else ""))]


def breadcrumb(state: ExplorerState, trail: Sequence[tuple[str | None, str]]) -> list:
    """Perú › Cusco › Urubamba: every step but the last is a link (filters kept); nothing
    for Perú itself (the title says it)."""
    out: list = []
    if len(trail) < 2:
        return out
    for i, (ubigeo, name) in enumerate(trail):
        if i:
            out.append(html.Span("›", className="explorer-crumb-sep", **{"aria-hidden": "true"}))
        if i == len(trail) - 1:
            out.append(html.Span(name, className="explorer-crumb-current",
                                 **{"aria-current": "page"}))
        else:
            out.append(dcc.Link(name, href=href(state.with_area(ubigeo)),
                                className="explorer-crumb"))
    return out


def _kpi(label: str, value: str, detail: str = "", kind: str = "") -> html.Div:
    return html.Div(className=f"explorer-kpi {kind}".strip(), children=[
        html.Span(label, className="explorer-kpi-label"),
        html.Span(value, className="explorer-kpi-value"),
        html.Span(detail, className="explorer-kpi-detail"),
    ])


def kpis(totals: Mapping[str, Any], population: int | None) -> list[html.Div]:
    """Works, investment, accrued, paralysed works and amount, average progress."""
    works = totals.get("works") or 0
    investment, accrued = totals.get("investment"), totals.get("accrued")
    paralysed = totals.get("paralysed") or 0
    per_capita = (f"{fmt.money(investment / population)} por habitante"
                  if investment and population else "")
    accrued_share = (f"{fmt.percent(accrued / investment * 100)} de la inversión"
                     if investment and accrued is not None else "")
    paralysed_share = (f"{fmt.percent(paralysed / works * 100)} de las obras · "
                       f"{fmt.money(totals.get('paralysed_investment') or 0)}" if works else "")
    progress = (totals["progress_sum"] / totals["progress_n"]
                if totals.get("progress_n") else None)
    return [
        _kpi("Obras", fmt.number(works),
             f"{fmt.decimal(works / population * 10_000, 1)} por 10 000 hab."
             if population else ""),
        _kpi("Inversión", fmt.money(investment or 0), per_capita),
        _kpi("Devengado", fmt.money(accrued or 0), accrued_share),
        _kpi("Obras paralizadas", fmt.number(paralysed), paralysed_share, "is-alert"),
        _kpi("Avance físico promedio", fmt.percent(progress),
             f"de {fmt.count_label(totals.get('progress_n') or 0, 'obra', 'obras')}"
             if progress is not None else "sin datos de avance"),
    ]


def map_note(total: int, shows_points: bool, located: int, view: View) -> str:
    """What the map shows: the works one by one (how many have a location) or the sums."""
    if total == 0:
        return "Ninguna obra coincide con los filtros en esta área."
    if shows_points:
        unlocated = total - located
        missing = (f" {fmt.count_label(unlocated, 'obra no tiene', 'obras no tienen')} "
                   "ubicación y no aparece en el mapa." if unlocated else "")
        return (f"{fmt.count_label(total, 'obra', 'obras')} en esta vista, por estado; el "
                "tamaño del punto indica la inversión. Haga clic en una obra para ver su "
                "ficha. Las obras sin coordenadas se ubican en la capital de su distrito."
                + missing)
    level = LEVEL_PLURALS[view.level]
    return (f"{fmt.number(total)} obras: el mapa las suma por {level}. Haga clic en un área "
            f"para acercarse, o filtre hasta {fmt.number(POINTS_LIMIT)} obras o menos para "
            "verlas una por una. Gris: sin datos.")


def downloads(state: ExplorerState, total: int, view: View, name: str) -> list:
    """The view's exact selection as files, the metrics of the areas on the map, and the
    area's briefing (PDF) for a manager to attach."""
    if total == 0:
        return []
    works = download_urls(state.filters)
    areas = aggregate_urls(state.filters, view.level, view.parent)
    what = "esta obra" if total == 1 else f"estas {fmt.number(total)} obras"
    out: list = [html.Span(f"Descargar {what}: ", className="explorer-downloads-label"),
                 *_links(works, ("CSV", "GeoJSON", "GeoPackage", "OC4IDS")),
                 html.Span(f"Indicadores por {LEVEL_NAMES[view.level]}: ",
                           className="explorer-downloads-label"),
                 *_links(areas, ("CSV", "GeoJSON", "GeoPackage"))]
    if view.selected:
        suffix = query_suffix(state.filters.with_area(None).to_query())
        out.append(html.A(f"Informe de {name} (PDF)", href=f"/informe/{view.selected}{suffix}",
                          className="explorer-briefing-link"))
    return out


def _links(urls: Mapping[str, str], names: Sequence[str]) -> list:
    return [html.A(n, href=urls[n], className="explorer-download", download="") for n in names]


def top_title(view: View, metric: Metric) -> str:
    plural = LEVEL_PLURALS[view.level]
    if view.is_district:
        return f"Los distritos de la provincia por {metric.title.lower()}"
    return f"Las 10 {plural} con mayor {metric.title.lower()}"


# -- the map's table ----------------------------------------------------------------------------
TABLE_METRICS = ("works", "investment", "accrued", "paralysed_pct", "progress")


def area_table(state: ExplorerState, rows: Sequence[Mapping[str, Any]], metric: Metric,
               alerts: Mapping[str, float] | None, view: View) -> html.Div:
    """The map's figures as a table: one row per area drawn (a link that drills into it, as
    a click on the map does), the map's metric first, then works, investment, accrued,
    paralysed share and progress. The values are the map's (layers.choropleth.area_value)."""
    others = [chm.METRICS[k] for k in TABLE_METRICS if k != metric.key]
    columns = [metric, *others]
    headers = [LEVEL_NAMES[view.level].capitalize(),
               *(m.title if m.unit in m.title else f"{m.title} ({m.unit})" for m in columns)]
    body, selected = [], None
    for n, row in enumerate(rows):
        name = row.get("name") or row["ubigeo"]
        if row["ubigeo"] == view.selected:
            selected = n
        link = dcc.Link(name, href=href(state.with_area(row["ubigeo"])),
                        title=_("Ver {area}", area=name))
        cells = [Cell(link, name)]
        for m in columns:
            value = chm.area_value(row, m, alerts)
            cells.append(Cell(m.format(value), value))
        body.append(cells)
    caption = _("Tabla del mapa: {metrica} por {nivel}. Elija un nombre para acercarse; "
                "ordene con los botones de cada columna.",
                metrica=metric.title.lower(), nivel=LEVEL_NAMES[view.level])
    return sortable_table(caption, headers, body, _id("table"), selected,
                          numeric=range(1, len(columns) + 1), keys=[r["ubigeo"] for r in rows])


# -- one work ---------------------------------------------------------------------------------
def work_card(work: Mapping[str, Any], alerts: Sequence[Mapping[str, Any]] | None
              ) -> list:
    """Name, entity, contractor, amount, progress, status, alerts and the link to its page."""
    status = work["status"]
    place = ", ".join(x for x in (work.get("district"), work.get("province_name"),
                                  work.get("region_name")) if x)
    raised = [a for a in (alerts or []) if a.get("state") == "alerta"]
    if alerts is None:
        alert_line = "Alertas: no calculadas"
    elif raised:
        first = raised[0].get("rule_name") or raised[0].get("rule_code")
        more = f" y {len(raised) - 1} más" if len(raised) > 1 else ""
        alert_line = f"Alertas: {first}{more}"
    else:
        alert_line = "Sin alertas"
    facts = [
        ("Entidad", work.get("entity") or "—"),
        ("Contratista", work.get("contractor_name") or "no registrado"),
        ("Inversión", fmt.money(work.get("investment"), exact=True)),
        ("Devengado", fmt.money(work.get("accrued"), exact=True)),
        ("Avance físico", fmt.percent(work.get("physical_progress"))),
        ("Ubicación", place + (" (capital del distrito)"
                               if work.get("geom_source") == "district_capital" else "")),
    ]
    return [
        html.Button("×", id=_id("card-close"), n_clicks=0, className="explorer-card-close",
                    title="Cerrar", **{"aria-label": "Cerrar la ficha"}),
        html.Span(STATUS_LABELS.get(status, status), className="explorer-status",
                  style={"backgroundColor": STATUS_COLORS.get(status, "#666")}),
        html.H3(work["name"]),
        html.Dl([item for label, value in facts for item in (html.Dt(label), html.Dd(value))]),
        html.P(alert_line, className="explorer-card-alerts" + (" has-alerts" if raised else "")),
        dcc.Link("Ver la ficha completa de la obra →", href=f"/obra/{work['infobras_code']}",
                 className="explorer-card-link"),
        html.Small(f"Código INFObras {work['infobras_code']}"
                   + (f" · CUI {work['cui']}" if work.get("cui") else "")),
    ]
