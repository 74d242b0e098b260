"""A page's first paint, in its HTML: on a phone over a slow network Plotly, MapLibre and
Dash arrive seconds after the HTML, so the index of the explorer and of a work's page
carries the page as static HTML (the explorer: the header, the title, the figures, and the
map as SVG, each area a link to its view; a work: all its text and figures). The Dash app
builds the same page behind it, hidden, and assets/preview.js swaps them once the app's
page is there; the explorer's SVG map stays over the app's map box until that map has drawn.
Without scripts the preview stays: the explorer's map still drills down, area by area, by
plain links.

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

GraphWriter = Callable[[Mapping[str, Any]], str]   # a Graph's props -> HTML
PENDING = '<div class="preview-pending"></div>'     # a box where the app draws a graph


def static_html(node: Any, graph: GraphWriter | None = None) -> str:
    """`node` (a component, as an object or as Dash sends it: {type, namespace, props}, a
    list, text or a number) as HTML. dcc.Link is a link, a Dropdown, Checklist or
    RadioItems shows its choice, disabled; a Graph is what `graph` writes from its props (an
    empty box without it); other dcc components (stores, sliders, inputs) are left out. Ids
    are prefixed with ID_PREFIX, and the attributes that name ids with them."""
    if node is None or isinstance(node, bool):
        return ""
    if isinstance(node, str | int | float):
        return escape(str(node))
    if isinstance(node, list | tuple):
        return "".join(static_html(child, graph) for child in node)
    if isinstance(node, Component):
        kind, namespace, props = node._type, node._namespace, node.to_plotly_json()["props"]
    elif isinstance(node, Mapping) and {"type", "namespace", "props"} <= node.keys():
        kind, namespace, props = node["type"], node["namespace"], node["props"]
    else:
        return ""
    if namespace == "dash_html_components":
        return _element(kind, props, graph)
    writer = DCC.get(kind)
    return writer(kind, props, graph) if writer else ""


def _element(kind: str, props: Mapping[str, Any], graph: GraphWriter | None) -> str:
    tag = "object" if kind == "ObjectEl" else kind.lower()
    opening = f"<{tag}{_attributes(props)}>"
    if tag in VOID:
        return opening
    return f"{opening}{static_html(props.get('children'), graph)}</{tag}>"


def _attributes(props: Mapping[str, Any]) -> str:
    out = []
    for name, value in props.items():   # aria-* and data-* too
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


def _link(_kind: str, props: Mapping[str, Any], graph: GraphWriter | None) -> str:
    class_name = props.get("className")
    return (f'<a href="{escape(str(props.get("href") or ""))}"'
            + (f' class="{escape(class_name)}"' if class_name else "")
            + f">{static_html(props.get('children'), graph)}</a>")


def _options(props: Mapping[str, Any]) -> list[tuple[Any, Any]]:
    """(value, label) of a choice component's options (dicts, strings or a mapping)."""
    options = props.get("options") or []
    if isinstance(options, Mapping):
        return list(options.items())
    return [(o.get("value"), o.get("label")) if isinstance(o, Mapping) else (o, o)
            for o in options]


def _chosen(props: Mapping[str, Any]) -> set[Any]:
    value = props.get("value")
    return set(value) if isinstance(value, list) else {value}


def _dropdown(_kind: str, props: Mapping[str, Any], graph: GraphWriter | None) -> str:
    chosen = _chosen(props)
    shown = [static_html(label, graph) for value, label in _options(props) if value in chosen]
    return (f'<span class="preview-control">'
            f'{", ".join(shown) or escape(props.get("placeholder") or "")}</span>')


def _choices(kind: str, props: Mapping[str, Any], graph: GraphWriter | None) -> str:
    box = "radio" if kind == "RadioItems" else "checkbox"
    chosen = _chosen(props)
    return (f'<span class="preview-choices {escape(props.get("className") or "")}">'
            + "".join(f'<label><input type="{box}" disabled{" checked" if v in chosen else ""}>'
                      f" {static_html(label, graph)}</label>" for v, label in _options(props))
            + "</span>")


def _graph(_kind: str, props: Mapping[str, Any], graph: GraphWriter | None) -> str:
    return graph(props) if graph else PENDING


DCC: dict[str, Callable[[str, Mapping[str, Any], GraphWriter | None], str]] = {
    "Link": _link, "Dropdown": _dropdown, "Checklist": _choices, "RadioItems": _choices,
    "Graph": _graph}


# -- the pages' previews -----------------------------------------------------------------------
# The pages a phone most often opens first: the explorer (its map drawn as SVG) and a work's
# page (a shared link); their graphs are boxes until the app has drawn them.
PREVIEWED = ("/", "/obra/<codigo>")


def page_preview(path: str, search: str) -> tuple[str, list[str]] | None:
    """The page of `path` and `search` ("?area=08&…") as static HTML inside the shell's
    header and footer, and the ids of the maps it drew as SVG (they stay over the app's
    until those have drawn); None for a page without a preview. Cached per data version,
    URL and language."""
    found = _previewed(path)
    if found is None:
        return None
    key = f"preview:{data_version()}:{current()}:{path}{search}"
    page = cache.get(key)
    if page is None:
        page = _page(*found, search)
        cache.set(key, page, timeout=CACHE_SECONDS)
    return page


def _previewed(path: str) -> tuple[dict[str, Any], dict[str, str]] | None:
    """The registered page of `path` among PREVIEWED, and its path's variables."""
    for page in dash.page_registry.values():
        template = page.get("path_template") or page["path"]
        if template not in PREVIEWED:
            continue
        if template == path:
            return page, {}
        variables = dash._pages._parse_path_variables(path, template)
        if variables:
            return page, variables
    return None


def _page(page: dict[str, Any], variables: dict[str, str], search: str
          ) -> tuple[str, list[str]]:
    from dashboard.app import shell  # the app imports this module

    query = dash._pages._parse_query_string(search)  # as Dash gives a page its query
    drawn: list[str] = []
    draw = _explorer_map(search, drawn) if page["path"] == "/" else None
    body = static_html(page["layout"](**variables, **query), draw)
    return static_html(shell()).replace(
        f'<div id="{ID_PREFIX}_pages_content"></div>',
        f'<div id="{ID_PREFIX}_pages_content">{body}</div>', 1), drawn


def _explorer_map(search: str, drawn: list[str]) -> GraphWriter:
    """What draws the explorer's graphs: its map as SVG (with its legend; its id noted in
    `drawn`), the charts as boxes."""
    from dashboard.explorer_state import href, state_or_national
    from dashboard.explorer_view import view_data
    from dashboard.routes.geo import boundaries_bytes

    state = state_or_national(search)
    data = view_data(state)
    view = data.view

    def draw(props: Mapping[str, Any]) -> str:
        if props.get("id") != MAP_ID:
            return PENDING
        drawn.append(MAP_ID)
        figure = props["figure"]
        hrefs = {u: href(state.with_area(u))
                 for u in figure["data"][svg_map.BASE].get("locations") or []}
        loading = _("Vista previa. Cargando el mapa interactivo: obras una por una, calles, "
                    "filtros…")
        return (f'<p class="preview-loading" role="status">{escape(loading)}</p>'
                '<div class="preview-map">'
                + svg_map.svg(svg_map.shapes(boundaries_bytes(view.level, view.parent)),
                              figure, hrefs,
                              _("Mapa: {title}", title=data.breadcrumb[-1][1]),
                              data.polygon_less)
                + "</div>" + svg_map.legend(figure))
    return draw


def with_preview(app: dash.Dash, interpolate: Callable[..., str]) -> Callable[..., str]:
    """`app`'s index with the page's preview before the app, which waits hidden behind it;
    a page without a preview, or a preview that fails, is Dash's index as it was."""
    def index(**parts: str) -> str:
        path = "/" + (app.strip_relative_path(request.path) or "")   # without a prefix
        try:
            query = request.query_string.decode()
            found = page_preview(path, "?" + query if query else "")
        except Exception as exc:  # noqa: BLE001 - the page loads without its preview
            log.warning("page preview left out: %s",
                        str(exc).splitlines()[0][:300] if str(exc) else repr(exc))
            found = None
        if found is not None:
            preview, drawn = found
            parts["app_entry"] = (
                f'<div id="{PREVIEW_ID}" class="preview" data-wait="{escape(" ".join(drawn))}">'
                f"{preview}</div>"
                + parts["app_entry"].replace('id="react-entry-point"',
                                             f'id="react-entry-point" class="{BEHIND}"', 1))
        return interpolate(**parts)
    return index
