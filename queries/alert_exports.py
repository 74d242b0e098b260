"""The alerts of a selection, shaped for open-data downloads (CSV, GeoJSON, GeoPackage).

The same selection as the alerts page and `/api/v1/alerts` (queries.alerts.AlertSelection),
every row, in the page's default order (biggest amount at risk first), with the evidence as
JSON text and the work's point.
"""

from __future__ import annotations

from collections.abc import Iterator

import geopandas as gpd
import sqlalchemy as sa
from geoalchemy2 import functions as gf

from queries import db
from queries.alerts import AlertSelection, TablePage, alert, alerts_table_stmt
from queries.tables import work

COLUMNS = ("infobras_code", "rule_code", "rule_name", "severity", "state", "amount_at_risk",
           "message", "evidence", "work_name", "entity", "status", "ubigeo", "district",
           "region", "geom_source", "longitude", "latitude", "computed_at")


def alerts_export_stmt(selection: AlertSelection, with_geom: bool = False) -> sa.Select:
    """Every alert of the selection (no paging), one row per alert and work."""
    base = alerts_table_stmt(selection, TablePage()).limit(None).offset(None)
    extra = [sa.cast(alert.c.evidence, sa.Text).label("evidence"), work.c.geom_source,
             gf.ST_X(work.c.geom).label("longitude"), gf.ST_Y(work.c.geom).label("latitude"),
             alert.c.computed_at]
    stmt = base.add_columns(*extra, *([work.c.geom] if with_geom else []))
    by_name = {c.name: c for c in stmt.selected_columns}
    ordered = [by_name[name] for name in COLUMNS] + ([by_name["geom"]] if with_geom else [])
    return stmt.with_only_columns(*ordered, maintain_column_froms=True)


def iter_alert_rows(selection: AlertSelection, chunk: int = 2000) -> Iterator[tuple]:
    """Every row through a server-side cursor (a national CSV streams)."""
    with db.read_engine().connect() as conn:
        yield from conn.execution_options(stream_results=True, yield_per=chunk).execute(
            alerts_export_stmt(selection))


def alerts_frame(selection: AlertSelection) -> gpd.GeoDataFrame:
    """The selection as a GeoDataFrame in EPSG:4326 (the work's point; None where unknown)."""
    with db.read_engine().connect() as conn:
        frame = gpd.read_postgis(alerts_export_stmt(selection, with_geom=True), conn,
                                 geom_col="geom", crs="EPSG:4326")
    frame["computed_at"] = frame["computed_at"].dt.tz_convert(None)
    return frame.rename_geometry("geometry")
