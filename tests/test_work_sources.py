"""The sources joined around one work (queries.work_sources, queries.investments) and their
API: the real paralysed-works file with investment, procurement and control rows around one of
its works; each figure per source, the one shown by precedence, the disagreements."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from geodata import paralizadas
from layers import work_sources as work_sources_view
from queries import db, investments, work_sources
from tests import work_sources_data as data
from tests.conftest import PARALIZADAS_CSV

pytestmark = pytest.mark.db
if not PARALIZADAS_CSV.exists():
    pytest.skip(f"falta el archivo real {PARALIZADAS_CSV}", allow_module_level=True)


@pytest.fixture(scope="module")
def joined(national_areas: sa.Engine) -> dict:
    """The real file loaded, and the source rows around its first work with a CUI."""
    paralizadas.load(engine=national_areas)
    with national_areas.begin() as conn:
        work = dict(conn.execute(sa.text(
            "SELECT infobras_code, cui_key(cui) AS cui, entity, ubigeo, amount_updated,"
            " amount_contract, physical_progress, extra FROM work"
            " WHERE source = 'paralizadas' AND cui IS NOT NULL AND entity IS NOT NULL"
            " AND (extra->>'avance_fisico_invierte') IS NOT NULL"
            " ORDER BY infobras_code LIMIT 1")).mappings().one())
        data.insert(conn, work)
    yield work
    with national_areas.begin() as conn:
        data.remove(conn, work["cui"])


def _figure(body: dict, field: str) -> dict:
    return next(f for f in body["figures"] if f["field"] == field)


def test_work_sources_join_every_source(joined):
    body = work_sources.work_sources(joined["infobras_code"])
    inv = body["investment"]
    assert inv["cui"] == joined["cui"] and inv["amount_updated"] == data.MEF_COST
    assert [r["source"] for r in inv["by_source"]] == ["mef_banco", "ssi_ejecucion"]
    [works, consulting] = body["procurement"]
    assert (works["id"], consulting["id"]) == (data.PROCESS, data.CONSULTING)
    assert works["bidder_count"] == 3
    assert {b["name"] for b in works["bidders"]} == {n for _, n in data.BIDDERS}
    assert works["winners"][0]["ruc"] == data.WINNER
    assert works["winners"][0]["sanctions"][0]["kind"] == "inhabilitacion"
    [k] = works["contracts"]
    assert (k["amount"], k["amount_additional"], k["amount_reduction"]) == (
        data.CONTRACT, 250000, 10000)
    assert k["penalties"][0]["amount"] == 35000 and k["supplier_sanctions"]
    assert works["link"]["method"] == "cui"
    reports = {r["id"]: r for r in body["control"]}
    assert reports[data.REPORT_ENTITY]["method"] in ("entidad_region", "entidad")
    assert reports[data.REPORT_ENTITY]["linked_to"] == "entity"
    candidate = reports[data.REPORT_CANDIDATE]
    assert (candidate["method"], float(candidate["confidence"])) == ("nombre_similar", 0.55)
    assert [k["method"] for k in candidate["links"]] == ["nombre_similar"]


def test_figures_follow_the_stated_precedence(joined):
    body = work_sources.work_sources(joined["infobras_code"])
    cost = _figure(body, "cost")
    assert [v["source"] for v in cost["values"]] == ["mef_banco", "ssi_ejecucion", "paralizadas"]
    assert cost["shown"]["value"] == float(data.MEF_COST) and not cost["agree"]
    assert cost["values"][2]["value"] == float(joined["amount_updated"])
    contract = _figure(body, "contract_amount")
    assert contract["shown"]["source"] == "seace"
    assert contract["shown"]["value"] == float(data.CONTRACT)   # consultancy not summed
    assert len(contract["values"]) == 1        # the file has no contract amount
    progress = _figure(body, "physical_progress")
    assert [v["source"] for v in progress["values"]] == ["paralizadas", "invierte"]
    assert progress["values"][1]["value"] == float(joined["extra"]["avance_fisico_invierte"])
    status = _figure(body, "status")
    assert status["shown"]["source"] == "paralizadas"
    assert status["agree"] is False            # CERRADO in the MEF, open in INFObras
    place = _figure(body, "place")
    assert place["agree"] is False             # the investment's district is another one
    fields = {d["field"] for d in body["disagreements"]}
    assert {"cost", "status", "place"} <= fields
    assert all(d["tolerance"] for d in body["disagreements"])


def test_pure_comparison_tolerances():
    values = {"cost": [{"source": "mef_banco", "value": 100.0, "date": None},
                       {"source": "infobras", "value": 100.9, "date": None,
                        "precedence_key": "work"}],
              "physical_progress": [{"source": "infobras", "value": 50.0, "date": None,
                                     "precedence_key": "work"},
                                    {"source": "invierte", "value": 51.5, "date": None}]}
    figures = {f["field"]: f for f in work_sources.compare(values)}
    assert figures["cost"]["agree"] and not figures["physical_progress"]["agree"]
    assert [d["field"] for d in work_sources.disagreements(figures.values())] == [
        "physical_progress"]


def test_investment_without_work(joined):
    assert investments.parse_cui("0009990001") == data.CUI_ONLY
    body = investments.investment_detail(data.CUI_ONLY)
    assert body["works"] == [] and body["investment"]["name"] == "Inversión sin obra"
    assert _figure(body, "cost")["shown"]["value"] == 900000.0
    assert investments.investment_detail("123") is None
    linked = investments.investment_detail(joined["cui"])
    assert [w["infobras_code"] for w in linked["works"]] == [joined["infobras_code"]]
    assert [p["id"] for p in linked["procurement"]] == [data.PROCESS, data.CONSULTING]


@pytest.mark.parametrize("raw", ["", "abc", "12a", "0", "1" * 13])
def test_malformed_cui(raw):
    with pytest.raises(Exception, match="CUI"):
        investments.parse_cui(raw)


# -- the API -------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def client(joined):
    from dashboard.app import app

    return app.server.test_client()


def test_api_work_carries_sources_disagreements_and_placement(client, joined):
    body = client.get(f"/api/v1/works/{joined['infobras_code']}").get_json()
    assert set(body["sources"]) == {"investment", "procurement", "control", "figures"}
    cost = _figure(body["sources"], "cost")
    shown = {k: cost["shown"][k] for k in ("source", "source_label", "value", "date")}
    assert shown == {"source": "mef_banco", "source_label": "MEF, Banco de Inversiones",
                     "value": float(data.MEF_COST), "date": "2024-12-31"}
    assert cost["shown"]["loaded"]                 # when Mirador loaded it, said apart
    assert {d["field"] for d in body["disagreements"]} >= {"cost", "status", "place"}
    assert body["sources"]["procurement"][0]["bidder_count"] == 3
    assert body["placement"]["ubigeo"] == joined["ubigeo"]


def test_api_placement_says_when_mirador_moved_a_work(client, national_areas, joined):
    with national_areas.connect() as conn:
        moved = conn.execute(sa.text(
            "SELECT infobras_code, declared_district FROM work WHERE source = 'paralizadas'"
            " AND ubigeo_method = 'coordenadas' ORDER BY 1 LIMIT 1")).one()
        mismatch = conn.execute(sa.text(
            "SELECT infobras_code, coords_ubigeo FROM work WHERE source = 'paralizadas'"
            " AND location_mismatch ORDER BY 1 LIMIT 1")).one()
    placement = client.get(f"/api/v1/works/{moved.infobras_code}").get_json()["placement"]
    assert placement["moved"] is True and placement["method"] == "coordenadas"
    assert placement["declared"]["district"] == moved.declared_district
    assert "coordenadas" in placement["note"]
    text = work_sources_view.placement_text(placement)
    assert moved.declared_district in text and "coordenadas" in text
    placement = client.get(f"/api/v1/works/{mismatch.infobras_code}").get_json()["placement"]
    assert placement["location_mismatch"] is True
    assert placement["coords_ubigeo"] == mismatch.coords_ubigeo != placement["ubigeo"]


def test_api_investment(client, joined):
    body = client.get(f"/api/v1/investments/{data.CUI_ONLY}").get_json()
    assert body["works"] == [] and body["investment"]["amount_updated"] == 900000.0
    assert client.get("/api/v1/investments/123").status_code == 404
    bad = client.get("/api/v1/investments/abc")
    assert bad.status_code == 400 and "CUI" in bad.get_json()["error"]


def test_investment_page_status(client, joined):
    assert client.get(f"/inversion/{data.CUI_ONLY}").status_code == 200
    assert client.get("/inversion/123").status_code == 404
    assert client.get("/inversion/abc").status_code == 404


def test_openapi_documents_the_new_fields(client, joined):
    from openapi_spec_validator import validate

    doc = client.get("/api/openapi.json").get_json()
    validate(doc)
    assert "/api/v1/investments/{cui}" in doc["paths"]
    detail = doc["components"]["schemas"]["WorkDetail"]["allOf"][1]["properties"]
    assert {"sources", "disagreements", "placement"} <= set(detail)
    aggregate = doc["components"]["schemas"]["Aggregate"]["properties"]
    assert aggregate["paralysed"]["deprecated"] is True
    assert {"paralysed_by_status", "paralysed_6_months_rule"} <= set(aggregate)


def test_paralysed_counts_are_named_apart(client, national_areas, joined):
    """By status (the file's «Paralizado»), against the 6-month rule (the alerts), per region,
    both from an independent count."""
    import pandas as pd

    from geodata import alerts as engine_alerts

    engine_alerts.recompute(national_areas)
    raw = pd.read_csv(PARALIZADAS_CSV)
    with national_areas.connect() as conn:
        region = conn.execute(sa.text(
            "SELECT left(ubigeo, 2) FROM work WHERE source = 'paralizadas'"
            " GROUP BY 1 ORDER BY count(*) DESC LIMIT 1")).scalar()
        in_region = conn.execute(sa.text(
            "SELECT infobras_code FROM work WHERE left(ubigeo, 2) = :r"), {"r": region}
            ).scalars().all()
        flagged = conn.execute(sa.text(
            "SELECT count(DISTINCT a.infobras_code) FROM alert a JOIN work w USING"
            " (infobras_code) WHERE a.rule_code = 'paralizada' AND a.state = 'alerta'"
            " AND left(w.ubigeo, 2) = :r"), {"r": region}).scalar()
        # Works other test modules left in this database: counted from the table, the
        # file's own from the file.
        others = conn.execute(sa.text(
            "SELECT count(*) FROM work WHERE left(ubigeo, 2) = :r AND status = 'paralizada'"
            " AND infobras_code <> ALL(:codes)"),
            {"r": region, "codes": [int(c) for c in raw["cod_infobras"]]}).scalar()
    rows = raw[raw["cod_infobras"].isin(in_region)]
    by_status = others + int(
        (rows["estado_hist_infobras"].str.strip().str.lower() == "paralizado").sum())
    item = client.get(f"/api/v1/areas/{region}").get_json()["metrics"]
    assert item["paralysed_by_status"] == item["paralysed"] == by_status
    assert item["paralysed_6_months_rule"] == flagged
    [agg] = [i for i in client.get("/api/v1/aggregates?level=1").get_json()["items"]
             if i["ubigeo"] == region]
    assert (agg["paralysed_by_status"], agg["paralysed_6_months_rule"]) == (by_status, flagged)


# -- the real files of every source --------------------------------------------------------
MEF_DIR, SEACE_DIR = PARALIZADAS_CSV.parents[1] / "mef", PARALIZADAS_CSV.parents[1] / "seace"
BANCO = sorted(MEF_DIR.glob("banco_inversiones_*.xlsx"))
SSI = MEF_DIR / "ssi_lista_ejecucion_2019_cusco_madre_de_dios.csv"
CONOSCE = SEACE_DIR / "conosce_contrataciones_2019_cusco_madre_de_dios.csv.gz"
CGR = PARALIZADAS_CSV.parents[1] / "cgr" / "informes_control_2019_2022.csv"


@pytest.fixture(scope="module")
def real_sources(joined, national_areas):
    """Every real file of the MEF, the SEACE and the CGR loaded (links rebuilt once)."""
    from geodata import cgr, links, mef, seace

    if not all(p.exists() for p in (*BANCO, SSI, CONOSCE, CGR)) or len(BANCO) != 3:
        pytest.skip("faltan archivos reales del MEF, el SEACE o la CGR")
    runs = [mef.load(p, engine=national_areas, relink=False) for p in (*BANCO, SSI)]
    runs.append(seace.load(CONOSCE, engine=national_areas, relink=False))
    runs.append(cgr.load(CGR, engine=national_areas, relink=False))
    with national_areas.begin() as conn:
        links.relink(conn)
    return runs


def _banco_frame():
    import pandas as pd

    frame = pd.concat([pd.read_excel(p) for p in BANCO], ignore_index=True)
    frame = frame.dropna(subset=["Código único de inversión"])
    frame["cui"] = frame["Código único de inversión"].astype("int64").astype(str)
    return frame.drop_duplicates("cui")          # one row per CUI and district: amounts repeat


def test_real_mef_costs_beside_the_works(real_sources, client):
    """The 25 CUIs the Banco de Inversiones shares with the paralysed-works file: each work's
    cost figure carries the Banco's updated cost and viable amount and the file's own, to the
    cent, from the raw files."""
    import pandas as pd

    banco = _banco_frame().set_index("cui")
    works = pd.read_csv(PARALIZADAS_CSV).dropna(subset=["cui"])
    works["cui"] = works["cui"].astype("int64").astype(str)
    shared = works[works["cui"].isin(banco.index)]
    assert shared["cui"].nunique() == 25
    checked = 0
    for row in shared.itertuples():
        body = work_sources.work_sources(int(row.cod_infobras))
        if body is None:         # a work of the file set aside by its loader
            continue
        cost = {v["source"]: v["value"] for v in _figure(body, "cost")["values"]}
        expected = banco.loc[row.cui, "Costo actualizado"]
        if pd.notna(expected):
            assert cost["mef_banco"] == pytest.approx(round(float(expected), 2), abs=0.005)
            assert _figure(body, "cost")["shown"]["source"] == "mef_banco"
        assert cost["paralizadas"] == pytest.approx(round(row.costo_actualizado, 2), abs=0.005)
        viable = _figure(body, "viable_amount")["shown"]["value"]
        assert viable == pytest.approx(round(float(banco.loc[row.cui, "Monto viable"]), 2),
                                       abs=0.005)
        checked += 1
    assert checked >= 20
    api = client.get(f"/api/v1/investments/{shared['cui'].iloc[0]}").get_json()
    assert api["investment"]["amount_viable"] == pytest.approx(
        round(float(banco.loc[shared["cui"].iloc[0], "Monto viable"]), 2), abs=0.005)


def test_real_seace_contracts_of_an_investment(real_sources):
    """A CUI named in CONOSCE process descriptions and present in the SSI: its processes and
    their contracts' amounts, de-duplicated by contract, as an independent pandas reading."""
    import pandas as pd

    raw = pd.read_csv(CONOSCE, dtype=str)
    ssi = pd.read_csv(SSI, dtype=str)
    known = set(ssi["cui"].str.lstrip("0"))
    raw["cui"] = raw["descripcion_proceso"].fillna("").str.findall(r"(?<!\d)(\d{7})(?!\d)")
    linked = raw.explode("cui")
    linked = linked[linked["cui"].isin(known)]
    assert linked["cui"].nunique() > 0
    compared = 0
    for cui, rows in linked.groupby("cui"):
        body = investments.investment_detail(cui)
        ids = {f"seace-{c}" for c in rows["codigoconvocatoria"].unique()}
        got = {p["id"] for p in body["procurement"]}
        if ids != got:            # a shifted row quarantined by the loader
            continue
        contracts = (rows.dropna(subset=["n_cod_contrato", "monto_contratado_total"])
                     .drop_duplicates("n_cod_contrato"))     # SEACE's contract key
        expected = round(pd.to_numeric(contracts["monto_contratado_total"]).sum(), 2)
        total = sum(float(k["amount"]) for p in body["procurement"] for k in p["contracts"]
                    if k["amount"] is not None)
        assert total == pytest.approx(expected, abs=0.005), cui
        bidders = rows["ruc_codigo_postor"].dropna().nunique()
        assert sum(p["bidder_count"] for p in body["procurement"]) >= min(bidders, 1)
        compared += 1
    assert compared >= 1


def test_real_control_reports_by_entity(real_sources):
    """Works of the file whose entity the CGR audited: reports come through the entity,
    never as fact about the work."""
    from queries.source_tables import source_link

    assert real_sources
    with investments.db.read_engine().connect() as conn:
        code = conn.execute(sa.select(sa.cast(source_link.c.subject_key, sa.BigInteger))
                            .where(source_link.c.subject_kind == "work",
                                   source_link.c.object_kind == "entity",
                                   source_link.c.object_key.in_(
                                       sa.select(source_link.c.object_key).where(
                                           source_link.c.subject_kind == "control_report")))
                            .limit(1)).scalar()
    assert code is not None
    body = work_sources.work_sources(code)
    assert body["control"]
    assert all(r["method"] in ("entidad_region", "entidad", "nombre_similar")
               for r in body["control"])


def test_data_page_reports_each_source(real_sources, joined):
    """/datos per source: rows read = loaded + quarantined + duplicates, the Banco's rows as
    the raw files count them, and work→investment links by CUI as pandas finds them."""
    import pandas as pd

    from queries import data_sources

    report = data_sources.sources_report()
    by_kind = {r["kind"]: r for r in report["sources"]}
    for kind in ("mef_banco", "ssi_ejecucion", "conosce", "cgr", "paralizadas"):
        row = by_kind[kind]
        assert row["files"] >= 1
        assert row["rows_read"] == row["loaded"] + row["quarantined"] + row["duplicates"], kind
    banco_rows = sum(len(pd.read_excel(p).dropna(how="all")) for p in BANCO)
    assert by_kind["mef_banco"]["rows_read"] == banco_rows
    assert by_kind["mef_banco"]["duplicates"] > 0          # one row per CUI and district
    works = pd.read_csv(PARALIZADAS_CSV).dropna(subset=["cui"])
    cuis = set(_banco_frame()["cui"]) | set(pd.read_csv(SSI, dtype=str)["cui"].str.lstrip("0"))
    cuis.add(joined["cui"])          # the hand-made investment around the first work
    with db.engine().connect() as conn:   # and those other test modules left here
        cuis |= set(conn.execute(sa.text("SELECT cui FROM investment_source")).scalars())
    expected = int(works["cui"].astype("int64").astype(str).isin(cuis).sum())
    with db.engine().connect() as conn:   # links of works other test modules left here
        expected += conn.execute(sa.text(
            "SELECT count(*) FROM source_link WHERE subject_kind = 'work'"
            " AND object_kind = 'investment' AND method = 'cui'"
            " AND subject_key <> ALL(:codes)"),
            {"codes": [str(c) for c in pd.read_csv(PARALIZADAS_CSV)["cod_infobras"]]}).scalar()
    links = {(r["subject_kind"], r["object_kind"], r["method"]): r for r in report["links"]}
    assert links[("work", "investment", "cui")]["links"] == expected
    assert links[("work", "investment", "cui")]["min_confidence"] == 1.0


def test_data_page_renders_per_source(real_sources):
    from dash import html

    from dashboard.app import app

    with app.server.test_request_context("/datos"):
        import sys

        module = next(m for name, m in sys.modules.items() if name.endswith("pages.datos"))
        page = module.layout()
    text = str(page)
    assert "Filas por fuente" in text and "MEF, Banco de Inversiones" in text
    assert "mismo CUI" in text and isinstance(page, html.Div)


def test_oc4ids_carries_the_contracting_processes(client, joined):
    body = client.get(f"/api/v1/oc4ids.json?q={joined['infobras_code']}").get_json()
    [project] = [p for p in body["projects"]
                 if p["id"].endswith(f"-{joined['infobras_code']}")]
    processes = {p["id"]: p["summary"] for p in project["contractingProcesses"]}
    works = processes[data.PROCESS]
    assert works["nature"] == ["construction"]
    assert works["tender"]["numberOfTenderers"] == 3
    assert works["tender"]["costEstimate"] == {"amount": 3600000.0, "currency": "PEN"}
    assert [s["id"] for s in works["suppliers"]] == [f"PE-RUC-{data.WINNER}"]
    assert works["contractValue"] == {"amount": float(data.CONTRACT), "currency": "PEN"}
    changes = {m["description"]: m for m in works["modifications"]}
    assert changes["Adicionales (SEACE)"]["newContractValue"]["amount"] == 3750000.0
    assert changes["Reducciones (SEACE)"]["newContractValue"]["amount"] == 3490000.0
    assert works["documents"][0]["documentType"] == "contractSigned"
    roles = {p["id"]: p["roles"] for p in project["parties"]}
    assert "tenderer" in roles[f"PE-RUC-{data.BIDDERS[2][0]}"]
    assert processes[data.CONSULTING]["contractValue"]["amount"] == float(data.CONSULTANCY)


def test_work_page_lists_the_newest_entity_reports_and_every_candidate():
    """A regional government's hundred reports: the page lists the newest ten, every report
    linked to the work itself, and says how many more the entity's page holds."""
    from dashboard.source_sections import ENTITY_REPORTS_SHOWN, control_section

    def report(n: int, *kinds: str) -> dict:
        links = [{"linked_to": k, "method": "nombre_similar" if k == "work" else "entidad",
                  "confidence": 0.5, "evidence": None} for k in kinds]
        return {"id": f"R{n}", "title": f"Informe {n}", "number": str(n), "issued_date": None,
                "pdf_url": None, "persons_responsible": 1, **links[0], "links": links}

    reports = [report(n, "entity") for n in range(ENTITY_REPORTS_SHOWN + 5)]
    reports.insert(12, report(99, "entity", "work"))
    shown, left = work_sources_view.reports_shown(reports, ENTITY_REPORTS_SHOWN)
    assert [r["id"] for r in shown] == [f"R{n}" for n in range(ENTITY_REPORTS_SHOWN)] + ["R99"]
    assert left == 5
    text = str(control_section(reports, "gob-regional-x").to_plotly_json())
    assert "Informe 99" in text and "Informe 9'" in text and "Informe 10'" not in text
    assert "Y 5 informes más sobre la entidad" in text and "/entidad/gob-regional-x" in text
    everything = str(control_section(reports).to_plotly_json())   # the investment's page
    assert all(f"Informe {n}'" in everything for n in range(ENTITY_REPORTS_SHOWN + 5))
