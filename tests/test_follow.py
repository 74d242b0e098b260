"""Following a work by e-mail and by Atom feed, against a real SMTP server (aiosmtpd on a free
local port) whose received messages the tests read: subscribe through the real Dash endpoint,
confirm by the mailed link, a load that changes the work gives exactly one digest with a
working unsubscribe link, unsubscribing deletes the address, and the next load sends nothing.
Also: the feeds are valid Atom and escape hostile text, bad addresses get a Spanish error,
no SMTP setting sends nothing and crashes nothing, and no public table holds an address."""

from __future__ import annotations

import email
import email.policy
import json
import re
import socket
import time
import xml.etree.ElementTree as ET
from datetime import date
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller

from geodata import alerts as engine_alerts
from geodata import digest, mail
from queries import changes
from queries import reports as reports_query
from tests.citizen_data import AS_OF

pytest_plugins = ["tests.citizen_support"]
pytestmark = pytest.mark.db
ATOM = "{http://www.w3.org/2005/Atom}"
PUBLIC = "http://mirador.prueba"
_addresses = iter(f"10.9.{i // 250}.{i % 250 + 1}" for i in range(10_000))


class _Inbox:
    """aiosmtpd handler: keeps every message received, parsed."""

    def __init__(self) -> None:
        self.messages: list[email.message.EmailMessage] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        self.messages.append(email.message_from_bytes(envelope.content,
                                                      policy=email.policy.default))
        return "250 OK"

    def to(self, address: str) -> list[email.message.EmailMessage]:
        return [m for m in self.messages if m["To"] == address]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def smtp():
    inbox = _Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=_free_port())
    controller.start()
    yield inbox, controller.port
    controller.stop()


@pytest.fixture()
def mailer(smtp, monkeypatch):
    inbox, port = smtp
    monkeypatch.setenv("MIRADOR_SMTP_URL", f"smtp://127.0.0.1:{port}")
    monkeypatch.setenv("MIRADOR_PUBLIC_URL", PUBLIC)
    return inbox


@pytest.fixture(scope="module")
def client(citizen_app, citizen_works):
    return citizen_app.server.test_client()


def _id(kind: str, thing) -> dict:
    return {"thing": thing, "type": kind}


def _key(component_id: dict) -> str:
    return json.dumps(component_id, sort_keys=True, separators=(",", ":"))


def _follow(client, thing: str, address: str | None, remote: str | None = None) -> str:
    """The «Seguir» form sent through Dash's endpoint; the message shown."""
    message, field = _id("follow-message", thing), _id("follow-email", thing)
    send = _id("follow-send", thing)
    payload = {
        "output": (f"..{_key(_id('follow-message', ['MATCH']))}.children..."
                   f"{_key(_id('follow-email', ['MATCH']))}.value.."),
        "outputs": [{"id": message, "property": "children"}, {"id": field, "property": "value"}],
        "inputs": [{"id": send, "property": "n_clicks", "value": 1},
                   {"id": field, "property": "n_submit", "value": 0}],
        "changedPropIds": [f"{_key(send)}.n_clicks"],
        "state": [{"id": field, "property": "value", "value": address}],
    }
    response = client.post("/_dash-update-component", data=json.dumps(payload),
                           content_type="application/json",
                           environ_base={"REMOTE_ADDR": remote or next(_addresses)})
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    shown = response.get_json()["response"][_key(message)]["children"]
    return shown["props"]["children"]


def _link(message, path: str) -> str:
    found = re.findall(rf"{re.escape(PUBLIC)}({re.escape(path)}\S+)", message.get_content())
    assert found, message.get_content()
    return found[0]


def _subscribers(engine, address: str) -> int:
    with engine.connect() as conn:
        return conn.execute(sa.text("SELECT count(*) FROM privado.subscriber WHERE email = :e"),
                            {"e": address}).scalar_one()


def _load_changing(engine, code: int, status: str, progress: float, end: date | None = None
                   ) -> None:
    """What a works load does to one work, then the alerts recompute."""
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE work SET status = :s, physical_progress = :p,"
                             " programmed_end = :e, reprogrammed_end = NULL"
                             " WHERE infobras_code = :c"),
                     {"s": status, "p": progress, "c": code, "e": end})
    engine_alerts.recompute(engine, as_of=AS_OF)


# -- the whole journey ----------------------------------------------------------------------------
def test_subscribe_confirm_digest_unsubscribe(client, mailer, citizen_works, national_areas):
    engine = national_areas
    code = citizen_works["around_0"]
    address = "vecina.digest@example.pe"
    changes.compute(engine)              # the snapshot the next load is compared with

    shown = _follow(client, f"obra:{code}", address)
    assert "Revise su correo" in shown
    [confirmation] = mailer.to(address)
    assert "Confirme" in confirmation["Subject"]
    assert confirmation["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    # Asking again within minutes sends no second mail (and answers the same).
    assert "Revise su correo" in _follow(client, f"obra:{code}", address)
    assert len(mailer.to(address)) == 1

    # Not confirmed yet: a change sends nothing.
    _load_changing(engine, code, "paralizada", 31)
    digest.run()
    assert len(mailer.to(address)) == 1

    page = client.get(_link(confirmation, "/seguir/confirmar/"))
    assert page.status_code == 200 and "Listo" in page.get_data(as_text=True)

    # A moderator answers a citizen report on the work, then a load changes the work's
    # status, progress and alerts: exactly one digest, with all of it.
    report = reports_query.submit(reports_query.validate(
        code, "riesgo", "Hay una zanja abierta sin señalizar frente al colegio.", None), "c" * 64)
    reports_query.moderate(report["id"], "aprobado", "derivado", "Se derivó a la municipalidad.",
                           "moderadora")
    _load_changing(engine, code, "en_ejecucion", 47.5, date(2025, 1, 31))
    result = digest.run()
    assert result.comparison.by_kind["estado"] >= 1 and result.sent >= 1
    mails = mailer.to(address)
    assert len(mails) == 2
    body = mails[-1].get_content()
    assert "cambió de estado" in body and "«Paralizada», ahora «En ejecución»" in body
    assert "antes 31,0 %, ahora 47,5 %" in body
    assert "nueva alerta «Obra retrasada»" in body and "Debía terminar el" in body
    assert "respuesta a un reporte ciudadano" in body and "Se derivó a la municipalidad." in body
    assert f"{PUBLIC}/reporte/{report['tracking_code']}" in body
    unsubscribe = _link(mails[-1], "/seguir/baja/")
    assert mails[-1]["List-Unsubscribe"].strip() == f"<{PUBLIC}{unsubscribe}>"
    assert mails[-1]["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"

    # Nothing new: no mail.
    digest.run()
    assert len(mailer.to(address)) == 2

    # The link shows one button; a GET deletes nothing (mail scanners open links).
    form = client.get(unsubscribe)
    assert form.status_code == 200 and "<form method=\"post\">" in form.get_data(as_text=True)
    assert _subscribers(engine, address) == 1
    gone = client.post(unsubscribe, data={"List-Unsubscribe": "One-Click"})
    assert gone.status_code == 200 and "borrado" in gone.get_data(as_text=True)
    assert _subscribers(engine, address) == 0
    with engine.connect() as conn:   # its follows went with it
        assert conn.execute(sa.text(
            "SELECT count(*) FROM privado.subscription s WHERE NOT EXISTS"
            " (SELECT 1 FROM privado.subscriber p WHERE p.id = s.subscriber_id)")).scalar() == 0

    _load_changing(engine, code, "paralizada", 48)
    assert digest.run().comparison.events >= 1
    assert len(mailer.to(address)) == 2


def test_mails_keep_the_language_of_the_form(citizen_app, mailer, citizen_works,
                                             national_areas):
    """Subscribed in Runasimi: the confirmation and the digests are written in it, and
    their links open the pages in it."""
    from dashboard.i18n import translations, using

    engine = national_areas
    code = citizen_works["sources"]
    address = "runasimi@example.pe"
    quechua = citizen_app.server.test_client()
    quechua.set_cookie("lang", "qu")
    changes.compute(engine)
    _follow(quechua, f"obra:{code}", address)
    [confirmation] = mailer.to(address)
    with using("qu"):
        hello = translations("qu").gettext("Hola:")
    assert confirmation.get_content().startswith(hello)
    confirm = _link(confirmation, "/seguir/confirmar/")
    assert confirm.endswith("?lang=qu")
    assert quechua.get(confirm).status_code == 200
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT lang FROM privado.subscriber WHERE email = :e"),
                            {"e": address}).scalar() == "qu"
    _load_changing(engine, code, "paralizada", 12)
    digest.run()
    [_, news] = mailer.to(address)
    assert news.get_content().startswith(hello)
    assert f"/obra/{code}?lang=qu" in news.get_content()
    assert news["List-Unsubscribe"].strip().endswith("?lang=qu>")
    assert quechua.post(_link(news, "/seguir/baja/")).status_code == 200
    assert _subscribers(engine, address) == 0


def test_an_entity_follower_is_told_of_a_new_control_report(client, mailer, citizen_works,
                                                            national_areas):
    engine = national_areas
    with engine.connect() as conn:
        work = conn.execute(sa.text("SELECT entity, ubigeo, entity_id FROM work"
                                    " WHERE infobras_code = :c"),
                            {"c": citizen_works["capital"]}).one()
    address = "contraloria.atenta@example.pe"
    changes.compute(engine)
    _follow(client, f"entidad:{work.entity_id}", address)
    assert client.get(_link(mailer.to(address)[0], "/seguir/confirmar/")).status_code == 200
    with engine.begin() as conn:   # what the CGR loader writes
        conn.execute(sa.text(
            "INSERT INTO control_report (id, number, region_ubigeo, entity_name, title, source)"
            " VALUES ('2026TSTFOLLOW1', '099-2026-2-0001', :r, :e,"
            " 'Servicio de control <específico> a la obra', 'prueba')"),
            {"r": work.ubigeo[:2], "e": work.entity})
    try:
        run = digest.run()
        assert run.comparison.by_kind["informe_control"] >= 1
        [_, news] = mailer.to(address)
        body = news.get_content()
        assert "Nuevo informe de control de la Contraloría: 099-2026-2-0001" in body
        assert "Servicio de control <específico> a la obra" in body   # plain text, as written
        assert f"/entidad/{work.entity_id}#entidad-reports" in body
    finally:
        with engine.begin() as conn:
            conn.execute(sa.text("DELETE FROM control_report WHERE id = '2026TSTFOLLOW1'"))
            conn.execute(sa.text("DELETE FROM privado.subscriber WHERE email = :e"),
                         {"e": address})


@pytest.mark.parametrize(("address", "expected"), [
    ("", "Escriba su correo"),
    ("no-es-un-correo", "no parece válido"),
    ("<script>@x.pe", "no parece válido"),
    ("a b@example.pe", "no parece válido"),
    ("x" * 130 + "@example.pe", "demasiado largo"),
])
def test_a_bad_address_gets_a_spanish_error_and_nothing_is_stored(
        client, mailer, citizen_works, national_areas, address, expected):
    before = len(mailer.messages)
    shown = _follow(client, f"obra:{citizen_works['around_1']}", address)
    assert expected in shown
    assert len(mailer.messages) == before
    with national_areas.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM privado.subscriber WHERE email = :e"),
                            {"e": address.lower()}).scalar() == 0


def test_the_form_is_rate_limited(citizen_app, mailer, citizen_works):
    tester = citizen_app.server.test_client()
    thing = f"obra:{citizen_works['around_2']}"
    answers = [_follow(tester, thing, f"limite{i}@example.pe", "10.8.0.1") for i in range(7)]
    assert all("Revise su correo" in a for a in answers[:5])
    assert all("Demasiadas solicitudes" in a for a in answers[5:])


def test_without_smtp_nothing_is_sent_and_nothing_crashes(client, monkeypatch, citizen_works,
                                                          national_areas):
    monkeypatch.delenv("MIRADOR_SMTP_URL", raising=False)
    shown = _follow(client, f"obra:{citizen_works['around_3']}", "sin.smtp@example.pe")
    assert "no están activados" in shown
    assert _subscribers(national_areas, "sin.smtp@example.pe") == 0
    run = digest.run()
    assert run.sent == 0 and "no enviados" in str(run)


def test_forged_and_unknown_tokens(client, mailer):
    assert client.get("/seguir/confirmar/no-es-un-token").status_code == 404
    assert client.get("/seguir/baja/nadie").status_code == 200
    assert client.post("/seguir/baja/nadie").status_code == 200   # the same answer


# -- feeds ----------------------------------------------------------------------------------------
def _feed(client, path: str) -> ET.Element:
    response = client.get(path)
    assert response.status_code == 200, response.get_data(as_text=True)[:200]
    assert response.headers["Content-Type"] == "application/atom+xml; charset=utf-8"
    root = ET.fromstring(response.data)
    assert root.tag == f"{ATOM}feed"
    for required in ("id", "title", "updated", "author"):
        assert root.find(f"{ATOM}{required}") is not None, required
    [self_link] = [e for e in root.findall(f"{ATOM}link") if e.get("rel") == "self"]
    parts = urlsplit(self_link.get("href"))
    assert parts.path + (f"?{parts.query}" if parts.query else "") == path
    return root


def test_feeds_are_atom_and_escape_hostile_text(client, citizen_works, national_areas):
    code = citizen_works["story"]
    hostile = "<script>alert('x')</script> & \"obra\" \x01]]>"
    with national_areas.begin() as conn:
        work = conn.execute(sa.text("SELECT ubigeo, entity_id FROM work WHERE infobras_code = :c"),
                            {"c": code}).one()
        conn.execute(sa.text(
            "INSERT INTO change_event (kind, infobras_code, ubigeo, entity_id, data) VALUES"
            " ('estado', :c, :u, :e, jsonb_build_object('obra', CAST(:n AS text),"
            " 'antes', 'en_ejecucion', 'despues', 'paralizada'))"),
            {"c": code, "u": work.ubigeo, "e": work.entity_id, "n": hostile.replace("\x01", "")})
    for path in (f"/feeds/obra/{code}.atom", f"/feeds/area/{work.ubigeo[:4]}.atom",
                 f"/feeds/area/{work.ubigeo[:2]}.atom"):
        root = _feed(client, path)
        entries = root.findall(f"{ATOM}entry")
        assert entries, path
        newest = entries[0]
        for required in ("id", "title", "updated", "content"):
            assert newest.find(f"{ATOM}{required}") is not None
        title = newest.find(f"{ATOM}title").text
        assert title.startswith(hostile.replace("\x01", ""))   # text, not markup
        assert "<script>" not in client.get(path).get_data(as_text=True)
        assert len({e.find(f"{ATOM}id").text for e in entries}) == len(entries)
    if work.entity_id:
        _feed(client, f"/feeds/entidad/{work.entity_id}.atom")


def test_a_quechua_page_links_a_quechua_feed(client, citizen_works, national_areas):
    """A feed reader sends no cookie: the feed's link on a page in Runasimi carries
    ?lang=qu, and that feed, fetched without a cookie, is in Runasimi, links included."""
    from dashboard.follow_ui import feed_path
    from dashboard.i18n import using

    code = citizen_works["story"]
    with using("qu"):
        path = feed_path("obra", code)
    assert path == f"/feeds/obra/{code}.atom?lang=qu"
    with using("es"):
        assert feed_path("obra", code) == f"/feeds/obra/{code}.atom"
    client.delete_cookie("lang")
    root = _feed(client, path)
    assert root.get("{http://www.w3.org/XML/1998/namespace}lang") == "qu"
    links = [e.get("href") for e in root.iter(f"{ATOM}link")]
    assert links and all(href.endswith("lang=qu") for href in links), links
    assert "Cookie" in client.get(path).headers["Vary"]
    spanish = _feed(client, f"/feeds/obra/{code}.atom")
    assert spanish.get("{http://www.w3.org/XML/1998/namespace}lang") == "es"
    assert spanish.find(f"{ATOM}title").text != root.find(f"{ATOM}title").text


def test_feeds_of_unknown_things(client, citizen_works):
    assert client.get("/feeds/obra/999999999.atom").status_code == 404
    assert client.get("/feeds/obra/abc.atom").status_code == 400
    assert client.get("/feeds/area/99.atom").status_code == 404
    assert client.get("/feeds/area/1<2.atom").status_code == 400
    assert client.get("/feeds/entidad/nadie-en-ninguna-parte.atom").status_code == 404


# -- privacy --------------------------------------------------------------------------------------
def test_no_public_table_holds_an_address(national_areas):
    with national_areas.connect() as conn:
        columns = conn.execute(sa.text(
            "SELECT table_schema, table_name, column_name FROM information_schema.columns"
            " WHERE column_name ILIKE '%email%' OR column_name ILIKE '%correo%'")).all()
    assert columns and {c.table_schema for c in columns} == {"privado"}


# -- settings and tokens ------------------------------------------------------------------------
@pytest.mark.parametrize(("url", "expected"), [
    ("smtp://127.0.0.1:2525", mail.SmtpSettings("127.0.0.1", 2525)),
    ("smtp://correo.example.pe", mail.SmtpSettings("correo.example.pe", 25)),
    ("smtp://avisos%40example.pe:cl%C3%A1ve@smtp.example.pe:587?starttls=1",
     mail.SmtpSettings("smtp.example.pe", 587, "avisos@example.pe", "cláve", starttls=True)),
    ("smtps://u:p@smtp.example.pe", mail.SmtpSettings("smtp.example.pe", 465, "u", "p",
                                                      tls=True)),
])
def test_smtp_settings(url, expected):
    assert mail.settings(url) == expected


@pytest.mark.parametrize("url", ["http://example.pe", "smtp://", "smtp://host:puerto"])
def test_a_malformed_smtp_url_is_said_not_a_crash(url, monkeypatch, national_areas):
    with pytest.raises(mail.MailError, match="MIRADOR_SMTP_URL"):
        mail.settings(url)
    monkeypatch.setenv("MIRADOR_SMTP_URL", url)
    run = digest.send_digests()
    assert run.sent == 0 and "MIRADOR_SMTP_URL" in str(run)


def test_an_expired_confirmation_link_says_so(citizen_app, client, monkeypatch):
    from dashboard.routes import follow

    with citizen_app.server.test_request_context("/"):
        token = follow.confirm_token(1, "x")
    monkeypatch.setattr(follow, "CONFIRM_HOURS", 0)
    time.sleep(1.1)
    answer = client.get(f"/seguir/confirmar/{token}")
    assert answer.status_code == 410 and "venció" in answer.get_data(as_text=True)


def test_a_new_rule_is_a_baseline_not_news(citizen_works, national_areas):
    """A recompute with a rule the previous comparison did not know logs none of its alerts
    as new; a rule that is gone resolves none."""
    engine = national_areas
    code = citizen_works["around_2"]
    changes.compute(engine)
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE change_batch SET rules = array_remove(rules, 'retrasada')"
                             " WHERE id = (SELECT max(id) FROM change_batch)"))
        # As if the work had had no alert of the other rules either: those are new.
        conn.execute(sa.text("UPDATE change_work_state SET alerts = '{}'"
                             " WHERE infobras_code = :c"), {"c": code})
    _load_changing(engine, code, "en_ejecucion", 50, date(2025, 1, 31))
    found = changes.compute(engine)
    with engine.connect() as conn:
        rules = set(conn.execute(sa.text(
            "SELECT data->>'regla' FROM change_event WHERE batch_id = :b AND infobras_code = :c"
            " AND kind = 'alerta_nueva'"), {"b": found.batch_id, "c": code}).scalars())
        active = set(conn.execute(sa.text(
            "SELECT rule_code FROM alert WHERE infobras_code = :c AND state = 'alerta'"),
            {"c": code}).scalars())
    assert "retrasada" in active and "retrasada" not in rules
    assert rules == active - {"retrasada"}
