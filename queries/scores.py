"""The executor performance index of an entity (índice de desempeño), its peer group and its
place in it: the formula (published on the page and in docs/indice.md), the raw figures
behind each component read from the works, their alerts and citizen reports, and the table
`entity_score` (sql/scores.sql) that holds them computed ahead for the ranking.

The formula lives here once: SQL counts and sums (`RAW_SQL`), `components` turns one entity's
counts into raw values, normalised values (0-1, 1 best) and weights, and `score` weighs the
components that have data (their weights renormalised). queries.entity_figures refreshes the
table with the other entity figures (relink and the alerts recompute); while it is stale the
entity page and the ranking compute the same rows live.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from queries import db

MIN_WORKS = 5            # below this many works an entity gets no score (stated)
PER_PAGE = 50            # rows of a page of the ranking
METHOD_URL = "/entidades#metodologia"   # the published formula (and docs/indice.md)
LEVELS = ("distrital", "provincial", "regional", "nacional", "otra")
# Budget bands per level: edges of the works' investment per inhabitant (soles) for an
# entity that serves an area, of the total investment for one that does not (a national
# programme, a water company). Chosen near the terciles of the entities with 5 works or more
# in the demo load, rounded; the same for every entity, whatever the data.
BANDS: Mapping[str, tuple[str, tuple[float, float]]] = {
    "distrital": ("hab", (1_000, 5_000)),
    "provincial": ("hab", (300, 1_000)),
    "regional": ("hab", (50, 250)),
    "nacional": ("total", (20_000_000, 200_000_000)),
    "otra": ("total", (20_000_000, 200_000_000)),
}


@dataclass(frozen=True)
class Component:
    """One component: its share of the score, and how its raw value becomes 0-1.
    `worst`: for a figure where less is better, the value at and above which it scores 0
    (linear from 1 at zero); None: the raw value is a share where more is better."""

    key: str
    weight: float
    worst: float | None = None

    def normalise(self, raw: float | None) -> float | None:
        if raw is None:
            return None
        if self.worst is None:
            return min(max(raw, 0.0), 1.0)
        return 1.0 - min(max(raw, 0.0) / self.worst, 1.0)


COMPONENTS: tuple[Component, ...] = (
    Component("a_tiempo", 20),                 # share of judged works ended on time
    Component("sobrecosto", 15, worst=0.30),   # cost over the technical file (30 %: «alta»)
    Component("paralizacion", 20, worst=0.25),  # share of works paralysed
    Component("alertas", 15, worst=2.0),        # active alerts per work
    Component("al_dia", 10),                   # works in execution with a current record
    Component("completos", 10),                # expected fields filled
    Component("reportes", 10),                 # citizen reports forwarded or closed
)
BY_KEY = {c.key: c for c in COMPONENTS}


def _ratio(part: Any, whole: Any) -> float | None:
    return float(part) / float(whole) if whole else None


def raw_values(row: Mapping[str, Any]) -> dict[str, tuple[float | None, int]]:
    """Each component's raw value (None: no data) and how many works or reports it rests on."""
    judged = row["on_time"] + row["late"]
    overrun = (float(row["cost_updated"]) / float(row["cost_file"]) - 1
               if row["cost_n"] and row["cost_file"] else None)
    return {
        "a_tiempo": (_ratio(row["on_time"], judged), judged),
        "sobrecosto": (overrun, row["cost_n"]),
        "paralizacion": (_ratio(row["paralysed"], row["works"]), row["works"]),
        "alertas": (_ratio(row["alerts"], row["works"]), row["works"]),
        "al_dia": (_ratio(row["current"], row["running"]), row["running"]),
        "completos": (_ratio(row["filled"], row["expected"]), row["works"]),
        "reportes": (_ratio(row["answered"], row["reports"]), row["reports"]),
    }


def components(row: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The components of one entity's counts: key, raw value, normalised value (0-1), its
    weight as published and as applied (renormalised over the components with data), and
    the number of works (or reports) behind it. No data: raw and normalised are None."""
    raws = raw_values(row)
    out = [{"key": c.key, "raw": raws[c.key][0], "basis": raws[c.key][1],
            "normalised": c.normalise(raws[c.key][0]), "weight": c.weight}
           for c in COMPONENTS]
    total = sum(c["weight"] for c in out if c["normalised"] is not None)
    for c in out:
        c["applied_weight"] = (c["weight"] / total * 100
                               if total and c["normalised"] is not None else None)
    return out


def score(row: Mapping[str, Any]) -> tuple[float | None, int]:
    """(0-100 score or None, components with data): the weighted mean of the normalised
    values with data; None below MIN_WORKS works or with no component."""
    parts = [c for c in components(row) if c["normalised"] is not None]
    if row["works"] < MIN_WORKS or not parts:
        return None, len(parts)
    weight = sum(c["weight"] for c in parts)
    return round(100 * sum(c["normalised"] * c["weight"] for c in parts) / weight, 2), len(parts)


def band(level: str, investment: Any, per_inhabitant: Any) -> int | None:
    """0, 1 or 2: the budget band within the level; None when its measure is unknown."""
    measure, edges = BANDS[level]
    value = per_inhabitant if measure == "hab" else investment
    if value is None:
        return None
    return sum(float(value) >= edge for edge in edges)


# -- the raw counts, per entity ---------------------------------------------------------------
# {where}: "" for every entity, or a condition on w.entity_id for one. The expected fields of
# a work: CUI, surveyed location, technical-file amount, physical progress, and, once it has
# started (not «sin ejecución»), its start and due dates.
RAW_SQL = """
WITH w AS (
    SELECT w.entity_id, w.infobras_code, w.status, w.ubigeo, w.amount_investment,
           w.amount_technical_file, w.amount_updated, w.real_end, w.government_level,
           COALESCE(w.reprogrammed_end, w.programmed_end) AS due,
           (w.cui IS NOT NULL)::int + (w.geom_source IS NOT DISTINCT FROM 'surveyed')::int
           + (w.amount_technical_file IS NOT NULL)::int + (w.physical_progress IS NOT NULL)::int
           + CASE WHEN w.status = 'sin_ejecucion' THEN 0 ELSE (w.start_date IS NOT NULL)::int
                 + (COALESCE(w.reprogrammed_end, w.programmed_end) IS NOT NULL)::int END
               AS filled,
           CASE WHEN w.status = 'sin_ejecucion' THEN 4 ELSE 6 END AS expected
    FROM work w WHERE w.entity_id IS NOT NULL {where}),
-- A work's active alerts and rules from their rollup (alert_work, one row per work with
-- alerts), not from every alert; the works the rule «registro desactualizado» names (alert
-- or not computable) from its index.
a AS (
    SELECT aw.infobras_code, aw.alerts, 'retrasada' = ANY (aw.rules) AS late
    FROM alert_work aw JOIN w USING (infobras_code)),
s AS (
    SELECT DISTINCT x.infobras_code FROM alert x JOIN w USING (infobras_code)
    WHERE x.rule_code = 'registro_desactualizado'),
r AS (
    SELECT c.infobras_code, count(*) AS reports,
           count(*) FILTER (WHERE c.status IN ('derivado', 'cerrado')) AS answered
    FROM citizen_report c JOIN w USING (infobras_code)
    WHERE c.moderation = 'aprobado' GROUP BY c.infobras_code),
-- The district, province and region where most of its works are (ties: the lowest code).
places AS (
    SELECT entity_id, ubigeo, count(*) AS n FROM w GROUP BY entity_id, ubigeo),
seat AS (
    SELECT d.entity_id, d.ubigeo AS district, p.ubigeo AS province, r.ubigeo AS region
    FROM (SELECT DISTINCT ON (entity_id) entity_id, ubigeo FROM places
          ORDER BY entity_id, n DESC, ubigeo) d
    JOIN (SELECT DISTINCT ON (entity_id) entity_id, ubigeo FROM (
              SELECT entity_id, left(ubigeo, 4) AS ubigeo, sum(n) AS n FROM places
              GROUP BY 1, 2) x ORDER BY entity_id, n DESC, ubigeo) p USING (entity_id)
    JOIN (SELECT DISTINCT ON (entity_id) entity_id, ubigeo FROM (
              SELECT entity_id, left(ubigeo, 2) AS ubigeo, sum(n) AS n FROM places
              GROUP BY 1, 2) x ORDER BY entity_id, n DESC, ubigeo) r USING (entity_id)),
per AS (
    SELECT w.entity_id, count(*) AS works, sum(w.amount_investment) AS investment,
           max(w.government_level) AS government_level,
           count(*) FILTER (WHERE w.real_end IS NOT NULL AND w.due IS NOT NULL
                            AND w.real_end <= w.due) AS on_time,
           count(*) FILTER (WHERE (w.real_end IS NOT NULL AND w.due IS NOT NULL
                                   AND w.real_end > w.due)
                                  OR (w.real_end IS NULL AND a.late)) AS late,
           count(*) FILTER (WHERE w.amount_technical_file > 0
                            AND w.amount_updated IS NOT NULL) AS cost_n,
           sum(w.amount_technical_file) FILTER (WHERE w.amount_technical_file > 0
                                                AND w.amount_updated IS NOT NULL) AS cost_file,
           sum(w.amount_updated) FILTER (WHERE w.amount_technical_file > 0
                                         AND w.amount_updated IS NOT NULL) AS cost_updated,
           count(*) FILTER (WHERE w.status = 'paralizada') AS paralysed,
           COALESCE(sum(a.alerts), 0) AS alerts,
           count(*) FILTER (WHERE w.status = 'en_ejecucion' AND w.real_end IS NULL) AS running,
           count(*) FILTER (WHERE w.status = 'en_ejecucion' AND w.real_end IS NULL
                            AND s.infobras_code IS NULL) AS current,
           sum(w.filled) AS filled, sum(w.expected) AS expected,
           COALESCE(sum(r.reports), 0) AS reports, COALESCE(sum(r.answered), 0) AS answered
    FROM w LEFT JOIN a USING (infobras_code) LEFT JOIN r USING (infobras_code)
    LEFT JOIN s USING (infobras_code)
    GROUP BY w.entity_id),
lvl AS (
    SELECT per.*, seat.district, seat.province, seat.region,
           COALESCE(e.name, per.entity_id) AS name,
           COALESCE(e.region_ubigeo, seat.region) AS region_ubigeo,
           CASE WHEN per.entity_id ~ '(^|-)municipalidad-distrital-' THEN 'distrital'
                WHEN per.entity_id ~ '(^|-)municipalidad-(provincial|metropolitana)-'
                    THEN 'provincial'
                WHEN COALESCE(e.government_level, per.government_level) = 'Gobierno Regional'
                    THEN 'regional'
                WHEN COALESCE(e.government_level, per.government_level) = 'Gobierno Nacional'
                    THEN 'nacional'
                ELSE 'otra' END AS peer_level
    FROM per JOIN seat USING (entity_id) LEFT JOIN entity e ON e.id = per.entity_id)
SELECT lvl.entity_id, lvl.name, lvl.peer_level, lvl.region_ubigeo,
       ar.ubigeo AS area_ubigeo, ar.name AS area_name, ar.population, lvl.investment,
       lvl.investment / NULLIF(ar.population, 0) AS per_inhabitant,
       lvl.works, lvl.on_time, lvl.late, lvl.cost_n, lvl.cost_file, lvl.cost_updated,
       lvl.paralysed, lvl.alerts, lvl.running, lvl.current, lvl.filled, lvl.expected,
       lvl.reports, lvl.answered
FROM lvl
LEFT JOIN area ar ON ar.ubigeo = CASE lvl.peer_level
    WHEN 'distrital' THEN lvl.district WHEN 'provincial' THEN lvl.province
    WHEN 'regional' THEN COALESCE(lvl.region_ubigeo, lvl.region) END
"""
COLUMNS = ("entity_id", "name", "peer_level", "region_ubigeo", "area_ubigeo", "area_name",
           "population", "investment", "per_inhabitant", "band", "works", "on_time", "late",
           "cost_n", "cost_file", "cost_updated", "paralysed", "alerts", "running", "current",
           "filled", "expected", "reports", "answered", "score", "components", "peers",
           "peer_rank")


def raw_rows(conn: sa.Connection, entity_id: str | None = None) -> list[dict[str, Any]]:
    """The raw counts of one entity (or of every entity with works), live."""
    where = "AND w.entity_id = :entity_id" if entity_id else ""
    params = {"entity_id": entity_id} if entity_id else {}
    # Its estimates (millions of rows where there are thousands) make PostgreSQL compile it
    # with JIT: a third of its time at 20k works, most of it at 200k. Sorts stay in memory.
    conn.execute(sa.text("SET LOCAL jit = off; SET LOCAL work_mem = '64MB'"))
    return [dict(r) for r in conn.execute(sa.text(RAW_SQL.format(where=where)),
                                          params).mappings()]


def scored(rows: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Rows with their band and score."""
    out = []
    for row in rows:
        value, n = score(row)
        out.append({**row, "band": band(row["peer_level"], row["investment"],
                                        row["per_inhabitant"]),
                    "score": value, "components": n})
    return out


def ranked(rows: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Every entity with its peer group's size and its place in it (1: highest score; ties
    by identifier). Entities without score or band have neither."""
    out = [{**row, "peers": None, "peer_rank": None} for row in rows]
    groups: dict[tuple[str, int], list[dict[str, Any]]] = {}
    for row in out:
        if row["score"] is not None and row["band"] is not None:
            groups.setdefault((row["peer_level"], row["band"]), []).append(row)
    for members in groups.values():
        members.sort(key=lambda r: (-r["score"], r["entity_id"]))
        for place, row in enumerate(members, 1):
            row["peers"], row["peer_rank"] = len(members), place
    return [{c: row[c] for c in COLUMNS} for row in out]


def compute_all(conn: sa.Connection) -> list[dict[str, Any]]:
    """Every entity's row of `entity_score`, live."""
    return ranked(scored(raw_rows(conn)))


def refresh(conn: sa.Connection) -> None:
    """Rewrite `entity_score` (queries.entity_figures.refresh calls it, part 'scores')."""
    rows = compute_all(conn)
    driver = conn.connection.driver_connection
    driver.execute("TRUNCATE entity_score")
    with driver.cursor() as cursor, cursor.copy(
            f"COPY entity_score ({', '.join(COLUMNS)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row([row[c] for c in COLUMNS])
    driver.execute("ANALYZE entity_score")


# -- reading ------------------------------------------------------------------------------------
_TABLE = sa.table("entity_score", *(sa.column(c) for c in COLUMNS))
# While the table is stale (a report moderated since the last refresh, a hand edit), every
# entity's row computed live, kept per database and change count: the first page after a
# change pays for it (seconds at 200k works), the next ones read it, and any change renews it.
_LIVE: dict[str, tuple[int, list[dict[str, Any]]]] = {}
_CHANGES = sa.text("SELECT n FROM entity_changes WHERE part = 'scores'")


def _live(conn: sa.Connection) -> list[dict[str, Any]]:
    url = conn.engine.url.render_as_string(hide_password=True)
    changes = conn.execute(_CHANGES).scalar()
    if url not in _LIVE or _LIVE[url][0] != changes:
        _LIVE[url] = (changes, compute_all(conn))
    return _LIVE[url][1]


def _fresh(conn: sa.Connection) -> bool:
    from queries import entity_figures

    return "scores" in entity_figures.fresh_parts(conn)


@dataclass(frozen=True)
class Ranking:
    """Which entities the ranking lists: a level, a region, a band, an order."""

    level: str | None = None
    region: str | None = None
    band: int | None = None
    order: str = "score"            # score | works | investment | per_inhabitant | name
    descending: bool = True
    page: int = 0


ORDERS = ("score", "works", "investment", "per_inhabitant", "name")


def _where(r: Ranking) -> list[sa.ColumnElement[bool]]:
    t = _TABLE.c
    conds = [t.score.isnot(None)]
    if r.level:
        conds.append(t.peer_level == r.level)
    if r.region:
        conds.append(t.region_ubigeo == r.region)
    if r.band is not None:
        conds.append(t.band == r.band)
    return conds


def _frame_filter(rows: list[dict[str, Any]], r: Ranking) -> list[dict[str, Any]]:
    return [row for row in rows if row["score"] is not None
            and (not r.level or row["peer_level"] == r.level)
            and (not r.region or row["region_ubigeo"] == r.region)
            and (r.band is None or row["band"] == r.band)]


def _sort_key(order: str):
    def key(row: Mapping[str, Any]):
        value = row[order]
        if isinstance(value, Decimal):
            value = float(value)
        return (value is None, value if value is not None else 0, row["entity_id"])
    return key


def ranking(r: Ranking) -> tuple[list[dict[str, Any]], int]:
    """A page of the ranking and how many entities it has in all."""
    with db.read_engine().connect() as conn:
        if not _fresh(conn):
            rows = _frame_filter(_live(conn), r)
            rows.sort(key=_sort_key(r.order))
            if r.descending:
                known = [x for x in rows if x[r.order] is not None][::-1]
                rows = known + [x for x in rows if x[r.order] is None]
            return rows[r.page * PER_PAGE:(r.page + 1) * PER_PAGE], len(rows)
        t = _TABLE.c
        column = t[r.order]
        first = column.desc().nulls_last() if r.descending else column.asc().nulls_last()
        stmt = (sa.select(*(t[c] for c in COLUMNS), sa.func.count().over().label("total"))
                .where(*_where(r)).order_by(first, t.entity_id)
                .offset(r.page * PER_PAGE).limit(PER_PAGE))
        rows = [dict(x) for x in conn.execute(stmt).mappings()]
    total = rows[0].pop("total") if rows else 0
    for row in rows[1:]:
        row.pop("total")
    if not rows and r.page:
        total = ranking(Ranking(r.level, r.region, r.band, r.order, r.descending))[1]
    return rows, total


def entity_scores(entity_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
    """The rows of the given entities (their scores, peer groups and places), by id; an
    entity without works has none."""
    if not entity_ids:
        return {}
    with db.read_engine().connect() as conn:
        if _fresh(conn):
            t = _TABLE.c
            rows = conn.execute(sa.select(*(t[c] for c in COLUMNS))
                                .where(t.entity_id.in_(list(entity_ids)))).mappings()
            return {r["entity_id"]: dict(r) for r in rows}
        return {r["entity_id"]: r for r in _live(conn) if r["entity_id"] in entity_ids}


def entity_score(entity_id: str) -> dict[str, Any] | None:
    """One entity's row (its score, peer group and place); None without works."""
    return entity_scores([entity_id]).get(entity_id)


def api_part(row: Mapping[str, Any] | None) -> dict[str, Any]:
    """The index as /api/v1/entities/<id> gives it: the score, each component (raw figure,
    0-1 value, published and applied weight, works or reports behind it) and the peer
    group with the place in it; without works, why there is none."""
    if row is None:
        return {"score": None, "reason": "sin obras registradas", "method": METHOD_URL}
    value = row["score"]
    return {
        "score": None if value is None else float(value),
        "reason": None if value is not None else
        f"menos de {MIN_WORKS} obras o ningún componente con datos",
        "components": components(row),
        "peer_group": {"level": row["peer_level"], "band": row["band"],
                       "per_inhabitant": BANDS[row["peer_level"]][0] == "hab",
                       "peers": row["peers"], "rank": row["peer_rank"]},
        "method": METHOD_URL,
    }


def search(text: str, limit: int = 20) -> list[dict[str, Any]]:
    """Entities with works whose name contains `text` (most works first), for the compare
    page's chooser."""
    t = _TABLE.c
    words = [w for w in text.split() if w][:6]
    stmt = (sa.select(t.entity_id, t.name, t.region_ubigeo, t.works)
            .where(*(t.name.icontains(w, autoescape=True) for w in words))
            .order_by(t.works.desc(), t.entity_id).limit(limit))
    with db.read_engine().connect() as conn:
        return [dict(r) for r in conn.execute(stmt).mappings()]


def names(entity_ids: Sequence[str]) -> dict[str, str]:
    """The names of the given entities (those with works)."""
    if not entity_ids:
        return {}
    t = _TABLE.c
    with db.read_engine().connect() as conn:
        return dict(conn.execute(sa.select(t.entity_id, t.name)
                                 .where(t.entity_id.in_(list(entity_ids)))).all())


def entity_card(entity_id: str, around: int = 2
                ) -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
    """What the entity page shows, in one read: the entity's row and the entities of its
    peer group ranked just above and below it (itself included; none without a place)."""
    with db.read_engine().connect() as conn:
        if not _fresh(conn):
            rows = _live(conn)
            me = next((r for r in rows if r["entity_id"] == entity_id), None)
            if me is None or me["peer_rank"] is None:
                return me, []
            return me, sorted((r for r in rows if (r["peer_level"], r["band"]) == (
                me["peer_level"], me["band"]) and r["peer_rank"] is not None
                and abs(r["peer_rank"] - me["peer_rank"]) <= around),
                key=lambda r: r["peer_rank"])
        mine = _TABLE.alias("me")
        t, me = _TABLE.c, mine.c
        near = sa.and_(t.peer_level == me.peer_level, t.band == me.band,
                       t.peer_rank.between(me.peer_rank - around, me.peer_rank + around))
        stmt = (sa.select(*(t[c] for c in COLUMNS))
                .select_from(_TABLE.join(mine, sa.or_(t.entity_id == me.entity_id, near)))
                .where(me.entity_id == entity_id).order_by(t.peer_rank, t.entity_id))
        rows = [dict(r) for r in conn.execute(stmt).mappings()]
    found = next((r for r in rows if r["entity_id"] == entity_id), None)
    return found, [r for r in rows if r["peer_rank"] is not None] if found and found[
        "peer_rank"] is not None else []
