"""An executing entity (a ministry, a regional government, a municipality) with everything
the sources say about it: its works (INFObras), investments (MEF), procurement processes and
contracts (SEACE), control reports (CGR) and the alerts of its works.

The entity is keyed by `entity_key(name, region)` (sql/sources.sql), the same key in every
source; geodata.links rebuilds the `entity` table from them. Every statement reads by an
index on `entity_id`, so a page takes a few milliseconds whatever the size of the country.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from queries import db
from queries import parties as p
from queries.source_tables import (
    control_report,
    entity,
    investment,
    investment_source,
    procurement_process,
)
from queries.tables import area

REPORTS_LIMIT = 100


def entity_stmt(entity_id: str) -> sa.Select:
    """The entity with its region's name."""
    return (sa.select(entity, area.c.name.label("region_name"))
            .select_from(entity.outerjoin(area, area.c.ubigeo == entity.c.region_ubigeo))
            .where(entity.c.id == entity_id))


def _investments(entity_id: str) -> sa.Subquery:
    """The investments whose entity, in the sources' precedence, is this one. The view
    `investment` merges each CUI's sources; asked for the CUIs any source gives the entity
    as one array (`cui = ANY(ARRAY(...))`), PostgreSQL merges only those (5 ms), where a
    join, or a filter on its entity_id, first merges every investment of the country."""
    cuis = sa.func.array(sa.select(investment_source.c.cui).distinct()
                         .where(investment_source.c.entity_id == entity_id).scalar_subquery())
    i = investment.c
    return (sa.select(investment)
            .where(i.cui == sa.func.any(cuis), i.entity_id == entity_id)
            .subquery("investments"))


def investments_stmt(entity_id: str, limit: int = p.LIST_LIMIT) -> sa.Select:
    """The entity's investments, largest updated cost first."""
    i = _investments(entity_id).c
    return (sa.select(i.cui, i.name, i.status, i.sector,
                      sa.cast(i.amount_viable, sa.Float).label("amount_viable"),
                      sa.cast(i.amount_updated, sa.Float).label("amount_updated"),
                      i.viability_date, i.sources)
            .order_by(sa.func.coalesce(i.amount_updated, i.amount_viable).desc().nulls_last(),
                      i.cui)
            .limit(limit))


def investment_years_stmt(entity_id: str) -> sa.Select:
    """The investments by year of viability: how many, viable amount, updated cost (each
    CUI once, however many districts or sources repeat it)."""
    i = _investments(entity_id).c
    year = sa.cast(sa.extract("year", i.viability_date), sa.Integer)
    return (sa.select(year.label("year"), sa.func.count().label("investments"),
                      sa.func.sum(i.amount_viable).label("amount_viable"),
                      sa.func.sum(i.amount_updated).label("amount_updated"))
            .group_by(year).order_by(year))


def reports_stmt(entity_id: str, limit: int = REPORTS_LIMIT) -> sa.Select:
    r = control_report.c
    return (sa.select(r.id, r.number, r.title, r.service_type, r.issued_date,
                      r.published_date, r.persons_responsible, r.responsibility_type,
                      r.pdf_url, r.summary_url, r.region_name)
            .where(r.entity_id == entity_id)
            .order_by(r.issued_date.desc().nulls_last(), r.id)
            .limit(limit))


def report_totals_stmt(entity_id: str) -> sa.Select:
    r = control_report.c
    return (sa.select(sa.func.count().label("reports"),
                      sa.func.sum(r.persons_responsible).label("persons_responsible"))
            .where(r.entity_id == entity_id))


def process_totals_stmt(entity_id: str) -> sa.Select:
    pp = procurement_process.c
    return (sa.select(sa.func.count().label("processes"),
                      sa.func.sum(pp.reference_amount).label("reference_amount"))
            .where(pp.entity_id == entity_id))


def _reads(key: sa.BindParameter) -> dict[str, sa.Select]:
    codes, by_entity = p.entity_works(key), procurement_process.c.entity_id == key
    return {
        "entity": entity_stmt(key), "work_groups": p.work_groups_stmt(codes),
        "works": p.works_stmt(codes), "investment_years": investment_years_stmt(key),
        "investments": investments_stmt(key), "alert_rules": p.alert_rules_stmt(codes),
        "alert_works": p.alert_works_stmt(codes), "alerts": p.top_alerts_stmt(codes),
        "process_totals": process_totals_stmt(key), "processes": p.processes_stmt(by_entity),
        "contract_totals": p.contract_totals_stmt(by_entity),
        "contracts": p.contracts_stmt(by_entity), "report_totals": report_totals_stmt(key),
        "reports": reports_stmt(key)}


READS = p.Reads(_reads)
_ONE_ROW = ("alert_works", "process_totals", "contract_totals", "report_totals")


def entity_page(entity_id: str) -> dict[str, Any] | None:
    """Everything the page /entidad/<id> and /api/v1/entities/<id> show, read at once on one
    connection; None when no source names the entity."""
    with db.read_engine().connect() as conn:
        page = READS.fetch(conn, entity_id)
    if not page["entity"]:
        return None
    return {name: p.first(rows) if name in ("entity", *_ONE_ROW) else rows
            for name, rows in page.items()}


def entity_api(entity_id: str) -> dict[str, Any] | None:
    """/api/v1/entities/<id>: the page's figures, each list with its exact totals."""
    page = entity_page(entity_id)
    if page is None:
        return None
    years = page["investment_years"]
    return {
        **page["entity"],
        "works": p.works_part(page),
        "alerts": p.alerts_part(page),
        "investments": {"total": sum(r["investments"] for r in years),
                        "amount_viable": p.exact_sum(r["amount_viable"] for r in years),
                        "amount_updated": p.exact_sum(r["amount_updated"] for r in years),
                        "by_viability_year": years, "items": page["investments"]},
        "processes": {"total": page["process_totals"].get("processes") or 0,
                      "reference_amount": page["process_totals"].get("reference_amount"),
                      "items": page["processes"]},
        "contracts": p.contracts_part(page),
        "control_reports": {"total": page["report_totals"].get("reports") or 0,
                            "persons_responsible":
                                page["report_totals"].get("persons_responsible"),
                            "items": page["reports"]},
    }
