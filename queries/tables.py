"""SQLAlchemy Core views of the tables in sql/schema.sql (the DDL itself lives in the .sql)."""

from __future__ import annotations

import sqlalchemy as sa
from geoalchemy2 import Geometry
from sqlalchemy.dialects.postgresql import ARRAY, JSONB

metadata = sa.MetaData()

load_run = sa.Table(
    "load_run", metadata,
    sa.Column("id", sa.BigInteger, primary_key=True),
    sa.Column("loader", sa.Text), sa.Column("source", sa.Text), sa.Column("source_date", sa.Date),
    sa.Column("started_at", sa.DateTime(timezone=True)),
    sa.Column("finished_at", sa.DateTime(timezone=True)),
    sa.Column("status", sa.Text), sa.Column("rows_read", sa.Integer),
    sa.Column("loaded", sa.Integer), sa.Column("updated", sa.Integer),
    sa.Column("unchanged", sa.Integer), sa.Column("quarantined", sa.Integer),
    sa.Column("message", sa.Text), sa.Column("duplicates", sa.Integer),
)

quarantine = sa.Table(
    "quarantine", metadata,
    sa.Column("id", sa.BigInteger, primary_key=True),
    sa.Column("load_run_id", sa.BigInteger), sa.Column("loader", sa.Text),
    sa.Column("source", sa.Text), sa.Column("row_number", sa.Integer),
    sa.Column("record_key", sa.Text), sa.Column("reason_code", sa.Text),
    sa.Column("reason", sa.Text), sa.Column("raw", JSONB),
    sa.Column("created_at", sa.DateTime(timezone=True)),
)

area = sa.Table(
    "area", metadata,
    sa.Column("ubigeo", sa.Text, primary_key=True),
    sa.Column("level", sa.SmallInteger), sa.Column("name", sa.Text),
    sa.Column("parent", sa.Text), sa.Column("region_name", sa.Text),
    sa.Column("province_name", sa.Text), sa.Column("capital", sa.Text),
    sa.Column("population", sa.Integer), sa.Column("area_km2", sa.Float),
    sa.Column("geom", Geometry("MULTIPOLYGON", srid=4326, spatial_index=False)),
    sa.Column("geom_display", Geometry("MULTIPOLYGON", srid=4326, spatial_index=False)),
    sa.Column("capital_point", Geometry("POINT", srid=4326, spatial_index=False)),
    sa.Column("geom_source", sa.Text), sa.Column("flags", ARRAY(sa.Text)),
)

work = sa.Table(
    "work", metadata,
    sa.Column("infobras_code", sa.BigInteger, primary_key=True),
    sa.Column("cui", sa.Text), sa.Column("snip", sa.Text),
    sa.Column("name", sa.Text), sa.Column("project_name", sa.Text),
    sa.Column("entity", sa.Text), sa.Column("government_level", sa.Text),
    sa.Column("sector", sa.Text), sa.Column("work_type_1", sa.Text),
    sa.Column("work_type_2", sa.Text), sa.Column("work_type_3", sa.Text),
    sa.Column("modality", sa.Text),
    sa.Column("declared_department", sa.Text), sa.Column("declared_province", sa.Text),
    sa.Column("declared_district", sa.Text),
    sa.Column("ubigeo", sa.Text), sa.Column("ubigeo_method", sa.Text),
    sa.Column("geom", Geometry("POINT", srid=4326, spatial_index=False)),
    sa.Column("geom_source", sa.Text), sa.Column("coords_ubigeo", sa.Text),
    sa.Column("location_mismatch", sa.Boolean),
    sa.Column("status", sa.Text), sa.Column("paralysis_cause", sa.Text),
    sa.Column("paralysis_date", sa.Date), sa.Column("paralysis_days", sa.Integer),
    sa.Column("amount_technical_file", sa.Numeric(16, 2)),
    sa.Column("amount_contract", sa.Numeric(16, 2)),
    sa.Column("amount_updated", sa.Numeric(16, 2)),
    sa.Column("amount_accrued", sa.Numeric(16, 2)),
    sa.Column("amount_additional", sa.Numeric(16, 2)),
    sa.Column("physical_progress", sa.Numeric(7, 2)),
    sa.Column("physical_programmed", sa.Numeric(7, 2)),
    sa.Column("financial_progress", sa.Numeric(8, 2)),
    sa.Column("approval_date", sa.Date), sa.Column("start_date", sa.Date),
    sa.Column("programmed_end", sa.Date), sa.Column("reprogrammed_end", sa.Date),
    sa.Column("real_end", sa.Date), sa.Column("last_progress_date", sa.Date),
    sa.Column("last_physical_advance", sa.Date),
    sa.Column("contractor_name", sa.Text), sa.Column("contractor_ruc", sa.Text),
    sa.Column("supervisor_name", sa.Text), sa.Column("supervisor_ruc", sa.Text),
    sa.Column("last_update", sa.Date), sa.Column("start_year", sa.SmallInteger),
    sa.Column("amount_investment", sa.Numeric(16, 2)),
    sa.Column("source", sa.Text), sa.Column("source_date", sa.Date),
    sa.Column("extra", JSONB), sa.Column("load_run_id", sa.BigInteger),
    sa.Column("entity_id", sa.Text),   # generated from entity and region (sql/sources.sql)
)

work_progress = sa.Table(
    "work_progress", metadata,
    sa.Column("infobras_code", sa.BigInteger, primary_key=True),
    sa.Column("month", sa.Date, primary_key=True),
    sa.Column("physical_programmed", sa.Numeric(7, 2)),
    sa.Column("physical_real", sa.Numeric(7, 2)),
    sa.Column("financial", sa.Numeric(8, 2)),
    sa.Column("amount_accrued", sa.Numeric(16, 2)),
    sa.Column("status", sa.Text),
)
