"""The explorer's first paint, in the page's HTML: on a phone over a slow network Plotly,
MapLibre and Dash arrive seconds after the HTML, so the index of "/" carries the page as
static HTML (the header, the title, the figures, the charts' tables and the map as SVG, each
area a link to its view). The Dash app builds the same page behind it, hidden, and
assets/preview.js swaps them once the interactive map has drawn. Without scripts the preview
stays: a map that still drills down, area by area, by plain links.

`static_html` writes a Dash component tree as HTML: the page's own layout, not a copy of it.
A label's `for` is left out (its control is not in the preview).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Mapping
from html import escape
from typing import Any

import dash
import dash._pages
from dash import dcc
from dash.development.base_component import Component
from flask import request

from dashboard.cache import cache, data_version
from dashboard.i18n import _, current
from layers import svg_map

log = logging.getLogger(__name__)

ID_PREFIX = "vista-"       # the preview's ids: the app's own ids stay unique on the page
PREVIEW_ID = "vista-previa"
BEHIND = "preview-behind"
MAP_ID = "explorar-map"
CACHE_SECONDS = 3600
VOID = frozenset({"area", "br", "col", "embed", "hr", "img", "input", "link", "meta",
                  "source", "track", "wbr"})
# Left out: the ids (written prefixed), events, and `open`: the preview's details are folded,
# as a phone starts them (the app opens the filters on wide screens).
SKIPPED = frozenset({"children", "id", "htmlFor", "n_clicks", "n_clicks_timestamp",
                     "disable_n_clicks", "loading_state", "key", "setProps", "persistence",
                     "persisted_props", "persistence_type", "open"})
RENAMED = {"className": "class", "hrefLang": "hreflang",
           "tabIndex": "tabindex", "colSpan": "colspan", "rowSpan": "rowspan",
           "accessKey": "accesskey", "contentEditable": "contenteditable"}
REFERENCES = frozenset({"aria-labelledby", "aria-describedby", "aria-controls",
                        "aria-owns", "list"})
_CAMEL = re.compile(r"(?<!^)(?=[A-Z])")

GraphWriter = Callable[[dcc.Graph], str]


def static_html(node: Any, graph: GraphWriter | None = None) -> str:
    """`node` (a component, a list, text or a number) as HTML. dcc.Link is a link, a
    Dropdown, Checklist or RadioItems shows its choice, disabled; a Graph is what `graph`
    writes (an empty box without it); other dcc components (stores, sliders, inputs) are
    left out. Ids are prefixed with ID_PREFIX, and the attributes that name ids with them."""
    if node is None or isinstance(node, bool):
        return ""
    if isinstance(node, str | int | float):
        return escape(str(node))
    if isinstance(node, list | tuple):
        return "".join(static_html(child, graph) for child in node)
    if not isinstance(node, Component):
        return ""
    if node._namespace == "dash_html_components":
        return _element(node, graph)
    writer = DCC.get(node._type)
    return writer(node, graph) if writer else ""


def _element(node: Component, graph: GraphWriter | None) -> str:
    tag = node._type.lower()
    if tag == "objectel":
        tag = "object"
    attributes = _attributes(node)
    opening = f"<{tag}{attributes}>"
    if tag in VOID:
        return opening
    return f"{opening}{static_html(getattr(node, 'children', None), graph)}</{tag}>"


def _attributes(node: Component) -> str:
    out = []
    for name, value in node.to_plotly_json()["props"].items():   # aria-* and data-* too
        if name == "id":
            if isinstance(value, str):
                out.append(f' id="{escape(ID_PREFIX + value)}"')
            continue
        if name in SKIPPED or value is None or value is False:
            continue
        attribute = RENAMED.get(name, name)
        if name == "style" and isinstance(value, Mapping):
            value = "; ".join(f"{_CAMEL.sub('-', k).lower()}: {v}" for k, v in value.items())
        elif not isinstance(value, str | int | float | bool):
            continue
        if attribute in REFERENCES and isinstance(value, str):
            value = " ".join(ID_PREFIX + part for part in value.split())
        out.append(f" {attribute}" if value is True else f' {attribute}="{escape(str(value))}"')
    return "".join(out)


def _link(node: Component, graph: GraphWriter | None) -> str:
    class_name = getattr(node, "className", None)
    return (f'<a href="{escape(str(node.href))}"'
            + (f' class="{escape(class_name)}"' if class_name else "")
            + f">{static_html(node.children, graph)}</a>")


def _options(node: Component) -> list[tuple[Any, Any]]:
    """(value, label) of a choice component's options (dicts, strings or a mapping)."""
    options = getattr(node, "options", None) or []
    if isinstance(options, Mapping):
        return list(options.items())
    return [(o.get("value"), o.get("label")) if isinstance(o, Mapping) else (o, o)
            for o in options]


def _dropdown(node: Component, graph: GraphWriter | None) -> str:
    chosen = getattr(node, "value", None)
    chosen = set(chosen) if isinstance(chosen, list) else {chosen}
    shown = [static_html(label, graph) for value, label in _options(node) if value in chosen]
    return (f'<span class="preview-control">'
            f'{", ".join(shown) or escape(getattr(node, "placeholder", None) or "")}</span>')


def _choices(node: Component, graph: GraphWriter | None) -> str:
    kind = "radio" if node._type == "RadioItems" else "checkbox"
    chosen = getattr(node, "value", None)
    chosen = set(chosen) if isinstance(chosen, list) else {chosen}
    class_name = getattr(node, "className", None) or ""
    return (f'<span class="preview-choices {escape(class_name)}">' + "".join(
        f'<label><input type="{kind}" disabled{" checked" if value in chosen else ""}> '
        f"{static_html(label, graph)}</label>" for value, label in _options(node))
        + "</span>")


def _graph(node: Component, graph: GraphWriter | None) -> str:
    return graph(node) if graph else '<div class="preview-pending"></div>'


DCC: dict[str, Callable[[Component, GraphWriter | None], str]] = {
    "Link": _link, "Dropdown": _dropdown, "Checklist": _choices, "RadioItems": _choices,
    "Graph": _graph}


# -- the explorer's preview ------------------------------------------------------------------
def explorer_preview(search: str) -> str:
    """The explorer page of `search` ("?area=08&…") as static HTML inside the shell's
    header and footer, cached per data version, query and language."""
    key = f"preview:{data_version()}:{current()}:{search}"
    page = cache.get(key)
    if page is None:
        page = _explorer_page(search)
        cache.set(key, page, timeout=CACHE_SECONDS)
    return page


def _explorer_page(search: str) -> str:
    from dashboard.app import shell  # the app imports this module
    from dashboard.explorer_state import ExplorerState, href
    from dashboard.explorer_view import view_data
    from dashboard.routes.geo import boundaries_bytes
    from queries.filters import FilterError

    query = dash._pages._parse_query_string(search)  # as Dash gives a page its query
    try:
        state = ExplorerState.from_query(query)
    except FilterError:
        state = ExplorerState()
    data = view_data(state)
    view = data.view
    found = svg_map.shapes(boundaries_bytes(view.level, view.parent))

    def draw(node: dcc.Graph) -> str:
        if node.id != MAP_ID:
            return '<div class="preview-pending"></div>'
        figure = node.figure
        hrefs = {u: href(state.with_area(u))
                 for u in figure["data"][svg_map.BASE].get("locations") or []}
        loading = _("Vista previa. Cargando el mapa interactivo: obras una por una, calles, "
                    "filtros…")
        return (f'<p class="preview-loading" role="status">{escape(loading)}</p>'
                '<div class="preview-map">'
                + svg_map.svg(found, figure, hrefs,
                              _("Mapa: {title}", title=data.breadcrumb[-1][1]),
                              data.polygon_less)
                + "</div>" + svg_map.legend(figure))

    layout = next(p["layout"] for p in dash.page_registry.values() if p["path"] == "/")
    body = static_html(layout(**query), draw)
    return static_html(shell(), lambda node: "").replace(
        f'<div id="{ID_PREFIX}_pages_content"></div>',
        f'<div id="{ID_PREFIX}_pages_content">{body}</div>', 1)


def with_preview(interpolate: Callable[..., str]) -> Callable[..., str]:
    """Dash's index with the explorer's preview before the app, which waits hidden behind
    it; any other page, or a preview that fails, is Dash's index as it was."""
    def index(**parts: str) -> str:
        if request.path == dash.get_relative_path("/"):
            try:
                query = request.query_string.decode()
                preview = explorer_preview("?" + query if query else "")
            except Exception as exc:  # noqa: BLE001 - the page loads without its preview
                log.warning("explorer preview left out: %s",
                            str(exc).splitlines()[0][:300] if str(exc) else repr(exc))
            else:
                parts["app_entry"] = (
                    f'<div id="{PREVIEW_ID}" class="preview">{preview}</div>'
                    + parts["app_entry"].replace('id="react-entry-point"',
                                                 f'id="react-entry-point" class="{BEHIND}"', 1))
        return interpolate(**parts)
    return index
