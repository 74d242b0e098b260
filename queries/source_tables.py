"""SQLAlchemy Core views of the joined sources' tables (DDL in sql/sources.sql): MEF
investments, SEACE procurement, CGR control reports, entities and the links between them."""

from __future__ import annotations

import sqlalchemy as sa
from geoalchemy2 import Geometry
from sqlalchemy.dialects.postgresql import ARRAY, JSONB

from queries.tables import metadata

_money = sa.Numeric(16, 2)


def _cols(*names: str, kind=sa.Text) -> list[sa.Column]:
    return [sa.Column(n, kind) for n in names]


investment_source = sa.Table(
    "investment_source", metadata,
    sa.Column("cui", sa.Text, primary_key=True), sa.Column("source", sa.Text, primary_key=True),
    sa.Column("source_date", sa.Date),
    *_cols("name", "status", "sector", "function", "entity_name", "executor", "region_ubigeo"),
    *_cols("amount_viable", "amount_updated", kind=_money),
    *_cols("registration_date", "viability_date", "last_modified", kind=sa.Date),
    sa.Column("beneficiaries", sa.BigInteger), sa.Column("extra", JSONB),
    sa.Column("load_run_id", sa.BigInteger), sa.Column("entity_id", sa.Text),
)

investment_place = sa.Table(
    "investment_place", metadata,
    sa.Column("cui", sa.Text, primary_key=True), sa.Column("source", sa.Text, primary_key=True),
    sa.Column("seq", sa.Integer, primary_key=True),
    *_cols("ubigeo", "department", "province", "district", "locality"),
    sa.Column("geom", Geometry("POINT", srid=4326, spatial_index=False)),
)

investment = sa.Table(  # a view: each field from the first source in precedence
    "investment", metadata,
    sa.Column("cui", sa.Text, primary_key=True),
    *_cols("name", "status", "sector", "entity_id", "entity_name"),
    *_cols("amount_viable", "amount_updated", kind=_money),
    sa.Column("viability_date", sa.Date), sa.Column("region_ubigeo", sa.Text),
    sa.Column("sources", ARRAY(sa.Text)),
)

supplier = sa.Table(
    "supplier", metadata, sa.Column("ruc", sa.Text, primary_key=True),
    *_cols("name", "kind", "source"), sa.Column("load_run_id", sa.BigInteger),
)

supplier_sanction = sa.Table(
    "supplier_sanction", metadata,
    sa.Column("ruc", sa.Text, primary_key=True), sa.Column("key", sa.Text, primary_key=True),
    sa.Column("kind", sa.Text), *_cols("start_date", "end_date", kind=sa.Date),
    *_cols("resolution", "reason_code", "reason", "authority", "source"),
    sa.Column("load_run_id", sa.BigInteger),
)

procurement_process = sa.Table(
    "procurement_process", metadata,
    sa.Column("id", sa.Text, primary_key=True), *_cols("ocid", "source"),
    sa.Column("source_date", sa.Date),
    *_cols("entity_name", "entity_ruc", "region_ubigeo", "nomenclature", "description",
           "procedure_type", "object", "sector", "contracting_system"),
    sa.Column("reference_amount", _money), sa.Column("currency", sa.Text),
    *_cols("call_date", "submission_date", kind=sa.Date), sa.Column("cui", sa.Text),
    sa.Column("extra", JSONB), sa.Column("load_run_id", sa.BigInteger),
    sa.Column("entity_id", sa.Text),
)

process_item = sa.Table(
    "process_item", metadata,
    sa.Column("process_id", sa.Text, primary_key=True),
    sa.Column("item_no", sa.Integer, primary_key=True), *_cols("description", "status"),
    *_cols("reference_amount", "awarded_amount", "awarded_quantity", kind=_money),
    sa.Column("winner_ruc", sa.Text), *_cols("award_date", "consent_date", kind=sa.Date),
    *_cols("department", "province", "district", "ubigeo"),
)

bid = sa.Table(
    "bid", metadata,
    sa.Column("process_id", sa.Text, primary_key=True),
    sa.Column("item_no", sa.Integer, primary_key=True),
    sa.Column("bidder_ruc", sa.Text, primary_key=True), sa.Column("bidder_name", sa.Text),
    sa.Column("submitted", sa.Date), sa.Column("amount", _money),
)

contract = sa.Table(
    "contract", metadata,
    sa.Column("id", sa.Text, primary_key=True), sa.Column("process_id", sa.Text),
    sa.Column("item_no", sa.Integer), *_cols("supplier_ruc", "number"),
    *_cols("signed_date", "start_date", "end_date", "end_date_updated", kind=sa.Date),
    *_cols("amount", "amount_item", "amount_additional", "amount_reduction", "amount_extension",
           "amount_complementary", kind=_money),
    *_cols("currency", "url", "source"), sa.Column("source_date", sa.Date),
    sa.Column("load_run_id", sa.BigInteger),
)

contract_penalty = sa.Table(
    "contract_penalty", metadata,
    sa.Column("contract_id", sa.Text, primary_key=True),
    sa.Column("key", sa.Text, primary_key=True), sa.Column("kind", sa.Text),
    sa.Column("penalty_date", sa.Date), sa.Column("reason", sa.Text),
    sa.Column("amount", _money),
)

supplier_penalty = sa.Table(
    "supplier_penalty", metadata,
    sa.Column("contract_ref", sa.Text, primary_key=True),
    sa.Column("key", sa.Text, primary_key=True),
    *_cols("ruc", "contractor_ruc", "entity_name", "object", "kind"),
    sa.Column("penalty_date", sa.Date), sa.Column("reason", sa.Text),
    sa.Column("amount", _money), sa.Column("source", sa.Text),
)

control_report = sa.Table(
    "control_report", metadata,
    sa.Column("id", sa.Text, primary_key=True),
    *_cols("number", "region_name", "region_ubigeo", "entity_name", "service_type", "title",
           "event", "operation"),
    sa.Column("persons_responsible", sa.Integer), sa.Column("responsibility_type", sa.Text),
    *_cols("issued_date", "concluded_date", "published_date", kind=sa.Date),
    *_cols("pdf_url", "summary_url", "source"), sa.Column("source_date", sa.Date),
    sa.Column("load_run_id", sa.BigInteger), sa.Column("entity_id", sa.Text),
)

source_link = sa.Table(
    "source_link", metadata,
    *(sa.Column(n, sa.Text, primary_key=True)
      for n in ("subject_kind", "subject_key", "object_kind", "object_key")),
    sa.Column("method", sa.Text), sa.Column("confidence", sa.Numeric(3, 2)),
    sa.Column("evidence", sa.Text),
)

entity = sa.Table(
    "entity", metadata, sa.Column("id", sa.Text, primary_key=True),
    *_cols("name", "ruc", "government_level", "region_ubigeo"),
    sa.Column("names", ARRAY(sa.Text)), sa.Column("sources", ARRAY(sa.Text)),
)
