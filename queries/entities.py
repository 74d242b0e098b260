"""An executing entity (a ministry, a regional government, a municipality) with everything
the sources say about it: its works (INFObras), investments (MEF), procurement processes and
contracts (SEACE), control reports (CGR) and the alerts of its works.

The entity is keyed by `entity_key(name, region)` (sql/sources.sql), the same key in every
source; geodata.links rebuilds the `entity` table from them. Every statement reads by an
index on `entity_id`; what a national programme's thousands of works, CUIs, contracts and
alerts add up to is computed ahead (queries.entity_figures) and read live only while those
tables are stale, so a page takes a few milliseconds whatever the size of the entity.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY

from queries import db, scores
from queries import entity_figures as ef
from queries import parties as p
from queries.source_tables import (
    control_report,
    entity,
    investment,
    investment_source,
    procurement_process,
)
from queries.tables import area

REPORTS_LIMIT = p.LIST_LIMIT


def entity_stmt(entity_id: str) -> sa.Select:
    """The entity with its region's name."""
    return (sa.select(entity, area.c.name.label("region_name"))
            .select_from(entity.outerjoin(area, area.c.ubigeo == entity.c.region_ubigeo))
            .where(entity.c.id == entity_id))


def _investments(entity_id: str, computed: bool = False) -> sa.CTE:
    """The investments whose entity, in the sources' precedence, is this one. The view
    `investment` merges each CUI's sources; asked for the CUIs any source gives the entity
    as one array (`cui = ANY(ARRAY(...))`), PostgreSQL merges only those (5 ms; a national
    programme's 4,000: 150 ms), where a join, or a filter on its entity_id, first merges
    every investment of the country. A CTE: the list and the sums by year read the merge
    once. `computed`: the view's rows copied by the last refresh (queries.entity_figures)."""
    if computed:
        t = ef.entity_investment
        return sa.select(t).where(t.c.entity_id == entity_id).cte("investments")
    cuis = sa.func.array(sa.select(investment_source.c.cui).distinct()
                         .where(investment_source.c.entity_id == entity_id).scalar_subquery())
    i = investment.c
    return (sa.select(investment)
            .where(i.cui == sa.func.any(cuis), i.entity_id == entity_id)
            .cte("investments"))


def investments_stmt(entity_id: str, limit: int = p.LIST_LIMIT, computed: bool = False
                     ) -> sa.Select:
    """The entity's investments in one statement: rows of kind 'year' (by year of
    viability: how many, viable amount, updated cost; each CUI once, however many districts
    or sources repeat it), then rows of kind 'item' (the largest updated costs first)."""
    i = _investments(entity_id, computed).c
    year = sa.cast(sa.extract("year", i.viability_date), sa.Integer)
    empty = {name: sa.cast(sa.null(), kind).label(name) for name, kind in (
        ("year", sa.Integer), ("investments", sa.BigInteger), ("cui", sa.Text),
        ("name", sa.Text), ("status", sa.Text), ("sector", sa.Text),
        ("viability_date", sa.Date), ("sources", ARRAY(sa.Text)))}
    rest = [empty[n] for n in ("cui", "name", "status", "sector", "viability_date", "sources")]
    if computed:
        y = ef.entity_investment_years.c
        years = sa.select(sa.literal("year").label("kind"), y.year, y.investments,
                          y.amount_viable, y.amount_updated, *rest).where(y.entity_id == entity_id)
    else:
        years = (sa.select(sa.literal("year").label("kind"), year.label("year"),
                           sa.func.count().label("investments"),
                           sa.func.sum(i.amount_viable).label("amount_viable"),
                           sa.func.sum(i.amount_updated).label("amount_updated"), *rest)
                 .group_by(year))
    items = (sa.select(sa.literal("item").label("kind"), empty["year"], empty["investments"],
                       i.amount_viable, i.amount_updated, i.cui, i.name, i.status, i.sector,
                       i.viability_date, i.sources)
             .order_by(sa.func.coalesce(i.amount_updated, i.amount_viable).desc().nulls_last(),
                       i.cui)
             .limit(limit).subquery("items"))
    return sa.union_all(years, sa.select(items)).subquery("both").select()


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
        "entity": entity_stmt(key), "work_groups": p.work_groups_stmt(p.work_entity_id == key),
        "works": p.works_stmt(p.work_entity_id == key), "investments": investments_stmt(key),
        "alerts": p.alerts_stmt(codes),
        "process_totals": process_totals_stmt(key), "processes": p.processes_stmt(by_entity),
        "contract_totals": p.contract_totals_stmt(by_entity),
        "contracts": p.contracts_stmt(by_entity), "report_totals": report_totals_stmt(key),
        "reports": reports_stmt(key)}


def _chosen(key: sa.BindParameter, ids: sa.Column) -> sa.Subquery:
    """The ids the refresh chose for the entity's list, with their order."""
    found = sa.func.unnest(ids).table_valued("id", with_ordinality="ord").render_derived("ids")
    f = ef.entity_figures
    return (sa.select(found.c.id, found.c.ord).select_from(f).join(found, sa.true())
            .where(f.c.entity_id == key).subquery("chosen"))


def _computed_sources(key: sa.BindParameter) -> dict[str, sa.Select]:
    """The reads the part 'sources' of queries.entity_figures answers, same rows and names."""
    f, g = ef.entity_figures.c, ef.entity_work_groups.c
    return {
        "work_groups": (sa.select(g.status, g.start_year, g.works, g.investment, g.accrued,
                                  g.progress_sum, g.progress_n)
                        .where(g.entity_id == key).order_by(g.status, g.start_year)),
        "investments": investments_stmt(key, computed=True),
        "process_totals": sa.select(f.processes, f.reference_amount).where(f.entity_id == key),
        "processes": p.processes_stmt(chosen=_chosen(key, f.process_ids)),
        "contract_totals": sa.select(
            f.contracts, f.contract_amount.label("amount"),
            f.contract_additional.label("additional"),
            f.contract_reduction.label("reduction"), f.suppliers).where(f.entity_id == key),
        "contracts": p.contracts_stmt(chosen=_chosen(key, f.contract_ids)),
        "report_totals": sa.select(f.reports, f.persons_responsible).where(f.entity_id == key)}


def _computed_alerts(key: sa.BindParameter) -> dict[str, sa.Select]:
    a = ef.entity_alerts.c
    return {"alerts": sa.select(a.kind, a.infobras_code, a.work_name, a.rule_code, a.rule_name,
                                a.severity, a.message, a.alerts,
                                sa.cast(a.amount_at_risk, sa.Float).label("amount_at_risk"))
            .where(a.entity_id == key).order_by(a.ord)}


def _reads_for(fresh: frozenset[str]) -> p.Reads:
    """The page's statements with every fresh part of queries.entity_figures read from its
    tables, the rest live; compiled once per set of fresh parts."""
    if fresh not in _READS:
        def build(key: sa.BindParameter) -> dict[str, sa.Select]:
            reads = _reads(key)
            if "sources" in fresh:
                reads.update(_computed_sources(key))
            if "alerts" in fresh:
                reads.update(_computed_alerts(key))
            return reads
        _READS[fresh] = p.Reads(build)
    return _READS[fresh]


READS = p.Reads(_reads)      # every read live
_READS: dict[frozenset[str], p.Reads] = {frozenset(): READS}
_ONE_ROW = ("process_totals", "contract_totals", "report_totals")


def entity_page(entity_id: str, computed: bool = True) -> dict[str, Any] | None:
    """Everything the page /entidad/<id> and /api/v1/entities/<id> show, read at once on one
    connection; None when no source names the entity. `computed`: read the figures computed
    ahead where they are fresh (False: every figure live, as the tests compare)."""
    with db.read_engine().connect() as conn:
        reads = _reads_for(ef.fresh_parts(conn)) if computed else READS
        page = reads.fetch(conn, entity_id)
    if not page["entity"]:
        return None
    out = {name: p.first(rows) if name in ("entity", *_ONE_ROW) else rows
           for name, rows in page.items()}
    out.update(p.split_alerts(out.pop("alerts")))
    both = out.pop("investments")
    out["investment_years"] = sorted(
        ({k: r[k] for k in ("year", "investments", "amount_viable", "amount_updated")}
         for r in both if r["kind"] == "year"), key=lambda r: (r["year"] is None, r["year"]))
    out["investments"] = [{k: v for k, v in r.items() if k not in ("kind", "year",
                                                                    "investments")}
                          for r in both if r["kind"] == "item"]
    return out


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
        "performance_index": scores.api_part(scores.entity_score(entity_id)),
    }
