"""A page per executing entity (/entidad/<id>): its works on a map with their money and
progress, its alerts, its investments (MEF), its procurement processes and contracts
(SEACE) and the control reports the Contraloría published about it (with the PDF).

The id is the entity's key in every source (queries.entities). An unknown or malformed id
gets "Entidad no encontrada" (HTTP 404, dashboard/routes/parties.py), never a traceback.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import dash
from dash import dcc, html

from dashboard import party_ui as ui
from dashboard import scorecard_ui
from dashboard.cache import memoize
from dashboard.citizen_ui import section
from dashboard.follow_ui import follow_section
from dashboard.i18n import N_, _
from dashboard.routes.geo import geojson_url
from layers import format as fmt
from queries import parties, scores
from queries.entities import entity_page
from queries.parties import parse_entity_id

PAGE = ui.PartyPage(
    "entidad", parse_entity_id, entity_page, "Entidad no encontrada",
    lambda key: (f"Ninguna fuente nombra una entidad con el identificador «{key}». "
                 "Búsquela por su nombre en el explorador."),
    lambda page: page["entity"]["name"])
page_data = PAGE.data


def page_title(entidad: str | None = None) -> str:
    return PAGE.title(entidad)


def page_description(entidad: str | None = None) -> str:
    page = PAGE.or_none(entidad)
    if not page:
        return "Entidad pública del Perú: sus obras, inversiones, contratos e informes de control."
    totals = parties.work_totals(page["work_groups"])
    contracts = page["contract_totals"].get("contracts") or 0
    reports = page["report_totals"].get("reports") or 0
    return (f"{fmt.count_label(totals['works'], 'obra', 'obras')} por "
            f"{fmt.money(totals['investment'])}, "
            f"{fmt.count_label(contracts, 'contrato', 'contratos')} y "
            f"{fmt.count_label(reports, 'informe', 'informes')} de control.")


dash.register_page(__name__, path_template="/entidad/<entidad>", name=N_("Entidad"), nav=False,
                   title=page_title, description=page_description)


def layout(entidad: str | None = None, **_query) -> html.Div:
    found = PAGE.load(entidad)
    if not isinstance(found, tuple):
        return found
    entity_id, page = found
    entity = page["entity"]
    totals = parties.work_totals(page["work_groups"])
    explorer = "/?" + urlencode({"entity_id": entity_id})
    region = entity.get("region_ubigeo")
    outlines = [geojson_url(1)] + ([geojson_url(3, region)] if region else [])
    return html.Div(className="citizen-page party-page", id="entidad-page", children=[
        _header(entity, explorer),
        html.Div(className="party-kpis", id="entidad-kpis", children=[
            *ui.work_kpis(totals, page["alert_works"]), *_source_kpis(page)]),
        section(scorecard_ui.index_title(), *scorecard_ui.entity_scorecard(
            *score_data(entity_id), entity_id), id="entidad-score-section"),
        ui.works_figures(page, totals, outlines, "entidad"),
        section("Sus obras", *ui.works_table(page["works"], totals["works"], explorer),
                id="entidad-works"),
        section("Alertas de sus obras", *ui.alerts_block(page), id="entidad-alerts"),
        section("Inversiones (MEF)", *_investments(page), id="entidad-investments"),
        section("Contratos (SEACE)", *ui.contracts_table(
            page["contracts"], page["contract_totals"].get("contracts") or 0, "supplier",
            "/api/v1/contracts?" + urlencode({"entity_id": entity_id, "per_page": 500})),
            id="entidad-contracts"),
        section("Procesos de selección (SEACE)", *ui.processes_table(
            page["processes"], page["process_totals"].get("processes") or 0),
            id="entidad-processes"),
        section("Informes de control (Contraloría)", *_reports(page, entity_id),
                id="entidad-reports"),
        follow_section("entidad", entity_id, entity["name"]),
    ])


def score_data(entity_id: str) -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
    """The entity's performance index and the peers ranked around it (queries.scores)."""
    return memoize(f"entidad:score:{entity_id}", lambda: scores.entity_card(entity_id))


def _header(entity: dict[str, Any], explorer: str) -> html.Header:
    meta = [x for x in (entity.get("government_level"), entity.get("region_name")) if x]
    spellings = [n for n in entity.get("names") or [] if n != entity["name"]]
    return html.Header(className="citizen-header", children=[
        html.P("Entidad pública", className="citizen-crumbs"),
        html.H1(entity["name"], id="entidad-title"),
        html.P(" · ".join(meta), className="muted") if meta else None,
        ui.sources_line(entity.get("sources") or []),
        html.Details([html.Summary(f"Otras formas de escribir su nombre ({len(spellings)})"),
                      html.Ul([html.Li(n) for n in spellings])]) if spellings else None,
        html.P([dcc.Link("Ver sus obras en el mapa del explorador", href=explorer,
                         className="citizen-button small", id="entidad-explorer"), " ",
                html.A(_("Seguir esta entidad"), href="#follow-entidad",
                       className="citizen-button small", id="entidad-follow-jump")]),
    ])


def _source_kpis(page: dict[str, Any]) -> list[html.Div]:
    years = page["investment_years"]
    investments = sum(r["investments"] for r in years)
    updated = parties.exact_sum(r["amount_updated"] for r in years)
    viable = parties.exact_sum(r["amount_viable"] for r in years)
    contracts, reports = page["contract_totals"], page["report_totals"]
    return [
        ui.kpi("Inversiones (MEF)", fmt.number(investments),
               "ninguna" if not investments else f"costo actualizado {fmt.money(updated)}"
               if updated is not None else f"monto viable {fmt.money(viable)}"),
        ui.kpi("Contratos (SEACE)", fmt.number(contracts.get("contracts") or 0),
               f"por {fmt.money(contracts.get('amount'))}" if contracts.get("contracts")
               else "ninguno"),
        ui.kpi("Informes de control", fmt.number(reports.get("reports") or 0),
               f"{fmt.count_label(reports.get('persons_responsible') or 0, 'persona', 'personas')}"
               " con presunta responsabilidad" if reports.get("reports") else "ninguno",
               "is-alert" if reports.get("persons_responsible") else ""),
    ]


def _investments(page: dict[str, Any]) -> list:
    total = sum(r["investments"] for r in page["investment_years"])
    rows = page["investments"][:ui.PAGE_ROWS]
    return [
        html.P("Cada inversión (CUI) se cuenta una vez aunque el MEF la repita por distrito o "
               "la publiquen varias de sus fuentes.", className="muted"),
        ui.table(rows, [
            ("CUI", lambda i: i["cui"], ""),
            ("Inversión", lambda i: i.get("name") or fmt.MISSING, "wide"),
            ("Estado", lambda i: fmt.label(i.get("status")), ""),
            ("Viable desde", lambda i: ui.date_text(i.get("viability_date")), ""),
            ("Monto viable", lambda i: fmt.money(i.get("amount_viable"), exact=True), "num"),
            ("Costo actualizado", lambda i: fmt.money(i.get("amount_updated"), exact=True),
             "num"),
            ("Fuente", lambda i: ", ".join(ui.SOURCE_LABELS.get(s, s)
                                           for s in i.get("sources") or []), ""),
        ], "Ninguna inversión registrada en el MEF."),
        ui.more_note(len(rows), total, "inversiones (las de mayor costo)")]


def _reports(page: dict[str, Any], entity_id: str) -> list:
    rows = page["reports"][:ui.PAGE_ROWS]
    total = page["report_totals"].get("reports") or 0
    return [
        html.P("Servicios de control publicados por la Contraloría sobre esta entidad. Las "
               "personas con presunta responsabilidad no están sancionadas: el informe lo "
               "señala para que se investigue.", className="muted"),
        ui.table(rows, [
            ("Informe", lambda r: r.get("number") or r["id"], ""),
            ("Título", lambda r: r.get("title") or fmt.MISSING, "wide"),
            ("Emitido", lambda r: ui.date_text(r.get("issued_date")), ""),
            ("Personas con presunta responsabilidad",
             lambda r: fmt.number(r.get("persons_responsible")), "num"),
            ("Documento", lambda r: [
                ui.outside("PDF", r["pdf_url"]) if r.get("pdf_url") else None,
                " · " if r.get("pdf_url") and r.get("summary_url") else None,
                ui.outside("Resumen", r["summary_url"]) if r.get("summary_url") else None], ""),
        ], "La Contraloría no ha publicado informes de control sobre esta entidad."),
        ui.more_note(len(rows), total, "informes (los más recientes)",
                     "/api/v1/control-reports?" + urlencode({"entity_id": entity_id,
                                                             "per_page": 500}))]
