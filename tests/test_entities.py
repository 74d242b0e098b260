"""The entity page (/entidad/<id>), its API, the contracts and control-report lists, the
explorer's entity filter and the search box, against hand-made rows of every source
(tests/parties_data.py): each figure equals a sum computed here from those rows, each
CUI, contract and report counted once; unknown and malformed ids get a clear answer."""

from __future__ import annotations

from decimal import Decimal

import pytest
import sqlalchemy as sa

from dashboard.explorer_state import ExplorerState
from layers import entity as figures
from layers import format as fmt
from queries import entities, entity_figures, explorer, search
from queries.explorer_views import freshness
from queries.filters import FilterError, Filters
from queries.parties import parse_entity_id, work_totals
from tests import parties_data as d
from tests import parties_raw as raw
from tests.citizen_data import components, page_module, strings

pytest_plugins = ["tests.parties_support"]
pytestmark = pytest.mark.db


def _cents(value) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.01"))


def _links(tree) -> set[str]:
    """Every href in a page: its components' and its wire-form elements'."""
    return {c.href for c in components(tree) if getattr(c, "href", None)}


def _works(entity: str) -> list[tuple]:
    return [w for w in d.WORKS if w[6] == entity]


# -- keys -----------------------------------------------------------------------------------
@pytest.mark.parametrize("raw", ["", None, "a b", "08--x", "-x", "x" * 201, "ñandú", "08_x\n"])
def test_malformed_entity_ids_are_explained(raw):
    with pytest.raises(FilterError, match="entidad"):
        parse_entity_id(raw)


def test_entity_ids_are_read_as_the_sources_key_them():
    assert parse_entity_id(" 08-Municipalidad-X ") == "08-municipalidad-x"
    assert parse_entity_id("gobierno-regional-de-cusco") == "gobierno-regional-de-cusco"


# -- the page's figures ---------------------------------------------------------------------
def test_entity_figures_equal_the_rows_each_counted_once(parties):
    page = entities.entity_page(d.MUNI_ID)
    assert page["entity"]["name"] == d.MUNI and page["entity"]["region_name"] == "Cusco"
    mine = _works(d.MUNI)
    totals = work_totals(page["work_groups"])
    assert totals["works"] == len(mine) == 4
    assert totals["investment"] == _cents(sum(w[2] for w in mine if w[2]))
    assert totals["accrued"] == _cents(sum(w[3] for w in mine if w[3]))
    assert totals["paralysed"] == 1 and totals["undated"] == 1
    assert totals["progress"] == pytest.approx((40 + 20 + 100) / 3)
    assert {w["infobras_code"] for w in page["works"]} == {d.BASE + w[0] for w in mine}
    # 2400001 is in two sources and two districts; 2400009 only in Formato 8 (no cost).
    first = {}
    for cui, _source, entity, *_rest, viable, updated, _day in d.INVESTMENTS:
        if entity == d.MUNI:
            first.setdefault(cui, (viable, updated))
    years = page["investment_years"]
    assert sum(r["investments"] for r in years) == len(first) == 3
    assert sum(r["amount_viable"] or 0 for r in years) == _cents(sum(v for v, _ in first.values()))
    assert sum(r["amount_updated"] or 0 for r in years) == _cents(
        sum(u for _, u in first.values() if u))
    assert {i["cui"]: i["sources"] for i in page["investments"]}["2400001"] == [
        "mef_banco", "ssi_ejecucion"]
    contracts = [c for c in d.CONTRACTS if c[1] in {p[0] for p in d.PROCESSES if p[1] == d.MUNI}]
    assert page["contract_totals"]["contracts"] == len(contracts) == 2
    assert page["contract_totals"]["amount"] == _cents(sum(c[3] for c in contracts))
    penalised = next(c for c in page["contracts"] if c["id"] == "zzent-c-1")
    assert _cents(penalised["penalties"]) == _cents(sum(p[5] for p in d.PENALTIES))
    reports = [r for r in d.REPORTS if r[2] == d.MUNI]
    assert page["report_totals"] == {"reports": 2, "persons_responsible": sum(r[5] for r in
                                                                              reports)}
    assert [r["pdf_url"] for r in page["reports"]] == [r[7] for r in reversed(reports)]
    process = next(p for p in page["processes"] if p["id"] == "zzent-1")
    assert process["bidders"] == 2
    assert process["winners"] == [{"ruc": d.BUILDER, "name": "CONSTRUCTORA ANDINA S.A.C."}]


def test_homonyms_in_other_regions_and_unknown_ids_are_not_found(parties):
    assert entities.entity_page(d.HOMONYM_ID) is None
    assert entities.entity_page("no-existe-esta-entidad") is None
    region = entities.entity_page(d.REGION_ID)
    assert work_totals(region["work_groups"])["works"] == 1
    assert region["report_totals"]["persons_responsible"] == 5


def test_the_alerts_of_its_works_count_each_work_once(parties):
    page = entities.entity_page(d.MUNI_ID)
    risk = page["alert_works"]
    per_rule = sum(r["alerts"] for r in page["alert_rules"])
    assert risk["works_with_alerts"] <= per_rule
    assert {a["infobras_code"] for a in page["alerts"]} <= {d.BASE + w[0]
                                                             for w in _works(d.MUNI)}


# -- figures (pure) -----------------------------------------------------------------------------
def test_the_map_draws_the_located_works_by_status(parties):
    page = entities.entity_page(d.MUNI_ID)
    fig = figures.works_map(page["works"], ["/geo/1/1.json"])
    drawn = sum(len(t["lon"]) for t in fig["data"]   # not a ring's centre: the same work
                if t.get("showlegend") is not False)
    assert drawn == sum(1 for w in _works(d.MUNI) if w[0] != 4) == 3
    assert fig["layout"]["map"]["layers"][0]["source"] == "/geo/1/1.json"
    years = figures.money_by_year(page["work_groups"], page["investment_years"])
    assert {t["name"] for t in years["data"]} >= {"Obras paralizada", "Obras en ejecución"}
    assert figures.money_by_status(work_totals([]))["layout"]["annotations"]


# -- the page -----------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def entidad(party_app):
    with party_app.server.test_request_context(f"/entidad/{d.MUNI_ID}"):
        yield page_module("entidad")


def test_page_has_every_section_with_links(entidad):
    tree = entidad.layout(entidad=d.MUNI_ID)
    ids = {c.id for c in components(tree) if isinstance(getattr(c, "id", None), str)}
    assert {"entidad-kpis", "entidad-map", "entidad-works", "entidad-alerts",
            "entidad-investments", "entidad-contracts", "entidad-processes",
            "entidad-reports"} <= ids
    links = _links(tree)
    assert {f"/obra/{d.BASE + w[0]}" for w in _works(d.MUNI)} <= links
    assert {r[7] for r in d.REPORTS if r[2] == d.MUNI} <= links
    assert f"/contratista/{d.BUILDER}" in links
    assert f"/?entity_id={d.MUNI_ID}" in links
    text = " ".join(strings(tree))
    assert "Municipalidad Provincial Zzentidad del Cusco" in text
    assert "personas con presunta responsabilidad" in text


@pytest.mark.parametrize(("path", "status"), [
    (f"/entidad/{d.MUNI_ID}", 200), (f"/entidad/{d.HOMONYM_ID}", 404), ("/entidad/a%20b", 404)])
def test_unknown_entities_answer_404_with_a_message(party_app, entidad, path, status):
    assert party_app.server.test_client().get(path).status_code == status
    text = " ".join(strings(entidad.layout(entidad=path.rsplit("/", 1)[1].replace("%20", " "))))
    assert ("Entidad no encontrada" in text) == (status == 404)


# -- the API ------------------------------------------------------------------------------------
def test_api_entity_carries_the_exact_totals(party_app):
    client = party_app.server.test_client()
    body = client.get(f"/api/v1/entities/{d.MUNI_ID}").get_json()
    mine = _works(d.MUNI)
    assert body["works"]["total"] == 4
    assert _cents(body["works"]["investment"]) == _cents(sum(w[2] for w in mine if w[2]))
    assert body["investments"]["total"] == 3
    assert body["contracts"]["total"] == 2 and body["control_reports"]["total"] == 2
    assert body["control_reports"]["items"][0]["pdf_url"].endswith(".pdf")
    assert client.get("/api/v1/entities/a%20b").status_code == 400
    missing = client.get(f"/api/v1/entities/{d.HOMONYM_ID}")
    assert missing.status_code == 404 and "entidad" in missing.get_json()["error"]
    assert client.get(f"/api/v1/entities/{d.MUNI_ID}?x=1").status_code == 400


def test_api_contracts_and_reports_filter_and_page(party_app):
    client = party_app.server.test_client()
    everything = client.get(f"/api/v1/contracts?supplier_ruc={d.BUILDER}&per_page=1")
    body = everything.get_json()
    assert body["total"] == 2 and body["pages"] == 2 and "next" in body["links"]
    second = client.get(body["links"]["next"].split("localhost", 1)[1]).get_json()
    assert {body["items"][0]["id"], second["items"][0]["id"]} == {"zzent-c-1", "zzent-c-3"}
    assert client.get("/api/v1/contracts?cui=2400001").get_json()["total"] == 1
    assert client.get(f"/api/v1/contracts?entity_id={d.REGION_ID}&region=17"
                      ).get_json()["items"][0]["id"] == "zzent-c-3"
    reports = client.get(f"/api/v1/control-reports?entity_id={d.MUNI_ID}&year=2099")
    assert reports.get_json()["total"] == 0
    assert client.get("/api/v1/control-reports?region=17").get_json()["total"] >= 1
    for bad in ("/api/v1/contracts?region=8", "/api/v1/contracts?supplier_ruc=x",
                "/api/v1/contracts?cui=abc", "/api/v1/control-reports?year=20x",
                "/api/v1/control-reports?page=0", "/api/v1/contracts?otro=1"):
        answer = client.get(bad)
        assert answer.status_code == 400, bad
        assert answer.get_json()["error"] and "Traceback" not in answer.get_data(as_text=True)
    paths = client.get("/api/openapi.json").get_json()["paths"]
    assert {"/api/v1/entities/{entity_id}", "/api/v1/contractors/{ruc}", "/api/v1/contracts",
            "/api/v1/control-reports"} <= set(paths)


# -- the explorer's filter and the search box -----------------------------------------------------
def test_explorer_filter_by_entity_sums_its_works(parties):
    state = ExplorerState.from_search(f"?entity_id={d.MUNI_ID}&status=paralizada")
    assert state.filters.entity_id == d.MUNI_ID
    assert ExplorerState.from_search(state.to_search()) == state
    everything = explorer.summary(Filters(entity_id=d.MUNI_ID))
    assert everything.source == "facts"
    assert everything.totals["works"] == 4
    assert everything.totals["investment"] == pytest.approx(
        float(sum(w[2] for w in _works(d.MUNI) if w[2])))
    paralysed = explorer.summary(state.filters)
    assert paralysed.totals["works"] == 1
    with parties.connect() as conn:   # the work table answers the same (stale views)
        assert freshness(conn) is not None
        rows = conn.execute(explorer.breakdown_stmt(Filters(entity_id=d.MUNI_ID), 1,
                                                    ("child", "total"))).mappings().all()
    assert next(r for r in rows if r["dim"] == "total")["works"] == 4
    both = explorer.summary(Filters(entity_id=d.MUNI_ID, contractor_ruc=d.BUILDER, q="puente"))
    assert both.totals["works"] == 2
    with pytest.raises(FilterError, match="Entidad no válida"):
        Filters.from_query({"entity_id": "a b"})


def test_search_finds_entities_contractors_and_folds_accents(parties):
    found = search.find("ZZENTÍDAD cusco")
    assert [e["id"] for e in found["entities"]] == [d.MUNI_ID]
    assert search.find("zzent madre")["entities"][0]["id"] == d.REGION_ID
    assert d.BUILDER in [c["ruc"] for c in search.find("constructora andina")["contractors"]]
    only_infobras = search.find(d.INFOBRAS_ONLY)["contractors"]
    assert only_infobras == [{"ruc": d.INFOBRAS_ONLY, "name": "INGENIEROS DEL SUR E.I.R.L."}]
    assert search.find("20999999999")["contractors"] == []
    assert search.find("   ") == {"entities": [], "contractors": []}


def test_explorer_search_box_offers_pages_and_filters(party_app):
    found = page_module("explorer").found
    tree = found(f"?q=zzentidad&contractor_ruc={d.BUILDER}")
    links = _links(tree)
    assert f"/entidad/{d.MUNI_ID}" in links and f"/contratista/{d.BUILDER}" in links
    assert f"/?entity_id={d.MUNI_ID}&contractor_ruc={d.BUILDER}" in links
    assert "/?q=zzentidad" in links   # removes the contractor filter
    assert found("?entity_id=a%20b") == []


# -- the real files ---------------------------------------------------------------------------
TAMBOPATA = "MUNICIPALIDAD PROVINCIAL DE TAMBOPATA"      # Madre de Dios: works, SEACE, CGR
TAMBOPATA_ID = "17-municipalidad-provincial-de-tambopata"
ILO = "MUNICIPALIDAD PROVINCIAL DE ILO"                  # Moquegua: Banco de Inversiones


def test_a_real_entity_equals_the_raw_files(real_sources, party_app, entidad):
    conosce, shifted = raw.conosce()
    assert not any(TAMBOPATA in ",".join(row) for row in shifted)
    processes = conosce[conosce.entidad.map(raw.folded) == raw.folded(TAMBOPATA)]
    signed = raw.contracts(processes)
    reports = raw.reports()
    reports = reports[(reports.entidad.map(raw.folded) == raw.folded(TAMBOPATA))
                      & (reports["región"].map(raw.folded) == "madre-de-dios")]
    works = raw.paralysed_works()
    works = works[(works.entidad.map(raw.folded) == raw.folded(TAMBOPATA))
                  & (works.x_ubigeo.str[:2] == "17")]
    cost = works.costo_actualizado.where(works.costo_actualizado.notna(),
                                         works.monto_exp_tecnico)
    expected = {"works": len(works), "investment": raw.total(cost),
                "accrued": raw.total(works.devengado_acumulado), "contracts": len(signed),
                "contracted": raw.total(signed.monto_contratado_total),
                "processes": processes.codigoconvocatoria.nunique(), "reports": len(reports),
                "persons": int(reports.npersonasconpresuntarespons.astype(int).sum())}
    assert min(expected.values()) > 0
    body = party_app.server.test_client().get(f"/api/v1/entities/{TAMBOPATA_ID}").get_json()
    assert {"works": body["works"]["total"], "investment": _cents(body["works"]["investment"]),
            "accrued": _cents(body["works"]["accrued"]),
            "contracts": body["contracts"]["total"],
            "contracted": _cents(body["contracts"]["amount"]),
            "processes": body["processes"]["total"],
            "reports": body["control_reports"]["total"],
            "persons": body["control_reports"]["persons_responsible"]} == expected
    text = " ".join(strings(entidad.layout(entidad=TAMBOPATA_ID)))
    for shown in (fmt.money(expected["investment"]), fmt.money(expected["contracted"]),
                  f"{expected['persons']} personas con presunta responsabilidad"):
        assert shown in text


def test_real_investments_are_counted_once_per_cui(real_sources, party_app):
    banco = raw.banco("moquegua")
    rows = banco[banco.Entidad == ILO]
    assert len(rows) > rows["Código único de inversión"].nunique()   # one row per district
    once = rows.drop_duplicates("Código único de inversión")
    body = party_app.server.test_client().get(
        "/api/v1/entities/18-municipalidad-provincial-de-ilo").get_json()["investments"]
    assert body["total"] == len(once)
    assert _cents(body["amount_viable"]) == raw.total(once["Monto viable"])
    assert _cents(body["amount_updated"]) == raw.total(once["Costo actualizado"])


# -- the figures computed ahead (queries.entity_figures) ------------------------------------------
def _compared_entities(engine) -> list[str]:
    """The entities with the most works, investments, contracts, reports and alerts, and some
    at random: where a sum of the ahead computation could part from the live one."""
    heaviest = """
        SELECT entity_id FROM {table} WHERE entity_id IS NOT NULL
        GROUP BY entity_id ORDER BY count(*) DESC, entity_id LIMIT 8"""
    with engine.connect() as conn:
        found = {e for table in ("work", "investment_source", "procurement_process",
                                 "control_report", "entity_investment",
                                 "(SELECT w.entity_id FROM alert JOIN work w USING "
                                 "(infobras_code)) a")
                 for e in conn.execute(sa.text(heaviest.format(table=table))).scalars()}
        found |= set(conn.execute(sa.text(
            "SELECT id FROM entity ORDER BY md5(id) LIMIT 25")).scalars())
    return sorted(found)


def test_figures_computed_ahead_equal_the_live_ones_on_real_files(real_sources):
    from geodata import alerts

    alerts.recompute(real_sources, as_of=d.AS_OF)
    with real_sources.connect() as conn:
        assert entity_figures.fresh_parts(conn) == {"sources", "alerts", "scores"}
        assert conn.execute(sa.text("SELECT count(*) FROM entity_alerts WHERE kind = 'top'"
                                    )).scalar() > 0
    compared = _compared_entities(real_sources)
    assert len(compared) > 30
    pages = []
    for entity_id in compared:
        pages.append(entities.entity_page(entity_id))
        assert pages[-1] == entities.entity_page(entity_id, computed=False), entity_id
    for part in ("work_groups", "investment_years", "investments", "processes", "contracts",
                 "reports", "alert_rules", "alerts"):
        assert any(page[part] for page in pages), part     # every part was compared


def test_a_stale_part_is_read_live(real_sources):
    """A change the refresh has not seen (a load with --sin-enlaces, an edit by hand): the page
    reads the live tables until relink or the alerts recompute refresh the part."""
    def persons() -> int:
        return entities.entity_page(TAMBOPATA_ID)["report_totals"]["persons_responsible"]

    before = persons()
    edit = ("UPDATE control_report SET persons_responsible = persons_responsible + :n "
            "WHERE id = (SELECT min(id) FROM control_report WHERE entity_id = :e "
            "AND persons_responsible IS NOT NULL)")
    with real_sources.begin() as conn:
        conn.execute(sa.text(edit), {"n": 1, "e": TAMBOPATA_ID})
    try:
        with real_sources.connect() as conn:
            assert "sources" not in entity_figures.fresh_parts(conn)
        assert persons() == before + 1
    finally:
        with real_sources.begin() as conn:
            conn.execute(sa.text(edit), {"n": -1, "e": TAMBOPATA_ID})
            entity_figures.refresh(conn, "sources")
    with real_sources.connect() as conn:
        assert "sources" in entity_figures.fresh_parts(conn)
    assert persons() == before
