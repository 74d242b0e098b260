"""Glosario (/glosario): the words of public works in one plain sentence each, in the
reader's language (layers/glossary.py holds them); linked from every page's footer."""

from __future__ import annotations

import dash
from dash import html

from dashboard.i18n import N_, _
from layers.glossary import TERMS

TITLE = N_("Glosario — Mirador de Obras")


def page_title(**_path) -> str:
    return _(TITLE)


dash.register_page(__name__, path="/glosario", name=N_("Glosario"), nav=False,
                   title=page_title)


def layout(**_query) -> html.Div:
    return html.Div(className="citizen-page glosario-page", children=[
        html.Header(className="citizen-header", children=[
            html.H1(_("Glosario")),
            html.P(_("Las palabras de las obras públicas que aparecen en Mirador, en pocas "
                     "palabras."), className="citizen-lead"),
        ]),
        html.Section(className="citizen-card", children=html.Dl(
            className="citizen-facts glosario", children=[
                part for term in TERMS for part in (
                    html.Dt(_(term.term), id=term.anchor), html.Dd(_(term.meaning)))])),
    ])
