"""Everything one area's briefing shows: its KPIs, its children on a map, its top alerts,
its paralysed works by amount and its monthly trend, with the data's date."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import geopandas as gpd
import pandas as pd
import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import aggregate_order_by

from queries import api_alerts, compare, data_sources, db, exports
from queries.alerts import AlertSelection
from queries.api_works import Page
from queries.filters import Filters
from queries.tables import area, work

TOP_ALERTS = 5
TOP_PARALYSED = 8


@dataclass
class Briefing:
    """The facts of one area under the given filters."""

    ubigeo: str
    name: str
    level: int
    lineage: list[str]                 # parent names, region first
    population: int | None
    filters: Filters
    kpis: dict[str, Any]
    children: pd.DataFrame             # area_metrics of the next level (empty for a district)
    top_alerts: list[dict] | None      # None: alerts not computed in this database
    paralysed: list[dict]
    trend: pd.DataFrame
    data_date: date | datetime | None

    @property
    def child_level(self) -> int | None:
        return self.level + 1 if self.level < 3 else None


def area_row_stmt(ubigeo: str) -> sa.Select:
    a = area.c
    parents = (sa.select(sa.func.array_agg(aggregate_order_by(a.name, a.level)))
               .where(a.ubigeo.in_([ubigeo[:2], ubigeo[:4]]), a.ubigeo != ubigeo)
               .scalar_subquery())
    return sa.select(a.ubigeo, a.name, a.level, a.population, parents.label("lineage")).where(
        a.ubigeo == ubigeo)


def paralysed_stmt(filters: Filters, limit: int = TOP_PARALYSED) -> sa.Select:
    """The area's paralysed works, biggest investment first."""
    return (exports.works_export_stmt(filters).order_by(None)
            .order_by(work.c.amount_investment.desc().nulls_last(), work.c.infobras_code)
            .limit(limit))


def briefing(ubigeo: str, filters: Filters) -> Briefing | None:
    """The briefing of an area (None when the ubigeo is unknown); `filters.area` is ignored."""
    with db.read_engine().connect() as conn:
        row = conn.execute(area_row_stmt(ubigeo)).mappings().first()
        if row is None:
            return None
        scoped = filters.with_area(ubigeo)
        paralysed = []
        if not filters.status or "paralizada" in filters.status:
            only_paralysed = dataclasses.replace(scoped, status=("paralizada",))
            paralysed = [dict(r) for r in conn.execute(paralysed_stmt(only_paralysed)).mappings()]
    level = row["level"]
    kpis = compare.area_metrics(level, filters, ubigeos=(ubigeo,)).iloc[0].to_dict()
    children = (compare.area_metrics(level + 1, filters, parent=ubigeo) if level < 3
                else pd.DataFrame())
    top_alerts = (api_alerts.alerts_page(AlertSelection(scoped), Page(1, TOP_ALERTS))["items"]
                  if api_alerts.alerts_computed() else None)
    return Briefing(
        ubigeo=ubigeo, name=row["name"], level=level, lineage=list(row["lineage"] or []),
        population=row["population"], filters=filters, kpis=kpis, children=children,
        top_alerts=top_alerts, paralysed=paralysed,
        trend=compare.monthly((ubigeo,), filters), data_date=data_sources.data_date())


def shapes_stmt(ubigeo: str) -> sa.Select:
    """The display polygons of the area's children (the area itself for a district)."""
    a = area.c
    level = compare.level_of(ubigeo)
    stmt = sa.select(a.ubigeo, a.name, a.geom_display.label("geom"))
    if level == 3:
        return stmt.where(a.ubigeo == ubigeo)
    return stmt.where(a.level == level + 1, a.ubigeo.startswith(ubigeo, autoescape=True))


def shapes(ubigeo: str) -> gpd.GeoDataFrame:
    """Polygons for the server-rendered map (PDF/PNG only; pages get GeoJSON by URL)."""
    with db.read_engine().connect() as conn:
        return gpd.read_postgis(shapes_stmt(ubigeo), conn, geom_col="geom", crs="EPSG:4326")


def points_stmt(filters: Filters) -> sa.Select:
    c = work.c
    return filters.where(sa.select(c.infobras_code, c.status, c.geom)
                         .where(c.geom.is_not(None)))


def points(filters: Filters) -> gpd.GeoDataFrame:
    """The located works of the selection (a district's map shows them)."""
    with db.read_engine().connect() as conn:
        return gpd.read_postgis(points_stmt(filters), conn, geom_col="geom", crs="EPSG:4326")



def bounds(ubigeo: str) -> tuple[float, float, float, float] | None:
    """The area's extent (west, south, east, north); None without a polygon."""
    geom = area.c.geom_display
    stmt = sa.select(sa.func.ST_XMin(geom), sa.func.ST_YMin(geom), sa.func.ST_XMax(geom),
                     sa.func.ST_YMax(geom)).where(area.c.ubigeo == ubigeo, geom.is_not(None))
    with db.read_engine().connect() as conn:
        row = conn.execute(stmt).first()
    return tuple(row) if row else None
