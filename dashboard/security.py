"""Security headers on every response (flask-talisman), and cookies marked Secure over HTTPS.

The Content-Security-Policy lets scripts run only from this origin or when they are one of
Dash's own inline scripts, named by their hashes (`app.csp_hashes()`: the renderer and the
clientside callbacks): an inline script injected into a page, an event-handler attribute or
a `javascript:` link does not run. Styles may be inline ('unsafe-inline' in style-src only):
Dash and Plotly set style attributes and insert <style> elements. Plotly's maps (MapLibre)
start their workers from blob: URLs and draw images from data: and blob: URLs. The maps use
no tiles from elsewhere unless a street basemap is configured (dashboard/tiles.py): only then,
and only its origin, is added to img-src and connect-src; and no page needs
'unsafe-eval' (every page is opened in Chromium under this policy by tests/test_security.py,
which fails on any violation). No page may be framed by
another site (frame-ancestors 'self', X-Frame-Options SAMEORIGIN): there is no embeddable
widget route.

Behind a reverse proxy that terminates HTTPS, set MIRADOR_PROXY_HOPS (the number of proxies:
usually 1) so that Flask reads the client's address and scheme from X-Forwarded-For and
X-Forwarded-Proto; the session cookie is then Secure, and HSTS sent, on HTTPS requests.
"""

from __future__ import annotations

import os

import dash
from flask import Flask, Response, request
from flask.sessions import SecureCookieSessionInterface
from flask_talisman import Talisman
from werkzeug.middleware.proxy_fix import ProxyFix

from dashboard import tiles

PROXY_ENV = "MIRADOR_PROXY_HOPS"
# What scripts may do besides the hashed inline ones; the rest of the policy is fixed.
SCRIPT_SRC = ["'self'"]
POLICY = {
    "default-src": "'self'",
    "script-src": SCRIPT_SRC,
    "style-src": ["'self'", "'unsafe-inline'"],
    "img-src": ["'self'", "data:", "blob:"],
    "font-src": ["'self'", "data:"],
    "connect-src": "'self'",
    "worker-src": ["'self'", "blob:"],
    "child-src": ["'self'", "blob:"],
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'self'",
}
# Only the near-me page's "use my location" needs a browser feature.
PERMISSIONS = {"geolocation": "(self)", "camera": "()", "microphone": "()", "payment": "()",
               "usb": "()", "serial": "()", "display-capture": "()"}
# (no "bluetooth": Chromium names it an unrecognised feature and logs a warning on every page)


class _SessionOverHttps(SecureCookieSessionInterface):
    """The session cookie is Secure on every HTTPS request (and always with
    MIRADOR_SECURE_COOKIES=1, see dashboard/reports_auth.py)."""

    def get_cookie_secure(self, app: Flask) -> bool:
        return bool(app.config["SESSION_COOKIE_SECURE"]) or request.is_secure


def harden(app: dash.Dash) -> Talisman:
    """Install the headers on the app's Flask server. The CSP's script hashes are read again
    as each response is finished (a page imported late may add a clientside callback): in an
    after_request hook registered after Talisman's, so it runs just before it, also on
    responses that a before_request hook made (the 404 of an unknown work)."""
    server = app.server
    hops = int(os.environ.get(PROXY_ENV, "0") or 0)
    if hops > 0:
        server.wsgi_app = ProxyFix(server.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
    talisman = Talisman(
        server,
        force_https=False,                   # TLS is the proxy's job; HSTS when it is HTTPS
        session_cookie_secure=False,         # per request instead: _SessionOverHttps
        content_security_policy={**POLICY, "script-src": SCRIPT_SRC + list(app.csp_hashes())},
        frame_options="SAMEORIGIN",
        referrer_policy="strict-origin-when-cross-origin",
        permissions_policy=PERMISSIONS,
        strict_transport_security=True,
    )
    server.session_interface = _SessionOverHttps()

    @server.after_request
    def _script_hashes(response: Response) -> Response:
        # Only a page runs scripts (60 µs of hashing; other responses keep the last list).
        if response.mimetype == "text/html":
            policy = talisman.content_security_policy
            policy["script-src"] = SCRIPT_SRC + list(app.csp_hashes())
            origin = tiles.origin()   # the street basemap's, only while it is configured
            for directive in ("img-src", "connect-src"):
                policy[directive] = _with(POLICY[directive], origin)
        return response

    return talisman


def _with(sources: str | list[str], origin: str | None) -> str | list[str]:
    """A directive's sources, plus `origin` when there is one."""
    if origin is None:
        return sources
    return [*([sources] if isinstance(sources, str) else sources), origin]
