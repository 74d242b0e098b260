"""The executor performance index as the pages show it: the score with its formula, each
component's raw figure, normalised value and weight beside it with links to the works behind
it, and the entity's place among its peers. Used by the entity page, the ranking
(/entidades) and the comparison of entities (/comparar). The numbers come from
queries.scores; here they are only written out (in the page's language).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import urlencode

from dash import dcc, html

from dashboard.i18n import _
from dashboard.party_ui import entity_href, table
from dashboard.wire import element, link
from layers import format as fmt
from queries import scores

METHOD_URL = scores.METHOD_URL
FLAGS_SHOWN = 20         # procurement flags listed on a contractor's page (the most serious)


def index_title() -> str:
    return _("Índice de desempeño como ejecutora")


def level_names() -> dict[str, str]:
    return {"distrital": _("Municipalidades distritales"),
            "provincial": _("Municipalidades provinciales"),
            "regional": _("Gobiernos regionales"),
            "nacional": _("Entidades del Gobierno Nacional"),
            "otra": _("Otras entidades (empresas de agua, mancomunidades…)")}


def component_names() -> dict[str, str]:
    return {"a_tiempo": _("Obras terminadas a tiempo"),
            "sobrecosto": _("Sobrecosto"),
            "paralizacion": _("Obras paralizadas"),
            "alertas": _("Alertas por obra"),
            "al_dia": _("Registro al día"),
            "completos": _("Datos completos"),
            "reportes": _("Respuesta a reportes ciudadanos")}


def component_rules() -> dict[str, str]:
    """How each component is measured and normalised (0 = worst, 100 = best)."""
    c = scores.BY_KEY
    return {
        "a_tiempo": _("De las obras que ya debían terminar, la parte que terminó en su fecha "
                      "de término (reprogramada o, si no tiene, programada). Cuentan como "
                      "tarde las que terminaron después y las que siguen sin terminar con la "
                      "alerta «Obra retrasada». Valor = esa parte."),
        "sobrecosto": _("Costo actualizado sumado sobre el monto del expediente técnico "
                        "sumado, de las obras que tienen ambos. Valor = 100 sin sobrecosto, "
                        "0 con {worst} % o más (el umbral de la alerta alta), lineal entre "
                        "ambos.", worst=fmt.number(c["sobrecosto"].worst * 100)),
        "paralizacion": _("Obras paralizadas entre todas sus obras. Valor = 100 sin "
                          "paralizadas, 0 con {worst} % o más, lineal entre ambos.",
                          worst=fmt.number(c["paralizacion"].worst * 100)),
        "alertas": _("Alertas activas de todas las reglas (ejecución, contratación y entre "
                     "fuentes) por obra. Valor = 100 sin alertas, 0 con {worst} o más por "
                     "obra, lineal entre ambos.", worst=fmt.number(c["alertas"].worst)),
        "al_dia": _("De sus obras en ejecución, la parte sin la alerta «Registro "
                    "desactualizado» (ni falta de fecha de actualización). Valor = esa parte."),
        "completos": _("De los datos que toda obra debe tener (CUI, ubicación levantada en "
                       "campo, monto del expediente, avance físico y, si empezó, fechas de "
                       "inicio y de término), la parte registrada. Valor = esa parte."),
        "reportes": _("De los reportes ciudadanos aprobados sobre sus obras, la parte "
                      "derivada a una autoridad o cerrada. Valor = esa parte."),
    }


def band_label(level: str, band: int | None) -> str:
    measure, (low, high) = scores.BANDS[level]
    if band is None:
        return _("sin población conocida")
    money = (lambda v: fmt.money(v, exact=True)) if measure == "hab" else fmt.money
    unit = _(" por habitante") if measure == "hab" else ""
    if band == 0:
        return _("menos de {a}{unit}", a=money(low), unit=unit)
    if band == 1:
        return _("{a} a {b}{unit}", a=money(low), b=money(high), unit=unit)
    return _("{a} o más{unit}", a=money(high), unit=unit)


def bands_text() -> list:
    """The bands of every level, as a list."""
    names = level_names()
    return html.Ul([html.Li([html.Strong(names[level] + ": "), " · ".join(
        band_label(level, b) for b in (0, 1, 2))]) for level in scores.LEVELS])


def score_text(value: Any) -> str:
    return fmt.MISSING if value is None else fmt.decimal(value, 1)


def _pct(value: float | None) -> str:
    return fmt.percent(None if value is None else value * 100)


def raw_text(key: str, row: Mapping[str, Any], raw: float | None) -> str:
    """The component's raw figure with what it rests on."""
    if raw is None:
        return _("sin datos")
    if key == "a_tiempo":
        return _("{pct}: {a} de {b} obras", pct=_pct(raw), a=fmt.number(row["on_time"]),
                 b=fmt.number(row["on_time"] + row["late"]))
    if key == "sobrecosto":
        return _("{pct} ({a} sobre {b}, {n} obras)", pct=_pct(raw),
                 a=fmt.money(row["cost_updated"]), b=fmt.money(row["cost_file"]),
                 n=fmt.number(row["cost_n"]))
    if key == "paralizacion":
        return _("{pct}: {a} de {b} obras", pct=_pct(raw), a=fmt.number(row["paralysed"]),
                 b=fmt.number(row["works"]))
    if key == "alertas":
        return _("{x} ({a} alertas en {b} obras)", x=fmt.decimal(raw, 2),
                 a=fmt.number(row["alerts"]), b=fmt.number(row["works"]))
    if key == "al_dia":
        return _("{pct}: {a} de {b} obras en ejecución", pct=_pct(raw),
                 a=fmt.number(row["current"]), b=fmt.number(row["running"]))
    if key == "completos":
        return _("{pct}: {a} de {b} datos", pct=_pct(raw), a=fmt.number(row["filled"]),
                 b=fmt.number(row["expected"]))
    return _("{pct}: {a} de {b} reportes", pct=_pct(raw), a=fmt.number(row["answered"]),
             b=fmt.number(row["reports"]))


def works_links(key: str, entity_id: str) -> list[tuple[str, str]]:
    """Where the works behind a component are listed (the explorer or the alerts, filtered
    by the entity)."""
    def explorer(**extra: str) -> str:
        return "/?" + urlencode({"entity_id": entity_id, **extra})

    def alerts(rule: str | None = None) -> str:
        return "/alertas?" + urlencode({"entity_id": entity_id, **({"rule": rule} if rule
                                                                    else {})})

    return {
        "a_tiempo": [(_("retrasadas"), alerts("retrasada")),
                     (_("terminadas"), explorer(status="finalizada"))],
        "sobrecosto": [(_("con sobrecosto"), alerts("sobrecosto"))],
        "paralizacion": [(_("paralizadas"), explorer(status="paralizada"))],
        "alertas": [(_("sus alertas"), alerts())],
        "al_dia": [(_("desactualizadas"), alerts("registro_desactualizado")),
                   (_("en ejecución"), explorer(status="en_ejecucion"))],
        "completos": [(_("sus obras"), explorer())],
        "reportes": [(_("sus obras"), explorer())],
    }[key]


def _links(pairs: Sequence[tuple[str, str]]) -> list:
    out: list = []
    for i, (label, href) in enumerate(pairs):
        out += [" · "] if i else []
        out.append(link(label, href))
    return out


def components_table(row: Mapping[str, Any], entity_id: str) -> Any:
    names, rules = component_names(), component_rules()
    parts = scores.components(row)
    return table(parts, [
        (_("Componente"), lambda c: element("Span", names[c["key"]], title=rules[c["key"]]),
         ""),
        (_("Valor (0-100)"), lambda c: fmt.MISSING if c["normalised"] is None
         else fmt.decimal(c["normalised"] * 100, 1), "num"),
        (_("Peso"), lambda c: _("{w} % (sin datos)", w=fmt.number(c["weight"]))
         if c["applied_weight"] is None else
         _("{w} % → {a} %", w=fmt.number(c["weight"]), a=fmt.decimal(c["applied_weight"], 1)),
         "num"),
        (_("Cifra"), lambda c: raw_text(c["key"], row, c["raw"]), ""),
        (_("Obras"), lambda c: _links(works_links(c["key"], entity_id)), ""),
    ], "", caption=_("Peso: el publicado y el aplicado (repartido entre los componentes con "
                     "datos)."))


def formula_body() -> html.Div:
    """The published formula: how the score weighs its components, and each component."""
    rules, names = component_rules(), component_names()
    return html.Div([
        html.P(_("Índice = Σ (peso × valor) / Σ pesos, sobre los componentes con datos; cada "
                 "valor va de 0 (peor) a 100 (mejor). Un componente sin datos no cuenta y su "
                 "peso se reparte entre los demás. Con menos de {n} obras no hay índice.",
                 n=scores.MIN_WORKS)),
        html.Ul([html.Li([html.Strong(f"{names[c.key]} ({fmt.number(c.weight)} %): "),
                          rules[c.key]]) for c in scores.COMPONENTS]),
    ])


def formula() -> html.Details:
    """The formula, folded, with a link to the methodology."""
    return html.Details(className="score-formula", children=[
        html.Summary(_("Cómo se calcula")), formula_body(),
        html.P(dcc.Link(_("Metodología completa y ranking de entidades"), href=METHOD_URL)),
    ])


def peers_text(row: Mapping[str, Any]) -> str:
    level = level_names()[row["peer_level"]]
    if row.get("peer_rank") is None:
        return _("Sin puesto entre sus pares: {why}.", why=_("no tiene índice")
                 if row.get("score") is None else _("no se conoce su población"))
    return _("Puesto {r} de {n} entre {level} con inversión en obras de {band}.",
             r=fmt.number(row["peer_rank"]), n=fmt.number(row["peers"]), level=level.lower(),
             band=band_label(row["peer_level"], row["band"]))


def area_text(row: Mapping[str, Any]) -> str | None:
    """Its area's population and its works' investment per inhabitant, where it serves one."""
    if row.get("population") is None or row["peer_level"] not in ("distrital", "provincial",
                                                                   "regional"):
        return None
    return _("Población de {area}: {p} habitantes; inversión de sus obras: {i} ({h} por "
             "habitante).", area=row.get("area_name") or row["area_ubigeo"],
             p=fmt.number(row["population"]), i=fmt.money(row["investment"]),
             h=fmt.money(row["per_inhabitant"], exact=True))


def peers_table(rows: Sequence[Mapping[str, Any]], current: str) -> Any:
    return table(rows, [
        (_("Puesto"), lambda r: fmt.number(r["peer_rank"]), "num"),
        (_("Entidad"), lambda r: element("Strong", r["name"]) if r["entity_id"] == current
         else link(r["name"], entity_href(r["entity_id"])), ""),
        (_("Índice"), lambda r: score_text(r["score"]), "num"),
        (_("Obras"), lambda r: fmt.number(r["works"]), "num"),
    ], "")


def entity_scorecard(row: Mapping[str, Any] | None,
                     neighbours: Sequence[Mapping[str, Any]], entity_id: str) -> list:
    """The section of the entity page."""
    if row is None:
        return [html.P(_("Esta entidad no tiene obras en INFObras: no hay índice."),
                       className="muted"), formula()]
    value = row.get("score")
    head = html.Div(className="score-head", children=[
        html.Strong(score_text(value), className="score-value", id="entidad-score"),
        html.Span(_("de 100"), className="muted") if value is not None else None,
        html.P(_("Sin índice: tiene {n} obras y se necesitan al menos {m}.",
                 n=fmt.number(row["works"]), m=scores.MIN_WORKS) if value is None else
               _("Calculado con {k} de {t} componentes.", k=row["components"],
                 t=len(scores.COMPONENTS)), className="muted"),
    ])
    lead = html.P(_("Un índice alto no certifica una buena gestión ni uno bajo prueba una "
                    "irregularidad: resume lo que las fuentes registran."), className="muted")
    out = [head, lead, components_table(row, entity_id), formula(),
           html.H3(_("Entre sus pares")), html.P(peers_text(row), id="entidad-peers"),
           html.P(area_text(row), className="muted") if area_text(row) else None]
    if neighbours:
        query = {"nivel": row["peer_level"], "banda": row["band"]}
        out += [peers_table(neighbours, entity_id),
                html.P(dcc.Link(_("Ver todo su grupo en el ranking"),
                                href="/entidades?" + urlencode(query)))]
    return out


# -- the contractor's scorecard -------------------------------------------------------------------
def contractor_title() -> str:
    return _("Ficha del contratista")


def _rule(page: Mapping[str, Any], code: str) -> Mapping[str, Any]:
    return next((r for r in page["alert_rules"] if r["rule_code"] == code), {})


def contractor_scorecard(page: Mapping[str, Any], totals: Mapping[str, Any], ruc: str
                         ) -> list:
    """Works, overruns, paralysed works, alerts, procurement flags, penalties and sanctions
    of a contractor, each with a link to what is behind it."""
    def explorer(**extra: str) -> str:
        return "/?" + urlencode({"contractor_ruc": ruc, **extra})

    def alerts(rule: str | None = None) -> str:
        return "/alertas?" + urlencode({"contractor_ruc": ruc, **({"rule": rule} if rule
                                                                  else {})})

    works = totals["works"]
    share = (lambda n: f" ({_pct(n / works)})" if works else "")  # noqa: E731
    overrun, additional = _rule(page, "sobrecosto"), _rule(page, "adicionales")
    flags = page.get("flags") or []
    n_flags = flags[0]["total"] if flags else 0
    sanctions, penalties = page["sanctions"], page["penalties"]
    rows = [
        (_("Obras (INFObras)"), fmt.number(works), _("ver en el mapa"), explorer()),
        (_("Obras paralizadas"), fmt.number(totals["paralysed"]) + share(totals["paralysed"]),
         _("paralizadas"), explorer(status="paralizada")),
        (_("Obras con sobrecosto"), _("{n}{s}: {m} sobre el expediente",
                                     n=fmt.number(overrun.get("alerts") or 0),
                                     s=share(overrun.get("alerts") or 0),
                                     m=fmt.money(overrun.get("amount_at_risk"))),
         _("con sobrecosto"), alerts("sobrecosto")),
        (_("Obras con adicionales sobre el 15 %"), fmt.number(additional.get("alerts") or 0),
         _("con adicionales"), alerts("adicionales")),
        (_("Alertas en sus obras"), _("{a} en {w} obras",
                                      a=fmt.number(sum(r["alerts"] for r in page["alert_rules"])),
                                      w=fmt.number(page["alert_works"].get("works_with_alerts")
                                                   or 0)),
         _("sus alertas"), alerts()),
        (_("Banderas rojas en sus contrataciones (SEACE)"), fmt.number(n_flags),
         _("ver la lista"), "#contratista-flags"),
        (_("Penalidades en sus contratos"), fmt.number(len(penalties)), _("ver la lista"),
         "#contratista-sanctions"),
        (_("Sanciones e inhabilitaciones"), fmt.number(len(sanctions)), _("ver la lista"),
         "#contratista-sanctions"),
    ]
    return [
        html.P(_("Lo que las fuentes registran de este contratista. Una alerta o una bandera "
                 "no prueba una irregularidad: señala qué conviene revisar."),
               className="muted"),
        table(rows, [(_("Cifra"), lambda r: r[0], ""),
                     (_("Valor (enlace a las obras o registros)"),
                      lambda r: link(r[1], r[3], title=r[2]) if r[3][0] != "#"
                      else element("A", r[1], href=r[3], title=r[2]), "")], ""),
        html.H3(_("Banderas rojas en sus contrataciones"), id="contratista-flags"),
        *flags_table(flags[:FLAGS_SHOWN], n_flags),
    ]


def flags_table(flags: Sequence[Mapping[str, Any]], total: int) -> list:
    def works(f: Mapping[str, Any]) -> Any:
        codes = f.get("works") or []
        return _links([(str(c), f"/obra/{c}") for c in codes]) if codes else fmt.MISSING

    return [table(flags, [
        (_("Bandera"), lambda f: [element("Strong", f.get("rule_name") or f["rule_code"]),
                                  element("Br"), element("Small", f["message"],
                                                          className="muted")], "wide"),
        (_("Proceso"), lambda f: f.get("nomenclature") or f["process_id"], ""),
        (_("Entidad"), lambda f: link(f.get("entity_name") or f["entity_id"],
                                      entity_href(f["entity_id"]))
         if f.get("entity_id") else fmt.MISSING, ""),
        (_("Monto"), lambda f: fmt.money(f.get("amount"), exact=True), "num"),
        (_("Obras"), works, ""),
    ], _("Ninguna bandera roja en sus contratos ni en los procesos que ganó.")),
        html.P(_("Se muestran {a} de {b}.", a=fmt.number(len(flags)), b=fmt.number(total)),
               className="muted") if total > len(flags) else None]


# -- entities side by side (/comparar) ------------------------------------------------------------
def compare_entities_table(rows: Sequence[Mapping[str, Any]]) -> Any:
    """The same figures for each entity, one column each: index, place among peers, every
    component (its raw figure and value), works and money."""
    levels, names = level_names(), component_names()
    parts = {r["entity_id"]: {c["key"]: c for c in scores.components(r)} for r in rows}

    def component(key: str):
        def cell(r: Mapping[str, Any]) -> Any:
            c = parts[r["entity_id"]][key]
            value = (fmt.MISSING if c["normalised"] is None
                     else fmt.decimal(c["normalised"] * 100, 1))
            return [element("Strong", value), element("Br"),
                    element("Small", raw_text(key, r, c["raw"]), className="muted"), " ",
                    element("Small", _links(works_links(key, r["entity_id"])))]
        return names[key], cell

    lines = [
        (_("Índice (0-100)"), lambda r: element("Strong", score_text(r["score"]),
                                                className="score-cell")),
        (_("Puesto entre pares"), lambda r: _("{r} de {n}", r=fmt.number(r["peer_rank"]),
                                               n=fmt.number(r["peers"]))
         if r.get("peer_rank") else fmt.MISSING),
        (_("Grupo de pares"), lambda r: [levels[r["peer_level"]], element("Br"), element(
            "Small", band_label(r["peer_level"], r["band"]), className="muted")]),
        *(component(c.key) for c in scores.COMPONENTS),
        (_("Obras"), lambda r: fmt.number(r["works"])),
        (_("Inversión de sus obras"), lambda r: fmt.money(r["investment"])),
        (_("Por habitante"), lambda r: fmt.money(r["per_inhabitant"], exact=True)
         if r.get("per_inhabitant") is not None else fmt.MISSING),
    ]
    head = element("Thead", element("Tr", [element("Th", _("Entidad"), scope="col")] + [
        element("Th", link(r["name"], entity_href(r["entity_id"])), scope="col")
        for r in rows]))
    body = element("Tbody", [element("Tr", [element("Th", label, scope="row")] + [
        element("Td", cell(r)) for r in rows]) for label, cell in lines])
    return element("Div", className="party-table-wrap", tabIndex="0", children=element(
        "Table", [head, body], className="party-table score-compare",
        id="comparar-entities-grid"))
