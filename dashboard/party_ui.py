"""The pieces the entity page (/entidad/<id>) and the contractor page (/contratista/<ruc>)
share: KPI cards, the map and charts of their works, tables of works, alerts, processes and
contracts, and the "not found" card. Built from the rows of queries.entities and
queries.contractors; the look is in assets/parties.css (tables scroll sideways on a phone).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any
from urllib.parse import quote

import sqlalchemy as sa
from dash import dcc, html

from dashboard.cache import memoize
from dashboard.citizen_ui import section, status_chip
from dashboard.explorer_state import ExplorerState, href
from dashboard.wire import element, link
from layers import entity as figures
from layers import format as fmt
from layers.alerts import SEVERITY_LABELS
from queries.filters import FilterError
from queries.parties import LIST_LIMIT, WORKS_LIMIT

SITE = "Mirador de Obras"
PAGE_ROWS = LIST_LIMIT   # rows of each table on the page, as many as the API lists
GRAPH = {"displayModeBar": False}
SOURCE_LABELS = {"infobras": "INFObras (Contraloría)", "mef_banco": "MEF · Banco de Inversiones",
                 "ssi_ejecucion": "MEF · SSI", "ssi_formato8": "MEF · SSI Formato 8",
                 "conosce": "SEACE (CONOSCE)", "ocds": "SEACE (OCDS)",
                 "cgr": "Contraloría · informes de control"}
Column = tuple[str, Callable[[Mapping[str, Any]], Any], str]  # header, cell, class


def date_text(day: date | None) -> str:
    """dd/mm/aaaa (strftime takes five times as long, for hundreds of cells a page)."""
    return fmt.MISSING if day is None else f"{day.day:02d}/{day.month:02d}/{day.year}"


def entity_href(entity_id: str) -> str:
    return f"/entidad/{quote(entity_id)}"


def contractor_href(ruc: str) -> str:
    return f"/contratista/{quote(ruc)}"


log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PartyPage:
    """How the page of an entity or a contractor finds its rows: the key in the URL parsed
    (FilterError in Spanish), the rows read once per data version (dashboard.cache), and a
    "not found" page for a malformed key, an unknown one or a database that is down."""

    prefix: str                                   # cache key and log name
    parse: Callable[[object], str]
    read: Callable[[str], dict[str, Any] | None]
    not_found: str                                # "Entidad no encontrada"
    unknown: Callable[[str], str]                 # the sentence for a key no source names
    name: Callable[[dict[str, Any]], str]

    def data(self, key: str) -> dict[str, Any] | None:
        return memoize(f"{self.prefix}:{key}", lambda: self.read(key))

    def or_none(self, raw: object) -> dict[str, Any] | None:
        """For the page's title and description: never an error."""
        from dashboard.app import DB_ERRORS  # the app imports the pages, which import this

        try:
            return self.data(self.parse(raw))
        except (FilterError, sa.exc.SQLAlchemyError, *DB_ERRORS):
            return None

    def title(self, raw: object = None) -> str:
        page = self.or_none(raw)
        return f"{self.name(page)[:90]} — {SITE}" if page else f"{self.not_found} — {SITE}"

    def load(self, raw: object) -> tuple[str, dict[str, Any]] | html.Div:
        """(key, rows), or the page that says why there are none."""
        from dashboard.app import DB_DOWN, DB_ERRORS

        try:
            key = self.parse(raw)
            page = self.data(key)
        except FilterError as exc:
            return not_found(self.not_found, str(exc))
        except DB_ERRORS as exc:
            log.warning("%s page without database: %s", self.prefix, exc)
            return not_found("No se pudo consultar la base de datos", DB_DOWN)
        return (key, page) if page is not None else not_found(self.not_found,
                                                              self.unknown(key))


def not_found(title: str, message: str) -> html.Div:
    return html.Div(className="citizen-page party-page", children=[
        html.Section(className="citizen-card citizen-notfound", role="alert", children=[
            html.H1(title), html.P(message),
            html.P([dcc.Link("Buscar en el explorador", href="/"), " · ",
                    dcc.Link("Obras cerca de usted", href="/cerca")])])])


def kpi(label: str, value: str, detail: str = "", kind: str = "") -> html.Div:
    return html.Div(className=f"citizen-kpi party-kpi {kind}".strip(), children=[
        html.Span(label), html.Strong(value),
        html.Small(detail, className="muted") if detail else None])


def work_kpis(totals: Mapping[str, Any], alert_works: Mapping[str, Any]) -> list[html.Div]:
    works = totals["works"]
    accrued_share = (f"{fmt.percent(float(totals['accrued']) / float(totals['investment']) * 100)}"
                     " de la inversión" if totals["investment"] and totals["accrued"] is not None
                     else "")
    return [
        kpi("Obras (INFObras)", fmt.number(works),
            f"{fmt.count_label(totals['paralysed'], 'paralizada', 'paralizadas')}"
            if works else "ninguna registrada", "is-alert" if totals["paralysed"] else ""),
        kpi("Inversión de las obras", fmt.money(totals["investment"]),
            f"paralizada: {fmt.money(totals['paralysed_investment'])}"
            if totals["paralysed"] else ""),
        kpi("Devengado (gastado)", fmt.money(totals["accrued"]), accrued_share),
        kpi("Avance físico promedio", fmt.percent(totals["progress"]),
            f"de {fmt.count_label(totals['progress_n'], 'obra', 'obras')}"
            if totals["progress_n"] else "sin datos de avance"),
        kpi("Obras con alertas", fmt.number(alert_works.get("works_with_alerts") or 0),
            f"monto en riesgo {fmt.money(alert_works.get('amount_at_risk'))}"
            if alert_works.get("works_with_alerts") else "",
            "is-alert" if alert_works.get("works_with_alerts") else ""),
    ]


def works_figures(page: Mapping[str, Any], totals: Mapping[str, Any],
                  outlines: Sequence[str], prefix: str) -> html.Div | None:
    """The map of the works and the charts of money by year and by status; nothing when
    INFObras names no work (the tables below say so)."""
    if not totals["works"]:
        return None
    works = page["works"]
    located = sum(1 for w in works if w.get("lon") is not None)
    note = (f"{fmt.count_label(located, 'obra', 'obras')} con ubicación"
            + (f" (las {fmt.number(WORKS_LIMIT)} de mayor inversión)"
               if totals["works"] > WORKS_LIMIT else "")
            + ". El tamaño del punto indica la inversión; las obras sin coordenadas propias "
              "se ubican en la capital de su distrito.")
    return html.Div(className="citizen-columns", children=[
        section("¿Dónde están sus obras?",
                dcc.Graph(id=f"{prefix}-map", figure=figures.works_map(works, outlines),
                          config={**GRAPH, "scrollZoom": False}, className="party-map"),
                html.P(note, className="muted party-note"), id=f"{prefix}-where"),
        section("Dinero por año y por estado",
                dcc.Graph(id=f"{prefix}-years", config=GRAPH, figure=figures.money_by_year(
                    page["work_groups"], page.get("investment_years", ()))),
                html.H3("Inversión de las obras por estado"),
                dcc.Graph(id=f"{prefix}-status", config=GRAPH,
                          figure=figures.money_by_status(totals)), id=f"{prefix}-money"),
    ])


# -- tables ---------------------------------------------------------------------------------
def table(rows: Sequence[Mapping[str, Any]], columns: Sequence[Column],
          empty: str, caption: str | None = None) -> Any:
    """A table that scrolls sideways on a phone; `empty` when there are no rows. Built in
    Dash's wire form (dashboard.wire): a hundred rows of Dash components took 60 ms a page,
    as plain elements a few."""
    if not rows:
        return element("P", empty, className="muted")
    head = element("Thead", element("Tr", [element("Th", h, scope="col", className=c or None)
                                           for h, _, c in columns]))
    body = element("Tbody", [element("Tr", [element("Td", cell(r), className=c or None)
                                            for _, cell, c in columns]) for r in rows])
    parts = [element("Caption", caption)] if caption else []
    return element("Div", className="party-table-wrap", tabIndex="0", children=element(
        "Table", [*parts, head, body], className="party-table"))


def outside(text: Any, url: str) -> dict[str, Any]:
    """A link to another site (a contract, a report's PDF), in a new tab."""
    return element("A", text, href=url, target="_blank", rel="noopener")


def more_note(shown: int, total: int, what: str, everything: str | None = None
              ) -> dict[str, Any] | None:
    """"Se muestran 50 de 120 contratos", and where to read them all (the open-data API)."""
    if total <= shown:
        return None
    return element("P", [f"Se muestran {fmt.number(shown)} de {fmt.number(total)} {what}. ",
                         outside("Todos en datos abiertos (JSON)", everything)
                         if everything else None], className="muted")


def works_table(works: Sequence[Mapping[str, Any]], total: int, explorer_href: str,
                show_entity: bool = False) -> list:
    columns: list[Column] = [
        ("Obra", lambda w: link(w["name"], f"/obra/{w['infobras_code']}"), "wide"),
        ("Estado", lambda w: status_chip(w["status"]), ""),
        ("Lugar", lambda w: ", ".join(x for x in (w.get("district"), w.get("region_name"))
                                      if x) or fmt.MISSING, ""),
        ("Inversión", lambda w: fmt.money(w["investment"], exact=True), "num"),
        ("Devengado", lambda w: fmt.money(w["accrued"], exact=True), "num"),
        ("Avance físico", lambda w: fmt.percent(w["physical_progress"]), "num"),
    ]
    if show_entity:
        columns.insert(2, ("Entidad", lambda w: w.get("entity") or fmt.MISSING, ""))
    shown = list(works[:PAGE_ROWS])
    return [table(shown, columns, "Ninguna obra registrada en INFObras."),
            more_note(len(shown), total, "obras (las de mayor inversión)"),
            html.P(dcc.Link("Ver todas sus obras en el mapa del explorador →",
                            href=explorer_href)) if total else None]


def alerts_block(page: Mapping[str, Any]) -> list:
    rules = page["alert_rules"]
    if not rules:
        return [html.P("Sus obras no activan alertas (o aún no se calcularon).",
                       className="citizen-note ok")]
    summary = table(rules, [
        ("Regla", lambda r: r.get("rule_name") or r["rule_code"], "wide"),
        ("Severidad", lambda r: element("Span", SEVERITY_LABELS.get(r["severity"], r["severity"]),
                                        className=f"citizen-chip sev-{r['severity']}"), ""),
        ("Alertas", lambda r: fmt.number(r["alerts"]), "num"),
        ("Monto en riesgo", lambda r: fmt.money(r["amount_at_risk"]), "num")], "")
    items = [element("Li", [element("Strong", link(a["work_name"],
                                                   f"/obra/{a['infobras_code']}")),
                             element("Br"), element("Span", a.get("rule_name") or a["rule_code"],
                                                    className="muted"), f" · {a['message']}"])
             for a in page["alerts"]]
    return [html.P("Una alerta no prueba una irregularidad: señala qué conviene revisar.",
                   className="muted"), summary,
            html.H3("Las alertas más graves"), element("Ul", items, className="party-list")]


def _money_cell(name: str) -> Callable[[Mapping[str, Any]], str]:
    return lambda r: fmt.money(r.get(name), exact=True)


def contracts_table(contracts: Sequence[Mapping[str, Any]], total: int,
                    party: str, everything: str) -> list:
    """Contracts with their supplier (party="supplier") or entity (party="entity")."""
    other: Column = (
        ("Contratista", lambda c: link(c.get("supplier_name") or c["supplier_ruc"],
                                       contractor_href(c["supplier_ruc"]))
         if c.get("supplier_ruc") else fmt.MISSING, "wide")
        if party == "supplier" else
        ("Entidad", lambda c: link(c.get("entity_name") or c["entity_id"],
                                   entity_href(c["entity_id"]))
         if c.get("entity_id") else fmt.MISSING, "wide"))
    columns: list[Column] = [
        ("Contrato", lambda c: outside(c.get("number") or c["id"], c["url"])
         if c.get("url") else (c.get("number") or c["id"]), ""),
        ("Proceso", lambda c: c.get("nomenclature") or c["process_id"], ""),
        other,
        ("Firmado", lambda c: date_text(c.get("signed_date")), ""),
        ("Monto", _money_cell("amount"), "num"),
        ("Adicionales", _money_cell("additional"), "num"),
        ("Reducciones", _money_cell("reduction"), "num"),
        ("Penalidades", _money_cell("penalties"), "num"),
    ]
    shown = contracts[:PAGE_ROWS]
    return [table(shown, columns, "Ningún contrato registrado en el SEACE."),
            more_note(len(shown), total, "contratos (los más recientes)", everything)]


def processes_table(processes: Sequence[Mapping[str, Any]], total: int,
                    with_result: bool = False) -> list:
    """Procurement processes: how many bidders, who won (links to the winners)."""
    def winners(p: Mapping[str, Any]) -> Any:
        if not p.get("winners"):
            return fmt.MISSING
        links: list = []
        for i, winner in enumerate(p["winners"]):
            links += [", "] if i else []
            links.append(link(winner.get("name") or winner["ruc"],
                              contractor_href(winner["ruc"])))
        return links

    columns: list[Column] = [
        ("Proceso", lambda p: [element("Strong", p.get("nomenclature") or p["id"]),
                               element("Br"), element("Small", p.get("description") or "",
                                                      className="muted")],
         "wide"),
        ("Entidad", lambda p: link(p.get("entity_name") or p["entity_id"],
                                   entity_href(p["entity_id"]))
         if p.get("entity_id") else fmt.MISSING, ""),
        ("Convocatoria", lambda p: date_text(p.get("call_date")), ""),
        ("Valor referencial", _money_cell("reference_amount"), "num"),
        ("Postores", lambda p: fmt.number(p.get("bidders") or 0), "num"),
        ("Ganador", winners, ""),
        ("Contratado", _money_cell("contracted"), "num"),
    ]
    if with_result:
        columns.insert(1, ("Resultado", lambda p: element("Span",
            "Ganó" if p.get("won") else "No ganó",
            className="citizen-chip " + ("ok" if p.get("won") else "")), ""))
    shown = processes[:PAGE_ROWS]
    return [table(shown, columns, "Ningún proceso de selección registrado en el SEACE."),
            more_note(len(shown), total, "procesos (los más recientes)")]


def sources_line(sources: Sequence[str]) -> html.P:
    names = [SOURCE_LABELS.get(s, s) for s in sources]
    return html.P(["Fuentes: ", " · ".join(names) if names else fmt.MISSING],
                  className="muted party-sources")


# -- the explorer's search box ----------------------------------------------------------------
def explorer_found(state: ExplorerState, names: Mapping[str, str | None],
                   matches: Mapping[str, Sequence[Mapping[str, Any]]]) -> list:
    """Under the explorer's search box: the entity or contractor the view is narrowed to
    (a link to its page, another to remove it), then the entities and contractors whose
    name or RUC matches the text, each with its page and a link that filters the map."""
    f = state.filters
    out: list = []
    for label, key, value, page in (("Obras de la entidad", "entity", f.entity_id, entity_href),
                                    ("Obras del contratista", "contractor", f.contractor_ruc,
                                     contractor_href)):
        if not value:
            continue
        field = "entity_id" if key == "entity" else "contractor_ruc"
        name = names.get(key)
        out.append(html.P(className="party-active", children=[
            html.Span(f"{label}: "),
            dcc.Link(name, href=page(value)) if name else
            html.Span(f"«{value}» (no figura en los datos)", className="muted"),
            dcc.Link("×", href=href(state.with_filters(**{field: None})),
                     className="party-remove", title="Quitar este filtro")]))
    groups = (("Entidades", matches.get("entities") or [], "entity_id"),
              ("Contratistas", matches.get("contractors") or [], "contractor_ruc"))
    for title, rows, field in groups:
        if not rows:
            continue
        items = []
        for row in rows:
            key = row["id"] if field == "entity_id" else row["ruc"]
            name = row.get("name") or f"RUC {key}"
            detail = (row.get("region_name") if field == "entity_id" else f"RUC {key}")
            items.append(html.Li([
                dcc.Link(name, href=entity_href(key) if field == "entity_id"
                         else contractor_href(key), className="party-found-name"),
                html.Small(f" · {detail}" if detail else "", className="muted"),
                html.Br(),
                dcc.Link("Ver sus obras en el mapa",
                         href=href(state.with_filters(**{field: key, "q": None})),
                         className="party-found-filter")]))
        out += [html.H3(title, className="party-found-title"),
                html.Ul(items, className="party-found-list")]
    return out
