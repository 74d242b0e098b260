"""Small pieces every page shares: Dash components with their built-in texts in Spanish (Dash
ships them in English) and a row of download links."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dash import dcc, html

from dashboard.i18n import N_, _

DROPDOWN_LABELS = {
    "select_all": N_("Elegir todo"), "deselect_all": N_("Quitar todo"),
    "selected_count": N_("{num_selected} elegidos"), "search": N_("Buscar"),
    "clear_search": N_("Borrar la búsqueda"), "clear_selection": N_("Quitar la selección"),
    "no_options_found": N_("Sin resultados"),
}


def dropdown(labels: dict[str, str] | None = None, **props: Any) -> dcc.Dropdown:
    """A dcc.Dropdown that speaks Spanish; `labels` overrides some of its texts."""
    own = {key: _(text) for key, text in DROPDOWN_LABELS.items()}
    return dcc.Dropdown(labels={**own, **(labels or {})}, **props)


def download_links(lead: str, urls: Mapping[str, str]) -> list:
    """"lead CSV · GeoJSON · …": one link per format, in the order given."""
    out: list = [lead]
    for i, (name, url) in enumerate(urls.items()):
        out += [" · "] if i else []
        out.append(html.A(name, href=url))
    return out
