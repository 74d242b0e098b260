"""The language switch (Español / Runasimi): `/idioma/<lang>?next=<path and query>` keeps the
choice in the `lang` cookie and goes back to the page it came from with `?lang=` in its URL, so
that a link shared from there opens in the same language. A page opened with `?lang=` sets the
cookie too: the requests its scripts make next (the layout, the callbacks) carry no query
string, only the cookie, and so answer in the page's language (see dashboard/i18n.py).
"""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from flask import Blueprint, Response, abort, redirect, request

from dashboard import i18n

bp = Blueprint("language", __name__)
COOKIE_AGE = 365 * 24 * 3600     # a year: the language is a lasting preference


def back_to(target: str | None, language: str) -> str:
    """The page to go back to, with `lang=` set in its query: only a path of this site (an
    absolute or protocol-relative URL would make the switch an open redirect)."""
    parts = urlsplit(target or "/")
    path = parts.path if parts.path.startswith("/") and not parts.path.startswith("//") else "/"
    if parts.scheme or parts.netloc or "\\" in path:
        path = "/"
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
             if k != i18n.PARAM]
    query.append((i18n.PARAM, language))
    return urlunsplit(("", "", path, urlencode(query), ""))


def _remember(response: Response, language: str) -> Response:
    response.set_cookie(i18n.COOKIE, language, max_age=COOKIE_AGE, samesite="Lax",
                        secure=request.is_secure, httponly=True)
    return response


@bp.get("/idioma/<language>")
def switch(language: str) -> Response:
    if language not in i18n.LANGUAGES:
        abort(404)
    target = request.args.get("next")
    if target is None and request.referrer:
        ref = urlsplit(request.referrer)
        if ref.netloc == request.host:
            target = urlunsplit(("", "", ref.path, ref.query, ""))
    return _remember(redirect(back_to(target, language), code=303), language)


# Responses written in the reader's language: a shared cache must key them by the cookie too.
LOCALIZED = ("text/html", "application/atom+xml")


@bp.after_app_request
def _keep_url_language(response: Response) -> Response:
    """A page opened with a valid `?lang=` that differs from the cookie stores it; every
    response that may be in either language says it varies with the cookie."""
    if response.mimetype in LOCALIZED:
        response.vary.add("Cookie")
    wanted = request.args.get(i18n.PARAM)
    if (wanted in i18n.LANGUAGES and wanted != request.cookies.get(i18n.COOKIE)
            and response.mimetype == "text/html"):
        _remember(response, wanted)
    return response
