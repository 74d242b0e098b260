"""«Seguir»: the block on the work, entity and area pages that offers the thing's Atom feed and
e-mail notices (double opt-in: dashboard/routes/follow.py, queries/subscriptions.py).

The form answers the same whether or not the address already follows the thing (it never
tells who follows what); it is limited per client (the shared cache counts, as for the
moderator's login) and shows no address back. Without MIRADOR_SMTP_URL the form says that
notices by mail are off here and stores nothing; the feed still works.
"""

from __future__ import annotations

import json
import logging
from datetime import timedelta

import dash
from dash import MATCH, Input, Output, State, callback, dcc, html

from dashboard import i18n
from dashboard.cache import cache
from dashboard.explorer_state import ExplorerState
from dashboard.i18n import _, in_language
from dashboard.reports_auth import current_client
from dashboard.routes.follow import confirm_url
from geodata import mail
from geodata.digest import confirmation_message
from queries import reports as reports_query
from queries import subscriptions
from queries.filters import FilterError

REQUESTS = 5                          # subscription requests per client ...
WINDOW = timedelta(minutes=10)        # ... in this window
log = logging.getLogger(__name__)


def dom_id(component_id: dict) -> str:
    """A pattern-matching id as Dash writes it in the page (a label's `for` needs it)."""
    return json.dumps(component_id, sort_keys=True, separators=(",", ":"))


def feed_path(kind: str, key: str) -> str:
    """The feed's link, in the page's language (a feed reader sends no cookie)."""
    return in_language(f"/feeds/{kind}/{key}.atom")


def follow_section(kind: str, key: str, name: str) -> html.Section:
    """The «Seguir» card of a work (kind "obra"), an area ("area") or an entity ("entidad")."""
    thing = f"{kind}:{key}"
    what = {"obra": _("esta obra"), "area": _("esta zona"), "entidad": _("esta entidad")}[kind]
    return html.Section(className="citizen-card follow-block", id=f"follow-{kind}", children=[
        html.H2(_("Seguir {cosa}", cosa=what)),
        html.P(_("Sepa cuándo cambia algo: una alerta nueva o resuelta, un cambio de estado, un "
                 "nuevo avance, un informe de control o la respuesta a un reporte ciudadano. "
                 "Sin crear una cuenta."), className="muted"),
        html.P(html.A([html.Span("⌁", className="follow-feed-icon", **{"aria-hidden": "true"}),
                       _("Feed Atom para su lector de noticias")],
                      href=feed_path(kind, key), rel="alternate",
                      title=_("Feed Atom de los cambios de «{nombre}»", nombre=name[:120]),
                      className="follow-feed", id={"type": "follow-feed", "thing": thing})),
        html.Label(_("Recibir un correo cuando algo cambie"),
                   htmlFor=dom_id({"type": "follow-email", "thing": thing})),
        html.Div(className="follow-row", children=[
            dcc.Input(id={"type": "follow-email", "thing": thing}, type="email",
                      autoComplete="email", inputMode="email", maxLength=120,
                      placeholder=_("nombre@correo.pe"), className="citizen-input",
                      n_submit=0),
            html.Button(_("Seguir por correo"), id={"type": "follow-send", "thing": thing},
                        n_clicks=0, className="citizen-button primary"),
        ]),
        html.P(_("Le enviaremos un correo para confirmar. Su dirección no se publica ni se "
                 "comparte, y cada aviso trae un enlace para darse de baja con un clic."),
               className="muted small"),
        html.Div(id={"type": "follow-message", "thing": thing}, role="status",
                 **{"aria-live": "polite"}),
    ])


def _message(text: str, kind: str) -> html.P:
    return html.P(text, className=f"citizen-message {kind}")


def _limited() -> bool:
    """Counts this request; True past REQUESTS in WINDOW for this client."""
    key = f"seguir:{current_client()}"
    cache.add(key, 0, timeout=int(WINDOW.total_seconds()))
    return (cache.cache.inc(key) or 0) > REQUESTS


def request_follow(thing: str, email: str | None) -> tuple[str, str]:
    """(message, "ok" | "error") for a request to follow `thing` ("obra:123")."""
    if not mail.configured():
        return _("Los avisos por correo no están activados en este servidor. Puede seguir "
                 "los cambios con el feed Atom."), "error"
    kind, _sep, raw_key = thing.partition(":")
    try:
        address = subscriptions.check_email(email)
        key = subscriptions.parse_thing(kind, raw_key)
    except (subscriptions.SubscriptionError, FilterError) as exc:
        return _(str(exc)), "error"
    if _limited():
        return _("Demasiadas solicitudes seguidas. Espere unos minutos y vuelva a "
                 "intentarlo."), "error"
    name = subscriptions.thing_name(kind, key)
    if name is None:
        return _("No existe lo que quiere seguir: revise el enlace."), "error"
    try:
        pending = subscriptions.request(address, kind, key, i18n.current())
        if pending is not None:
            message = confirmation_message(pending, kind, name,
                                           confirm_url(pending.subscription_id, pending.nonce))
            if mail.send([message]):
                return _("El servidor de correo rechazó esa dirección. Revísela."), "error"
    except subscriptions.SubscriptionError as exc:
        return _(str(exc)), "error"
    except mail.MailError:
        log.warning("confirmation mail not sent", exc_info=True)
        return _("No pudimos enviar el correo de confirmación. Intente de nuevo en unos "
                 "minutos."), "error"
    return _("Revise su correo: le enviamos un enlace para confirmar. Hasta que lo abra no le "
             "enviaremos nada."), "ok"


@callback(Output({"type": "follow-message", "thing": MATCH}, "children"),
          Output({"type": "follow-email", "thing": MATCH}, "value"),
          Input({"type": "follow-send", "thing": MATCH}, "n_clicks"),
          Input({"type": "follow-email", "thing": MATCH}, "n_submit"),
          State({"type": "follow-email", "thing": MATCH}, "value"),
          prevent_initial_call=True,
          running=[(Output({"type": "follow-send", "thing": MATCH}, "disabled"), True, False)])
def send_follow(clicks, submitted, email):
    """The address is cleared once taken (never shown back); kept to correct a typo."""
    if not (clicks or submitted):
        return dash.no_update, dash.no_update
    text, kind = request_follow(dash.ctx.triggered_id["thing"], email)
    return _message(text, kind), ("" if kind == "ok" else dash.no_update)


# -- a citizen report's tracking code -------------------------------------------------------------
def tracking_link(code: str, text: str | None = None) -> dcc.Link:
    shown = reports_query.show_code(code)
    return dcc.Link(text or _("Ver su seguimiento"), href=f"/reporte/{shown}")


def tracking_note(code: str) -> html.Span:
    """Shown after a report is sent: its code, and where to follow it."""
    shown = reports_query.show_code(code)
    return html.Span(className="report-tracking", children=[
        html.Br(), _("Su código de seguimiento es "),
        html.Strong(shown, className="report-code", id="obra-report-tracking"),
        _(". Guárdelo: con él puede ver en qué va su reporte en "),
        dcc.Link(f"/reporte/{shown}", href=f"/reporte/{shown}",
                 id="obra-report-tracking-link"), "."])


def area_follow(search: str | None) -> list:
    """The explorer's «Seguir» for the area its URL selects (folded: it sits above the map)."""
    try:
        area = ExplorerState.from_search(search).filters.area
    except FilterError:
        return []
    name = subscriptions.thing_name("area", area) if area else None
    if not name:
        return []
    return [html.Details(className="explorer-follow-details", children=[
        html.Summary(_("Seguir {nombre}: avisos por correo o feed", nombre=name),
                     className="citizen-button small"),
        follow_section("area", area, name)])]
