"""Every source around one work: its investment (MEF, by CUI), its procurement (SEACE
processes linked by CUI or by a stored link, with items, bidders, winner, contracts and their
modifications, penalties, the suppliers' sanctions), its control reports (CGR, through the
entity or a name-similarity candidate, each with how it was linked), and each figure as every
source gives it, with the one shown chosen by a stated precedence and the disagreements kept.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import cache
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY

from geodata.messages import N_
from queries import db
from queries.db import Reads
from queries.source_tables import (
    bid,
    contract,
    contract_penalty,
    control_report,
    investment,
    investment_place,
    investment_source,
    process_item,
    procurement_process,
    source_link,
    supplier,
    supplier_sanction,
)
from queries.tables import area, load_run, work

# -- which figure is shown: the stated precedence, and when two sources disagree ------------
# Each figure: (field, Spanish label, sources in order of precedence).
PRECEDENCE: dict[str, tuple[str, tuple[str, ...]]] = {
    "cost": (N_("Costo actualizado de la inversión"),
             ("mef_banco", "ssi_ejecucion", "ssi_formato8", "work")),
    "viable_amount": (N_("Monto viable (declarado al aprobar la inversión)"),
                      ("mef_banco", "ssi_ejecucion", "ssi_formato8")),
    "contract_amount": (N_("Monto del contrato de obra"), ("seace", "work")),
    "physical_progress": (N_("Avance físico"), ("work", "invierte")),
    "status": (N_("Estado"), ("work", "mef_banco", "ssi_ejecucion", "ssi_formato8")),
    "place": (N_("Distrito"), ("work", "mef_banco", "ssi_formato8")),
}
TOLERANCE_SOLES = 1.0      # amounts further apart than one sol disagree
TOLERANCE_POINTS = 1.0     # progress further apart than one percentage point disagrees
_SOLES_TEXT = f"las cifras difieren en más de S/ {TOLERANCE_SOLES:.2f}".replace(".", ",")
TOLERANCES = {
    "cost": _SOLES_TEXT, "viable_amount": _SOLES_TEXT, "contract_amount": _SOLES_TEXT,
    "physical_progress": f"las cifras difieren en más de {TOLERANCE_POINTS:g} punto porcentual",
    "status": N_("el MEF da la inversión por CERRADA y la obra no figura como terminada"),
    "place": N_("el distrito de la obra no está entre los distritos de la inversión"),
}
SOURCE_LABELS = {
    "mef_banco": N_("MEF, Banco de Inversiones"),
    "ssi_ejecucion": N_("MEF, SSI (lista de ejecución)"),
    "ssi_formato8": N_("MEF, SSI (Formato 8)"), "conosce": N_("SEACE (CONOSCE, OSCE)"),
    "ocds": N_("SEACE (Contrataciones Abiertas, OCDS)"), "seace": N_("SEACE (OSCE)"),
    "invierte": N_("Invierte.pe (MEF)"), "infobras": N_("INFObras (Contraloría)"),
    "paralizadas": N_("Base de obras paralizadas (INFObras y MEF, mayo 2026)"),
    "demo": N_("Datos de demostración (generados)"),
    "cgr": N_("Contraloría (informes de control)"),
}
WORKS_OBJECT = "obra"      # a process for the works themselves (not consultancy, goods)
OPEN_STATUSES = ("en_ejecucion", "paralizada")
API_PARTS = ("investment", "procurement", "control", "figures")  # the API's `sources`
CLOSED_INVESTMENT = "CERRADO"


def _float(value: Any) -> float | None:
    return float(value) if isinstance(value, Decimal | int | float) else None


def _value(source: str, value: Any, when: date | None, **more: Any) -> dict[str, Any]:
    return {"source": source, "source_label": SOURCE_LABELS.get(source, source),
            "value": value, "date": when, **more}


def work_source_name(row: Mapping[str, Any]) -> str:
    """The work's own source (infobras, paralizadas, demo)."""
    return str(row.get("source") or "infobras")


# Every statement here is built once around its keys and compiled once, then a page's
# statements are sent together (psycopg's pipeline mode) and wait for PostgreSQL once: a
# work's page read its sources in a dozen round trips, each a turn of the scheduler on a busy
# machine. A NULL key matches nothing.
@dataclass(frozen=True)
class Keys:
    """What the statements key on: the work's code (as source_link keeps it, text), the CUI
    (as the sources key it) and the executing entity's id."""

    code: sa.ColumnElement | None = None
    cui: sa.ColumnElement | None = None
    entity: sa.ColumnElement | None = None


def _param(name: str) -> sa.BindParameter:
    return sa.bindparam(name, type_=sa.Text)


# The keys as bound parameters (:code, :cui, :entity)...
PARAM_KEYS = Keys(_param("code"), _param("cui"), _param("entity"))


def _work_keys() -> Keys:
    """...or, for a work's page, found by PostgreSQL from its code alone (:work_code), so
    that every statement goes in the first and only round trip: the CUI of the work, and the
    entity of the work or else of its investment."""
    w = work.c
    code = sa.bindparam("work_code", type_=sa.BigInteger)
    cui = (sa.select(sa.func.cui_key(w.cui)).where(w.infobras_code == code)
           .correlate(None).scalar_subquery())
    own = sa.func.nullif(w.entity_id, "")
    of_investment = (sa.select(sa.func.nullif(investment.c.entity_id, ""))
                     .where(investment.c.cui == cui).scalar_subquery())
    entity = (sa.select(sa.func.coalesce(own, of_investment))
              .where(w.infobras_code == code).scalar_subquery())
    return Keys(sa.cast(code, sa.Text), cui, entity)


@cache
def work_keys_stmt() -> sa.Select:
    """The fields the comparisons need, with the CUI as the sources key it (:work_code)."""
    w = work.c
    placed, coords = area.alias("placed"), area.alias("coords")
    return (sa.select(
        w.infobras_code, w.name, sa.func.cui_key(w.cui).label("cui"), w.entity,
        w.entity_id,
        w.status, w.ubigeo, placed.c.name.label("district"), w.ubigeo_method,
        w.declared_department, w.declared_province, w.declared_district, w.coords_ubigeo,
        coords.c.name.label("coords_district"), w.location_mismatch, w.geom_source,
        w.amount_technical_file, w.amount_contract, w.amount_updated, w.amount_additional,
        w.physical_progress, w.last_progress_date, w.contractor_ruc, w.contractor_name,
        w.source, w.source_date, w.extra)
        .select_from(work.outerjoin(placed, placed.c.ubigeo == w.ubigeo)
                     .outerjoin(coords, coords.c.ubigeo == w.coords_ubigeo))
        .where(w.infobras_code == sa.bindparam("work_code", type_=sa.BigInteger)))


# -- the investment (MEF) -------------------------------------------------------------------
def investment_stmts(keys: Keys) -> dict[str, sa.Select]:
    """The investment as shown (the `investment` view), each source's row with when it was
    loaded (the Banco's export states no date of its own), its places."""
    i, p, a = investment_source.c, investment_place.c, area.c
    return {
        "investment": sa.select(investment).where(investment.c.cui == keys.cui),
        "by_source": (
            sa.select(i.cui, i.source, i.source_date, i.name, i.status, i.sector, i.function,
                      i.entity_name, i.executor, i.entity_id, i.region_ubigeo,
                      i.amount_viable, i.amount_updated, i.registration_date,
                      i.viability_date, i.last_modified, i.beneficiaries, i.extra,
                      sa.cast(load_run.c.finished_at, sa.Date).label("loaded"))
            .select_from(investment_source.outerjoin(load_run,
                                                     load_run.c.id == i.load_run_id))
            .where(i.cui == keys.cui)
            .order_by(sa.func.investment_source_rank(i.source))),
        "places": (
            sa.select(p.source, p.seq, p.ubigeo, p.department, p.province, p.district,
                      p.locality, a.name.label("area_name"),
                      sa.func.ST_X(p.geom).label("longitude"),
                      sa.func.ST_Y(p.geom).label("latitude"))
            .select_from(investment_place.outerjoin(area, a.ubigeo == p.ubigeo))
            .where(p.cui == keys.cui)
            .order_by(sa.func.investment_source_rank(p.source), p.seq)),
    }


def _investment(rows: Mapping[str, list[dict[str, Any]]]) -> dict[str, Any] | None:
    if not rows["investment"]:
        return None
    return {**rows["investment"][0],
            "by_source": [{**r, "source_label": SOURCE_LABELS.get(r["source"], r["source"])}
                          for r in rows["by_source"]],
            "places": rows["places"]}


@cache
def _investment_reads() -> Reads:
    return Reads(investment_stmts(PARAM_KEYS))


def investment_bundle(conn: sa.Connection, cui: str | None) -> dict[str, Any] | None:
    """The investment as shown, each source's row, its places."""
    if not cui:
        return None
    return _investment(_investment_reads().fetch(conn, cui=cui))


# -- procurement (SEACE) --------------------------------------------------------------------
def _linked_to(kind: str, keys: Keys, objects: Sequence[str]) -> sa.ColumnElement:
    """source_link rows of subjects of `kind` that point to the work (code), the investment
    (cui) or the entity (entity), those of `objects`."""
    sl = source_link.c
    return sa.and_(sl.subject_kind == kind, sa.or_(
        *(sa.and_(sl.object_kind == obj, sl.object_key == getattr(keys, name))
          for obj, name in (("work", "code"), ("investment", "cui"), ("entity", "entity"))
          if name in objects)))


def links_stmt(keys: Keys) -> sa.Select:
    """Process ids with how each was linked (the strongest link of each): a stored link to
    the work or to the investment, or the CUI the process names."""
    sl, p = source_link.c, procurement_process.c
    links = (sa.select(sl.subject_key.label("process_id"), sl.method, sl.confidence,
                       sl.evidence).where(_linked_to("process", keys, ("code", "cui"))))
    by_cui = (sa.select(p.id, sa.literal("cui"), sa.literal(Decimal("0.9")),
                        sa.func.concat("La descripción del proceso nombra el CUI ", p.cui))
              .where(p.cui == keys.cui))
    every = sa.union_all(links, by_cui).subquery("l")
    return (sa.select(every).distinct(every.c.process_id)
            .order_by(every.c.process_id, every.c.confidence.desc()))


@cache
def _detail_reads() -> Reads:
    """What SEACE says of the processes :ids: their suppliers' names, items, bids,
    contracts, penalties, the suppliers' sanctions (read only for a work that has any: most
    have none)."""
    p, it, b, c = procurement_process.c, process_item.c, bid.c, contract.c
    ids = sa.any_(sa.bindparam("ids", type_=ARRAY(sa.Text)))
    rucs = (sa.select(it.winner_ruc).where(it.process_id == ids)
            .union(sa.select(c.supplier_ruc).where(c.process_id == ids)))
    return Reads({
        "names": sa.select(supplier.c.ruc, supplier.c.name).where(supplier.c.ruc.in_(rucs)),
        "items": sa.select(process_item).where(it.process_id == ids)
        .order_by(it.process_id, it.item_no),
        "bids": sa.select(b.process_id, b.item_no, b.bidder_ruc, b.bidder_name, b.submitted,
                          b.amount).where(b.process_id == ids)
        .order_by(b.process_id, b.bidder_name),
        "contracts": sa.select(contract).where(c.process_id == ids)
        .order_by(c.process_id, c.signed_date, c.id),
        "penalties": sa.select(contract_penalty)
        .where(contract_penalty.c.contract_id.in_(sa.select(c.id).where(c.process_id == ids)))
        .order_by(contract_penalty.c.penalty_date),
        "sanctions": sa.select(supplier_sanction).where(supplier_sanction.c.ruc.in_(rucs))
        .order_by(supplier_sanction.c.start_date),
        "processes": sa.select(procurement_process).where(p.id == ids)
        .order_by(p.call_date, p.id),
    })


def _keys(code: int | None, cui: str | None, entity_id: str | None = None) -> dict[str, Any]:
    return {"code": None if code is None else str(code), "cui": cui or None,
            "entity": entity_id or None}


@cache
def _links_reads() -> Reads:
    return Reads({"links": links_stmt(PARAM_KEYS)})


def processes(conn: sa.Connection, code: int | None, cui: str | None) -> list[dict[str, Any]]:
    """The linked processes, oldest call first, each with items, bidders, contracts."""
    if code is None and not cui:
        return []
    return _processes(conn, _links_reads().fetch(conn, **_keys(code, cui))["links"])


def _processes(conn: sa.Connection, links: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    by_id = {r["process_id"]: r for r in links}
    if not by_id:
        return []
    return process_details(by_id, _detail_reads().fetch(conn, ids=list(by_id)))


def _grouped(rows: Iterable[Mapping[str, Any]], key: str) -> dict[Any, list[dict]]:
    groups: dict[Any, list[dict]] = defaultdict(list)
    for row in rows:
        groups[row[key]].append(row)
    return groups


def process_details(links: Mapping[str, Mapping[str, Any]],
                    rows: Mapping[str, list[dict[str, Any]]]) -> list[dict[str, Any]]:
    """Processes by id ({id: its link}) with everything SEACE says about each (`rows`: the
    answers of _detail_reads)."""
    names = {r["ruc"]: r["name"] for r in rows["names"]}
    items = _grouped(rows["items"], "process_id")
    bids = _grouped(rows["bids"], "process_id")
    contracts = _grouped(rows["contracts"], "process_id")
    penalties = _grouped(rows["penalties"], "contract_id")
    sanctions = _grouped(rows["sanctions"], "ruc")
    out = []
    for row in rows["processes"]:
        pid = row["id"]
        bidders = {x["bidder_ruc"]: x["bidder_name"] for x in bids.get(pid, [])}
        winners = {i["winner_ruc"] for i in items.get(pid, []) if i["winner_ruc"]}
        out.append({
            **row, "source_label": SOURCE_LABELS.get(row["source"], row["source"]),
            "link": {k: v for k, v in links[pid].items() if k != "process_id"},
            "items": items.get(pid, []),
            "bidders": [{"ruc": ruc, "name": name} for ruc, name in bidders.items()],
            "bidder_count": len(bidders),
            "winners": [{"ruc": ruc, "name": names.get(ruc) or bidders.get(ruc),
                         "sanctions": sanctions.get(ruc, [])} for ruc in sorted(winners)],
            "contracts": [{**k, "supplier_name": names.get(k["supplier_ruc"]),
                           "penalties": penalties.get(k["id"], []),
                           "supplier_sanctions": sanctions.get(k["supplier_ruc"], [])}
                          for k in contracts.get(pid, [])],
        })
    return out


# -- control (CGR) --------------------------------------------------------------------------
def reports_stmt(keys: Keys) -> sa.Select:
    """Reports linked to the work or the investment (name-similarity candidates, a CUI in
    the title) or to the executing entity: one row per report and link, the strongest link
    of a report first."""
    sl = source_link.c
    links = (sa.select(sl.subject_key.label("report_id"), sl.object_kind, sl.method,
                       sl.confidence, sl.evidence)
             .where(_linked_to("control_report", keys, ("code", "cui", "entity"))))
    links = links.subquery("l")
    r = control_report.c
    return (sa.select(control_report, links.c.object_kind.label("linked_to"),
                      links.c.method, links.c.confidence, links.c.evidence)
            .join_from(control_report, links, links.c.report_id == r.id)
            .order_by(r.issued_date.desc().nulls_last(), r.id, links.c.confidence.desc()))


LINK_FIELDS = ("linked_to", "method", "confidence", "evidence")


@cache
def _report_reads() -> Reads:
    return Reads({"reports": reports_stmt(PARAM_KEYS)})


def control_reports(conn: sa.Connection, code: int | None, cui: str | None,
                    entity_id: str | None) -> list[dict[str, Any]]:
    """Each report once, with its strongest link (method, confidence) and every link in
    `links`: a report on the entity may also be a name-similarity candidate for the work."""
    if code is None and not cui and not entity_id:
        return []
    return _reports(_report_reads().fetch(conn, **_keys(code, cui, entity_id))["reports"])


def _reports(rows: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    reports: dict[str, dict[str, Any]] = {}
    for row in rows:
        report = reports.setdefault(row["id"], {**row, "links": []})
        report["links"].append({k: row[k] for k in LINK_FIELDS})
    return list(reports.values())


# -- each figure per source -----------------------------------------------------------------
def _seace_contract_amount(procurement: Sequence[Mapping[str, Any]]
                           ) -> tuple[float | None, date | None, int]:
    """Sum of the distinct contracts of the works processes (consultancy and goods apart),
    the newest source date, and how many contracts."""
    amounts: dict[str, float] = {}
    when = None
    for process in procurement:
        if not str(process.get("object") or "").strip().lower().startswith(WORKS_OBJECT):
            continue
        for k in process["contracts"]:
            if k.get("amount") is not None:
                amounts[k["id"]] = float(k["amount"])
                day = k.get("source_date") or process.get("source_date")
                when = max(filter(None, (when, day)), default=None)
    return (round(sum(amounts.values()), 2) if amounts else None), when, len(amounts)


def _invierte_progress(extra: Mapping[str, Any]) -> tuple[float | None, date | None]:
    """Invierte.pe's physical progress as the work's source kept it beside its own: the
    paralysed-works file's columns, or its list of progress by source."""
    value = _float_text(extra.get("avance_fisico_invierte"))
    when = extra.get("fecha_ult_avance_fisico_invierte")
    if value is None:
        entry = next((e for e in extra.get("avance_fisico_por_fuente") or []
                      if isinstance(e, Mapping) and "invierte" in str(e.get("fuente")).lower()
                      and _float_text(e.get("avance")) is not None), None)
        if entry:
            value, when = _float_text(entry["avance"]), entry.get("fecha")
    try:
        day = date.fromisoformat(str(when)[:10]) if when else None
    except ValueError:
        day = None
    return value, day


def _float_text(value: Any) -> float | None:
    try:
        return None if value in (None, "") else float(value)
    except (TypeError, ValueError):
        return None


def figure_values(work_row: Mapping[str, Any] | None, inv: Mapping[str, Any] | None,
                  procurement: Sequence[Mapping[str, Any]]) -> dict[str, list[dict]]:
    """{field: [one value per source that gives it]} (pure: rows in)."""
    values: dict[str, list[dict]] = {field: [] for field in PRECEDENCE}
    by_source = list(inv["by_source"]) if inv else []
    for row in by_source:
        when, loaded = row.get("source_date") or row.get("last_modified"), row.get("loaded")
        if row.get("amount_updated") is not None:
            values["cost"].append(_value(row["source"], _float(row["amount_updated"]), when,
                                         loaded=loaded))
        if row.get("amount_viable") is not None:
            values["viable_amount"].append(
                _value(row["source"], _float(row["amount_viable"]), when, loaded=loaded))
        if row.get("status"):
            values["status"].append(_value(row["source"], row["status"], when, loaded=loaded))
    places: dict[str, list[dict]] = defaultdict(list)
    for place in inv["places"] if inv else []:
        if place.get("ubigeo"):
            places[place["source"]].append(place)
    for source, rows in places.items():
        row = next((r for r in by_source if r["source"] == source), {})
        ubigeos = sorted({p["ubigeo"] for p in rows})
        names = sorted({p.get("area_name") or p["ubigeo"] for p in rows})
        values["place"].append(_value(source, ubigeos, row.get("source_date"), names=names,
                                      loaded=row.get("loaded")))
    amount, when, n = _seace_contract_amount(procurement)
    if amount is not None:
        values["contract_amount"].append(_value("seace", amount, when, contracts=n))
    if work_row:
        source, when = work_source_name(work_row), work_row.get("source_date")
        for field, column in (("cost", "amount_updated"), ("contract_amount", "amount_contract"),
                              ("physical_progress", "physical_progress")):
            if work_row.get(column) is not None:
                day = (work_row.get("last_progress_date") or when
                       if field == "physical_progress" else when)
                values[field].append(_value(source, _float(work_row[column]), day,
                                            precedence_key="work"))
        values["status"].append(_value(source, work_row.get("status"), when,
                                       precedence_key="work"))
        if work_row.get("ubigeo"):
            values["place"].append(_value(source, [work_row["ubigeo"]], when,
                                          names=[work_row.get("district") or work_row["ubigeo"]],
                                          precedence_key="work"))
        progress, day = _invierte_progress(work_row.get("extra") or {})
        if progress is not None:
            values["physical_progress"].append(_value("invierte", progress, day))
    return values


def _rank(field: str, value: Mapping[str, Any]) -> int:
    order = PRECEDENCE[field][1]
    key = value.get("precedence_key") or value["source"]
    return order.index(key) if key in order else len(order)


def _agree(field: str, values: Sequence[Mapping[str, Any]]) -> bool:
    if len(values) < 2:
        return True
    if field in ("cost", "viable_amount", "contract_amount", "physical_progress"):
        numbers = [v["value"] for v in values if v["value"] is not None]
        tolerance = TOLERANCE_POINTS if field == "physical_progress" else TOLERANCE_SOLES
        return not numbers or max(numbers) - min(numbers) <= tolerance
    if field == "status":
        work_status = next((v["value"] for v in values if v.get("precedence_key") == "work"), None)
        closed = any(str(v["value"]).upper() == CLOSED_INVESTMENT for v in values
                     if v.get("precedence_key") != "work")
        return not (closed and work_status in OPEN_STATUSES)
    if field == "place":
        mine = next((v["value"] for v in values if v.get("precedence_key") == "work"), None)
        if not mine:
            return True
        return all(set(mine) & set(v["value"]) for v in values
                   if v.get("precedence_key") != "work")
    return True


def compare(values: Mapping[str, Sequence[Mapping[str, Any]]]) -> list[dict[str, Any]]:
    """Each figure with every source's value, the one shown (first in the stated
    precedence), the precedence and tolerance in words, and whether the sources agree."""
    out = []
    for field, (label, order) in PRECEDENCE.items():
        given = sorted(values.get(field) or [], key=lambda v: _rank(field, v))
        if not given:
            continue
        out.append({"field": field, "label": label, "values": given, "shown": given[0],
                    "precedence": [SOURCE_LABELS.get(s, "la fuente de la obra")
                                   if s != "work" else "la fuente de la obra (INFObras)"
                                   for s in order],
                    "tolerance": TOLERANCES[field], "agree": _agree(field, given)})
    return out


def disagreements(figures: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The figures the sources give differently, both values kept."""
    return [{"field": f["field"], "label": f["label"], "values": f["values"],
             "tolerance": f["tolerance"]} for f in figures if not f["agree"]]


# -- where Mirador placed the work ----------------------------------------------------------
PLACEMENT_METHODS = {
    "nombre": "por los nombres declarados de departamento, provincia y distrito",
    "nombre_aprox": "por los nombres declarados, tolerando letras dañadas (la «Ñ» perdida)",
    "nombre_sin_provincia": "por los nombres de departamento y distrito (la provincia "
                            "declarada no existe)",
    "nombre_sin_departamento": "por los nombres de provincia y distrito (el departamento "
                               "declarado no existe)",
    "nombre_unico_nacional": "por el nombre del distrito, único en el país (departamento y "
                             "provincia declarados no coinciden)",
    "coordenadas": "por sus coordenadas: el distrito declarado no existe con esos nombres",
}
AS_DECLARED = ("nombre", "nombre_aprox")


def placement(row: Mapping[str, Any]) -> dict[str, Any]:
    """Where Mirador placed the work and whether that is the district the source declared:
    `moved` is true when Mirador chose the district by other means than the declared names;
    `location_mismatch` when the surveyed point lies in another district (never moved)."""
    method = row.get("ubigeo_method")
    moved = method is not None and method not in AS_DECLARED
    declared = {"department": row.get("declared_department"),
                "province": row.get("declared_province"),
                "district": row.get("declared_district")}
    notes = []
    if moved:
        notes.append(f"Mirador ubicó la obra en {row.get('district') or row.get('ubigeo')} "
                     f"{PLACEMENT_METHODS.get(method, method)}.")
    if row.get("location_mismatch"):
        notes.append(f"El punto registrado cae en el distrito de "
                     f"{row.get('coords_district') or row.get('coords_ubigeo')}, no en el "
                     "declarado; la obra se cuenta en el distrito declarado.")
    return {"ubigeo": row.get("ubigeo"), "district": row.get("district"),
            "declared": declared, "method": method,
            "method_description": PLACEMENT_METHODS.get(method) if method else None,
            "moved": moved, "coords_ubigeo": row.get("coords_ubigeo"),
            "coords_district": row.get("coords_district"),
            "location_mismatch": bool(row.get("location_mismatch")),
            "note": " ".join(notes) or None}


# -- one work -------------------------------------------------------------------------------
@cache
def _work_reads() -> Reads:
    """What a work's page reads, from its code alone: one round trip (a second for the
    details of its processes, if it has any)."""
    keys = _work_keys()
    return Reads({"work": work_keys_stmt(), **investment_stmts(keys),
                  "links": links_stmt(keys), "reports": reports_stmt(keys)})


def work_sources(code: int) -> dict[str, Any] | None:
    """{"work", "investment", "procurement", "control", "figures", "disagreements",
    "placement"} for an INFObras code; None when the code is unknown."""
    with db.read_engine().connect() as conn:
        rows = _work_reads().fetch(conn, work_code=code)
        procurement = _processes(conn, rows["links"])
    if not rows["work"]:
        return None
    row = rows["work"][0]
    inv = _investment(rows) if row["cui"] else None
    figures = compare(figure_values(row, inv, procurement))
    return {"work": row, "investment": inv, "procurement": procurement,
            "control": _reports(rows["reports"]), "figures": figures,
            "disagreements": disagreements(figures), "placement": placement(row)}


# -- many works at once (the OC4IDS export) -------------------------------------------------
def works_processes_stmt(codes: Sequence[int]) -> sa.Select:
    """(work code, process id, link) for a page of works: the process names the work's CUI,
    or a stored link joins them."""
    w, p, sl = work.c, procurement_process.c, source_link.c
    by_cui = (sa.select(w.infobras_code, p.id.label("process_id"),
                        sa.literal("cui").label("method"),
                        sa.literal(Decimal("0.9")).label("confidence"),
                        sa.literal("La descripción del proceso nombra el CUI de la obra")
                        .label("evidence"))
              .join_from(work, procurement_process, p.cui == sa.func.cui_key(w.cui))
              .where(w.infobras_code.in_(codes), p.cui.is_not(None)))
    by_link = (sa.select(sa.cast(sl.object_key, sa.BigInteger), sl.subject_key, sl.method,
                         sl.confidence, sl.evidence)
               .where(sl.subject_kind == "process", sl.object_kind == "work",
                      sl.object_key.in_([str(c) for c in codes])))
    every = sa.union_all(by_cui, by_link).subquery("l")
    return (sa.select(every).distinct(every.c.infobras_code, every.c.process_id)
            .order_by(every.c.infobras_code, every.c.process_id, every.c.confidence.desc()))


def processes_by_work(codes: Sequence[int]) -> dict[int, list[dict[str, Any]]]:
    """{work code: its processes with everything SEACE says} for a page of works."""
    if not codes:
        return {}
    with db.read_engine().connect() as conn:
        pairs = [dict(r) for r in conn.execute(works_processes_stmt(codes)).mappings()]
        if not pairs:
            return {}
        links = {r["process_id"]: r for r in pairs}
        rows = _detail_reads().fetch(conn, ids=list(links))
    details = {p["id"]: p for p in process_details(links, rows)}
    out: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for r in pairs:
        if r["process_id"] in details:
            out[r["infobras_code"]].append(details[r["process_id"]])
    return dict(out)
