"""Areas side by side: the same metrics for regions, provinces or districts, their peers,
and their spending and progress month by month.

`area_metrics` is also the API's `/aggregates`: one grouped scan of the filtered works per
call, joined to the areas of one level, with alert figures from the alerts module.
"""

from __future__ import annotations

import pandas as pd
import sqlalchemy as sa

from queries import db
from queries.alerts import alert_counts
from queries.explorer_views import area_monthly, explorer_summary, unfiltered_and_fresh
from queries.filters import Filters
from queries.tables import area, work, work_progress

MAX_COMPARED = 6
PEERS = 5
ALERT_COLUMNS = ("alerts", "works_with_alerts", "amount_at_risk")
COUNT_COLUMNS = ("works", "paralysed", "alerts", "works_with_alerts")


def level_of(ubigeo: str) -> int:
    """INEI codes: 2 digits region, 4 province, 6 district."""
    return len(ubigeo) // 2


def _prefix(level: int):
    return sa.func.left(work.c.ubigeo, level * 2)


def area_metrics_stmt(level: int, filters: Filters, parent: str | None = None,
                      ubigeos: tuple[str, ...] = ()) -> sa.Select:
    """Works, money, paralysis and progress per area of `level` (areas with no works: zeros)."""
    c = work.c
    prefix = _prefix(level)
    paralysed = c.status == "paralizada"
    scan = sa.select(
        prefix.label("ubigeo"),
        sa.func.count().label("works"),
        sa.func.coalesce(sa.func.sum(c.amount_investment), 0).label("investment"),
        sa.func.coalesce(sa.func.sum(c.amount_accrued), 0).label("accrued"),
        sa.func.count().filter(paralysed).label("paralysed"),
        sa.func.coalesce(sa.func.sum(c.amount_investment).filter(paralysed), 0)
        .label("paralysed_investment"),
        sa.func.avg(c.physical_progress).label("avg_physical"),
    )
    if ubigeos:
        scan = scan.where(prefix.in_(ubigeos))
    works = filters.with_area(parent).where(scan).group_by(prefix).subquery("w")
    return _with_areas(works, level, parent, ubigeos)


def area_metrics_view_stmt(level: int, parent: str | None = None,
                           ubigeos: tuple[str, ...] = ()) -> sa.Select:
    """area_metrics_stmt's rows with no filter, from the explorer's precomputed summary (each
    area's figures are its parent's "child" rows there)."""
    s = explorer_summary.c
    works = (sa.select(s.key.label("ubigeo"), s.works, s.investment, s.accrued, s.paralysed,
                       s.paralysed_investment,
                       (s.progress_sum / sa.func.nullif(s.progress_n, 0)).label("avg_physical"))
             .where(s.dim == "child", sa.func.length(s.scope) == 2 * (level - 1))
             .subquery("w"))
    return _with_areas(works, level, parent, ubigeos)


def _with_areas(works: sa.Subquery, level: int, parent: str | None,
                ubigeos: tuple[str, ...]) -> sa.Select:
    """Every area of `level` (under `parent`, among `ubigeos`) with its works' figures."""
    a = area.c
    stmt = (sa.select(
        a.ubigeo, a.name, a.level, a.parent, a.population,
        *(sa.func.coalesce(works.c[name], 0).label(name)
          for name in ("works", "investment", "accrued", "paralysed", "paralysed_investment")),
        works.c.avg_physical)
        .select_from(area.outerjoin(works, works.c.ubigeo == a.ubigeo))
        .where(a.level == level).order_by(a.ubigeo))
    if parent:
        stmt = stmt.where(a.ubigeo.startswith(parent, autoescape=True))
    if ubigeos:
        stmt = stmt.where(a.ubigeo.in_(ubigeos))
    return stmt


def area_metrics(level: int, filters: Filters, parent: str | None = None,
                 ubigeos: tuple[str, ...] = ()) -> pd.DataFrame:
    """One row per area with absolute and per-inhabitant metrics (see `METRIC_COLUMNS`)."""
    with db.read_engine().connect() as conn:
        stmt = (area_metrics_view_stmt(level, parent, ubigeos)
                if unfiltered_and_fresh(conn, filters)
                else area_metrics_stmt(level, filters, parent, ubigeos))
        frame = pd.DataFrame(conn.execute(stmt).mappings().all(),
            columns=["ubigeo", "name", "level", "parent", "population", "works", "investment",
                     "accrued", "paralysed", "paralysed_investment", "avg_physical"])
    alerts = _alert_metrics(filters.with_area(parent), level)
    frame = frame.merge(alerts, on="ubigeo", how="left")
    return _derived(frame)


def _alert_metrics(filters: Filters, level: int) -> pd.DataFrame:
    """Alert counts per area (each work's amount at risk once) from the alerts module."""
    return pd.DataFrame(alert_counts(filters, level), columns=["ubigeo", *ALERT_COLUMNS])


def _derived(frame: pd.DataFrame) -> pd.DataFrame:
    """Numbers as floats, rates and per-inhabitant figures."""
    numeric = ["works", "investment", "accrued", "paralysed", "paralysed_investment",
               "avg_physical", *ALERT_COLUMNS]
    frame[numeric] = frame[numeric].astype(float)
    frame[list(ALERT_COLUMNS)] = frame[list(ALERT_COLUMNS)].fillna(0.0)
    population = frame["population"].astype(float).where(frame["population"] > 0)
    works = frame["works"].where(frame["works"] > 0)
    frame["paralysed_pct"] = 100 * frame["paralysed"] / works
    frame["accrued_pct"] = 100 * frame["accrued"] / frame["investment"].where(
        frame["investment"] > 0)
    frame["works_per_10k"] = 10_000 * frame["works"] / population
    frame["investment_per_capita"] = frame["investment"] / population
    frame["accrued_per_capita"] = frame["accrued"] / population
    frame["alerts_per_10k"] = 10_000 * frame["alerts"] / population
    frame["amount_at_risk_per_capita"] = frame["amount_at_risk"] / population
    counts = list(COUNT_COLUMNS)
    frame[counts] = frame[counts].round().astype("int64")  # 653 works, not 653.0
    return frame


# -- peers -----------------------------------------------------------------------------
def peers_stmt(ubigeo: str, n: int = PEERS) -> sa.Select:
    """Areas of the same level (and region, below the region level) closest in population."""
    a = area.c
    target = sa.select(a.population).where(a.ubigeo == ubigeo).scalar_subquery()
    stmt = (sa.select(a.ubigeo)
            .where(a.level == level_of(ubigeo), a.ubigeo != ubigeo, a.population.is_not(None))
            .order_by(sa.func.abs(a.population - target), a.ubigeo).limit(n))
    if level_of(ubigeo) > 1:
        stmt = stmt.where(a.ubigeo.startswith(ubigeo[:2], autoescape=True))
    return stmt


def peers(ubigeo: str, n: int = PEERS) -> list[str]:
    """The `n` peers of an area, nearest population first."""
    with db.read_engine().connect() as conn:
        return list(conn.execute(peers_stmt(ubigeo, n)).scalars())


# -- month by month --------------------------------------------------------------------
def monthly_stmt(ubigeos: tuple[str, ...], filters: Filters) -> sa.Select:
    """Per area and month: money accrued that month (increase of each work's cumulative
    accrued), the running total, and the average physical progress of the works reporting."""
    level = level_of(ubigeos[0])
    p = work_progress.c
    previous = sa.func.lag(p.amount_accrued).over(partition_by=p.infobras_code,
                                                  order_by=p.month)
    steps = filters.where(
        sa.select(_prefix(level).label("ubigeo"), p.month, p.physical_real,
                  (p.amount_accrued - sa.func.coalesce(previous, 0)).label("spent"))
        .select_from(work_progress.join(work, work.c.infobras_code == p.infobras_code))
        .where(_prefix(level).in_(ubigeos)), include_area=False).subquery("steps")
    monthly = (sa.select(steps.c.ubigeo, steps.c.month,
                         sa.func.coalesce(sa.func.sum(steps.c.spent), 0).label("spent"),
                         sa.func.avg(steps.c.physical_real).label("avg_physical"),
                         sa.func.count().label("works_reporting"))
               .group_by(steps.c.ubigeo, steps.c.month).subquery("monthly"))
    m = monthly.c
    return sa.select(
        m.ubigeo, m.month, sa.cast(m.spent, sa.Float).label("spent"),
        sa.cast(sa.func.sum(m.spent).over(partition_by=m.ubigeo, order_by=m.month), sa.Float)
        .label("accrued"),
        sa.cast(m.avg_physical, sa.Float).label("avg_physical"), m.works_reporting,
    ).order_by(m.ubigeo, m.month)


def monthly_view_stmt(ubigeos: tuple[str, ...]) -> sa.Select:
    """monthly_stmt's rows for no filter, from the precomputed area_monthly."""
    m = area_monthly.c
    return (sa.select(
        m.ubigeo, m.month, sa.cast(m.spent, sa.Float).label("spent"),
        sa.cast(sa.func.sum(m.spent).over(partition_by=m.ubigeo, order_by=m.month), sa.Float)
        .label("accrued"),
        sa.cast(m.physical_sum / sa.func.nullif(m.physical_n, 0), sa.Float)
        .label("avg_physical"), m.works_reporting)
        .where(m.level == level_of(ubigeos[0]), m.ubigeo.in_(ubigeos))
        .order_by(m.ubigeo, m.month))


def monthly(ubigeos: tuple[str, ...], filters: Filters) -> pd.DataFrame:
    """Monthly series of the areas (same level), empty when there is no history; from the
    precomputed table when nothing filters the works and it is fresh."""
    columns = ["ubigeo", "month", "spent", "accrued", "avg_physical", "works_reporting"]
    if not ubigeos:
        return pd.DataFrame(columns=columns)
    with db.read_engine().connect() as conn:
        stmt = (monthly_view_stmt(ubigeos) if unfiltered_and_fresh(conn, filters)
                else monthly_stmt(ubigeos, filters))
        return pd.DataFrame(conn.execute(stmt).mappings().all(), columns=columns)
