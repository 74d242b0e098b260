"""The OpenAPI 3.1 description of the open-data routes (/api/openapi.json) and a plain
HTML page that lists them (/api/docs). Built from the same constants the routes use."""

from __future__ import annotations

import html
from dataclasses import fields
from typing import Any

from geodata.alert_rules import RULES, SEVERITIES
from geodata.infobras_format import STATUS_LABELS
from geodata.procurement_rules import PROCUREMENT_SPECS
from queries import api_works, exports
from queries.alerts import STATES
from queries.api_alerts import PARAMS as ALERT_PARAMS
from queries.filters import MAX_TEXT, STATUSES, Filters

FILTER_PARAMS: tuple[str, ...] = tuple(f.name for f in fields(Filters) if f.name != "extra")
EXPLORER_PARAMS = ("metric",)  # the explorer's own parameter: accepted and ignored by exports

_NULLABLE = {"string": ["string", "null"], "number": ["number", "null"],
             "integer": ["integer", "null"], "boolean": ["boolean", "null"]}

_FILTER_DOCS: dict[str, tuple[dict, str]] = {
    "area": ({"type": "string", "pattern": r"^\d{2}(\d{2}(\d{2})?)?$"},
             "Ubigeo INEI de la región (2 dígitos), provincia (4) o distrito (6)."),
    "status": ({"type": "array", "items": {"type": "string", "enum": list(STATUSES)}},
               "Estado de ejecución; varios valores repitiendo el parámetro o separados por "
               "comas: " + ", ".join(f"{k} ({v})" for k, v in STATUS_LABELS.items()) + "."),
    "government_level": ({"type": "array", "items": {"type": "string"}},
                         "Nivel de gobierno (p. ej. «Gobierno Local»)."),
    "sector": ({"type": "array", "items": {"type": "string"}},
               "Tipo de obra, clasificador nivel 1 (p. ej. «Transporte»)."),
    "modality": ({"type": "array", "items": {"type": "string"}},
                 "Modalidad de ejecución (p. ej. «Contrata»)."),
    "year_min": ({"type": "integer", "minimum": 1990, "maximum": 2100},
                 "Año de inicio desde."),
    "year_max": ({"type": "integer", "minimum": 1990, "maximum": 2100},
                 "Año de inicio hasta."),
    "amount_min": ({"type": "number", "minimum": 0}, "Inversión mínima en soles."),
    "amount_max": ({"type": "number", "minimum": 0}, "Inversión máxima en soles."),
    "q": ({"type": "string", "maxLength": MAX_TEXT},
          "Palabras del nombre de la obra (cada una, o su comienzo: «puente» encuentra "
          "«puentes»), o un código INFObras, CUI o SNIP."),
    "entity_id": ({"type": "string", "pattern": r"^([0-9]{2}-)?[a-z0-9]+(-[a-z0-9]+)*$"},
                  "Entidad ejecutora: su identificador (nombre sin tildes, en minúsculas y con "
                  "guiones; el de una municipalidad empieza por el ubigeo de su región), como "
                  "en /entidad/<id>."),
    "contractor_ruc": ({"type": "string", "pattern": r"^[0-9]{8,11}$"},
                       "RUC del contratista de la obra (INFObras)."),
}


def _work_schema() -> dict[str, Any]:
    types = {name: "string" for name in exports.export_columns()}
    types.update({name: "number" for name in (*exports.AMOUNT_COLUMNS,
                                              *exports.PERCENT_COLUMNS,
                                              "longitude", "latitude")})
    types.update(infobras_code="integer", paralysis_days="integer", location_mismatch="boolean")
    props: dict[str, Any] = {name: {"type": _NULLABLE[t]} for name, t in types.items()}
    for name in (*exports.DATE_COLUMNS, "last_update", "source_date"):
        props[name]["format"] = "date"
    props["infobras_code"] = {"type": "integer", "description": "Código INFObras"}
    props["status"] = {"type": "string", "enum": list(STATUSES)}
    return {"type": "object", "properties": props, "required": ["infobras_code", "status"],
            "description": "Montos en soles (S/), porcentajes 0-100, coordenadas WGS84."}


def _page_schema(item: str) -> dict[str, Any]:
    return {"type": "object", "required": ["total", "page", "per_page", "pages", "items"],
            "properties": {"total": {"type": "integer"}, "page": {"type": "integer"},
                           "per_page": {"type": "integer"}, "pages": {"type": "integer"},
                           "links": {"type": "object", "properties": {
                               "next": {"type": "string"}, "prev": {"type": "string"}}},
                           "items": {"type": "array", "items": {"$ref": item}}}}


def _param(name: str, schema: dict, text: str) -> dict:
    """A query parameter; arrays repeat the key (?status=a&status=b)."""
    array = schema["type"] == "array"
    return {"name": name, "in": "query", "schema": schema, "description": text,
            **({"style": "form", "explode": True} if array else {})}


def _alert_parameters() -> dict[str, dict]:
    """The alert selection's own parameters (queries.alerts.AlertSelection reads them)."""
    param = _param
    return {
        "severity": param("severity", {"type": "array", "items": {
            "type": "string", "enum": list(SEVERITIES)}}, "Severidad de la alerta."),
        "rule": param("rule", {"type": "array", "items": {
            "type": "string", "enum": [r.code for r in RULES]}}, "Regla de alerta."),
        "state": param("state", {"type": "string", "enum": list(STATES), "default": "alerta"},
                       "«alerta», «no_calculable» (faltan datos para evaluar la regla) o "
                       "«senal» (señal de control: la entidad ejecutora tiene informes de la "
                       "Contraloría con personas con presunta responsabilidad; no es una "
                       "alerta)."),
        "entity": param("entity", {"type": "string", "maxLength": MAX_TEXT},
                        "Palabras del nombre de la entidad."),
        "risk_min": param("risk_min", {"type": "number"}, "Monto en riesgo mínimo (S/)."),
        "risk_max": param("risk_max", {"type": "number"}, "Monto en riesgo máximo (S/)."),
    }


def _sources_schemas() -> dict[str, Any]:
    """The joined sources of a work or an investment (queries.work_sources)."""
    def obj(**props: Any) -> dict[str, Any]:
        return {"type": "object", "properties": props}

    def ref(name: str) -> dict[str, str]:
        return {"$ref": f"#/components/schemas/{name}"}

    def array(item: dict) -> dict[str, Any]:
        return {"type": "array", "items": item}

    text, number = {"type": ["string", "null"]}, {"type": ["number", "null"]}
    day = {"type": ["string", "null"], "format": "date"}
    link = obj(method={"type": "string", "enum": [
                   "cui", "codigo", "ruc", "entidad_region", "entidad", "nombre_similar"]},
               confidence=number, evidence=text)
    link["description"] = ("Cómo se hizo el enlace y cuánto confiar en él: `nombre_similar` es "
                           "solo una posible relación, nunca un hecho.")
    return {
        "SourceValue": obj(source={"type": "string"}, source_label={"type": "string"},
                           value={"description": "Número, texto o lista de ubigeos (place)."},
                           date={**day, "description": "Fecha de los datos según la fuente."},
                           loaded={**day, "description": "Cuándo los cargó Mirador (si la "
                                                         "fuente no declara su fecha)."},
                           names=array({"type": "string"})),
        "Figure": {**obj(field={"type": "string", "enum": [
                             "cost", "viable_amount", "contract_amount", "physical_progress",
                             "status", "place"]},
                         label={"type": "string"}, values=array(ref("SourceValue")),
                         shown=ref("SourceValue"), precedence=array({"type": "string"}),
                         tolerance={"type": "string"}, agree={"type": "boolean"}),
                   "description": "Una cifra según cada fuente, con su fecha; `shown` es la "
                                  "primera en el orden de `precedence`."},
        "Disagreement": {**obj(field={"type": "string"}, label={"type": "string"},
                               values=array(ref("SourceValue")),
                               tolerance={"type": "string"}),
                         "description": "Fuentes que dan una cifra distinta más allá de la "
                                        "tolerancia: se conservan todos los valores."},
        "Placement": {**obj(
            ubigeo=text, district=text, method=text, method_description=text,
            declared=obj(department=text, province=text, district=text),
            moved={"type": "boolean", "description": "Mirador ubicó la obra por otro medio que "
                                                     "los nombres declarados por la fuente."},
            coords_ubigeo=text, coords_district=text,
            location_mismatch={"type": "boolean", "description": "El punto registrado cae en "
                                                                 "otro distrito (no se mueve)."},
            note=text), "description": "Dónde ubicó Mirador la obra frente a lo declarado."},
        "InvestmentSources": obj(
            cui={"type": "string"}, name=text, status=text, amount_viable=number,
            amount_updated=number, entity_id=text, entity_name=text,
            sources=array({"type": "string"}), by_source=array({"type": "object"}),
            places=array({"type": "object"})),
        "Process": obj(
            id={"type": "string"}, source={"type": "string"}, nomenclature=text, description=text,
            procedure_type=text, object=text, reference_amount=number, call_date=day, cui=text,
            link=link, items=array({"type": "object"}),
            bidders=array(obj(ruc={"type": "string"}, name=text)),
            bidder_count={"type": "integer"}, winners=array({"type": "object"}),
            contracts=array({"type": "object", "description": "Monto, adicionales, "
                             "reducciones, prórrogas, penalidades, sanciones del proveedor, URL"})),
        "ControlReport": obj(
            id={"type": "string"}, number=text, title=text, entity_name=text,
            persons_responsible={"type": ["integer", "null"]}, issued_date=day, pdf_url=text,
            linked_to=text, method=text, confidence=number, evidence=text,
            links=array(link)),
        "Sources": obj(investment={"oneOf": [ref("InvestmentSources"), {"type": "null"}]},
                       procurement=array(ref("Process")), control=array(ref("ControlReport")),
                       figures=array(ref("Figure"))),
        "InvestmentDetail": obj(
            investment=ref("InvestmentSources"), works=array({"type": "object"}),
            procurement=array(ref("Process")), control=array(ref("ControlReport")),
            figures=array(ref("Figure")), disagreements=array(ref("Disagreement"))),
    }


def _party_schemas() -> dict[str, Any]:
    """An entity, a contractor, a contract and a control report as /api/v1 lists them."""
    text, number, day = ({"type": ["string", "null"]}, {"type": ["number", "null"]},
                         {"type": ["string", "null"], "format": "date"})
    whole = {"type": "integer"}

    def obj(**props: Any) -> dict[str, Any]:
        return {"type": "object", "properties": props}

    def items(schema: dict[str, Any], **totals: Any) -> dict[str, Any]:
        return obj(**totals, items={"type": "array", "items": schema})

    work_items = items({"type": "object"}, total=whole, investment=number, accrued=number,
                       avg_physical_progress=number, paralysed_by_status=whole,
                       paralysed_investment=number, by_status={"type": "object"})
    alerts = obj(works_with_alerts=whole, amount_at_risk=number,
                 by_rule={"type": "array", "items": {"type": "object"}},
                 top={"type": "array", "items": {"type": "object"}})
    contract = obj(id={"type": "string"}, number=text, process_id={"type": "string"},
                   nomenclature=text, description=text, object=text, cui=text, entity_id=text,
                   entity_name=text, region_ubigeo=text, supplier_ruc=text, supplier_name=text,
                   signed_date=day, start_date=day, end_date=day, end_date_updated=day,
                   amount=number, additional=number, reduction=number, extension=number,
                   penalties=number, currency=text, url=text, source=text, source_date=day)
    report = obj(id={"type": "string"}, number=text, entity_id=text, entity_name=text,
                 region_ubigeo=text, region_name=text, service_type=text, title=text,
                 event=text, operation=text, persons_responsible={"type": ["integer", "null"]},
                 responsibility_type=text, issued_date=day, concluded_date=day,
                 published_date=day, pdf_url=text, summary_url=text, source=text,
                 source_date=day)
    contracts = items({"$ref": "#/components/schemas/Contract"}, total=whole, amount=number,
                      additional=number, reduction=number)
    return {
        "Contract": {**contract, "description": "Un contrato del SEACE, una vez (montos en "
                                                "soles; penalidades: su suma)."},
        "ContractPage": _page_schema("#/components/schemas/Contract"),
        "ControlReportItem": {**report, "description": "Un informe de control publicado por "
                                                       "la Contraloría, con su PDF."},
        "ControlReportPage": _page_schema("#/components/schemas/ControlReportItem"),
        "Entity": {**obj(
            id={"type": "string"}, name={"type": "string"}, ruc=text, government_level=text,
            region_ubigeo=text, region_name=text,
            names={"type": "array", "items": {"type": "string"}},
            sources={"type": "array", "items": {"type": "string"}}, works=work_items,
            alerts=alerts,
            investments=items({"type": "object"}, total=whole, amount_viable=number,
                              amount_updated=number,
                              by_viability_year={"type": "array", "items": {"type": "object"}}),
            processes=items({"type": "object"}, total=whole, reference_amount=number),
            contracts=contracts,
            control_reports=items({"$ref": "#/components/schemas/ControlReportItem"},
                                  total=whole, persons_responsible=number),
            performance_index={**obj(
                score=number, reason=text, method={"type": "string"},
                components={"type": "array", "items": {"type": "object"}},
                peer_group={"type": "object"}),
                "description": "Índice de desempeño del ejecutor (0-100): cada componente con "
                               "su cifra, su valor 0-1 y su peso publicado y aplicado; el "
                               "grupo de pares y el puesto en él (ver /entidades#metodologia)"}),
            "description": "Totales exactos (cada obra, inversión y contrato una vez); las "
                           "listas traen hasta 50 elementos (obras: las de mayor inversión)."},
        "Contractor": {**obj(
            ruc={"type": "string"}, name=text, kind=text, source=text, works=work_items,
            alerts=alerts, contracts=contracts,
            processes=items({"type": "object"}, processes_bid=whole, processes_won=whole),
            penalties=items({"type": "object"}, total=whole, amount=number),
            sanctions={"type": "array", "items": {"type": "object"}},
            entities={"type": "array", "items": {"type": "object"}}),
            "description": "Obras (INFObras, por el RUC del contratista), contratos, procesos "
                           "en que se presentó y ganó, penalidades y sanciones (SEACE)."},
    }


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/parameters/{name}"}


def _json(schema: str, description: str) -> dict[str, Any]:
    return {"description": description,
            "content": {"application/json": {"schema": {"$ref": schema}}}}


def _errors(*codes: int) -> dict[str, Any]:
    texts = {400: "Parámetro no válido (mensaje en castellano).",
             404: "Código o ubigeo desconocido.",
             503: "Base de datos o alertas no disponibles."}
    return {str(c): _json("#/components/schemas/Error", texts[c]) for c in codes}


def _file(media: str, description: str) -> dict[str, Any]:
    return {"description": description, "content": {media: {"schema": {
        "type": "string", "contentMediaType": media}}}}


def _op(summary: str, params: list, responses: dict, description: str = "") -> dict:
    op = {"summary": summary, "parameters": params, "responses": responses}
    if description:
        op["description"] = description
    return {"get": op}


def openapi_document(server: str = "") -> dict[str, Any]:
    """The OpenAPI 3.1 document of every route of the API, export and briefing modules."""
    filters = [_ref(name) for name in FILTER_PARAMS]
    paging = [_ref("page"), _ref("per_page")]
    flag_params = [
        _param("rule", {"type": "string", "enum": [s["code"] for s in PROCUREMENT_SPECS]},
               "Una regla de contratación (todas si se omite)."),
        _param("region", {"type": "string", "pattern": "^[0-9]{2}$"},
               "Ubigeo de la región (dos dígitos) del proceso.")]
    works_file = ("La selección exacta de obras para los mismos filtros que el explorador "
                  "(acepta también su parámetro `metric`, que se ignora).")
    ubigeo = {"name": "ubigeo", "in": "path", "required": True,
              "schema": {"type": "string", "pattern": r"^\d{2}(\d{2}(\d{2})?)?$"}}
    level = {"name": "level", "in": "query", "schema": {"type": "integer", "enum": [1, 2, 3]},
             "description": "1 región, 2 provincia, 3 distrito."}
    parent = {"name": "parent", "in": "query", "schema": {"type": "string"},
              "description": "Ubigeo del área que contiene a las áreas listadas."}
    supplier_ruc = _param("supplier_ruc", _FILTER_DOCS["contractor_ruc"][0],
                          "RUC del proveedor que firmó el contrato.")
    cui = _param("cui", {"type": "string", "pattern": r"^\d{1,12}$"},
                 "CUI que nombra el proceso de selección del contrato.")
    region = _param("region", {"type": "string", "pattern": r"^\d{2}$"},
                    "Ubigeo de 2 dígitos de la región (la del proceso o del informe).")
    report_year = _param("year", {"type": "integer", "minimum": 1990, "maximum": 2100},
                         "Año de emisión del informe.")
    alert_params = [*filters, *(_ref(name) for name in ALERT_PARAMS)]
    alerts_file = ("Las mismas alertas que la página de alertas y /api/v1/alerts para los "
                   "mismos parámetros, sin paginar; la evidencia como texto JSON.")
    areas_file = ("Una fila por área con su forma simplificada para el mapa (o el punto de "
                  "su capital si no tiene polígono: geom_source = capital_point).")
    paths = {
        "/api/v1/works": _op("Obras filtradas, paginadas (orden: código INFObras)",
                             filters + paging,
                             {"200": _json("#/components/schemas/WorkPage", "Una página"),
                              **_errors(400)}),
        "/api/v1/works/{code}": _op(
            "Una obra con su historial mensual, sus alertas y cada fuente",
            [{"name": "code", "in": "path", "required": True, "schema": {"type": "integer"}}],
            {"200": _json("#/components/schemas/WorkDetail", "La obra"), **_errors(404)},
            "`sources`: la inversión (MEF), los procesos de contratación (SEACE) y los informes "
            "de control (Contraloría) enlazados, y cada cifra según cada fuente con su fecha "
            "(`figures`). `disagreements`: las cifras en que las fuentes difieren. "
            "`placement`: dónde ubicó Mirador la obra frente al distrito declarado."),
        "/api/v1/investments/{cui}": _op(
            "Una inversión (CUI del MEF), tenga o no obra en INFObras",
            [{"name": "cui", "in": "path", "required": True,
              "schema": {"type": "string", "pattern": r"^\d{1,12}$"}}],
            {"200": _json("#/components/schemas/InvestmentDetail", "La inversión"),
             **_errors(400, 404)},
            "Cifras del Banco de Inversiones y del SSI, lugares, obras de INFObras con ese CUI, "
            "procesos del SEACE y informes de control de la entidad."),
        "/api/v1/entities/{entity_id}": _op(
            "Una entidad ejecutora: sus obras, inversiones, contratos e informes de control",
            [{"name": "entity_id", "in": "path", "required": True,
              "schema": _FILTER_DOCS["entity_id"][0]}],
            {"200": _json("#/components/schemas/Entity", "La entidad"), **_errors(400, 404)}),
        "/api/v1/contractors/{ruc}": _op(
            "Un contratista: sus obras, contratos, procesos, penalidades y sanciones",
            [{"name": "ruc", "in": "path", "required": True,
              "schema": _FILTER_DOCS["contractor_ruc"][0]}],
            {"200": _json("#/components/schemas/Contractor", "El contratista"),
             **_errors(400, 404)}),
        "/api/v1/contracts": _op(
            "Contratos del SEACE, paginados (los firmados más recientemente primero)",
            [_ref("entity_id"), supplier_ruc, cui, region, *paging],
            {"200": _json("#/components/schemas/ContractPage", "Una página"), **_errors(400)}),
        "/api/v1/control-reports": _op(
            "Informes de control de la Contraloría, paginados (los más recientes primero)",
            [_ref("entity_id"), region, report_year, *paging],
            {"200": _json("#/components/schemas/ControlReportPage", "Una página"),
             **_errors(400)}),
        "/api/v1/areas": _op("Regiones, provincias o distritos (sin polígonos)",
                             [level, parent],
                             {"200": _json("#/components/schemas/AreaList", "Áreas"),
                              **_errors(400)}),
        "/api/v1/areas/{ubigeo}": _op("Un área con sus indicadores", [ubigeo],
                                      {"200": _json("#/components/schemas/Area", "El área"),
                                       **_errors(400, 404)}),
        "/api/v1/aggregates": _op(
            "Indicadores por área (absolutos y por habitante)", [level, parent, *filters],
            {"200": _json("#/components/schemas/AggregateList", "Una fila por área"),
             **_errors(400)},
            "Sin `parent` se usa el área del filtro `area`; sin `level`, sus áreas hijas."),
        "/api/v1/alerts": _op(
            "Alertas activas de las obras filtradas (mayor monto en riesgo primero)",
            [*filters, *paging, *(_ref(name) for name in ALERT_PARAMS)],
            {"200": _json("#/components/schemas/AlertPage", "Una página"),
             **_errors(400, 503)}),
        "/api/v1/works.csv": _op(
            "Descarga CSV (UTF-8 con BOM, separador coma, punto decimal)", filters,
            {"200": _file("text/csv", works_file), **_errors(400)}),
        "/api/v1/works.geojson": _op(
            "Descarga GeoJSON (puntos WGS84; geometría nula si la obra no tiene coordenadas)",
            filters, {"200": _file("application/geo+json", works_file), **_errors(400)}),
        "/api/v1/works.gpkg": _op(
            "Descarga GeoPackage (capa «obras», EPSG:4326)", filters,
            {"200": _file("application/geopackage+sqlite3", works_file), **_errors(400)}),
        "/api/v1/aggregates.csv": _op(
            "Indicadores por área en CSV", [level, parent, *filters],
            {"200": _file("text/csv", "Una fila por área"), **_errors(400)}),
        "/api/v1/aggregates.geojson": _op(
            "Indicadores por área con su polígono, en GeoJSON", [level, parent, *filters],
            {"200": _file("application/geo+json", areas_file), **_errors(400)}),
        "/api/v1/aggregates.gpkg": _op(
            "Indicadores por área con su polígono (capa «indicadores», EPSG:4326)",
            [level, parent, *filters],
            {"200": _file("application/geopackage+sqlite3", areas_file), **_errors(400)}),
        "/api/v1/alerts.csv": _op(
            "Todas las alertas de la selección en CSV (mayor monto en riesgo primero)",
            alert_params, {"200": _file("text/csv", alerts_file), **_errors(400, 503)}),
        "/api/v1/alerts.geojson": _op(
            "Todas las alertas de la selección en GeoJSON (el punto de cada obra)",
            alert_params,
            {"200": _file("application/geo+json", alerts_file), **_errors(400, 503)}),
        "/api/v1/alerts.gpkg": _op(
            "Todas las alertas de la selección en GeoPackage (capa «alertas», EPSG:4326)",
            alert_params, {"200": _file("application/geopackage+sqlite3", alerts_file),
                           **_errors(400, 503)}),
        "/api/v1/procurement-flags": _op(
            "Alertas de contratación del SEACE (procesos y contratos, con o sin obra)",
            [*flag_params, *paging],
            {"200": {"description": "total, page, per_page, rules (conteo por regla), "
                                    "coverage (lo no evaluable por regla y fuente) y flags.",
                     "content": {"application/json": {"schema": {"type": "object"}}}},
             **_errors(400, 503)},
            "Reglas en geodata/procurement_rules.py; más severas y de mayor monto primero."),
        "/api/v1/procurement-flags.csv": _op(
            "Todas las alertas de contratación de la selección en CSV", flag_params,
            {"200": _file("text/csv", "Una fila por alerta, evidencia en JSON"),
             **_errors(400, 503)}),
        "/api/v1/oc4ids.json": _op(
            "Obras como proyectos OC4IDS 0.9 (paquete de proyectos)", filters + paging,
            {"200": {"description": "Project package de OC4IDS; `links.next` si hay más.",
                     "content": {"application/json": {"schema": {"type": "object"}}}},
             **_errors(400)},
            "Estado: sin_ejecucion→preparation, en_ejecucion y paralizada→implementation "
            "(statusDetails dice «Paralizada»), finalizada→completion. Identificador del "
            "proyecto: prefijo local `oc4ids-mirador-pe-` + código INFObras; CUI en "
            "`identifiers`. Adicionales de obra y ampliaciones de plazo como "
            "`modifications`. Cada proceso del SEACE enlazado a la obra (por su CUI) es otro "
            "`contractingProcesses` con su convocatoria (método, valor referencial, número y "
            "lista de postores), ganadores, valor del contrato, adicionales, reducciones y "
            "prórrogas como `modifications` y el enlace al contrato. Máximo 1000 proyectos por "
            "página."),
        "/informe/{ubigeo}.pdf": _op(
            "Informe del área en PDF (una página A4 apaisada)", [ubigeo, *filters],
            {"200": _file("application/pdf", "Indicadores, mapa, alertas, obras paralizadas "
                          "y tendencia, con la fecha de los datos y los filtros"),
             **_errors(400, 404)}),
        "/informe/{ubigeo}.png": _op(
            "Informe del área en PNG", [ubigeo, *filters],
            {"200": _file("image/png", "La misma página como imagen"), **_errors(400, 404)}),
        "/api/openapi.json": _op("Este documento", [], {"200": {"description": "OpenAPI 3.1"}}),
    }
    parameters = {name: _param(name, schema, text)
                  for name, (schema, text) in _FILTER_DOCS.items()}
    parameters["page"] = _param("page", {"type": "integer", "minimum": 1, "default": 1,
                                         "maximum": api_works.MAX_PAGE}, "Página (desde 1).")
    parameters["per_page"] = _param("per_page", {
        "type": "integer", "minimum": 1, "default": api_works.DEFAULT_PER_PAGE,
        "maximum": api_works.MAX_PER_PAGE}, "Elementos por página.")
    parameters.update(_alert_parameters())
    number = {"type": ["number", "null"]}
    schemas = {
        "Error": {"type": "object", "required": ["error"],
                  "properties": {"error": {"type": "string"}}},
        "Work": _work_schema(),
        "WorkPage": _page_schema("#/components/schemas/Work"),
        "WorkDetail": {"allOf": [{"$ref": "#/components/schemas/Work"}, {
            "type": "object", "properties": {
                "history": {"type": "array", "items": {"type": "object"}},
                "alerts": {"type": "array", "items": {"$ref": "#/components/schemas/Alert"}},
                "sources": {"$ref": "#/components/schemas/Sources"},
                "disagreements": {"type": "array",
                                  "items": {"$ref": "#/components/schemas/Disagreement"}},
                "placement": {"$ref": "#/components/schemas/Placement"}}}]},
        "Area": {"type": "object", "required": ["ubigeo", "level", "name"], "properties": {
            "ubigeo": {"type": "string"}, "level": {"type": "integer"},
            "name": {"type": "string"}, "parent": {"type": ["string", "null"]},
            "population": {"type": ["integer", "null"]},
            "metrics": {"$ref": "#/components/schemas/Aggregate"}}},
        "AreaList": {"type": "object", "properties": {
            "total": {"type": "integer"},
            "items": {"type": "array", "items": {"$ref": "#/components/schemas/Area"}}}},
        "Aggregate": {"type": "object", "properties": {
            "ubigeo": {"type": "string"}, "name": {"type": "string"},
            "paralysed": {**number, "deprecated": True, "description": (
                "Obsoleto: igual a `paralysed_by_status`. Se mantiene por compatibilidad.")},
            "paralysed_by_status": {**number, "description": (
                "Obras cuyo estado en la fuente es «paralizada».")},
            "paralysed_6_months_rule": {**number, "description": (
                "Obras que la regla de la Contraloría marca como paralizadas: sin avance físico "
                "durante seis meses o más (alerta «paralizada»). Nulo si las alertas no se han "
                "calculado. Suele ser distinto de `paralysed_by_status`.")},
            **{k: number for k in (
                "works", "investment", "accrued", "paralysed_investment",
                "avg_physical", "alerts", "works_with_alerts", "amount_at_risk",
                "paralysed_pct", "accrued_pct", "works_per_10k", "investment_per_capita",
                "accrued_per_capita", "amount_at_risk_per_capita")}}},
        "AggregateList": {"type": "object", "properties": {
            "total": {"type": "integer"},
            "items": {"type": "array", "items": {"$ref": "#/components/schemas/Aggregate"}}}},
        "Alert": {"type": "object", "properties": {
            "infobras_code": {"type": "integer"}, "rule_code": {"type": "string"},
            "rule_name": {"type": ["string", "null"]},
            "severity": {"type": ["string", "null"], "enum": [*SEVERITIES, None]},
            "state": {"type": "string", "enum": list(STATES)},
            "amount_at_risk": number, "message": {"type": "string"},
            "work_name": {"type": "string"}, "ubigeo": {"type": "string"}}},
        "AlertPage": _page_schema("#/components/schemas/Alert"),
        **_sources_schemas(),
        **_party_schemas(),
    }
    doc = {
        "openapi": "3.1.0",
        "info": {"title": "Mirador de Obras — datos abiertos", "version": "1.0.0",
                 "description": (
                     "API de solo lectura de las obras públicas del Perú (INFObras/CGR, "
                     "CUI del MEF, límites del INEI). Los filtros son los mismos del "
                     "explorador, así que una descarga es exactamente lo que se ve en "
                     "pantalla. Errores: JSON {\"error\": \"mensaje\"} con código 4xx."),
                 "license": {"name": "Ver la página /datos (fuentes y licencias)",
                             "url": "/datos"}},
        "paths": paths,
        "components": {"parameters": parameters, "schemas": schemas},
    }
    if server:
        doc["servers"] = [{"url": server}]
    return doc


def docs_html() -> str:
    """A plain page listing every route with its summary and parameters."""
    doc = openapi_document()
    params = doc["components"]["parameters"]
    items = []
    for path, methods in doc["paths"].items():
        op = methods["get"]
        names = [params[p["$ref"].rsplit("/", 1)[1]]["name"] if "$ref" in p else p["name"]
                 for p in op["parameters"]]
        items.append(
            f"<li><code>GET {html.escape(path)}</code> — {html.escape(op['summary'])}"
            + (f"<br><small>Parámetros: {html.escape(', '.join(names))}</small>" if names
               else "") + "</li>")
    filters = "".join(f"<li><code>{html.escape(name)}</code>: {html.escape(p['description'])}"
                      "</li>" for name, p in params.items())
    return ("<!doctype html><html lang='es'><head><meta charset='utf-8'>"
            "<title>API de Mirador de Obras</title></head><body style='font-family:sans-serif;"
            "max-width:60rem;margin:2rem auto;line-height:1.5'>"
            f"<h1>{html.escape(doc['info']['title'])}</h1>"
            f"<p>{html.escape(doc['info']['description'])}</p>"
            "<p>Descripción OpenAPI 3.1: <a href='/api/openapi.json'>/api/openapi.json</a>. "
            "Fuentes, fechas y licencias: <a href='/datos'>/datos</a>.</p>"
            f"<h2>Rutas</h2><ul>{''.join(items)}</ul><h2>Parámetros</h2><ul>{filters}</ul>"
            "</body></html>")
