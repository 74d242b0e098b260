"""The explorer's HTML pieces: filters panel, KPI cards, breadcrumb, the work's card and the
note under the map. Built from plain values; the look is in assets/style.css."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from dash import dcc, html

from dashboard import widgets
from dashboard.explorer_state import ExplorerState, href
from dashboard.i18n import N_, _, ngettext
from dashboard.routes.exports import aggregate_urls, download_urls, query_suffix
from geodata.infobras_format import STATUS_LABELS
from layers import choropleth as chm
from layers import format as fmt
from layers.choropleth import BASES, NO_PER_CAPITA, Metric
from layers.map_table import Cell, sortable_table
from layers.works_layer import STATUS_COLORS
from queries.explorer import POINTS_LIMIT, View

LEVEL_NAMES = {1: N_("región"), 2: N_("provincia"), 3: N_("distrito")}
LEVEL_PLURALS = {1: N_("regiones"), 2: N_("provincias"), 3: N_("distritos")}
ID = "explorar"


def _id(name: str) -> str:
    return f"{ID}-{name}"


# -- controls ------------------------------------------------------------------------------
def metric_controls(base: str, per_capita: bool) -> html.Div:
    return html.Div(className="explorer-metric", children=[
        html.Label(_("Mostrar en el mapa"), htmlFor=_id("metric")),
        widgets.dropdown(id=_id("metric"), options=[{"label": _(m.label), "value": m.base}
                                               for m in BASES],
                     value=base, clearable=False, searchable=False),
        dcc.Checklist(id=_id("per-capita"), className="explorer-switch",
                      options=per_capita_options(base),
                      value=["hab"] if per_capita else []),
    ])


def per_capita_options(base: str) -> list[dict[str, Any]]:
    return [{"label": _("Por habitante"), "value": "hab", "disabled": base in NO_PER_CAPITA,
             "title": _("El promedio de avance no se reparte por habitante")
             if base in NO_PER_CAPITA else _("Dividido por la población 2025 (INEI)")}]


def _group(label: str, control, target: str) -> html.Div:
    return html.Div(className="explorer-filter", children=[
        html.Label(label, htmlFor=target, className="explorer-filter-label"), control])


def year_bounds(options: Mapping[str, Any]) -> tuple[int, int]:
    """The year slider's ends: the data's first and last start years."""
    years = (options.get("year_min"), options.get("year_max"))
    return years if None not in years else (2000, 2030)


def filters_panel(options: Mapping[str, Any], values: Mapping[str, Any], found: list,
                  count: str) -> html.Details:
    """Every filter of queries.filters.Filters, with the values present in the data, set to
    `values` (the view's: the first view needs no callback to set them), with `found` (the
    entities and contractors its search names) and `count` (how many filters are on)."""
    year_min, year_max = year_bounds(options)
    return html.Details(id=_id("filters"), className="explorer-filters", open=True, children=[
        html.Summary([html.Span(_("Filtros"), className="explorer-filters-title"),
                      html.Span(count, id=_id("filter-count"),
                                className="explorer-filter-count")]),
        _group(_("Buscar obra, entidad o contratista"), dcc.Input(
            id=_id("q"), type="search", debounce=True, maxLength=120,
            placeholder=_("Nombre, código, CUI o RUC"), className="explorer-input",
            value=values["q"]), _id("q")),
        html.Div(found, id=_id("found"), className="party-found", **{"aria-live": "polite"}),
        _group(_("Estado"), dcc.Checklist(
            id=_id("status"), options=[{"label": html.Span(
                [html.Span(className="explorer-dot",
                           style={"backgroundColor": STATUS_COLORS[k]}), _(v)]), "value": k}
                for k, v in STATUS_LABELS.items()], value=values["status"],
            className="explorer-checklist"), _id("status")),
        _group(_("Nivel de gobierno"), dcc.Checklist(
            id=_id("government_level"), options=_choices(options.get("government_level", [])),
            value=values["government_level"], className="explorer-checklist"),
            _id("government_level")),
        _group(_("Sector"), widgets.dropdown(
            id=_id("sector"), options=_choices(options.get("sector", [])), multi=True,
            value=values["sector"],
            placeholder=_("Todos los sectores")), _id("sector")),
        _group(_("Modalidad"), dcc.Checklist(
            id=_id("modality"), options=_choices(options.get("modality", [])),
            value=values["modality"],
            className="explorer-checklist"), _id("modality")),
        _group(_("Año de inicio"), dcc.RangeSlider(
            id=_id("years"), min=year_min, max=year_max, step=1, value=values["years"],
            marks=year_marks(year_min, year_max),
            allowCross=False, tooltip={"placement": "bottom"}), _id("years")),
        _group(_("Inversión de la obra (S/)"), html.Div(className="explorer-range", children=[
            dcc.Input(id=_id("amount-min"), type="text", inputMode="decimal", debounce=True,
                      placeholder=_("desde"), className="explorer-input",
                      value=values["amount_min"]),
            dcc.Input(id=_id("amount-max"), type="text", inputMode="decimal", debounce=True,
                      placeholder=_("hasta"), className="explorer-input",
                      value=values["amount_max"]),
        ]), _id("amount-min")),
        html.Button(_("Quitar filtros"), id=_id("clear"), n_clicks=0,
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
    return _("{n} activos", n=len(query)) if query else ""


# -- what the view shows -----------------------------------------------------------------------
def title(view: View, breadcrumb: Sequence[tuple[str | None, str]]) -> list:
    name = breadcrumb[-1][1]
    if view.selected is None:
        return [name, html.Small(_("obras públicas por región"))]
    kind = _(LEVEL_NAMES[len(view.selected) // 2])
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
    per_capita = (_("{amount} por habitante", amount=fmt.money(investment / population))
                  if investment and population else "")
    accrued_share = (_("{share} de la inversión", share=fmt.percent(accrued / investment * 100))
                     if investment and accrued is not None else "")
    paralysed_share = (_("{share} de las obras", share=fmt.percent(paralysed / works * 100))
                       + f" · {fmt.money(totals.get('paralysed_investment') or 0)}"
                       if works else "")
    progress = (totals["progress_sum"] / totals["progress_n"]
                if totals.get("progress_n") else None)
    return [
        _kpi(_("Obras"), fmt.number(works),
             _("{n} por 10 000 hab.", n=fmt.decimal(works / population * 10_000, 1))
             if population else ""),
        _kpi(_("Inversión"), fmt.money(investment or 0), per_capita),
        _kpi(_("Devengado"), fmt.money(accrued or 0), accrued_share),
        _kpi(_("Obras paralizadas"), fmt.number(paralysed), paralysed_share, "is-alert"),
        _kpi(_("Avance físico promedio"), fmt.percent(progress),
             ngettext("de {count} obra", "de {count} obras", totals.get("progress_n") or 0,
                      count=fmt.number(totals.get("progress_n") or 0))
             if progress is not None else _("sin datos de avance")),
    ]


def map_note(total: int, shows_points: bool, located: int, view: View) -> str:
    """What the map shows: the works one by one (how many have a location) or the sums."""
    if total == 0:
        return _("Ninguna obra coincide con los filtros en esta área.")
    if shows_points:
        unlocated = total - located
        missing = (" " + ngettext("{count} obra no tiene ubicación y no aparece en el mapa.",
                                  "{count} obras no tienen ubicación y no aparecen en el mapa.",
                                  unlocated, count=fmt.number(unlocated))
                   if unlocated else "")
        return ngettext(
            "{count} obra en esta vista, por estado; el tamaño del punto indica la inversión. "
            "Haga clic en una obra para ver su ficha. Las obras sin coordenadas se ubican en "
            "la capital de su distrito.",
            "{count} obras en esta vista, por estado; el tamaño del punto indica la inversión. "
            "Haga clic en una obra para ver su ficha. Las obras sin coordenadas se ubican en "
            "la capital de su distrito.", total, count=fmt.number(total)) + " " + _(
            "Las obras paralizadas son anillos (◯).") + missing
    return _("{total} obras: el mapa las suma por {level}. Haga clic en un área para "
             "acercarse, o filtre hasta {limit} obras o menos para verlas una por una. Gris: "
             "sin datos.", total=fmt.number(total), level=_(LEVEL_PLURALS[view.level]),
             limit=fmt.number(POINTS_LIMIT))


def downloads(state: ExplorerState, total: int, view: View, name: str) -> list:
    """The view's exact selection as files, the metrics of the areas on the map, and the
    area's briefing (PDF) for a manager to attach."""
    if total == 0:
        return []
    works = download_urls(state.filters)
    areas = aggregate_urls(state.filters, view.level, view.parent)
    what = (_("Descargar esta obra:") if total == 1 else
            _("Descargar estas {n} obras:", n=fmt.number(total)))
    out: list = [html.Span(what + " ", className="explorer-downloads-label"),
                 *_links(works, ("CSV", "GeoJSON", "GeoPackage", "OC4IDS")),
                 html.Span(_("Indicadores por {level}:", level=_(LEVEL_NAMES[view.level])) + " ",
                           className="explorer-downloads-label"),
                 *_links(areas, ("CSV", "GeoJSON", "GeoPackage"))]
    if view.selected:
        suffix = query_suffix(state.filters.with_area(None).to_query())
        out.append(html.A(_("Informe de {name} (PDF)", name=name),
                          href=f"/informe/{view.selected}{suffix}",
                          className="explorer-briefing-link"))
    return out


def _links(urls: Mapping[str, str], names: Sequence[str]) -> list:
    return [html.A(n, href=urls[n], className="explorer-download", download="") for n in names]


def top_title(view: View, metric: Metric) -> str:
    plural = LEVEL_PLURALS[view.level]
    if view.is_district:
        return _("Los distritos de la provincia por {metric}", metric=metric.title.lower())
    return _("Las 10 {areas} con mayor {metric}", areas=_(plural),
             metric=metric.title.lower())


# -- the map's table ----------------------------------------------------------------------------
TABLE_METRICS = ("works", "investment", "accrued", "paralysed_pct", "progress")


def area_table(state: ExplorerState, rows: Sequence[Mapping[str, Any]], metric: Metric,
               alerts: Mapping[str, float] | None, view: View) -> html.Div:
    """The map's figures as a table: one row per area drawn (a link that drills into it, as
    a click on the map does), the map's metric first, then works, investment, accrued,
    paralysed share and progress. The values are the map's (layers.choropleth.area_value)."""
    others = [chm.METRICS[k] for k in TABLE_METRICS if k != metric.key]
    columns = [metric, *others]
    headers = [_(LEVEL_NAMES[view.level]).capitalize(), *(m.heading for m in columns)]
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
    caption = _("{metrica} por {nivel}", metrica=metric.title,
                nivel=_(LEVEL_NAMES[view.level]))
    return sortable_table(caption, headers, body, _id("area-table"), selected,
                          numeric=range(1, len(columns) + 1), keys=[r["ubigeo"] for r in rows],
                          note=_("Elija un nombre para acercarse; ordene con el botón de cada "
                                 "columna."))


WORK_ROWS = 300   # works in the table (largest first); the downloads hold them all


def works_table(points: Mapping[str, Sequence[Any]]) -> html.Div | None:
    """The works the map draws one by one, as a table: name (a link to its page), status
    in words and investment, largest first (queries.explorer.Points' order)."""
    codes = points.get("infobras_code") or []
    if not codes:
        return None
    shown = range(min(len(codes), WORK_ROWS))
    names, status, amounts = (points.get(k) or [] for k in ("name", "status", "investment"))
    rows = [[Cell(dcc.Link(names[i] or str(codes[i]), href=f"/obra/{codes[i]}"), names[i]),
             Cell(_(STATUS_LABELS.get(status[i], status[i])), status[i]),
             Cell(fmt.money(amounts[i]), amounts[i])] for i in shown]
    note = (_("Las {n} obras de mayor inversión de las {total} del mapa.", n=len(shown),
              total=fmt.number(len(codes))) if len(codes) > len(shown)
            else _("Las {n} obras del mapa, de mayor a menor inversión.",
                   n=fmt.number(len(codes))))
    return sortable_table(_("Obras del mapa"), [_("Obra"), _("Estado"), _("Inversión")], rows,
                          _id("works-table"), numeric=(2,), note=note,
                          keys=[str(codes[i]) for i in shown])


# -- one work ---------------------------------------------------------------------------------
def work_card(work: Mapping[str, Any], alerts: Sequence[Mapping[str, Any]] | None
              ) -> list:
    """Name, entity, contractor, amount, progress, status, alerts and the link to its page."""
    status = work["status"]
    place = ", ".join(x for x in (work.get("district"), work.get("province_name"),
                                  work.get("region_name")) if x)
    raised = [a for a in (alerts or []) if a.get("state") == "alerta"]
    if alerts is None:
        alert_line = _("Alertas: no calculadas")
    elif raised:
        first = _(raised[0].get("rule_name") or raised[0].get("rule_code"))
        more = " " + _("y {n} más", n=len(raised) - 1) if len(raised) > 1 else ""
        alert_line = _("Alertas:") + f" {first}{more}"
    else:
        alert_line = _("Sin alertas")
    facts = [
        (_("Entidad"), work.get("entity") or "—"),
        (_("Contratista"), work.get("contractor_name") or _("no registrado")),
        (_("Inversión"), fmt.money(work.get("investment"), exact=True)),
        (_("Devengado"), fmt.money(work.get("accrued"), exact=True)),
        (_("Avance físico"), fmt.percent(work.get("physical_progress"))),
        (_("Ubicación"), place + (" " + _("(capital del distrito)")
                                  if work.get("geom_source") == "district_capital" else "")),
    ]
    return [
        html.Button("×", id=_id("card-close"), n_clicks=0, className="explorer-card-close",
                    title=_("Cerrar"), **{"aria-label": _("Cerrar la ficha")}),
        html.Span([html.Span(className="explorer-dot", **{"aria-hidden": "true"},
                             style={"backgroundColor": STATUS_COLORS.get(status, "#666")}),
                   _(STATUS_LABELS.get(status, status))], className="explorer-status"),
        html.H3(work["name"]),
        html.Dl([item for label, value in facts for item in (html.Dt(label), html.Dd(value))]),
        html.P(alert_line, className="explorer-card-alerts" + (" has-alerts" if raised else "")),
        dcc.Link(_("Ver la ficha completa de la obra →"), href=f"/obra/{work['infobras_code']}",
                 className="explorer-card-link"),
        html.Small(_("Código INFObras {code}", code=work["infobras_code"])
                   + (f" · CUI {work['cui']}" if work.get("cui") else "")),
    ]
