"""Following without an account: an Atom feed per work, area and entity, and the links of the
e-mail subscriptions (confirm, unsubscribe).

- /feeds/obra/<código>.atom, /feeds/area/<ubigeo>.atom, /feeds/entidad/<id>.atom: the change
  log of that thing (queries/changes.py), newest first, Atom 1.0 (RFC 4287) built with
  ElementTree, which escapes every text; characters XML cannot hold are dropped.
- /seguir/confirmar/<token>: the double opt-in. The token is signed with the app's secret
  (MIRADOR_SECRET_KEY) and expires after CONFIRM_HOURS.
- /seguir/baja/<token>: GET shows one button; POST (that button, or a mail client's one-click
  unsubscribe, RFC 8058) deletes the address and its follows. A GET never deletes: mail
  scanners open every link of a message. The token is the address's random secret, so a
  page elsewhere cannot forge the POST.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import UTC, datetime

from flask import Blueprint, Response, current_app, request
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from markupsafe import escape

from dashboard.i18n import _, current, in_language
from geodata import mail
from layers.changes import describe
from queries import changes, subscriptions
from queries.filters import FilterError

bp = Blueprint("follow", __name__)
ATOM = "http://www.w3.org/2005/Atom"
ATOM_TYPE = "application/atom+xml; charset=utf-8"
CONFIRM_HOURS = 48
FEED_SECONDS = 300
_SALT = "mirador-seguir-confirmar"
# Characters XML 1.0 cannot hold (a source's stray control character would break the feed).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


# -- signed confirmation tokens ------------------------------------------------------------------
def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt=_SALT)


def confirm_token(subscription_id: int, nonce: str) -> str:
    return _serializer().dumps([subscription_id, nonce])


def confirm_url(subscription_id: int, nonce: str) -> str:
    """The double opt-in's link, opening in the language the form was sent in."""
    return in_language(f"{mail.public_url()}/seguir/confirmar/"
                       f"{confirm_token(subscription_id, nonce)}")


def read_confirm_token(token: str) -> tuple[int, str] | None | str:
    """(subscription id, nonce); "expired"; or None for a token that is not ours."""
    try:
        sub_id, nonce = _serializer().loads(token, max_age=CONFIRM_HOURS * 3600)
        return int(sub_id), str(nonce)
    except SignatureExpired:
        return "expired"
    except (BadSignature, ValueError, TypeError):
        return None


# -- feeds ---------------------------------------------------------------------------------------
def _text(value: object) -> str:
    return _NOT_XML.sub("", str(value or ""))


def _add(parent: ET.Element, tag: str, text: object = None, **attrs: str) -> ET.Element:
    node = ET.SubElement(parent, tag, attrs)
    if text is not None:
        node.text = _text(text)
    return node


def _stamp(moment: datetime | None) -> str:
    return (moment or datetime.now(UTC)).astimezone(UTC).isoformat(timespec="seconds")


def atom(kind: str, key: str, name: str, events: list[dict], page: str) -> bytes:
    """The feed of one followed thing."""
    base = request.host_url.rstrip("/")     # the feed is read where it was fetched
    self_url = in_language(f"{base}/feeds/{kind}/{key}.atom")
    feed = ET.Element("feed", {"xmlns": ATOM, "xml:lang": "qu" if current() == "qu" else "es"})
    _add(feed, "id", self_url)
    _add(feed, "title", _("Mirador de Obras — cambios de {nombre}", nombre=name))
    _add(feed, "subtitle", _("Alertas nuevas o resueltas, cambios de estado, avance, informes "
                             "de control y respuestas a reportes ciudadanos."))
    _add(feed, "link", rel="self", type="application/atom+xml", href=self_url)
    _add(feed, "link", rel="alternate", type="text/html", href=in_language(f"{base}{page}"))
    newest = events[0]["detected_at"] if events else changes.last_change()
    _add(feed, "updated", _stamp(newest))
    author = _add(feed, "author")
    _add(author, "name", "Mirador de Obras")
    _add(feed, "generator", "Mirador de Obras")
    for event in events:
        text = describe(event)
        entry = _add(feed, "entry")
        _add(entry, "id", f"{base}/feeds/cambio/{event['id']}")
        _add(entry, "title", text.title, type="text")
        _add(entry, "updated", _stamp(event["detected_at"]))
        _add(entry, "link", rel="alternate", type="text/html",
             href=in_language(f"{base}{text.path}"))
        _add(entry, "category", term=event["kind"])
        _add(entry, "content", text.text or text.title, type="text")
    return ET.tostring(feed, encoding="utf-8", xml_declaration=True)


def _plain(message: str, status: int) -> Response:
    return Response(message, status=status, mimetype="text/plain")


def _feed(kind: str, raw_key: str, page: str) -> Response:
    try:
        key = subscriptions.parse_thing(kind, raw_key)
    except FilterError as exc:
        return _plain(str(exc), 400)
    name = subscriptions.thing_name(kind, key)
    if name is None:
        return _plain(_("No existe lo que quiere seguir: revise el enlace."), 404)
    body = atom(kind, key, name, changes.events(kind, key), page.format(key=key))
    response = Response(body, content_type=ATOM_TYPE)
    response.cache_control.public = True
    response.cache_control.max_age = FEED_SECONDS
    response.vary.add("Cookie")      # without ?lang= the cookie chooses the language
    return response


@bp.get("/feeds/obra/<code>.atom")
def work_feed(code: str) -> Response:
    return _feed("obra", code, "/obra/{key}")


@bp.get("/feeds/area/<ubigeo>.atom")
def area_feed(ubigeo: str) -> Response:
    return _feed("area", ubigeo, "/?area={key}")


@bp.get("/feeds/entidad/<entity_id>.atom")
def entity_feed(entity_id: str) -> Response:
    return _feed("entidad", entity_id, "/entidad/{key}")


# -- confirm and unsubscribe pages ---------------------------------------------------------------
_PAGE = """<!DOCTYPE html>
<html lang="{lang}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>{title} — Mirador de Obras</title>
<link rel="stylesheet" href="/assets/follow.css"></head>
<body class="follow-page"><main class="follow-card">
<p class="follow-brand"><a href="/">Mirador de Obras</a></p>
<h1>{title}</h1>{body}</main></body></html>"""


def page(title: str, *paragraphs: str, extra: str = "", status: int = 200) -> Response:
    """A small page of its own (no Dash: it must work from a mail client's link)."""
    body = "".join(f"<p>{escape(p)}</p>" for p in paragraphs) + extra
    html = _PAGE.format(lang=current(), title=escape(title), body=body)
    response = Response(html, status=status, mimetype="text/html")
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"   # the token stays out of referrers
    return response


_THING_PAGES = {"obra": "/obra/{key}", "area": "/?area={key}", "entidad": "/entidad/{key}"}


@bp.get("/seguir/confirmar/<token>")
def confirm(token: str) -> Response:
    found = read_confirm_token(token)
    if found == "expired":
        return page(_("El enlace venció"),
                    _("Los enlaces de confirmación valen {n} horas. Vuelva a pedir los avisos "
                      "en la página que quiere seguir.", n=CONFIRM_HOURS), status=410)
    confirmed = subscriptions.confirm(*found) if isinstance(found, tuple) else None
    if confirmed is None:
        return page(_("Enlace no válido"),
                    _("Este enlace de confirmación no es válido o ya se dio de baja. Vuelva a "
                      "pedir los avisos en la página que quiere seguir."), status=404)
    kind, key = confirmed
    name = subscriptions.thing_name(kind, key) or key
    href = _THING_PAGES[kind].format(key=key)
    return page(_("Listo: ya sigue «{nombre}»", nombre=name),
                _("Le enviaremos un solo correo después de cada actualización de los datos, "
                  "solo si algo cambió. Cada correo trae un enlace para darse de baja."),
                extra=f'<p><a href="{escape(href)}">{escape(_("Volver a la página"))}</a></p>')


@bp.get("/seguir/baja/<token>")
def unsubscribe_form(token: str) -> Response:
    if not subscriptions.has_token(token):
        return page(_("No hay nada que dar de baja"),
                    _("Este correo ya no está en Mirador de Obras: no recibirá más avisos."))
    button = (f'<form method="post"><button type="submit" class="follow-button">'
              f'{escape(_("Dejar de recibir avisos y borrar mi correo"))}</button></form>')
    return page(_("Darse de baja"),
                _("Con un clic dejará de recibir avisos y su correo se borrará de Mirador de "
                  "Obras, con todo lo que seguía."), extra=button)


@bp.post("/seguir/baja/<token>")
def unsubscribe(token: str) -> Response:
    subscriptions.unsubscribe(token)   # gone already: the same answer
    return page(_("Se dio de baja"),
                _("Su correo fue borrado de Mirador de Obras. No recibirá más avisos."))
