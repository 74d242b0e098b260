"""A citizen report's public tracking (/reporte/<código>): where it is on the way recibido →
en revisión → derivado → cerrado, with the date of each step reached and the moderator's
public answer. The code is shown to the citizen when the report is sent; the page never shows
the contact, and the report's text only once a moderator approved it. An unknown or malformed
code answers 404 (dashboard/routes/parties.py).
"""

from __future__ import annotations

import dash
from dash import dcc, html

from dashboard.citizen_ui import facts, section
from dashboard.follow_ui import feed_path
from dashboard.i18n import N_, _
from layers import work_story as story
from layers.changes import report_status
from queries import reports as reports_query

STEPS = ("recibido", "en_revision", "derivado", "cerrado")


def page_title(codigo: str | None = None) -> str:
    return _("Seguimiento de un reporte ciudadano — Mirador de Obras")


dash.register_page(__name__, path_template="/reporte/<codigo>", name=N_("Reporte"), nav=False,
                   title=page_title)


def find(codigo: str | None) -> dict | None:
    """The report's tracking, or None for an unknown or malformed code."""
    try:
        return reports_query.tracking(reports_query.parse_tracking_code(codigo))
    except reports_query.ReportError:
        return None


def layout(codigo: str | None = None, **_query) -> html.Div:
    try:
        code = reports_query.parse_tracking_code(codigo)
    except reports_query.ReportError as exc:
        return _not_found(str(exc))
    report = reports_query.tracking(code)
    if report is None:
        return _not_found(_("No hay ningún reporte con el código {codigo}. Revise que esté "
                            "bien copiado.", codigo=reports_query.show_code(code)))
    shown = reports_query.show_code(report["tracking_code"])
    work_href = f"/obra/{report['infobras_code']}"
    return html.Div(className="citizen-page reporte-page", children=[
        html.Header(className="citizen-header", children=[
            html.P(_("Reporte ciudadano"), className="citizen-crumbs"),
            html.H1([_("Seguimiento del reporte "), html.Span(shown, className="report-code")],
                    id="reporte-title"),
        ]),
        section(_("¿En qué va?"), _timeline(report), _answer(report), id="reporte-status"),
        section(_("El reporte"), facts([
            (_("Obra"), dcc.Link(report["work_name"], href=work_href, id="reporte-work")),
            (_("Tipo de problema"), _(reports_query.CATEGORIES.get(report["category"],
                                                                  report["category"]))),
            (_("Enviado"), story.date_text(report["created_at"].date())),
            (_("Descripción"), html.P(report["description"], className="citizen-report-text")
             if report["description"] else html.Span(
                 _("Se publica cuando un moderador aprueba el reporte."), className="muted")),
        ])),
        html.P([dcc.Link(_("Ver la obra y seguirla"), href=f"{work_href}#follow-obra"),
                " · ",
                html.A(_("Feed Atom de la obra"), href=feed_path("obra",
                                                                  str(report["infobras_code"])),
                       rel="alternate")], className="muted"),
    ])


def _timeline(report: dict) -> html.Ol:
    """Every step, reached (✓ and its date), current (●) or still ahead (○)."""
    reached = report["steps"]
    now = STEPS.index(report["status"])
    items = []
    for i, step in enumerate(STEPS):
        state = "current" if i == now else "done" if step in reached or i < now else "ahead"
        when = reached.get(step)
        label = {"current": _("estado actual"), "done": _("paso cumplido"),
                 "ahead": _("pendiente")}[state]
        items.append(html.Li(className=f"report-step {state}", id=f"reporte-step-{step}",
                             **({"aria-current": "step"} if state == "current" else {}),
                             children=[
            html.Strong([html.Span(className="report-step-mark", **{"aria-hidden": "true"}),
                         report_status(step)]),
            html.Span(f"{label}" + (f" · {story.date_text(when.date())}" if when else ""),
                      className="muted small")]))
    return html.Ol(items, className="report-timeline", id="reporte-timeline",
                   **{"aria-label": _("Pasos del reporte")})


def _answer(report: dict) -> html.Div:
    if not report["public_note"]:
        return html.P(_("El moderador aún no ha publicado una respuesta."), className="muted",
                      id="reporte-answer")
    return html.Div(id="reporte-answer", children=[
        html.H3(_("Respuesta del moderador")),
        html.P(report["public_note"], className="report-answer"),
        html.P(_("Actualizado el {fecha}", fecha=story.date_text(report["updated_at"].date())),
               className="muted small")])


def _not_found(message: str) -> html.Div:
    return html.Div(className="citizen-page reporte-page", children=[
        html.Section(className="citizen-card citizen-notfound", role="alert", children=[
            html.H1(_("Reporte no encontrado")), html.P(message),
            html.P(dcc.Link(_("Buscar obras cerca de usted"), href="/cerca"))])])
