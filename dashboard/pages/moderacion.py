"""Moderation of citizen reports (/moderacion, not in the navigation): approve or reject each
report, set its public status (recibido, en revisión, derivado, cerrado) and a public answer.

Access: credentials from the environment (see dashboard/reports_auth.py); every callback
checks the session again, so hiding a button is never the only protection.

Why these callbacks are CSRF-safe without a token: a Dash callback is a POST of a JSON body
with `Content-Type: application/json` to /_dash-update-component. A page on another site can
only send that with fetch(), and a cross-origin request with that content type needs a CORS
preflight that this server never grants; the cross-site requests that need no preflight (HTML
forms: urlencoded, multipart or text/plain bodies) are refused by Dash, which reads the body
with Flask's get_json (415). Besides, the session cookie is SameSite=Lax, so a browser does not
attach it to a cross-site POST at all: a forged request arrives logged out.
"""

from __future__ import annotations

import dash
from dash import MATCH, Input, Output, State, callback, dcc, html

from dashboard import reports_auth, widgets
from dashboard.follow_ui import dom_id, tracking_link
from dashboard.i18n import N_, _
from layers import work_story as story
from queries import reports as reports_query

TITLE = "Moderación de reportes — Mirador de Obras"
dash.register_page(__name__, path="/moderacion", name=N_("Moderación"), nav=False, title=TITLE)

EXPIRED = "Su sesión terminó. Vuelva a ingresar."
STATE_OPTIONS = list(reports_query.MODERATION.items())


def layout(**_query) -> html.Div:
    return html.Div(className="citizen-page moderacion-page", children=[
        html.H1("Moderación de reportes ciudadanos"),
        html.Div(id="moderacion-body", children=_body()),
    ])


def _body() -> list:
    if not reports_auth.moderation_enabled():
        return [html.P(reports_auth.DISABLED, className="citizen-message error", role="alert")]
    name = reports_auth.moderator()
    return _panel(name, "pendiente") if name else _login()


def _login(message: str = "") -> list:
    return [html.Section(className="citizen-card moderacion-login", children=[
        html.H2("Ingresar"),
        html.Label("Usuario", htmlFor="moderacion-user"),
        dcc.Input(id="moderacion-user", type="text", autoComplete="username",
                  className="citizen-input", maxLength=200),
        html.Label("Contraseña", htmlFor="moderacion-password"),
        dcc.Input(id="moderacion-password", type="password", autoComplete="current-password",
                  className="citizen-input", maxLength=200, n_submit=0),
        html.Button("Ingresar", id="moderacion-login", n_clicks=0,
                    className="citizen-button primary"),
        html.P(message, id="moderacion-login-message", role="alert",
               className="citizen-message error" if message else "citizen-message"),
    ])]


def _panel(name: str, state: str) -> list:
    counts = reports_query.queue_counts()
    options = [{"label": f"{label} ({counts[key]})", "value": key}
               for key, label in STATE_OPTIONS]
    return [
        html.Div(className="moderacion-bar", children=[
            html.Span(["Sesión de ", html.Strong(name)]),
            html.Button("Salir", id="moderacion-logout", n_clicks=0, className="citizen-button"),
        ]),
        dcc.RadioItems(id="moderacion-state", options=options, value=state, inline=True,
                       className="citizen-segmented"),
        html.Div(id="moderacion-queue", children=_queue(state)),
    ]


def _queue(state: str) -> list:
    rows = reports_query.queue(state)
    if not rows:
        return [html.P("No hay reportes en este estado.", className="muted")]
    return [_report(r) for r in rows]


def _report(r: dict) -> html.Article:
    key = r["id"]
    return html.Article(className="citizen-card moderacion-report", children=[
        html.Div(className="citizen-report-head", children=[
            html.Strong(f"N.° {key} · {reports_query.CATEGORIES.get(r['category'], '')}"),
            html.Span(story.date_text(r["created_at"].date()), className="muted")]),
        html.P(dcc.Link(r["work_name"], href=f"/obra/{r['infobras_code']}")),
        html.P([_("Código de seguimiento: "),
                tracking_link(r["tracking_code"],
                              reports_query.show_code(r["tracking_code"]))], className="muted"),
        html.P(r["description"], className="citizen-report-text"),
        html.P(f"Contacto (no público): {r['contact'] or 'no dejó'}", className="muted"),
        html.Div(className="moderacion-controls", children=[
            html.Label("Moderación", htmlFor=dom_id({"type": "moderacion-decision", "id": key})),
            dcc.RadioItems(id={"type": "moderacion-decision", "id": key},
                           options=[{"label": v, "value": k}
                                    for k, v in reports_query.MODERATION.items()],
                           value=r["moderation"], inline=True),
            html.Label("Estado público", htmlFor=dom_id({"type": "moderacion-status", "id": key})),
            widgets.dropdown(id={"type": "moderacion-status", "id": key}, clearable=False,
                         options=[{"label": v, "value": k}
                                  for k, v in reports_query.STATUSES.items()],
                         value=r["status"]),
            html.Label("Respuesta pública (opcional)",
                       htmlFor=dom_id({"type": "moderacion-note", "id": key})),
            dcc.Textarea(id={"type": "moderacion-note", "id": key}, value=r["public_note"] or "",
                         maxLength=reports_query.NOTE_MAX, className="citizen-textarea small"),
            html.Button("Guardar", id={"type": "moderacion-save", "id": key}, n_clicks=0,
                        className="citizen-button primary"),
            _next_step(key, r["status"]),
            html.P(id={"type": "moderacion-saved", "id": key}, role="status",
                   className="citizen-message"),
        ]),
    ])


# -- callbacks --------------------------------------------------------------------------------
@callback(Output("moderacion-body", "children", allow_duplicate=True),
          Input("moderacion-login", "n_clicks"), Input("moderacion-password", "n_submit"),
          State("moderacion-user", "value"), State("moderacion-password", "value"),
          prevent_initial_call=True)
def log_in(clicks, submitted, user, password):
    if not (clicks or submitted):
        return dash.no_update
    problem = reports_auth.login(user, password)
    if problem:
        return _login(problem)
    return _panel(reports_auth.moderator() or "", "pendiente")


@callback(Output("moderacion-body", "children", allow_duplicate=True),
          Input("moderacion-logout", "n_clicks"), prevent_initial_call=True)
def log_out(clicks):
    if not clicks:
        return dash.no_update
    reports_auth.logout()
    return _login()


@callback(Output("moderacion-queue", "children"), Input("moderacion-state", "value"),
          prevent_initial_call=True)
def show_state(state: str):
    if not reports_auth.moderator():
        return [html.P(EXPIRED, className="citizen-message error")]
    return _queue(state if state in reports_query.MODERATION else "pendiente")


@callback(Output({"type": "moderacion-saved", "id": MATCH}, "children"),
          Input({"type": "moderacion-save", "id": MATCH}, "n_clicks"),
          State({"type": "moderacion-decision", "id": MATCH}, "value"),
          State({"type": "moderacion-status", "id": MATCH}, "value"),
          State({"type": "moderacion-note", "id": MATCH}, "value"),
          prevent_initial_call=True)
def save(clicks, decision, status, note):
    if not clicks:
        return EXPIRED if not reports_auth.moderator() else dash.no_update
    return _store(decision, status, note)[1]


def _store(decision, status, note) -> tuple[bool, str]:
    """Save the triggering report's moderation: (saved, the message to show)."""
    name = reports_auth.moderator()
    if not name:
        return False, EXPIRED
    report_id = dash.ctx.triggered_id["id"]
    try:
        found = reports_query.moderate(int(report_id), decision, status, note, name)
    except reports_query.ReportError as exc:
        return False, str(exc)
    if not found:
        return False, "Ese reporte ya no existe."
    return True, (f"Guardado: {reports_query.MODERATION[decision].lower()}, "
                  f"{reports_query.STATUSES[status].lower()}.")


# -- moving a report along its public timeline -------------------------------------------------
STEPS = list(reports_query.STATUSES)


def _following(status: str | None) -> str | None:
    i = STEPS.index(status) if status in STEPS else len(STEPS) - 1
    return STEPS[i + 1] if i + 1 < len(STEPS) else None


def _next_label(status: str | None) -> str:
    following = _following(status)
    return (_("Pasar a: {estado}", estado=_(reports_query.STATUSES[following])) if following
            else _("Cerrado: último paso"))


def _next_step(key: int, status: str) -> html.Button:
    """«Pasar a: En revisión»: saves the next status (and what the form holds) at once."""
    return html.Button(_next_label(status), id={"type": "moderacion-next", "id": key},
                       n_clicks=0, className="citizen-button",
                       disabled=_following(status) is None)


@callback(Output({"type": "moderacion-saved", "id": MATCH}, "children", allow_duplicate=True),
          Output({"type": "moderacion-status", "id": MATCH}, "value"),
          Output({"type": "moderacion-next", "id": MATCH}, "children"),
          Output({"type": "moderacion-next", "id": MATCH}, "disabled"),
          Input({"type": "moderacion-next", "id": MATCH}, "n_clicks"),
          State({"type": "moderacion-decision", "id": MATCH}, "value"),
          State({"type": "moderacion-status", "id": MATCH}, "value"),
          State({"type": "moderacion-note", "id": MATCH}, "value"),
          prevent_initial_call=True)
def next_step(clicks, decision, status, note):
    following = _following(status)
    if not clicks or following is None:
        return (dash.no_update,) * 4
    saved, message = _store(decision, following, note)
    if not saved:
        return message, dash.no_update, dash.no_update, dash.no_update
    return message, following, _next_label(following), _following(following) is None
