"""The ranking of executing entities by their performance index (/entidades): a table sorted
by any of its columns, narrowed by level of government, region and budget band, each row a
link to the entity's page; and the methodology (the formula, the peer groups and their
bands). The selection lives in the URL (?nivel=&region=&banda=&orden=&dir=&pagina=), read
by a plain form: no callback, one indexed read of the table computed ahead (queries.scores).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import dash
from dash import dcc, html

from dashboard import scorecard_ui as sc
from dashboard.citizen_ui import section
from dashboard.i18n import N_, _
from dashboard.party_ui import entity_href, table
from dashboard.wire import element, link
from layers import format as fmt
from queries import api_areas, db, scores

dash.register_page(__name__, path="/entidades", name=N_("Entidades"), order=4,
                   title=lambda **_q: _("Ranking de entidades — Mirador de Obras"),
                   description=N_("Entidades públicas del Perú ordenadas por su índice de "
                                  "desempeño como ejecutoras de obras, entre sus pares."))


_REGIONS: dict[str, dict[str, str]] = {}   # by database: INEI's regions do not change


def regions() -> dict[str, str]:
    """The regions' names by ubigeo (read once per database and process)."""
    url = db.read_database_url()
    if not _REGIONS.get(url):
        _REGIONS[url] = {a["ubigeo"]: a["name"] for a in api_areas.areas(1)}
    return _REGIONS[url]


def parse(query: dict[str, Any]) -> tuple[scores.Ranking, str]:
    """The ranking the URL asks for, and a Spanish note for any value it ignored."""
    def get(name: str) -> str:
        value = query.get(name)
        value = value[0] if isinstance(value, list) and value else value
        return str(value).strip() if value not in (None, "") else ""

    notes = []
    level = get("nivel")
    if level and level not in scores.LEVELS:
        notes.append(_("Nivel de gobierno no válido: «{v}».", v=level[:30]))
        level = ""
    region = get("region")
    if region and region not in regions():
        notes.append(_("Región no válida: «{v}».", v=region[:30]))
        region = ""
    band = get("banda")
    if band and band not in ("0", "1", "2"):
        notes.append(_("Banda de presupuesto no válida: «{v}».", v=band[:30]))
        band = ""
    order = get("orden") or "score"
    if order not in scores.ORDERS:
        notes.append(_("Orden no válido: «{v}».", v=order[:30]))
        order = "score"
    page = get("pagina")
    page_n = int(page) - 1 if page.isdigit() and 0 < int(page) < 100_000 else 0
    descending = get("dir") != "asc" if get("dir") else order != "name"
    ranking = scores.Ranking(level or None, region or None, int(band) if band else None,
                             order, descending, page_n)
    return ranking, " ".join(notes)


def _query(r: scores.Ranking, **changes: Any) -> str:
    values = {"nivel": r.level, "region": r.region, "banda": r.band, "orden": r.order,
              "dir": "desc" if r.descending else "asc", "pagina": r.page + 1, **changes}
    return "/entidades?" + urlencode({k: v for k, v in values.items()
                                      if v is not None and v != ""})


def _select(name: str, label: str, options: list[tuple[str, str]], chosen: Any) -> html.Label:
    return html.Label([label, html.Select(name=name, id=f"entidades-{name}", children=[
        html.Option(text, value=value, selected=str(chosen) == value if chosen is not None
                    else value == "") for value, text in options])])


def _filters(r: scores.Ranking) -> html.Form:
    levels = sc.level_names()
    band_level = r.level or "distrital"
    return html.Form(action="/entidades", method="get", className="ranking-filters",
                     id="entidades-form", children=[
        _select("nivel", _("Nivel de gobierno"),
                [("", _("Todos"))] + [(k, levels[k]) for k in scores.LEVELS], r.level),
        _select("region", _("Región"),
                [("", _("Todas"))] + sorted(regions().items(), key=lambda x: x[1]), r.region),
        _select("banda", _("Presupuesto (inversión en obras)"),
                [("", _("Todas las bandas"))] + [
                    (str(b), sc.band_label(band_level, b) if r.level else
                     {0: _("Baja"), 1: _("Media"), 2: _("Alta")}[b]) for b in (0, 1, 2)],
                r.band),
        dcc.Input(type="hidden", name="orden", value=r.order),
        html.Button(_("Aplicar"), type="submit", id="entidades-apply"),
    ])


def _header(label: str, key: str, r: scores.Ranking) -> Any:
    """A column's header: a link that sorts by it (again: the other way)."""
    if key not in scores.ORDERS:
        return label
    descending = not r.descending if r.order == key else key != "name"
    arrow = (" ↓" if r.descending else " ↑") if r.order == key else ""
    return link(label + arrow, _query(r, orden=key, dir="desc" if descending else "asc",
                                      pagina=None),
                className="is-sorted" if r.order == key else None)


def _table(rows: list[dict[str, Any]], r: scores.Ranking) -> Any:
    levels, names = sc.level_names(), regions()
    bands = {(level, band): sc.band_label(level, band) for level in scores.LEVELS
             for band in (0, 1, 2, None)}
    of = _("{r} de {n}")
    columns = [
        (_header(_("Índice"), "score", r), lambda e: element("Strong", sc.score_text(
            e["score"])), "num"),
        (_header(_("Entidad"), "name", r), lambda e: link(e["name"],
                                                          entity_href(e["entity_id"])), "wide"),
        (_("Nivel"), lambda e: levels[e["peer_level"]], ""),
        (_("Región"), lambda e: names.get(e.get("region_ubigeo") or "", fmt.MISSING), ""),
        (_("Puesto entre pares"), lambda e: of.format(r=fmt.number(e["peer_rank"]),
                                                       n=fmt.number(e["peers"]))
         if e.get("peer_rank") else fmt.MISSING, "num"),
        (_("Banda"), lambda e: bands[e["peer_level"], e["band"]], ""),
        (_header(_("Obras"), "works", r), lambda e: fmt.number(e["works"]), "num"),
        (_header(_("Inversión"), "investment", r), lambda e: fmt.money(e["investment"]), "num"),
        (_header(_("Por habitante"), "per_inhabitant", r),
         lambda e: fmt.money(e["per_inhabitant"], exact=True)
         if e.get("per_inhabitant") is not None else fmt.MISSING, "num"),
    ]
    return table(rows, columns, _("Ninguna entidad con índice cumple esta selección."),
                 caption=_("Pulse el título de una columna para ordenar por ella."))


def _pages(r: scores.Ranking, total: int) -> html.Nav | None:
    pages = -(-total // scores.PER_PAGE)
    if pages <= 1:
        return None
    return html.Nav(className="ranking-pages", children=[
        dcc.Link(_("← Anteriores"), href=_query(r, pagina=r.page)) if r.page else None,
        html.Span(_("Página {p} de {n}", p=r.page + 1, n=pages)),
        dcc.Link(_("Siguientes →"), href=_query(r, pagina=r.page + 2))
        if r.page + 1 < pages else None])


def methodology() -> html.Section:
    return section(_("Metodología"), html.Div(id="metodologia", children=[
        html.P(_("El índice resume, de 0 a 100, cómo ejecuta sus obras una entidad según lo "
                 "que registran INFObras, las alertas de Mirador y los reportes ciudadanos. "
                 "Un índice bajo no prueba una irregularidad: señala qué conviene revisar.")),
        sc.formula_body(),
        html.H3(_("Pares")),
        html.P(_("Cada entidad se compara con las del mismo nivel de gobierno y presupuesto "
                 "parecido: la inversión de sus obras por habitante de su distrito "
                 "(municipalidad distrital), provincia (provincial) o región (gobierno "
                 "regional), con la población del INEI; las entidades nacionales y las demás "
                 "no sirven a un área: su inversión total. Las bandas:")),
        sc.bands_text(),
        html.P(_("El distrito, la provincia o la región de una entidad es donde están la "
                 "mayoría de sus obras. El puesto 1 es el índice más alto del grupo.")),
    ]), id="entidades-metodologia")


def layout(**query: Any) -> html.Div:
    r, note = parse(query)
    rows, total = scores.ranking(r)
    return html.Div(className="citizen-page party-page", id="entidades-page", children=[
        html.Header(className="citizen-header", children=[
            html.H1(_("Ranking de entidades ejecutoras")),
            html.P(_("Índice de desempeño de las entidades con al menos {n} obras en "
                     "INFObras, comparadas con sus pares: el mismo nivel de gobierno y un "
                     "presupuesto parecido.", n=scores.MIN_WORKS), className="muted"),
        ]),
        section(_("Entidades"), _filters(r),
                html.P(note, className="officials-message", role="status") if note else None,
                html.P(_("{n} entidades con índice.", n=fmt.number(total)),
                       id="entidades-total", className="muted"),
                _table(rows, r), _pages(r, total), id="entidades-ranking"),
        methodology(),
    ])
