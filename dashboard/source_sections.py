"""The sections a work's page and an investment's page share: the investment (MEF), the
procurement (SEACE), the control reports (CGR) and what each source says of each figure.

Every text from a source goes in as text (Dash escapes it); links only to http(s) URLs.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import quote

from dash import dcc, html

from dashboard.citizen_ui import facts, section
from dashboard.i18n import _, ngettext
from layers import format as fmt
from layers import work_sources as view

# A work's page lists every report linked to the work or its investment, and the newest of
# its entity's (a regional government has a hundred and more: its page lists them all, and
# a thousand components here cost a work's page 20 ms).
ENTITY_REPORTS_SHOWN = 10


def _source_fact(label: str, value: str, origin: str) -> tuple[str, Any]:
    return label, [html.Strong(value), html.Br(), html.Small(origin, className="muted")]


def investment_section(inv: Mapping[str, Any] | None, cui: str | None,
                       link: bool = True) -> html.Section:
    """«La inversión (MEF)»: each figure with its source and date, the places."""
    title = _("La inversión (MEF)")
    if inv is None:
        text = (_("El CUI {cui} no figura en los archivos del MEF cargados (Banco de "
                  "Inversiones, SSI).", cui=cui) if cui else
                _("La obra no tiene CUI: no se puede enlazar con el Banco de Inversiones del "
                  "MEF."))
        return section(title, html.P(text, className="muted"), id="obra-investment")
    rows = [_source_fact(*row) for row in view.investment_facts(inv)]
    places = view.place_lines(inv.get("places") or [])
    body: list = [facts([("CUI", inv["cui"]), *rows])]
    if places:
        body.append(html.P([_("Lugares:") + " ", "; ".join(places)], className="muted"))
    links = [dcc.Link(_("Ver la inversión completa"), href=f"/inversion/{inv['cui']}")] \
        if link else []
    if inv.get("entity_id"):
        links.append(dcc.Link(_("Ver la entidad: {name}",
                                name=inv.get("entity_name") or inv["entity_id"]),
                              href=f"/entidad/{inv['entity_id']}"))
    if links:
        body.append(html.P([part for item in links for part in (" · ", item)][1:]))
    return section(title, *body, id="obra-investment")


def procurement_section(processes: Sequence[Mapping[str, Any]]) -> html.Section:
    """«La contratación (SEACE)»: per process, bidders, winner, contract, changes, penalties,
    the suppliers' sanctions and the contract document."""
    title = _("La contratación (SEACE)")
    if not processes:
        return section(title, html.P(_("No encontramos procesos de contratación del SEACE "
                                       "enlazados a esta obra por su CUI."), className="muted"),
                       id="obra-procurement")
    blocks = []
    for p in processes:
        sanctions = view.sanction_lines(p)
        documents = view.contract_links(p)
        link = p.get("link") or {}
        blocks.append(html.Div(className="citizen-compare obra-process", children=[
            html.Div(className="citizen-compare-head", children=[
                html.Strong(p.get("nomenclature") or p["id"]),
                html.Span(view.link_text(link.get("method"), link.get("confidence")),
                          className="citizen-chip " + ("warn" if view.is_weak(link) else "ok"))]),
            html.P(p.get("description") or "", className="muted"),
            facts(view.process_facts(p), "citizen-facts compact"),
            html.Div([html.Strong(_("Sanciones de los proveedores:") + " "),
                      html.Ul([html.Li(line) for line in sanctions])],
                     className="citizen-note warn") if sanctions else None,
            html.P([html.A(text, href=url, target="_blank", rel="noopener noreferrer")
                    for text, url in documents]) if documents else None,
            html.P([_("Ficha del ganador:") + " ", *(dcc.Link(w["name"] or w["ruc"],
                                                      href=f"/contratista/{w['ruc']}")
                                             for w in p.get("winners") or [])])
            if p.get("winners") else None,
            html.Small(_("Fuente: {source} · datos al {date}",
                         source=p.get("source_label") or p["source"],
                         date=view.date_text(p.get("source_date"))), className="muted")]))
    return section(title, *blocks, id="obra-procurement")


def control_section(reports: Sequence[Mapping[str, Any]],
                    entity_id: str | None = None) -> html.Section:
    """«El control (Contraloría)»: reports on the entity, and name-similarity candidates shown
    as «posible relación», never as fact. Given the entity, only its newest reports are
    listed, with a link to its page for the rest."""
    title = _("El control (Contraloría)")
    if not reports:
        return section(title, html.P(_("No hay informes de control publicados enlazados a esta "
                                       "obra o a su entidad."), className="muted"),
                       id="obra-control")
    shown, more = (view.reports_shown(reports, ENTITY_REPORTS_SHOWN) if entity_id
                   else (reports, 0))
    items = [html.Li(className="citizen-compare" + (" obra-weak" if r.weak else ""), children=[
        html.Div(className="citizen-compare-head", children=[
            html.Strong(r.title),
            html.Span(_("posible relación con esta obra") if r.weak else _("misma entidad"),
                      className="citizen-chip " + ("warn" if r.weak else "ok"))]),
        html.P(_("Informe {number} · emitido el {when} · personas con presunta "
                 "responsabilidad: {persons}", number=r.number, when=r.when,
                 persons=r.persons)),
        html.P(r.link, className="muted"),
        html.A(_("Informe (PDF)"), href=r.pdf, target="_blank", rel="noopener noreferrer")
        if r.pdf else None]) for r in view.report_views(shown)]
    rest = [html.P([ngettext("Y {count} informe más sobre la entidad:",
                             "Y {count} informes más sobre la entidad:", more,
                             count=fmt.number(more)) + " ",
                    dcc.Link(_("véalos en la página de la entidad"),
                                          href=f"/entidad/{quote(entity_id, safe='')}")],
                   className="muted", id="obra-control-more")] if more and entity_id else []
    return section(title, html.P(_("Un informe de la entidad no prueba nada sobre esta obra: "
                                   "puede tratar de otra. Las posibles relaciones no están "
                                   "confirmadas."), className="muted"),
                   html.Ul(items, className="citizen-reports"), *rest, id="obra-control")


def figures_block(figures: Sequence[Mapping[str, Any]]) -> list:
    """«Lo que dice cada fuente»: every figure per source with its date, the one shown and
    why, and the disagreements flagged."""
    out: list = []
    for f in view.figure_views(figures):
        out.append(html.Div(className="citizen-compare obra-figure", children=[
            html.Div(className="citizen-compare-head", children=[
                html.Strong(f.label),
                html.Span(f.verdict[0], className=f"citizen-chip {f.verdict[1]}".strip())]),
            html.Ul([html.Li([html.Span(v.source, className="muted"), html.Br(),
                              html.Strong(v.value), f" · {v.when}",
                              " " + _("(cifra mostrada)")
                              if v.shown and len(f.values) > 1 else None])
                     for v in f.values]),
            html.Small(f.rule, className="muted")]))
    return out
