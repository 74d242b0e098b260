"""The JSON API's areas: INEI regions, provinces and districts, without their polygons
(boundaries are served as static GeoJSON by URL)."""

from __future__ import annotations

from typing import Any

import pandas as pd
import sqlalchemy as sa
from geoalchemy2 import functions as gf

from queries import db
from queries.alerts import alert_counts, last_run
from queries.compare import area_metrics, level_of
from queries.filters import FilterError, Filters
from queries.tables import area

LEVELS = (1, 2, 3)
SIX_MONTHS_RULE = "paralizada"   # geodata.alert_rules: no physical progress for 6 months


def name_paralysis(frame: pd.DataFrame, filters: Filters, level: int) -> pd.DataFrame:
    """Both counts of paralysed works, each named for what it counts: `paralysed_by_status`
    (the source's status is «paralizada»), `paralysed_6_months_rule` (works the CGR's rule
    flags: no physical progress for six months or more; null before alerts are computed).
    `paralysed` stays, deprecated, equal to `paralysed_by_status`."""
    frame = frame.copy()
    frame["paralysed_by_status"] = frame["paralysed"]
    if last_run() is None:
        frame["paralysed_6_months_rule"] = None
        return frame
    flagged = {r["ubigeo"]: r["works_with_alerts"]
               for r in alert_counts(filters, level, rules=(SIX_MONTHS_RULE,))}
    frame["paralysed_6_months_rule"] = [int(flagged.get(u, 0)) for u in frame["ubigeo"]]
    return frame


def parse_level(value: str | None, parent: str | None, allow_same: bool = False
                ) -> int | None:
    """`level` 1-3, below the parent's level (or equal with `allow_same`); defaults to the
    parent's children (the parent itself for a district with `allow_same`)."""
    if value in (None, ""):
        if not parent:
            return None
        return min(level_of(parent) + 1, 3) if allow_same else (
            level_of(parent) + 1 if level_of(parent) < 3 else None)
    if value not in ("1", "2", "3"):
        raise FilterError("«level» debe ser 1 (región), 2 (provincia) o 3 (distrito).")
    level = int(value)
    if parent and (level < level_of(parent) or (level == level_of(parent) and not allow_same)):
        raise FilterError("«level» debe ser más fino que el nivel de «parent».")
    return level


def parse_ubigeo(value: str | None) -> str | None:
    """A ubigeo checked as the works filter checks its `area` (FilterError if malformed)."""
    return Filters.from_query({"area": value}).area


def _columns() -> list:
    a = area.c
    return [a.ubigeo, a.level, a.name, a.parent, a.region_name, a.province_name, a.capital,
            a.population, a.area_km2, a.geom_source, a.flags,
            gf.ST_X(a.capital_point).label("capital_longitude"),
            gf.ST_Y(a.capital_point).label("capital_latitude")]


def areas_stmt(level: int | None = None, parent: str | None = None) -> sa.Select:
    a = area.c
    stmt = sa.select(*_columns()).order_by(a.ubigeo)
    if level is not None:
        stmt = stmt.where(a.level == level)
    if parent:
        stmt = stmt.where(a.ubigeo.startswith(parent, autoescape=True), a.ubigeo != parent)
    return stmt


def areas(level: int | None = None, parent: str | None = None) -> list[dict[str, Any]]:
    """Areas of a level and/or under a parent, by ubigeo."""
    with db.read_engine().connect() as conn:
        return [dict(r) for r in conn.execute(areas_stmt(level, parent)).mappings()]


def area_detail(ubigeo: str) -> dict[str, Any] | None:
    """One area with its works metrics (no filters); None when the ubigeo is unknown."""
    with db.read_engine().connect() as conn:
        row = conn.execute(sa.select(*_columns()).where(area.c.ubigeo == ubigeo)
                           ).mappings().first()
    if row is None:
        return None
    metrics = name_paralysis(area_metrics(level_of(ubigeo), Filters(), ubigeos=(ubigeo,)),
                             Filters(area=ubigeo), level_of(ubigeo))
    return {**row, "metrics": metrics.drop(columns=["ubigeo", "name", "level", "parent",
                                                    "population"]).iloc[0].to_dict()}
