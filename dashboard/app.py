"""The Dash application: pages, the shared shell (header, navigation, error banner), Flask
routes found in dashboard/routes/, the shared cache and gzip.

`create_app()` builds it; `app` and `server` (for gunicorn: `dashboard.app:server`) are the
module-level instance.
"""

from __future__ import annotations

import gc
import importlib
import logging
import pkgutil
from pathlib import Path

import dash
import plotly.io as pio
import sqlalchemy as sa
from dash import ALL, Input, Output, State, dcc, html
from flask import Blueprint, Flask

from dashboard import routes
from dashboard.cache import init_cache
from dashboard.i18n import LANGUAGES, N_, _, current
from dashboard.preload import drop_polyfill, head_links
from dashboard.preview import with_preview
from dashboard.security import harden
from dashboard.static_cache import install as cache_static
from queries.db import DatabaseUnavailable
from queries.filters import FilterError

ROOT = Path(__file__).resolve().parent.parent
TITLE = "Mirador de Obras"
TAGLINE = N_("Vigilancia ciudadana de las obras públicas del Perú")
DESCRIPTION = N_("Mapa y cifras de las obras públicas del Perú por región, provincia y distrito: "
               "inversión, avance, obras paralizadas y alertas, con datos de INFObras (CGR), "
               "MEF e INEI.")
DB_DOWN = N_("No se pudo consultar la base de datos de obras (PostGIS). "
           "Intente de nuevo en unos minutos; si el problema sigue, avise al administrador.")
UNEXPECTED = N_("No se pudo actualizar esta vista por un error inesperado. "
              "Vuelva a intentarlo; si se repite, avise al administrador.")
# The router may keep a page in place when only its query string changes (see keep_on_search).
ROUTE_STATE = "_pages_store"

log = logging.getLogger(__name__)
# Dash serialises every callback answer with Plotly's JSON engine. Ours are component trees
# and figure specs of plain lists: the standard library's encoder writes them in 60 % of
# orjson's time (Plotly's orjson path first walks every value in Python), measured on the
# explorer's and near-me answers.
pio.json.config.default_engine = "json"

NOSCRIPT = N_("Mirador de Obras necesita JavaScript para mostrar el mapa y los gráficos.")
INDEX = """<!DOCTYPE html>
<html lang="{lang}">
    <head>
        {%metas%}
        <title>{%title%}</title>
        {%favicon%}
        {%css%}
        {preload}
    </head>
    <body>
        <noscript>{noscript}</noscript>
        {%app_entry%}
        <footer>
            {%config%}
            {%scripts%}
            {%renderer%}
        </footer>
    </body>
</html>"""


def localized_index(interpolate, preload: str = ""):
    """Dash's index is one template for every request: the page's language goes into
    `<html lang>` (screen readers, hyphenation, translation tools) and its one sentence is
    translated, per request; `preload` (dashboard/preload.py) goes into the head."""
    def index(**parts: str) -> str:
        return interpolate(**parts).replace("{lang}", current(), 1).replace(
            "{preload}", preload, 1).replace("{noscript}", _(NOSCRIPT), 1)
    return index


DB_ERRORS = (DatabaseUnavailable, sa.exc.OperationalError, sa.exc.InterfaceError)


def error_message(exc: BaseException) -> str:
    """The Spanish sentence a user sees for a failure (never a traceback)."""
    if isinstance(exc, FilterError):
        return str(exc)
    if isinstance(exc, DB_ERRORS):
        return _(DB_DOWN)
    return _(UNEXPECTED)


def _on_callback_error(exc: Exception) -> None:
    """Any callback that fails shows one Spanish line in the shell's banner; outputs stay.
    A database outage is logged in one line per request (not a traceback each)."""
    if isinstance(exc, DB_ERRORS):
        log.warning("callback without database: %s", str(exc).splitlines()[0][:300])
    elif not isinstance(exc, FilterError):
        log.exception("callback failed", exc_info=exc)
    dash.set_props("app-error", {"children": error_message(exc), "hidden": False})


def keep_on_search(page_title: str, previous: dict | None) -> bool:
    """True when the router re-runs only because the query string of the page that is on
    screen changed: a page that keeps its state in the URL then updates itself in place
    (its layout returns dash.no_update) instead of being rebuilt."""
    return bool(previous) and previous.get("title") == page_title


def nav_links() -> list:
    pages = sorted((p for p in dash.page_registry.values() if p.get("nav", True)),
                   key=lambda p: (p.get("order") is None, p.get("order") or 0, p["name"]))
    return [dcc.Link(_(p["name"]), href=p["relative_path"], className="app-nav-link",
                     id={"type": "app-nav", "path": p["relative_path"]}) for p in pages]


def language_switch() -> html.Nav:
    """Español / Runasimi: plain links (the whole page is rebuilt in the other language) to
    the route that stores the choice; their `next` follows the page on screen (a clientside
    callback), and without scripts the route goes back to the referring page."""
    here = current()
    return html.Nav(className="app-languages", **{"aria-label": _("Idioma")}, children=[
        html.A(name, href=f"/idioma/{code}", lang=code, hrefLang=code,
               id={"type": "app-language", "lang": code},
               className="app-language" + (" active" if code == here else ""),
               **({"aria-current": "true"} if code == here else {}))
        for code, name in LANGUAGES.items()])


def shell() -> html.Div:
    """Header with the navigation and the language switch, the error banner, the page, the
    footer; in the request's language."""
    return html.Div(className="app", children=[
        html.Header(className="app-header", children=[
            dcc.Link(href="/", className="app-brand", children=[
                html.Span(TITLE, className="app-title"),
                html.Span(_(TAGLINE), className="app-tagline"),
            ]),
            html.Nav(nav_links(), className="app-nav", **{"aria-label": _("Secciones")}),
            language_switch(),
        ]),
        html.Div(className="app-error", id="app-error-box", children=[
            html.P(id="app-error", hidden=True, role="alert"),
        ]),
        html.Main(dash.page_container, className="app-main"),
        html.Footer(className="app-footer", children=[
            html.Span(_("Datos: INFObras (Contraloría General de la República), "
                        "MEF (código único de inversión) e INEI (límites y población).") + " "),
            dcc.Link(_("Fuentes y calidad de los datos"), href="/datos"), " · ",
            dcc.Link(_("Glosario"), href="/glosario"),
        ]),
    ])


def register_blueprints(server: Flask) -> list[str]:
    """Every module of dashboard/routes/ that defines a Blueprint `bp`."""
    names = []
    for info in sorted(pkgutil.iter_modules(routes.__path__), key=lambda i: i.name):
        module = importlib.import_module(f"{routes.__name__}.{info.name}")
        bp = getattr(module, "bp", None)
        if isinstance(bp, Blueprint) and bp.name not in server.blueprints:
            server.register_blueprint(bp)
            names.append(bp.name)
    return names


def _register_error_pages(server: Flask) -> None:
    def database_down(exc: Exception):
        log.warning("database unavailable: %s", exc)
        return {"error": _(DB_DOWN)}, 503

    for kind in DB_ERRORS:
        server.register_error_handler(kind, database_down)
    server.register_error_handler(FilterError, lambda exc: ({"error": str(exc)}, 400))


def _register_shell_callbacks(app: dash.Dash) -> None:
    app.clientside_callback(
        """function(pathname, ids) {
            return ids.map(function(id) {
                var here = id.path === '/' ? pathname === '/' :
                    pathname === id.path || pathname.indexOf(id.path + '/') === 0;
                return here ? 'app-nav-link active' : 'app-nav-link';
            });
        }""",
        Output({"type": "app-nav", "path": ALL}, "className"),
        Input("_pages_location", "pathname"),
        State({"type": "app-nav", "path": ALL}, "id"),
    )
    # The language links go back to the page on screen, its query included.
    app.clientside_callback(
        """function(pathname, search, ids) {
            var next = encodeURIComponent((pathname || '/') + (search || ''));
            return ids.map(function(id) { return '/idioma/' + id.lang + '?next=' + next; });
        }""",
        Output({"type": "app-language", "lang": ALL}, "href"),
        Input("_pages_location", "pathname"), Input("_pages_location", "search"),
        State({"type": "app-language", "lang": ALL}, "id"),
    )
    # A new page clears the previous page's error.
    app.clientside_callback("function(p) { return true; }",
                            Output("app-error", "hidden"), Input("_pages_location", "pathname"),
                            prevent_initial_call=True)


def create_app() -> dash.Dash:
    """The whole dashboard; pages are the modules of dashboard/pages/."""
    app = dash.Dash(
        "dashboard",  # the package: pages import as dashboard.pages.<name>, once
        use_pages=True,
        pages_folder=str(Path(__file__).parent / "pages"),
        assets_folder=str(ROOT / "assets"),
        title=TITLE,
        update_title=None,
        compress=True,
        suppress_callback_exceptions=True,
        index_string=INDEX,
        meta_tags=[{"name": "description", "content": DESCRIPTION},
                   {"name": "theme-color", "content": "#1f3a5f"}],
        routing_callback_inputs={ROUTE_STATE: State(ROUTE_STATE, "data")},
        on_error=_on_callback_error,
    )
    server = app.server
    server.config["COMPRESS_LEVEL"] = 4  # gzip: half the time of level 6, 3 % larger
    server.config["COMPRESS_MIMETYPES"] = [
        "text/html", "text/css", "text/plain", "text/csv", "application/json",
        "application/geo+json", "application/javascript", "text/javascript",
        "image/svg+xml"]
    init_cache(server)
    cache_static(server)  # versioned bundles: a year, immutable
    drop_polyfill()       # what it supplies, every browser we support has
    register_blueprints(server)
    _register_error_pages(server)
    app.layout = shell
    app.interpolate_index = with_preview(app, localized_index(app.interpolate_index,
                                                              head_links(app)))
    _register_shell_callbacks(app)
    harden(app)   # security headers and the CSP (dashboard/security.py)
    return app


app = create_app()
server = app.server
# What the imports built (Plotly's, Dash's, pandas' objects: ~270k) lives as long as the
# process: keep it out of the cyclic GC, whose full collections otherwise scan it all and
# stall a request for ~250 ms every few dozen requests (measured on the near-me callback:
# p95 220 ms -> 80 ms). Under gunicorn (preload_app) this runs in the master before the
# workers fork, which also keeps those pages shared between the workers.
gc.collect()
gc.freeze()
# What the process keeps afterwards (cached layouts, geography, compiled SQL) grows the oldest
# generation again: with the default threshold a full collection (about 20 ms) fell on one
# request in every 130 of the explorer's; ten times rarer (measured: none in 258 requests).
# The younger generations, which collect the short-lived cycles, keep their defaults.
gc.set_threshold(700, 10, 100)
