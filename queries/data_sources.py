"""Where the data comes from and how complete it is: load runs, quarantine, coverage.

Feeds the "Datos" page and the date printed on every briefing and export.
"""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa

from queries import db
from queries.tables import area, load_run, quarantine, work, work_progress

EXAMPLES_PER_REASON = 3


def runs_stmt(limit: int = 50) -> sa.Select:
    """The latest load runs, newest first."""
    r = load_run.c
    return (sa.select(r.id, r.loader, r.source, r.source_date, r.started_at, r.finished_at,
                      r.status, r.rows_read, r.loaded, r.updated, r.unchanged, r.quarantined,
                      r.message)
            .order_by(r.started_at.desc(), r.id.desc()).limit(limit))


def runs(limit: int = 50) -> list[dict]:
    with db.read_engine().connect() as conn:
        return [dict(row) for row in conn.execute(runs_stmt(limit)).mappings()]


def latest_runs_stmt() -> sa.Select:
    """The newest successful run of each loader (the source's current date)."""
    r = load_run.c
    return (sa.select(r.loader, r.source, r.source_date, r.finished_at, r.rows_read,
                      r.loaded, r.updated, r.unchanged, r.quarantined)
            .where(r.status == "ok")
            .distinct(r.loader).order_by(r.loader, r.finished_at.desc(), r.id.desc()))


def latest_runs() -> list[dict]:
    with db.read_engine().connect() as conn:
        return [dict(row) for row in conn.execute(latest_runs_stmt()).mappings()]


def data_date_stmt() -> sa.Select:
    r = load_run.c
    return (sa.select(r.source_date, r.finished_at).where(r.status == "ok")
            .order_by(r.finished_at.desc(), r.id.desc()).limit(1))


def data_date() -> date | datetime | None:
    """The date of the newest successful load: the source's own date where it states one,
    else when it was loaded. None before any load."""
    with db.read_engine().connect() as conn:
        row = conn.execute(data_date_stmt()).first()
    if row is None:
        return None
    return row.source_date or row.finished_at


def quarantine_summary_stmt() -> sa.Select:
    """How many rows each loader set aside, per reason, with one reason sentence."""
    q = quarantine.c
    return (sa.select(q.loader, q.reason_code, sa.func.count().label("rows"),
                      sa.func.min(q.reason).label("reason"))
            .group_by(q.loader, q.reason_code).order_by(sa.func.count().desc(), q.loader))


def quarantine_examples_stmt(per_reason: int = EXAMPLES_PER_REASON) -> sa.Select:
    """A few quarantined rows of each loader and reason (the newest)."""
    q = quarantine.c
    rank = sa.func.row_number().over(partition_by=(q.loader, q.reason_code),
                                     order_by=q.id.desc()).label("rank")
    ranked = sa.select(q.loader, q.reason_code, q.source, q.row_number, q.record_key,
                       q.reason, q.raw, rank).subquery()
    return (sa.select(*(col for col in ranked.c if col.name != "rank"))
            .where(ranked.c.rank <= per_reason)
            .order_by(ranked.c.loader, ranked.c.reason_code, ranked.c.row_number))


def quarantine_report(per_reason: int = EXAMPLES_PER_REASON) -> dict[str, list[dict]]:
    """{"summary": rows per loader and reason, "examples": a few raw rows of each}."""
    with db.read_engine().connect() as conn:
        summary = [dict(r) for r in conn.execute(quarantine_summary_stmt()).mappings()]
        examples = [dict(r) for r in conn.execute(
            quarantine_examples_stmt(per_reason)).mappings()]
    return {"summary": summary, "examples": examples}


def coverage_stmt() -> sa.Select:
    """Per region: works, share with surveyed coordinates, share with monthly history."""
    c = work.c
    region = sa.func.left(c.ubigeo, 2)
    has_history = sa.exists().where(work_progress.c.infobras_code == c.infobras_code)
    per_region = (sa.select(
        region.label("ubigeo"), sa.func.count().label("works"),
        sa.func.count().filter(c.geom_source == "surveyed").label("surveyed"),
        sa.func.count().filter(has_history).label("with_history"))
        .group_by(region).subquery())
    a, w = area.c, per_region.c
    return (sa.select(a.ubigeo, a.name, sa.func.coalesce(w.works, 0).label("works"),
                      sa.func.coalesce(w.surveyed, 0).label("surveyed"),
                      sa.func.coalesce(w.with_history, 0).label("with_history"))
            .select_from(area.outerjoin(per_region, w.ubigeo == a.ubigeo))
            .where(a.level == 1).order_by(a.ubigeo))


def coverage() -> list[dict]:
    """Coverage per region with percentages (None where a region has no works)."""
    with db.read_engine().connect() as conn:
        rows = [dict(r) for r in conn.execute(coverage_stmt()).mappings()]
    for row in rows:
        works = row["works"]
        row["surveyed_pct"] = 100 * row["surveyed"] / works if works else None
        row["history_pct"] = 100 * row["with_history"] / works if works else None
    return rows
