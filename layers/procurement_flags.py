"""The alerts page's «Contrataciones» view: procurement flags as table records, the counts
per rule with what each rule could not evaluate, and the fences the award rule used. Rows from
queries.procurement_flags in, plain dicts and Dash tables out."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from dash import html

from dashboard.i18n import _
from layers import format as fmt

TABLE_COLUMNS = (("rule_name", "Regla"), ("severity", "Severidad"),
                 ("process", "Proceso"), ("entity", "Entidad"),
                 ("amount", "Monto en riesgo"), ("message", "Qué se encontró"),
                 ("works", "Obra vinculada"))


def table_columns() -> list[dict]:
    return [{"name": _(label), "id": key,
             **({"presentation": "markdown"} if key == "works" else {})}
            for key, label in TABLE_COLUMNS]


def flag_records(rows: Sequence[Mapping]) -> list[dict]:
    """Display values (plain text, escaped by the table); the works column is markdown made
    only of a fixed label and numeric codes."""
    out = []
    for r in rows:
        works = [w for w in (r["works"] or []) if str(w).isdigit()][:3]
        out.append({
            "rule_name": _(r["rule_name"]), "severity": _(r["severity"].capitalize()),
            "process": r["nomenclature"] or r["process_id"],
            "entity": r["entity_name"] or "",
            "amount": fmt.money(r["amount"]) if r["amount"] else "—",
            "message": r["message"],
            "works": " ".join(f"[{_('Obra {code}', code=int(w))}](/obra/{int(w)})"
                              for w in works) or "—"})
    return out


def _table(head: Sequence[str], rows: Sequence[Sequence]) -> html.Table:
    return html.Table(className="alertas-contr-table", children=[
        html.Thead(html.Tr([html.Th(h) for h in head])),
        html.Tbody([html.Tr([html.Td(c) for c in row]) for row in rows])])


def counts_table(counts: Sequence[Mapping], coverage: Sequence[Mapping]) -> html.Table:
    """Per rule: flags, processes, flags with a linked work, amount at risk, and what could
    not be evaluated (per source, with the reason)."""
    missing: dict[str, list[str]] = {}
    for c in coverage:
        if c["not_evaluable"]:
            missing.setdefault(c["rule_code"], []).append(_(
                "{source}: {n} {unit} ({reason})", source=c["source"].upper(),
                n=fmt.number(c["not_evaluable"]), unit=c["unit"], reason=c["reason"]))
    rows = [(_(r["name"]), fmt.number(r["flags"]), fmt.number(r["processes"]),
             fmt.number(r["with_works"]), fmt.money(r["amount"]) if r["amount"] else "—",
             "; ".join(missing.get(r["rule_code"], [])) or "—") for r in counts]
    return _table([_("Regla"), _("Alertas"), _("Procesos"), _("Con obra vinculada"),
                   _("Monto en riesgo"), _("No evaluables")], rows)


def fences_table(fences: Sequence[Mapping]) -> html.Table:
    """The quartiles and fences of awarded / reference per procedure type and object."""
    def pct(x: float | None) -> str:
        return fmt.percent(100 * x) if x is not None else "—"

    rows = [(r["procedure_type"], r["object"], fmt.number(r["items"]), pct(r["q1"]),
             pct(r["median"]), pct(r["q3"]), pct(r["lower_fence"]), pct(r["upper_fence"]),
             _("sí") if r["evaluated"] else _("no")) for r in fences]
    return _table([_("Procedimiento"), _("Objeto"), _("Ítems"), "Q1", _("Mediana"), "Q3",
                   _("Cerca inferior"), _("Cerca superior"), _("Evaluado")], rows)
