"""Alertas: the works that trip a risk rule, with filters by rule, severity, area, entity and
amount at risk; a table paged and sorted by the server, each row linking to its work; a map of
alerts per district (absolute or per inhabitant); and where the money at risk is.

The selection lives in the URL (?area=&rule=&severity=&entity=&risk_min=&risk_max=&state=).
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlencode

import dash
from dash import Input, Output, State, callback, dash_table, dcc, html

from dashboard import procurement_view, widgets
from dashboard.app import keep_on_search
from dashboard.cache import memoize
from dashboard.i18n import N_, _, ngettext
from dashboard.routes.exports import alert_urls
from dashboard.routes.geo import geojson_url
from geodata.alert_rules import RULES, SEVERITIES
from layers import alerts as alerts_layer
from layers import format as fmt
from queries import alerts, api_areas, areas
from queries.filters import FilterError

TITLE = "Alertas — Mirador de Obras"
dash.register_page(__name__, path="/alertas", name=N_("Alertas"), order=1, title=TITLE)

DISTRICTS = 3
MAP_MEASURE = "alerts_per_10k"
# Long work names take three lines in the table; the whole name is in the cell's tooltip.
CLAMPED = ("display: -webkit-box; -webkit-line-clamp: 3; -webkit-box-orient: vertical; "
           "overflow: hidden")
STATES = (("alerta", N_("Alertas")), ("no_calculable", N_("Reglas no calculables")),
          ("senal", N_("Señales de control (no son alertas)")))


def _options(pairs) -> list[dict]:
    """(value, Spanish label) pairs as options in the current language."""
    return [{"label": _(label), "value": value} for value, label in pairs]


# -- layout ---------------------------------------------------------------------------------------
def layout(_pages_store: dict | None = None, **query) -> html.Div:
    if keep_on_search(TITLE, _pages_store):
        return dash.no_update  # only the query changed: the callbacks update in place
    params = {k: [v] if isinstance(v, str) else list(v) for k, v in query.items()}
    try:
        selection, message = alerts.AlertSelection.from_query(params), ""
    except FilterError as exc:
        selection, message = alerts.AlertSelection(), f"{exc} Se muestran todas las alertas."
    area = selection.filters.area or ""
    region, province, district = area[:2] or None, area[:4] or None, area[:6] or None
    measure = alerts_layer.MEASURE_BY_KEY[MAP_MEASURE]
    return html.Div(className="alertas-page", children=[
        dcc.Location(id="alertas-url", refresh=False),
        html.H1(_("Alertas")),
        html.P(_lead(), className="alertas-lead"),
        html.Div(className="alertas-filters", children=[
            _field(_("Región"), widgets.dropdown(id="alertas-region", options=_area_options(1),
                                             value=region, placeholder=_("Todo el Perú"))),
            _field(_("Provincia"), widgets.dropdown(id="alertas-province", value=province,
                                                options=_area_options(2, region),
                                                placeholder=_("Todas"))),
            _field(_("Distrito"), widgets.dropdown(id="alertas-district", value=district,
                                               options=_area_options(3, province),
                                               placeholder=_("Todos"))),
            _field(_("Alerta"), widgets.dropdown(
                id="alertas-rule", options=_options((r.code, r.name) for r in RULES),
                multi=True, value=list(selection.rules), placeholder=_("Todas las reglas"))),
            _field(_("Severidad"), dcc.Checklist(
                id="alertas-severity",
                options=_options((s, alerts_layer.SEVERITY_LABELS[s]) for s in SEVERITIES),
                value=list(selection.severities), inline=True)),
            _field(_("Entidad"), dcc.Input(id="alertas-entity", type="search", debounce=True,
                                           value=selection.entity or "", maxLength=120,
                                           placeholder=_("Parte del nombre"))),
            _field(_("Monto en riesgo desde (S/)"), dcc.Input(
                id="alertas-risk-min", type="number", min=0, debounce=True,
                value=selection.risk_min)),
            _field(_("hasta (S/)"), dcc.Input(id="alertas-risk-max", type="number", min=0,
                                              debounce=True, value=selection.risk_max)),
            _field(_("Mostrar"), dcc.RadioItems(id="alertas-state", options=_options(STATES),
                                                value=selection.state, inline=True)),
        ]),
        html.P(message, id="alertas-message", className="alertas-message", role="status"),
        html.P(id="alertas-summary", className="alertas-summary", **{"aria-live": "polite"}),
        html.Section(className="alertas-grid", children=[
            html.Div(className="alertas-map", children=[
                html.H2(_("Alertas por distrito")),
                dcc.RadioItems(id="alertas-measure",
                               options=_options((m.key, m.label) for m in alerts_layer.MEASURES),
                               value=measure.key, inline=True),
                dcc.Graph(id="alertas-map", config={"displaylogo": False,
                                                    "scrollZoom": False},
                          figure=alerts_layer.map_figure(geojson_url(DISTRICTS),
                                                         _district_codes(), measure,
                                                         _view(area or None))),
                html.Details(className="map-table", children=[
                    html.Summary(_("Los datos del mapa en una tabla")),
                    html.Div(id="alertas-map-table-box")]),
            ]),
            html.Div(className="alertas-bars", children=[
                dcc.Graph(id="alertas-top-areas", config={"displayModeBar": False}),
                dcc.Graph(id="alertas-top-entities", config={"displayModeBar": False}),
            ]),
        ]),
        html.H2(_("Lista de alertas")),
        dash_table.DataTable(
            id="alertas-table",
            columns=[{"name": _(label), "id": key,
                      **({"presentation": "markdown"} if key == "link" else {})}
                     for key, label in alerts_layer.TABLE_COLUMNS],
            data=[], page_action="custom", page_current=0, page_size=alerts.DEFAULT_PAGE_SIZE,
            sort_action="custom", sort_mode="single",
            sort_by=[{"column_id": "amount_at_risk", "direction": "desc"}],
            markdown_options={"link_target": "_self"},
            style_table={"overflowX": "auto"},
            style_cell={"textAlign": "left", "whiteSpace": "normal", "height": "auto",
                        "fontSize": "0.9rem", "padding": "6px"},
            style_cell_conditional=[{"if": {"column_id": "message"}, "minWidth": "320px"},
                                    {"if": {"column_id": "work_name"}, "minWidth": "240px",
                                     "maxWidth": "360px"},
                                    {"if": {"column_id": "amount_at_risk"},
                                     "textAlign": "right", "whiteSpace": "nowrap"}],
            style_header={"fontWeight": "bold"},
            css=[{"selector": ".dash-spreadsheet-menu", "rule": "display: none"},
                 {"selector": "td[data-dash-column=work_name] .dash-cell-value",
                  "rule": CLAMPED}],
            tooltip_duration=None,
        ),
        html.P(id="alertas-downloads", className="alertas-downloads"),
        procurement_view.section(),   # SEACE flags on processes and contracts
        html.Details(className="alertas-rules", children=[
            html.Summary(_("Cómo se calculan las alertas")), _rules_list()]),
    ])


def _field(label: str, control) -> html.Div:
    return html.Div(className="alertas-field", children=[
        html.Label(label, htmlFor=control.id, className="alertas-label"), control])


def _lead() -> str:
    run = memoize("alertas-last-run", alerts.last_run)
    text = _("Cada alerta es una regla aplicada a una obra, con la evidencia que la activó y "
             "la fuente de su umbral. Una alerta no prueba una irregularidad: señala qué "
             "revisar.")
    if run is None:
        return text + " " + _("Las alertas aún no se han calculado.")
    return text + " " + _("Fecha de corte de los datos: {date} (cada obra se evalúa a la fecha "
                          "de los datos de su fuente, nunca después).",
                          date=f"{run['as_of']:%d/%m/%Y}")


def _rules_list() -> html.Ul:
    rows = memoize("alertas-rules", alerts.rules)
    return html.Ul([html.Li([html.Strong(r["name"]), f" — {r['description']} ",
                             html.Em(f"Fuente: {r['source']}")]) for r in rows])


def _area_options(level: int, parent: str | None = None) -> list[dict[str, str]]:
    if level > 1 and not parent:
        return []
    return memoize(f"alertas-areas:{level}:{parent}", lambda: [
        {"label": a["name"], "value": a["ubigeo"]} for a in api_areas.areas(level, parent)])


def _districts() -> list[dict]:
    return memoize("alertas-districts", lambda: api_areas.areas(DISTRICTS))


def _district_codes() -> list[str]:
    return [a["ubigeo"] for a in _districts()]


def _view(ubigeo: str | None) -> dict:
    """Where the map looks: the selected area, or all of Peru."""
    bounds = memoize(f"alertas-bounds:{ubigeo}", lambda: areas.area(ubigeo)) if ubigeo else None
    return alerts_layer.map_view(bounds)


# -- callbacks ------------------------------------------------------------------------------------
def _below(parent: str | None, chosen: str | None, level: int):
    """The areas under a newly chosen parent; the chosen child is kept if it is one."""
    keep = chosen if chosen and parent and chosen.startswith(parent) else None
    return _area_options(level, parent), keep


@callback(Output("alertas-province", "options"), Output("alertas-province", "value"),
          Input("alertas-region", "value"), State("alertas-province", "value"),
          prevent_initial_call=True)
def region_changed(region: str | None, province: str | None):
    return _below(region, province, 2)


@callback(Output("alertas-district", "options"), Output("alertas-district", "value"),
          Input("alertas-province", "value"), State("alertas-district", "value"),
          prevent_initial_call=True)
def province_changed(province: str | None, district: str | None):
    return _below(province, district, 3)


CONTROLLED = ("area", "rule", "severity", "entity", "risk_min", "risk_max", "state")


@callback(Output("alertas-url", "search"), Output("alertas-message", "children"),
          Output("alertas-table", "page_current"),
          Input("alertas-region", "value"), Input("alertas-province", "value"),
          Input("alertas-district", "value"), Input("alertas-rule", "value"),
          Input("alertas-severity", "value"), Input("alertas-entity", "value"),
          Input("alertas-risk-min", "value"), Input("alertas-risk-max", "value"),
          Input("alertas-state", "value"), State("alertas-url", "search"),
          prevent_initial_call=True)
def select(region, province, district, rules, severities, entity, risk_min, risk_max, state,
           search=None):
    """The controls become the URL's query (the one source of the selection); the works
    filters the page has no control for (a link from the explorer) are kept."""
    params = {k: v for k, v in parse_qs((search or "").lstrip("?")).items()
              if k not in CONTROLLED}
    chosen = {"area": district or province or region, "rule": rules or [],
              "severity": severities or [], "entity": entity, "risk_min": risk_min,
              "risk_max": risk_max, "state": state}
    params |= {k: v for k, v in chosen.items() if v not in (None, "", [])}
    try:
        selection = alerts.AlertSelection.from_query(params)
    except FilterError as exc:
        return dash.no_update, str(exc), dash.no_update
    return "?" + urlencode(selection.to_query(), doseq=True), "", 0


def _selection(search: str | None) -> alerts.AlertSelection:
    try:
        return alerts.AlertSelection.from_query(parse_qs((search or "").lstrip("?")))
    except FilterError:
        return alerts.AlertSelection()


@callback(Output("alertas-table", "data"), Output("alertas-table", "page_count"),
          Output("alertas-summary", "children"), Output("alertas-table", "tooltip_data"),
          Input("alertas-url", "search"), Input("alertas-table", "page_current"),
          Input("alertas-table", "page_size"), Input("alertas-table", "sort_by"))
def table(search: str | None, page: int, size: int, sort_by: list[dict] | None):
    selection = _selection(search)
    sort = tuple((s["column_id"], s["direction"]) for s in sort_by or []
                 if s["column_id"] in alerts.SORTABLE) or alerts.DEFAULT_SORT
    page_spec = alerts.TablePage(sort=sort, page=page or 0, size=size)
    totals = memoize(f"alertas-summary:{selection.key()}", lambda: alerts.summary(selection))
    result = memoize(f"alertas-table:{selection.key()}:{sort}:{page_spec.page}:{size}",
                    lambda: alerts.alerts_table(selection, page_spec, totals["alerts"]))
    records = alerts_layer.table_records(result["rows"])
    return (records, result["pages"], _summary_text(selection, totals),
            [{"work_name": {"value": r["work_name"], "type": "text"}} for r in records])


@callback(Output("alertas-downloads", "children"), Input("alertas-url", "search"))
def downloads(search: str | None) -> list:
    """Every alert of the selection (not only this page) as files."""
    return widgets.download_links(_("Descargar todas las alertas de esta selección:") + " ",
                                  alert_urls(_selection(search)))


def _summary_text(selection: alerts.AlertSelection, totals: dict) -> str:
    works = ngettext("{count} obra", "{count} obras", totals["works"],
                     count=fmt.number(totals["works"]))
    if selection.state == "no_calculable":
        return ngettext("{count} regla no se pudo calcular en {works} por falta de datos.",
                        "{count} reglas no se pudieron calcular en {works} por falta de datos.",
                        totals["alerts"], count=fmt.number(totals["alerts"]), works=works)
    if selection.state == "senal":
        return _("{n} obras no terminadas cuya entidad ejecutora tiene informes de control con "
                 "personas con presunta responsabilidad: una señal de control, no una alerta "
                 "(no suma monto en riesgo).", n=fmt.number(totals["works"]))
    text = ngettext("{count} alerta en {works}; monto en riesgo: {amount} (cada obra cuenta "
                    "una vez, con su mayor monto en riesgo).",
                    "{count} alertas en {works}; monto en riesgo: {amount} (cada obra cuenta "
                    "una vez, con su mayor monto en riesgo).", totals["alerts"],
                    count=fmt.number(totals["alerts"]), works=works,
                    amount=fmt.money(totals["amount_at_risk"]))
    if not selection.filters.is_empty(include_area=False):
        text += " " + _("Se aplican además los filtros de obras del enlace.")
    return text


@callback(Output("alertas-map", "figure"), Output("alertas-map-table-box", "children"),
          Input("alertas-url", "search"), Input("alertas-measure", "value"))
def district_map(search: str | None, measure_key: str):
    """Only values travel: the GeoJSON stays in the browser."""
    selection = _selection(search)
    measure = alerts_layer.MEASURE_BY_KEY.get(measure_key, alerts_layer.MEASURES[0])
    counts = memoize(f"alertas-counts:{selection.key()}", lambda: alerts.alert_counts(
        selection.filters, DISTRICTS, selection.rules, selection.severities)
        if selection.state == "alerta" else [])
    values = alerts_layer.map_values(counts, _districts(), measure)
    patch = dash.Patch()
    patch["data"][0]["z"] = values["z"]
    patch["data"][0]["text"] = values["text"]
    patch["data"][0]["zmax"] = values["zmax"]
    patch["data"][0]["colorbar"]["title"]["text"] = values["title"]
    view = _view(selection.filters.area)
    patch["layout"]["map"]["center"] = view["center"]
    patch["layout"]["map"]["zoom"] = view["zoom"]
    query = selection.to_query()
    table = alerts_layer.map_table(counts, _districts(), measure, lambda ubigeo: "/alertas?" + (
        urlencode({**query, "area": ubigeo}, doseq=True)))
    return patch, table


@callback(Output("alertas-top-areas", "figure"), Output("alertas-top-entities", "figure"),
          Input("alertas-url", "search"))
def where_the_money_is(search: str | None):
    selection = _selection(search)
    key = selection.key()
    areas = memoize(f"alertas-top-areas:{key}",
                   lambda: alerts.top_areas(selection, DISTRICTS))
    entities = memoize(f"alertas-top-entities:{key}", lambda: alerts.top_entities(selection))
    return (alerts_layer.top_bars(areas, alerts_layer.area_label,
                                  _("Distritos con más monto en riesgo"),
                                  _("Sin monto en riesgo en esta selección.")),
            alerts_layer.top_bars(entities, lambda r: r["entity"],
                                  _("Entidades con más monto en riesgo"),
                                  _("Sin monto en riesgo en esta selección.")))
