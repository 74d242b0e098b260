"""Citizen reports: hostile input through the real Dash endpoint (each gets a clear message
and the database holds exactly what it should), the rate limit, a database that is down,
moderation behind a login, and requests a cross-site page could forge."""

from __future__ import annotations

import itertools
import json

import pytest
import sqlalchemy as sa

from dashboard import reports_auth
from queries import db
from queries import reports as reports_query
from queries.reports import citizen_report
from tests.citizen_data import (
    components,
    page_module,
    strings,
)

pytest_plugins = ["tests.citizen_support"]
pytestmark = pytest.mark.db
SEND = ("..obra-report-message.children...obra-report-description.value..."
        "obra-report-contact.value...obra-report-category.value..")
GOOD = "La obra está abandonada desde marzo y hay huecos peligrosos en la vereda."
_addresses = (f"10.0.{i // 250}.{i % 250 + 1}" for i in itertools.count())


@pytest.fixture(scope="module")
def client(citizen_app, citizen_works):
    return citizen_app.server.test_client()


@pytest.fixture()
def work_code(citizen_works, national_areas):
    """A work with no reports yet."""
    code = citizen_works["around_3"]
    with national_areas.begin() as conn:
        conn.execute(sa.delete(citizen_report).where(citizen_report.c.infobras_code == code))
    return code


def _stored(engine, code) -> list[dict]:
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(
            sa.select(citizen_report).where(citizen_report.c.infobras_code == code)
            .order_by(citizen_report.c.id)).mappings()]


def _send(client, code, category, description, contact=None, address=None,
          content_type="application/json"):
    payload = {
        "output": SEND,
        "outputs": [{"id": "obra-report-message", "property": "children"},
                    {"id": "obra-report-description", "property": "value"},
                    {"id": "obra-report-contact", "property": "value"},
                    {"id": "obra-report-category", "property": "value"}],
        "inputs": [{"id": "obra-report-send", "property": "n_clicks", "value": 1}],
        "changedPropIds": ["obra-report-send.n_clicks"],
        "state": [{"id": "obra-report-code", "property": "data", "value": code},
                  {"id": "obra-report-category", "property": "value", "value": category},
                  {"id": "obra-report-description", "property": "value", "value": description},
                  {"id": "obra-report-contact", "property": "value", "value": contact}],
    }
    return client.post("/_dash-update-component", data=json.dumps(payload),
                       content_type=content_type,
                       environ_base={"REMOTE_ADDR": address or next(_addresses)})


def _answer(response) -> tuple[str, dict]:
    """The message shown (all its text) and the other outputs the callback changed."""
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    outputs = response.get_json()["response"]
    message = outputs.pop("obra-report-message")["children"]
    return " ".join(_json_strings(message)), outputs


def _json_strings(node) -> list[str]:
    if isinstance(node, str):
        return [node]
    if isinstance(node, list):
        return [s for child in node for s in _json_strings(child)]
    if isinstance(node, dict):
        return _json_strings(node.get("props", {}).get("children"))
    return []


# -- hostile and odd input ---------------------------------------------------------------------
def test_a_good_report_is_received_and_the_form_cleared(client, work_code, national_areas):
    text, outputs = _answer(_send(client, work_code, "obra_paralizada", GOOD,
                                  "vecina@correo.pe"))
    assert "recibido" in text and "Reporte N.°" in text
    assert outputs == {"obra-report-description": {"value": ""},
                       "obra-report-contact": {"value": ""},
                       "obra-report-category": {"value": None}}
    [row] = _stored(national_areas, work_code)
    assert (row["category"], row["description"], row["contact"]) == \
        ("obra_paralizada", GOOD, "vecina@correo.pe")
    assert (row["status"], row["moderation"]) == ("recibido", "pendiente")
    assert len(row["client_hash"]) == 64 and "10.0." not in row["client_hash"]


@pytest.mark.parametrize("description", [
    "<script>alert('x')</script> la losa está rajada",
    "'; DROP TABLE work; -- la obra no avanza",
    "Robert'); DELETE FROM citizen_report WHERE ('1'='1",
    "Ñandú, camión, pingüino: 🚧🏗️👷‍♀️ obra parada (señalización 0) 中文 العربية",
])
def test_hostile_text_is_stored_as_text(client, work_code, national_areas, description):
    text, _ = _answer(_send(client, work_code, "mala_calidad", description))
    assert "recibido" in text
    [row] = _stored(national_areas, work_code)
    assert row["description"] == description
    with national_areas.connect() as conn:   # the SQL in the text did nothing
        assert conn.execute(sa.text("SELECT count(*) FROM work")).scalar() > 0


@pytest.mark.parametrize(("category", "description", "contact", "message"), [
    ("otro", "", None, "la descripción está vacía"),
    ("otro", "   \n\t ", None, "la descripción está vacía"),
    ("otro", "corto", None, "al menos 10 caracteres"),
    ("otro", "x" * 102_400, None, "tiene 102 400 caracteres y el máximo es 2 000"),
    ("otro", "y" * 2_001, None, "tiene 2 001 caracteres"),
    (None, GOOD, None, "Elija de la lista"),
    ("<script>", GOOD, None, "Elija de la lista"),
    ("otro", GOOD, "no es contacto", "correo electrónico"),
    ("otro", GOOD, "<script>@x.pe", "correo electrónico"),
    ("otro", GOOD, "+51 999", "correo electrónico"),
    ("otro", GOOD, "a@b.pe" + "e" * 200, "demasiado largo"),
])
def test_bad_input_gets_a_clear_message_and_keeps_the_form(client, work_code, national_areas,
                                                            category, description, contact,
                                                            message):
    text, outputs = _answer(_send(client, work_code, category, description, contact))
    assert message in text
    assert outputs == {}, "the form keeps what was written"
    assert _stored(national_areas, work_code) == []


def test_control_characters_are_dropped_and_unicode_normalised(client, work_code,
                                                              national_areas):
    _answer(_send(client, work_code, "otro", "Cafe\u0301 \x00roto\u202e y\r\ncerrado  ",
                  " +51 999 888 777 "))
    [row] = _stored(national_areas, work_code)
    assert row["description"] == "Café roto y\ncerrado"
    assert row["contact"] == "+51 999 888 777"


def test_unknown_work_is_refused(client, national_areas):
    text, _ = _answer(_send(client, 1, "otro", GOOD))
    assert "no existe" in text
    assert _stored(national_areas, 1) == []


def test_rate_limit_per_client(client, work_code, national_areas):
    address = next(_addresses)
    for _ in range(reports_query.RATE_LIMIT):
        assert "recibido" in _answer(_send(client, work_code, "otro", GOOD, address=address))[0]
    text, outputs = _answer(_send(client, work_code, "otro", GOOD, address=address))
    assert "Ya envió 5 reportes en los últimos 10 minutos" in text and outputs == {}
    assert len(_stored(national_areas, work_code)) == reports_query.RATE_LIMIT
    assert "recibido" in _answer(_send(client, work_code, "otro", GOOD))[0]   # another client


def test_database_down_loses_nothing_and_says_try_again(client, work_code, national_areas,
                                                        monkeypatch):
    dead = sa.create_engine("postgresql+psycopg://postgres@127.0.0.1:9/nadie",
                            connect_args={"connect_timeout": 2})
    monkeypatch.setattr(db, "engine", lambda: dead)
    text, outputs = _answer(_send(client, work_code, "riesgo", GOOD))
    assert "No pudimos guardar su reporte, intente de nuevo" in text
    assert outputs == {}, "the form keeps the text"
    monkeypatch.undo()
    assert _stored(national_areas, work_code) == []


def test_a_report_is_all_or_nothing(work_code, national_areas):
    """A row the database refuses (here: a description under the CHECK's minimum, bypassing
    the form's validation) leaves nothing behind."""
    report = reports_query.NewReport(work_code, "otro", "corto", None)
    with pytest.raises(sa.exc.IntegrityError):
        reports_query.submit(report, "a" * 64)
    assert _stored(national_areas, work_code) == []


# -- forged requests ---------------------------------------------------------------------------
@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded",
                                          "multipart/form-data; boundary=x"])
def test_cross_site_form_posts_are_refused(client, work_code, national_areas, content_type):
    """What an HTML form on another site can send (no CORS preflight) is not a callback."""
    response = _send(client, work_code, "otro", GOOD, content_type=content_type)
    assert response.status_code in (400, 415)
    assert _stored(national_areas, work_code) == []


# -- public list and moderation -----------------------------------------------------------------
def test_only_approved_reports_are_public_and_never_their_contact(client, work_code,
                                                                  national_areas, citizen_app):
    for contact in ("uno@correo.pe", "dos@correo.pe"):
        _answer(_send(client, work_code, "corrupcion", f"{GOOD} <b>{contact}</b>", contact))
    first, second = _stored(national_areas, work_code)
    assert reports_query.public_reports(work_code) == []
    assert reports_query.moderate(first["id"], "aprobado", "derivado", "Enviado a la OCI.",
                                  "moderador")
    assert reports_query.moderate(second["id"], "rechazado", "cerrado", None, "moderador")
    public = reports_query.public_reports(work_code)
    assert [r["id"] for r in public] == [first["id"]]
    assert "contact" not in public[0] and "client_hash" not in public[0]
    with citizen_app.server.test_request_context("/obra/1"):
        page = page_module("obra").layout(codigo=str(work_code))
    texts = strings(page)
    assert f"{GOOD} <b>uno@correo.pe</b>" in texts          # shown as text, escaped by React
    assert "Derivado a la autoridad competente" in texts
    assert "Respuesta: Enviado a la OCI." in texts
    assert not any("dos@correo.pe" in t for t in texts)
    assert not any(getattr(c, "dangerously_allow_html", False) for c in components(page))


def test_moderation_values_are_checked():
    with pytest.raises(reports_query.ReportError):
        reports_query.moderate(1, "aprobado", "borrado", None, "m")
    with pytest.raises(reports_query.ReportError):
        reports_query.moderate(1, "publicar", "cerrado", None, "m")
    assert reports_query.moderate(10**12, "aprobado", "cerrado", None, "m") is False


def _login_output(app) -> str:
    """The login callback's output key (allow_duplicate outputs carry a hash)."""
    return next(key for key, spec in app.callback_map.items()
                if key.startswith("moderacion-body.children@")
                and any(i["id"] == "moderacion-login" for i in spec["inputs"]))


def _login(client, user, password, address="10.9.9.9", base_url="http://localhost"):
    payload = {
        "output": _login_output(_dash_app()),
        "outputs": {"id": "moderacion-body", "property": "children"},
        "inputs": [{"id": "moderacion-login", "property": "n_clicks", "value": 1},
                   {"id": "moderacion-password", "property": "n_submit", "value": 0}],
        "changedPropIds": ["moderacion-login.n_clicks"],
        "state": [{"id": "moderacion-user", "property": "value", "value": user},
                  {"id": "moderacion-password", "property": "value", "value": password}],
    }
    return client.post("/_dash-update-component", json=payload, base_url=base_url,
                       environ_base={"REMOTE_ADDR": address})


def _logout(client):
    key = next(k for k, spec in _dash_app().callback_map.items()
               if any(i["id"] == "moderacion-logout" for i in spec["inputs"]))
    payload = {"output": key, "outputs": {"id": "moderacion-body", "property": "children"},
               "inputs": [{"id": "moderacion-logout", "property": "n_clicks", "value": 1}],
               "changedPropIds": ["moderacion-logout.n_clicks"], "state": []}
    response = client.post("/_dash-update-component", json=payload)
    assert "moderacion-password" in response.get_data(as_text=True)


def _save(client, report_id, decision="aprobado", status="en_revision"):
    key = {"id": report_id, "type": "moderacion-save"}
    payload = {
        "output": '{"id":["MATCH"],"type":"moderacion-saved"}.children',
        "outputs": {"id": {"id": report_id, "type": "moderacion-saved"}, "property": "children"},
        "inputs": [{"id": key, "property": "n_clicks", "value": 1}],
        "changedPropIds": [json.dumps(key, separators=(",", ":")) + ".n_clicks"],
        "state": [{"id": {"id": report_id, "type": t}, "property": "value", "value": v}
                  for t, v in (("moderacion-decision", decision), ("moderacion-status", status),
                               ("moderacion-note", ""))],
    }
    response = client.post("/_dash-update-component", json=payload)
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    [output] = response.get_json()["response"].values()
    return output["children"]


def _dash_app():
    from dashboard.app import app

    return app


def test_moderation_is_disabled_without_credentials(citizen_app, monkeypatch):
    monkeypatch.delenv(reports_auth.USER_ENV, raising=False)
    monkeypatch.delenv(reports_auth.PASSWORD_ENV, raising=False)
    with citizen_app.server.test_request_context("/moderacion"):
        page = page_module("moderacion").layout()
        assert reports_auth.login("admin", "admin") == reports_auth.DISABLED
    assert reports_auth.DISABLED in strings(page)
    assert "moderacion-user" not in {getattr(c, "id", None) for c in components(page)}


def _text(response) -> str:
    """A callback's answer as text, with its accents (the JSON escapes them)."""
    return json.dumps(response.get_json(), ensure_ascii=False)


def test_moderation_needs_the_login(citizen_app, work_code, national_areas, client,
                                    monkeypatch):
    monkeypatch.setenv(reports_auth.USER_ENV, "moderadora")
    monkeypatch.setenv(reports_auth.PASSWORD_ENV, "una clave larga y rara")
    _answer(_send(client, work_code, "otro", GOOD))
    [report] = _stored(national_areas, work_code)
    outsider = citizen_app.server.test_client()
    with citizen_app.server.test_request_context("/moderacion"):
        page = page_module("moderacion").layout()
    assert "moderacion-password" in {getattr(c, "id", None) for c in components(page)}
    assert _save(outsider, report["id"]) == "Su sesión terminó. Vuelva a ingresar."
    wrong = _login(outsider, "moderadora", "otra clave")
    assert "Usuario o contraseña incorrectos." in _text(wrong)
    assert "Set-Cookie" not in wrong.headers
    assert _stored(national_areas, work_code)[0]["moderation"] == "pendiente"

    moderator = citizen_app.server.test_client()
    right = _login(moderator, "moderadora", "una clave larga y rara")
    cookie = right.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Sesión de " in _text(right)
    assert _save(moderator, report["id"]).startswith("Guardado: aprobado, en revisión")
    saved = _stored(national_areas, work_code)[0]
    assert (saved["moderation"], saved["status"], saved["moderated_by"]) == \
        ("aprobado", "en_revision", "moderadora")

    _logout(moderator)
    assert _save(moderator, report["id"], "rechazado") == "Su sesión terminó. Vuelva a ingresar."
    assert _stored(national_areas, work_code)[0]["moderation"] == "aprobado"


def test_repeated_failed_logins_are_stopped(citizen_app, monkeypatch):
    monkeypatch.setenv(reports_auth.USER_ENV, "moderadora")
    monkeypatch.setenv(reports_auth.PASSWORD_ENV, "una clave larga y rara")
    client = citizen_app.server.test_client()
    for _ in range(reports_auth.LOGIN_ATTEMPTS):
        assert "incorrectos" in _text(_login(client, "x", "y", "10.8.8.8"))
    blocked = _login(client, "moderadora", "una clave larga y rara", "10.8.8.8")
    assert "Demasiados intentos fallidos" in _text(blocked)
