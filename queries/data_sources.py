"""Where the data comes from and how complete it is: load runs, quarantine, coverage.

Feeds the "Datos" page and the date printed on every briefing and export.
"""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa

from geodata.alert_rules import RULES
from geodata.infobras_format import COMPANIONS
from queries import db
from queries.source_tables import source_link
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


# -- per source: rows read, loaded, set aside, repeated; links by method ---------------------
# (kind, Spanish name, loader): the sources the data page reports one by one.
SOURCE_KINDS = (
    ("infobras", "INFObras (Contraloría)", "infobras"),
    ("paralizadas", "Obras paralizadas (GFP Subnacional, mayo 2026)", "paralizadas"),
    ("mef_banco", "MEF, Banco de Inversiones", "mef"),
    ("ssi_ejecucion", "MEF, SSI lista de ejecución", "mef"),
    ("ssi_formato8", "MEF, SSI Formato 8", "mef"),
    ("conosce", "SEACE, datos abiertos CONOSCE (OSCE)", "seace"),
    ("ocds", "SEACE, Contrataciones Abiertas (OCDS)", "seace"),
    ("cgr", "Contraloría, informes de control", "cgr"),
)
_KIND_TABLES = {"mef": "investment_source", "seace": "procurement_process"}


def _run_kind(r) -> sa.ColumnElement:
    """The source kind a run loaded: the MEF and SEACE loaders read several formats, told by
    the rows the run wrote (the file's name only when it wrote none)."""
    written = [sa.select(sa.column("source")).select_from(sa.table(table))
               .where(sa.column("load_run_id") == r.id).limit(1).scalar_subquery()
               for table in _KIND_TABLES.values()]
    path = sa.func.lower(r.source)
    guessed = sa.case(
        (sa.and_(r.loader == "mef", path.like("%formato%8%")), "ssi_formato8"),
        (sa.and_(r.loader == "mef", path.like("%ejecucion%")), "ssi_ejecucion"),
        (r.loader == "mef", "mef_banco"),
        (sa.and_(r.loader == "seace", path.like("%.json%")), "ocds"),
        (r.loader == "seace", "conosce"), else_=r.loader)
    return sa.case(
        (r.loader == "mef", sa.func.coalesce(written[0], guessed)),
        (r.loader == "seace", sa.func.coalesce(written[1], guessed)), else_=guessed)


def source_loads_stmt() -> sa.Select:
    """Per source kind, the newest successful run of each file, summed: rows read, loaded
    (new + updated + unchanged), quarantined and explained duplicates."""
    r, q = load_run.c, quarantine.c
    # The file's own rows: a works load also quarantines rows of its companion files (the
    # monthly history, the geolocation file), coded 'historial_…' / 'ubicacion_…'
    # (geodata.infobras_format.COMPANIONS), which are not among the export's rows read.
    companions = (sa.select(sa.func.count()).where(
        q.load_run_id == r.id, r.loader.in_(("infobras", "paralizadas")),
        sa.or_(*(q.reason_code.startswith(f"{kind}_") for kind in COMPANIONS)))
        .scalar_subquery())
    latest = (sa.select(_run_kind(r).label("kind"), r.source, r.finished_at, r.source_date,
                        r.rows_read, (r.loaded + r.updated + r.unchanged).label("loaded"),
                        (r.quarantined - companions).label("quarantined"),
                        r.duplicates)
              .where(r.status == "ok",
                     r.loader.in_({loader for _, _, loader in SOURCE_KINDS}))
              .distinct(r.loader, r.source)
              .order_by(r.loader, r.source, r.finished_at.desc(), r.id.desc())
              .subquery("latest"))
    c = latest.c
    return (sa.select(c.kind, sa.func.count().label("files"),
                      *(sa.func.sum(c[n]).label(n)
                        for n in ("rows_read", "loaded", "quarantined", "duplicates")),
                      sa.func.max(c.source_date).label("source_date"),
                      sa.func.max(c.finished_at).label("finished_at"))
            .group_by(c.kind))


def links_stmt() -> sa.Select:
    """Links between sources by subject, object and method, with their confidence."""
    sl = source_link.c
    return (sa.select(sl.subject_kind, sl.object_kind, sl.method, sa.func.count().label("links"),
                      sa.cast(sa.func.min(sl.confidence), sa.Float).label("min_confidence"),
                      sa.cast(sa.func.max(sl.confidence), sa.Float).label("max_confidence"))
            .group_by(sl.subject_kind, sl.object_kind, sl.method)
            .order_by(sl.subject_kind, sl.object_kind, sa.func.max(sl.confidence).desc()))


def sources_report() -> dict[str, list[dict]]:
    """{"sources": one row per kind of SOURCE_KINDS (zeros where never loaded), "links"}."""
    with db.read_engine().connect() as conn:
        loads = {r["kind"]: dict(r) for r in conn.execute(source_loads_stmt()).mappings()}
        links = [dict(r) for r in conn.execute(links_stmt()).mappings()]
    rows = []
    for kind, name, loader in SOURCE_KINDS:
        found = loads.get(kind) or {}
        rows.append({"kind": kind, "name": name, "loader": loader,
                     "files": found.get("files", 0),
                     **{n: int(found.get(n) or 0)
                        for n in ("rows_read", "loaded", "quarantined", "duplicates")},
                     "source_date": found.get("source_date"),
                     "finished_at": found.get("finished_at")})
    return {"sources": rows, "links": links}


def rule_coverage_stmt() -> sa.Select:
    """Per rule as last applied: its kind, the other source it needs and whether any was
    loaded, and its rows by state (alerts, signals, "no calculable")."""
    from queries.alerts import alert, alert_rule

    r, a = alert_rule.c, alert.c
    counts = (sa.select(a.rule_code,
                        sa.func.count().filter(a.state == "alerta").label("alerts"),
                        sa.func.count().filter(a.state == "senal").label("signals"),
                        sa.func.count().filter(a.state == "no_calculable")
                        .label("not_computable"))
              .group_by(a.rule_code).subquery("counts"))
    return (sa.select(r.code, r.name, r.kind, r.needs, r.needs_loaded,
                      sa.func.coalesce(counts.c.alerts, 0).label("alerts"),
                      sa.func.coalesce(counts.c.signals, 0).label("signals"),
                      sa.func.coalesce(counts.c.not_computable, 0).label("not_computable"))
            .select_from(alert_rule.outerjoin(counts, counts.c.rule_code == r.code))
            .order_by(r.code))


def rule_coverage() -> dict:
    """{"works": works loaded, "rules": rule_coverage_stmt's rows, each with `evaluated`: the
    works it could judge (all but its "no calculable"; none when its source is missing)}."""
    with db.read_engine().connect() as conn:
        try:
            rows = [dict(r) for r in conn.execute(rule_coverage_stmt()).mappings()]
        except sa.exc.ProgrammingError:   # the alerts tables are not there yet
            return {"works": 0, "rules": []}
        works = conn.execute(sa.select(sa.func.count()).select_from(work)).scalar_one()
    for row in rows:
        row["unit"] = "obras"
        row["evaluated"] = (0 if row["needs_loaded"] is False
                            else max(works - row["not_computable"], 0))
    _procurement_coverage(rows)
    order = {code: i for i, code in enumerate(r.code for r in RULES)}
    rows.sort(key=lambda r: (order.get(r["code"], len(order)), r["code"]))
    return {"works": works, "rules": rows}


def _procurement_coverage(rows: list[dict]) -> None:
    """The SEACE red flags judge processes and contracts, not works: their figures come from
    what the flags' recompute recorded (queries.procurement_flags), summed over sources."""
    from queries import procurement_flags as flags

    try:
        coverage = flags.coverage()
        with db.read_engine().connect() as conn:
            counts = dict(conn.execute(
                sa.select(flags.f.rule_code, sa.func.count()).group_by(flags.f.rule_code)).all())
    except sa.exc.ProgrammingError:   # the flags' tables are not there yet
        return
    by_rule: dict[str, list[dict]] = {}
    for c in coverage:
        by_rule.setdefault(c["rule_code"], []).append(c)
    for row in rows:
        if (found := by_rule.get(row["code"])) is None:
            continue
        row["unit"] = found[0]["unit"]
        row["evaluated"] = sum(c["evaluated"] for c in found)
        row["not_computable"] = sum(c["not_evaluable"] for c in found)
        row["alerts"] = counts.get(row["code"], 0)
        row["needs"] = "procesos del SEACE"
        row["needs_loaded"] = bool(row["evaluated"] or row["not_computable"])
