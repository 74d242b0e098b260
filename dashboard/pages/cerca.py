"""Obras cerca de mí (/cerca): the works around the citizen's location (the browser's, with
permission) or around a district typed in, nearest first, within 1-25 km: a map and a card
per work (what, who, how much, how far along, status, alerts, distance, how precise its
location is).

The search lives in the URL (?lat=&lon=&r= or ?area=<ubigeo>&r=), so a result can be shared;
the browser's position is rounded to ~100 m before it goes into the URL.
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlencode

import dash
from dash import Input, Output, Patch, State, callback, clientside_callback, ctx, dcc, html

from dashboard import tiles, widgets
from dashboard.app import keep_on_search
from dashboard.cache import data_version, memoize
from dashboard.citizen_ui import alerts_line, progress_bar, status_chip
from dashboard.i18n import N_, _, ngettext
from dashboard.routes.geo import geojson_url
from dashboard.wire import element, link
from geodata.alert_rules import LOADER as ALERTS_LOADER
from layers import format as fmt
from layers import nearby as nearby_layer
from queries import areas, nearby
from queries.filters import FilterError

TITLE = N_("Obras cerca de mí — Mirador de Obras")
DESCRIPTION = N_("Las obras públicas a su alrededor: qué son, quién las hace, cuánto cuestan, "
                 "cómo avanzan y sus alertas.")


def page_title(**_path) -> str:
    return _(TITLE)


def page_description(**_path) -> str:
    return _(DESCRIPTION)


dash.register_page(__name__, path="/cerca", name=N_("Cerca de mí"), order=2, title=page_title,
                   description=page_description)

URL_DECIMALS = 3          # ~110 m: a shared link does not pin the citizen's home
DISTRICTS = 3
SEARCH_RESULTS = 20
# Cards sent at first, and with each "Ver más": a phone's first screens (the map shows all
# the works found). Each card is some twenty components: ten of them are a third of the
# answer's time.
FIRST_CARDS = 10
RADIUS_OPTIONS = [{"label": f"{r} km", "value": r} for r in nearby.RADII_KM]


def dropdown_labels() -> dict[str, str]:
    return {"search": _("Nombre del distrito o ciudad"), "clear_search": _("Borrar"),
            "no_options_found": _("Sin resultados: escriba al menos 2 letras del nombre")}


# -- layout ---------------------------------------------------------------------------------------
def layout(_pages_store: dict | None = None, **query) -> html.Div:
    if keep_on_search(_(TITLE), _pages_store):
        return dash.no_update  # only the query changed: the callbacks update in place
    try:
        radius = nearby.parse_radius(query.get("r"))
    except FilterError:
        radius = nearby.DEFAULT_RADIUS_KM
    ubigeo = query.get("area") if isinstance(query.get("area"), str) else None
    option = _option(areas.area(ubigeo)) if ubigeo else None
    # The first view is in the layout (on a slow phone each round trip costs seconds): the
    # location, given its search, sets nothing when it mounts, so `show` does not run for it.
    search = _search(query)
    summary, results, more_list, more_hidden, more_label, _clicks = shown(search)
    here = dash.get_relative_path("/cerca")
    return html.Div(className="citizen-page cerca-page", children=[
        dcc.Location(id="cerca-url", refresh=False, pathname=here, search=search, hash="",
                     href=here + search),
        dcc.Store(id="cerca-geo"),
        html.Header(className="citizen-header", children=[
            html.H1(_("Obras cerca de mí")),
            html.P(_("Vea qué obras públicas se construyen a su alrededor: qué son, quién las "
                     "hace, cuánto cuestan y cómo avanzan."), className="citizen-lead"),
        ]),
        html.Section(className="citizen-card cerca-search", children=[
            html.Button([html.Span("◎ ", **{"aria-hidden": "true"}), _("Usar mi ubicación")],
                        id="cerca-locate", n_clicks=0, className="citizen-button primary wide"),
            html.P(id="cerca-locate-message", className="citizen-message",
                   role="status", **{"aria-live": "polite"}),
            html.Label(_("o escriba su distrito o ciudad"), htmlFor="cerca-place",
                       className="citizen-label"),
            widgets.dropdown(id="cerca-place", options=[option] if option else [],
                         value=option["value"] if option else None, searchable=True,
                         placeholder=_("Ej.: Huancayo, Miraflores, Iquitos…"),
                         className="citizen-dropdown", clearable=False, maxHeight=320,
                         search_order="original", labels=dropdown_labels()),
            html.Div(className="cerca-radius", children=[
                html.Span(_("Radio"), className="citizen-label", id="cerca-radius-label"),
                dcc.RadioItems(id="cerca-radius", options=RADIUS_OPTIONS, value=radius,
                               inline=True, className="citizen-segmented"),
            ]),
        ]),
        html.P(summary, id="cerca-summary", className="cerca-summary",
               **{"aria-live": "polite"}),
        dcc.Loading(type="dot", color="#1f3a5f", children=html.Div(id="cerca-results",
                                                                    children=results)),
        html.Ol(more_list, id="cerca-more-list", className="cerca-list cerca-more-list",
                start=FIRST_CARDS + 1),
        html.Button(more_label, id="cerca-more", n_clicks=0, hidden=more_hidden,
                    className="citizen-button wide cerca-more"),
    ])


def _search(query: dict) -> str:
    """The search string of the page's query parameters ("" for none)."""
    params = {k: v for k, v in query.items() if k != "_pages_store" and v is not None}
    encoded = urlencode(params, doseq=True)
    return f"?{encoded}" if encoded else ""


def _how_to() -> html.Div:
    return html.Div(className="citizen-card muted", children=[
        html.P(_("Toque «Usar mi ubicación» (su navegador le pedirá permiso) o escriba el "
                 "nombre de su distrito para ver las obras cercanas, de la más próxima a la más "
                 "lejana."))])


def _option(area: dict | None) -> dict | None:
    """A district as a dropdown option: "Chilca · Huancayo, Junín"."""
    if not area:
        return None
    where = ", ".join(v for v in (area.get("province_name"), area.get("region_name")) if v)
    label = f"{area['name']} · {where}" if where else area["name"]
    capital = area.get("capital")
    if capital and capital != area["name"] and not area.get("name_match", True):
        label += " " + _("(capital: {capital})", capital=capital)
    return {"label": label, "value": area["ubigeo"]}


# -- callbacks --------------------------------------------------------------------------------
clientside_callback(
    """function(n) {
        if (!n) { return window.dash_clientside.no_update; }
        if (!window.isSecureContext || !navigator.geolocation) {
            return {error: 'insecure', t: Date.now()};
        }
        return new Promise(function(resolve) {
            navigator.geolocation.getCurrentPosition(function(p) {
                resolve({lat: p.coords.latitude, lon: p.coords.longitude, t: Date.now()});
            }, function(e) {
                var why = e.code === 1 ? 'denied' : e.code === 3 ? 'timeout' : 'failed';
                resolve({error: why, t: Date.now()});
            }, {enableHighAccuracy: false, timeout: 15000, maximumAge: 300000});
        });
    }""",
    Output("cerca-geo", "data"), Input("cerca-locate", "n_clicks"), prevent_initial_call=True)


@callback(Output("cerca-place", "options"), Input("cerca-place", "search_value"),
          State("cerca-place", "value"), State("cerca-place", "options"),
          prevent_initial_call=True)
def suggest(text: str | None, value: str | None, current: list | None):
    """Districts whose name or capital matches what is typed (accents and case ignored)."""
    if not text or len(text.strip()) < 2:
        return dash.no_update
    found = [a for a in areas.search_areas(text, SEARCH_RESULTS) if a["level"] == DISTRICTS]
    options = [_option(a) for a in found]
    kept = [o for o in current or [] if o["value"] == value and
            o["value"] not in {p["value"] for p in options}]
    return kept + options


@callback(Output("cerca-url", "search"), Output("cerca-locate-message", "children"),
          Input("cerca-geo", "data"), Input("cerca-place", "value"),
          Input("cerca-radius", "value"), State("cerca-url", "search"),
          prevent_initial_call=True)
def navigate(geo: dict | None, ubigeo: str | None, radius: int, search: str | None):
    """Put the new search in the URL (the results follow the URL)."""
    params = {k: v[0] for k, v in parse_qs((search or "").lstrip("?")).items()}
    params["r"] = str(radius or nearby.DEFAULT_RADIUS_KM)
    if ctx.triggered_id == "cerca-geo":
        if not geo or "error" in geo:
            return dash.no_update, _locate_error((geo or {}).get("error"))
        params = {"lat": f"{geo['lat']:.{URL_DECIMALS}f}",
                  "lon": f"{geo['lon']:.{URL_DECIMALS}f}", "r": params["r"]}
    elif ctx.triggered_id == "cerca-place" and ubigeo:
        params = {"area": ubigeo, "r": params["r"]}
    return f"?{urlencode(params)}", ""


# Why the browser gave no position (the clientside callback's codes).
LOCATE_ERRORS = {
    "insecure": N_("Su navegador no permite compartir la ubicación en esta página."),
    "denied": N_("No nos dio permiso para ver su ubicación."),
    "timeout": N_("Su ubicación tardó demasiado en llegar."),
    "failed": N_("No pudimos obtener su ubicación."),
}


def _locate_error(code: str | None) -> str:
    why = _(LOCATE_ERRORS.get(code or "", LOCATE_ERRORS["failed"]))
    return why + " " + _("Puede escribir el nombre de su distrito.")


@callback(Output("cerca-summary", "children"), Output("cerca-results", "children"),
          Output("cerca-more-list", "children"), Output("cerca-more", "hidden"),
          Output("cerca-more", "children"), Output("cerca-more", "n_clicks"),
          Input("cerca-url", "search"),
          prevent_initial_call=True)   # the layout holds the first view's
def show(search: str | None):
    return shown(search)


def shown(search: str | None) -> tuple:
    """The summary, the map of every work found and the first FIRST_CARDS cards (a phone
    gets a short page; "Ver más" brings the rest, counted again from a new search)."""
    found = _found(search)
    if isinstance(found, str | None):
        message = html.Span(found, className="citizen-message error") if found else ""
        return message, [_how_to()], [], True, "", 0
    place, radius, works, total = found
    hidden, label = _more_button(len(works), FIRST_CARDS)
    return (_summary(place, radius, works, total), _results(place, radius, works), [],
            hidden, label, 0)


@callback(Output("cerca-more-list", "children", allow_duplicate=True),
          Output("cerca-more", "hidden", allow_duplicate=True),
          Output("cerca-more", "children", allow_duplicate=True),
          Input("cerca-more", "n_clicks"), State("cerca-url", "search"),
          prevent_initial_call=True)
def more(clicks: int, search: str | None):
    """The next FIRST_CARDS cards, appended (a Patch: the cards on screen do not travel
    back and forth); the search is memoized, so no new query."""
    if not clicks:  # a new search set the clicks back to 0
        return dash.no_update, dash.no_update, dash.no_update
    found = _found(search)
    if isinstance(found, str | None):
        return dash.no_update, True, ""
    works = found[2]
    start = FIRST_CARDS * clicks
    stop = start + FIRST_CARDS
    hidden, label = _more_button(len(works), stop)
    computed = _alerts_computed()
    cards = Patch()
    cards.extend([_card(w, computed) for w in works[start:stop]])
    return cards, hidden, label


def _alerts_computed() -> bool:
    """Whether the rules were ever applied (else a card says so instead of "Sin alertas"):
    a successful run of the alerts loader, known to the process without a query."""
    return data_version((ALERTS_LOADER,)) > 0


def _found(search: str | None):
    """(place, radius, works, total) of the URL's search; a message (or None when there is
    no search yet) when it cannot be run."""
    params = {k: v[0] for k, v in parse_qs((search or "").lstrip("?")).items()}
    if not ({"lat", "lon"} <= params.keys() or params.get("area")):
        return None
    try:
        radius = nearby.parse_radius(params.get("r"))
        place = _place(params)
    except FilterError as exc:
        return str(exc)
    found = memoize(f"cerca:{place.lon:.6f}:{place.lat:.6f}:{radius}",
                    lambda: nearby.nearby(place, radius))
    return place, radius, found["works"], found["total"]


def _more_button(found: int, shown: int) -> tuple[bool, str]:
    rest = found - shown
    if rest <= 0:
        return True, ""
    return False, _("Ver {n} obras más", n=min(rest, FIRST_CARDS))


def _place(params: dict) -> nearby.Place:
    if params.get("area"):
        place = nearby.area_place(params["area"])
        if place is None:
            raise FilterError(_("No encontramos ese distrito. Escriba su nombre de nuevo."))
        return place
    return nearby.parse_point(params.get("lat"), params.get("lon"))


def _summary(place: nearby.Place, radius: int, works: list, total: int) -> list:
    if not works:
        return [_("No encontramos obras a menos de {radius} km de {place}.", radius=radius,
                  place=place.label) + " ",
                _("Pruebe con un radio mayor.") if radius < max(nearby.RADII_KM) else ""]
    many = total > nearby.COUNT_CAP
    count = (_("Más de {n} obras", n=fmt.number(nearby.COUNT_CAP)) if many
             else ngettext("{count} obra", "{count} obras", total, count=fmt.number(total)))
    lines = [html.Strong(count), " " + _(
        "a menos de {radius} km de {place}, de la más cercana a la más lejana.",
        radius=radius, place=place.label)]
    if total > len(works):
        lines.append(" " + _("El mapa muestra las {n} más cercanas.", n=len(works)))
    if len(works) > FIRST_CARDS:
        lines.append(" " + _("La lista las presenta de {n} en {n}.", n=FIRST_CARDS))
    approx = sum(w["geom_source"] != "surveyed" for w in works)
    if approx:
        lines.append(" " + ngettext(
            "{count} obra no tiene coordenadas propias: se ubica en la capital de su distrito.",
            "{count} obras no tienen coordenadas propias: se ubican en la capital de su "
            "distrito.", approx, count=fmt.number(approx)))
    return lines


def _results(place: nearby.Place, radius: int, works: list) -> list:
    if not works:
        return []
    outline = geojson_url(DISTRICTS, works[0]["ubigeo"][:2])
    figure = nearby_layer.nearby_map(place.lon, place.lat, radius, works, outline,
                                     tiles.configured())
    computed = _alerts_computed()
    return [
        html.Div(className="citizen-card cerca-map", children=dcc.Graph(
            id="cerca-map", figure=figure,
            config={"displayModeBar": False, "scrollZoom": False})),
        html.Details(className="citizen-card map-table", children=[
            html.Summary(_("Las obras del mapa en una tabla")),
            nearby_layer.works_table(works)]),
        element("Ol", [_card(w, computed) for w in works[:FIRST_CARDS]], className="cerca-list"),
    ]


def _card(work: dict, alerts_computed: bool) -> dict:
    """A work's card, in Dash's wire form (dashboard.wire): ten of them are built per
    search."""
    surveyed = work["geom_source"] == "surveyed"
    who = [element("Span", _("Entidad:") + " ", className="muted"),
           work["entity"] or _("no registrada")]
    if work.get("contractor_name"):
        who += [element("Br"), element("Span", _("Contratista:") + " ", className="muted"),
                work["contractor_name"]]
    return element("Li", className="citizen-card cerca-card", children=[
        element("Div", className="cerca-card-head", children=[
            status_chip(work["status"]),
            element("Span", ("" if surveyed else "≈ ")
                    + nearby_layer.distance_text(work["distance_m"]),
                    className="cerca-distance", title=_("Distancia en línea recta")),
        ]),
        element("H3", link(work["name"], f"/obra/{work['infobras_code']}",
                           className="cerca-card-title")),
        element("P", who, className="cerca-who"),
        element("Div", className="cerca-card-figures", children=[
            element("Div", [element("Span", _("Inversión"), className="muted"),
                            element("Strong", fmt.money(work["amount_investment"]))],
                    className="cerca-amount"),
            progress_bar(work["physical_progress"]),
        ]),
        alerts_line(work["alert_names"], alerts_computed),
        element("P", ("◉ " + _("Ubicación registrada por la entidad") if surveyed else
                      "◌ " + _("Ubicación aproximada: capital del distrito de {district} (la "
                               "distancia es hasta la capital)", district=work["district"])),
                className="cerca-where" + ("" if surveyed else " approx")),
    ])
