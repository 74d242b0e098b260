"""An area's story in one screen (/informe/<ubigeo>): KPIs, its children on a map, top
alerts, the biggest paralysed works and the monthly trend, with links to the same page as a
PDF or PNG made on the server. Built when requested; the map's boundaries come by URL."""

from __future__ import annotations

from urllib.parse import urlencode

import dash
from dash import dcc, html

from dashboard import widgets
from dashboard.cache import memoize
from dashboard.i18n import N_
from dashboard.routes.exports import aggregate_urls, download_urls, query_suffix
from dashboard.routes.geo import geojson_url
from layers import briefing as briefing_layer
from layers import compare as compare_layer
from layers import format as fmt
from queries import api_areas
from queries import briefing as briefing_query
from queries.filters import FilterError, Filters

dash.register_page(__name__, path_template="/informe/<ubigeo>", name=N_("Informe"), nav=False,
                   title="Informe del área — Mirador de Obras")


def layout(ubigeo: str | None = None, _pages_store: dict | None = None, **query) -> html.Div:
    try:
        ubigeo = api_areas.parse_ubigeo(ubigeo)
        filters = Filters.from_query(query).with_area(None)
    except FilterError as exc:
        return _message(str(exc))
    if not ubigeo:
        return _message("Indique un ubigeo, por ejemplo /informe/15.")
    facts = memoize(f"informe:facts:{ubigeo}:{filters.key()}",
                   lambda: briefing_query.briefing(ubigeo, filters))
    if facts is None:
        return _message(f"No existe un área con ubigeo {ubigeo}.")
    return html.Div(className="officials-page officials-briefing", children=[
        _header(facts, filters),
        _kpis(facts),
        html.Div(className="officials-grid", children=[
            html.Section([html.H2(_map_title(facts)), _map(facts)]),
            html.Section([html.H2("Evolución mensual"),
                          dcc.Graph(id="informe-trend", config={"displaylogo": False},
                                    figure=compare_layer.trend_figure(
                                        facts.trend, {facts.ubigeo: facts.name}))]),
        ]),
        html.Div(className="officials-grid", children=[
            _paralysed(facts), _alerts(facts)]),
        _children(facts, filters),
    ])


def _message(text: str) -> html.Div:
    return html.Div(className="officials-page", children=[
        html.H1("Informe"), html.P(text, className="officials-message", role="alert")])


def _header(b: briefing_query.Briefing, filters: Filters) -> html.Header:
    suffix = query_suffix(filters.to_query())
    title = f"{briefing_layer.LEVEL_TITLES[b.level]} {b.name}"
    lineage = []
    for i, name in enumerate(b.lineage, start=1):
        lineage += [html.A(f"{briefing_layer.LEVEL_TITLES[i]} {name}",
                           href=f"/informe/{b.ubigeo[:2 * i]}{suffix}"), " › "]
    explorer = urlencode({**filters.to_query(), "area": b.ubigeo}, doseq=True)
    return html.Header(className="officials-header", children=[
        html.P(lineage[:-1], className="officials-lineage") if lineage else None,
        html.H1(f"Informe: {title}"),
        html.P([html.Strong(f"Datos al {briefing_layer.date_text(b.data_date)}"),
                f" · Filtros: {briefing_layer.describe_filters(filters)}"]),
        html.P(className="officials-downloads", children=[
            html.A("Descargar PDF", href=f"/informe/{b.ubigeo}.pdf{suffix}",
                   className="officials-button", id="informe-pdf"),
            html.A("Descargar PNG", href=f"/informe/{b.ubigeo}.png{suffix}",
                   className="officials-button", id="informe-png"),
            html.A("Ver en el explorador", href=f"/?{explorer}"),
            html.A("Comparar con sus pares",
                   href=f"/comparar?level={b.level}&areas={b.ubigeo}"),
        ]),
        html.P(className="officials-downloads", children=[
            "Obras de esta área:",
            *(html.A(name, href=url)
              for name, url in download_urls(filters.with_area(b.ubigeo)).items())]),
    ])


def _kpis(b: briefing_query.Briefing) -> html.Div:
    cards = briefing_layer.kpi_cards(b)
    return html.Div(className="officials-kpis", children=[
        html.Div(className="officials-kpi", children=[
            html.Span(label, className="officials-kpi-label"),
            html.Strong(value, className="officials-kpi-value"),
            html.Span(note, className="officials-kpi-note")])
        for label, value, note in cards])


def _map_title(b: briefing_query.Briefing) -> str:
    if b.child_level is None:
        return "Ubicación"
    return (f"{briefing_layer.MAP_METRIC[1]} por "
            f"{briefing_layer.CHILD_PLURAL[b.child_level]}")


def _map(b: briefing_query.Briefing):
    if b.child_level is None or b.children.empty:
        return html.P(["Vea las obras de este distrito en el ",
                       html.A("explorador", href=f"/?area={b.ubigeo}"), "."])
    column, _label = briefing_layer.MAP_METRIC
    figure = briefing_layer.children_map(
        geojson_url(b.child_level, b.ubigeo), b.children, column, "S/",
        memoize(f"informe:bounds:{b.ubigeo}", lambda: briefing_query.bounds(b.ubigeo)))
    return dcc.Graph(id="informe-map", figure=figure, config={"displaylogo": False})


def _paralysed(b: briefing_query.Briefing) -> html.Section:
    title = html.H2("Obras paralizadas de mayor inversión")
    if not b.paralysed:
        return html.Section([title, html.P("No hay obras paralizadas en esta selección.",
                                           className="officials-empty")])
    rows = [html.Tr([html.Td(html.A(w["name"], href=f"/obra/{w['infobras_code']}")),
                     html.Td(w["district"]), html.Td(fmt.money(w["amount_investment"])),
                     html.Td(fmt.percent(w["physical_progress"])),
                     html.Td(w["paralysis_cause"] or "—")])
            for w in b.paralysed]
    header = ("Obra", "Distrito", "Inversión", "Avance físico", "Causal")
    return html.Section([title, html.Table(className="officials-table", children=[
        html.Thead(html.Tr([html.Th(h, scope="col") for h in header])), html.Tbody(rows)])])


def _alerts(b: briefing_query.Briefing) -> html.Section:
    if b.top_alerts is None:
        body = html.P("Las alertas aún no se calcularon para estos datos.",
                      className="officials-empty")
    elif not b.top_alerts:
        body = html.P("Ninguna alerta activa en esta selección.", className="officials-empty")
    else:
        body = html.Ul([html.Li([
            html.Span(a["severity"], className=f"officials-severity-{a['severity']}"), " ",
            html.A(a["work_name"], href=f"/obra/{a['infobras_code']}"), ": ",
            a["message"] or a["rule_code"], f" ({fmt.money(a['amount_at_risk'])} en riesgo)"])
            for a in b.top_alerts])
    return html.Section([html.H2("Alertas principales"), body,
                         html.A("Ver todas las alertas", href=f"/alertas?area={b.ubigeo}")])


def _children(b: briefing_query.Briefing, filters: Filters) -> html.Section | None:
    if b.child_level is None or b.children.empty:
        return None
    suffix = query_suffix(filters.to_query())
    data = b.children.sort_values("investment", ascending=False)
    rows = [html.Tr([html.Td(html.A(r["name"], href=f"/informe/{r['ubigeo']}{suffix}")),
                     html.Td(fmt.number(r["works"])), html.Td(fmt.money(r["investment"])),
                     html.Td(fmt.number(r["paralysed"])),
                     html.Td(fmt.money(r["paralysed_investment"])),
                     html.Td(fmt.percent(r["avg_physical"]))])
            for _, r in data.iterrows()]
    links = aggregate_urls(filters, b.child_level, b.ubigeo)
    return html.Section([
        html.H2(f"Sus {briefing_layer.CHILD_PLURAL[b.child_level]}"),
        html.Table(className="officials-table", children=[
            html.Thead(html.Tr([html.Th(h, scope="col") for h in (
                "Área", "Obras", "Inversión", "Paralizadas", "Inversión paralizada",
                "Avance físico promedio")])),
            html.Tbody(rows)]),
        html.P(widgets.download_links("Descargar esta tabla: ", links)),
    ])
