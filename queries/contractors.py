"""A contractor (a supplier, keyed by its RUC) with what the sources say about it: the works
INFObras says it builds, its contracts, the processes it bid in and won (SEACE), the
penalties on its contracts, its sanctions, and the entities it works for.

A RUC is known when any source names it: a SEACE supplier, a bidder, a contract, or a
work's contractor in INFObras (which has no supplier table of its own).
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from queries import db
from queries import parties as p
from queries.source_tables import (
    bid,
    contract,
    contract_penalty,
    entity,
    process_item,
    procurement_process,
    supplier,
    supplier_penalty,
    supplier_sanction,
)
from queries.tables import work

FLAGS_LIMIT = 200
# The procurement red flags (sql/flags.sql, geodata's recompute): the columns read here.
procurement_flag = sa.table(
    "procurement_flag", *(sa.column(name) for name in (
        "rule_code", "rule_name", "severity", "severity_rank", "subject_kind", "subject_key",
        "process_id", "nomenclature", "entity_id", "entity_name", "message", "amount",
        "works")))


def supplier_stmt(ruc: str) -> sa.Select:
    return sa.select(supplier).where(supplier.c.ruc == ruc)


def names_stmt(ruc: str) -> sa.Select:
    """How the other sources name the RUC (when SEACE has no supplier row for it)."""
    w, b = work.c, bid.c
    return sa.union_all(
        sa.select(w.contractor_name.label("name"), sa.literal("infobras").label("source"))
        .where(w.contractor_ruc == ruc, w.contractor_name.isnot(None)).limit(1),
        sa.select(b.bidder_name, sa.literal("seace"))
        .where(b.bidder_ruc == ruc, b.bidder_name.isnot(None)).limit(1)).subquery().select()


def bids_stmt(ruc: str, limit: int = p.LIST_LIMIT) -> sa.Select:
    """The processes it bid in, each with whether it won any item."""
    b, i, pp = bid.c, process_item.c, procurement_process.c
    won = sa.exists().where(i.process_id == pp.id, i.winner_ruc == ruc)
    stmt = p.processes_stmt(pp.id.in_(sa.select(b.process_id).where(b.bidder_ruc == ruc)),
                            limit=limit)
    return stmt.add_columns(won.label("won"))


def bid_totals_stmt(ruc: str) -> sa.Select:
    """Processes bid in and won (a process counts once however many items)."""
    b, i = bid.c, process_item.c
    bid_in = sa.select(b.process_id).where(b.bidder_ruc == ruc).distinct().subquery()
    won = sa.select(i.process_id).where(i.winner_ruc == ruc).distinct().subquery()
    return sa.select(sa.select(sa.func.count()).select_from(bid_in).scalar_subquery()
                     .label("processes_bid"),
                     sa.select(sa.func.count()).select_from(won).scalar_subquery()
                     .label("processes_won"))


def penalties_stmt(ruc: str) -> sa.Select:
    c, k = contract.c, contract_penalty.c
    return (sa.select(k.contract_id, c.number.label("contract_number"), k.kind,
                      k.penalty_date, k.reason, k.amount)
            .select_from(contract_penalty.join(contract, c.id == k.contract_id))
            .where(c.supplier_ruc == ruc)
            .order_by(k.penalty_date.desc().nulls_last(), k.contract_id, k.key))


def other_penalties_stmt(ruc: str) -> sa.Select:
    """Penalties in other entities' contracts that CONOSCE joins to this supplier: shown
    apart, never added to the penalties of the contracts Mirador holds."""
    k = supplier_penalty.c
    return (sa.select(k.contract_ref, k.entity_name, k.object, k.kind, k.penalty_date,
                      k.reason, k.amount, k.source)
            .where(k.ruc == ruc)
            .order_by(k.penalty_date.desc().nulls_last(), k.contract_ref, k.key))


def sanctions_stmt(ruc: str) -> sa.Select:
    s = supplier_sanction.c
    return (sa.select(s.kind, s.start_date, s.end_date, s.resolution, s.reason, s.authority,
                      s.source)
            .where(s.ruc == ruc)
            .order_by(s.start_date.desc().nulls_last(), s.key))


def entities_stmt(ruc: str) -> sa.Select:
    """The entities it works for: its works' and its contracts' entities, with how many of
    each and their amounts."""
    w, c, pp = work.c, contract.c, procurement_process.c
    works = (sa.select(p.party_work.c.entity_id.label("entity_id"),
                       sa.literal(1).label("works"), sa.literal(0).label("contracts"),
                       w.amount_investment.label("works_amount"),
                       sa.null().label("contracts_amount"))
             .select_from(p.party_work.join(work, w.infobras_code
                                            == p.party_work.c.infobras_code))
             .where(p.party_work.c.contractor_ruc == ruc))
    contracts = (sa.select(pp.entity_id, sa.literal(0), sa.literal(1), sa.null(), c.amount)
                 .select_from(contract.join(procurement_process, pp.id == c.process_id))
                 .where(c.supplier_ruc == ruc))
    both = sa.union_all(works, contracts).subquery("both")
    e = entity.c
    return (sa.select(both.c.entity_id, sa.func.max(e.name).label("name"),
                      sa.func.max(e.region_ubigeo).label("region_ubigeo"),
                      sa.func.sum(both.c.works).label("works"),
                      sa.func.sum(both.c.contracts).label("contracts"),
                      sa.cast(sa.func.sum(both.c.works_amount), sa.Float).label("works_amount"),
                      sa.cast(sa.func.sum(both.c.contracts_amount), sa.Float)
                      .label("contracts_amount"))
            .select_from(both.outerjoin(entity, e.id == both.c.entity_id))
            .where(both.c.entity_id.isnot(None))
            .group_by(both.c.entity_id)
            .order_by(sa.func.sum(both.c.works).desc(), sa.func.sum(both.c.contracts).desc(),
                      both.c.entity_id))


def flags_stmt(ruc: str, limit: int = FLAGS_LIMIT) -> sa.Select:
    """The procurement red flags on its contracts and on the processes it won (the most
    serious first), each with how many there are in all."""
    f, i, c = procurement_flag.c, process_item.c, contract.c
    won = sa.select(i.process_id).where(i.winner_ruc == ruc)
    signed = sa.select(c.id).where(c.supplier_ruc == ruc)
    return (sa.select(f.rule_code, f.rule_name, f.severity, f.subject_kind, f.subject_key,
                      f.process_id, f.nomenclature, f.entity_id, f.entity_name, f.message,
                      sa.cast(f.amount, sa.Float).label("amount"), f.works,
                      sa.func.count().over().label("total"))
            .where(sa.or_(sa.and_(f.subject_kind == "contract", f.subject_key.in_(signed)),
                          sa.and_(f.subject_kind == "process", f.process_id.in_(won))))
            .order_by(f.severity_rank.desc(), sa.desc(f.amount).nulls_last(), f.rule_code,
                      f.subject_key)
            .limit(limit))


def _reads(key: sa.BindParameter) -> dict[str, sa.Select]:
    codes, supplied = p.contractor_works(key), contract.c.supplier_ruc == key
    return {
        "supplier": supplier_stmt(key), "names": names_stmt(key),
        "work_groups": p.work_groups_stmt(work.c.contractor_ruc == key),
        "works": p.works_stmt(work.c.contractor_ruc == key),
        "alerts": p.alerts_stmt(codes), "contract_totals": p.contract_totals_stmt(supplied),
        "contracts": p.contracts_stmt(supplied), "bid_totals": bid_totals_stmt(key),
        "bids": bids_stmt(key), "penalties": penalties_stmt(key),
        "other_penalties": other_penalties_stmt(key),
        "sanctions": sanctions_stmt(key), "entities": entities_stmt(key),
        "flags": flags_stmt(key)}


READS = p.Reads(_reads)
_ONE_ROW = ("supplier", "contract_totals", "bid_totals")


def contractor_page(ruc: str) -> dict[str, Any] | None:
    """Everything /contratista/<ruc> and /api/v1/contractors/<ruc> show, read at once on one
    connection; None when no source names the RUC."""
    with db.read_engine().connect() as conn:
        read = READS.fetch(conn, ruc)
    page = {name: p.first(rows) if name in _ONE_ROW else rows for name, rows in read.items()}
    page.update(p.split_alerts(page.pop("alerts")))
    names = page.pop("names")
    if not (page["supplier"] or names or page["work_groups"] or page["bids"]
            or page["contract_totals"].get("contracts")):
        return None
    if not page["supplier"]:
        page["supplier"] = {"ruc": ruc, "name": names[0]["name"] if names else None,
                            "kind": None, "source": names[0]["source"] if names else None}
    return page


def contractor_api(ruc: str) -> dict[str, Any] | None:
    """/api/v1/contractors/<ruc>: the page's figures, each list with its exact totals."""
    page = contractor_page(ruc)
    if page is None:
        return None
    supplier_row = {k: v for k, v in page["supplier"].items() if k != "load_run_id"}
    return {
        **supplier_row,
        "works": p.works_part(page),
        "alerts": p.alerts_part(page),
        "contracts": p.contracts_part(page),
        "processes": {**page["bid_totals"], "items": page["bids"]},
        "penalties": {"total": len(page["penalties"]),
                      "amount": p.exact_sum(k["amount"] for k in page["penalties"]),
                      "items": page["penalties"]},
        "penalties_other_contracts": {
            "total": len(page["other_penalties"]),
            "amount": p.exact_sum(k["amount"] for k in page["other_penalties"]),
            "items": page["other_penalties"]},
        "sanctions": page["sanctions"],
        "entities": page["entities"],
    }
