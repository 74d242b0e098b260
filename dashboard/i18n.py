"""The interface language: Spanish, in which every string is written, and Southern Quechua
(Runasimi), from the catalogs in dashboard/locale (Babel/gettext .po files).

The language is chosen per request: `?lang=` in the URL first (so a shared link keeps it),
then the `lang` cookie the language switch sets (so callbacks, which post to Dash's own URL,
answer in the page's language), then Spanish. Outside a request (loaders, tests) it is
Spanish. `_()` is called at render time, never at import, so that one process serves both.
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import io
from collections.abc import Iterator, Mapping
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations
from flask import g, has_request_context, request

LANGUAGES: Mapping[str, str] = {"es": "Español", "qu": "Runasimi"}
DEFAULT = "es"
LOCALES: Mapping[str, str] = {"es": "es_PE", "qu": "qu_PE"}   # for numbers and dates
COOKIE = "lang"
PARAM = "lang"
LOCALE_DIR = Path(__file__).resolve().parent / "locale"
DOMAIN = "messages"


_REQUEST_KEY = "mirador_language"
_CHOSEN: contextvars.ContextVar[str | None] = contextvars.ContextVar("language", default=None)


@contextlib.contextmanager
def using(language: str) -> Iterator[None]:
    """Write in `language` outside a request (a follower's digest, in the language they
    subscribed in)."""
    token = _CHOSEN.set(language if language in LANGUAGES else DEFAULT)
    try:
        yield
    finally:
        _CHOSEN.reset(token)


def current() -> str:
    """The language of the request being served ("es" outside a request)."""
    chosen = _CHOSEN.get()
    if chosen:
        return chosen
    if not has_request_context():
        return DEFAULT
    language = g.get(_REQUEST_KEY)
    if language is None:    # read once per request: a page calls _() thousands of times
        language = next((v for v in (request.args.get(PARAM), request.cookies.get(COOKIE))
                         if v in LANGUAGES), DEFAULT)
        setattr(g, _REQUEST_KEY, language)
    return language


def in_language(url: str) -> str:
    """`url` with `lang=` in its query when the request is not in Spanish: a link that is
    read without the reader's cookie (a feed reader, an e-mail) keeps the language."""
    language = current()
    if language == DEFAULT:
        return url
    return f"{url}{'&' if '?' in url else '?'}{PARAM}={language}"


def locale() -> str:
    """The Babel locale of the current language (es_PE, qu_PE)."""
    return LOCALES[current()]


@functools.cache
def translations(language: str) -> NullTranslations:
    """The catalog of a language, compiled from its .po in memory (no .mo files to build or
    to keep in step); Spanish, the source language, needs none."""
    po = LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"
    if language == DEFAULT or not po.exists():
        return NullTranslations()
    with po.open("rb") as handle:
        catalog = read_po(handle, locale=LOCALES[language])
    buffer = io.BytesIO()
    write_mo(buffer, catalog)   # fuzzy entries are left out, as gettext would
    buffer.seek(0)
    return Translations(fp=buffer, domain=DOMAIN)


def _(message: str, **values: object) -> str:
    """`message` in the current language, with `{name}` placeholders filled from `values`."""
    text = translations(current()).gettext(message) if message else message  # "": header
    return _filled(text, message, values) if values else text


def _filled(text: str, source: str, values: Mapping[str, object]) -> str:
    """A translation whose placeholders were mistyped shows the Spanish, never an error page
    (tests/test_i18n.py checks the catalog's placeholders)."""
    try:
        return text.format(**values)
    except (KeyError, IndexError, ValueError):
        return source.format(**values)


def N_(message: str) -> str:
    """Marks a string for the catalogs where it is written (a page's name, a table of labels)
    and leaves it untranslated there: it is translated with `_()` where it is shown."""
    return message


def ngettext(singular: str, plural: str, n: int, **values: object) -> str:
    """The singular or plural form for `n` (available to the template as `{n}`)."""
    text = translations(current()).ngettext(singular, plural, n)
    return _filled(text, singular if n == 1 else plural, {"n": n, **values})
