"""The change log that followers are told about (Atom feeds, e-mail digests).

`compute` compares the state after a load (each work's status, physical progress and active
alerts; the control reports published) with the snapshot the previous comparison left, logs
one event per difference and takes the new snapshot, in one transaction under a lock. The
first comparison only takes the snapshot (no change is claimed against nothing), and so does
the first one that sees alerts computed, and a rule added since the previous comparison (its
first alerts are not news: a new rule set would otherwise mail thousands of "new alerts");
a rule removed does not "resolve" its alerts. A moderator's public answer to an approved citizen
report is logged as it is saved (`log_report_answer`). Events carry their figures before and
after; their sentences are written when read (layers/changes.py), in the reader's language.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from queries import db

_LOCK_KEY = 7_424_244   # one comparison at a time
FEED_LIMIT = 50
KINDS = ("alerta_nueva", "alerta_resuelta", "estado", "avance", "informe_control",
         "respuesta_reporte")

_meta = sa.MetaData()
change_event = sa.Table(
    "change_event", _meta,
    sa.Column("id", sa.BigInteger, primary_key=True), sa.Column("batch_id", sa.BigInteger),
    sa.Column("detected_at", sa.DateTime(timezone=True)), sa.Column("kind", sa.Text),
    sa.Column("infobras_code", sa.BigInteger), sa.Column("ubigeo", sa.Text),
    sa.Column("entity_id", sa.Text), sa.Column("data", sa.JSON),
)

# The state now: each work's status, progress and active alerts (alert_work holds the rule
# codes of the works with alerts, sorted, rebuilt by every recompute: equal arrays are equal
# sets, and only the works whose arrays differ are unnested).
_CURRENT = """
CREATE TEMPORARY TABLE change_now ON COMMIT DROP AS
SELECT w.infobras_code, w.status, w.physical_progress, w.name, w.ubigeo, w.entity_id,
       COALESCE(aw.rules, '{}') AS alerts
FROM work w LEFT JOIN alert_work aw USING (infobras_code);
ANALYZE change_now;
"""
_WORK_EVENT = """
INSERT INTO change_event (batch_id, kind, infobras_code, ubigeo, entity_id, data)
SELECT :batch, {kind}, n.infobras_code, n.ubigeo, n.entity_id,
       jsonb_build_object('obra', n.name) || {data}
FROM change_now n JOIN change_work_state s USING (infobras_code)
{join}
WHERE {where}
"""
_EVENTS = {
    "estado": dict(kind="'estado'", join="", where="n.status IS DISTINCT FROM s.status",
                   data="jsonb_build_object('antes', s.status, 'despues', n.status)"),
    "avance": dict(kind="'avance'", join="",
                   where="n.physical_progress IS NOT NULL"
                         " AND n.physical_progress IS DISTINCT FROM s.physical_progress",
                   data="jsonb_build_object('antes', s.physical_progress,"
                        " 'despues', n.physical_progress)"),
    "alerta_nueva": dict(
        kind="'alerta_nueva'",
        join="CROSS JOIN LATERAL unnest(n.alerts) AS r(rule_code)"
             " JOIN alert a ON a.infobras_code = n.infobras_code AND a.rule_code = r.rule_code",
        where="n.alerts <> s.alerts AND NOT r.rule_code = ANY(s.alerts) AND :alerts_compared"
              " AND r.rule_code = ANY(:rules_before)",
        data="jsonb_build_object('regla', r.rule_code, 'nombre', a.rule_name,"
             " 'severidad', a.severity, 'mensaje', a.message)"),
    "alerta_resuelta": dict(
        kind="'alerta_resuelta'",
        join="CROSS JOIN LATERAL unnest(s.alerts) AS r(rule_code)"
             " LEFT JOIN alert_rule ar ON ar.code = r.rule_code",
        where="n.alerts <> s.alerts AND NOT r.rule_code = ANY(n.alerts) AND :alerts_compared"
              " AND r.rule_code = ANY(:rules_now)",
        data="jsonb_build_object('regla', r.rule_code,"
             " 'nombre', COALESCE(ar.name, r.rule_code))"),
}
_CONTROL_EVENTS = """
INSERT INTO change_event (batch_id, kind, entity_id, data)
SELECT :batch, 'informe_control', c.entity_id,
       jsonb_build_object('informe', c.id, 'numero', c.number, 'titulo', c.title,
                          'entidad', c.entity_name, 'emitido', c.issued_date,
                          'pdf', c.pdf_url)
FROM control_report c
WHERE c.entity_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM change_control_seen s
                                              WHERE s.id = c.id)
"""
_SNAPSHOT = """
TRUNCATE change_work_state;
INSERT INTO change_work_state (infobras_code, status, physical_progress, alerts)
SELECT infobras_code, status, physical_progress, alerts FROM change_now;
INSERT INTO change_control_seen (id) SELECT id FROM control_report ON CONFLICT DO NOTHING;
"""


@dataclass
class Comparison:
    """What one comparison found."""

    batch_id: int
    baseline: bool
    by_kind: dict[str, int] = field(default_factory=dict)

    @property
    def events(self) -> int:
        return sum(self.by_kind.values())

    def __str__(self) -> str:
        if self.baseline:
            return "Cambios: primera comparación, se tomó el estado actual como punto de partida."
        if not self.events:
            return "Cambios: ninguno desde la carga anterior."
        parts = ", ".join(f"{kind} {n:,}" for kind, n in self.by_kind.items() if n)
        return f"Cambios: {self.events:,} ({parts})."


def compute(engine: sa.Engine | None = None) -> Comparison:
    """Compare the state now with the last snapshot, log the differences, take a new
    snapshot; one transaction (a failure logs nothing and keeps the old snapshot)."""
    with (engine or db.engine()).begin() as conn:
        conn.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": _LOCK_KEY})
        previous = conn.execute(sa.text(
            "SELECT alerts_run_id, rules FROM change_batch ORDER BY id DESC LIMIT 1")).first()
        alerts_run = conn.execute(sa.text(
            "SELECT max(id) FROM load_run WHERE loader = 'alertas' AND status = 'ok'")).scalar()
        rules = list(conn.execute(sa.text("SELECT code FROM alert_rule")).scalars())
        baseline = previous is None
        batch = conn.execute(sa.text(
            "INSERT INTO change_batch (baseline, alerts_run_id, rules) VALUES (:b, :a, :r)"
            " RETURNING id"), {"b": baseline, "a": alerts_run, "r": rules}).scalar_one()
        found = Comparison(batch, baseline)
        conn.connection.driver_connection.execute(_CURRENT)
        if not baseline:
            params = {"batch": batch, "alerts_compared": previous.alerts_run_id is not None,
                      "rules_now": rules,
                      "rules_before": rules if previous.rules is None else previous.rules}
            for kind, parts in _EVENTS.items():
                found.by_kind[kind] = conn.execute(
                    sa.text(_WORK_EVENT.format(**parts)), params).rowcount
            found.by_kind["informe_control"] = conn.execute(
                sa.text(_CONTROL_EVENTS), {"batch": batch}).rowcount
        conn.connection.driver_connection.execute(_SNAPSHOT)
        conn.execute(sa.text("UPDATE change_batch SET events = :n WHERE id = :id"),
                     {"n": found.events, "id": batch})
    return found


def log_report_answer(conn: sa.Connection, report_id: int, status: str,
                      note: str | None) -> None:
    """A moderator's public answer (or a new status) of an approved report, for the
    followers of its work; in the moderation's transaction."""
    conn.execute(sa.text("""
INSERT INTO change_event (kind, infobras_code, ubigeo, entity_id, data)
SELECT 'respuesta_reporte', w.infobras_code, w.ubigeo, w.entity_id,
       jsonb_build_object('obra', w.name, 'reporte', r.id, 'codigo', r.tracking_code,
                          'estado', CAST(:status AS text), 'respuesta', CAST(:note AS text))
FROM citizen_report r JOIN work w USING (infobras_code) WHERE r.id = :id"""),
                 {"id": report_id, "status": status, "note": note})


# -- reading -----------------------------------------------------------------------------------
def matching(kind: str, key: str) -> sa.ColumnElement[bool]:
    """The events a follower of a work, an area (ubigeo prefix) or an entity is told."""
    e = change_event.c
    if kind == "obra":
        return e.infobras_code == int(key)
    if kind == "area":
        return e.ubigeo.startswith(key, autoescape=True)
    if kind == "entidad":
        return e.entity_id == key
    raise ValueError(kind)


def events_stmt(kind: str, key: str, limit: int = FEED_LIMIT) -> sa.Select:
    e = change_event.c
    return (sa.select(e.id, e.detected_at, e.kind, e.infobras_code, e.ubigeo, e.entity_id,
                      e.data)
            .where(matching(kind, key)).order_by(e.id.desc()).limit(limit))


def events(kind: str, key: str, limit: int = FEED_LIMIT) -> list[dict[str, Any]]:
    """The newest events of a followed thing, newest first (a feed's entries)."""
    with db.engine().connect() as conn:
        return [_row(r) for r in conn.execute(events_stmt(kind, key, limit)).mappings()]


def _row(row: Any) -> dict[str, Any]:
    found = dict(row)
    if isinstance(found.get("data"), str):
        found["data"] = json.loads(found["data"])
    return found


def last_change() -> Any:
    """When changes were last looked for (a feed's date when it has no entries)."""
    with db.engine().connect() as conn:
        return conn.execute(sa.text("SELECT max(computed_at) FROM change_batch")).scalar()
