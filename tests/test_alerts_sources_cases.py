"""The between-source rules and the control signal at their edges, on hand-made works and
source rows (real PostGIS): exactly the threshold is no alert, just over it is; a source that is
missing makes the work "no calculable", never "no alert"; a whole source missing makes the rule
«no evaluable» for /datos; the signal is no alert."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

from geodata import alerts
from tests.alerts_support import AS_OF, insert_works
from tests.officials_support import app, pages  # noqa: F401  (fixtures)

pytestmark = pytest.mark.db

TOKEN = "fuentescruzadas"
F12B = {"fuente_estado_final": "F12B",
        "sustento_estado": "PARALIZACION REPORTADA EN F12B Y/O INFOBRAS",
        "fecha_est_sit_F12B": "2026-05-12"}
PAR = {"source": "paralizadas", "modality": "Administración directa"}


def _inv(value: float, **more) -> dict:
    return {**PAR, "extra": {"avance_fisico_invierte": value,
                             "fecha_ult_avance_fisico_invierte": "2026-04-01", **more}}


CASES: dict[str, dict] = {
    # INFObras 40 % against Invierte.pe (the paralysed-works file's column)
    "inv_20": _inv(60),                       # exactly 20 points: no alert
    "inv_20plus": _inv(60.01),                # media
    "inv_51": _inv(91),                       # alta (> 50)
    "inv_missing": {**PAR, "extra": {}},      # the file lacks it: no calculable
    "no_cui": {"cui": None},                  # no CUI, no MEF: no calculable
    # MEF's figures through the investment (CUI), a CLOSED investment
    "mef": {"cui": "2999001"},
    # devengado against INFObras's 40 % (cost 1,000,000)
    "dev_20": {**PAR, "amount_accrued": 600_000, "financial_progress": 60,
               "extra": {"avance_fisico_invierte": 40}},
    "dev_20plus": {**PAR, "amount_accrued": 600_100, "financial_progress": 90,
                   "extra": {"avance_fisico_invierte": 40}},
    "dev_missing": {**PAR, "amount_accrued": None, "extra": {"avance_fisico_invierte": 40}},
    # contract amount, INFObras against SEACE (works processes naming the CUI)
    "k_exact": {"cui": "2999002", "modality": "Contrata", "amount_contract": 1_010_000},
    "k_over": {"cui": "2999003", "modality": "Contrata", "amount_contract": 1_010_100},
    "k_one_of_two": {"cui": "2999004", "modality": "Contrata", "amount_contract": 500_000},
    "k_none": {"cui": "2999005", "modality": "Contrata", "amount_contract": 800_000},
    # status: the Formato 12-B reports the paralysis of a work INFObras has in execution
    "f12b": {**PAR, "extra": {"avance_fisico_invierte": 40, **F12B}},
    "f12b_other": {**PAR, "extra": {"avance_fisico_invierte": 40, **F12B,
                                    "sustento_estado": "BRECHA FISICO-FINANCIERA"}},
    "finished": {"cui": "2999006", "status": "finalizada", "real_end": AS_OF,
                 "physical_progress": 100, "financial_progress": 100},
    # control: an entity whose only report found no one responsible
    "clean_entity": {"entity": "Municipalidad sin hallazgos"},
}
CODES = {name: 9_300_001 + i for i, name in enumerate(CASES)}
# (process, CUI, contract amounts)
CONTRACTS = [("seace-T2", "2999002", [1_000_000]), ("seace-T3", "2999003", [1_000_000]),
             ("seace-T4", "2999004", [500_000, 700_000])]


def _works(conn: sa.Connection) -> None:
    cases = {n: {"cui": None, **c, "extra": json.dumps(c.get("extra", {}))}
             for n, c in CASES.items()}
    insert_works(conn, CODES, cases, TOKEN)
    conn.execute(sa.text(
        "INSERT INTO investment_source (cui, source, status, amount_updated, entity_name, extra)"
        " VALUES (:cui, 'mef_banco', :status, 1000000, 'Municipalidad de prueba',"
        " CAST(:extra AS jsonb))"),
        [{"cui": "2999001", "status": "CERRADO", "extra": json.dumps({
            "avance_fisico": 75, "fecha_avance_fisico": "2026-03-31",
            "devengado_acumulado": 900000, "fecha_devengado": "2026-04-30"})},
         {"cui": "2999006", "status": "CERRADO", "extra": "{}"}])


def _seace_and_cgr(conn: sa.Connection) -> None:
    for process, cui, amounts in CONTRACTS:
        conn.execute(sa.text(
            "INSERT INTO procurement_process (id, source, object, cui, source_date)"
            " VALUES (:p, 'conosce', 'Obra', :cui, :d)"), {"p": process, "cui": cui, "d": AS_OF})
        conn.execute(sa.text(
            "INSERT INTO contract (id, process_id, amount, source, source_date)"
            " VALUES (:k, :p, :a, 'conosce', :d)"),
            [{"k": f"{process}-{i}", "p": process, "a": a, "d": AS_OF}
             for i, a in enumerate(amounts)])
        conn.execute(sa.text(
            "INSERT INTO source_link (subject_kind, subject_key, object_kind, object_key, method,"
            " confidence) SELECT 'process', :p, 'work', infobras_code::text, 'cui', 0.9"
            " FROM work WHERE cui = :cui"), {"p": process, "cui": cui})
    conn.execute(sa.text(
        "INSERT INTO control_report (id, number, region_ubigeo, entity_name,"
        " persons_responsible, published_date, pdf_url, source) VALUES"
        " ('T-R1', '001-2025', '15', 'Municipalidad de prueba', 2, '2025-06-01',"
        "  'https://example.org/r1.pdf', 'prueba'),"
        " ('T-R2', '002-2026', '15', 'Municipalidad de prueba', 1, '2026-02-01',"
        "  'https://example.org/r2.pdf', 'prueba'),"
        " ('T-R3', '003-2026', '15', 'Municipalidad sin hallazgos', 0, '2026-02-01',"
        "  'https://example.org/r3.pdf', 'prueba')"))


def _rows(engine: sa.Engine) -> dict[tuple[str, str], dict]:
    names = {c: n for n, c in CODES.items()}
    with engine.connect() as conn:
        rows = conn.execute(sa.text(
            "SELECT infobras_code, rule_code, state, severity, amount_at_risk, evidence, message"
            " FROM alert WHERE infobras_code = ANY(:c)"), {"c": list(CODES.values())}).mappings()
        return {(names[r["infobras_code"]], r["rule_code"]): dict(r) for r in rows}


def _needs(engine: sa.Engine) -> dict[str, bool | None]:
    with engine.connect() as conn:
        return dict(conn.execute(sa.text("SELECT code, needs_loaded FROM alert_rule")).all())


@pytest.fixture(scope="module")
def before_and_after(own_database: sa.Engine) -> tuple[dict, dict, dict, dict]:
    """The rules without SEACE and CGR loaded, then with them."""
    with own_database.begin() as conn:
        _works(conn)
    alerts.recompute(own_database, as_of=AS_OF)
    before = (_rows(own_database), _needs(own_database))
    with own_database.begin() as conn:
        _seace_and_cgr(conn)
    alerts.recompute(own_database, as_of=AS_OF)
    return (*before, _rows(own_database), _needs(own_database))


@pytest.fixture(scope="module")
def rows(before_and_after) -> dict:
    return before_and_after[2]


def _state(rows: dict, name: str, rule: str) -> tuple[str, str | None] | None:
    row = rows.get((name, rule))
    return None if row is None else (row["state"], row["severity"])


@pytest.mark.parametrize(("name", "rule", "expected"), [
    ("inv_20", "avance_fuentes", None),
    ("inv_20plus", "avance_fuentes", ("alerta", "media")),
    ("inv_51", "avance_fuentes", ("alerta", "alta")),
    ("inv_missing", "avance_fuentes", ("no_calculable", None)),
    ("no_cui", "avance_fuentes", ("no_calculable", None)),
    ("mef", "avance_fuentes", ("alerta", "media")),
    ("dev_20", "devengado_avance", None),
    ("dev_20plus", "devengado_avance", ("alerta", "media")),
    ("dev_missing", "devengado_avance", ("no_calculable", None)),
    ("no_cui", "devengado_avance", ("no_calculable", None)),
    ("mef", "devengado_avance", ("alerta", "media")),         # 90 − 40 = 50: not above 50
    ("dev_20plus", "brecha_financiera", None),                 # MEF's money: one alert only
    ("k_exact", "contrato_fuentes", None),                     # exactly 1 %
    ("k_over", "contrato_fuentes", ("alerta", "media")),
    ("k_one_of_two", "contrato_fuentes", None),                # one of the CUI's contracts
    ("k_none", "contrato_fuentes", ("no_calculable", None)),
    ("inv_20", "contrato_fuentes", None),                      # not let by contract
    ("f12b", "estado_fuentes", ("alerta", "media")),
    ("f12b_other", "estado_fuentes", None),
    ("mef", "estado_fuentes", ("alerta", "media")),            # CLOSED in the MEF, in execution
    ("finished", "estado_fuentes", None),                      # CLOSED and finished: agree
    ("no_cui", "estado_fuentes", ("no_calculable", None)),
    ("inv_20", "control_entidad", ("senal", None)),
    ("finished", "control_entidad", None),                     # finished: no signal
    ("clean_entity", "control_entidad", None),                 # no one responsible
])
def test_rule_at_its_edges(rows, name, rule, expected):
    assert _state(rows, name, rule) == expected


def test_sentences_name_both_sources_and_their_dates(rows):
    text = rows[("mef", "avance_fuentes")]["message"]
    assert text.startswith("INFObras registra un avance físico de 40,0 % (al 10 de mayo de 2026)"
                           " e Invierte.pe (MEF) uno de 75,0 % (al 31 de marzo de 2026): 35,0 "
                           "puntos de diferencia.")
    assert text.endswith("Una alerta no prueba una irregularidad.")
    dev = rows[("mef", "devengado_avance")]
    assert dev["message"].startswith("El MEF registra un devengado de S/ 900 000 (90,0 % del "
                                     "costo actualizado, al 30 de abril de 2026) e INFObras")
    assert float(dev["amount_at_risk"]) == 500_000                  # 50 % of 1,000,000
    k = rows[("k_over", "contrato_fuentes")]
    assert "S/ 1 010 100" in k["message"] and "S/ 1 000 000" in k["message"]
    assert float(k["amount_at_risk"]) == 10_100 and k["evidence"]["contratos_seace"] == 1
    assert "cerrada (Banco de Inversiones" in rows[("mef", "estado_fuentes")]["message"]
    assert rows[("f12b", "estado_fuentes")]["evidence"]["fecha_estado_f12b"] == "2026-05-12"
    assert "la obra no tiene CUI" in rows[("no_cui", "avance_fuentes")]["message"]
    assert "su fuente (paralizadas) no trae" in rows[("inv_missing", "avance_fuentes")]["message"]


def test_the_signal_is_no_alert(rows, own_database):
    signal = rows[("inv_20", "control_entidad")]
    assert signal["amount_at_risk"] is None
    assert [r["id"] for r in signal["evidence"]["informes_recientes"]] == ["T-R2", "T-R1"]
    assert "2 informes de control" in signal["message"]
    assert "3 personas con presunta responsabilidad" in signal["message"]
    with own_database.connect() as conn:
        in_rollup = conn.execute(sa.text(
            "SELECT count(*) FROM alert_work WHERE 'control_entidad' = ANY(rules)")).scalar()
    assert in_rollup == 0


def test_a_missing_source_is_not_evaluable_never_no_alert(before_and_after):
    before, needs_before, _after, needs_after = before_and_after
    assert (needs_before["contrato_fuentes"], needs_before["control_entidad"]) == (False, False)
    assert (needs_after["contrato_fuentes"], needs_after["control_entidad"]) == (True, True)
    for name in ("k_exact", "k_over", "k_one_of_two", "k_none"):      # no SEACE at all
        assert before[(name, "contrato_fuentes")]["state"] == "no_calculable"
    assert not any(rule == "control_entidad" for _, rule in before)


def test_data_page_names_the_rules_it_could_not_evaluate(pages):  # noqa: F811
    section = pages.datos.rules_section({"works": 10, "rules": [
        {"code": "contrato_fuentes", "name": "Monto del contrato distinto", "kind": "alerta",
         "needs": "contratos del SEACE", "needs_loaded": False, "alerts": 0, "signals": 0,
         "not_computable": 4, "evaluated": 0, "unit": "obras"},
        {"code": "paralizada", "name": "Obra paralizada", "kind": "alerta", "needs": None,
         "needs_loaded": None, "alerts": 3, "signals": 0, "not_computable": 0,
         "evaluated": 10, "unit": "obras"}]})
    text = str(section.to_plotly_json())
    assert "No evaluable: falta contratos del SEACE" in text
    assert "No se pudieron evaluar por falta de datos: Monto del contrato distinto." in text
