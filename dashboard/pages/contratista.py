"""A page per contractor (/contratista/<ruc>): the works it builds (INFObras) on a map with
their money and progress and alerts, its contracts, the processes it bid in and won, the
penalties on its contracts, its sanctions (SEACE) and the entities it works for.

An unknown or malformed RUC gets "Contratista no encontrado" (HTTP 404,
dashboard/routes/parties.py), never a traceback.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import dash
from dash import dcc, html

from dashboard import party_ui as ui
from dashboard import scorecard_ui
from dashboard.citizen_ui import section
from dashboard.i18n import N_, _
from dashboard.routes.geo import geojson_url
from dashboard.wire import link
from layers import format as fmt
from queries import parties
from queries.contractors import contractor_page
from queries.parties import parse_ruc

SANCTION_KINDS = {"inhabilitacion": "Inhabilitación", "sancion": "Sanción", "multa": "Multa"}


def _name(page: dict[str, Any]) -> str:
    return page["supplier"].get("name") or f"RUC {page['supplier']['ruc']}"


PAGE = ui.PartyPage(
    "contratista", parse_ruc, contractor_page, "Contratista no encontrado",
    lambda ruc: (f"Ninguna fuente nombra al RUC {ruc} como contratista, postor ni proveedor. "
                 "Revise el número o búsquelo en el explorador."), _name)
page_data = PAGE.data


def page_title(ruc: str | None = None) -> str:
    return PAGE.title(ruc)


def page_description(ruc: str | None = None) -> str:
    page = PAGE.or_none(ruc)
    if not page:
        return "Contratista del Estado peruano: sus obras, contratos, penalidades y sanciones."
    totals = parties.work_totals(page["work_groups"])
    contracts = page["contract_totals"].get("contracts") or 0
    return (f"RUC {page['supplier']['ruc']}: {fmt.count_label(totals['works'], 'obra', 'obras')}"
            f", {fmt.count_label(contracts, 'contrato', 'contratos')} por "
            f"{fmt.money(page['contract_totals'].get('amount'))}.")


dash.register_page(__name__, path_template="/contratista/<ruc>", name=N_("Contratista"),
                   nav=False, title=page_title, description=page_description)


def layout(ruc: str | None = None, **_query) -> html.Div:
    found = PAGE.load(ruc)
    if not isinstance(found, tuple):
        return found
    ruc, page = found
    totals = parties.work_totals(page["work_groups"])
    explorer = "/?" + urlencode({"contractor_ruc": ruc})
    bids = page["bid_totals"]
    return html.Div(className="citizen-page party-page", id="contratista-page", children=[
        _header(page, explorer),
        html.Div(className="party-kpis", id="contratista-kpis", children=[
            *ui.work_kpis(totals, page["alert_works"]), *_procurement_kpis(page)]),
        section(scorecard_ui.contractor_title(), *scorecard_ui.contractor_scorecard(
            page, totals, ruc), id="contratista-scorecard"),
        ui.works_figures(page, totals, [geojson_url(1)], "contratista"),
        section("Sus obras", *ui.works_table(page["works"], totals["works"], explorer,
                                             show_entity=True), id="contratista-works"),
        section("Alertas de sus obras", *ui.alerts_block(page), id="contratista-alerts"),
        section("Entidades para las que trabaja", _entities(page["entities"]),
                id="contratista-entities"),
        section("Contratos (SEACE)", *ui.contracts_table(
            page["contracts"], page["contract_totals"].get("contracts") or 0, "entity",
            "/api/v1/contracts?" + urlencode({"supplier_ruc": ruc, "per_page": 500})),
            id="contratista-contracts"),
        section("Procesos en los que se presentó (SEACE)",
                html.P(f"Se presentó en {_processes(bids.get('processes_bid'))} y ganó "
                       f"{fmt.number(bids.get('processes_won') or 0)}.", className="muted"),
                *ui.processes_table(page["bids"], bids.get("processes_bid") or 0,
                                    with_result=True), id="contratista-processes"),
        section("Penalidades y sanciones", *_penalties(page), id="contratista-sanctions"),
    ])


def _header(page: dict[str, Any], explorer: str) -> html.Header:
    supplier = page["supplier"]
    return html.Header(className="citizen-header", children=[
        html.P("Contratista", className="citizen-crumbs"),
        html.H1(_name(page), id="contratista-title"),
        html.P(" · ".join(x for x in (f"RUC {supplier['ruc']}", supplier.get("kind")) if x),
               className="muted"),
        ui.sources_line([supplier["source"]] if supplier.get("source") else []),
        html.P(dcc.Link("Ver sus obras en el mapa del explorador", href=explorer,
                        className="citizen-button small", id="contratista-explorer")),
    ])


def _procurement_kpis(page: dict[str, Any]) -> list[html.Div]:
    contracts, bids = page["contract_totals"], page["bid_totals"]
    penalties = parties.exact_sum(p["amount"] for p in page["penalties"])
    sanctions = len(page["sanctions"])
    return [
        ui.kpi("Contratos (SEACE)", fmt.number(contracts.get("contracts") or 0),
               f"por {fmt.money(contracts.get('amount'))}" if contracts.get("contracts")
               else "ninguno"),
        ui.kpi("Procesos ganados", fmt.number(bids.get("processes_won") or 0),
               f"de {_processes(bids.get('processes_bid'))} en que se presentó"),
        ui.kpi("Penalidades", fmt.number(len(page["penalties"])),
               f"por {fmt.money(penalties)}" if page["penalties"] else "ninguna",
               "is-alert" if page["penalties"] else ""),
        ui.kpi("Sanciones", fmt.number(sanctions), "del Tribunal de Contrataciones (OSCE)"
               if sanctions else "ninguna registrada", "is-alert" if sanctions else ""),
    ]


def _processes(n: int | None) -> str:
    return fmt.count_label(n or 0, "proceso", "procesos")


def _entities(rows: list[dict[str, Any]]) -> Any:
    return ui.table(rows, [
        ("Entidad", lambda e: link(e.get("name") or e["entity_id"],
                                   ui.entity_href(e["entity_id"])), "wide"),
        ("Obras", lambda e: fmt.number(e["works"]), "num"),
        ("Inversión de las obras", lambda e: fmt.money(e.get("works_amount"), exact=True),
         "num"),
        ("Contratos", lambda e: fmt.number(e["contracts"]), "num"),
        ("Monto contratado", lambda e: fmt.money(e.get("contracts_amount"), exact=True),
         "num"),
    ], "Ninguna entidad registrada.")


def _penalties(page: dict[str, Any]) -> list:
    return [
        html.H3("Penalidades en sus contratos"),
        ui.table(page["penalties"], [
            ("Contrato", lambda p: p.get("contract_number") or p["contract_id"], ""),
            ("Tipo", lambda p: p.get("kind") or fmt.MISSING, ""),
            ("Fecha", lambda p: ui.date_text(p.get("penalty_date")), ""),
            ("Motivo", lambda p: p.get("reason") or fmt.MISSING, "wide"),
            ("Monto", lambda p: fmt.money(p.get("amount"), exact=True), "num"),
        ], "Ninguna penalidad registrada en el SEACE."),
        *_other_penalties(page["other_penalties"]),
        html.H3("Sanciones e inhabilitaciones"),
        ui.table(page["sanctions"], [
            ("Tipo", lambda s: SANCTION_KINDS.get(s["kind"], s["kind"]), ""),
            ("Desde", lambda s: ui.date_text(s.get("start_date")), ""),
            ("Hasta", lambda s: ui.date_text(s.get("end_date")), ""),
            ("Motivo", lambda s: s.get("reason") or fmt.MISSING, "wide"),
            ("Resolución", lambda s: s.get("resolution") or fmt.MISSING, ""),
            ("Órgano", lambda s: s.get("authority") or fmt.MISSING, ""),
        ], "Ninguna sanción registrada en el SEACE."),
    ]


def _other_penalties(rows: list[dict[str, Any]]) -> list:
    """Penalties in contracts of other entities (not among the contracts above, so not in
    their total): CONOSCE joins them to the supplier by its RUC."""
    if not rows:
        return []
    return [
        html.H3(_("Penalidades en contratos de otras entidades")),
        html.P(_("El SEACE (CONOSCE) las asocia a este proveedor por su RUC; sus contratos "
                 "no están entre los de arriba y no se suman a ellos."), className="note"),
        ui.table(rows, [
            (_("Entidad"), lambda p: p.get("entity_name") or fmt.MISSING, "wide"),
            (_("Contrato (SEACE)"), lambda p: p["contract_ref"], ""),
            (_("Objeto"), lambda p: p.get("object") or fmt.MISSING, ""),
            (_("Tipo"), lambda p: p.get("kind") or fmt.MISSING, ""),
            (_("Fecha"), lambda p: ui.date_text(p.get("penalty_date")), ""),
            (_("Motivo"), lambda p: p.get("reason") or fmt.MISSING, "wide"),
            (_("Monto"), lambda p: fmt.money(p.get("amount"), exact=True), "num"),
        ], ""),
    ]
