"""Small pieces every page shares: Dash components with their built-in texts in Spanish (Dash
ships them in English) and a row of download links."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dash import dcc, html

DROPDOWN_LABELS = {
    "select_all": "Elegir todo", "deselect_all": "Quitar todo",
    "selected_count": "{num_selected} elegidos", "search": "Buscar",
    "clear_search": "Borrar la búsqueda", "clear_selection": "Quitar la selección",
    "no_options_found": "Sin resultados",
}


def dropdown(labels: dict[str, str] | None = None, **props: Any) -> dcc.Dropdown:
    """A dcc.Dropdown that speaks Spanish; `labels` overrides some of its texts."""
    return dcc.Dropdown(labels={**DROPDOWN_LABELS, **(labels or {})}, **props)


def download_links(lead: str, urls: Mapping[str, str]) -> list:
    """"lead CSV · GeoJSON · …": one link per format, in the order given."""
    out: list = [lead]
    for i, (name, url) in enumerate(urls.items()):
        out += [" · "] if i else []
        out.append(html.A(name, href=url))
    return out
