"""The joined sources of one work or investment as the page shows them: each figure with its
source and date, the procurement and the control reports in plain Spanish, and every link
said as what it is (a shared CUI is a fact; a similar name is a «posible relación»).

Pure functions: the dicts of queries.work_sources / queries.investments in, texts out.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from dashboard.i18n import N_, _, ngettext
from layers import format as fmt

STATUS_LABELS = {"en_ejecucion": N_("En ejecución"), "paralizada": N_("Paralizada"),
                 "finalizada": N_("Finalizada"), "sin_ejecucion": N_("Sin ejecución")}
AMOUNT_FIELDS = ("cost", "viable_amount", "contract_amount")
WEAK_METHODS = ("nombre_similar",)
SANCTION_KINDS = {"inhabilitacion": N_("inhabilitación"), "sancion": N_("sanción"),
                  "multa": N_("multa")}
LINK_TEXTS = {
    "cui": N_("el proceso nombra el CUI de la inversión"),
    "codigo": N_("mismo código"),
    "ruc": N_("mismo RUC"),
    "entidad_region": N_("informe sobre la entidad que ejecuta la obra (mismo nombre y "
                         "región); puede tratar de otra obra de esa entidad"),
    "entidad": N_("informe sobre la entidad que ejecuta la obra (mismo nombre); puede tratar "
                  "de otra obra de esa entidad"),
    "nombre_similar": N_("posible relación: el título se parece al nombre de la obra; no está "
                         "confirmado"),
}


def date_text(day: date | datetime | None) -> str:
    if isinstance(day, datetime):
        day = day.date()
    return fmt.MISSING if day is None else f"{day:%d/%m/%Y}"


def value_text(field: str, value: Any, names: Sequence[str] | None = None) -> str:
    """One source's figure as text: money, percent, a status, districts."""
    if value is None:
        return fmt.MISSING
    if field in AMOUNT_FIELDS:
        return fmt.money(value, exact=True)
    if field == "physical_progress":
        return fmt.percent(value)
    if field == "status":
        label = STATUS_LABELS.get(str(value))
        return _(label) if label else str(value).capitalize()
    if field == "place":
        return ", ".join(names or value)
    return str(value)


def when_text(value: Mapping[str, Any]) -> str:
    """The source's own date, else when Mirador loaded it (said as such)."""
    if value.get("date"):
        return date_text(value["date"])
    return (_("cargado el {date}", date=date_text(value["loaded"])) if value.get("loaded")
            else fmt.MISSING)


@dataclass(frozen=True)
class SourceValue:
    source: str
    value: str
    when: str
    shown: bool


@dataclass(frozen=True)
class FigureView:
    """One figure as each source gives it, and which one the page shows and why."""

    field: str
    label: str
    values: tuple[SourceValue, ...]
    agree: bool
    rule: str          # the precedence and the tolerance, in words

    @property
    def verdict(self) -> tuple[str, str]:
        """(chip text, chip class): one source cannot agree or disagree with itself."""
        if len(self.values) < 2:
            return _("Una sola fuente"), ""
        if not self.agree:
            return _("No coinciden"), "warn"
        # MEF and INFObras name statuses differently: agreeing means not contradicting.
        return (_("Sin contradicción") if self.field == "status" else _("Coinciden")), "ok"


def figure_views(figures: Sequence[Mapping[str, Any]]) -> list[FigureView]:
    out = []
    for f in figures:
        values = tuple(SourceValue(_(v["source_label"]), value_text(f["field"], v["value"],
                                                                    v.get("names")),
                                   when_text(v), i == 0)
                       for i, v in enumerate(f["values"]))
        rule = _("Se muestra la cifra de {source} (orden: {order}). Se marca una diferencia si "
                 "{tolerance}.", source=values[0].source,
                 order=" → ".join(_(s) for s in f["precedence"]), tolerance=_(f["tolerance"]))
        out.append(FigureView(f["field"], _(f["label"]), values, bool(f["agree"]), rule))
    return out


def disagreement_lines(disagreements: Sequence[Mapping[str, Any]]) -> list[str]:
    """"Costo actualizado: MEF S/ 4 321 987,65 (31/12/2024) y INFObras …" per disagreement."""
    lines = []
    for d in disagreements:
        parts = [f"{v['source_label']} {value_text(d['field'], v['value'], v.get('names'))}"
                 f" ({when_text(v)})" for v in d["values"]]
        lines.append(f"{d['label']}: " + "; ".join(parts) + ".")
    return lines


# -- the investment (MEF) ------------------------------------------------------------------
def investment_facts(inv: Mapping[str, Any]) -> list[tuple[str, str, str]]:
    """(label, value, "source · date") for the investment's own figures, each from the first
    source that gives it (the `investment` view's precedence)."""
    rows = []
    fields = ((_("Nombre de la inversión"), "name", str),
              (_("Estado en el MEF"), "status", str),
              (_("Monto viable"), "amount_viable", _money),
              (_("Costo actualizado"), "amount_updated", _money),
              (_("Fecha de viabilidad"), "viability_date", date_text),
              (_("Entidad"), "entity_name", str), (_("Sector"), "sector", str))
    for label, field, show in fields:
        row = next((r for r in inv.get("by_source") or [] if r.get(field) not in (None, "")),
                   None)
        if row is None:
            continue
        rows.append((label, show(row[field]), _from(row)))
    return rows


def _money(value: Any) -> str:
    return fmt.money(value, exact=True)


def _from(row: Mapping[str, Any]) -> str:
    when = when_text({"date": row.get("source_date"), "loaded": row.get("loaded")})
    return f"{_(row.get('source_label') or row['source'])} · {when}"


def place_lines(places: Sequence[Mapping[str, Any]]) -> list[str]:
    """The investment's districts, once each (a repeated district is a place, not money)."""
    seen, lines = set(), []
    for p in places:
        names = (p.get("area_name") or p.get("district"), p.get("province"), p.get("department"))
        text = ", ".join(v.title() if v.isupper() else v for v in names if v) or str(
            p.get("ubigeo") or "")
        if p.get("locality"):
            text = f"{p['locality']} ({text})"
        if text and text not in seen:
            seen.add(text)
            lines.append(text)
    return lines


# -- procurement (SEACE) -------------------------------------------------------------------
def _sum(rows: Sequence[Mapping[str, Any]], field: str) -> float | None:
    values = [float(r[field]) for r in rows if r.get(field) is not None]
    return sum(values) if values else None


def process_facts(process: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(label, value) of one process: who bid, who won, the contract and what changed it."""
    contracts = process.get("contracts") or []
    penalties = [p for k in contracts for p in k.get("penalties") or []]
    bidders = process.get("bidders") or []
    winners = process.get("winners") or []
    rows = [
        (_("Procedimiento"), " · ".join(v for v in (process.get("procedure_type"),
                                                    process.get("object")) if v)
         or fmt.MISSING),
        (_("Convocatoria"), date_text(process.get("call_date"))),
        (_("Valor referencial"), _money(process.get("reference_amount"))),
        (_("Postores"), f"{len(bidders)}: " + "; ".join(b["name"] or b["ruc"] for b in bidders)
         if bidders else _("la fuente no publica los postores")),
        (_("Ganador (buena pro)"), "; ".join(f"{w['name'] or '—'} (RUC {w['ruc']})"
                                             for w in winners) or fmt.MISSING),
        (_("Monto contratado"), _money(_sum(contracts, "amount"))),
        (_("Adicionales"), _money(_sum(contracts, "amount_additional"))),
        (_("Reducciones"), _money(_sum(contracts, "amount_reduction"))),
        (_("Prórrogas (monto)"), _money(_sum(contracts, "amount_extension"))),
        (_("Penalidades"), f"{len(penalties)} · {_money(_sum(penalties, 'amount'))}"
         if penalties else _("ninguna registrada")),
    ]
    return rows


def sanction_lines(process: Mapping[str, Any]) -> list[str]:
    """The sanctions of the winners and contracted suppliers, once each."""
    seen, lines = set(), []
    parties = [(w.get("name"), w["ruc"], w.get("sanctions") or [])
               for w in process.get("winners") or []]
    parties += [(k.get("supplier_name"), k.get("supplier_ruc"), k.get("supplier_sanctions") or [])
                for k in process.get("contracts") or []]
    for name, ruc, sanctions in parties:
        for s in sanctions:
            key = (ruc, s.get("key"))
            if key in seen:
                continue
            seen.add(key)
            kind = SANCTION_KINDS.get(s.get("kind"))
            lines.append(f"{name or ruc} (RUC {ruc}): "
                         + _("{kind} del {start} al {end}",
                             kind=_(kind) if kind else s.get("kind"),
                             start=date_text(s.get("start_date")),
                             end=date_text(s.get("end_date")))
                         + (f" — {s['reason']}" if s.get("reason") else "")
                         + (f" ({s['authority']})" if s.get("authority") else ""))
    return lines


def contract_links(process: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(text, url) of each contract document the source links to."""
    return [(_("Contrato {number}", number=k.get("number") or k["id"]), k["url"])
            for k in process.get("contracts") or [] if _safe_url(k.get("url"))]


def _safe_url(url: Any) -> bool:
    """Only web links (never javascript: or data: URLs from a source file)."""
    return isinstance(url, str) and url.lower().startswith(("https://", "http://"))


def link_text(method: str | None, confidence: Any) -> str:
    known = LINK_TEXTS.get(method or "")
    text = _(known) if known else (method or _("enlace sin método"))
    return (text + " " + _("(confianza {value})", value=fmt.decimal(float(confidence), 2))
            if confidence else text)


def is_weak(link: Mapping[str, Any]) -> bool:
    return link.get("method") in WEAK_METHODS


# -- control (CGR) -------------------------------------------------------------------------
@dataclass(frozen=True)
class ReportView:
    title: str
    number: str
    when: str
    persons: str
    pdf: str | None
    link: str
    weak: bool         # a name-similarity candidate: «posible relación», never fact


def report_views(reports: Sequence[Mapping[str, Any]]) -> list[ReportView]:
    """Strong links first; a name-similarity candidate says it is one."""
    out = []
    for r in reports:
        persons = r.get("persons_responsible")
        out.append(ReportView(
            title=str(r.get("title") or _("Informe sin título")),
            number=str(r.get("number") or r["id"]),
            when=date_text(r.get("issued_date") or r.get("published_date")),
            persons=(_("sin dato") if persons is None else
                     ngettext("{count} persona", "{count} personas", int(persons),
                              count=fmt.number(int(persons)))),
            pdf=r["pdf_url"] if _safe_url(r.get("pdf_url")) else None,
            link="; ".join(link_text(k.get("method"), k.get("confidence"))
                           for k in r.get("links") or [r]),
            weak=any(is_weak(k) for k in r.get("links") or [r])))
    return out


def reports_shown(reports: Sequence[Mapping[str, Any]], entity_limit: int
                  ) -> tuple[list[Mapping[str, Any]], int]:
    """The reports a page lists, in their order: every one linked to the work or its
    investment, and the first `entity_limit` linked only through the entity; and how many
    of those are left out."""
    shown, left, by_entity = [], 0, 0
    for r in reports:
        if all(k.get("linked_to") == "entity" for k in r.get("links") or [r]):
            if by_entity >= entity_limit:
                left += 1
                continue
            by_entity += 1
        shown.append(r)
    return shown, left


def placement_text(placement: Mapping[str, Any]) -> str | None:
    """Where Mirador placed a work whose declared names did not give its district, with the
    names the source declared; None when the names gave it."""
    if not placement.get("moved"):
        return None
    declared = ", ".join(v for v in (placement["declared"].get("district"),
                                     placement["declared"].get("province"),
                                     placement["declared"].get("department")) if v)
    return (f"La fuente declara «{declared or 'sin nombres'}». Mirador ubicó la obra en "
            f"{placement.get('district') or placement.get('ubigeo')} "
            f"{placement.get('method_description') or ''}".rstrip() + ".")
