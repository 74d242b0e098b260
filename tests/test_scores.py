"""The executor performance index (queries.scores): every component of every entity's score
recomputed here with pandas from the raw rows (works, alerts, citizen reports, entities,
areas), the formula's weights and bounds written out as published (docs/indice.md); the
hand-made entities of tests/scores_data.py checked figure by figure; peer groups and ranks;
the table computed ahead equals the live computation and is read live while stale; the
entity page, the ranking page (/entidades), the contractor scorecard and the comparison of
entities render them, in Chromium too (desktop and phone)."""

from __future__ import annotations

import re

import pandas as pd
import pytest
import sqlalchemy as sa
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from dashboard import scorecard_ui
from queries import entity_figures, scores
from tests import scores_data as d
from tests.browser_support import screenshot
from tests.citizen_data import components, page_module, strings

pytest_plugins = ["tests.browser_support"]
pytestmark = pytest.mark.db

# The published formula (docs/indice.md): weight, and the raw value scoring 0 for the
# components where less is better.
WEIGHTS = {"a_tiempo": 20, "sobrecosto": 15, "paralizacion": 20, "alertas": 15, "al_dia": 10,
           "completos": 10, "reportes": 10}
WORST = {"sobrecosto": 0.30, "paralizacion": 0.25, "alertas": 2.0}
BANDS = {"distrital": (1_000, 5_000), "provincial": (300, 1_000), "regional": (50, 250),
         "nacional": (20e6, 200e6), "otra": (20e6, 200e6)}


@pytest.fixture(scope="module")
def scored(national_areas: sa.Engine) -> sa.Engine:
    d.insert(national_areas)
    return national_areas


@pytest.fixture(scope="module")
def score_app(scored: sa.Engine):
    """The real Dash app (its pages registered) against the test database."""
    from dashboard import app as module

    return module.app


def _frame(engine: sa.Engine, sql: str, **params) -> pd.DataFrame:
    with engine.connect() as conn:
        return pd.read_sql(sa.text(sql), conn, params=params)


def expected(engine: sa.Engine) -> pd.DataFrame:
    """Every entity's raw values, normalised values, score, band and rank, from the rows."""
    w = _frame(engine, "SELECT * FROM work WHERE entity_id IS NOT NULL")
    w = w.drop(columns=["geom"])
    a = _frame(engine, "SELECT infobras_code, rule_code, state FROM alert")
    r = _frame(engine, "SELECT infobras_code, status, moderation FROM citizen_report")
    e = _frame(engine, "SELECT id, name, government_level, region_ubigeo FROM entity")
    ar = _frame(engine, "SELECT ubigeo, name, population FROM area")
    due = pd.to_datetime(w["reprogrammed_end"].fillna(w["programmed_end"]))
    real = pd.to_datetime(w["real_end"])
    codes = lambda rows: set(rows["infobras_code"])  # noqa: E731
    overdue = codes(a[(a.rule_code == "retrasada") & (a.state == "alerta")])
    stale = codes(a[a.rule_code == "registro_desactualizado"])
    active = a[a.state == "alerta"].groupby("infobras_code").size()
    w["on_time"] = real.notna() & due.notna() & (real <= due)
    w["late"] = (real.notna() & due.notna() & (real > due)) | (
        real.isna() & w["infobras_code"].isin(overdue))
    w["costed"] = (w["amount_technical_file"].astype(float) > 0) & w["amount_updated"].notna()
    w["file_c"] = w["amount_technical_file"].astype(float).where(w["costed"], 0.0)
    w["upd_c"] = w["amount_updated"].astype(float).where(w["costed"], 0.0)
    w["paralysed"] = w["status"] == "paralizada"
    w["alerts"] = w["infobras_code"].map(active).fillna(0)
    w["running"] = (w["status"] == "en_ejecucion") & w["real_end"].isna()
    w["current"] = w["running"] & ~w["infobras_code"].isin(stale)
    started = w["status"] != "sin_ejecucion"
    w["filled"] = (w["cui"].notna().astype(int) + (w["geom_source"] == "surveyed").astype(int)
                   + w["amount_technical_file"].notna().astype(int)
                   + w["physical_progress"].notna().astype(int)
                   + (started & w["start_date"].notna()).astype(int)
                   + (started & due.notna()).astype(int))
    w["expected"] = started.map({True: 6, False: 4})
    approved = r[r.moderation == "aprobado"]
    w["reports"] = w["infobras_code"].map(approved.groupby("infobras_code").size()).fillna(0)
    w["answered"] = w["infobras_code"].map(
        approved[approved.status.isin(["derivado", "cerrado"])].groupby("infobras_code")
        .size()).fillna(0)
    g = w.groupby("entity_id").agg(
        # An entity none of whose works has an amount has no investment (SQL's NULL sum).
        works=("infobras_code", "size"), investment=("amount_investment", lambda s: s.astype(
            float).sum(min_count=1)), on_time=("on_time", "sum"), late=("late", "sum"),
        cost_n=("costed", "sum"), cost_file=("file_c", "sum"), cost_updated=("upd_c", "sum"),
        paralysed=("paralysed", "sum"), alerts=("alerts", "sum"), running=("running", "sum"),
        current=("current", "sum"), filled=("filled", "sum"), expected=("expected", "sum"),
        reports=("reports", "sum"), answered=("answered", "sum"),
        government_level=("government_level", "max"))

    def seat(digits: int) -> pd.Series:
        counts = (w.assign(place=w["ubigeo"].str[:digits])
                  .groupby(["entity_id", "place"]).size().reset_index(name="n")
                  .sort_values(["entity_id", "n", "place"], ascending=[True, False, True]))
        return counts.drop_duplicates("entity_id").set_index("entity_id")["place"]

    ents = e.set_index("id")
    out = []
    for entity_id, row in g.iterrows():
        known = entity_id in ents.index
        level_name = ents.loc[entity_id, "government_level"] if known else None
        level_name = level_name or row["government_level"]
        if re.search(r"(^|-)municipalidad-distrital-", entity_id):
            level, place = "distrital", seat(6)[entity_id]
        elif re.search(r"(^|-)municipalidad-(provincial|metropolitana)-", entity_id):
            level, place = "provincial", seat(4)[entity_id]
        elif level_name == "Gobierno Regional":
            region = ents.loc[entity_id, "region_ubigeo"] if known else None
            level, place = "regional", region or seat(2)[entity_id]
        else:
            level, place = ("nacional" if level_name == "Gobierno Nacional" else "otra"), None
        population = (ar.set_index("ubigeo")["population"].get(place)
                      if place is not None else None)
        population = None if population is None or pd.isna(population) else float(population)
        judged = row["on_time"] + row["late"]
        raw = {"a_tiempo": row["on_time"] / judged if judged else None,
               "sobrecosto": row["cost_updated"] / row["cost_file"] - 1
               if row["cost_n"] else None,
               "paralizacion": row["paralysed"] / row["works"],
               "alertas": row["alerts"] / row["works"],
               "al_dia": row["current"] / row["running"] if row["running"] else None,
               "completos": row["filled"] / row["expected"],
               "reportes": row["answered"] / row["reports"] if row["reports"] else None}
        norm = {k: None if v is None else (1 - min(max(v, 0) / WORST[k], 1) if k in WORST
                                           else v) for k, v in raw.items()}
        weight = sum(WEIGHTS[k] for k, v in norm.items() if v is not None)
        total = sum(WEIGHTS[k] * v for k, v in norm.items() if v is not None)
        per_hab = row["investment"] / population if population else None
        measure = per_hab if level in ("distrital", "provincial", "regional") else row[
            "investment"]
        # No amount on any of its works (NaN): its band is unknown, not the lowest.
        band = None if measure is None or pd.isna(measure) else sum(
            measure >= edge for edge in BANDS[level])
        out.append({"entity_id": entity_id, "peer_level": level, "population": population,
                    "per_inhabitant": per_hab, "band": band,
                    "score": 100 * total / weight if row["works"] >= 5 else None,
                    **{f"raw_{k}": v for k, v in raw.items()},
                    **{f"norm_{k}": v for k, v in norm.items()},
                    **{k: row[k] for k in ("works", "on_time", "late", "alerts", "reports",
                                           "answered", "filled", "expected")}})
    frame = pd.DataFrame(out).set_index("entity_id")
    ranked = frame[frame.score.notna() & frame.band.notna()].reset_index().sort_values(
        ["score", "entity_id"], ascending=[False, True])
    ranked["rank"] = ranked.groupby(["peer_level", "band"]).cumcount() + 1
    ranked["peers"] = ranked.groupby(["peer_level", "band"])["entity_id"].transform("size")
    return frame.join(ranked.set_index("entity_id")[["rank", "peers"]])


def _table(engine: sa.Engine) -> dict[str, dict]:
    with engine.connect() as conn:
        return {r["entity_id"]: dict(r) for r in conn.execute(sa.text(
            "SELECT * FROM entity_score")).mappings()}


# -- the figures ----------------------------------------------------------------------------
def test_a_hand_made_entity_figure_by_figure(scored):
    row = scores.entity_score(d.UNO_ID)
    assert (row["works"], row["on_time"], row["late"]) == (7, 1, 2)
    assert (row["paralysed"], row["running"], row["current"]) == (1, 3, 2)
    assert (row["filled"], row["expected"]) == (33, 40)
    assert (row["reports"], row["answered"]) == (3, 2)      # pending and rejected left out
    assert float(row["cost_file"]) == 5_700_000 and float(row["cost_updated"]) == 6_000_000
    parts = {c["key"]: c for c in scores.components(row)}
    assert parts["a_tiempo"]["raw"] == pytest.approx(1 / 3)
    assert parts["sobrecosto"]["normalised"] == pytest.approx(1 - (6.0 / 5.7 - 1) / 0.30)
    assert parts["paralizacion"]["normalised"] == pytest.approx(1 - (1 / 7) / 0.25)
    assert parts["al_dia"]["raw"] == pytest.approx(2 / 3)
    assert parts["completos"]["raw"] == pytest.approx(33 / 40)
    assert parts["reportes"]["raw"] == pytest.approx(2 / 3)
    assert sum(c["applied_weight"] for c in parts.values()) == pytest.approx(100)
    assert row["peer_level"] == "distrital" and row["area_ubigeo"] == d.DISTRICTS[0]


def test_components_without_data_renormalise_and_few_works_get_no_score(scored):
    dos = scores.entity_score(d.DOS_ID)
    parts = {c["key"]: c for c in scores.components(dos)}
    assert parts["reportes"]["raw"] is None and parts["reportes"]["applied_weight"] is None
    assert parts["a_tiempo"]["applied_weight"] == pytest.approx(20 / 90 * 100)
    assert float(dos["score"]) == pytest.approx(sum(
        c["normalised"] * c["weight"] for c in parts.values() if c["raw"] is not None) / 90
        * 100, abs=0.01)
    tres = scores.entity_score(d.TRES_ID)
    assert tres["works"] == 2 and tres["score"] is None and tres["peer_rank"] is None
    national = scores.entity_score(d.NACIONAL_ID)
    assert national["peer_level"] == "nacional" and national["per_inhabitant"] is None
    assert national["band"] == 1                      # S/ 30 M in all: the middle band


def test_the_entity_api_carries_the_index_with_its_components(score_app):
    client = score_app.server.test_client()
    uno = client.get(f"/api/v1/entities/{d.UNO_ID}").get_json()["performance_index"]
    row = scores.entity_score(d.UNO_ID)
    assert uno["score"] == pytest.approx(float(row["score"]))
    assert [c["key"] for c in uno["components"]] == [c.key for c in scores.COMPONENTS]
    assert uno["components"][0]["raw"] == pytest.approx(1 / 3)       # 1 on time of 3 judged
    assert sum(c["applied_weight"] for c in uno["components"]) == pytest.approx(100)
    assert uno["peer_group"]["level"] == "distrital" and uno["peer_group"]["per_inhabitant"]
    assert uno["peer_group"]["rank"] == row["peer_rank"]
    tres = client.get(f"/api/v1/entities/{d.TRES_ID}").get_json()["performance_index"]
    assert tres["score"] is None and "menos de 5 obras" in tres["reason"]


def test_every_entity_equals_an_independent_recomputation(scored):
    want = expected(scored)
    with scored.connect() as conn:
        live = {r["entity_id"]: r for r in scores.compute_all(conn)}
    table = _table(scored)
    assert set(live) == set(want.index) == set(table)
    for entity_id, row in want.iterrows():
        for got in (live[entity_id], table[entity_id]):
            assert got["peer_level"] == row["peer_level"], entity_id
            assert (got["band"] is None) == pd.isna(row["band"]), entity_id
            if got["band"] is not None:
                assert got["band"] == row["band"], entity_id
            for key in ("works", "on_time", "late", "alerts", "reports", "answered", "filled",
                        "expected"):
                assert got[key] == row[key], (entity_id, key)
            parts = {c["key"]: c for c in scores.components(got)}
            for key in WEIGHTS:
                for name in ("raw", "norm"):
                    value = parts[key]["raw" if name == "raw" else "normalised"]
                    want_value = row[f"{name}_{key}"]
                    if pd.isna(want_value):
                        assert value is None, (entity_id, key)
                    else:
                        assert value == pytest.approx(want_value), (entity_id, key)
            if pd.isna(row["score"]):
                assert got["score"] is None, entity_id
            else:
                assert float(got["score"]) == pytest.approx(row["score"], abs=0.005), entity_id
            if pd.isna(row["rank"]):
                assert got["peer_rank"] is None
            else:
                assert (got["peer_rank"], got["peers"]) == (row["rank"], row["peers"]), entity_id


def test_peer_groups_and_ranking_order(scored):
    uno, dos = scores.entity_score(d.UNO_ID), scores.entity_score(d.DOS_ID)
    assert (uno["peer_level"], uno["band"]) == (dos["peer_level"], dos["band"]) == ("distrital",
                                                                                     1)
    assert float(dos["score"]) > float(uno["score"]) and dos["peer_rank"] < uno["peer_rank"]
    rows, total = scores.ranking(scores.Ranking(level="distrital", region="05", band=1))
    ids = [r["entity_id"] for r in rows]
    assert ids.index(d.DOS_ID) < ids.index(d.UNO_ID) and d.TRES_ID not in ids
    assert total == len(rows)
    assert [float(r["score"]) for r in rows] == sorted((float(r["score"]) for r in rows),
                                                       reverse=True)
    by_name, _ = scores.ranking(scores.Ranking(region="05", order="name", descending=False))
    assert [r["name"] for r in by_name] == sorted(r["name"] for r in by_name)
    me, around = scores.entity_card(d.UNO_ID)
    assert me == uno and d.UNO_ID in [r["entity_id"] for r in around]
    assert all((r["peer_level"], r["band"]) == ("distrital", 1)
               and abs(r["peer_rank"] - uno["peer_rank"]) <= 2 for r in around)
    assert [r["peer_rank"] for r in around] == sorted(r["peer_rank"] for r in around)
    assert scores.entity_card(d.TRES_ID)[1] == [] and scores.entity_card("no-existe") == (
        None, [])


def test_a_stale_index_is_computed_live_and_refreshed_with_the_entity_figures(scored):
    before = scores.entity_score(d.UNO_ID)
    with scored.begin() as conn:
        conn.execute(sa.text("UPDATE work SET status = 'paralizada' WHERE infobras_code = :c"),
                     {"c": d.BASE + 4})
    try:
        with scored.connect() as conn:
            assert "scores" not in entity_figures.fresh_parts(conn)
        stale = scores.entity_score(d.UNO_ID)
        assert scores.entity_card(d.UNO_ID)[0] == stale
        assert stale["paralysed"] == before["paralysed"] + 1
        assert float(stale["score"]) < float(before["score"])
        assert _table(scored)[d.UNO_ID]["paralysed"] == before["paralysed"]  # not yet
        with scored.begin() as conn:
            entity_figures.refresh(conn, "sources")
        assert _table(scored)[d.UNO_ID]["paralysed"] == before["paralysed"] + 1
        with scored.connect() as conn:
            assert "scores" in entity_figures.fresh_parts(conn)
    finally:
        with scored.begin() as conn:
            conn.execute(sa.text("UPDATE work SET status = 'en_ejecucion' "
                                 "WHERE infobras_code = :c"), {"c": d.BASE + 4})
            entity_figures.refresh(conn, "sources")


# -- the pages -----------------------------------------------------------------------------------
def test_the_entity_page_shows_every_component_with_links(score_app):
    module = page_module("entidad")
    tree = scorecard_ui.entity_scorecard(*module.score_data(d.UNO_ID), d.UNO_ID)
    text = " ".join(strings(tree))
    row = scores.entity_score(d.UNO_ID)
    assert f"{float(row['score']):.1f}".replace(".", ",") in text
    for name in ("Obras terminadas a tiempo", "Sobrecosto", "Obras paralizadas",
                 "Alertas por obra", "Registro al día", "Datos completos",
                 "Respuesta a reportes ciudadanos", "Cómo se calcula"):
        assert name in text
    assert "33,3 %: 1 de 3 obras" in text and "82,5 %: 33 de 40 datos" in text
    hrefs = _hrefs(tree)
    assert f"/alertas?entity_id={d.UNO_ID}&rule=retrasada" in hrefs
    assert f"/?entity_id={d.UNO_ID}&status=paralizada" in hrefs
    assert "Puesto" in text and "/entidades?nivel=distrital&banda=1" in hrefs
    few = " ".join(strings(scorecard_ui.entity_scorecard(*module.score_data(d.TRES_ID),
                                                         d.TRES_ID)))
    assert "Sin índice: tiene 2 obras y se necesitan al menos 5." in few


def test_the_ranking_page_filters_sorts_and_explains(score_app):
    module = page_module("entidades")
    tree = module.layout(nivel="distrital", region="05", banda="1")
    hrefs = _hrefs(tree)
    assert f"/entidad/{d.DOS_ID}" in hrefs and f"/entidad/{d.UNO_ID}" in hrefs
    assert f"/entidad/{d.TRES_ID}" not in hrefs
    text = " ".join(strings(tree))
    assert "Metodología" in text and "S/ 1 000 a S/ 5 000 por habitante" in text
    bad = " ".join(strings(module.layout(nivel="<script>", orden="x", banda="9")))
    assert "Nivel de gobierno no válido" in bad and "Orden no válido" in bad


def _hrefs(tree) -> set[str]:
    """Every href in a page: its components' and its wire-form elements'."""
    return {c.href for c in components(tree) if getattr(c, "href", None)}


# -- in Chromium ------------------------------------------------------------------------------
@pytest.mark.browser
def test_ranking_and_scorecard_in_chromium(score_app, live_server, browser):
    browser.set_window_size(1366, 900)
    browser.get(f"{live_server}/entidades?nivel=distrital&region=05&banda=1")
    wait = WebDriverWait(browser, 30)
    wait.until(lambda b: b.find_elements(By.CSS_SELECTOR, "#entidades-ranking table"))
    links = [a.get_attribute("href") for a in browser.find_elements(
        By.CSS_SELECTOR, "#entidades-ranking tbody a")]
    ours = [h.rsplit("/", 1)[1] for h in links if "zzscore" in h]
    assert ours == [d.DOS_ID, d.UNO_ID]
    screenshot(browser, "entidades-ranking")
    browser.find_element(By.LINK_TEXT, "Obras").click()          # sort by works
    wait.until(lambda b: "orden=works" in b.current_url)
    from selenium.webdriver.support.ui import Select

    browser.get(browser.current_url)                               # the sorted page, settled
    wait.until(lambda b: b.find_elements(By.CSS_SELECTOR, "#entidades-ranking table"))
    Select(browser.find_element(By.ID, "entidades-nivel")).select_by_value("nacional")
    browser.find_element(By.ID, "entidades-apply").click()        # the form, by GET
    wait.until(lambda b: "nivel=nacional" in b.current_url and "orden=works" in b.current_url)
    wait.until(lambda b: d.NACIONAL_ID in b.find_element(By.ID, "entidades-ranking").get_attribute(
        "innerHTML"))
    browser.get(f"{live_server}/entidad/{d.UNO_ID}")
    score = wait.until(lambda b: b.find_elements(By.ID, "entidad-score"))[0]
    assert score.text == f"{float(scores.entity_score(d.UNO_ID)['score']):.1f}".replace(".", ",")
    assert "Puesto" in browser.find_element(By.ID, "entidad-peers").text
    screenshot(browser, "entidad-indice")
    browser.set_window_size(390, 844)
    browser.get(f"{live_server}/entidades")
    wait.until(lambda b: b.find_elements(By.CSS_SELECTOR, "#entidades-ranking table"))
    width = browser.execute_script("return document.documentElement.scrollWidth")
    assert width <= 390
    screenshot(browser, "entidades-ranking-phone")
    browser.set_window_size(1366, 900)



# -- the contractor's scorecard -----------------------------------------------------------------
def test_the_contractor_scorecard_counts_its_works_and_links_them(scored, score_app):
    from queries.contractors import contractor_page
    from queries.parties import work_totals

    ruc = "20999999931"
    w = _frame(scored, "SELECT infobras_code, status, amount_technical_file, amount_updated "
               "FROM work WHERE contractor_ruc = :ruc", ruc=ruc)
    a = _frame(scored, "SELECT infobras_code, rule_code FROM alert WHERE state = 'alerta'")
    a = a[a.infobras_code.isin(w.infobras_code)]
    over = (w.amount_updated.astype(float) / w.amount_technical_file.astype(float) - 1) * 100 > 10
    page = contractor_page(ruc)
    tree = scorecard_ui.contractor_scorecard(page, work_totals(page["work_groups"]), ruc)
    cells = {}
    for row in components(tree):
        texts = strings(getattr(row, "children", None))
        if getattr(row, "_type", None) == "Tr" and len(texts) >= 2:
            cells[texts[0]] = texts[1]
    assert cells["Obras (INFObras)"] == str(len(w)) == "19"
    assert cells["Obras paralizadas"].startswith(str(int((w.status == "paralizada").sum())))
    assert cells["Obras con sobrecosto"].startswith(str(int(over.sum())) + " ")
    assert cells["Alertas en sus obras"].startswith(f"{len(a)} en {a.infobras_code.nunique()} ")
    assert cells["Sanciones e inhabilitaciones"] == "0"
    hrefs = _hrefs(tree)
    assert f"/alertas?contractor_ruc={ruc}&rule=sobrecosto" in hrefs
    assert f"/?contractor_ruc={ruc}&status=paralizada" in hrefs
    assert "Ninguna bandera roja" in " ".join(strings(tree))


# -- entities side by side --------------------------------------------------------------------
def test_the_compare_page_puts_two_entities_side_by_side(score_app):
    module = page_module("comparar")
    table, url = module.show_entities([d.UNO_ID, d.DOS_ID, "<bad>"],
                                      f"?level=1&entidades={d.TRES_ID}")
    text = " ".join(strings(table))
    assert url == f"?level=1&entidades={d.UNO_ID}%2C{d.DOS_ID}"
    for entity_id in (d.UNO_ID, d.DOS_ID):
        row = scores.entity_score(entity_id)
        assert f"{float(row['score']):.1f}".replace(".", ",") in text
        assert f"/entidad/{entity_id}" in _hrefs(table)
    assert "Obras terminadas a tiempo" in text and "33,3 %: 1 de 3 obras" in text
    empty, _url = module.show_entities([], "")
    assert "Elija al menos dos entidades" in " ".join(strings(empty))


@pytest.mark.browser
def test_compare_entities_in_chromium(score_app, live_server, browser):
    for width, name in ((1366, "comparar-entidades"), (390, "comparar-entidades-phone")):
        browser.set_window_size(width, 900)
        browser.get(f"{live_server}/comparar?entidades={d.UNO_ID},{d.DOS_ID}")
        grid = WebDriverWait(browser, 30).until(
            lambda b: b.find_elements(By.ID, "comparar-entities-grid"))[0]
        heads = [a.get_attribute("href").rsplit("/", 1)[1]
                 for a in grid.find_elements(By.CSS_SELECTOR, "thead a")]
        assert heads == [d.UNO_ID, d.DOS_ID]
        browser.execute_script("arguments[0].scrollIntoView()", grid)
        screenshot(browser, name)
    browser.set_window_size(1366, 900)
