"""The interface in Runasimi: every string of the citizen's journey, the shell and the alert
sentences has a Quechua translation in the catalog (with the same placeholders), the language
of a request (URL, then cookie, then Spanish), the switch route, `<html lang>`, and figures
written per locale."""

from __future__ import annotations

import html
import string
from datetime import date
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_file
from babel.messages.pofile import read_po
from flask import Flask

from dashboard import i18n

ROOT = Path(__file__).resolve().parent.parent
# What the issue asks complete: the shell and navigation, near me, the work page and its
# sections, reporting and following, the alert sentences and the words they are built of.
JOURNEY = ["dashboard/app.py", "dashboard/widgets.py", "dashboard/citizen_ui.py",
           "dashboard/pages/cerca.py", "dashboard/pages/obra.py", "dashboard/source_sections.py",
           "dashboard/follow_ui.py", "dashboard/pages/reporte.py", "dashboard/pages/glosario.py",
           "layers/glossary.py", "dashboard/explorer_components.py", "layers/choropleth.py",
           "dashboard/pages/alertas.py", "layers/nearby.py", "layers/work_sources.py",
           "queries/work_sources.py", "layers/changes.py", "layers/map_table.py",
           "dashboard/tiles.py", "dashboard/scorecard_ui.py", "dashboard/pages/entidades.py",
           "queries/subscriptions.py", "geodata/digest.py", "geodata/procurement_rules.py",
           "layers/work_story.py", "layers/alert_text.py", "layers/format.py", "layers/alerts.py",
           "geodata/alert_rules.py", "geodata/infobras_format.py", "queries/reports.py",
           "dashboard/preview.py", "layers/charts.py", "dashboard/pages/explorer.py"]
KEYWORDS = {"_": None, "N_": None, "ngettext": (1, 2)}
PO = ROOT / "dashboard/locale/qu/LC_MESSAGES/messages.po"


def _extracted(path: str) -> list[tuple[int, str | tuple[str, ...]]]:
    return [(line, message) for line, message, _c, _x in
            extract_from_file("python", ROOT / path, keywords=KEYWORDS)]


def _catalog():
    with PO.open("rb") as handle:
        return read_po(handle, locale="qu")


def _fields(text: str) -> set[str]:
    return {name for _l, name, _s, _c in string.Formatter().parse(text) if name}


@pytest.mark.parametrize("path", [p for p in JOURNEY if (ROOT / p).exists()])
def test_every_string_of_the_journey_has_a_quechua_translation(path):
    """Extracted as `make i18n` does (babel.messages.extract): a string without a translation,
    a fuzzy one, or one whose {placeholders} differ from the Spanish, fails."""
    catalog = _catalog()
    problems = []
    found = _extracted(path)
    assert found, f"{path}: nothing marked for translation"
    for line, message in found:
        key = message if isinstance(message, str) else message[0]
        entry = catalog.get(key)
        texts = [] if entry is None else (
            [entry.string] if isinstance(entry.string, str) else list(entry.string))
        if entry is None or entry.fuzzy or not all(texts):
            problems.append(f"{path}:{line} sin traducción: {key!r}")
            continue
        spanish = [message] if isinstance(message, str) else list(message)
        wanted = set().union(*(_fields(s) for s in spanish))
        if any(_fields(t) != wanted for t in texts):
            problems.append(f"{path}:{line} marcadores distintos: {key!r} -> {texts!r}")
    assert not problems, "\n".join(problems)


def test_the_catalog_has_no_string_nobody_uses_in_the_journey_untranslated():
    """Every entry is filled or left for later on purpose, never half-written: a translation
    that keeps a placeholder the Spanish does not have would raise at render time."""
    for entry in _catalog():
        if not entry.id or not entry.string:
            continue
        spanish = [entry.id] if isinstance(entry.id, str) else list(entry.id)
        texts = [entry.string] if isinstance(entry.string, str) else list(entry.string)
        wanted = set().union(*(_fields(s) for s in spanish))
        assert all(_fields(t) <= wanted for t in texts), entry.id


# -- the language of a request ---------------------------------------------------------------
@pytest.fixture(scope="module")
def flask_app():
    return Flask(__name__)


@pytest.mark.parametrize(("url", "cookie", "expected"), [
    ("/", None, "es"),                    # default
    ("/", "qu", "qu"),                    # the cookie
    ("/?lang=qu", None, "qu"),            # the URL
    ("/?lang=es", "qu", "es"),            # the URL beats the cookie
    ("/?lang=xx", "qu", "qu"),            # an unknown language is ignored
    ("/", "xx", "es"),
])
def test_language_per_request(flask_app, url, cookie, expected):
    headers = {"Cookie": f"lang={cookie}"} if cookie else {}
    with flask_app.test_request_context(url, headers=headers):
        assert i18n.current() == expected
        assert i18n._("Obras cerca de mí") == (
            "Qayllaypi llamk'aykuna" if expected == "qu" else "Obras cerca de mí")


def test_outside_a_request_it_is_spanish():
    assert i18n.current() == "es"
    assert i18n._("Ver {n} obras más", n=3) == "Ver 3 obras más"


def test_figures_follow_the_locale(flask_app):
    from layers import format as fmt

    values = (fmt.money(1_234_567), fmt.money(2_500_000_000), fmt.decimal(1234.56),
              fmt.percent(45.26), fmt.number(1_234_567), fmt.long_date(date(2025, 9, 4)),
              fmt.month_year(date(2025, 3, 1)))
    assert values == ("S/ 1,2 M", "S/ 2,5 mil M", "1 234,6", "45,3 %", "1 234 567",
                      "4 de septiembre de 2025", "marzo de 2025")
    with flask_app.test_request_context("/?lang=qu"):
        values = (fmt.money(1_234_567), fmt.money(2_500_000_000), fmt.decimal(1234.56),
                  fmt.percent(45.26), fmt.number(1_234_567),
                  fmt.long_date(date(2025, 9, 4)), fmt.month_year(date(2025, 3, 1)))
    assert values == ("S/ 1.2 M", "S/ 2.5 waranqa M", "1,234.6", "45.3 %", "1,234,567",
                      "4 Setiembre 2025", "Marzo 2025")


# -- the switch and the page -----------------------------------------------------------------
@pytest.fixture(scope="module")
def client():
    from dashboard.app import app

    return app.server.test_client()


def test_the_switch_keeps_the_page_and_sets_the_cookie(client):
    answer = client.get("/idioma/qu?next=/cerca%3Farea%3D120101%26r%3D5%26lang%3Des")
    assert answer.status_code == 303
    assert answer.headers["Location"] == "/cerca?area=120101&r=5&lang=qu"
    assert "lang=qu" in answer.headers["Set-Cookie"]
    answer = client.get("/idioma/es", headers={"Referer": "http://localhost/obra/7?x=1"})
    assert answer.headers["Location"] == "/obra/7?x=1&lang=es"


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x",
                                    "/\\evil.example", "javascript:alert(1)"])
def test_the_switch_never_leaves_the_site(client, target):
    answer = client.get("/idioma/qu", query_string={"next": target})
    assert answer.headers["Location"] in ("/?lang=qu",)


def test_an_unknown_language_is_not_found(client):
    assert client.get("/idioma/fr").status_code == 404


def test_the_page_is_in_the_language_of_its_url(client):
    """`<html lang>` and the page's title per request; the URL's language is stored."""
    client.delete_cookie("lang")          # (the switch's tests set it)
    page = client.get("/cerca?lang=qu")
    text = html.unescape(page.get_data(as_text=True))
    assert '<html lang="qu">' in text and "Qayllaypi llamk'aykuna — Mirador de Obras" in text
    assert "lang=qu" in page.headers.get("Set-Cookie", "")
    assert "Cookie" in page.headers.get("Vary", "")     # a shared cache keeps both languages
    client.set_cookie("lang", "qu")
    assert '<html lang="qu">' in client.get("/cerca").get_data(as_text=True)
    client.delete_cookie("lang")
    text = client.get("/cerca").get_data(as_text=True)
    assert '<html lang="es">' in text and "Obras cerca de mí — Mirador de Obras" in text


# -- alert sentences of rules written in SQL only: figures read back from the Spanish -------------
def test_a_sentence_read_back_from_its_spanish(flask_app):
    """A rule whose figures layers/alert_text cannot take from the evidence: its stored
    Spanish sentence is read by the Spanish template and written with the Quechua one, the
    figures in the qu_PE locale; a sentence that is not the template's stays as stored."""
    from geodata.alert_rules import RULES_BY_CODE
    from layers import alert_text

    rule = RULES_BY_CODE["avance_fuentes"]
    assert rule.code not in alert_text.FIGURES
    variant = next(v for v in rule.messages if not v.startswith("nc_"))
    spanish = {"infobras": "40,2 %", "fecha_infobras": "al 1 de marzo de 2026",
               "invierte": "88,2 %", "fecha_invierte": "al 16 de septiembre de 2022",
               "puntos": "48,0"}
    thresholds = {k: str(int(v)) for k, v in rule.threshold.items()}
    message = rule.sentence(variant).format(**thresholds, **spanish)
    row = {"rule_code": rule.code, "evidence": {"variante": variant}, "message": message}
    assert alert_text.sentence(row) == message                      # Spanish: as stored
    with flask_app.test_request_context("/?lang=qu"):
        text = alert_text.sentence(row)
        assert text.startswith("INFObrasqa 40.2 % ruwasqa ñawpariyta qillqan (1 Marzo 2026-kama)")
        assert "88.2 % (16 Setiembre 2022-kama): 48.0 punto hukniray." in text
        assert alert_text.sentence({**row, "message": "Otra frase."}) == "Otra frase."
        # stored before the evidence named its variant: found by the sentence itself
        assert alert_text.sentence({**row, "evidence": {}}) == text


def test_a_mistyped_translation_shows_the_spanish(flask_app, monkeypatch):
    """A translator's typo in a placeholder never breaks a page: the Spanish is shown."""
    class Mistyped:
        def gettext(self, message):
            return "Huk {m} llamk'aykunata qhaway"

        def ngettext(self, singular, plural, n):
            return "{cuenta} llamk'ay"

    monkeypatch.setattr(i18n, "translations", lambda language: Mistyped())
    with flask_app.test_request_context("/?lang=qu"):
        assert i18n._("Ver {n} obras más", n=3) == "Ver 3 obras más"
        assert i18n.ngettext("{count} obra", "{count} obras", 2, count="2") == "2 obras"


def test_one_sentence_about_several_processes(flask_app):
    """A procurement rule's «N procesos … El primero: …» is written in Runasimi whole: the
    count, the first process's sentence and its basis (two catalog entries)."""
    from geodata.alert_rules import RULES_BY_CODE
    from geodata.procurement_rules import WORK_SEVERAL
    from layers import alert_text

    rule = RULES_BY_CODE["postor_unico"]
    variant = next(iter(rule.messages))
    first = rule.sentence(variant).format(
        proceso="AS-SM-1-2021-X-1", tipo="Adjudicación Simplificada", items="1",
        adjudicados="2", monto="S/ 70 000",
        **{k: str(int(v)) for k, v in rule.threshold.items()})
    message = WORK_SEVERAL.format(n=3, primero=first)
    with flask_app.test_request_context("/?lang=qu"):
        text = alert_text.sentence({"rule_code": rule.code, "evidence": {"variante": variant},
                                    "message": message})
    assert text.startswith("Kay llamk'aywan t'inkisqa 3 ruway otaq contrato kay kamachiyta "
                           "rikch'arichin. Ñawpaq kaq: AS-SM-1-2021-X-1 ruway")
    assert "(S/ 70,000 mana atipanakuspa atipachisqa)" in text
    assert text.endswith("Huk alertaqa manam chiqanchanchu mana allin ruwasqa kasqanta: ima "
                         "qhawapanata rikuchin.")
