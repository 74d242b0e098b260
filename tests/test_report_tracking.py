"""A citizen report's tracking: the code shown after sending, the public timeline at
/reporte/<código> (recibido -> en revisión -> derivado -> cerrado, with the moderator's answer,
escaped), the moderation that moves it along, and the work's followers told (its feed). The
browser test does the whole journey in Chromium: send a report, read the code, open its page,
a moderator answers in /moderacion, the public page shows it."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest
import sqlalchemy as sa

from queries import reports as reports_query
from queries.reports import citizen_report
from tests.a11y import assert_accessible
from tests.browser_support import WINDOW, browser, live_server, resize  # noqa: F401
from tests.citizen_data import page_module, strings

pytest_plugins = ["tests.citizen_support"]
pytestmark = pytest.mark.db
ATOM = "{http://www.w3.org/2005/Atom}"
HOSTILE = "<img src=x onerror=alert(1)> Derivado a la OCI & a la fiscalía"
WAIT = 30


def _report(code: int, text: str = "La losa del puente tiene grietas desde abril.") -> dict:
    report = reports_query.validate(code, "riesgo", text, "vecina@correo.pe")
    return reports_query.submit(report, "b" * 64)


def _page(shown: str) -> list[str]:
    return strings(page_module("reporte").layout(codigo=shown))


def _answers(engine, code: int) -> list[dict]:
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(sa.text(
            "SELECT data FROM change_event WHERE kind = 'respuesta_reporte'"
            " AND infobras_code = :c ORDER BY id"), {"c": code}).mappings()]


def test_a_report_gets_a_code_and_a_timeline(citizen_app, citizen_works, national_areas):
    code = citizen_works["around_4"]
    saved = _report(code)
    tracking = saved["tracking_code"]
    assert re.fullmatch(f"[{reports_query.TRACKING_ALPHABET}]{{10}}", tracking)
    shown = reports_query.show_code(tracking)
    assert reports_query.parse_tracking_code(shown.lower()) == tracking

    found = reports_query.tracking(tracking)
    assert set(found["steps"]) == {"recibido"} and found["description"] is None  # not approved
    with citizen_app.server.test_request_context(f"/reporte/{shown}"):
        text = " ".join(_page(shown))
    assert shown in text and "Recibido" in text and "vecina@correo.pe" not in text
    assert "Se publica cuando un moderador aprueba" in text

    assert reports_query.moderate(saved["id"], "aprobado", "en_revision", HOSTILE, "mod")
    assert reports_query.moderate(saved["id"], "aprobado", "derivado", HOSTILE, "mod")
    assert reports_query.moderate(saved["id"], "aprobado", "derivado", HOSTILE, "mod")  # again
    found = reports_query.tracking(tracking)
    assert set(found["steps"]) == {"recibido", "en_revision", "derivado"}
    assert found["public_note"] == HOSTILE and found["description"].startswith("La losa")
    answers = _answers(national_areas, code)
    assert [a["data"]["estado"] for a in answers] == ["en_revision", "derivado"]  # once each
    assert answers[-1]["data"]["respuesta"] == HOSTILE

    with citizen_app.server.test_request_context(f"/reporte/{shown}"):
        text = _page(shown)
    assert HOSTILE in text    # a text child: React shows it as text, never as markup

    feed = citizen_app.server.test_client().get(f"/feeds/obra/{code}.atom")
    root = ET.fromstring(feed.data)
    [entry, *_] = root.findall(f"{ATOM}entry")
    assert "respuesta a un reporte ciudadano" in entry.find(f"{ATOM}title").text
    assert HOSTILE in entry.find(f"{ATOM}content").text
    assert entry.find(f"{ATOM}link").get("href").endswith(f"/reporte/{tracking}")
    assert "<img" not in feed.get_data(as_text=True)


def test_a_rejected_report_tells_no_follower(citizen_works, national_areas):
    code = citizen_works["around_5"]
    saved = _report(code, "Texto con datos personales que no se debe publicar.")
    before = len(_answers(national_areas, code))
    assert reports_query.moderate(saved["id"], "rechazado", "cerrado", "Tiene datos personales.",
                                  "mod")
    assert len(_answers(national_areas, code)) == before
    assert set(reports_query.tracking(saved["tracking_code"])["steps"]) == {"recibido", "cerrado"}


@pytest.mark.parametrize(("path", "status"), [
    ("/reporte/AAAAA-22222", 404), ("/reporte/no-es-codigo", 404),
    ("/reporte/%3Cscript%3E", 404)])
def test_unknown_codes_answer_404(citizen_app, citizen_works, path, status):
    assert citizen_app.server.test_client().get(path).status_code == status


def test_old_reports_got_codes_and_steps(national_areas, citizen_works):
    with national_areas.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).where(
            citizen_report.c.tracking_code.is_(None))).scalar() == 0
        assert conn.execute(sa.text(
            "SELECT count(*) FROM citizen_report r WHERE NOT EXISTS (SELECT 1 FROM"
            " citizen_report_step s WHERE s.report_id = r.id AND s.status = 'recibido')")
        ).scalar() == 0


# -- in Chromium -----------------------------------------------------------------------------------
@pytest.mark.browser
def test_report_timeline_in_the_browser(browser, live_server, citizen_works,  # noqa: F811
                                        national_areas, monkeypatch):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    monkeypatch.setenv("MIRADOR_MODERATOR_USER", "moderadora")
    monkeypatch.setenv("MIRADOR_MODERATOR_PASSWORD", "una clave larga y rara")
    driver = browser
    code = citizen_works["around_1"]

    def wait(condition):
        return WebDriverWait(driver, WAIT).until(condition)

    def css(selector):
        return driver.find_element(By.CSS_SELECTOR, selector)

    driver.get(f"{live_server}/obra/{code}")
    wait(lambda d: d.find_elements(By.ID, "obra-report-jump"))
    css("#obra-report-jump").click()
    wait(lambda d: d.find_element(By.ID, "obra-report-description").is_displayed())
    next(label for label in driver.find_elements(By.CSS_SELECTOR, "#obra-report-category label")
         if label.text == "Obra paralizada").click()
    css("#obra-report-description").send_keys("Nadie trabaja en la obra desde hace tres meses.")
    css("#obra-report-send").click()
    wait(lambda d: d.find_elements(By.ID, "obra-report-tracking"))
    shown = css("#obra-report-tracking").text
    assert re.fullmatch(r"[A-Z0-9]{5}-[A-Z0-9]{5}", shown)
    driver.execute_script("document.querySelector('#obra-report-message')"
                          ".scrollIntoView({block: 'center'});")
    _shot(driver, "tracking-1-sent")
    wait(lambda d: d.find_element(By.ID, "follow-obra"))
    driver.execute_script("document.querySelector('#follow-obra')"
                          ".scrollIntoView({block: 'center'});")
    _shot(driver, "tracking-2-follow")
    assert_accessible(driver, "obra: «Seguir» y el código de seguimiento", "#follow-obra")
    assert_accessible(driver, "obra: el código de seguimiento", "#obra-report-message")

    css("#obra-report-tracking-link").click()
    wait(lambda d: d.find_elements(By.ID, "reporte-timeline"))
    assert "current" in css("#reporte-step-recibido").get_attribute("class")
    assert "ahead" in css("#reporte-step-cerrado").get_attribute("class")
    assert "aún no ha publicado" in css("#reporte-answer").text
    _shot(driver, "tracking-3-received")

    # The moderator logs in, writes the answer and moves the report to its next step.
    driver.get(f"{live_server}/moderacion")
    wait(lambda d: d.find_elements(By.ID, "moderacion-user"))
    css("#moderacion-user").send_keys("moderadora")
    css("#moderacion-password").send_keys("una clave larga y rara")
    css("#moderacion-login").click()
    wait(lambda d: d.find_elements(By.CSS_SELECTOR, ".moderacion-report"))
    card = next(c for c in driver.find_elements(By.CSS_SELECTOR, ".moderacion-report")
                if shown in c.text)
    card.find_element(By.CSS_SELECTOR, "input[type=radio][value=aprobado]").click()
    card.find_element(By.TAG_NAME, "textarea").send_keys(HOSTILE)
    card.find_element(By.XPATH, ".//button[contains(., 'Pasar a: En revisión')]").click()
    wait(lambda d: "Guardado" in card.text)
    assert_accessible(driver, "moderación con el paso siguiente", ".moderacion-report")
    step = card.find_element(By.XPATH, ".//button[contains(., 'Pasar a:')]")
    wait(lambda d: "Derivado" in step.text)        # the button offers the next step now
    _shot(driver, "tracking-4-moderation")

    driver.get(f"{live_server}/reporte/{shown}")
    wait(lambda d: d.find_elements(By.CSS_SELECTOR, "#reporte-answer .report-answer"))
    assert css("#reporte-answer .report-answer").text == HOSTILE
    assert "current" in css("#reporte-step-en_revision").get_attribute("class")
    assert "done" in css("#reporte-step-recibido").get_attribute("class")
    assert not driver.find_elements(By.CSS_SELECTOR, "#reporte-answer img")
    _shot(driver, "tracking-5-answered")
    assert_accessible(driver, f"/reporte/{shown}")
    resize(driver, 390, 844)                        # on a phone the steps stack
    try:
        driver.get(f"{live_server}/reporte/{shown}")
        wait(lambda d: d.find_elements(By.CSS_SELECTOR, "#reporte-answer .report-answer"))
        _shot(driver, "tracking-6-phone")
        assert driver.execute_script(
            "return document.documentElement.scrollWidth <= window.innerWidth;")
        driver.get(f"{live_server}/seguir/baja/nadie")   # a page of its own, outside Dash
        assert_accessible(driver, "/seguir/baja")
    finally:
        resize(driver, *WINDOW)


def _shot(driver, name: str) -> None:
    from pathlib import Path

    target = Path("/tmp/mirshots/d")
    target.mkdir(parents=True, exist_ok=True)
    driver.save_screenshot(str(target / f"{name}.png"))
