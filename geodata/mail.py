"""Sending mail: the SMTP server named by MIRADOR_SMTP_URL, and the site's public address.

    MIRADOR_SMTP_URL=smtp://host:25                       plain (a local relay)
    MIRADOR_SMTP_URL=smtp://user:password@host:587?starttls=1
    MIRADOR_SMTP_URL=smtps://user:password@host:465       TLS from the start
    MIRADOR_MAIL_FROM="Mirador de Obras <avisos@example.pe>"
    MIRADOR_PUBLIC_URL=https://mirador.example.pe         the links in every message

Without MIRADOR_SMTP_URL no mail is sent (`configured()` is False, and callers say so); the
app never crashes for it. The links in a message use MIRADOR_PUBLIC_URL, never the Host
header of a request (which a client chooses: a confirmation mail must not link elsewhere).
"""

from __future__ import annotations

import logging
import os
import smtplib
import ssl
from collections.abc import Iterable
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from urllib.parse import parse_qs, unquote, urlsplit

SMTP_ENV, FROM_ENV, PUBLIC_ENV = "MIRADOR_SMTP_URL", "MIRADOR_MAIL_FROM", "MIRADOR_PUBLIC_URL"
DEFAULT_FROM = "Mirador de Obras <no-responder@localhost>"
DEFAULT_PUBLIC = "http://127.0.0.1:8050"
TIMEOUT = 15.0
NOT_CONFIGURED = (f"{SMTP_ENV} no está definida: no se envían correos (ni confirmaciones ni "
                  "resúmenes). Defínala como smtp://servidor:puerto.")
log = logging.getLogger(__name__)


class MailError(RuntimeError):
    """The server refused or could not be reached; the message says which."""


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    user: str | None = None
    password: str | None = None
    starttls: bool = False
    tls: bool = False


def settings(url: str | None = None) -> SmtpSettings | None:
    """MIRADOR_SMTP_URL read; None when unset. MailError (Spanish) for a malformed one."""
    url = url if url is not None else os.environ.get(SMTP_ENV, "").strip()
    if not url:
        return None
    parts = urlsplit(url)
    if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
        raise MailError(f"{SMTP_ENV} debe ser smtp://servidor:puerto o smtps://…, no «{url}».")
    try:
        port = parts.port or (465 if parts.scheme == "smtps" else 25)
    except ValueError:
        raise MailError(f"{SMTP_ENV}: el puerto de «{parts.netloc}» no es un número.") from None
    query = parse_qs(parts.query)
    starttls = (query.get("starttls") or ["0"])[0].lower() in ("1", "true", "si", "sí", "yes")
    return SmtpSettings(parts.hostname, port, unquote(parts.username) if parts.username else None,
                        unquote(parts.password) if parts.password else None, starttls,
                        parts.scheme == "smtps")


def configured() -> bool:
    try:
        return settings() is not None
    except MailError:
        return False


def public_url() -> str:
    """The site's address for the links in messages and feeds, without a trailing slash."""
    return (os.environ.get(PUBLIC_ENV) or DEFAULT_PUBLIC).rstrip("/")


def sender() -> str:
    return os.environ.get(FROM_ENV) or DEFAULT_FROM


def message(to: str, subject: str, body: str, unsubscribe_url: str | None = None
            ) -> EmailMessage:
    """A plain-text message (no HTML: nothing a citizen or a source wrote can become markup),
    with the one-click unsubscribe headers (RFC 8058) when given the link."""
    mail = EmailMessage()
    mail["From"] = sender()
    mail["To"] = to
    mail["Subject"] = subject
    mail["Date"] = formatdate(localtime=False)
    mail["Message-ID"] = make_msgid(domain="mirador-de-obras")
    if unsubscribe_url:
        mail["List-Unsubscribe"] = f"<{unsubscribe_url}>"
        mail["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    mail.set_content(body)
    return mail


def send(messages: Iterable[EmailMessage], config: SmtpSettings | None = None
         ) -> list[tuple[EmailMessage, str]]:
    """Send over one connection; returns the messages refused, each with the reason (the
    others went). MailError when the server cannot be reached at all."""
    config = config or settings()
    if config is None:
        raise MailError(NOT_CONFIGURED)
    failed: list[tuple[EmailMessage, str]] = []
    try:
        if config.tls:
            client: smtplib.SMTP = smtplib.SMTP_SSL(config.host, config.port, timeout=TIMEOUT,
                                                    context=ssl.create_default_context())
        else:
            client = smtplib.SMTP(config.host, config.port, timeout=TIMEOUT)
        with client:
            if config.starttls:
                client.starttls(context=ssl.create_default_context())
            if config.user:
                client.login(config.user, config.password or "")
            for mail in messages:
                try:
                    client.send_message(mail)
                except smtplib.SMTPRecipientsRefused:
                    failed.append((mail, "destinatario rechazado"))  # never logs the address
                except smtplib.SMTPDataError as exc:
                    failed.append((mail, f"mensaje rechazado: {exc.smtp_code}"))
    except (OSError, smtplib.SMTPException) as exc:
        raise MailError(f"No se pudo enviar correo por {config.host}:{config.port}: "
                        f"{exc}") from exc
    return failed
