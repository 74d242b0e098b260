"""A page per investment (/inversion/<CUI>): the MEF's figures with their source and date, the
INFObras works that carry the CUI (an investment with none is still a work people can find),
its procurement in the SEACE, the control reports of its entity, and where sources disagree.
"""

from __future__ import annotations

import logging
from typing import Any

import dash
import sqlalchemy as sa
from dash import dcc, html

from dashboard.cache import memoize
from dashboard.citizen_ui import section, status_chip
from dashboard.i18n import N_
from dashboard.source_sections import (
    control_section,
    figures_block,
    investment_section,
    procurement_section,
)
from layers import format as fmt
from queries.db import DatabaseUnavailable
from queries.filters import FilterError
from queries.investments import investment_detail, parse_cui

SITE = "Mirador de Obras"
NOT_FOUND = "Inversión no encontrada"
log = logging.getLogger(__name__)


def page_data(cui: str) -> dict[str, Any] | None:
    """The investment's sources (cached); None when no source knows the CUI (then
    dashboard/routes/parties.py answers 404)."""
    return memoize(f"inversion:{cui}", lambda: investment_detail(cui))



def _found_or_none(cui: str | None) -> dict[str, Any] | None:
    try:
        return page_data(parse_cui(cui))
    except (FilterError, DatabaseUnavailable, sa.exc.SQLAlchemyError):
        return None


def page_title(cui: str | None = None) -> str:
    found = _found_or_none(cui)
    if found is None:
        return f"{NOT_FOUND} — {SITE}"
    return f"{(found['investment'].get('name') or f'Inversión {cui}')[:90]} — {SITE}"


dash.register_page(__name__, path_template="/inversion/<cui>", name=N_("Inversión"), nav=False,
                   title=page_title,
                   description="Inversión pública del Perú (MEF): costo, contratación y control.")


def layout(cui: str | None = None, **_query) -> html.Div:
    try:
        key = parse_cui(cui)
    except FilterError as exc:
        return _not_found(str(exc))
    found = page_data(key)
    if found is None:
        return _not_found(f"Ningún archivo del MEF cargado trae el CUI {key}. Revise el número "
                          "o busque la obra en el explorador.")
    inv = found["investment"]
    return html.Div(className="citizen-page obra-page inversion-page", children=[
        html.Header(className="citizen-header", children=[
            html.H1(inv.get("name") or f"Inversión {key}", id="inversion-title"),
            html.Div(className="citizen-header-meta", children=[
                html.Span(f"CUI {key}", className="citizen-code"),
                html.Span(f"Estado en el MEF: {inv.get('status') or fmt.MISSING}",
                          className="citizen-code")])]),
        html.Div(className="citizen-kpis", children=[
            html.Div(className="citizen-kpi", children=[
                html.Span("Costo actualizado"), html.Strong(fmt.money(inv["amount_updated"]))]),
            html.Div(className="citizen-kpi", children=[
                html.Span("Monto viable"), html.Strong(fmt.money(inv["amount_viable"]))]),
            html.Div(className="citizen-kpi", children=[
                html.Span("Obras en INFObras"), html.Strong(str(len(found["works"])))])]),
        investment_section(inv, key, link=False),
        _works(found["works"]),
        procurement_section(found["procurement"]),
        control_section(found["control"]),
        section("Lo que dice cada fuente", *figures_block(found["figures"]),
                id="inversion-sources"),
    ])


def _works(works: list[dict]) -> html.Section:
    if not works:
        return section("Las obras (INFObras)", html.P(
            "Ninguna obra de INFObras cargada trae este CUI: la inversión se muestra con lo que "
            "publican el MEF y el SEACE.", className="citizen-note"), id="inversion-works")
    return section("Las obras (INFObras)", html.Ul([
        html.Li([dcc.Link(w["name"], href=f"/obra/{w['infobras_code']}"), " ",
                 status_chip(w["status"]),
                 html.Span(f" · {w.get('district') or w['ubigeo']} · "
                           f"{fmt.money(w['amount_investment'])} · avance físico "
                           f"{fmt.percent(w['physical_progress'])}", className="muted")])
        for w in works]), id="inversion-works")


def _not_found(message: str) -> html.Div:
    return html.Div(className="citizen-page obra-page", children=[
        html.Section(className="citizen-card citizen-notfound", role="alert", children=[
            html.H1(NOT_FOUND), html.P(message),
            html.P([dcc.Link("Ir al explorador", href="/")])])])
