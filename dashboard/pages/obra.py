"""A page per work (/obra/<código INFObras>), made to be shared: who builds it and for how
much, where it is, how its cost and progress moved (paralysis periods shaded), its alerts
with their reasons, where each figure comes from and where sources disagree, and the
citizens' reports (approved ones only) with a form to report a problem.

An unknown or malformed code gets a clear "Obra no encontrada" page (HTTP 404, see
dashboard/routes/reports.py). Works without coordinates, history or alerts render too.
"""

from __future__ import annotations

import contextvars
import logging
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import dash
import sqlalchemy as sa
from dash import Input, Output, State, callback, clientside_callback, dcc, html
from flask import request

from dashboard import tiles
from dashboard.cache import memoize
from dashboard.citizen_ui import facts, progress_bar, section, status_chip
from dashboard.follow_ui import follow_section, tracking_link, tracking_note
from dashboard.i18n import N_, _
from dashboard.reports_auth import current_client
from dashboard.routes.geo import geojson_url
from dashboard.source_sections import (
    control_section,
    figures_block,
    investment_section,
    procurement_section,
)
from geodata.alert_rules import SOURCE_GAPS
from layers import alert_text
from layers import format as fmt
from layers import work_sources as sources_view
from layers import work_story as story
from layers.alerts import SEVERITY_LABELS
from queries import alerts as alerts_query
from queries import areas
from queries import reports as reports_query
from queries.db import DatabaseUnavailable
from queries.filters import FilterError
from queries.work_detail import parse_code, work_detail
from queries.work_sources import work_sources

SITE = "Mirador de Obras"
NOT_FOUND = N_("Obra no encontrada")
LONG_NAME = 70            # characters: a longer name gets a smaller heading
NOT_SAVED = N_("No pudimos guardar su reporte, intente de nuevo en unos minutos. Su texto "
             "sigue en el formulario.")
log = logging.getLogger(__name__)


def _work(code: int) -> dict[str, Any] | None:
    return memoize(f"obra:{code}", lambda: work_detail(code))


def _joined(code: int) -> dict[str, Any] | None:
    """The sources around the work; None (sections say so) if their tables are missing."""
    try:
        return memoize(f"obra-sources:{code}", lambda: work_sources(code))
    except sa.exc.ProgrammingError:  # an old database without the sources' tables
        log.warning("source tables missing", exc_info=True)
        return None


# The page's reads that need only the code start together on reader threads (in the
# request's context: app, cache): PostgreSQL answers them while this thread reads the work
# and builds its figures. Each read takes and gives back its own pooled connection.
_READERS = ThreadPoolExecutor(max_workers=6, thread_name_prefix="obra-reads")


def _in_background(read: Callable[..., Any], *args: Any) -> Future:
    return _READERS.submit(contextvars.copy_context().run, read, *args)


def _work_or_none(codigo: str | None) -> dict[str, Any] | None:
    """For the page's title and description (built with the HTML): never an error."""
    try:
        return _work(parse_code(codigo))
    except (FilterError, DatabaseUnavailable, sa.exc.SQLAlchemyError):
        return None


def page_title(codigo: str | None = None) -> str:
    """The browser tab and the shared link's title: the work's name."""
    work = _work_or_none(codigo)
    return f"{work['name'][:90]} — {SITE}" if work else f"{_(NOT_FOUND)} — {SITE}"


def page_description(codigo: str | None = None) -> str:
    work = _work_or_none(codigo)
    if not work:
        return _("Obra pública del Perú: costo, avance, alertas y reportes ciudadanos.")
    return (f"{_(work['status_label'])} · {work['district']}, {work['region']} · "
            + _("inversión {amount} · avance físico {progress}.",
                amount=fmt.money(work["amount_investment"]),
                progress=fmt.percent(work["physical_progress"]))
            + f" {story.source_line(work)}")


dash.register_page(__name__, path_template="/obra/<codigo>", name=N_("Obra"), nav=False,
                   title=page_title, description=page_description)


# -- layout ---------------------------------------------------------------------------------
def layout(codigo: str | None = None, **_query) -> html.Div:
    try:
        code = parse_code(codigo)
    except FilterError as exc:
        return _not_found(str(exc))
    joined_read = _in_background(_joined, code)
    alerts_read = _in_background(_alert_rows, code)
    reports_read = _in_background(reports_query.public_reports, code)
    work = _work(code)
    if work is None:
        return _not_found(_("No tenemos una obra con el código INFObras {code}. Revise el "
                            "número o búsquela en el explorador.", code=code))
    area_read = _in_background(_area, work["ubigeo"])
    progress = [_progress(work), _money(work)]      # built while the reads run
    joined = joined_read.result()
    return html.Div(className="citizen-page obra-page", children=[
        _header(work),
        _kpis(work),
        html.Div(className="citizen-columns", children=[
            html.Div(progress),
            html.Div([_location(work, joined, area_read.result()), _who(work)]),
        ]),
        _alerts(code, alerts_read.result(), f"{work['district']}, {work['region']}"),
        *_source_sections(work, joined),
        _sources(work, joined),
        _reports(code, reports_read.result()),
        follow_section("obra", str(code), work["name"]),
    ])


def _not_found(message: str) -> html.Div:
    return html.Div(className="citizen-page obra-page", children=[
        html.Section(className="citizen-card citizen-notfound", role="alert", children=[
            html.H1(_(NOT_FOUND)), html.P(message),
            html.P([dcc.Link(_("Buscar obras cerca de usted"), href="/cerca"), " · ",
                    dcc.Link(_("Ir al explorador"), href="/")])])])


def _header(work: dict) -> html.Header:
    crumbs: list = []
    for level, key in ((2, "region"), (4, "province"), (6, "district")):
        if work.get(key):
            crumbs += [dcc.Link(work[key], href=f"/informe/{work['ubigeo'][:level]}"), " › "]
    codes = [_("Código INFObras {code}", code=work["infobras_code"])]
    codes += [f"CUI {work['cui']}"] if work.get("cui") else []
    return html.Header(className="citizen-header", children=[
        html.P(crumbs[:-1], className="citizen-crumbs") if crumbs else None,
        html.H1(work["name"], id="obra-title",
                className="long" if len(work["name"]) > LONG_NAME else None),
        html.Div(className="citizen-header-meta", children=[
            status_chip(work["status"]),
            *(html.Span(c, className="citizen-code") for c in codes),
        ]),
        html.Div(className="citizen-share", children=[
            dcc.Clipboard(content=f"{request.host_url}obra/{work['infobras_code']}",
                          id="obra-share",
                          title=_("Copiar el enlace de esta obra"), className="citizen-copy"),
            html.Span(_("Copiar enlace para compartir"), className="citizen-share-label"),
            html.A(_("Reportar un problema"), href="#obra-reports", id="obra-report-jump",
                   className="citizen-button small"),
            html.A(_("Seguir esta obra"), href="#follow-obra", id="obra-follow-jump",
                   className="citizen-button small"),
        ]),
    ])


def _kpis(work: dict) -> html.Div:
    rest = story.balance(work)
    return html.Div(className="citizen-kpis", children=[
        html.Div(className="citizen-kpi", children=[
            html.Span(_("Inversión")), html.Strong(fmt.money(work["amount_investment"]))]),
        html.Div(className="citizen-kpi", children=[
            html.Span(_("Gastado (devengado)")),
            html.Strong(fmt.money(work["amount_accrued"]))]),
        html.Div(className="citizen-kpi", children=[
            html.Span(_("Saldo por ejecutar")), html.Strong(fmt.money(rest))]),
        html.Div(className="citizen-kpi citizen-kpi-wide", children=[
            progress_bar(work["physical_progress"], _("Avance físico")),
            progress_bar(work["financial_progress"], _("Avance financiero (gasto)"))]),
    ])


def _gaps(work: dict) -> frozenset[str]:
    """Fields the work's source has no column for."""
    return SOURCE_GAPS.get(work.get("source") or "", frozenset())


def _missing(work: dict, field: str) -> str:
    """Why a field is empty: the source does not publish it, or the record left it blank."""
    return _(story.NOT_PUBLISHED) if field in _gaps(work) else _("no registrado")


def _party(work: dict, name: str, ruc: str) -> Any:
    if not work.get(name):
        return html.Span(_missing(work, name), className="muted")
    return [work[name], html.Span(f" · RUC {work[ruc]}", className="muted")
            if work.get(ruc) else None]


def _who(work: dict) -> html.Section:
    kinds = " › ".join(fmt.label(t) for t in (work.get("work_type_1"), work.get("work_type_2"),
                                              work.get("work_type_3")) if t)
    rows = [(_("Entidad a cargo"), work.get("entity")),
            (_("Nivel de gobierno"), fmt.label(work.get("government_level"))),
            (_("Modalidad"), fmt.label(work.get("modality"))),
            (_("Contratista"), _party(work, "contractor_name", "contractor_ruc")),
            (_("Supervisor"), _party(work, "supervisor_name", "supervisor_ruc")),
            (_("Tipo de obra"), kinds or None), (_("Sector"), fmt.label(work.get("sector"))),
            (_("Código INFObras"), str(work["infobras_code"])),
            (_("CUI (MEF)"), work.get("cui")), (_("Código SNIP"), work.get("snip"))]
    if work.get("project_name") and work["project_name"] != work["name"]:
        rows.append((_("Proyecto de inversión"), work["project_name"]))
    return section(_("¿Quién la hace?"), facts(rows))


def _location(work: dict, joined: dict | None = None, area: dict | None = None
              ) -> html.Section:
    place = (f"?lat={work['latitude']:.4f}&lon={work['longitude']:.4f}"
             if work.get("longitude") is not None else f"?area={work['ubigeo']}")
    declared = ", ".join(v for v in (work.get("district"), work.get("province"),
                                     work.get("region")) if v)
    return section(
        _("¿Dónde está?"),
        dcc.Graph(id="obra-map", figure=_map(work, area), className="citizen-map-small",
                  config={"displayModeBar": False, "scrollZoom": False}),
        html.P([html.Span("■", className="legend-district"), " ", _("distrito declarado"),
                "   ", html.Span("●", className=f"legend-point citizen-status-{work['status']}"),
                " ", _("la obra") if work.get("geom_source") == "surveyed"
                else _("capital del distrito (ubicación aproximada)")],
               className="citizen-map-legend muted"),
        html.P(story.location_note(work),
               className="citizen-note" + (" warn" if work.get("location_mismatch") or
                                           work.get("geom_source") != "surveyed" else "")),
        facts([(_("Distrito declarado"), declared), *_coordinates(work)]),
        html.P(sources_view.placement_text(joined["placement"]), className="citizen-note warn",
               id="obra-placement") if joined and joined["placement"]["moved"] else None,
        html.P(dcc.Link(_("Ver otras obras cerca de aquí"), href=f"/cerca{place}")))


def _coordinates(work: dict) -> list[tuple[str, str]]:
    """The map's point in words: latitude and longitude, and whether they are the work's own
    or its district capital's (the map's alternative for who cannot see it)."""
    if work.get("longitude") is None or work.get("latitude") is None:
        return []
    own = work.get("geom_source") == "surveyed"
    return [(_("Coordenadas del punto"),
             _("latitud {lat}, longitud {lon} ({fuente})", lat=f"{work['latitude']:.5f}",
               lon=f"{work['longitude']:.5f}",
               fuente=_("de la obra") if own else _("capital del distrito")))]


def _area(ubigeo: str) -> dict | None:
    return memoize(f"area:{ubigeo}", lambda: areas.area(ubigeo))


def _map(work: dict, area: dict | None = None):
    province = work["ubigeo"][:4]
    area = area or _area(work["ubigeo"])
    bounds = (area["west"], area["south"], area["east"], area["north"]) if area else None
    return story.location_map(work, geojson_url(3, province), bounds, tiles.configured())


def _money(work: dict) -> html.Section:
    rows = [html.Li([html.Div([html.Span(_(label)), html.Strong(value)]),
                     html.Small(_(note), className="muted")])
            for label, value, note in story.money_rows(work, _gaps(work))]
    steps = story.cost_steps(work)
    chart = (dcc.Graph(id="obra-waterfall", figure=story.cost_waterfall(steps),
                       config={"displayModeBar": False})
             if steps else html.P(_("La fuente no da montos suficientes para ver cómo cambió "
                                    "el costo (expediente técnico, contrato y costo "
                                    "actualizado)."), className="muted"))
    return section(_("¿Cuánto cuesta?"), html.Ul(rows, className="citizen-money"),
                   html.P(dcc.Link(_("¿Qué significa cada término? Véalo en el glosario"),
                                   href="/glosario"), className="muted"),
                   html.H3(_("Del expediente técnico al costo actualizado")), chart)


def _progress(work: dict) -> html.Section:
    history = work["history"]
    if history:
        body = [dcc.Graph(id="obra-progress", figure=story.progress_figure(history),
                          config={"displayModeBar": False}),
                html.Ul([html.Li(line) for line in story.progress_summary(history)],
                        className="citizen-summary")]
    else:
        body = [html.P([_("La fuente no publica el avance mes a mes de esta obra. Último "
                          "avance físico registrado:") + " ",
                        html.Strong(fmt.percent(work["physical_progress"])),
                        f" ({story.date_text(work.get('last_progress_date'))})."],
                       className="citizen-note")]
    dates = [(_("Inicio"), story.date_text(work.get("start_date"))),
             (_("Fin programado"), story.date_text(work.get("programmed_end"))),
             (_("Fin reprogramado"), story.date_text(work.get("reprogrammed_end"))),
             (_("Fin real"), story.date_text(work.get("real_end"))),
             (_("Último avance registrado"), story.date_text(work.get("last_progress_date")))]
    if work["status"] == "paralizada":
        dates += [(_("Paralizada desde"), story.date_text(work.get("paralysis_date"))),
                  (_("Causa de la paralización"), work.get("paralysis_cause"))]
    return section(_("¿Cómo avanza?"), *body, facts(dates, "citizen-facts compact"))


# -- alerts -------------------------------------------------------------------------------------
ALERTS_INTRO = N_("Una alerta no prueba una irregularidad: señala qué conviene revisar, con los "
                "datos que la activaron.")


def _alert_rows(code: int) -> tuple[bool, list[dict]]:
    """(whether alerts were ever computed, the work's alerts)."""
    try:
        computed = memoize("obra-alerts-run", alerts_query.last_run) is not None
        return computed, alerts_query.work_alerts(code) if computed else []
    except sa.exc.ProgrammingError:  # the alerts tables are not there (old database)
        log.warning("alert tables missing", exc_info=True)
        return False, []


def _alerts(code: int, found: tuple[bool, list[dict]] | None = None,
            place: str = "") -> html.Section:
    """`place`: the declared district, "Rondos, Huánuco" (one sentence names it)."""
    computed, rows = found if found is not None else _alert_rows(code)
    if not computed:
        return section(_("Alertas"), html.P(_("Las alertas todavía no se han calculado."),
                                            className="muted"), id="obra-alerts")
    active = [_alert_item(a, place) for a in rows if a["state"] == "alerta"]
    pending = [html.Li([html.Strong(_rule_name(a)), f": {alert_text.sentence(a, place)}"])
               for a in rows if a["state"] == "no_calculable"]
    body = [html.P(_(ALERTS_INTRO), className="muted"),
            html.Ul(active, className="citizen-alerts") if active else
            html.P(_("Esta obra no activa ninguna alerta."), className="citizen-note ok"),
            *(_signal_item(a, place) for a in rows if a["state"] == "senal")]
    if pending:
        body.append(html.Details([html.Summary(_(
            "Reglas que no se pudieron evaluar por falta de datos ({n})", n=len(pending))),
            html.Ul(pending)]))
    return section(_("Alertas"), *body, id="obra-alerts")


def _signal_item(a: dict, place: str = "") -> html.Div:
    """The control signal: not an alert (no severity, no amount), with the entity's newest
    reports one click away (their PDFs) and the control section below."""
    reports = (a.get("evidence") or {}).get("informes_recientes") or []
    return html.Div(className="citizen-note obra-signal", id="obra-signal", children=[
        html.Strong(_("Señal de control (no es una alerta)")),
        html.P(alert_text.sentence(a, place)),
        html.Ul([html.Li(html.A(_("Informe {numero}", numero=r.get("numero") or r.get("id")),
                                href=r["pdf"], target="_blank", rel="noopener"))
                 for r in reports if r.get("pdf")]) if reports else None,
        html.A(_("Ver los informes de control de su entidad"), href="#obra-control")])


def _rule_name(alert: dict) -> str:
    return alert_text.rule_name(alert["rule_code"], alert["rule_name"])


def _alert_item(a: dict, place: str = "") -> html.Li:
    """Severity, rule, the sentence with its figures, the money at risk, the criterion."""
    return html.Li(className=f"citizen-alert sev-{a['severity']}", children=[
        html.Div(className="citizen-alert-head", children=[
            html.Span(_(SEVERITY_LABELS.get(a["severity"], a["severity"])),
                      className=f"citizen-chip sev-{a['severity']}"),
            html.Strong(_rule_name(a))]),
        html.P(alert_text.sentence(a, place), className="citizen-alert-text"),
        html.P(_("Monto en riesgo: {amount}", amount=fmt.money(a["amount_at_risk"])))
        if a["amount_at_risk"] else None,
        html.Details([html.Summary(_("Criterio y fuente")),
                      html.P(a["source"], className="muted")])
        if a.get("source") else None])


# -- sources ----------------------------------------------------------------------------------
def _source_sections(work: dict, joined: dict | None) -> list[html.Section]:
    """The investment, the procurement and the control reports around the work."""
    if joined is None:
        return []
    return [investment_section(joined["investment"], work.get("cui")),
            procurement_section(joined["procurement"]),
            control_section(joined["control"], joined["work"].get("entity_id")
                            or (joined["investment"] or {}).get("entity_id"))]


# Figures the joined sources compare already (see queries.work_sources.PRECEDENCE).
_JOINED_LABELS = {"Avance físico", "Distrito"}   # (Spanish: the comparisons' keys)


def _sources(work: dict, joined: dict | None = None) -> html.Section:
    comparisons = story.source_comparisons(work)
    body: list = [html.P(story.source_line(work))]
    if joined and joined["figures"]:
        comparisons = [c for c in comparisons if c.label not in _JOINED_LABELS]
        body.append(html.H3(_("Lo que dice cada fuente")))
        if joined["disagreements"]:
            body.append(html.P(_("Las fuentes no coinciden en: {labels}. Se muestran todas las "
                                 "cifras con su fecha.", labels=", ".join(
                                     _(d["label"]) for d in joined["disagreements"])),
                               className="citizen-note warn", id="obra-disagreements"))
        body += figures_block(joined["figures"])
    if comparisons:
        if not (joined and joined["figures"]):
            body.append(html.H3(_("Lo que dice cada fuente")))
        for comparison in comparisons:
            verdict = (_("Coinciden") if comparison.agree else _("No coinciden"))
            body.append(html.Div(className="citizen-compare", children=[
                html.Div(className="citizen-compare-head", children=[
                    html.Strong(_(comparison.label)),
                    html.Span(verdict, className="citizen-chip " +
                              ("ok" if comparison.agree else "warn"))]),
                html.Ul([html.Li([html.Span(_(source), className="muted"), html.Br(),
                                  html.Strong(value),
                                  f" · {when}" if when and when != fmt.MISSING else None])
                         for source, value, when in comparison.values])]))
    extra = story.extra_fields(work)
    if extra:
        body.append(html.Details([html.Summary(_("Otros datos publicados por la fuente ({n})",
                                                 n=len(extra))),
                                  facts(extra, "citizen-facts compact")]))
    return section(_("¿De dónde vienen los datos?"), *body, id="obra-sources")


# -- citizen reports --------------------------------------------------------------------------
def _reports(code: int, rows: list[dict] | None = None) -> html.Section:
    return section(
        _("Reportes ciudadanos"),
        html.P(_("¿Vio algún problema en esta obra? Cuéntenos. Los reportes se publican aquí "
                 "después de que un moderador los revisa; su contacto nunca se publica."),
               className="muted"),
        html.Div(id="obra-reports-list", children=_report_list(code, rows)),
        html.Details(className="citizen-report-form", id="obra-report-details", children=[
            html.Summary(_("Reportar un problema"), className="citizen-button"),
            dcc.Store(id="obra-report-code", data=code),
            dcc.Store(id="obra-report-count-text", data=_(
                "{n} de {max} caracteres", max=reports_query.DESCRIPTION_MAX, n="{n}")),
            html.Fieldset([
                html.Legend(_("¿Qué problema ve?")),
                dcc.RadioItems(id="obra-report-category", className="citizen-radios",
                               options=[{"label": _(v), "value": k}
                                        for k, v in reports_query.CATEGORIES.items()]),
            ]),
            html.Label(_("Describa el problema"), htmlFor="obra-report-description"),
            dcc.Textarea(id="obra-report-description", maxLength=reports_query.DESCRIPTION_MAX,
                         placeholder=_("Qué vio, dónde y desde cuándo (mínimo {n} caracteres).",
                                       n=reports_query.DESCRIPTION_MIN),
                         className="citizen-textarea"),
            html.P(id="obra-report-count", className="citizen-count muted",
                   **{"aria-live": "polite"}),
            html.Label(_("Contacto (opcional, no se publica)"), htmlFor="obra-report-contact"),
            dcc.Input(id="obra-report-contact", type="text", inputMode="email",
                      maxLength=reports_query.CONTACT_MAX, autoComplete="email",
                      placeholder=_("correo o teléfono"), className="citizen-input"),
            html.Button(_("Enviar reporte"), id="obra-report-send", n_clicks=0,
                        className="citizen-button primary"),
            html.Div(id="obra-report-message", role="status", **{"aria-live": "polite"}),
        ]),
        id="obra-reports")


def _report_list(code: int, rows: list[dict] | None = None) -> list:
    rows = reports_query.public_reports(code) if rows is None else rows
    if not rows:
        return [html.P(_("Aún no hay reportes publicados sobre esta obra."), className="muted")]
    return [html.Ul(className="citizen-reports", children=[
        html.Li(className="citizen-report", children=[
            html.Div(className="citizen-report-head", children=[
                html.Strong(_(reports_query.CATEGORIES.get(r["category"], r["category"]))),
                html.Span(_(reports_query.STATUSES.get(r["status"], r["status"])),
                          className=f"citizen-chip report-{r['status']}")]),
            html.P(r["description"], className="citizen-report-text"),
            html.P(_("Respuesta: {note}", note=r["public_note"]), className="citizen-report-note")
            if r.get("public_note") else None,
            html.P([_("Reporte N.° {id}", id=r["id"])
                    + f" · {story.date_text(r['created_at'].date())} · ",
                    tracking_link(r["tracking_code"])], className="muted")])
        for r in rows])]


# The header's "Reportar un problema" opens the form it jumps to.
clientside_callback("function(n) { return n ? true : window.dash_clientside.no_update; }",
                    Output("obra-report-details", "open"), Input("obra-report-jump", "n_clicks"),
                    prevent_initial_call=True)

clientside_callback(
    """function(text, template) {
        var n = (text || '').length;
        return n ? (template || '{n}').replace('{n}', n) : '';
    }""",
    Output("obra-report-count", "children"), Input("obra-report-description", "value"),
    State("obra-report-count-text", "data"))


@callback(Output("obra-report-message", "children"),
          Output("obra-report-description", "value"), Output("obra-report-contact", "value"),
          Output("obra-report-category", "value"),
          Input("obra-report-send", "n_clicks"),
          State("obra-report-code", "data"), State("obra-report-category", "value"),
          State("obra-report-description", "value"), State("obra-report-contact", "value"),
          prevent_initial_call=True,
          running=[(Output("obra-report-send", "disabled"), True, False)])
def send_report(_clicks, code, category, description, contact):
    """Store the report; on any failure the form keeps what was written."""
    keep = (dash.no_update,) * 3
    try:
        report = reports_query.validate(code, category, description, contact)
        saved = reports_query.submit(report, current_client())
    except reports_query.ReportError as exc:
        return _message(_(str(exc)), "error"), *keep
    except reports_query.ReportNotSaved:
        log.warning("report not saved: database unavailable", exc_info=True)
        return _message(_(NOT_SAVED), "error"), *keep
    status = _(reports_query.STATUSES[saved["status"]])
    return _message([html.Strong(_("Reporte N.° {id}", id=saved["id"]) + f": {status.lower()}."),
                     " " + _("Gracias. Lo publicaremos aquí cuando un moderador lo revise."),
                     tracking_note(saved["tracking_code"])],
                    "ok"), "", "", None


def _message(children, kind: str) -> html.P:
    return html.P(children, className=f"citizen-message {kind}")
