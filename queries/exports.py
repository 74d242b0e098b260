"""The works of a filtered selection, shaped for open-data downloads and the JSON API.

One statement serves the CSV, GeoJSON, GeoPackage and JSON outputs, so every format holds the
same rows and columns (the exact selection the explorer shows for the same Filters). Field
names are the database's (English snake_case, documented in the OpenAPI description);
amounts are soles, percentages 0-100, dates ISO, coordinates WGS84 lon/lat.
"""

from __future__ import annotations

from collections.abc import Iterator

import geopandas as gpd
import pandas as pd
import sqlalchemy as sa
from geoalchemy2 import functions as gf

from geodata.infobras_format import STATUS_LABELS
from queries import db
from queries.filters import Filters
from queries.tables import area, work

_region = area.alias("region")
_province = area.alias("province")
_district = area.alias("district")

# Work columns in export order (numbers cast to float so every format and JSON takes them).
TEXT_COLUMNS = ("cui", "snip", "name", "entity", "government_level", "sector", "work_type_1",
                "work_type_2", "work_type_3", "modality", "ubigeo")
AMOUNT_COLUMNS = ("amount_technical_file", "amount_contract", "amount_updated",
                  "amount_investment", "amount_accrued", "amount_additional")
PERCENT_COLUMNS = ("physical_progress", "physical_programmed", "financial_progress")
DATE_COLUMNS = ("paralysis_date", "approval_date", "start_date", "programmed_end",
                "reprogrammed_end", "real_end", "last_progress_date", "last_physical_advance")
PARTY_COLUMNS = ("contractor_name", "contractor_ruc", "supervisor_name", "supervisor_ruc")


def _columns() -> list:
    c = work.c
    status_label = sa.case({k: sa.literal(v) for k, v in STATUS_LABELS.items()},
                           value=c.status, else_=c.status)
    cols = [c.infobras_code]
    cols += [c[name] for name in TEXT_COLUMNS]
    cols += [_region.c.name.label("region"), _province.c.name.label("province"),
             _district.c.name.label("district"),
             c.status, status_label.label("status_label"), c.paralysis_cause,
             c.paralysis_days]
    cols += [sa.cast(c[name], sa.Float).label(name) for name in AMOUNT_COLUMNS + PERCENT_COLUMNS]
    cols += [c[name] for name in DATE_COLUMNS]
    cols += [c[name] for name in PARTY_COLUMNS]
    cols += [c.geom_source, c.location_mismatch,
             gf.ST_X(c.geom).label("longitude"), gf.ST_Y(c.geom).label("latitude"),
             c.last_update, c.source, c.source_date]
    return cols


def _from() -> sa.FromClause:
    c = work.c
    return (work.outerjoin(_district, _district.c.ubigeo == c.ubigeo)
            .outerjoin(_province, _province.c.ubigeo == sa.func.left(c.ubigeo, 4))
            .outerjoin(_region, _region.c.ubigeo == sa.func.left(c.ubigeo, 2)))


def works_export_stmt(filters: Filters, limit: int | None = None, offset: int = 0,
                      with_geom: bool = False) -> sa.Select:
    """The selection, one row per work, in a stable order (INFObras code)."""
    cols = _columns() + ([work.c.geom] if with_geom else [])
    stmt = filters.where(sa.select(*cols).select_from(_from())).order_by(work.c.infobras_code)
    if limit is not None:
        stmt = stmt.limit(limit).offset(offset)
    return stmt


def export_columns() -> list[str]:
    """The field names of every export, in order."""
    return [col.name for col in _columns()]


def works_count_stmt(filters: Filters) -> sa.Select:
    return filters.where(sa.select(sa.func.count()).select_from(work))


def works_count(filters: Filters) -> int:
    with db.read_engine().connect() as conn:
        return conn.execute(works_count_stmt(filters)).scalar_one()


def works_rows(filters: Filters, limit: int | None = None, offset: int = 0) -> list[dict]:
    """Rows as dicts (JSON API pages)."""
    with db.read_engine().connect() as conn:
        result = conn.execute(works_export_stmt(filters, limit, offset))
        return [dict(r) for r in result.mappings()]


def iter_works_rows(filters: Filters, chunk: int = 2000) -> Iterator[tuple]:
    """Every row of the selection through a server-side cursor (big CSVs stream)."""
    with db.read_engine().connect() as conn:
        result = conn.execution_options(stream_results=True, yield_per=chunk).execute(
            works_export_stmt(filters))
        yield from result


def works_frame(filters: Filters) -> gpd.GeoDataFrame:
    """The selection as a GeoDataFrame in EPSG:4326 (point geometry; None where unknown)."""
    with db.read_engine().connect() as conn:
        frame = gpd.read_postgis(works_export_stmt(filters, with_geom=True), conn,
                                 geom_col="geom", crs="EPSG:4326")
    for name in (*DATE_COLUMNS, "last_update", "source_date"):
        frame[name] = pd.to_datetime(frame[name])
    numbers = list(AMOUNT_COLUMNS + PERCENT_COLUMNS)
    frame[numbers] = frame[numbers].astype(float)
    frame["paralysis_days"] = frame["paralysis_days"].astype("Int64")
    return frame.rename_geometry("geometry")
