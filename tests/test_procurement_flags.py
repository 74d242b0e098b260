"""The procurement red flags on SEACE data: on the real CONOSCE file of Cusco and Madre de Dios
(2019), the processes and contracts each rule flags equal an independent pandas recomputation
from the raw gzip (not the product's code); hand-made processes hold the edges (exactly 4 vs 5
awards in 365 days, ±30 % of the award, a sanction ending the day before the award, a national
holiday inside the tender period); a flagged process carries its flag to the linked work."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import holidays
import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa

from geodata import alert_rules, procurement_flags, seace
from tests.conftest import areas_clone
from tests.test_seace import REAL, _cents, _raw_frame

pytestmark = pytest.mark.db

# Written here, not imported from the product: the competitive procedures (art. 21 of the law
# but the direct award) and the legal minimum periods in business days.
COMPETITIVE = {"Licitación Pública", "Concurso Público", "Adjudicación Simplificada",
               "Selección de Consultores Individuales", "Comparación de Precios",
               "Subasta Inversa Electrónica"}
FROM_CALL = {"Licitación Pública": 22, "Concurso Público": 22}
FROM_BASES = {"Adjudicación Simplificada": 3}


def _day(text: str) -> date | None:
    if not text or text == "1/1/1900":
        return None
    month, day, year = (int(x) for x in text.split("/"))
    return date(year, month, day)


def _ymd(text: str) -> date | None:
    return date(int(text[:4]), int(text[4:6]), int(text[6:8])) if text else None


def _recompute(engine: sa.Engine) -> dict[str, int]:
    """The flags step of the alerts recompute, in its own transaction."""
    with engine.begin() as conn:
        conn.execute(sa.text("CREATE TEMP TABLE alert_new (LIKE alert INCLUDING DEFAULTS)"
                             " ON COMMIT DROP"))
        now = conn.execute(sa.text("SELECT now()")).scalar_one()
        return procurement_flags.compute(conn, alert_rules.RULES, now, {})


@contextmanager
def _own_database(template: str, database_url: str, *paths: Path) -> Iterator[sa.Engine]:
    """A database of its own with the areas and the SEACE files `paths` (the fences and the
    365-day windows read every process loaded: other modules' must not be there)."""
    with areas_clone(template, database_url) as url:
        engine = sa.create_engine(url)
        try:
            for path in paths:
                seace.load(path, engine=engine, relink=False)
            yield engine
        finally:
            engine.dispose()


@pytest.fixture(scope="module")
def real_db(areas_template: str, database_url: str):
    """The real file alone, flags computed."""
    if not REAL.exists():
        pytest.skip(f"falta el archivo real {REAL}")
    with _own_database(areas_template, database_url, REAL) as engine:
        yield engine, _recompute(engine)


def test_demo_trips_every_rule_conosce_can_show(areas_template, database_url, tmp_path):
    """The demo generator's SEACE file shows each rule at least once (identical bid prices
    need bid prices, which the CONOSCE layout does not carry: not evaluable, stated)."""
    from geodata.demo.dataset import generate, write

    paths = write(generate(8000, 7), tmp_path, "csv")
    with _own_database(areas_template, database_url, paths["conosce"]) as engine:
        counts = _recompute(engine)
        with engine.connect() as conn:
            coverage = dict(conn.execute(sa.text(
                "SELECT rule_code, evaluated FROM procurement_rule_coverage")).all())
    assert set(counts) == procurement_flags.CODES - {"precios_identicos"}
    assert coverage["precios_identicos"] == 0


def _flagged(engine: sa.Engine, rule: str) -> set[str]:
    with engine.connect() as conn:
        return set(conn.execute(sa.text(
            "SELECT subject_key FROM procurement_flag WHERE rule_code = :r"), {"r": rule}
        ).scalars())


@pytest.fixture(scope="module")
def raw() -> dict:
    """The raw file's processes, items, awards and contracts as pandas sees them."""
    df = _raw_frame()
    df["pid"] = "seace-" + df["codigoconvocatoria"]
    df["item"] = df["n_item"].astype(int)
    processes = df.drop_duplicates("pid").set_index("pid")
    first_item = df.drop_duplicates(["pid", "item"]).set_index(["pid", "item"])
    # Awards: the first amount seen per item and winner; the item's award is their sum, its
    # winner the largest (ties: the smaller RUC), its date the earliest.
    wins = df[df.ruc_proveedor != ""].drop_duplicates(["pid", "item", "ruc_proveedor"]).copy()
    wins["amount"] = wins.monto_adjudicado_item.map(_cents)
    wins["day"] = wins.fecha_buenapro.map(_day)
    items = []
    for (pid, item), g in wins.groupby(["pid", "item"]):
        ranked = g.sort_values(["amount", "ruc_proveedor"], ascending=[False, True])
        days = [d for d in g.day if d]
        items.append({"pid": pid, "item": item, "winner": ranked.ruc_proveedor.iloc[0],
                      "award": sum(g.amount, Decimal(0)), "day": min(days) if days else None,
                      "reference": _cents(first_item.loc[(pid, item), "monto_referencial_item"])
                      })
    return {"df": df, "processes": processes, "items": pd.DataFrame(items)}


def test_single_bidder(real_db, raw):
    df, processes = raw["df"], raw["processes"]
    bidders = df[df.ruc_codigo_postor != ""].groupby(["pid", "item"]).ruc_codigo_postor.nunique()
    awarded = raw["items"].set_index(["pid", "item"])
    single = bidders[bidders == 1].index.intersection(awarded.index)
    expected = {pid for pid, _ in single
                if processes.loc[pid, "tipoprocesoseleccion"] in COMPETITIVE}
    assert len(expected) > 100
    assert _flagged(real_db[0], "postor_unico") == expected
    # The amount at risk the Contrataciones view sums: the awards of those items, to the cent.
    at_risk = sum((awarded.loc[key, "award"] for key in single if key[0] in expected),
                  Decimal(0))
    with real_db[0].connect() as conn:
        assert conn.execute(sa.text(
            "SELECT sum(amount) FROM procurement_flag WHERE rule_code = 'postor_unico'")
        ).scalar_one() == at_risk


def _business_days(start: date, end: date) -> int:
    """Business days in (start, end]: numpy's weekday count minus Peru's holidays."""
    off = holidays.country_holidays("PE", years=range(start.year, end.year + 1))
    return int(np.busday_count(start + timedelta(days=1), end + timedelta(days=1),
                               holidays=list(off)))


def test_short_tender_period(real_db, raw):
    expected = set()
    for pid, p in raw["processes"].iterrows():
        kind = p.tipoprocesoseleccion
        if kind in FROM_CALL:
            start, minimum = _day(p.fecha_convocatoria) or _day(p.fechaconvocatoria), 22
        elif kind in FROM_BASES:
            start, minimum = _day(p.fechaintegracionbases), 3
        else:
            continue
        end = _day(p.fechapresentacionpropuesta)
        if start and end and end >= start and _business_days(start, end) < minimum:
            expected.add(pid)
    assert expected
    assert _flagged(real_db[0], "plazo_corto") == expected


def _contracts(df: pd.DataFrame) -> pd.DataFrame:
    rows = df[df.n_cod_contrato != ""]
    first = rows.drop_duplicates("n_cod_contrato").set_index("n_cod_contrato")
    items = rows.groupby("n_cod_contrato").item.agg(lambda s: sorted(set(s)))
    return first.assign(items=items, amount=first.monto_contratado_total.map(
        lambda v: _cents(v) if v else None),
        additional=first.monto_adicional.map(_cents))


def test_contract_far_from_award(real_db, raw):
    """Processes of one item and one contract (CONOSCE repeats a contract on every item of its
    process: the share of the award a contract covers is otherwise unknown)."""
    df = raw["df"]
    contracts = _contracts(df)
    items_per = df.groupby("pid").item.nunique()
    contracts_per = contracts.groupby("pid").size()
    award = raw["items"].set_index("pid")["award"]
    expected = set()
    for cid, c in contracts.iterrows():
        pid = c["pid"]
        if items_per[pid] != 1 or contracts_per[pid] != 1 or c["amount"] is None:
            continue
        a = award.get(pid)
        if a and a > 0 and abs(c["amount"] / a - 1) > Decimal("0.30"):
            expected.add(cid)
    assert len(expected) > 20
    assert _flagged(real_db[0], "contrato_vs_adjudicado") == expected


def test_award_far_from_reference_and_fences(real_db, raw):
    items = raw["items"]
    processes = raw["processes"]
    items = items[(items.award > 0) & (items.reference > 0)].assign(
        ratio=lambda i: i.award.map(float) / i.reference.map(float),
        kind=lambda i: i.pid.map(processes.tipoprocesoseleccion),
        object=lambda i: i.pid.map(processes.objetocontractual))
    works = items[items.object == "Obra"]
    expected = set(works[(works.ratio < 0.9) | (works.ratio > 1.1)].pid)
    fences = {}
    others = items[(items.object != "Obra") & (items.kind != "") & (items.object != "")]
    for (kind, obj), g in others.groupby(["kind", "object"]):
        q1, med, q3 = g.ratio.quantile([0.25, 0.5, 0.75])
        low, high = q1 - 1.5 * (q3 - q1), q3 + 1.5 * (q3 - q1)
        judged = len(g) >= 30 and q3 > q1       # below the sample, or no spread: not judged
        fences[(kind, obj)] = (len(g), judged)
        if judged:
            expected |= set(g[(g.ratio < low) | (g.ratio > high)].pid)
            with real_db[0].connect() as conn:
                got = conn.execute(sa.text(
                    "SELECT items, q1, median, q3, lower_fence, upper_fence FROM"
                    " procurement_fence WHERE procedure_type = :k AND object = :o"),
                    {"k": kind, "o": obj}).one()
            assert got[0] == len(g)
            assert got[1:] == pytest.approx((q1, med, q3, low, high), rel=1e-12)
    with real_db[0].connect() as conn:
        stored = {(k, o): (n, e) for k, o, n, e in conn.execute(sa.text(
            "SELECT procedure_type, object, items, evaluated FROM procurement_fence"))}
    assert stored == fences
    assert any(not e for _, e in fences.values())    # a group below the minimum sample
    assert _flagged(real_db[0], "adjudicado_vs_referencial") == expected


def test_works_additionals(real_db, raw):
    contracts = _contracts(raw["df"])
    works = contracts[contracts.pid.map(raw["processes"].objetocontractual) == "Obra"]
    expected = {cid for cid, c in works.iterrows()
                if c.amount and c.amount > 0 and c.additional / c.amount * 100 > 15}
    assert _flagged(real_db[0], "adicionales_contrato") == expected


def test_repeat_awards(real_db, raw):
    items = raw["items"]
    items = items[items.day.notna()]
    events = items.groupby(["pid", "winner"]).day.min().reset_index()
    events["buyer"] = events.pid.map(raw["processes"].entidad_ruc)
    expected = set()
    for _, g in events.groupby(["buyer", "winner"]):
        days = list(g.day)
        for pid, d in zip(g.pid, days, strict=True):
            if sum(1 for e in days if d - timedelta(days=364) <= e <= d) > 4:
                expected.add(pid)
    assert len(expected) > 20
    assert _flagged(real_db[0], "adjudicaciones_repetidas") == expected


def test_sanctioned_winner(real_db, raw):
    df = raw["df"]
    sanctions = df[(df.numero_resolucion != "") & (df.ruc_proveedor != "")].drop_duplicates(
        ["ruc_proveedor", "numero_resolucion", "fecha_inicio", "fecha_fin"])
    periods: dict[str, list] = {}
    for s in sanctions.itertuples():
        periods.setdefault(s.ruc_proveedor, []).append((_ymd(s.fecha_inicio), _ymd(s.fecha_fin)))
    expected = {i.pid for i in raw["items"].itertuples() if i.day and any(
        start and start <= i.day and (end is None or end >= i.day)
        for start, end in periods.get(i.winner, []))}
    assert _flagged(real_db[0], "proveedor_sancionado") == expected


def test_identical_bids_not_evaluable_on_conosce(real_db, raw):
    """CONOSCE publishes no bid prices: no flag, and every process with bidders is counted as
    not evaluable (never as «no alert»)."""
    assert _flagged(real_db[0], "precios_identicos") == set()
    with_bids = raw["df"][raw["df"].ruc_codigo_postor != ""].pid.nunique()
    with real_db[0].connect() as conn:
        got = conn.execute(sa.text(
            "SELECT evaluated, not_evaluable, reason FROM procurement_rule_coverage"
            " WHERE rule_code = 'precios_identicos' AND source = 'conosce'")).one()
    assert got[:2] == (0, with_bids)
    assert "precio de cada oferta" in got[2]


def test_every_flag_explains_itself(real_db):
    with real_db[0].connect() as conn:
        rows = conn.execute(sa.text(
            "SELECT rule_code, message, evidence FROM procurement_flag")).all()
    assert {r[0] for r in rows} >= {"postor_unico", "plazo_corto", "contrato_vs_adjudicado",
                                    "adjudicado_vs_referencial", "adjudicaciones_repetidas"}
    for code, message, evidence in rows:
        assert message.endswith("Una alerta no prueba una irregularidad: señala qué revisar.")
        assert "{" not in message and "%" not in message.replace(" %", "")
        assert evidence["variante"] in alert_rules.RULES_BY_CODE[code].messages


# -- hand-made edges (the session's database; keys of their own) ------------------------------
ENTITY = "20999999991"
SUPPLIER, SANCTIONED = "20888888881", "20888888882"


def _process(conn, pid: str, *, kind="Adjudicación Simplificada", obj="Bien", call=None,
             submission=None, bases=None, items=(), bids=(), contracts=()):
    extra = json.dumps({"fecha_integracion_bases": bases.isoformat()} if bases else {})
    conn.execute(sa.text("""
        INSERT INTO procurement_process (id, source, entity_name, entity_ruc, region_ubigeo,
            nomenclature, procedure_type, object, reference_amount, call_date, submission_date,
            extra)
        VALUES (:id, 'conosce', 'Municipalidad de prueba de banderas', :ruc, '15', :id, :kind,
                :obj, 1000, :call, :sub, CAST(:extra AS jsonb))"""),
        {"id": pid, "ruc": ENTITY, "kind": kind, "obj": obj, "call": call, "sub": submission,
         "extra": extra})
    for no, winner, award, reference, day in items:
        conn.execute(sa.text("""
            INSERT INTO process_item (process_id, item_no, reference_amount, awarded_amount,
                                      winner_ruc, award_date)
            VALUES (:p, :n, :r, :a, :w, :d)"""),
            {"p": pid, "n": no, "r": reference, "a": award, "w": winner, "d": day})
    for no, ruc, amount in bids:
        conn.execute(sa.text("INSERT INTO bid (process_id, item_no, bidder_ruc, amount)"
                             " VALUES (:p, :n, :r, :a)"), {"p": pid, "n": no, "r": ruc,
                                                            "a": amount})
    for cid, no, amount in contracts:
        conn.execute(sa.text("""
            INSERT INTO contract (id, process_id, item_no, supplier_ruc, amount, source)
            VALUES (:c, :p, :n, :s, :a, 'conosce')"""),
            {"c": cid, "p": pid, "n": no, "s": SUPPLIER, "a": amount})


@pytest.fixture(scope="module")
def edges(national_areas: sa.Engine) -> sa.Engine:
    engine = national_areas
    base = date(2019, 3, 1)
    with engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM procurement_process WHERE id LIKE 'zzflag-%'"))
        conn.execute(sa.text("DELETE FROM supplier_sanction WHERE ruc = :r"), {"r": SANCTIONED})
        conn.execute(sa.text("""
            INSERT INTO supplier (ruc, name, source) VALUES (:a, 'Proveedor repetido', 'prueba'),
                (:b, 'Proveedor sancionado', 'prueba') ON CONFLICT DO NOTHING"""),
            {"a": SUPPLIER, "b": SANCTIONED})
        # Repeat awards: 5 to SUPPLIER within 365 days (the 5th is flagged), and a second
        # supplier with exactly 4.
        for n in range(5):
            _process(conn, f"zzflag-rep-{n}", obj="Obra",
                     items=[(1, SUPPLIER, 1000, 1000, base + timedelta(days=90 * n))])
        for n in range(4):
            _process(conn, f"zzflag-four-{n}", obj="Obra",
                     items=[(1, "20777777771", 1000, 1000, base + timedelta(days=90 * n))])
        # 5 awards over 366 days: never 5 inside one 365-day window.
        for n, offset in enumerate((0, 1, 2, 3, 366)):
            _process(conn, f"zzflag-wide-{n}", obj="Obra",
                     items=[(1, "20666666661", 1000, 1000, base + timedelta(days=offset))])
        # Contract vs award: exactly +30 % (no flag), just above, exactly -30 %, just below.
        for name, amount in (("c30", 1300), ("c30plus", 1300.01), ("cm30", 700),
                             ("cm30minus", 699.99)):
            _process(conn, f"zzflag-{name}", obj="Obra",
                     items=[(1, "20555555551", 1000, 1000, None)],
                     contracts=[(f"zzflag-k-{name}", 1, amount)])
        # Sanction ending the day before the award (no flag) and on the award day (flag).
        conn.execute(sa.text("""
            INSERT INTO supplier_sanction (ruc, key, kind, start_date, end_date, resolution,
                                           source)
            VALUES (:r, 'a', 'inhabilitacion', '2019-01-01', '2019-05-31', 'Res. A', 'prueba'),
                   (:r, 'b', 'inhabilitacion', '2019-07-01', '2019-07-15', 'Res. B', 'prueba')
            """), {"r": SANCTIONED})
        _process(conn, "zzflag-sanc-after", obj="Obra",
                 items=[(1, SANCTIONED, 1000, 1000, date(2019, 6, 1))])
        _process(conn, "zzflag-sanc-last-day", obj="Obra",
                 items=[(1, SANCTIONED, 1000, 1000, date(2019, 7, 15))])
        # Tender period: a public tender called Fri 2019-07-05 with its offers on Tue
        # 2019-08-06 has 22 weekdays after the call, but 28 and 29 July are national
        # holidays: 21 business days (flag); the same with offers on Wed 2019-08-07: 22.
        _process(conn, "zzflag-lp-holiday", kind="Licitación Pública", obj="Obra",
                 call=date(2019, 7, 5), submission=date(2019, 8, 6))
        _process(conn, "zzflag-lp-ok", kind="Licitación Pública", obj="Obra",
                 call=date(2019, 7, 5), submission=date(2019, 8, 7))
        # Identical bid prices by two bidders (OCDS-like: bids carry amounts).
        _process(conn, "zzflag-same-price", obj="Obra",
                 items=[(1, "20444444441", 1000, 1000, None)],
                 bids=[(1, "20444444441", 1000), (1, "20444444442", 1000),
                       (1, "20444444443", 1200)])
    _recompute(engine)
    return engine


@pytest.mark.parametrize("rule, key, flagged", [
    ("adjudicaciones_repetidas", "zzflag-rep-4", True),
    ("adjudicaciones_repetidas", "zzflag-rep-3", False),
    ("adjudicaciones_repetidas", "zzflag-four-3", False),
    ("adjudicaciones_repetidas", "zzflag-wide-4", False),
    ("contrato_vs_adjudicado", "zzflag-k-c30", False),
    ("contrato_vs_adjudicado", "zzflag-k-c30plus", True),
    ("contrato_vs_adjudicado", "zzflag-k-cm30", False),
    ("contrato_vs_adjudicado", "zzflag-k-cm30minus", True),
    ("proveedor_sancionado", "zzflag-sanc-after", False),
    ("proveedor_sancionado", "zzflag-sanc-last-day", True),
    ("plazo_corto", "zzflag-lp-holiday", True),
    ("plazo_corto", "zzflag-lp-ok", False),
    ("precios_identicos", "zzflag-same-price", True),
])
def test_edges(edges, rule, key, flagged):
    assert (key in _flagged(edges, rule)) is flagged


def test_edge_evidence(edges):
    with edges.connect() as conn:
        rows = dict(conn.execute(sa.text(
            "SELECT rule_code || ':' || subject_key, evidence FROM procurement_flag"
            " WHERE subject_key LIKE 'zzflag-%'")).all())
    assert rows["plazo_corto:zzflag-lp-holiday"]["dias_habiles"] == 21
    assert rows["adjudicaciones_repetidas:zzflag-rep-4"]["adjudicaciones_en_ventana"] == 5
    assert rows["precios_identicos:zzflag-same-price"]["ofertas_identicas"][0]["postores"] == [
        "20444444441", "20444444442"]
    with edges.connect() as conn:
        holidays_in = conn.execute(sa.text(
            "SELECT array_agg(day ORDER BY day) FROM business_day"
            " WHERE holiday IS NOT NULL AND day BETWEEN '2019-07-01' AND '2019-08-31'")).scalar()
    assert holidays_in == [date(2019, 7, 28), date(2019, 7, 29), date(2019, 8, 30)]


def test_flag_carried_to_linked_work(edges):
    """A work linked to a flagged process (source_link, by CUI) gets the flag as an alert."""
    from tests.alerts_support import insert_works

    code = 9_799_001
    with edges.begin() as conn:
        insert_works(conn, {"w": code}, {"w": {}}, "zzbanderas")
        conn.execute(sa.text("""
            INSERT INTO source_link (subject_kind, subject_key, object_kind, object_key,
                                     method, confidence, evidence)
            VALUES ('process', 'zzflag-rep-4', 'work', :c, 'cui', 0.9, 'prueba')
            ON CONFLICT DO NOTHING"""), {"c": str(code)})
        conn.execute(sa.text("CREATE TEMP TABLE alert_new (LIKE alert INCLUDING DEFAULTS)"
                             " ON COMMIT DROP"))
        now = conn.execute(sa.text("SELECT now()")).scalar_one()
        procurement_flags.compute(conn, alert_rules.RULES, now, {})
        rows = conn.execute(sa.text(
            "SELECT rule_code, severity, message FROM alert_new WHERE infobras_code = :c"),
            {"c": code}).all()
        works = conn.execute(sa.text(
            "SELECT works FROM procurement_flag WHERE subject_key = 'zzflag-rep-4'")).scalar()
    assert [(r[0], r[1]) for r in rows] == [("adjudicaciones_repetidas", "media")]
    assert "Proveedor repetido" in rows[0][2]
    assert works == [str(code)]


# -- the open-data routes and the alerts page's view -------------------------------------------
@pytest.fixture(scope="module")
def client(edges):
    from dashboard.app import app

    return app.server.test_client()


def test_flags_api_and_csv(client):
    body = client.get("/api/v1/procurement-flags?rule=plazo_corto&per_page=500").get_json()
    assert "zzflag-lp-holiday" in {f["subject_key"] for f in body["flags"]}
    assert "zzflag-lp-ok" not in {f["subject_key"] for f in body["flags"]}
    assert [r["rule_code"] for r in body["rules"]] == [  # every rule, zero or not
        "postor_unico", "plazo_corto", "contrato_vs_adjudicado", "adjudicado_vs_referencial",
        "adicionales_contrato", "adjudicaciones_repetidas", "proveedor_sancionado",
        "precios_identicos"]
    assert body["total"] == next(r["flags"] for r in body["rules"]
                                 if r["rule_code"] == "plazo_corto")
    csv_text = client.get("/api/v1/procurement-flags.csv?rule=precios_identicos").get_data(
        as_text=True)
    assert csv_text.startswith("\ufeffrule_code,rule_name,severity")
    assert "zzflag-same-price" in csv_text
    bad = client.get("/api/v1/procurement-flags?rule=inventada")
    assert bad.status_code == 400
    assert "Regla de contratación desconocida" in bad.get_json()["error"]
    assert client.get("/api/v1/procurement-flags?region=Lima").status_code == 400


def test_view_tables(edges):
    from layers import procurement_flags as layer
    from queries import procurement_flags as flags

    page = flags.flags_page(flags.FlagSelection(rule="precios_identicos"))
    records = layer.flag_records(page["rows"])
    mine = [r for r in records if r["process"] == "zzflag-same-price"]
    assert mine and mine[0]["severity"] == "Alta"
    counts = layer.counts_table(flags.rule_counts(flags.FlagSelection()), flags.coverage())
    assert len(counts.children[1].children) == len(procurement_flags.CODES)
