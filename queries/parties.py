"""What the page of an entity and the page of a contractor both read: a set of works (the
entity's, or those the contractor builds), their sums, their alerts, and contracts and
processes narrowed by a condition. queries.entities and queries.contractors say which.

Money is never summed twice: a work counts once (its `amount_investment`, the figure every
screen sums), a contract once (its own row; CONOSCE's item x bidder x penalty join is
de-duplicated by the loader), and a work's amount at risk is its largest alert's.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from geodata.infobras_format import STATUS_LABELS
from queries import db
from queries.alerts import alert, alert_rule
from queries.filters import ENTITY_ID, MAX_ENTITY_ID, RUC, FilterError, party_work
from queries.source_tables import (
    bid,
    contract,
    contract_penalty,
    process_item,
    procurement_process,
    supplier,
)
from queries.tables import area, work

LIST_LIMIT = 50           # rows of a page's tables (and of the API's lists of one)
# Works drawn on a page's map at most (the largest), as many as its table lists: the map links
# to the explorer for all of them, and drawing 500 cost a national programme's page 40 ms.
WORKS_LIMIT = LIST_LIMIT
ALERTS_LIMIT = 20


def parse_entity_id(text: object) -> str:
    """The entity's key as the URL writes it (`entity_key` in SQL: folded name, a region
    before a municipality's); FilterError with a Spanish message otherwise."""
    value = str(text if text is not None else "").strip().lower()
    if not value:
        raise FilterError("Falta el identificador de la entidad, por ejemplo "
                          "/entidad/08-municipalidad-provincial-del-cusco.")
    if len(value) > MAX_ENTITY_ID or not ENTITY_ID.fullmatch(value):
        raise FilterError(f"«{value[:40]}» no es un identificador de entidad: letras sin "
                          "tildes, números y guiones, como "
                          "08-municipalidad-provincial-del-cusco.")
    return value


def parse_ruc(text: object) -> str:
    """A RUC (11 digits; 8 for an old DNI-based one); FilterError otherwise."""
    value = str(text if text is not None else "").strip()
    if not value:
        raise FilterError("Falta el RUC del contratista, por ejemplo /contratista/20100070970.")
    if not (value.isascii() and RUC.fullmatch(value)):
        raise FilterError(f"«{value[:30]}» no es un RUC: son 11 dígitos, por ejemplo "
                          "20100070970.")
    return value


def entity_works(entity_id: str) -> sa.Select:
    """The INFObras codes of an entity's works."""
    return sa.select(party_work.c.infobras_code).where(party_work.c.entity_id == entity_id)


def contractor_works(ruc: str) -> sa.Select:
    return sa.select(party_work.c.infobras_code).where(party_work.c.contractor_ruc == ruc)


# work.entity_id (generated in sql/sources.sql) as a condition of a statement on `work`
# itself: its indexes (work_entity_amount_idx, work_entity_figures_idx) then answer, where
# a semi-join on the codes looked each work up twice (a national programme's 4,000 works:
# 110 -> 25 ms for the list and the sums).
work_entity_id = work.c.entity_id


# -- works ---------------------------------------------------------------------------------
def works_stmt(where: sa.ColumnElement[bool], limit: int = WORKS_LIMIT) -> sa.Select:
    """The works `where` selects (a condition on `work`), largest amount first: what the
    map and the table show."""
    w, d = work.c, area.alias("district")
    number = lambda col: sa.cast(col, sa.Float)  # noqa: E731
    return (sa.select(w.infobras_code, w.cui, w.name, w.status, w.ubigeo,
                      d.c.name.label("district"), d.c.region_name, w.entity,
                      w.contractor_name, w.contractor_ruc, w.start_year,
                      number(w.amount_investment).label("investment"),
                      number(w.amount_accrued).label("accrued"),
                      number(w.physical_progress).label("physical_progress"),
                      number(w.financial_progress).label("financial_progress"),
                      sa.func.ST_X(w.geom).label("lon"), sa.func.ST_Y(w.geom).label("lat"),
                      w.geom_source)
            .select_from(work.outerjoin(d, d.c.ubigeo == w.ubigeo))
            .where(where)
            .order_by(w.amount_investment.desc().nulls_last(), w.infobras_code)
            .limit(limit))


def work_groups_stmt(where: sa.ColumnElement[bool]) -> sa.Select:
    """The works summed by status and start year (layers.entity adds them up): every total,
    chart and KPI of the works comes from these few rows. Amounts stay numeric (exact)."""
    w = work.c
    return (sa.select(w.status, w.start_year, sa.func.count().label("works"),
                      sa.func.sum(w.amount_investment).label("investment"),
                      sa.func.sum(w.amount_accrued).label("accrued"),
                      sa.func.sum(w.physical_progress).label("progress_sum"),
                      sa.func.count(w.physical_progress).label("progress_n"))
            .where(where)
            .group_by(w.status, w.start_year)
            .order_by(w.status, w.start_year))


def exact_sum(values) -> Decimal | None:
    """The sum of the known values (exact decimals); None when none is known."""
    known = [v for v in values if v is not None]
    return sum(known, Decimal(0)) if known else None


def work_totals(groups: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """The works' KPIs from their sums by status and start year: how many, investment and
    accrued (exact decimals), average physical progress, paralysed works and their money,
    and the same per status."""
    def total(rows: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
        n = sum(r["works"] for r in rows)
        progress_n = sum(r["progress_n"] for r in rows)
        progress = exact_sum(r["progress_sum"] for r in rows)
        return {"works": n, "investment": exact_sum(r["investment"] for r in rows),
                "accrued": exact_sum(r["accrued"] for r in rows),
                "progress": float(progress) / progress_n if progress_n else None,
                "progress_n": progress_n}

    out = total(groups)
    by_status = {s: total([r for r in groups if r["status"] == s]) for s in STATUS_LABELS}
    out["by_status"] = {s: v for s, v in by_status.items() if v["works"]}
    paralysed = by_status["paralizada"]
    out["paralysed"], out["paralysed_investment"] = paralysed["works"], paralysed["investment"]
    out["undated"] = sum(r["works"] for r in groups if r["start_year"] is None)
    return out


# -- alerts --------------------------------------------------------------------------------
def alerts_stmt(codes: sa.Select, limit: int = ALERTS_LIMIT) -> sa.Select:
    """The works' active alerts, read once (a CTE) and summed three ways in one statement:
    rows of kind 'rule' (how many by rule, and their money at risk), one row 'works' (the
    works with alerts and their money at risk, each work once: its largest alert's) and
    rows 'top' (the most serious alerts, with their work's name). An entity of 4,000 works
    read its alerts three times in 270 ms."""
    a, r, w = alert.c, alert_rule.c, work.c
    mine = (sa.select(a.infobras_code, a.rule_code, a.severity, a.severity_rank,
                      a.amount_at_risk, a.message)
            .where(a.state == "alerta", a.infobras_code.in_(codes)).cte("mine"))
    m = mine.c
    none = {name: sa.cast(sa.null(), kind).label(name) for name, kind in (
        ("infobras_code", sa.BigInteger), ("work_name", sa.Text), ("rule_code", sa.Text),
        ("rule_name", sa.Text), ("severity", sa.Text), ("message", sa.Text),
        ("alerts", sa.BigInteger), ("ord", sa.BigInteger))}
    risk = lambda value: sa.cast(value, sa.Float).label("amount_at_risk")  # noqa: E731
    by_rule = (sa.select(sa.literal("rule").label("kind"), none["infobras_code"],
                         none["work_name"], m.rule_code, sa.func.max(r.name).label("rule_name"),
                         sa.func.max(m.severity).label("severity"), none["message"],
                         sa.func.count().label("alerts"), risk(sa.func.sum(m.amount_at_risk)),
                         none["ord"])
               .select_from(mine.outerjoin(alert_rule, r.code == m.rule_code))
               .group_by(m.rule_code))
    per_work = (sa.select(sa.func.max(m.amount_at_risk).label("risk"))
                .group_by(m.infobras_code).subquery("per_work"))
    works = sa.select(sa.literal("works"), *(none[n] for n in (
        "infobras_code", "work_name", "rule_code", "rule_name", "severity", "message")),
        sa.func.count(), risk(sa.func.sum(per_work.c.risk)), none["ord"]).select_from(per_work)
    # The join to the works' names may shuffle the top rows: their rank (ord) sorts them.
    order = (m.severity_rank.desc(), m.amount_at_risk.desc().nulls_last(), m.infobras_code,
             m.rule_code)
    top = (sa.select(m.infobras_code, m.rule_code, m.severity, m.message, m.amount_at_risk,
                     sa.func.row_number().over(order_by=order).label("ord"))
           .order_by(*order).limit(limit).subquery("top"))
    t = top.c
    serious = (sa.select(sa.literal("top"), t.infobras_code, w.name, t.rule_code, r.name,
                         t.severity, t.message, none["alerts"], risk(t.amount_at_risk), t.ord)
               .select_from(top.join(work, w.infobras_code == t.infobras_code)
                            .outerjoin(alert_rule, r.code == t.rule_code)))
    both = sa.union_all(by_rule, works, serious).subquery("alerts")
    return both.select().order_by(both.c.ord.nulls_first())


def split_alerts(rows: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """alerts_stmt's rows as the page reads them: alert_rules (most alerts first),
    alert_works, and alerts (the most serious first, as the statement sorted them)."""
    rules = [{k: r[k] for k in ("rule_code", "rule_name", "severity", "alerts",
                                "amount_at_risk")} for r in rows if r["kind"] == "rule"]
    works = next((r for r in rows if r["kind"] == "works"), {})
    top = [{k: r[k] for k in ("infobras_code", "work_name", "rule_code", "rule_name",
                              "severity", "message", "amount_at_risk")}
           for r in rows if r["kind"] == "top"]
    return {"alert_rules": sorted(rules, key=lambda r: (-r["alerts"], r["rule_code"])),
            "alert_works": {"works_with_alerts": works.get("alerts") or 0,
                            "amount_at_risk": works.get("amount_at_risk")},
            "alerts": top}


# -- procurement -----------------------------------------------------------------------------
def _supplier_name(ruc: sa.ColumnElement) -> sa.ScalarSelect:
    return sa.select(supplier.c.name).where(supplier.c.ruc == ruc).scalar_subquery()


def contracts_stmt(*conditions: Any, limit: int | None = LIST_LIMIT, offset: int = 0,
                   chosen: sa.Subquery | None = None) -> sa.Select:
    """Contracts (with their process, entity, supplier and penalties), newest first;
    `conditions` on contract and procurement_process. Narrowed contracts are found first
    and then sorted (OFFSET 0 fences the filter): otherwise PostgreSQL may walk the index of
    every contract of the country by date, looking for an entity's few (400 ms, measured
    at 100k contracts, for an entity with many processes and no contract); the page's
    columns are then read for the page's contracts only. `chosen`: the page's contracts
    already found (columns id and ord, their order; queries.entity_figures)."""
    c, p = contract.c, procurement_process.c
    if chosen is not None:
        page, order = chosen, [chosen.c.ord]
    else:
        found = (sa.select(c.id, c.signed_date)
                 .select_from(contract.join(procurement_process, p.id == c.process_id))
                 .where(*conditions))
        if conditions:
            fenced = found.offset(0).subquery("narrowed")
            found = sa.select(fenced.c.id, fenced.c.signed_date)
        f = found.selected_columns
        page = (found.order_by(f.signed_date.desc().nulls_last(), f.id)
                .offset(offset or None).limit(limit).subquery("page"))
        order = [page.c.signed_date.desc().nulls_last(), page.c.id]
    penalties = (sa.select(sa.func.sum(contract_penalty.c.amount))
                 .where(contract_penalty.c.contract_id == c.id).scalar_subquery())
    money = lambda col, name: sa.cast(col, sa.Float).label(name)  # noqa: E731
    return (sa.select(c.id, c.number, c.process_id, p.nomenclature, p.description,
                      p.object, p.cui, p.entity_id, p.entity_name, p.region_ubigeo,
                      c.supplier_ruc, _supplier_name(c.supplier_ruc).label("supplier_name"),
                      c.signed_date, c.start_date, c.end_date, c.end_date_updated,
                      money(c.amount, "amount"), money(c.amount_additional, "additional"),
                      money(c.amount_reduction, "reduction"),
                      money(c.amount_extension, "extension"),
                      money(penalties, "penalties"), c.currency, c.url, c.source,
                      c.source_date)
            .select_from(page.join(contract, c.id == page.c.id)
                         .join(procurement_process, p.id == c.process_id))
            .order_by(*order))


def contract_totals_stmt(*conditions: Any) -> sa.Select:
    """How many contracts and their amounts (each contract once), exact."""
    c, p = contract.c, procurement_process.c
    return (sa.select(sa.func.count().label("contracts"),
                      sa.func.sum(c.amount).label("amount"),
                      sa.func.sum(c.amount_additional).label("additional"),
                      sa.func.sum(c.amount_reduction).label("reduction"),
                      sa.func.count(sa.distinct(c.supplier_ruc)).label("suppliers"))
            .select_from(contract.join(procurement_process, p.id == c.process_id))
            .where(*conditions))


def processes_stmt(*conditions: Any, limit: int = LIST_LIMIT,
                   chosen: sa.Subquery | None = None) -> sa.Select:
    """Procurement processes with how many bidders they had, their winners and the amount
    contracted; `conditions` on procurement_process, or `chosen`: the processes already
    found (columns id and ord, their order; queries.entity_figures)."""
    p, i = procurement_process.c, process_item.c
    bidders = (sa.select(sa.func.count(sa.distinct(bid.c.bidder_ruc)))
               .where(bid.c.process_id == p.id).scalar_subquery())
    winners = (sa.select(sa.func.jsonb_agg(sa.distinct(sa.func.jsonb_build_object(
                   "ruc", i.winner_ruc, "name", supplier.c.name))))
               .select_from(process_item.outerjoin(supplier, supplier.c.ruc == i.winner_ruc))
               .where(i.process_id == p.id, i.winner_ruc.isnot(None)).scalar_subquery())
    contracted = (sa.select(sa.func.sum(contract.c.amount))
                  .where(contract.c.process_id == p.id).scalar_subquery())
    stmt = sa.select(p.id, p.nomenclature, p.description, p.object, p.procedure_type,
                     p.cui, p.entity_id, p.entity_name,
                     sa.cast(p.reference_amount, sa.Float).label("reference_amount"),
                     p.call_date, p.source, bidders.label("bidders"),
                     winners.label("winners"),
                     sa.cast(contracted, sa.Float).label("contracted"))
    if chosen is not None:
        return (stmt.select_from(chosen.join(procurement_process, p.id == chosen.c.id))
                .order_by(chosen.c.ord))
    return stmt.where(*conditions).order_by(p.call_date.desc().nulls_last(), p.id).limit(limit)


# -- reading a page at once ---------------------------------------------------------------------
KEY = sa.bindparam("key", type_=sa.Text)   # the entity's id or the contractor's RUC


class Reads(db.Reads):
    """A page's statements, written once around the bind parameter KEY, read for one key."""

    def __init__(self, build: Callable[[sa.BindParameter], dict[str, sa.Select]]):
        super().__init__(build(KEY))

    def fetch(self, conn: sa.Connection, key: str) -> dict[str, list[dict[str, Any]]]:
        return super().fetch(conn, key=key)


def first(rows: list[dict[str, Any]]) -> dict[str, Any]:
    return rows[0] if rows else {}


# -- the API's shape --------------------------------------------------------------------------
def works_part(page: Mapping[str, Any], shown: int = LIST_LIMIT) -> dict[str, Any]:
    """The works of a page for the API: totals (exact), by status, and the largest works."""
    totals = work_totals(page["work_groups"])
    return {"total": totals["works"], "investment": totals["investment"],
            "accrued": totals["accrued"], "avg_physical_progress": totals["progress"],
            "paralysed_by_status": totals["paralysed"],
            "paralysed_investment": totals["paralysed_investment"],
            "by_status": {s: {"works": v["works"], "investment": v["investment"],
                              "accrued": v["accrued"]} for s, v in totals["by_status"].items()},
            "items": [{k: v for k, v in w.items() if k not in ("lon", "lat")}
                      | {"longitude": w["lon"], "latitude": w["lat"]}
                      for w in page["works"][:shown]]}


def alerts_part(page: Mapping[str, Any]) -> dict[str, Any]:
    return {"works_with_alerts": page["alert_works"].get("works_with_alerts") or 0,
            "amount_at_risk": page["alert_works"].get("amount_at_risk"),
            "by_rule": page["alert_rules"], "top": page["alerts"]}


def contracts_part(page: Mapping[str, Any]) -> dict[str, Any]:
    totals = page["contract_totals"]
    return {"total": totals.get("contracts") or 0, "amount": totals.get("amount"),
            "additional": totals.get("additional"), "reduction": totals.get("reduction"),
            "items": page["contracts"]}
