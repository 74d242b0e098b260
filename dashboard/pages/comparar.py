"""Compare up to six regions, provinces or districts: metrics side by side (absolute or per
inhabitant), a ranking of every area of the level with the chosen ones highlighted, and the
monthly spending and progress. The selection lives in the URL (?level=&areas=&per=&metric=)."""

from __future__ import annotations

from urllib.parse import parse_qs, urlencode

import dash
from dash import Input, Output, State, callback, dcc, html

from dashboard import scorecard_ui, widgets
from dashboard.cache import memoize
from dashboard.i18n import N_, _
from dashboard.routes.exports import aggregate_urls
from layers import compare as compare_layer
from queries import api_areas, compare, scores
from queries.filters import FilterError, Filters
from queries.parties import parse_entity_id

dash.register_page(__name__, path="/comparar", name=N_("Comparar"), order=3,
                   title="Comparar áreas — Mirador de Obras")

LEVEL_OPTIONS = [{"label": "Regiones", "value": 1}, {"label": "Provincias", "value": 2},
                 {"label": "Distritos", "value": 3}]
PER_OPTIONS = [{"label": "Por habitante", "value": "hab"}, {"label": "Absoluto", "value": "abs"}]
DEFAULT_METRIC = "investment"
LEVEL_PLURALS = {1: "regiones", 2: "provincias", 3: "distritos"}


def area_options(level: int) -> list[dict[str, str]]:
    """Dropdown choices of a level, labelled with their province and region."""
    def build() -> list[dict[str, str]]:
        out = []
        for a in api_areas.areas(level):
            where = ", ".join(n for n in (a["province_name"] if level == 3 else None,
                                          a["region_name"] if level > 1 else None) if n)
            out.append({"label": f"{a['name']} ({where})" if where else a["name"],
                        "value": a["ubigeo"]})
        return out
    return memoize(f"comparar:options:{level}", build)


def parse_state(params: dict[str, list[str]]) -> dict:
    """Level, areas (same level, at most six), per-inhabitant flag and metric from the URL."""
    raw = [u for value in params.get("areas", []) for u in value.split(",") if u]
    areas = [u for u in raw if u.isdigit() and len(u) in (2, 4, 6)]
    level = params.get("level", [""])[0]
    level = int(level) if level in ("1", "2", "3") else (compare.level_of(areas[0])
                                                          if areas else 1)
    metric = params.get("metric", [DEFAULT_METRIC])[0]
    return {"level": level,
            "areas": [u for u in areas if compare.level_of(u) == level][:compare.MAX_COMPARED],
            "per": "abs" if params.get("per", ["hab"])[0] == "abs" else "hab",
            "metric": metric if metric in compare_layer.METRIC_BY_KEY else DEFAULT_METRIC}


def layout(_pages_store: dict | None = None, **query) -> html.Div:
    """The page from its URL (the router also passes the shell's `_pages_store`)."""
    state = parse_state({k: [v] if isinstance(v, str) else list(v) for k, v in query.items()})
    return html.Div(className="officials-page", children=[
        dcc.Location(id="comparar-url", refresh=False),
        html.H1("Comparar áreas"),
        html.P("Elija hasta seis regiones, provincias o distritos del mismo nivel, o un "
               "distrito y sus pares (la misma región, población parecida).",
               className="officials-lead"),
        html.Div(className="officials-controls", children=[
            html.Label("Nivel", htmlFor="comparar-level"),
            dcc.RadioItems(id="comparar-level", options=LEVEL_OPTIONS, value=state["level"],
                           inline=True),
            html.Label("Cifras", htmlFor="comparar-per"),
            dcc.RadioItems(id="comparar-per", options=PER_OPTIONS, value=state["per"],
                           inline=True),
        ]),
        html.Div(className="officials-controls", children=[
            html.Label("Áreas", htmlFor="comparar-areas"),
            widgets.dropdown(id="comparar-areas", multi=True, value=state["areas"],
                         options=area_options(state["level"]),
                         placeholder="Escriba para buscar un área…"),
            html.Button("Este y sus pares", id="comparar-peers", n_clicks=0,
                        title="El primer área elegida y las cinco de su región más "
                              "parecidas en población"),
        ]),
        html.P(id="comparar-message", className="officials-message", role="status"),
        html.Div(id="comparar-table"),
        html.Div(className="officials-controls", children=[
            html.Label("Ordenar el ranking por", htmlFor="comparar-metric"),
            widgets.dropdown(id="comparar-metric", value=state["metric"], clearable=False,
                         options=[{"label": m.label, "value": m.key}
                                  for m in compare_layer.METRICS]),
        ]),
        dcc.Graph(id="comparar-ranking", config={"displaylogo": False}),
        dcc.Graph(id="comparar-trend", config={"displaylogo": False}),
        html.P(id="comparar-downloads", className="officials-downloads"),
        entities_section(query.get("entidades")),
    ])


@callback(Output("comparar-areas", "options"), Output("comparar-areas", "value"),
          Input("comparar-level", "value"), State("comparar-areas", "value"),
          prevent_initial_call=True)
def change_level(level: int, areas: list[str] | None):
    """A new level: its areas as choices; the chosen areas of another level are dropped."""
    if level not in LEVEL_PLURALS:       # only a forged request sends another value
        return dash.no_update, dash.no_update
    return area_options(level), _of_level(areas, level)


def _of_level(areas, level: int) -> list[str]:
    """The well-formed ubigeos of `level` among what the browser sent."""
    return [u for u in areas or [] if isinstance(u, str) and u.isdigit()
            and len(u) == 2 * level]


@callback(Output("comparar-areas", "value", allow_duplicate=True),
          Input("comparar-peers", "n_clicks"), State("comparar-areas", "value"),
          prevent_initial_call=True)
def with_peers(_clicks: int, areas: list[str] | None):
    if not areas:
        return dash.no_update
    return [areas[0], *memoize(f"comparar:peers:{areas[0]}", lambda: compare.peers(areas[0]))]


@callback(Output("comparar-table", "children"), Output("comparar-ranking", "figure"),
          Output("comparar-trend", "figure"), Output("comparar-message", "children"),
          Output("comparar-url", "search"), Output("comparar-downloads", "children"),
          Input("comparar-areas", "value"), Input("comparar-per", "value"),
          Input("comparar-metric", "value"), State("comparar-level", "value"),
          State("comparar-url", "search"))
def show(areas: list[str] | None, per: str, metric: str, level: int, search: str | None):
    message = ""
    if level not in LEVEL_PLURALS:       # only a forged request sends another value
        level, message = 1, "Nivel no válido: se muestran las regiones."
    areas = _of_level(areas, level)
    if len(areas) > compare.MAX_COMPARED:
        message = f"Se comparan como máximo {compare.MAX_COMPARED} áreas: se usan las primeras."
        areas = areas[:compare.MAX_COMPARED]
    params = parse_qs((search or "").lstrip("?"))
    try:
        filters = Filters.from_query(params)
    except FilterError as exc:
        filters, message = Filters(), f"{exc} Se muestran todas las obras."
    chosen = {"entidades": params["entidades"]} if params.get("entidades") else {}
    return (*compare_view(level, tuple(areas), per == "hab", metric, filters), message,
            "?" + urlencode({**filters.to_query(), "level": level, "areas": ",".join(areas),
                             "per": per, "metric": metric, **chosen}, doseq=True),
            downloads(level, filters))


def compare_view(level: int, areas: tuple[str, ...], per_inhabitant: bool, metric_key: str,
                 filters: Filters):
    """The table, the ranking and the trend of the chosen areas."""
    key = filters.key()
    frame = memoize(f"comparar:metrics:{level}:{key}",
                   lambda: compare.area_metrics(level, filters.with_area(None)))
    metric = compare_layer.METRIC_BY_KEY.get(metric_key, compare_layer.METRICS[1])
    ranking = compare_layer.ranking_figure(frame, metric, per_inhabitant, areas,
                                           LEVEL_PLURALS[level])
    if not areas:
        return (html.P("Elija al menos un área para ver sus indicadores.",
                       className="officials-empty"), ranking, compare_layer.trend_figure(
                           compare.monthly((), filters), {},
                           "Elija áreas para ver su gasto y su avance mes a mes"))
    header, rows = compare_layer.comparison_rows(frame, areas, per_inhabitant)
    series = memoize(f"comparar:monthly:{areas}:{key}", lambda: compare.monthly(areas, filters))
    names = dict(zip(frame["ubigeo"], frame["name"], strict=True))
    return (metrics_table(header, rows), ranking, compare_layer.trend_figure(series, names))


def metrics_table(header: list[str], rows: list[list[str]]) -> html.Table:
    return html.Table(className="officials-table", children=[
        html.Thead(html.Tr([html.Th("Indicador"), *(html.Th(h, scope="col") for h in header)])),
        html.Tbody([html.Tr([html.Th(r[0], scope="row"), *(html.Td(v) for v in r[1:])])
                    for r in rows]),
    ])


def downloads(level: int, filters: Filters) -> list:
    links = aggregate_urls(filters, level)
    return widgets.download_links(
        "Descargar los indicadores de todas las áreas de este nivel: ", links)


# -- entities side by side ------------------------------------------------------------------------
def _entity_ids(raw: object) -> list[str]:
    """Well-formed entity ids among what the URL or the browser sent, at most MAX_COMPARED."""
    values = raw if isinstance(raw, list) else str(raw or "").split(",")
    ids = []
    for value in values:
        try:
            ids.append(parse_entity_id(value))
        except FilterError:
            continue
    return list(dict.fromkeys(ids))[:compare.MAX_COMPARED]


def entities_section(raw: object) -> html.Section:
    """Entities compared by their performance index (queries.scores): the same components
    side by side."""
    chosen = _entity_ids(raw)
    named = scores.names(chosen) if chosen else {}
    return html.Section(className="officials-entities", id="comparar-entities-section",
                        children=[
        html.H2(_("Comparar entidades")),
        html.P(_("Elija dos o más entidades (hasta {n}): su índice de desempeño como "
                 "ejecutoras y cada componente, lado a lado.", n=compare.MAX_COMPARED),
               className="officials-lead"),
        html.Div(className="officials-controls", children=[
            html.Label(_("Entidades"), htmlFor="comparar-entities"),
            widgets.dropdown(id="comparar-entities", multi=True,
                             value=[i for i in chosen if i in named],
                             options=[{"label": named[i], "value": i} for i in chosen
                                      if i in named],
                             placeholder=_("Escriba parte del nombre de una entidad…")),
        ]),
        html.Div(id="comparar-entities-table"),
    ])


@callback(Output("comparar-entities", "options"), Input("comparar-entities", "search_value"),
          State("comparar-entities", "value"), State("comparar-entities", "options"),
          prevent_initial_call=True)
def entity_options(text: str | None, chosen: list[str] | None, options: list | None):
    """Entities whose name has what was typed, the chosen ones kept."""
    kept = [o for o in options or [] if o.get("value") in (chosen or [])]
    if not text or len(text.strip()) < 3:
        return kept or dash.no_update
    found = [{"label": r["name"], "value": r["entity_id"]} for r in scores.search(text[:80])]
    return kept + [o for o in found if o["value"] not in (chosen or [])]


@callback(Output("comparar-entities-table", "children"),
          Output("comparar-url", "search", allow_duplicate=True),
          Input("comparar-entities", "value"), State("comparar-url", "search"),
          prevent_initial_call="initial_duplicate")
def show_entities(chosen: list[str] | None, search: str | None):
    ids = _entity_ids(chosen or [])
    params = {k: v for k, v in parse_qs((search or "").lstrip("?")).items()
              if k != "entidades"}
    url = "?" + urlencode({**params, **({"entidades": ",".join(ids)} if ids else {})},
                          doseq=True)
    if not ids:
        return html.P(_("Elija al menos dos entidades para compararlas."),
                      className="officials-empty"), url
    found = scores.entity_scores(ids)
    rows = [found[i] for i in ids if i in found]
    note = (html.P(_("Elija otra entidad para compararla con esta."), className="muted")
            if len(rows) == 1 else None)
    return [scorecard_ui.compare_entities_table(rows), note,
            html.P(dcc.Link(_("Cómo se calcula el índice"), href=scorecard_ui.METHOD_URL))], url
