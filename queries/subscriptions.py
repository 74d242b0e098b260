"""E-mail subscriptions to a work, an area or an entity (double opt-in), in the private schema.

The addresses are in `privado.subscriber`, apart from everything public (see
queries/sql/follow.sql): this module is the only one that reads them, and only to send a
message. A follow is sent nothing until the link mailed to the address confirms it; the
unsubscribe link of every message deletes the address and all its follows.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from geodata.messages import N_
from queries import db
from queries.filters import FilterError
from queries.parties import parse_entity_id
from queries.reports import CONTACT_MAX, clean_text, is_email
from queries.work_detail import parse_code

KINDS = ("obra", "area", "entidad")
MAX_FOLLOWS = 100                 # per address
RESEND_MINUTES = 10               # a second request within this sends no second mail
UBIGEO_LENGTHS = (2, 4, 6)


class SubscriptionError(ValueError):
    """The request cannot be taken as written; the message (Spanish) says why."""


@dataclass(frozen=True)
class Pending:
    """A follow awaiting its confirmation: what the confirmation mail needs."""

    subscription_id: int
    nonce: str
    email: str
    unsubscribe: str


def check_email(value: Any) -> str:
    """The address as stored (lower case); SubscriptionError with a Spanish message."""
    email = clean_text(value).lower()
    if not email:
        raise SubscriptionError(N_("Escriba su correo electrónico."))
    if len(email) > CONTACT_MAX:
        raise SubscriptionError(f"El correo es demasiado largo (máximo {CONTACT_MAX} "
                                "caracteres).")
    if not is_email(email):
        raise SubscriptionError(N_("Ese correo no parece válido: escríbalo como "
                                   "nombre@dominio.pe, sin espacios."))
    return email


def parse_thing(kind: str, key: Any) -> str:
    """The key of a followed thing as stored; FilterError (Spanish) otherwise."""
    if kind == "obra":
        return str(parse_code(key))
    if kind == "entidad":
        return parse_entity_id(key)
    if kind == "area":
        value = str(key or "").strip()
        if not (value.isascii() and value.isdigit() and len(value) in UBIGEO_LENGTHS):
            raise FilterError(N_("Ese no es un ubigeo: son 2, 4 o 6 dígitos, como 1501."))
        return value
    raise FilterError(N_("Solo se puede seguir una obra, un área o una entidad."))


_NAMES = {
    "obra": "SELECT name FROM work WHERE infobras_code = CAST(:key AS bigint)",
    "area": "SELECT name FROM area WHERE ubigeo = :key",
    # The entity table is rebuilt by geodata.links; before it, a work or a report names it.
    "entidad": "SELECT COALESCE((SELECT name FROM entity WHERE id = :key),"
               " (SELECT entity FROM work WHERE entity_id = :key LIMIT 1),"
               " (SELECT entity_name FROM control_report WHERE entity_id = :key LIMIT 1))",
}


def thing_name(kind: str, key: str) -> str | None:
    """The name of the work, area or entity; None when it does not exist."""
    with db.read_engine().connect() as conn:
        return conn.execute(sa.text(_NAMES[kind]), {"key": key}).scalar()


def request(email: str, kind: str, key: str, lang: str = "es") -> Pending | None:
    """Record a follow awaiting confirmation. None when no mail should go: already
    confirmed, or asked for less than RESEND_MINUTES ago (the form answers the same either
    way: it never tells whether an address follows something)."""
    with db.engine().begin() as conn:
        conn.execute(sa.select(sa.func.pg_advisory_xact_lock(sa.func.hashtext(email))))
        subscriber = conn.execute(sa.text(
            "INSERT INTO privado.subscriber (email, lang, last_event_id)"
            " VALUES (:e, :lang, (SELECT COALESCE(max(id), 0) FROM change_event))"
            " ON CONFLICT (email) DO UPDATE SET lang = EXCLUDED.lang"
            " RETURNING id, unsubscribe"), {"e": email, "lang": lang}).one()
        follows = conn.execute(sa.text(
            "SELECT count(*) FROM privado.subscription WHERE subscriber_id = :s"),
            {"s": subscriber.id}).scalar_one()
        existing = conn.execute(sa.text(
            "SELECT id, nonce, confirmed_at,"
            " requested_at > now() - make_interval(mins => :m) AS recent"
            " FROM privado.subscription WHERE subscriber_id = :s AND kind = :k AND key = :key"),
            {"s": subscriber.id, "k": kind, "key": key, "m": RESEND_MINUTES}).first()
        if existing is not None:
            if existing.confirmed_at is not None or existing.recent:
                return None
            conn.execute(sa.text("UPDATE privado.subscription SET requested_at = now()"
                                 " WHERE id = :id"), {"id": existing.id})
            return Pending(existing.id, existing.nonce, email, subscriber.unsubscribe)
        if follows >= MAX_FOLLOWS:
            raise SubscriptionError(f"Ese correo ya sigue {MAX_FOLLOWS} cosas, el máximo.")
        nonce = secrets.token_urlsafe(12)
        sub_id = conn.execute(sa.text(
            "INSERT INTO privado.subscription (subscriber_id, kind, key, nonce)"
            " VALUES (:s, :k, :key, :n) RETURNING id"),
            {"s": subscriber.id, "k": kind, "key": key, "n": nonce}).scalar_one()
    return Pending(sub_id, nonce, email, subscriber.unsubscribe)


def confirm(subscription_id: int, nonce: str) -> tuple[str, str] | None:
    """Confirm a follow (again is harmless); its (kind, key), or None when it is gone. It
    is told only of the changes after this moment."""
    with db.engine().begin() as conn:
        row = conn.execute(sa.text(
            "UPDATE privado.subscription SET"
            " since_event_id = CASE WHEN confirmed_at IS NULL THEN"
            "   (SELECT COALESCE(max(id), 0) FROM change_event) ELSE since_event_id END,"
            " confirmed_at = COALESCE(confirmed_at, now())"
            " WHERE id = :id AND nonce = :n RETURNING kind, key"),
            {"id": subscription_id, "n": nonce}).first()
    return (row.kind, row.key) if row else None


def has_token(token: str) -> bool:
    with db.engine().connect() as conn:
        return conn.execute(sa.text("SELECT EXISTS (SELECT 1 FROM privado.subscriber"
                                    " WHERE unsubscribe = :t)"), {"t": token}).scalar()


def unsubscribe(token: str) -> bool:
    """Delete the address and all its follows; False when the link's address is gone."""
    with db.engine().begin() as conn:
        return conn.execute(sa.text("DELETE FROM privado.subscriber WHERE unsubscribe = :t"),
                            {"t": token}).rowcount == 1


# -- digests -----------------------------------------------------------------------------------
@dataclass
class Digest:
    """One address's changes since it was last told, by followed thing."""

    subscriber_id: int
    email: str
    unsubscribe: str
    lang: str
    upto: int                                   # the newest event considered
    by_thing: dict[tuple[str, str], list[dict[str, Any]]]

    @property
    def events(self) -> int:
        return len({e["id"] for rows in self.by_thing.values() for e in rows})


_DUE = """
SELECT s.id AS subscriber_id, f.kind, f.key, e.id, e.detected_at, e.kind AS event_kind,
       e.infobras_code, e.ubigeo, e.entity_id, e.data
FROM privado.subscriber s
JOIN privado.subscription f ON f.subscriber_id = s.id AND f.confirmed_at IS NOT NULL
JOIN change_event e ON e.id > GREATEST(s.last_event_id, f.since_event_id) AND e.id <= :upto
 AND CASE f.kind WHEN 'obra' THEN e.infobras_code = CAST(f.key AS bigint)
                 WHEN 'area' THEN e.ubigeo LIKE f.key || '%'
                 ELSE e.entity_id = f.key END
ORDER BY s.id, f.kind, f.key, e.id
"""


def due_digests() -> tuple[int, list[Digest]]:
    """The newest event, and each confirmed address with changes it was not told yet."""
    with db.engine().connect() as conn:
        upto = conn.execute(sa.text("SELECT COALESCE(max(id), 0) FROM change_event")).scalar()
        found: dict[int, dict[tuple[str, str], list[dict[str, Any]]]] = {}
        for row in conn.execute(sa.text(_DUE), {"upto": upto}).mappings():
            event = {"id": row["id"], "detected_at": row["detected_at"],
                     "kind": row["event_kind"], "infobras_code": row["infobras_code"],
                     "ubigeo": row["ubigeo"], "entity_id": row["entity_id"],
                     "data": row["data"]}
            found.setdefault(row["subscriber_id"], {}).setdefault(
                (row["kind"], row["key"]), []).append(event)
        if not found:
            return upto, []
        who = conn.execute(sa.text(
            "SELECT id, email, unsubscribe, lang FROM privado.subscriber WHERE id = ANY(:ids)"),
            {"ids": list(found)}).all()
    return upto, [Digest(r.id, r.email, r.unsubscribe, r.lang, upto, found[r.id])
                  for r in who]


def told_all(upto: int, except_ids: list[int]) -> None:
    """Every address is up to date (those with nothing new included), but the failed."""
    with db.engine().begin() as conn:
        conn.execute(sa.text("UPDATE privado.subscriber SET last_event_id = :u"
                             " WHERE last_event_id < :u AND NOT id = ANY(:skip)"),
                     {"u": upto, "skip": except_ids})

