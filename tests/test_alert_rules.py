"""The alert rules on hand-made works: at, below and above each threshold, the works a rule
cannot evaluate, the evidence and the sentence, and the recompute as one transaction."""

from __future__ import annotations

import re
from datetime import date

import pytest
import sqlalchemy as sa

from geodata import alert_rules, alerts, procurement_flags
from geodata.runs import run_cli
from tests.alerts_support import AS_OF, insert_works, ruc

pytestmark = pytest.mark.db

TOKEN = "zzalertas"
BASE = 9_700_000
CUSCO = (-71.97, -13.52)      # inside 080101 Cusco
ATE = (-76.89, -12.03)        # inside 150103 Ate
OUTSIDE = (-80.0, -20.0)      # the Pacific, in no district
GOOD_RUC = ruc("2010000001")
FIRM_MANY, FIRM_TWO = ruc("2060000001"), ruc("2060000002")

# name -> columns that differ from alerts_support.DEFAULTS (a work that trips nothing).
CASES: dict[str, dict] = {
    # paralizada: 6 calendar months or more without physical progress
    "par_hist_7": {}, "par_hist_6": {}, "par_hist_5": {},
    "par_status": {"status": "paralizada", "paralysis_date": date(2025, 1, 15),
                   "last_progress_date": None},
    "par_last_6": {"last_progress_date": date(2025, 11, 20)},
    "par_last_5": {"last_progress_date": date(2025, 12, 1)},
    "par_nodata": {"last_progress_date": None, "last_update": None},
    "par_finished": {"status": "finalizada", "real_end": date(2024, 1, 1),
                     "last_progress_date": date(2023, 12, 1)},
    "par_not_started": {"status": "sin_ejecucion", "last_progress_date": None,
                        "start_date": None},
    "par_complete": {"physical_progress": 100, "last_progress_date": date(2024, 1, 1)},
    # retrasada: past the (re)programmed end; alta above 12 months
    "late_1day": {"programmed_end": date(2026, 5, 30)},
    "late_reprog": {"programmed_end": date(2025, 1, 1), "reprogrammed_end": AS_OF},
    "late_12m": {"programmed_end": date(2025, 5, 1)},
    "late_13m": {"programmed_end": date(2025, 4, 30)},
    "late_finished": {"status": "finalizada", "programmed_end": date(2024, 1, 1),
                      "real_end": date(2024, 6, 1)},
    # sobrecosto: > 10 % media, > 30 % alta
    "cost_10": {"amount_technical_file": 100_000, "amount_updated": 110_000},
    "cost_10plus": {"amount_technical_file": 100_000, "amount_updated": 110_001},
    "cost_30": {"amount_technical_file": 100_000, "amount_updated": 130_000},
    "cost_30plus": {"amount_technical_file": 100_000, "amount_updated": 130_100},
    "cost_no_file": {"amount_technical_file": None},
    "cost_zero_file": {"amount_technical_file": 0},
    "cost_no_updated": {"amount_technical_file": 100_000, "amount_updated": None,
                        "amount_contract": None},
    # adicionales: > 15 % of the contract media, > 50 % alta
    "add_15": {"modality": "Contrata", "amount_contract": 1_000_000,
               "amount_additional": 150_000},
    "add_15plus": {"modality": "Contrata", "amount_contract": 1_000_000,
                   "amount_additional": 150_001},
    "add_50": {"modality": "Contrata", "amount_contract": 1_000_000,
               "amount_additional": 500_000},
    "add_50plus": {"modality": "Contrata", "amount_contract": 1_000_000,
                   "amount_additional": 500_001},
    "add_no_contract": {"modality": "Contrata", "amount_additional": 10_000},
    "add_no_additional": {"modality": "Contrata", "amount_contract": 1_000_000},
    "add_source": {"modality": "Contrata", "source": "paralizadas"},
    # brecha_financiera: financial ahead of physical by > 20 points, alta > 50
    "gap_20": {"financial_progress": 60, "physical_progress": 40},
    "gap_20plus": {"financial_progress": 60.01, "physical_progress": 40},
    "gap_50": {"financial_progress": 90, "physical_progress": 40},
    "gap_50plus": {"financial_progress": 90.5, "physical_progress": 40},
    "gap_no_physical": {"physical_progress": None},
    # registro_desactualizado: in execution, no update for more than 3 months
    "stale_3": {"last_update": date(2026, 2, 15), "last_progress_date": date(2026, 2, 1)},
    "stale_4": {"last_update": date(2026, 1, 31), "last_progress_date": None},
    "stale_history": {"last_update": date(2025, 1, 1), "last_progress_date": None},
    "stale_nodata": {"last_update": None, "last_progress_date": None},
    "stale_paralysed": {"status": "paralizada", "last_update": date(2024, 1, 1),
                        "paralysis_date": date(2024, 1, 1)},
    # inicio_tardio: started more than 2 years after the technical file's approval
    "start_2y": {"approval_date": date(2021, 1, 1), "start_date": date(2023, 1, 1)},
    "start_2y1d": {"approval_date": date(2021, 1, 1), "start_date": date(2023, 1, 2)},
    "start_never": {"status": "sin_ejecucion", "approval_date": date(2023, 1, 1),
                    "start_date": None, "last_progress_date": None},
    "start_no_approval": {},
    "start_no_start": {"approval_date": date(2020, 1, 1), "start_date": None},
    # ubicacion_fuera_distrito: surveyed point more than 1 km outside the declared district
    "loc_other_region": {"geom": CUSCO, "geom_source": "surveyed", "coords_ubigeo": "080101",
                         "location_mismatch": True},
    "loc_neighbour": {"geom": ATE, "geom_source": "surveyed", "coords_ubigeo": "150103",
                      "location_mismatch": True},
    "loc_edge": {"geom_source": "surveyed", "location_mismatch": True},  # point set below
    "loc_ok": {"geom": (-77.03, -12.05), "geom_source": "surveyed", "coords_ubigeo": "150101"},
    "loc_capital": {"geom": (-77.03, -12.05), "geom_source": "district_capital"},
    "loc_sea": {"geom": OUTSIDE, "geom_source": "surveyed", "location_mismatch": True},
    "loc_no_polygon": {"ubigeo": "210103", "geom": (-69.71, -15.66),
                       "geom_source": "surveyed", "location_mismatch": True},
    # sin_contratista_supervisor: by contract, started
    "party_ok": {"modality": "Contrata", "contractor_ruc": GOOD_RUC,
                 "supervisor_name": "Supervisora"},
    "party_no_ruc": {"modality": "Contrata", "supervisor_name": "Supervisora"},
    "party_bad_ruc": {"modality": "Contrata", "contractor_ruc": "20100000000",
                      "supervisor_name": "Supervisora"},
    "party_no_sup": {"modality": "Contrata", "contractor_ruc": GOOD_RUC},
    "party_none": {"modality": "Contrata"},
    "party_source": {"modality": "Contrata", "source": "paralizadas"},
    "party_direct": {},
    "party_not_started": {"modality": "Contrata", "status": "sin_ejecucion"},
    # contratista_paralizadas: one firm's paralysed works in 3 or more districts
    "firm_a": {"status": "paralizada", "paralysis_date": date(2026, 4, 1),
               "contractor_ruc": FIRM_MANY, "contractor_name": "Consorcio Muchos"},
    "firm_b": {"ubigeo": "150103", "status": "paralizada", "contractor_ruc": FIRM_MANY,
               "contractor_name": "Consorcio Muchos"},
    "firm_c": {"ubigeo": "080101", "contractor_ruc": FIRM_MANY,   # paralysed by the rule
               "contractor_name": "Consorcio Muchos", "last_progress_date": date(2025, 1, 1)},
    "firm_d_running": {"ubigeo": "080108", "contractor_ruc": FIRM_MANY},
    "firm_two_a": {"status": "paralizada", "contractor_ruc": FIRM_TWO},
    "firm_two_b": {"status": "paralizada", "contractor_ruc": FIRM_TWO},
    "firm_two_c": {"ubigeo": "150103", "status": "paralizada", "contractor_ruc": FIRM_TWO},
}
CODE = {name: BASE + i for i, name in enumerate(CASES)}
# Monthly physical progress (cumulative %), month -> value.
HISTORY = {
    "par_hist_7": {date(2025, 9, 1): 10, date(2025, 10, 1): 20, date(2025, 11, 1): 20,
                   date(2026, 5, 1): 20},
    "par_hist_6": {date(2025, 10, 1): 10, date(2025, 11, 1): 20, date(2026, 4, 1): 20},
    "par_hist_5": {date(2025, 11, 1): 10, date(2025, 12, 1): 20},
    "stale_history": {date(2026, 3, 1): 35, date(2026, 4, 1): 40},
}


def _insert(conn: sa.Connection) -> None:
    insert_works(conn, CODE, CASES, TOKEN, HISTORY)
    # A point 300 m outside Lima's boundary, towards Ate: mismatched, within the tolerance.
    conn.execute(sa.text("""
        WITH d AS (SELECT geom FROM area WHERE ubigeo = '150101'),
             t AS (SELECT ST_SetSRID(ST_MakePoint(:x, :y), 4326) AS p),
             c AS (SELECT ST_ClosestPoint(d.geom, t.p) AS cp, t.p FROM d, t)
        UPDATE work SET geom = (SELECT ST_Project(cp::geography, 300,
                                                  ST_Azimuth(cp, p))::geometry FROM c)
        WHERE infobras_code = :code"""), {"x": ATE[0], "y": ATE[1], "code": CODE["loc_edge"]})


@pytest.fixture(scope="module")
def computed(national_areas):
    """The hand-made works in the database and the alerts computed at AS_OF."""
    with national_areas.begin() as conn:
        _insert(conn)
    summary = alerts.recompute(national_areas, as_of=AS_OF)
    return summary, _alerts(national_areas)


def _alerts(engine) -> dict[tuple[str, str], dict]:
    with engine.connect() as conn:
        rows = conn.execute(sa.text(
            "SELECT infobras_code, rule_code, state, severity, amount_at_risk, evidence, message,"
            " computed_at FROM alert WHERE infobras_code = ANY(:c)"),
            {"c": list(CODE.values())}).mappings()
        names = {v: k for k, v in CODE.items()}
        return {(names[r["infobras_code"]], r["rule_code"]): dict(r) for r in rows}


def _result(computed, name: str, rule: str) -> dict | None:
    return computed[1].get((name, rule))


def _severity(computed, name: str, rule: str) -> str | None:
    row = _result(computed, name, rule)
    if row is None:
        return None
    return row["severity"] if row["state"] == "alerta" else "no_calculable"


@pytest.mark.parametrize(("rule", "expected"), [
    ("paralizada", {"par_hist_7": "alta", "par_hist_6": "alta", "par_hist_5": None,
                    "par_status": "alta", "par_last_6": "alta", "par_last_5": None,
                    "par_nodata": "no_calculable", "par_finished": None,
                    "par_not_started": None, "par_complete": None}),
    ("retrasada", {"late_1day": "media", "late_reprog": None, "late_12m": "media",
                   "late_13m": "alta", "late_finished": None, "par_nodata": "no_calculable"}),
    ("sobrecosto", {"cost_10": None, "cost_10plus": "media", "cost_30": "media",
                    "cost_30plus": "alta", "cost_no_file": "no_calculable",
                    "cost_zero_file": "no_calculable", "cost_no_updated": "no_calculable"}),
    ("adicionales", {"add_15": None, "add_15plus": "media", "add_50": "media",
                     "add_50plus": "alta", "add_no_contract": "no_calculable",
                     "add_no_additional": None, "add_source": "no_calculable",
                     "party_direct": None}),
    ("brecha_financiera", {"gap_20": None, "gap_20plus": "media", "gap_50": "media",
                           "gap_50plus": "alta", "gap_no_physical": "no_calculable"}),
    ("registro_desactualizado", {"stale_3": None, "stale_4": "baja", "stale_history": None,
                                 "stale_nodata": "no_calculable", "stale_paralysed": None}),
    ("inicio_tardio", {"start_2y": None, "start_2y1d": "baja", "start_never": "baja",
                       "start_no_approval": "no_calculable",
                       "start_no_start": "no_calculable"}),
    ("ubicacion_fuera_distrito", {"loc_other_region": "alta", "loc_neighbour": "media",
                                  "loc_edge": None, "loc_ok": None,
                                  "loc_capital": "no_calculable", "loc_sea": "alta",
                                  "loc_no_polygon": "no_calculable",
                                  "par_nodata": "no_calculable"}),
    ("sin_contratista_supervisor", {"party_ok": None, "party_no_ruc": "media",
                                    "party_bad_ruc": "media", "party_no_sup": "baja",
                                    "party_none": "media", "party_source": "no_calculable",
                                    "party_direct": None, "party_not_started": None}),
    ("contratista_paralizadas", {"firm_a": "alta", "firm_b": "alta", "firm_c": "alta",
                                 "firm_d_running": None, "firm_two_a": None,
                                 "firm_two_b": None, "firm_two_c": None}),
])
def test_rule_at_below_and_above_its_threshold(computed, rule, expected):
    got = {name: _severity(computed, name, rule) for name in expected}
    assert got == expected


def test_paralysed_evidence_and_sentence(computed):
    row = _result(computed, "par_hist_7", "paralizada")
    assert row["message"] == (
        "Sin avance físico desde octubre de 2025: 7 meses según su historial mensual de "
        "avance. La Contraloría considera paralizada una obra sin avance físico durante 6 "
        "meses o más.")
    assert row["evidence"]["base"] == "historial"
    assert row["evidence"]["desde"] == "2025-10-01"          # the month it last went up
    assert row["evidence"]["meses_sin_avance"] == 7
    assert row["evidence"]["fecha_corte"] == AS_OF.isoformat()
    assert float(row["amount_at_risk"]) == 600_000           # 1 000 000 − 400 000 accrued
    status = _result(computed, "par_status", "paralizada")
    assert status["message"].startswith("Paralizada desde enero de 2025: 16 meses según la "
                                        "fecha de paralización registrada.")
    nodata = _result(computed, "par_nodata", "paralizada")
    assert nodata["severity"] is None and nodata["amount_at_risk"] is None
    assert nodata["message"].startswith("No se puede saber si está paralizada")
    assert set(nodata["evidence"]["faltan"]) == {"work_progress", "last_physical_advance",
                                                 "paralysis_date", "last_progress_date"}


@pytest.mark.parametrize(("name", "rule", "message", "evidence", "risk"), [
    ("late_1day", "retrasada", "Debía terminar el 30 de mayo de 2026 (fecha programada) y no "
     "ha terminado: 1 día de retraso.", {"dias_retraso": 1}, 600_000),
    ("late_13m", "retrasada", "Debía terminar el 30 de abril de 2025 (fecha programada) y no "
     "ha terminado: 13 meses de retraso.", {"meses_retraso": 13}, 600_000),
    ("cost_30plus", "sobrecosto", "Su costo actualizado (S/ 130 100) supera en 30,1 % al "
     "monto del expediente técnico (S/ 100 000): S/ 30 100 más.", {"sobrecosto_pct": 30.1},
     30_100),
    ("add_50plus", "adicionales", "Adicionales de obra por S/ 500 001: 50,0 % del monto del "
     "contrato (S/ 1 000 000). Por encima del 15 % del contrato, los adicionales necesitan "
     "autorización previa de la Contraloría (tope legal: 50 %).",
     {"adicionales_pct": 50.0}, 500_001),
    ("gap_50plus", "brecha_financiera", "Su avance financiero (90,5 %) supera al físico "
     "(40,0 %) en 50,5 puntos: se ha pagado más de lo construido.", {"brecha_puntos": 50.5},
     505_000),
    ("gap_no_physical", "brecha_financiera", "No se puede comparar lo pagado con lo "
     "construido: no tiene avance físico.", {"faltan": ["physical_progress"]}, None),
    ("stale_4", "registro_desactualizado", "Figura en ejecución, pero su información no se "
     "actualiza desde enero de 2026: 4 meses. La entidad debe registrar el avance de la obra "
     "cada mes.", {"meses": 4}, 600_000),
    ("start_never", "inicio_tardio", "Su expediente técnico se aprobó el 1 de enero de 2023 y "
     "la obra aún no empieza: 3,4 años. Un expediente técnico de más de 2 años puede estar "
     "desactualizado.", {"fecha_aprobacion": "2023-01-01"}, 600_000),
    ("party_bad_ruc", "sin_contratista_supervisor", "El RUC del contratista registrado "
     "(20100000000) no es válido.", {"ruc_valido": False}, 600_000),
    ("party_source", "sin_contratista_supervisor", "No se puede verificar: la fuente de esta "
     "obra (paralizadas) no informa contratista ni supervisor.", {"fuente": "paralizadas"},
     None),
])
def test_sentence_and_evidence(computed, name, rule, message, evidence, risk):
    row = _result(computed, name, rule)
    assert row["message"] == message
    assert {k: row["evidence"][k] for k in evidence} == evidence
    assert (None if row["amount_at_risk"] is None else float(row["amount_at_risk"])) == risk


def test_location_evidence(computed, national_areas):
    with national_areas.connect() as conn:
        names = dict(conn.execute(sa.text(
            "SELECT ubigeo, name FROM area WHERE ubigeo IN ('080101', '150101')")).all())
    row = _result(computed, "loc_other_region", "ubicacion_fuera_distrito")
    ev = row["evidence"]
    assert (ev["ubigeo_declarado"], ev["ubigeo_coordenadas"]) == ("150101", "080101")
    assert 500 < ev["distancia_km"] < 700                     # Lima to Cusco
    assert row["message"].startswith(f"Sus coordenadas caen en {names['080101']} (")
    assert f"del distrito declarado ({names['150101']}, " in row["message"]
    assert _result(computed, "loc_sea", "ubicacion_fuera_distrito")["message"].startswith(
        "Sus coordenadas caen fuera de los distritos del Perú")


def test_contractor_evidence(computed):
    row = _result(computed, "firm_c", "contratista_paralizadas")
    assert row["evidence"]["distritos"] == 3 and row["evidence"]["obras_paralizadas"] == 3
    assert row["evidence"]["ubigeos"] == ["080101", "150101", "150103"]
    assert row["message"] == (f"Su contratista (Consorcio Muchos, RUC {FIRM_MANY}) tiene 3 "
                              "obras paralizadas en 3 distritos.")


def test_rollup_and_rule_table(computed, national_areas):
    summary, _ = computed
    with national_areas.connect() as conn:
        rollup = conn.execute(sa.text(
            "SELECT alerts, alta, media, baja, amount_at_risk, rules FROM alert_work"
            " WHERE infobras_code = :c"), {"c": CODE["par_hist_7"]}).mappings().one()
        rules = dict(conn.execute(sa.text("SELECT code, threshold FROM alert_rule")).all())
        run = conn.execute(sa.text(
            "SELECT status, source_date, loaded FROM load_run WHERE loader = 'alertas'"
            " ORDER BY id DESC LIMIT 1")).one()
    assert rollup["rules"] == ["paralizada"] and rollup["alta"] == 1 == rollup["alerts"]
    assert rules == {r.code: dict(r.threshold) for r in alert_rules.RULES}
    assert run == ("ok", AS_OF, summary.alerts + summary.not_computable)
    assert summary.as_of == AS_OF and summary.alerts > 0 and summary.not_computable > 0


def test_recompute_is_idempotent(computed, national_areas):
    again = alerts.recompute(national_areas, as_of=AS_OF)
    fresh = _alerts(national_areas)
    strip = {k: {f: v for f, v in row.items() if f != "computed_at"}
             for k, row in computed[1].items()}
    assert {k: {f: v for f, v in row.items() if f != "computed_at"}
            for k, row in fresh.items()} == strip
    assert again.by_rule == computed[0].by_rule


def test_failed_recompute_keeps_the_old_alerts(computed, national_areas, monkeypatch):
    before = _alerts(national_areas)
    broken = alerts.RULE_SQL["contratista_paralizadas"] + " WHERE no_such_column > 0"
    monkeypatch.setitem(alerts.RULE_SQL, "contratista_paralizadas", broken)
    with pytest.raises(sa.exc.ProgrammingError):
        alerts.recompute(national_areas, as_of=date(2027, 1, 1))
    assert _alerts(national_areas) == before
    with national_areas.connect() as conn:
        status = conn.execute(sa.text("SELECT status FROM load_run WHERE loader = 'alertas'"
                                      " ORDER BY id DESC LIMIT 1")).scalar_one()
    assert status == "failed"


def test_thresholds_are_configurable(computed, national_areas):
    try:
        alerts.recompute(national_areas, as_of=AS_OF,
                         thresholds={"paralizada": {"umbral_meses": 7}})
        changed = _alerts(national_areas)
        assert ("par_hist_7", "paralizada") in changed
        assert ("par_hist_6", "paralizada") not in changed
        assert "durante 7 meses o más" in changed[("par_hist_7", "paralizada")]["message"]
    finally:
        alerts.recompute(national_areas, as_of=AS_OF)
    with pytest.raises(alert_rules.ThresholdError, match="no tiene el umbral"):
        alert_rules.rules({"paralizada": {"meses": 3}})
    with pytest.raises(alert_rules.ThresholdError, match="No existe la regla"):
        alert_rules.rules({"paralizadas": {"umbral_meses": 3}})


def test_default_cut_off_is_the_data_date(computed, national_areas):
    with national_areas.connect() as conn, conn.begin() as tx:
        conn.execute(sa.text("UPDATE work SET source_date = '2031-02-03' WHERE infobras_code = :c"),
                     {"c": CODE["par_hist_7"]})
        assert alerts.default_as_of(conn) == date(2031, 2, 3)
        tx.rollback()


def test_command_line(computed, capsys):
    assert run_cli(alerts.main, ["--fecha-corte", AS_OF.isoformat()]) == 0
    assert "Alertas recalculadas al 31/05/2026" in capsys.readouterr().out
    assert run_cli(alerts.main, ["--umbral", "paralizada.meses=3"]) == 1
    assert "no tiene el umbral «meses»" in capsys.readouterr().err


# -- the rules themselves (no database needed) ---------------------------------------------------
@pytest.mark.parametrize("rule", alert_rules.RULES, ids=lambda r: r.code)
def test_every_sentence_is_complete(rule):
    """Thresholds are written in; every other placeholder is a figure the rule's SQL names."""
    assert rule.severity in alert_rules.SEVERITIES and rule.source and rule.amount_at_risk
    sql = {**alerts.RULE_SQL, **procurement_flags.RULE_SQL}[rule.code]  # works or SEACE
    for column in rule.columns():
        assert re.search(rf"\bAS {column}\b", sql), column
    for variant in rule.messages:
        assert re.search(rf"'{variant}'", sql), variant
        text = rule.sql_format(variant)
        assert "{" not in text and "}" not in text
        positions = {int(n) for n in re.findall(r"%(\d+)\$s", text)}
        assert positions <= set(range(1, len(rule.columns()) + 1))
    assert "{" not in alert_rules.describe(rule)


# -- the sentences in the reader's language (layers/alert_text.py) -----------------------------
def _declared_place(engine, code: int) -> str:
    with engine.connect() as conn:
        return conn.execute(sa.text(
            "SELECT d.name || ', ' || d.region_name FROM work w JOIN area d USING (ubigeo) "
            "WHERE w.infobras_code = :c"), {"c": code}).scalar_one()


def test_sentences_rewritten_from_the_evidence_equal_the_stored_ones(computed, national_areas):
    """Spanish from the variant and the evidence's raw figures (Python) is the sentence SQL
    wrote: the figures a translation is filled with are the right ones, for every variant the
    hand-made works reach."""
    from layers import alert_text

    variants = set()
    for (name, code), row in computed[1].items():
        if code not in alert_text.FIGURES:   # a rule still written in Spanish only
            continue
        variant = row["evidence"]["variante"]
        place = _declared_place(national_areas, CODE[name])
        rendered = alert_text.render(alert_rules.RULES_BY_CODE[code], variant, row["evidence"],
                                     place)
        assert rendered == row["message"], (name, code)
        variants.add((code, variant))
    every = {(r.code, v) for r in alert_rules.RULES for v in r.messages
             if r.code in alert_text.FIGURES}
    assert len(variants) >= len(every) - 3, sorted(every - variants)


def test_sentences_in_runasimi(computed, national_areas):
    """In Quechua every alert of the hand-made works is written from its template (never the
    Spanish fallback), its figures in the qu_PE locale."""
    from flask import Flask

    from layers import alert_text

    with Flask(__name__).test_request_context("/?lang=qu"):
        for (name, code), row in computed[1].items():
            if code not in alert_text.FIGURES:
                continue
            place = _declared_place(national_areas, CODE[name])
            text = alert_text.sentence(row, place)
            assert text != row["message"] and "{" not in text, (name, text)
        row = _result(computed, "cost_30plus", "sobrecosto")
        assert "S/ 130,100" in alert_text.sentence(row) and "30.1 %" in alert_text.sentence(row)
