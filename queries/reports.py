"""Citizen reports about a work: validation, storage, the public list and moderation.

A report is written in one transaction (all or nothing), only after its text is checked; the
client is a keyed hash (HMAC-SHA256 of the address, never the address); at most RATE_LIMIT
reports per client in RATE_WINDOW, counted in PostgreSQL under a per-client advisory lock, so
every app worker and every server shares the count. Only approved reports are public, and
never with their contact.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import unicodedata
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import INTERVAL

from geodata.messages import N_
from queries import changes, db
from queries.tables import work

CATEGORIES = {
    "obra_paralizada": N_("Obra paralizada"),
    "mala_calidad": N_("Mala calidad"),
    "riesgo": N_("Riesgo para la población"),
    "corrupcion": N_("Cobro indebido o corrupción"),
    "informacion_incorrecta": N_("Información incorrecta"),
    "otro": N_("Otro"),
}
STATUSES = {
    "recibido": N_("Recibido"),
    "en_revision": N_("En revisión"),
    "derivado": N_("Derivado a la autoridad competente"),
    "cerrado": N_("Cerrado"),
}
MODERATION = {"pendiente": "Pendiente", "aprobado": "Aprobado", "rechazado": "Rechazado"}
DESCRIPTION_MIN, DESCRIPTION_MAX = 10, 2000
CONTACT_MIN, CONTACT_MAX = 5, 120
NOTE_MAX = 1000
RATE_LIMIT = 5
RATE_WINDOW = timedelta(minutes=10)
PUBLIC_LIMIT = 50
QUEUE_LIMIT = 100

_meta = sa.MetaData()
citizen_report = sa.Table(
    "citizen_report", _meta,
    sa.Column("id", sa.BigInteger, primary_key=True),
    sa.Column("infobras_code", sa.BigInteger), sa.Column("category", sa.Text),
    sa.Column("description", sa.Text), sa.Column("contact", sa.Text),
    sa.Column("status", sa.Text), sa.Column("moderation", sa.Text),
    sa.Column("public_note", sa.Text), sa.Column("client_hash", sa.Text),
    sa.Column("created_at", sa.DateTime(timezone=True)),
    sa.Column("updated_at", sa.DateTime(timezone=True)),
    sa.Column("moderated_by", sa.Text), sa.Column("moderated_at", sa.DateTime(timezone=True)),
    sa.Column("tracking_code", sa.Text),
)
report_step = sa.Table(
    "citizen_report_step", _meta,
    sa.Column("report_id", sa.BigInteger), sa.Column("status", sa.Text),
    sa.Column("at", sa.DateTime(timezone=True)),
)
TRACKING_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
TRACKING_LENGTH = 10

_EMAIL = re.compile(r"^[^@\s<>\"'`;,()\\]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
                    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$")
_PHONE = re.compile(r"^\+?[0-9][0-9 ()-]{4,22}$")
_PHONE_DIGITS = (6, 15)
# Direction overrides can make shown text read differently from what is stored.
_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


class ReportError(ValueError):
    """The report cannot be accepted as written; the message (Spanish) says why."""


class RateLimited(ReportError):
    """Too many reports from one client in the window."""


class ReportNotSaved(RuntimeError):
    """The database did not take the report (it is not stored); the user may retry."""


@dataclass(frozen=True)
class NewReport:
    infobras_code: int
    category: str
    description: str
    contact: str | None


# -- checking what the citizen wrote --------------------------------------------------------
def clean_text(value: Any) -> str:
    """NFC, no control characters but line breaks and tabs (PostgreSQL text cannot hold NUL),
    Windows line ends as \\n, no blanks at the ends."""
    text = unicodedata.normalize("NFC", str(value or "")).replace("\r\n", "\n").replace("\r", "\n")
    kept = "".join(ch for ch in text if ch in "\n\t" or not (
        unicodedata.category(ch) in ("Cc", "Cs") or ch in _BIDI_CONTROLS))
    return kept.strip()


def check_contact(value: Any) -> str | None:
    """An e-mail address or a phone number, or None when left empty."""
    contact = clean_text(value)
    if not contact:
        return None
    if len(contact) > CONTACT_MAX:
        raise ReportError(f"El contacto es demasiado largo (máximo {CONTACT_MAX} caracteres).")
    if is_email(contact):
        return contact
    digits = sum(ch.isdigit() for ch in contact)
    if _PHONE.match(contact) and _PHONE_DIGITS[0] <= digits <= _PHONE_DIGITS[1]:
        return contact
    raise ReportError("El contacto debe ser un correo electrónico (nombre@dominio.pe) o un "
                      "número de teléfono (solo dígitos, espacios, + o -). También puede "
                      "dejarlo vacío.")


def is_email(text: str) -> bool:
    """An address a mail server can deliver to, written as nombre@dominio.pe."""
    return bool(_EMAIL.match(text))


def _grouped(n: int) -> str:
    return f"{n:,}".replace(",", " ")


def validate(code: Any, category: Any, description: Any, contact: Any = None) -> NewReport:
    """The report as it will be stored; ReportError with a Spanish message otherwise."""
    if category not in CATEGORIES:
        raise ReportError(N_("Elija de la lista qué tipo de problema quiere reportar."))
    raw = str(description or "")
    # A text far over the limit is refused before any work is spent on it.
    text = clean_text(raw) if len(raw) <= 4 * DESCRIPTION_MAX else raw
    if not text:
        raise ReportError(N_("Describa el problema: la descripción está vacía."))
    if len(text) < DESCRIPTION_MIN:
        raise ReportError(f"La descripción es muy corta: escriba al menos {DESCRIPTION_MIN} "
                          "caracteres para que se entienda el problema.")
    if len(text) > DESCRIPTION_MAX:
        raise ReportError(f"La descripción es demasiado larga: tiene {_grouped(len(text))} "
                          f"caracteres y el máximo es {_grouped(DESCRIPTION_MAX)}.")
    try:
        infobras_code = int(code)
    except (TypeError, ValueError):
        raise ReportError("No se sabe a qué obra corresponde el reporte.") from None
    return NewReport(infobras_code, str(category), text, check_contact(contact))


def client_hash(address: str, key: bytes) -> str:
    """HMAC-SHA256 of the client's address with the server's secret: the same client gives
    the same hash (for the rate limit), and the address cannot be read back from it."""
    return hmac.new(key, address.encode(), hashlib.sha256).hexdigest()


# -- storing ---------------------------------------------------------------------------------
def recent_count_stmt(client: str) -> sa.Select:
    r = citizen_report.c
    window = sa.cast(sa.literal(f"{int(RATE_WINDOW.total_seconds())} seconds"), INTERVAL)
    return (sa.select(sa.func.count())
            .where(r.client_hash == client, r.created_at > sa.func.now() - window))


def submit(report: NewReport, client: str) -> dict[str, Any]:
    """Store the report (one transaction); returns its id, status, created_at and tracking
    code (the citizen's key to /reporte/<código>).
    RateLimited / ReportError for the user; ReportNotSaved when the database failed."""
    r = citizen_report.c
    try:
        with db.engine().begin() as conn:
            conn.execute(sa.select(sa.func.pg_advisory_xact_lock(sa.func.hashtext(client))))
            if conn.execute(recent_count_stmt(client)).scalar_one() >= RATE_LIMIT:
                minutes = int(RATE_WINDOW.total_seconds() // 60)
                raise RateLimited(f"Ya envió {RATE_LIMIT} reportes en los últimos {minutes} "
                                  "minutos. Espere un momento y vuelva a intentarlo.")
            exists = conn.execute(sa.select(work.c.infobras_code)
                                  .where(work.c.infobras_code == report.infobras_code)).first()
            if exists is None:
                raise ReportError("La obra de este reporte no existe en la base de datos.")
            row = conn.execute(
                sa.insert(citizen_report)
                .values(infobras_code=report.infobras_code, category=report.category,
                        description=report.description, contact=report.contact,
                        client_hash=client)
                .returning(r.id, r.status, r.created_at, r.tracking_code)).mappings().one()
            # (its «recibido» step: a trigger, queries/sql/reports.sql)
    except (sa.exc.OperationalError, sa.exc.InterfaceError, db.DatabaseUnavailable) as exc:
        raise ReportNotSaved(str(exc)) from exc
    return dict(row)


# -- what the public sees --------------------------------------------------------------------
def public_reports_stmt(code: int, limit: int = PUBLIC_LIMIT) -> sa.Select:
    """Approved reports of a work, newest first; never the contact nor the client."""
    r = citizen_report.c
    return (sa.select(r.id, r.category, r.description, r.status, r.public_note, r.created_at,
                      r.updated_at, r.tracking_code)
            .where(r.infobras_code == code, r.moderation == "aprobado")
            .order_by(r.created_at.desc(), r.id.desc()).limit(limit))


def public_reports(code: int, limit: int = PUBLIC_LIMIT) -> list[dict[str, Any]]:
    with db.read_engine().connect() as conn:
        return [dict(row) for row in conn.execute(public_reports_stmt(code, limit)).mappings()]


# -- moderation ------------------------------------------------------------------------------
def queue_stmt(moderation: str = "pendiente", limit: int = QUEUE_LIMIT) -> sa.Select:
    """Reports in one moderation state, oldest first, with their work's name."""
    if moderation not in MODERATION:
        raise ReportError("Estado de moderación no válido.")
    r = citizen_report.c
    return (sa.select(r.id, r.infobras_code, work.c.name.label("work_name"), r.category,
                      r.description, r.contact, r.status, r.moderation, r.public_note,
                      r.created_at, r.moderated_by, r.moderated_at, r.tracking_code)
            .select_from(citizen_report.join(work, work.c.infobras_code == r.infobras_code))
            .where(r.moderation == moderation)
            .order_by(r.created_at, r.id).limit(limit))


def queue(moderation: str = "pendiente", limit: int = QUEUE_LIMIT) -> list[dict[str, Any]]:
    # The primary: a moderator must see the reports just written, not a replica's lag.
    with db.engine().connect() as conn:
        return [dict(row) for row in conn.execute(queue_stmt(moderation, limit)).mappings()]


def queue_counts() -> dict[str, int]:
    """How many reports are in each moderation state (every state present)."""
    r = citizen_report.c
    stmt = sa.select(r.moderation, sa.func.count()).group_by(r.moderation)
    with db.engine().connect() as conn:
        found = dict(conn.execute(stmt).tuples().all())
    return {state: int(found.get(state, 0)) for state in MODERATION}


def moderate(report_id: int, moderation: str, status: str, note: Any, moderator: str) -> bool:
    """Set a report's moderation, public status and public note; False when it does not
    exist. ReportError for a value outside the lists."""
    if moderation not in MODERATION or status not in STATUSES:
        raise ReportError("Elija la moderación y el estado de las listas.")
    public_note = clean_text(note) or None
    if public_note and len(public_note) > NOTE_MAX:
        raise ReportError(f"La nota pública es demasiado larga (máximo {NOTE_MAX} caracteres).")
    r = citizen_report.c
    stmt = (sa.update(citizen_report).where(r.id == report_id)
            .values(moderation=moderation, status=status, public_note=public_note,
                    moderated_by=moderator, moderated_at=sa.func.now(),
                    updated_at=sa.func.now()))
    with db.engine().begin() as conn:
        before = conn.execute(
            sa.select(r.status, r.public_note, r.moderation, r.infobras_code, r.tracking_code)
            .where(r.id == report_id).with_for_update()).mappings().first()
        if before is None:
            return False
        conn.execute(stmt)     # a change of status logs its step (trigger, reports.sql)
        told = (status, public_note) != (before["status"], before["public_note"]) or \
            before["moderation"] != "aprobado"
        if moderation == "aprobado" and told and (public_note or status != "recibido"):
            changes.log_report_answer(conn, report_id, status, public_note)
    return True


# -- tracking --------------------------------------------------------------------------------
def parse_tracking_code(text: Any) -> str:
    """The code as stored (upper case, without the dash or spaces it is shown with);
    ReportError with a Spanish message otherwise."""
    value = re.sub(r"[\s-]", "", str(text or "")).upper()
    if len(value) != TRACKING_LENGTH or any(ch not in TRACKING_ALPHABET for ch in value):
        raise ReportError(f"«{str(text or '')[:30]}» no es un código de seguimiento: son "
                          f"{TRACKING_LENGTH} letras y números, como ABCDE-23456.")
    return value


def show_code(code: str) -> str:
    """ABCDE23456 -> ABCDE-23456 (easier to read aloud and to copy)."""
    half = len(code) // 2
    return f"{code[:half]}-{code[half:]}"


def tracking(code: str) -> dict[str, Any] | None:
    """A report's public tracking: its work, category, status, the public answer and the
    dates of its steps; never its contact, and its text only once approved."""
    r, s = citizen_report.c, report_step.c
    stmt = (sa.select(r.id, r.infobras_code, work.c.name.label("work_name"), r.category,
                      sa.case((r.moderation == "aprobado", r.description)).label("description"),
                      r.status, r.moderation, r.public_note, r.created_at, r.updated_at,
                      r.tracking_code)
            .select_from(citizen_report.join(work, work.c.infobras_code == r.infobras_code))
            .where(r.tracking_code == code))
    with db.engine().connect() as conn:
        found = conn.execute(stmt).mappings().first()
        if found is None:
            return None
        steps = conn.execute(sa.select(s.status, sa.func.max(s.at).label("at"))
                             .where(s.report_id == found["id"]).group_by(s.status)).all()
    return {**found, "steps": {status: at for status, at in steps}}
