"""The alerts page's «Contrataciones» view: SEACE's procurement red flags on processes and
contracts (those of works and those without one), with counts per rule, what each rule could
not evaluate, the fences used, a paged table and the CSV download of the selection.

Its own controls (rule, region) and callbacks; ids prefixed "alertas-contr-". Flags of a
process linked to a work are also that work's alerts, in the table above.
"""

from __future__ import annotations

from dash import Input, Output, callback, dash_table, html

from dashboard import widgets
from dashboard.cache import memoize
from dashboard.i18n import _
from dashboard.routes.flags import flag_urls
from geodata.procurement_rules import PROCUREMENT_SPECS
from layers import format as fmt
from layers import procurement_flags as layer
from queries import api_areas
from queries import procurement_flags as flags
from queries.filters import FilterError


def section() -> html.Section:
    """The view, rendered with the page (strings translated at render time)."""
    rules = [{"label": _(s["name"]), "value": s["code"]} for s in PROCUREMENT_SPECS]
    regions = memoize("alertas-contr-regions", lambda: [
        {"label": a["name"], "value": a["ubigeo"]} for a in api_areas.areas(1)])
    return html.Section(id="contrataciones", className="alertas-contr", children=[
        html.H2(_("Contrataciones (SEACE)")),
        html.P(_("Banderas rojas en los procesos de contratación y sus contratos: un solo "
                 "postor, plazos cortos, contratos o adjudicaciones lejos de lo esperado, "
                 "adicionales, adjudicaciones repetidas, proveedores sancionados, precios "
                 "idénticos. Se listan también los procesos sin obra vinculada. Una alerta no "
                 "prueba una irregularidad: señala qué revisar."), className="alertas-lead"),
        html.Div(className="alertas-filters", children=[
            html.Div(className="alertas-field", children=[
                html.Label(_("Regla"), htmlFor="alertas-contr-rule", className="alertas-label"),
                widgets.dropdown(id="alertas-contr-rule", options=rules,
                                 placeholder=_("Todas las reglas"))]),
            html.Div(className="alertas-field", children=[
                html.Label(_("Región"), htmlFor="alertas-contr-region",
                           className="alertas-label"),
                widgets.dropdown(id="alertas-contr-region", options=regions,
                                 placeholder=_("Todo el Perú"))]),
        ]),
        html.Div(id="alertas-contr-counts"),
        html.P(id="alertas-contr-summary", className="alertas-summary",
               **{"aria-live": "polite"}),
        dash_table.DataTable(
            id="alertas-contr-table", columns=layer.table_columns(), data=[],
            page_action="custom", page_current=0, page_size=flags.PAGE_SIZE,
            markdown_options={"link_target": "_self"}, style_table={"overflowX": "auto"},
            style_cell={"textAlign": "left", "whiteSpace": "normal", "height": "auto",
                        "fontSize": "0.9rem", "padding": "6px"},
            style_cell_conditional=[{"if": {"column_id": "message"}, "minWidth": "360px"},
                                    {"if": {"column_id": "amount"}, "textAlign": "right",
                                     "whiteSpace": "nowrap"}],
            style_header={"fontWeight": "bold"},
            css=[{"selector": ".dash-spreadsheet-menu", "rule": "display: none"}]),
        html.P(id="alertas-contr-downloads", className="alertas-downloads"),
        html.Details(className="alertas-rules", children=[
            html.Summary(_("Cercas de Tukey usadas (adjudicado / valor referencial)")),
            html.P(_("Por tipo de procedimiento y objeto, sobre los ítems cargados: un ítem "
                     "fuera de las cercas (Q1 − 1,5·RIC, Q3 + 1,5·RIC) es una alerta. Grupos "
                     "de menos de 30 ítems, o sin dispersión (Q1 = Q3), no se evalúan. Las "
                     "obras usan la banda legal de 90 % a 110 % del valor referencial.")),
            html.Div(id="alertas-contr-fences")]),
    ])


def _selection(rule: str | None, region: str | None) -> flags.FlagSelection:
    try:
        return flags.FlagSelection.from_query({"rule": rule, "region": region})
    except FilterError:
        return flags.FlagSelection()


@callback(Output("alertas-contr-counts", "children"),
          Output("alertas-contr-fences", "children"),
          Output("alertas-contr-downloads", "children"),
          Input("alertas-contr-rule", "value"), Input("alertas-contr-region", "value"))
def overview(rule: str | None, region: str | None):
    selection = _selection(rule, region)
    key = tuple(sorted(selection.to_query().items()))
    counts = memoize(f"alertas-contr-counts:{key}", lambda: flags.rule_counts(selection))
    coverage = memoize("alertas-contr-coverage", flags.coverage)
    fences = memoize("alertas-contr-fences", flags.fences)
    return (layer.counts_table(counts, coverage), layer.fences_table(fences),
            widgets.download_links(_("Descargar las alertas de contratación de esta "
                                     "selección: "), flag_urls(selection)))


@callback(Output("alertas-contr-table", "data"), Output("alertas-contr-table", "page_count"),
          Output("alertas-contr-summary", "children"),
          Input("alertas-contr-rule", "value"), Input("alertas-contr-region", "value"),
          Input("alertas-contr-table", "page_current"))
def table(rule: str | None, region: str | None, page: int | None):
    selection = _selection(rule, region)
    key = tuple(sorted(selection.to_query().items()))
    result = memoize(f"alertas-contr-page:{key}:{page or 0}",
                     lambda: flags.flags_page(selection, page or 0))
    return (layer.flag_records(result["rows"]), result["pages"],
            _("{n} alertas de contratación en esta selección.",
              n=fmt.number(result["total"])))
