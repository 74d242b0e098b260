"""The main screen: Peru's map of public works by region, province and district, the
selected area's figures and charts, and the filters. The whole view lives in the URL.

Flow: a control, a click on the map or on a bar -> `navigate` writes the new state in the
URL (a history entry, so the back button walks back) -> a clientside step adds the map's size
-> `render` sends the values: a Patch of the map (never its geometry, which is a URL), the
KPIs and the charts. Going back to a URL runs the same path.

The first view (a URL opened, or the page reached by a link) is complete in the layout: the
same values `render` sends, the controls set, the «Seguir» block, and the view in the store;
a clientside step only re-zooms the map for its size. None of these callbacks runs for it
(prevent_initial_call): on a slow phone each round trip after the layout cost seconds.
"""

from __future__ import annotations

import logging
from typing import Any

import dash
import sqlalchemy as sa
from dash import Input, Output, Patch, State, callback, clientside_callback, ctx, dcc, html
from dash.dependencies import ClientsideFunction

from dashboard import explorer_components as parts
from dashboard import party_ui, tiles
from dashboard.app import error_message, keep_on_search
from dashboard.cache import cache, data_version, memoize
from dashboard.explorer_state import ExplorerState, state_or_national
from dashboard.explorer_view import ViewData, view_data
from dashboard.follow_ui import area_follow
from dashboard.i18n import N_, _, current
from layers import charts
from layers import choropleth as chm
from layers.works_layer import STATUSES, points_update, works_traces
from queries import alerts as alert_queries
from queries import explorer
from queries import search as search_queries
from queries.db import DatabaseUnavailable
from queries.explorer import View
from queries.filters import FilterError, Filters

TITLE = "Explorar obras públicas — Mirador de Obras"
dash.register_page(__name__, path="/", name=N_("Explorar"), order=0, title=TITLE,
                   description="Mapa de las obras públicas del Perú por región, provincia y "
                               "distrito, con su inversión, avance y obras paralizadas.")
log = logging.getLogger(__name__)

P = parts.ID
CONTROLS = {  # state field -> (component id, property)
    "metric": (f"{P}-metric", "value"), "per_capita": (f"{P}-per-capita", "value"),
    "status": (f"{P}-status", "value"),
    "government_level": (f"{P}-government_level", "value"),
    "sector": (f"{P}-sector", "value"), "modality": (f"{P}-modality", "value"),
    "years": (f"{P}-years", "value"), "amount_min": (f"{P}-amount-min", "value"),
    "amount_max": (f"{P}-amount-max", "value"), "q": (f"{P}-q", "value"),
    "entity_id": (f"{P}-entity", "data"), "contractor_ruc": (f"{P}-contractor", "data"),
}
CLICKS = {"map": f"{P}-map", "status_chart": f"{P}-chart-status",
          "sector_chart": f"{P}-chart-sector", "year_chart": f"{P}-chart-year",
          "top_chart": f"{P}-chart-top"}
GRAPH_CONFIG = {"displayModeBar": False}
# The charts in the page's order: name, title (the top chart's is the view's), tall.
CHARTS = (("status", N_("Inversión y obras por estado"), False),
          ("year", N_("Inversión por año de inicio"), False),
          ("sector", N_("Inversión por sector"), True),
          ("top", None, True))
CHART_NAMES = tuple(name for name, _title, _tall in CHARTS)
# A chart's Graph until it is drawn (assets/explorer_charts.js): nothing to lay out or
# measure, a soft box where the chart will be.
PENDING_CHART = {"data": [], "layout": {
    "xaxis": {"visible": False}, "yaxis": {"visible": False},
    "margin": {"l": 0, "r": 0, "t": 0, "b": 0},
    "paper_bgcolor": "#f5f7fa", "plot_bgcolor": "#f5f7fa"}}
MAP_CONFIG = {**GRAPH_CONFIG, "scrollZoom": True}
OPTIONS_SECONDS = 3600
DISTRICTS = 3
# Over the streets the areas let them show through (the works' dots stay opaque).
STREET_OPACITY = {"base": 0.3, "values": 0.55}
DB_ERRORS = (DatabaseUnavailable, sa.exc.OperationalError, sa.exc.InterfaceError)


def filter_options() -> dict[str, Any]:
    key = f"explorer:{data_version()}:options"
    options = cache.get(key)
    if options is None:
        options = explorer.filter_options()
        cache.set(key, options, timeout=OPTIONS_SECONDS)
    return options


# -- layout -----------------------------------------------------------------------------------
def layout(_pages_store: dict | None = None, **query) -> Any:
    """The page for the URL's state. When only the query string changed on this page, the
    page stays and `navigate`/`render` update it in place."""
    if keep_on_search(TITLE, _pages_store):
        return dash.no_update
    try:
        state, message = ExplorerState.from_query(query), ""
    except FilterError as exc:
        state, message = ExplorerState(), str(exc)
    try:
        options = filter_options()
        data = view_data(state)
    except DB_ERRORS as exc:
        log.warning("explorer layout without database: %s", exc)
        return html.Div(className="explorer-down", children=[
            html.H1("Explorar obras públicas"),
            html.P(error_message(exc), className="explorer-message", role="alert"),
            html.A("Reintentar", href="/", className="explorer-clear")])
    base, per_capita = chm.split_metric_key(state.metric)
    center, zoom = chm.frame(data.bounds)
    figure = chm.map_figure(data.geojson, data.context_geojson, center, zoom, works_traces(),
                            tiles.configured(), data.view.level == DISTRICTS)
    values = rendered(state, None, None, data)
    controls = controls_from_state(state, list(parts.year_bounds(options)))
    search, here = state.to_search(), dash.get_relative_path("/")
    return html.Div(className="explorer", children=[
        # Given, the location sets no property when it mounts: such a change would start
        # navigate and render for the view the layout already holds.
        dcc.Location(id=f"{P}-url", refresh=False, pathname=here, search=search, hash="",
                     href=here + search),
        # The view render would get (the clientside step's, but for the map's size).
        dcc.Store(id=f"{P}-view", data={
            "search": search, "width": None, "height": None, "zoom": zoom,
            "fit": chm.fit(data.bounds)[1] if data.bounds else None}),
        # "" for none: a store without data would set it to null when it mounts (navigate).
        dcc.Store(id=f"{P}-entity", data=controls["entity_id"] or ""),
        dcc.Store(id=f"{P}-contractor", data=controls["contractor_ruc"] or ""),
        html.Div(className="explorer-head", children=[
            html.Div(className="explorer-where", children=[
                html.Nav(values["breadcrumb"], id=f"{P}-breadcrumb",
                         className="explorer-breadcrumb", **{"aria-label": "Ubicación"}),
                html.H1(values["title"], id=f"{P}-title"),
            ]),
            parts.metric_controls(base, per_capita),
        ]),
        html.Div(area_follow(search), id=f"{P}-follow", className="explorer-follow"),
        html.P(message, id=f"{P}-message", className="explorer-message", role="alert",
               hidden=not message),
        html.Div(className="explorer-body", children=[
            parts.filters_panel(options, controls, found_names(state),
                                values["filter_count"]),
            html.Div(className="explorer-content", children=[
                html.Div(values["kpis"], id=f"{P}-kpis", className="explorer-kpis",
                         **{"aria-live": "polite"}),
                html.Div(className="explorer-map-card", children=[
                    html.Div(className="explorer-map", children=dcc.Graph(
                        id=f"{P}-map", figure=patched(figure.to_dict(), values["map"]),
                        config=MAP_CONFIG, responsive=True, clear_on_unhover=True)),
                    html.Div(id=f"{P}-card", className="explorer-card", hidden=True,
                             children=[
                                 html.Button("×", id=f"{P}-card-close", n_clicks=0,
                                             className="explorer-card-close", title="Cerrar",
                                             **{"aria-label": "Cerrar la ficha"}),
                                 html.Div(id=f"{P}-card-body")]),
                    html.P(values["note"], id=f"{P}-note", className="explorer-note"),
                    html.P(values["downloads"], id=f"{P}-downloads",
                           className="explorer-downloads"),
                    # Filled when opened (map_table): at a province with its works it
                    # weighs more than everything else the view sends together.
                    html.Details(id=f"{P}-table-box", className="map-table", children=[
                        html.Summary(_("Los datos del mapa en una tabla"),
                                     id=f"{P}-table-summary", n_clicks=0),
                        dcc.Store(id=f"{P}-table-open", data=False),
                        html.Div(id=f"{P}-table")]),
                ]),
                html.Div(className="explorer-charts", children=[
                    dcc.Store(id=f"{P}-charts-near", data=[]),
                    *(_chart_card(name, _(title) if title else values["top_title"], values,
                                  tall) for name, title, tall in CHARTS)]),
            ]),
        ]),
    ])


def _chart_card(name: str, title: str, values: dict[str, Any], tall: bool) -> html.Section:
    """A chart: its title, its figure waiting in a store for the Graph to draw once near the
    screen (assets/explorer_charts.js), and its text alternative; Plotly's SVG, which a
    screen reader would read as loose labels, is hidden from them."""
    graph = f"{P}-chart-{name}"
    return html.Section(
        className="explorer-chart" + (" explorer-chart-tall" if tall else ""),
        **{"data-chart": graph}, children=[
            html.H2(title, **({"id": f"{P}-top-title"} if name == "top" else {})),
            dcc.Store(id=f"{graph}-figure", data=values["charts"][name]),
            html.Div(className="explorer-chart-box", **{"aria-hidden": "true"},
                     children=dcc.Graph(id=graph, config=GRAPH_CONFIG, responsive=True,
                                        figure=PENDING_CHART)),
            html.Div(values["chart_texts"][name], id=f"{graph}-text",
                     className="chart-text")])


def patched(figure: dict[str, Any], patch: Patch) -> dict[str, Any]:
    """`figure` with `patch`'s assignments made (as the browser makes them): the first
    view's map holds the values render would send."""
    for operation in patch.to_plotly_json()["operations"]:
        if operation["operation"] != "Assign":
            raise ValueError(f"not an assignment: {operation['operation']}")
        *path, last = operation["location"]
        node = figure
        for key in path:
            node = node[key] if isinstance(node, list) else node.setdefault(key, {})
        node[last] = operation["params"]["value"]
    return figure


# -- controls and clicks -> URL -----------------------------------------------------------------
def state_from_controls(area: str | None, values: dict[str, Any], years_bounds: list[int]
                        ) -> ExplorerState:
    """The state the filter panel and metric selector describe (FilterError when invalid)."""
    low, high = values["years"] or years_bounds
    query = {"area": area, "status": values["status"] or [],
             "government_level": values["government_level"] or [],
             "sector": values["sector"] or [], "modality": values["modality"] or [],
             "year_min": low if low != years_bounds[0] else None,
             "year_max": high if high != years_bounds[1] else None,
             "amount_min": _amount(values["amount_min"]),
             "amount_max": _amount(values["amount_max"]),
             "q": values["q"], "entity_id": values["entity_id"],
             "contractor_ruc": values["contractor_ruc"],
             "metric": chm.metric_key(values["metric"], "hab" in (values["per_capita"] or []))}
    return ExplorerState.from_query({k: ("" if v is None else v) for k, v in query.items()})


def controls_from_state(state: ExplorerState, years_bounds: list[int]) -> dict[str, Any]:
    f = state.filters
    base, per_capita = chm.split_metric_key(state.metric)
    return {"metric": base, "per_capita": ["hab"] if per_capita else [],
            "status": list(f.status), "government_level": list(f.government_level),
            "sector": list(f.sector), "modality": list(f.modality),
            "years": [f.year_min if f.year_min is not None else years_bounds[0],
                      f.year_max if f.year_max is not None else years_bounds[1]],
            "amount_min": _amount_text(f.amount_min), "amount_max": _amount_text(f.amount_max),
            "q": f.q or "", "entity_id": f.entity_id, "contractor_ruc": f.contractor_ruc}


def _amount(text: str | None) -> str | None:
    """What the user typed, without the currency and thousands spaces ("S/ 1 500 000")."""
    cleaned = (text or "").replace("S/", "").replace(" ", "").replace("\u00a0", "")
    return cleaned or None


def _amount_text(value: float | None) -> str:
    if value is None:
        return ""
    return str(int(value)) if float(value).is_integer() else str(value)


def _toggle(values: tuple[str, ...], value: str) -> tuple[str, ...]:
    return tuple(v for v in values if v != value) if value in values else (*values, value)


def after_click(state: ExplorerState, source: str, click: dict | None) -> ExplorerState:
    """A click on an area drills into it; on a bar, toggles that filter."""
    point = ((click or {}).get("points") or [{}])[0]
    if source == "map":
        if point.get("curveNumber", -1) >= chm.FIRST_WORKS_TRACE:
            return state  # a work: its card opens (show_card)
        ubigeo = point.get("location") or point.get("customdata")
        return state.with_area(ubigeo) if isinstance(ubigeo, str) else state
    key = point.get("customdata")
    if key is None:
        return state
    f = state.filters
    if source == "status_chart" and key in STATUSES:
        return state.with_filters(status=_toggle(f.status, key))
    if source == "sector_chart":
        return state.with_filters(sector=_toggle(f.sector, str(key)))
    if source == "year_chart":
        year = int(key)
        same = f.year_min == year and f.year_max == year
        return state.with_filters(year_min=None if same else year,
                                  year_max=None if same else year)
    if source == "top_chart":
        return state.with_area(str(key))
    return state


@callback(
    output={"search": Output(f"{P}-url", "search"),
            "message": Output(f"{P}-message", "children"),
            "message_hidden": Output(f"{P}-message", "hidden"),
            "per_capita_options": Output(f"{P}-per-capita", "options"),
            "controls": {name: Output(*target)
                         for name, target in CONTROLS.items()},
            # A bar's click is cleared so the same bar can toggle back; the map's is kept
            # (show_card reads it too).
            "clicks": {name: Output(target, "clickData") for name, target in CLICKS.items()
                       if name != "map"}},
    inputs={"search": Input(f"{P}-url", "search"),
            "controls": {name: Input(*target) for name, target in CONTROLS.items()},
            "clicks": {name: Input(target, "clickData") for name, target in CLICKS.items()},
            "clear": Input(f"{P}-clear", "n_clicks"),
            "years_min": State(f"{P}-years", "min"), "years_max": State(f"{P}-years", "max")},
    prevent_initial_call=True,   # the layout sets the controls of the URL it was built for
)
def navigate(search, controls, clicks, clear, years_min, years_max):
    """Keep URL and controls in step: a new URL (opened, shared, back button) sets the
    controls; a control or a click writes a new URL."""
    bounds = [years_min, years_max]
    clicks_reset = dict.fromkeys(name for name in CLICKS if name != "map")
    trigger = ctx.triggered_id
    try:
        current = ExplorerState.from_search(search)
    except FilterError as exc:
        if trigger in (None, f"{P}-url"):
            return _navigation(dash.no_update, str(exc), None, bounds, clicks_reset)
        current = ExplorerState()
    try:
        if trigger in (None, f"{P}-url"):
            state = current
        elif trigger == f"{P}-clear":
            state = ExplorerState(Filters(area=current.filters.area), current.metric)
        elif trigger in CLICKS.values():
            source = next(name for name, target in CLICKS.items() if target == trigger)
            state = after_click(current, source, clicks[source])
        else:
            state = state_from_controls(current.filters.area, controls, bounds)
    except FilterError as exc:
        return _navigation(dash.no_update, str(exc), current, bounds, clicks_reset)
    new_search = state.to_search()
    return _navigation(new_search if new_search != (search or "") else dash.no_update, "",
                       state, bounds, clicks_reset)


def _navigation(search, message: str, state: ExplorerState | None, bounds: list[int],
                clicks_reset: dict) -> dict[str, Any]:
    base = chm.split_metric_key(state.metric)[0] if state else None
    return {"search": search, "message": message, "message_hidden": not message,
            "per_capita_options": parts.per_capita_options(base) if base else dash.no_update,
            "controls": (controls_from_state(state, bounds) if state
                         else dict.fromkeys(CONTROLS, dash.no_update)),
            "clicks": clicks_reset}


# The map's size frames each view: measured in the browser, passed on with the URL.
MAP_SIZE_JS = """function() {
    // The plot area, without the legend above it and the colour bar below.
    var el = document.querySelector('.explorer-map');
    var plot = el && el.querySelector('.js-plotly-plot');
    var size = plot && plot._fullLayout && plot._fullLayout._size;
    if (size && size.w > 0 && size.h > 0) { return {width: size.w, height: size.h}; }
    return {width: el ? el.clientWidth : 0,
            height: el ? Math.max(el.clientHeight - 110, 0) : 0};
}"""
clientside_callback(
    f"""function(search) {{
        var size = ({MAP_SIZE_JS})();
        return {{search: search || '', width: size.width, height: size.height}};
    }}""",
    Output(f"{P}-view", "data"), Input(f"{P}-url", "search"), prevent_initial_call=True)

# The first view was framed for a default map size; its zoom, fitted to the map's own size.
clientside_callback(
    f"""function(_, view) {{
        var size = ({MAP_SIZE_JS})();
        if (!view || !view.fit || !(size.width > 0 && size.height > 0)) {{
            return dash_clientside.no_update;
        }}
        var zoom = ({chm.FIT_ZOOM_JS})(view.fit, size.width, size.height);
        if (zoom === view.zoom) {{ return dash_clientside.no_update; }}
        var patch = new dash_clientside.Patch();
        patch.assign(['layout', 'map', 'zoom'], zoom);
        return patch.build();
    }}""",
    Output(f"{P}-map", "figure", allow_duplicate=True), Input(f"{P}-map", "id"),
    State(f"{P}-view", "data"), prevent_initial_call="initial_duplicate")

# Phones start with the filters folded.
clientside_callback(
    "function(_) { return window.innerWidth >= 900; }",
    Output(f"{P}-filters", "open"), Input(f"{P}-view", "id"))


# -- URL -> values --------------------------------------------------------------------------
@callback(
    output={"map": Output(f"{P}-map", "figure"), "kpis": Output(f"{P}-kpis", "children"),
            "breadcrumb": Output(f"{P}-breadcrumb", "children"),
            "title": Output(f"{P}-title", "children"),
            "note": Output(f"{P}-note", "children"),
            "charts": {name: Output(f"{P}-chart-{name}-figure", "data")
                       for name in CHART_NAMES},
            "chart_texts": {name: Output(f"{P}-chart-{name}-text", "children")
                            for name in CHART_NAMES},
            "top_title": Output(f"{P}-top-title", "children"),
            "filter_count": Output(f"{P}-filter-count", "children"),
            "downloads": Output(f"{P}-downloads", "children")},
    inputs={"view": Input(f"{P}-view", "data")},
    prevent_initial_call=True,   # the layout holds the first view's values
)
def render(view):
    """Everything the view shows, as values."""
    view = view or {}
    return rendered(view_state(view), view.get("width"), view.get("height"))


def view_state(view: dict | None) -> ExplorerState:
    """The state of the view store's search; the national view for a search navigate
    refused (it says what was wrong)."""
    return state_or_national((view or {}).get("search"))


def rendered(state: ExplorerState, width: float | None, height: float | None,
             data: ViewData | None = None) -> dict[str, Any]:
    """render's outputs: built once per data version and state (the shared cache keeps
    them), then framed for this browser's map size (a default size without one). `data`:
    the state's view_data when the caller has it already."""
    basemap = tiles.configured()   # the streets are part of the answer
    key = (f"explorer:{data_version()}:render:{state.key()}"
           f":{basemap.url if basemap else ''}:{current()}")   # its texts are in a language
    cached = cache.get(key)
    if cached is None:
        data = data or view_data(state)
        cached = (view_values(data), data.bounds)
        cache.set(key, cached, timeout=OPTIONS_SECONDS)
    values, bounds = cached
    frame(values["map"], bounds, width, height)
    return values


def render_values(data: ViewData, width: float | None, height: float | None) -> dict[str, Any]:
    """render's outputs for a view's data, framed for a map of width x height."""
    values = view_values(data)
    frame(values["map"], data.bounds, width, height)
    return values


def view_values(data: ViewData) -> dict[str, Any]:
    """Everything the view shows but the map's frame."""
    metric = chm.METRICS[data.state.metric]
    view = data.view
    summary = data.summary
    area_values = chm.values(summary.children, metric, data.alerts)
    population = _population(summary.children, view)
    f = data.state.filters
    figures = {"status": charts.status_chart(summary.by_status),
               "sector": charts.sector_chart(summary.by_sector, f.sector),
               "year": charts.year_chart(summary.by_year, (f.year_min, f.year_max)),
               "top": charts.top_areas_chart(summary.children, area_values, metric,
                                             view.selected)}
    top_title = parts.top_title(view, metric)
    return {
        "map": map_patch(data, metric),
        "kpis": parts.kpis(summary.totals, population),
        "breadcrumb": parts.breadcrumb(data.state, data.breadcrumb),
        "title": parts.title(view, data.breadcrumb),
        "note": parts.map_note(data.total_works, data.shows_points, len(data.points), view),
        "charts": figures,
        "chart_texts": {name: charts.text_alternative(figures[name],
                                                      _(title) if title else top_title)
                        for name, title, _tall in CHARTS},
        "top_title": top_title,
        "filter_count": parts.filter_count(data.state),
        "downloads": parts.downloads(data.state, data.total_works, view,
                                     data.breadcrumb[-1][1]),
    }


# -- the charts, near the screen ---------------------------------------------------------------
# A phone has them below the map, and drawing them took a second of its main thread while the
# map was being drawn: each waits until the map has drawn and it comes near the screen, and a
# new view's figures reach only the charts near it (assets/explorer_charts.js: `watch` keeps
# the list of those in the store, `draw` gives their Graphs the figures they lack).
clientside_callback(ClientsideFunction("mirador_charts", "watch"),
                    Output(f"{P}-charts-near", "data"), Input(f"{P}-charts-near", "id"))
clientside_callback(ClientsideFunction("mirador_charts", "draw"),
                    [Output(f"{P}-chart-{name}", "figure") for name in CHART_NAMES],
                    Input(f"{P}-charts-near", "data"),
                    [Input(f"{P}-chart-{name}-figure", "data") for name in CHART_NAMES],
                    [State(f"{P}-chart-{name}", "figure") for name in CHART_NAMES],
                    prevent_initial_call=True)


# -- the map's table, while it is open -------------------------------------------------------
# Whether the table is open, read from the page once the click has toggled it (Dash does
# not report a <details>' state), and again for each new view.
clientside_callback(
    f"""function(_clicks, _view) {{
        return new Promise(function(resolve) {{ setTimeout(function() {{
            var box = document.getElementById('{P}-table-box');
            resolve(Boolean(box && box.open));
        }}, 0); }});
    }}""",
    Output(f"{P}-table-open", "data"),
    Input(f"{P}-table-summary", "n_clicks"), Input(f"{P}-view", "data"),
    prevent_initial_call=True)


@callback(Output(f"{P}-table", "children"),
          Input(f"{P}-table-open", "data"), State(f"{P}-view", "data"),
          prevent_initial_call=True)
def map_table(is_open, view):
    """The map's figures as a table, for the view, only while the table is open."""
    if not is_open:
        return []
    state = view_state(view)
    key = f"explorer:table:{state.key()}:{current()}"
    return memoize(key, lambda: table_values(view_data(state)))


def table_values(data: ViewData) -> list:
    metric = chm.METRICS[data.state.metric]
    return [parts.area_table(data.state, data.summary.children, metric, data.alerts,
                             data.view),
            parts.works_table(data.points.columns) if data.shows_points else None]


def _population(children: list[dict], view: View) -> int | None:
    if view.is_district:
        return next((c["population"] for c in children if c["ubigeo"] == view.selected), None)
    known = [c["population"] for c in children if c["population"]]
    return sum(known) if known else None


def map_patch(data: ViewData, metric: chm.Metric) -> Patch:
    """The map's new values: areas and their colours, the works."""
    patch = Patch()
    view = data.view
    updates = chm.choropleth_update(data.summary.children, metric, data.alerts, view.selected
                                    if view.is_district else None, data.polygon_less)
    updates.update(points_update(data.points.columns, chm.FIRST_WORKS_TRACE))
    for trace in (chm.BASE, chm.VALUES, chm.SELECTED):
        updates[trace]["geojson"] = data.geojson
    updates[chm.VALUES]["marker"] = {"opacity": 0.35 if data.points else 0.9}
    basemap = tiles.configured()
    if basemap is not None:
        streets = view.level == DISTRICTS   # a province's districts: streets under them
        shown = chm.streets_update(basemap, streets)
        if "style" in shown:
            patch["layout"]["map"]["style"] = shown["style"]
        for index, visible in shown["layers"].items():
            patch["layout"]["map"]["layers"][index]["visible"] = visible
        updates[chm.BASE]["marker"] = {"opacity": STREET_OPACITY["base"] if streets else 1}
        if streets and not data.points:
            updates[chm.VALUES]["marker"] = {"opacity": STREET_OPACITY["values"]}
    for index, values in updates.items():
        _assign(patch["data"][index], values)
    patch["layout"]["uirevision"] = view.selected or "pe"  # a new area re-frames the map
    return patch


def frame(patch: Patch, bounds: dict | None, width: float | None, height: float | None
          ) -> None:
    """Center and zoom the map on `bounds` for a map of width x height pixels."""
    center, zoom = (chm.frame(bounds, width, height) if width and height
                    else chm.frame(bounds))
    patch["layout"]["map"]["center"] = center
    patch["layout"]["map"]["zoom"] = zoom


def _assign(node: Patch, values: dict[str, Any]) -> None:
    """Set leaves one by one, so nested settings not given (a marker's colour) stay."""
    for key, value in values.items():
        if isinstance(value, dict):
            _assign(node[key], value)
        else:
            node[key] = value


# -- the search beyond works: entities and contractors --------------------------------------
@callback(Output(f"{P}-found", "children"), Input(f"{P}-url", "search"),
          prevent_initial_call=True)   # the layout holds the first view's
def found(search):
    try:
        state = ExplorerState.from_search(search)
    except FilterError:
        return []
    return found_names(state)


def found_names(state: ExplorerState) -> list:
    """The entity or contractor the view is narrowed to, and the entities and contractors
    whose name (or RUC) matches the search box, with links to their pages."""
    f = state.filters
    names = (memoize(f"explorer:names:{f.entity_id}:{f.contractor_ruc}",
                     lambda: search_queries.names(f.entity_id, f.contractor_ruc))
             if f.entity_id or f.contractor_ruc else {})
    matches = (memoize(f"explorer:found:{f.q}", lambda: search_queries.find(f.q))
               if f.q else {})
    return party_ui.explorer_found(state, names, matches)


# -- one work's card ----------------------------------------------------------------------------
@callback(
    Output(f"{P}-card-body", "children"), Output(f"{P}-card", "hidden"),
    Input(f"{P}-map", "clickData"), Input(f"{P}-card-close", "n_clicks"),
    Input(f"{P}-url", "search"),
    prevent_initial_call=True,
)
def show_card(click, _close, _search):
    """A click on a work opens its summary; closing or changing the view hides it."""
    if ctx.triggered_id != f"{P}-map":
        return dash.no_update, True
    point = ((click or {}).get("points") or [{}])[0]
    if point.get("curveNumber", -1) < chm.FIRST_WORKS_TRACE or point.get("customdata") is None:
        return dash.no_update, dash.no_update
    work = explorer.work_card(int(point["customdata"]))
    if work is None:
        return [html.P("Esta obra ya no está en los datos.")], False
    return parts.work_card(work, _work_alerts(work["infobras_code"])), False


def _work_alerts(code: int) -> list[dict] | None:
    """The work's alerts; None when the alerts were never computed."""
    try:
        rows = alert_queries.work_alerts(code)
    except sa.exc.ProgrammingError:
        return None
    return rows if rows or alert_queries.last_run() else None


@callback(Output(f"{P}-follow", "children"), Input(f"{P}-view", "data"),
          prevent_initial_call=True)   # the layout holds the first view's
def follow(view):
    """«Seguir» the district, province or region shown (nothing for the whole country)."""
    return area_follow((view or {}).get("search"))
