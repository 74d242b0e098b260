"""Who is asking: the client's keyed hash (for the reports' rate limit, never the address),
and the moderator's login (credentials from the environment, a signed session cookie).

MIRADOR_MODERATOR_USER and MIRADOR_MODERATOR_PASSWORD enable moderation; with either unset,
nobody can log in (there is no default password). The Flask secret that signs the session
and keys the client hash is MIRADOR_SECRET_KEY; without it a random one is made per process
(sessions then end with the process and differ between gunicorn workers: set it in
production). Failed logins are counted per client in the shared cache.
"""

from __future__ import annotations

import hmac
import logging
import os
import secrets
import time
from datetime import timedelta

from flask import Flask, current_app, request, session

from dashboard.cache import cache
from queries.reports import client_hash

USER_ENV, PASSWORD_ENV, SECRET_ENV = ("MIRADOR_MODERATOR_USER", "MIRADOR_MODERATOR_PASSWORD",
                                      "MIRADOR_SECRET_KEY")
SESSION_KEY = "moderator"
SESSION_HOURS = 8
LOGIN_ATTEMPTS = 10                    # failed logins per client ...
LOGIN_WINDOW = timedelta(minutes=15)   # ... in this window
# Every failed or refused login answers this much later (a guesser on one connection gets
# at most a few tries a second before the lockout; a right password is never delayed).
LOGIN_DELAY = 0.3
DISABLED = ("La moderación está desactivada: el administrador debe definir las variables de "
            f"entorno {USER_ENV} y {PASSWORD_ENV} en el servidor.")

log = logging.getLogger(__name__)


def configure_session(app: Flask) -> None:
    """Secret key and cookie flags: HttpOnly, SameSite=Lax (never sent on a cross-site POST),
    Secure when MIRADOR_SECURE_COOKIES=1 (behind HTTPS), 8-hour sessions."""
    secret = os.environ.get(SECRET_ENV)
    if secret:
        app.secret_key = secret
    elif not app.secret_key:
        log.warning("%s no está definida: se usa una clave aleatoria de este proceso (las "
                    "sesiones de moderación no sobreviven un reinicio).", SECRET_ENV)
        app.secret_key = secrets.token_hex(32)
    app.config.update(SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Lax",
                      SESSION_COOKIE_SECURE=os.environ.get("MIRADOR_SECURE_COOKIES") == "1",
                      PERMANENT_SESSION_LIFETIME=timedelta(hours=SESSION_HOURS))


def _key() -> bytes:
    secret = current_app.secret_key
    return secret.encode() if isinstance(secret, str) else bytes(secret)


def current_client() -> str:
    """The requesting client as a keyed hash of its address (as Flask sees it: configure
    ProxyFix in front of a reverse proxy, never trust X-Forwarded-For blindly)."""
    return client_hash(request.remote_addr or "desconocido", _key())


# -- moderator --------------------------------------------------------------------------------
def moderation_enabled() -> bool:
    return bool(os.environ.get(USER_ENV)) and bool(os.environ.get(PASSWORD_ENV))


def _same(given: str, expected: str) -> bool:
    return hmac.compare_digest(given.encode(), expected.encode())


def _failures_key() -> str:
    return f"moderacion-fallos:{current_client()}"


def login(user: str | None, password: str | None) -> str | None:
    """Log in; None on success, else the Spanish reason."""
    if not moderation_enabled():
        return DISABLED
    failures = cache.get(_failures_key()) or 0
    if failures >= LOGIN_ATTEMPTS:
        log.warning("moderación: ingreso bloqueado para el cliente %s… (%d intentos fallidos)",
                    current_client()[:12], failures)
        time.sleep(LOGIN_DELAY)
        minutes = int(LOGIN_WINDOW.total_seconds() // 60)
        return f"Demasiados intentos fallidos. Espere {minutes} minutos."
    # Both compared every time (constant time, no early exit that tells which one failed).
    user_ok = _same(user or "", os.environ[USER_ENV])
    password_ok = _same(password or "", os.environ[PASSWORD_ENV])
    if not (user_ok and password_ok):
        # add() starts the window (no-op when counting already); inc() is atomic in Redis.
        cache.add(_failures_key(), 0, timeout=int(LOGIN_WINDOW.total_seconds()))
        count = cache.cache.inc(_failures_key())
        # Logged without the password; the user name is cut (it may be a password typed in
        # the wrong box).
        log.warning("moderación: ingreso fallido %s de %d del cliente %s… (usuario «%s»)",
                    count, LOGIN_ATTEMPTS, current_client()[:12], (user or "")[:3] + "…")
        time.sleep(LOGIN_DELAY)
        return "Usuario o contraseña incorrectos."
    session.clear()
    session.permanent = True
    session[SESSION_KEY] = os.environ[USER_ENV]
    return None


def logout() -> None:
    session.pop(SESSION_KEY, None)


def moderator() -> str | None:
    """The logged-in moderator, or None (also when moderation was disabled since)."""
    name = session.get(SESSION_KEY)
    if not name or not moderation_enabled() or not _same(name, os.environ[USER_ENV]):
        return None
    return name
