"""Recompute every alert in PostGIS: `recompute()` or `python -m geodata.alerts`.

Each rule of geodata/alert_rules.py is one set-based INSERT ... SELECT over the works. All of
them run in one transaction that replaces the previous alerts, so a failed recompute leaves the
old ones in place, and readers keep seeing the old alerts until it commits. The recompute is
recorded as a load run (loader "alertas"), which also renews the dashboard's cache key.

The date the rules measure against ("fecha de corte") is the data's own date, not the wall
clock: the newest `source_date` of the works, else the date of the last load.
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa

from geodata import alert_rules, procurement_flags
from geodata.alert_rules import LOADER, NOT_COMPUTABLE_PREFIX, Rule
from geodata.runs import LoaderError, Parser, load_run, run_cli
from queries import db, entity_figures, work_sources

_LOCK_KEY = 7_424_243  # one recompute at a time

# -- shared SQL fragments (the rules below read the work table as `w`) -----------------------
NOT_FINISHED = "w.status <> 'finalizada' AND w.real_end IS NULL"
BALANCE = "GREATEST(w.amount_investment - COALESCE(w.amount_accrued, 0), 0)"
CONTRATA = "w.modality = 'Contrata'"   # the vocabulary's label (geodata/vocabulary.py)
# Each work is judged at the date its own source describes (never after the run's cut-off):
# a file of May 2026 says nothing of June, so its works do not age with a later export's.
CUT = "LEAST(COALESCE(w.source_date, :as_of), :as_of)"

# Per work with a monthly history: the last month its physical progress went up, and the first
# and last months reported. Progress is cumulative, so the last rise is the first month at which
# the highest value was reached: the minimum of (−progress, month) in one hash-aggregate pass
# (twice as fast as a window over the ~5M rows of a national history).
HISTORY_SQL = """
CREATE TEMP TABLE alert_hist ON COMMIT DROP AS
SELECT infobras_code,
       CASE WHEN max(physical_real) IS NOT NULL THEN DATE '2000-01-01'
            + (min(ARRAY[-physical_real, month - DATE '2000-01-01']))[2]::int END
           AS last_advance,
       min(month) AS first_month,
       max(month) AS last_month
FROM work_progress WHERE month <= :as_of
GROUP BY infobras_code;
"""

# What the other sources say of each work, for the between-source rules, read once:
# - alert_mef: per CUI, each MEF field from the first source that has it, in the stated
#   precedence (investment_source_rank: Banco, SSI list, Formato 8), with its source and date:
#   the investment's status, and the execution figures a MEF file may carry (typed into
#   `extra` by its loader: avance_fisico, devengado_acumulado and their dates);
# - alert_other: per work, Invierte.pe's physical progress, MEF's devengado with its cost, and
#   the states: from the work's own source where it carries MEF's figures (the paralysed-works
#   file's avance_fisico_invierte, devengado, F12B state), else from its investment (by CUI);
# - alert_seace: per work, the contracts of the SEACE works processes linked to it by its CUI
#   (summed as the work page sums them: queries.work_sources._seace_contract_amount).
SOURCES_SQL = """
CREATE TEMP TABLE alert_mef ON COMMIT DROP AS
SELECT s.cui, s.status, s.status_source, s.status_date, p.physical, p.physical_date,
       a.accrued, a.accrued_date, a.accrued_cost
FROM (SELECT DISTINCT ON (cui) cui, status, source AS status_source,
             COALESCE(source_date, last_modified) AS status_date
      FROM investment_source
      ORDER BY cui, status IS NULL, investment_source_rank(source)) AS s
LEFT JOIN (SELECT DISTINCT ON (cui) cui, alert_jnum(extra->'avance_fisico') AS physical,
                  alert_jdate(extra->'fecha_avance_fisico') AS physical_date
           FROM investment_source
           WHERE extra ? 'avance_fisico' AND alert_jnum(extra->'avance_fisico') IS NOT NULL
           ORDER BY cui, investment_source_rank(source)) AS p USING (cui)
LEFT JOIN (SELECT DISTINCT ON (cui) cui, alert_jnum(extra->'devengado_acumulado') AS accrued,
                  alert_jdate(extra->'fecha_devengado') AS accrued_date,
                  amount_updated AS accrued_cost
           FROM investment_source
           WHERE extra ? 'devengado_acumulado'
             AND alert_jnum(extra->'devengado_acumulado') IS NOT NULL
           ORDER BY cui, investment_source_rank(source)) AS a USING (cui);
CREATE INDEX ON alert_mef (cui);
ANALYZE alert_mef;

CREATE TEMP TABLE alert_other ON COMMIT DROP AS
SELECT w.infobras_code, w.cui AS cui, m.cui IS NOT NULL AS in_mef,
       f.physical IS NOT NULL AS own_physical, f.accrued IS NOT NULL AS own_accrued,
       COALESCE(f.physical, m.physical) AS physical,
       CASE WHEN f.physical IS NOT NULL
            THEN alert_jdate(f.extra->'fecha_ult_avance_fisico_invierte')
            ELSE m.physical_date END AS physical_date,
       COALESCE(f.accrued, m.accrued) AS accrued,
       CASE WHEN f.accrued IS NOT NULL THEN alert_jdate(f.extra->'fecha_ult_devengado')
            ELSE m.accrued_date END AS accrued_date,
       CASE WHEN f.accrued IS NOT NULL THEN w.amount_updated ELSE m.accrued_cost END AS cost,
       m.status AS mef_status, m.status_source, m.status_date,
       f.extra->>'fuente_estado_final' AS final_from, f.extra->>'sustento_estado' AS final_basis,
       left(f.extra->>'ult_estado_situacional_F12B', 400) AS f12b_text,
       alert_jdate(f.extra->'fecha_est_sit_F12B') AS f12b_date
FROM work w
LEFT JOIN alert_mef m ON m.cui = cui_key(w.cui)
-- Only a source that carries MEF's figures has them in `extra` (read once: the demo export's
-- `extra` is large, and detoasting it for every work cost most of this statement).
CROSS JOIN LATERAL (SELECT CASE WHEN w.source = ANY(:sources_financial_mef) THEN w.extra END
                    AS extra) AS e
CROSS JOIN LATERAL (SELECT e.extra, alert_jnum(e.extra->'avance_fisico_invierte') AS physical,
        CASE WHEN w.source = ANY(:sources_financial_mef) THEN w.amount_accrued END AS accrued
    ) AS f
WHERE m.cui IS NOT NULL OR w.source = ANY(:sources_financial_mef);
CREATE INDEX ON alert_other (infobras_code);
ANALYZE alert_other;

CREATE TEMP TABLE alert_seace ON COMMIT DROP AS
SELECT l.object_key::bigint AS infobras_code, sum(c.amount) AS amount, count(*) AS contracts,
       max(COALESCE(c.source_date, p.source_date)) AS source_date,
       (array_agg(c.id ORDER BY c.id))[1:10] AS ids,
       array_agg(c.amount ORDER BY c.id) AS amounts
FROM source_link l
JOIN procurement_process p ON p.id = l.subject_key
JOIN contract c ON c.process_id = p.id AND c.amount IS NOT NULL
WHERE l.subject_kind = 'process' AND l.object_kind = 'work'
  AND lower(btrim(p.object)) LIKE :works_object
GROUP BY 1;
CREATE INDEX ON alert_seace (infobras_code);
ANALYZE alert_seace;
"""


def _why_no_mef(figure: str) -> str:
    """SQL for the reason a work lacks MEF's `figure` (reads w and o = alert_other)."""
    return f"""CASE WHEN w.source = ANY(:sources_financial_mef) AND NOT COALESCE(o.in_mef, false)
                THEN 'su fuente (' || w.source || ') no trae {figure} de esta obra'
            WHEN cui_key(w.cui) IS NULL THEN 'la obra no tiene CUI'
            WHEN NOT COALESCE(o.in_mef, false)
                THEN 'su CUI (' || cui_key(w.cui) || ') no está en las fuentes del MEF cargadas'
            ELSE 'las fuentes del MEF cargadas no traen {figure} de su CUI ('
                 || cui_key(w.cui) || ')' END"""


def _date_or(column: str) -> str:
    return f"COALESCE('al ' || alert_date_es({column}), 'sin fecha')"

# Each rule's SELECT returns: infobras_code, variant (a key of the rule's messages), severity,
# amount_at_risk, evidence (jsonb for an alert), missing (jsonb for "no calculable") and one
# text column per figure its sentences name. Rows are only the works that trip the rule or
# cannot be evaluated; a work the rule does not apply to, or that passes it, has no row.
RULE_SQL: dict[str, str] = {
    "paralizada": f"""
SELECT w.infobras_code, v.variant, 'alta' AS severity, {BALANCE} AS amount_at_risk,
       jsonb_build_object('base', v.variant, 'desde', v.since, 'meses_sin_avance', v.months,
                          'estado', w.status, 'avance_fisico', w.physical_progress,
                          'fecha_paralizacion', w.paralysis_date,
                          'fecha_ultimo_avance', w.last_progress_date,
                          'ultimo_avance_segun_fuente', w.last_physical_advance,
                          'ultimo_mes_historial', h.last_month) AS evidence,
       alert_missing('work_progress', 'last_physical_advance', 'paralysis_date',
                     'last_progress_date') AS missing,
       alert_month_es(v.since) AS desde, v.months::text AS meses
FROM work w
LEFT JOIN alert_hist h USING (infobras_code)
CROSS JOIN LATERAL (SELECT CASE
        WHEN h.infobras_code IS NOT NULL THEN COALESCE(h.last_advance, w.start_date, h.first_month)
        WHEN w.last_physical_advance IS NOT NULL THEN w.last_physical_advance
        WHEN w.status = 'paralizada' AND w.paralysis_date IS NOT NULL THEN w.paralysis_date
        ELSE w.last_progress_date END AS since) AS s
CROSS JOIN LATERAL (SELECT s.since, alert_months(s.since, {CUT}) AS months, CASE
        WHEN h.infobras_code IS NOT NULL THEN 'historial'
        WHEN w.last_physical_advance IS NOT NULL THEN 'avance_fuente'
        WHEN w.status = 'paralizada' AND w.paralysis_date IS NOT NULL THEN 'fecha_paralizacion'
        WHEN w.last_progress_date IS NOT NULL THEN 'ultimo_avance'
        ELSE 'nc_sin_datos' END AS variant) AS v
WHERE {NOT_FINISHED} AND w.status <> 'sin_ejecucion'
  AND COALESCE(w.physical_progress, 0) < 100
  AND (v.since IS NULL OR v.months >= :umbral_meses)
""",
    "retrasada": f"""
SELECT w.infobras_code, CASE WHEN e.due IS NULL THEN 'nc_sin_fecha' ELSE 'vencida' END AS variant,
       CASE WHEN alert_months(e.due, {CUT}) > :umbral_alta_meses THEN 'alta' ELSE 'media' END
           AS severity,
       {BALANCE} AS amount_at_risk,
       jsonb_build_object('fecha_fin', e.due, 'dias_retraso', {CUT} - e.due,
                          'meses_retraso', alert_months(e.due, {CUT}),
                          'fecha_fin_programada', w.programmed_end,
                          'fecha_fin_reprogramada', w.reprogrammed_end,
                          'estado', w.status) AS evidence,
       alert_missing('programmed_end', 'reprogrammed_end') AS missing,
       alert_date_es(e.due) AS fin,
       CASE WHEN w.reprogrammed_end IS NOT NULL THEN 'fecha reprogramada'
            ELSE 'fecha programada' END AS tipo_fecha,
       CASE WHEN {CUT} - e.due = 1 THEN '1 día'
            WHEN {CUT} - e.due < 60 THEN ({CUT} - e.due) || ' días'
            ELSE alert_months(e.due, {CUT}) || ' meses' END AS retraso
FROM work w
CROSS JOIN LATERAL (SELECT COALESCE(w.reprogrammed_end, w.programmed_end) AS due) AS e
WHERE {NOT_FINISHED} AND (e.due IS NULL OR e.due < {CUT})
""",
    "sobrecosto": """
SELECT w.infobras_code,
       CASE WHEN COALESCE(w.amount_technical_file, 0) <= 0 THEN 'nc_sin_expediente'
            WHEN w.amount_updated IS NULL THEN 'nc_sin_costo'
            ELSE 'sobrecosto' END AS variant,
       CASE WHEN e.pct > :umbral_alta_pct THEN 'alta' ELSE 'media' END AS severity,
       w.amount_updated - w.amount_technical_file AS amount_at_risk,
       jsonb_build_object('costo_actualizado', w.amount_updated,
                          'monto_expediente', w.amount_technical_file,
                          'sobrecosto_pct', round(e.pct, 2)) AS evidence,
       alert_missing(CASE WHEN COALESCE(w.amount_technical_file, 0) <= 0
                          THEN 'amount_technical_file' END,
                     CASE WHEN w.amount_updated IS NULL THEN 'amount_updated' END) AS missing,
       alert_money(w.amount_updated) AS costo, alert_pct(e.pct) AS pct,
       alert_money(w.amount_technical_file) AS expediente,
       alert_money(w.amount_updated - w.amount_technical_file) AS diferencia
FROM work w
CROSS JOIN LATERAL (SELECT (w.amount_updated / NULLIF(w.amount_technical_file, 0) - 1) * 100
                    AS pct) AS e
WHERE e.pct IS NULL OR e.pct > :umbral_media_pct
""",
    # A blank amount of additional works in a source that has the field means none were
    # registered; a source without the field cannot be evaluated.
    "adicionales": f"""
SELECT w.infobras_code,
       CASE WHEN w.source = ANY(:sources_without_additional) THEN 'nc_fuente'
            WHEN COALESCE(w.amount_contract, 0) <= 0 THEN 'nc_sin_contrato'
            ELSE 'adicionales' END AS variant,
       CASE WHEN e.pct > :umbral_alta_pct THEN 'alta' ELSE 'media' END AS severity,
       w.amount_additional AS amount_at_risk,
       jsonb_build_object('adicionales', w.amount_additional, 'monto_contrato',
                          w.amount_contract, 'adicionales_pct', round(e.pct, 2)) AS evidence,
       jsonb_build_object('faltan', CASE WHEN w.source = ANY(:sources_without_additional)
                                         THEN '["amount_additional", "amount_contract"]'
                                         ELSE '["amount_contract"]' END::jsonb,
                          'fuente', w.source) AS missing,
       alert_money(w.amount_additional) AS adicionales, alert_pct(e.pct) AS pct,
       alert_money(w.amount_contract) AS contrato, w.source AS fuente
FROM work w
CROSS JOIN LATERAL (SELECT w.amount_additional / NULLIF(w.amount_contract, 0) * 100 AS pct) AS e
WHERE ({CONTRATA} OR w.amount_additional > 0) AND w.status <> 'sin_ejecucion'
  AND (w.source = ANY(:sources_without_additional)
       OR (w.amount_additional > 0 AND (e.pct IS NULL OR e.pct > :umbral_pct)))
""",
    "brecha_financiera": """
SELECT w.infobras_code,
       CASE WHEN e.gap IS NULL THEN 'nc_sin_avance' ELSE 'brecha' END AS variant,
       CASE WHEN e.gap > :umbral_alta_puntos THEN 'alta' ELSE 'media' END AS severity,
       round(e.gap / 100 * w.amount_investment, 2) AS amount_at_risk,
       jsonb_build_object('avance_financiero', w.financial_progress,
                          'avance_fisico', w.physical_progress,
                          'brecha_puntos', round(e.gap, 2),
                          'inversion', w.amount_investment) AS evidence,
       alert_missing(CASE WHEN w.physical_progress IS NULL THEN 'physical_progress' END,
                     CASE WHEN w.financial_progress IS NULL THEN 'financial_progress' END)
           AS missing,
       alert_pct(w.financial_progress) AS financiero, alert_pct(w.physical_progress) AS fisico,
       replace(round(e.gap, 1)::text, '.', ',') AS puntos,
       CASE WHEN w.physical_progress IS NULL AND w.financial_progress IS NULL
                THEN 'avance físico ni financiero'
            WHEN w.physical_progress IS NULL THEN 'avance físico'
            ELSE 'avance financiero' END AS falta
FROM work w
CROSS JOIN LATERAL (SELECT w.financial_progress - w.physical_progress AS gap) AS e
WHERE w.status <> 'sin_ejecucion' AND (e.gap IS NULL OR e.gap > :umbral_puntos)
  AND w.source <> ALL(:sources_financial_mef)  -- MEF's money: devengado_avance judges them
""",
    "registro_desactualizado": f"""
SELECT w.infobras_code,
       CASE WHEN e.latest IS NULL THEN 'nc_sin_fecha' ELSE 'desactualizado' END AS variant,
       'baja' AS severity, {BALANCE} AS amount_at_risk,
       jsonb_build_object('ultima_actualizacion', e.latest,
                          'meses', alert_months(e.latest, {CUT}),
                          'fecha_actualizacion', w.last_update,
                          'fecha_ultimo_avance', w.last_progress_date,
                          'ultimo_mes_historial', h.last_month) AS evidence,
       alert_missing('last_update', 'last_progress_date', 'work_progress') AS missing,
       alert_month_es(e.latest) AS desde, alert_months(e.latest, {CUT})::text AS meses
FROM work w
LEFT JOIN alert_hist h USING (infobras_code)
CROSS JOIN LATERAL (SELECT GREATEST(w.last_update, w.last_progress_date, h.last_month)
                    AS latest) AS e
WHERE w.status = 'en_ejecucion' AND w.real_end IS NULL
  AND (e.latest IS NULL OR alert_months(e.latest, {CUT}) > :umbral_meses)
""",
    "inicio_tardio": f"""
SELECT w.infobras_code, v.variant, 'baja' AS severity, {BALANCE} AS amount_at_risk,
       jsonb_build_object('fecha_aprobacion', w.approval_date, 'fecha_inicio', w.start_date,
                          'anios', round(v.years, 2), 'estado', w.status) AS evidence,
       alert_missing(CASE WHEN w.approval_date IS NULL THEN 'approval_date' END,
                     CASE WHEN w.start_date IS NULL THEN 'start_date' END) AS missing,
       alert_date_es(w.start_date) AS inicio, alert_date_es(w.approval_date) AS aprobacion,
       replace(round(v.years, 1)::text, '.', ',') AS anios
FROM work w
CROSS JOIN LATERAL (SELECT
        (COALESCE(w.start_date, {CUT}) - w.approval_date) / 365.25 AS years,
        CASE WHEN w.approval_date IS NULL THEN 'nc_sin_aprobacion'
             WHEN w.start_date IS NOT NULL THEN 'inicio'
             WHEN w.status = 'sin_ejecucion' THEN 'sin_inicio'
             ELSE 'nc_sin_inicio' END AS variant) AS v
WHERE v.variant LIKE 'nc\\_%' OR v.years > :umbral_anios
""",
    "ubicacion_fuera_distrito": f"""
SELECT w.infobras_code, v.variant,
       CASE WHEN w.coords_ubigeo IS NULL OR left(w.coords_ubigeo, 2) <> left(w.ubigeo, 2)
            THEN 'alta' ELSE 'media' END AS severity,
       {BALANCE} AS amount_at_risk,
       CASE WHEN e.km IS NOT NULL THEN  -- evidence only where a distance was measured
       jsonb_build_object('ubigeo_declarado', w.ubigeo, 'distrito_declarado', d.name,
                          'region_declarada', d.region_name,
                          'ubigeo_coordenadas', w.coords_ubigeo,
                          'distrito_coordenadas', c.name, 'region_coordenadas', c.region_name,
                          'distancia_km', round(e.km, 2),
                          'longitud', round(ST_X(w.geom)::numeric, 6),
                          'latitud', round(ST_Y(w.geom)::numeric, 6)) END AS evidence,
       alert_missing(CASE WHEN v.variant = 'nc_sin_coordenadas' THEN 'geom' END,
                     CASE WHEN v.variant = 'nc_sin_limite' THEN 'area.geom' END) AS missing,
       c.name || ' (' || c.region_name || ')' AS distrito_punto,
       d.name || ', ' || d.region_name AS distrito,
       replace(round(e.km, 1)::text, '.', ',') || ' km' AS distancia
FROM work w
JOIN area d ON d.ubigeo = w.ubigeo
LEFT JOIN area c ON c.ubigeo = w.coords_ubigeo
CROSS JOIN LATERAL (SELECT CASE
        WHEN w.geom IS NOT NULL AND w.geom_source = 'surveyed' AND d.geom IS NOT NULL
             AND w.location_mismatch
        THEN (ST_Distance(w.geom::geography, d.geom::geography) / 1000)::numeric END AS km) AS e
CROSS JOIN LATERAL (SELECT CASE
        WHEN w.geom IS NULL OR w.geom_source IS DISTINCT FROM 'surveyed'
            THEN 'nc_sin_coordenadas'
        WHEN d.geom IS NULL THEN 'nc_sin_limite'
        WHEN w.coords_ubigeo IS NULL THEN 'fuera_del_pais'
        ELSE 'fuera' END AS variant) AS v
WHERE v.variant LIKE 'nc\\_%' OR e.km > :tolerancia_km
""",
    "sin_contratista_supervisor": f"""
SELECT w.infobras_code, v.variant,
       CASE WHEN v.variant = 'sin_supervisor' THEN 'baja' ELSE 'media' END AS severity,
       {BALANCE} AS amount_at_risk,
       jsonb_build_object('modalidad', w.modality, 'ruc_contratista', w.contractor_ruc,
                          'contratista', w.contractor_name, 'supervisor', w.supervisor_name,
                          'ruc_supervisor', w.supervisor_ruc, 'ruc_valido', e.ruc_ok,
                          'tiene_supervisor', e.has_supervisor) AS evidence,
       jsonb_build_object('faltan', to_jsonb(ARRAY['contractor_ruc', 'supervisor_name']),
                          'fuente', w.source) AS missing,
       w.contractor_ruc AS ruc, w.source AS fuente
FROM work w
CROSS JOIN LATERAL (SELECT
        NULLIF(btrim(w.contractor_ruc), '') IS NOT NULL AS has_ruc,
        alert_ruc_valid(btrim(w.contractor_ruc)) AS ruc_ok,
        COALESCE(NULLIF(btrim(w.supervisor_name), ''), NULLIF(btrim(w.supervisor_ruc), ''))
            IS NOT NULL AS has_supervisor) AS e
CROSS JOIN LATERAL (SELECT CASE
        WHEN w.source = ANY(:sources_without_contractor) THEN 'nc_fuente'
        WHEN NOT e.has_ruc AND NOT e.has_supervisor THEN 'sin_ruc_ni_supervisor'
        WHEN NOT e.has_ruc THEN 'sin_ruc'
        WHEN NOT e.ruc_ok THEN 'ruc_invalido'
        WHEN NOT e.has_supervisor THEN 'sin_supervisor' END AS variant) AS v
WHERE {CONTRATA} AND w.status <> 'sin_ejecucion' AND v.variant IS NOT NULL
""",
    # Runs after "paralizada": a work counts as paralysed by its status or by that alert.
    "contratista_paralizadas": f"""
WITH paralysed AS (
    SELECT infobras_code FROM work WHERE status = 'paralizada'
    UNION
    SELECT infobras_code FROM alert_new WHERE rule_code = :paralysed_rule AND state = 'alerta'
), par AS (
    SELECT w.infobras_code, btrim(w.contractor_ruc) AS ruc, w.contractor_name, w.ubigeo,
           {BALANCE} AS balance
    FROM work w JOIN paralysed USING (infobras_code)
    WHERE NULLIF(btrim(w.contractor_ruc), '') IS NOT NULL AND {NOT_FINISHED}
), firm AS (
    SELECT ruc, count(*) AS works, count(DISTINCT ubigeo) AS districts,
           mode() WITHIN GROUP (ORDER BY contractor_name) AS name,
           (array_agg(DISTINCT ubigeo ORDER BY ubigeo))[1:20] AS ubigeos
    FROM par GROUP BY ruc HAVING count(DISTINCT ubigeo) >= :umbral_distritos
)
SELECT p.infobras_code, 'contratista' AS variant, 'alta' AS severity,
       p.balance AS amount_at_risk,
       jsonb_build_object('ruc', f.ruc, 'contratista', f.name, 'obras_paralizadas', f.works,
                          'distritos', f.districts, 'ubigeos', to_jsonb(f.ubigeos)) AS evidence,
       NULL::jsonb AS missing,
       COALESCE(f.name, 'sin nombre') AS contratista, f.ruc AS ruc, f.works::text AS obras,
       f.districts::text AS distritos
FROM par p JOIN firm f USING (ruc)
""",
    # -- between sources (o = alert_other, s = alert_seace; see SOURCES_SQL) -------------------
    "avance_fuentes": f"""
SELECT w.infobras_code, v.variant,
       CASE WHEN e.gap > :umbral_alta_puntos THEN 'alta' ELSE 'media' END AS severity,
       round(e.gap / 100 * w.amount_investment, 2) AS amount_at_risk,
       jsonb_build_object('avance_infobras', w.physical_progress,
                          'fecha_infobras', w.last_progress_date,
                          'avance_invierte', o.physical, 'fecha_invierte', o.physical_date,
                          'invierte_segun', CASE WHEN o.own_physical THEN w.source
                                                 ELSE 'investment_source' END,
                          'diferencia_puntos', round(e.gap, 2),
                          'inversion', w.amount_investment) AS evidence,
       alert_missing(CASE WHEN w.physical_progress IS NULL THEN 'physical_progress' END,
                     CASE WHEN o.physical IS NULL THEN 'avance_fisico_invierte' END) AS missing,
       alert_pct(w.physical_progress) AS infobras,
       {_date_or('w.last_progress_date')} AS fecha_infobras,
       alert_pct(o.physical) AS invierte, {_date_or('o.physical_date')} AS fecha_invierte,
       replace(round(e.gap, 1)::text, '.', ',') AS puntos,
       {_why_no_mef('avance físico de Invierte.pe')} AS motivo
FROM work w
LEFT JOIN alert_other o USING (infobras_code)
CROSS JOIN LATERAL (SELECT abs(w.physical_progress - o.physical) AS gap) AS e
CROSS JOIN LATERAL (SELECT CASE WHEN w.physical_progress IS NULL THEN 'nc_sin_infobras'
                                WHEN o.physical IS NULL THEN 'nc_sin_invierte'
                                ELSE 'distinto' END AS variant) AS v
WHERE w.status <> 'sin_ejecucion' AND (v.variant <> 'distinto' OR e.gap > :umbral_puntos)
""",
    # MEF's money against INFObras's progress; brecha_financiera leaves these works to it
    # where the work's own financial figures are MEF's (alert_rules.FINANCIAL_FROM_MEF).
    "devengado_avance": f"""
SELECT w.infobras_code, v.variant,
       CASE WHEN e.gap > :umbral_alta_puntos THEN 'alta' ELSE 'media' END AS severity,
       round(e.gap / 100 * o.cost, 2) AS amount_at_risk,
       jsonb_build_object('devengado', o.accrued, 'fecha_devengado', o.accrued_date,
                          'costo_actualizado', o.cost, 'devengado_pct', round(p.pct, 2),
                          'avance_infobras', w.physical_progress,
                          'fecha_infobras', w.last_progress_date,
                          'devengado_segun', CASE WHEN o.own_accrued THEN w.source
                                                  ELSE 'investment_source' END,
                          'brecha_puntos', round(e.gap, 2)) AS evidence,
       alert_missing(CASE WHEN w.physical_progress IS NULL THEN 'physical_progress' END,
                     CASE WHEN o.accrued IS NULL THEN 'devengado_acumulado' END,
                     CASE WHEN COALESCE(o.cost, 0) <= 0 THEN 'costo_actualizado' END)
           AS missing,
       alert_money(o.accrued) AS devengado, alert_pct(p.pct) AS pct_devengado,
       {_date_or('o.accrued_date')} AS fecha_devengado,
       alert_pct(w.physical_progress) AS fisico,
       {_date_or('w.last_progress_date')} AS fecha_infobras,
       replace(round(e.gap, 1)::text, '.', ',') AS puntos,
       {_why_no_mef('devengado')} AS motivo
FROM work w
LEFT JOIN alert_other o USING (infobras_code)
CROSS JOIN LATERAL (SELECT o.accrued / NULLIF(o.cost, 0) * 100 AS pct) AS p
CROSS JOIN LATERAL (SELECT p.pct - w.physical_progress AS gap) AS e
CROSS JOIN LATERAL (SELECT CASE WHEN w.physical_progress IS NULL THEN 'nc_sin_fisico'
                                WHEN o.accrued IS NULL THEN 'nc_sin_devengado'
                                WHEN COALESCE(o.cost, 0) <= 0 THEN 'nc_sin_costo'
                                ELSE 'adelantado' END AS variant) AS v
WHERE w.status <> 'sin_ejecucion' AND (v.variant <> 'adelantado' OR e.gap > :umbral_puntos)
""",
    # Works let by contract, or with a SEACE works contract linked to them.
    "contrato_fuentes": f"""
SELECT w.infobras_code, v.variant,
       CASE WHEN e.pct > :umbral_alta_pct THEN 'alta' ELSE 'media' END AS severity,
       abs(w.amount_contract - m.amount) AS amount_at_risk,
       jsonb_build_object('monto_infobras', w.amount_contract, 'fecha_infobras', w.source_date,
                          'monto_seace', s.amount, 'fecha_seace', s.source_date,
                          'contratos_seace', s.contracts, 'ids_contratos', to_jsonb(s.ids),
                          'montos_contratos', to_jsonb(s.amounts[1:10]),
                          'monto_seace_comparado', m.amount,
                          'diferencia_pct', round(e.pct, 2)) AS evidence,
       jsonb_build_object('faltan', CASE v.variant
                              WHEN 'nc_sin_seace' THEN '["contract"]'
                              ELSE '["amount_contract"]' END::jsonb,
                          'fuente', w.source) AS missing,
       alert_money(w.amount_contract) AS infobras,
       {_date_or('w.source_date')} AS fecha_infobras,
       alert_money(m.amount) AS seace,
       CASE WHEN s.contracts = 1 THEN 'su contrato de obra'
            WHEN m.amount = s.amount THEN 'la suma de sus ' || s.contracts || ' contratos de obra'
            ELSE 'el más cercano de sus ' || s.contracts || ' contratos de obra' END
           AS contratos,
       {_date_or('s.source_date')} AS fecha_seace,
       alert_money(abs(w.amount_contract - m.amount)) AS diferencia, alert_pct(e.pct) AS pct,
       w.source AS fuente
FROM work w
LEFT JOIN alert_seace s USING (infobras_code)
-- The SEACE figure nearest INFObras's: the contracts' sum or one of them (several works of
-- one CUI share its processes; a work may hold one of their contracts).
LEFT JOIN LATERAL (SELECT x AS amount FROM unnest(s.amount || s.amounts) AS x
                   ORDER BY abs(w.amount_contract - x), x LIMIT 1) AS m ON true
CROSS JOIN LATERAL (SELECT abs(w.amount_contract - m.amount) / NULLIF(m.amount, 0) * 100
                    AS pct) AS e
CROSS JOIN LATERAL (SELECT CASE WHEN w.source = ANY(:sources_without_contract_amount)
                                    THEN 'nc_fuente'
                                WHEN COALESCE(w.amount_contract, 0) <= 0 THEN 'nc_sin_contrato'
                                WHEN s.infobras_code IS NULL THEN 'nc_sin_seace'
                                ELSE 'distinto' END AS variant) AS v
WHERE ({CONTRATA} OR s.infobras_code IS NOT NULL) AND w.status <> 'sin_ejecucion'
  AND (v.variant <> 'distinto' OR e.pct > :tolerancia_pct)
""",
    "estado_fuentes": f"""
SELECT w.infobras_code, v.variant, 'media' AS severity, {BALANCE} AS amount_at_risk,
       jsonb_build_object('estado_infobras', w.status, 'fecha_infobras', w.source_date,
                          'estado_mef', o.mef_status, 'fuente_mef', o.status_source,
                          'fecha_mef', o.status_date, 'fuente_estado_final', o.final_from,
                          'sustento_estado', o.final_basis,
                          'estado_situacional_f12b', o.f12b_text,
                          'fecha_estado_f12b', o.f12b_date) AS evidence,
       alert_missing('investment_source.status', 'fuente_estado_final') AS missing,
       CASE o.status_source WHEN 'mef_banco' THEN 'Banco de Inversiones'
            WHEN 'ssi_ejecucion' THEN 'SSI' WHEN 'ssi_formato8' THEN 'SSI, Formato 8'
            ELSE o.status_source END AS fuente_mef,
       {_date_or('o.status_date')} AS fecha_mef,
       CASE w.status WHEN 'en_ejecucion' THEN 'en ejecución' ELSE 'paralizada' END
           AS estado_infobras,
       {_date_or('w.source_date')} AS fecha_infobras,
       COALESCE(alert_date_es(o.f12b_date), 'fecha sin registrar') AS fecha_f12b,
       {_why_no_mef('el estado')} AS motivo
FROM work w
LEFT JOIN alert_other o USING (infobras_code)
CROSS JOIN LATERAL (SELECT CASE
        WHEN o.mef_status IS NULL AND o.final_from IS NULL THEN 'nc_sin_mef'
        WHEN upper(o.mef_status) = :closed_investment AND w.status = ANY(:open_statuses)
             AND w.real_end IS NULL THEN 'cerrada_mef'
        WHEN w.status = 'en_ejecucion' AND o.final_from = :f12b
             AND o.final_basis = :f12b_paralysis THEN 'paralizada_f12b' END AS variant) AS v
WHERE v.variant IS NOT NULL
""",
    # A signal (kind "senal") on the works not finished: the entity's published reports with
    # persons with presumed responsibility, newest first (five in the evidence, with PDFs).
    "control_entidad": f"""
WITH rep AS (
    SELECT entity_id, id, number, persons_responsible AS persons, pdf_url,
           COALESCE(published_date, issued_date) AS day,
           row_number() OVER (PARTITION BY entity_id ORDER BY
               COALESCE(published_date, issued_date) DESC NULLS LAST, id) AS n
    FROM control_report
    WHERE persons_responsible >= :umbral_personas AND entity_id IS NOT NULL
), ent AS (
    SELECT entity_id, count(*) AS reports, sum(persons) AS persons, max(day) AS latest,
           jsonb_agg(jsonb_build_object('id', id, 'numero', number, 'fecha', day,
                                        'personas', persons, 'pdf', pdf_url)
                     ORDER BY n) FILTER (WHERE n <= 5) AS shown
    FROM rep GROUP BY entity_id
)
SELECT w.infobras_code, 'informes' AS variant, NULL AS severity, NULL::numeric AS amount_at_risk,
       jsonb_build_object('entidad_id', e.entity_id, 'informes', e.reports,
                          'personas', e.persons, 'ultimo', e.latest,
                          'informes_recientes', e.shown) AS evidence,
       NULL::jsonb AS missing,
       CASE WHEN e.reports = 1 THEN '1 informe de control'
            ELSE e.reports || ' informes de control' END AS informes,
       w.entity AS entidad,
       CASE WHEN e.persons = 1 THEN '1 persona' ELSE e.persons || ' personas' END AS personas,
       COALESCE(alert_date_es(e.latest), 'fecha sin registrar') AS ultimo
FROM work w JOIN ent e ON e.entity_id = w.entity_id
WHERE {NOT_FINISHED}     -- where oversight can still act
""",
}

# Per rule that compares the works with another source: true when any of that source is
# loaded (else /datos says «no evaluable: falta <source>»).
NEEDS_SQL: dict[str, str] = {
    "avance_fuentes": "SELECT EXISTS (SELECT 1 FROM alert_other WHERE physical IS NOT NULL)",
    "devengado_avance": "SELECT EXISTS (SELECT 1 FROM alert_other WHERE accrued IS NOT NULL)",
    "contrato_fuentes": "SELECT EXISTS (SELECT 1 FROM contract)",
    "estado_fuentes": ("SELECT EXISTS (SELECT 1 FROM alert_other"
                       " WHERE mef_status IS NOT NULL OR final_from IS NOT NULL)"),
    "control_entidad": "SELECT EXISTS (SELECT 1 FROM control_report)",
}


@dataclass
class RecomputeSummary:
    """What a recompute did: the cut-off date, counts per rule, and how long it took."""

    as_of: date
    works: int
    seconds: float = 0.0
    by_rule: dict[str, dict[str, int]] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)  # seconds per step

    @property
    def alerts(self) -> int:
        return sum(c.get("alerta", 0) for c in self.by_rule.values())

    @property
    def not_computable(self) -> int:
        return sum(c.get("no_calculable", 0) for c in self.by_rule.values())

    def lines(self) -> list[str]:
        return [f"{code}: {c.get('alerta', 0):,} alertas, "
                f"{c.get('no_calculable', 0):,} no calculables"
                + (f", {c['senal']:,} señales" if c.get("senal") else "")
                + (f" ({self.timings[code]:.1f} s)" if code in self.timings else "")
                for code, c in self.by_rule.items()]

    def __str__(self) -> str:
        head = (f"Alertas recalculadas al {self.as_of:%d/%m/%Y} sobre {self.works:,} obras: "
                f"{self.alerts:,} alertas, {self.not_computable:,} no calculables "
                f"({self.seconds:.1f} s)")
        return "\n".join([head, *(f"  {line}" for line in self.lines())])


def insert_sql(rule: Rule) -> str:
    """The rule's SELECT wrapped into an INSERT with its sentence filled in (format())."""
    columns = rule.columns()
    args = "".join(f", r.{c}" for c in columns)
    cases = " ".join(f"WHEN :variant_{i} THEN format(:message_{i}{args})"
                     for i in range(len(rule.messages)))
    return f"""
INSERT INTO alert_new (infobras_code, rule_code, state, severity, amount_at_risk, evidence,
                       message, computed_at, ubigeo, severity_rank, rule_name, district_name,
                       region_name)
SELECT r.infobras_code, :rule_code, s.state,
       CASE WHEN s.state = 'alerta' THEN r.severity END,
       CASE WHEN s.state = 'alerta' THEN round(r.amount_at_risk, 2) END,
       CASE WHEN s.state <> 'no_calculable' THEN r.evidence ELSE r.missing END
           || jsonb_build_object('fecha_corte', LEAST(COALESCE(w.source_date, :as_of), :as_of),
                                 'variante', r.variant),  -- to write the sentence in Runasimi
       CASE r.variant {cases} END,
       :computed_at, w.ubigeo,
       alert_severity_rank(CASE WHEN s.state = 'alerta' THEN r.severity END),
       :rule_name, COALESCE(d.name, ''), COALESCE(d.region_name, '')
FROM ({RULE_SQL[rule.code]} OFFSET 0) AS r  -- OFFSET 0: compute each row once
JOIN work w ON w.infobras_code = r.infobras_code
LEFT JOIN area d ON d.ubigeo = w.ubigeo
CROSS JOIN LATERAL (SELECT CASE WHEN r.variant LIKE :nc_pattern THEN 'no_calculable'
                                ELSE :kind END AS state) AS s
"""


def insert_params(rule: Rule, as_of: date) -> dict:
    params: dict = {"rule_code": rule.code, "rule_name": rule.name, "as_of": as_of,
                    "nc_pattern": NOT_COMPUTABLE_PREFIX.replace("_", r"\_") + "%",
                    **rule.threshold}
    for i, variant in enumerate(rule.messages):
        params[f"variant_{i}"] = variant
        params[f"message_{i}"] = rule.sql_format(variant)
    for name, column in (("sources_without_contractor", "contractor_ruc"),
                         ("sources_without_additional", "amount_additional"),
                         ("sources_without_contract_amount", "amount_contract")):
        params[name] = sorted(src for src, gaps in alert_rules.SOURCE_GAPS.items()
                              if column in gaps)
    params["paralysed_rule"] = "paralizada"
    params["kind"] = rule.kind
    return params | SOURCE_PARAMS


# The between-source rules' constants, shared with the work page's comparison of sources
# (queries.work_sources) so that a page and an alert never judge the same figures apart.
SOURCE_PARAMS = {
    "sources_financial_mef": sorted(alert_rules.FINANCIAL_FROM_MEF),
    "works_object": work_sources.WORKS_OBJECT + "%",
    "closed_investment": work_sources.CLOSED_INVESTMENT,
    "open_statuses": list(work_sources.OPEN_STATUSES),
    # The paralysed-works file's final state taken from the Formato 12-B, on a paralysis it
    # reports (fuente_estado_final, sustento_estado; ../shared/data/PROVENANCE.md).
    "f12b": "F12B", "f12b_paralysis": "PARALIZACION REPORTADA EN F12B Y/O INFOBRAS",
}


def default_as_of(conn: sa.Connection) -> date:
    """The data's date: newest works' source_date, else the last load's date, else today."""
    return conn.execute(sa.text(
        "SELECT COALESCE((SELECT max(source_date) FROM work),"
        " (SELECT max(COALESCE(source_date, finished_at::date)) FROM load_run"
        "   WHERE status = 'ok' AND loader <> :loader),"
        " current_date)"), {"loader": LOADER}).scalar_one()


def recompute(engine: sa.Engine | None = None, as_of: date | None = None,
              thresholds: Mapping[str, Mapping[str, float]] | None = None
              ) -> RecomputeSummary:
    """Replace all alerts with freshly computed ones, in one transaction; return a summary."""
    rules = alert_rules.rules(thresholds)
    eng = engine or db.engine()
    started = time.perf_counter()
    with eng.connect() as probe:
        cut_off = as_of or default_as_of(probe)
    with load_run(LOADER, f"reglas de alerta, fecha de corte {cut_off:%Y-%m-%d}", cut_off,
                  engine=eng) as run:
        conn = run.conn
        conn.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": _LOCK_KEY})
        summary = RecomputeSummary(cut_off, conn.execute(sa.text(
            "SELECT count(*) FROM work")).scalar_one())
        _compute(conn, rules, cut_off, summary.timings)
        _replace(conn, rules, summary.timings)
        clock = time.perf_counter()
        entity_figures.refresh(conn, "alerts")     # the entity pages' alert figures
        summary.timings["entidades"] = time.perf_counter() - clock
        summary.by_rule = _counts(conn, rules)
        summary.seconds = time.perf_counter() - started
        run.rows_read = summary.works
        run.count(summary.alerts + summary.not_computable, 0, 0)
        for line in summary.lines():
            run.note(line)
    _vacuum(eng)
    return summary


def _vacuum(eng: sa.Engine) -> None:
    """Mark the new rows visible to all (VACUUM, outside any transaction), so that counts
    and sums by rule and severity read the covering indexes alone (the replacement already
    analysed both tables)."""
    with eng.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(sa.text("VACUUM alert, alert_work"))


def _compute(conn: sa.Connection, rules: Sequence[Rule], as_of: date,
             timings: dict[str, float]) -> None:
    """Every rule into a temporary table (readers still see the old alerts)."""
    clock = time.perf_counter()
    conn.execute(sa.text("SET LOCAL work_mem = '64MB'; SET LOCAL maintenance_work_mem = '256MB'"))
    # A regular, unlogged table (no WAL, shared buffers): temporary tables live in the small
    # per-session temp_buffers, which made writing ~1M alerts several times slower.
    conn.execute(sa.text("CREATE UNLOGGED TABLE alert_new (LIKE alert INCLUDING DEFAULTS)"))
    conn.execute(sa.text(HISTORY_SQL), {"as_of": as_of})
    conn.execute(sa.text("CREATE INDEX ON alert_hist (infobras_code); ANALYZE alert_hist"))
    now = conn.execute(sa.text("SELECT now()")).scalar_one()
    timings["historial"] = time.perf_counter() - clock
    clock = time.perf_counter()
    for statement in filter(str.strip, SOURCES_SQL.split(";")):   # one at a time: bound
        conn.execute(sa.text(statement), SOURCE_PARAMS)             # parameters
    timings["fuentes"] = time.perf_counter() - clock
    for rule in rules:
        if rule.code in procurement_flags.CODES:
            continue              # applied to processes and contracts, below
        clock = time.perf_counter()
        params = insert_params(rule, as_of) | {"computed_at": now}
        conn.execute(sa.text(insert_sql(rule)), params)
        timings[rule.code] = time.perf_counter() - clock
    # SEACE's red flags on processes and contracts, and on the works linked to them.
    procurement_flags.compute(conn, rules, now, timings)


def _replace(conn: sa.Connection, rules: Sequence[Rule], timings: dict[str, float]) -> None:
    """Swap the new alerts in, rebuild the per-work rollup and record the rules applied."""
    clock = time.perf_counter()
    bulk_replace(conn, "alert", "SELECT * FROM alert_new")
    bulk_replace(conn, "alert_work", """
SELECT a.infobras_code, w.ubigeo, a.alerts, a.alta, a.media, a.baja, a.amount_at_risk, a.rules
FROM (SELECT infobras_code, count(*) AS alerts,
             count(*) FILTER (WHERE severity = 'alta') AS alta,
             count(*) FILTER (WHERE severity = 'media') AS media,
             count(*) FILTER (WHERE severity = 'baja') AS baja,
             max(amount_at_risk) AS amount_at_risk,
             array_agg(rule_code ORDER BY rule_code) AS rules
      FROM alert_new WHERE state = 'alerta' GROUP BY infobras_code) AS a
JOIN work w USING (infobras_code)""")
    conn.execute(sa.text("DELETE FROM alert_rule"))
    conn.execute(sa.text(
        "INSERT INTO alert_rule (code, name, severity, threshold, source, description, kind,"
        " needs, needs_loaded)"
        " VALUES (:code, :name, :severity, CAST(:threshold AS jsonb), :source, :description,"
        " :kind, :needs, :needs_loaded)"),
        [{"code": r.code, "name": r.name, "severity": r.severity,
          "threshold": json.dumps(dict(r.threshold)), "source": r.source,
          "description": f"{alert_rules.describe(r)} Monto en riesgo: {r.amount_at_risk}.",
          "kind": r.kind, "needs": r.needs,
          "needs_loaded": (conn.execute(sa.text(NEEDS_SQL[r.code])).scalar_one()
                           if r.code in NEEDS_SQL else None)}
         for r in rules])
    conn.execute(sa.text("DROP TABLE alert_new; ANALYZE alert; ANALYZE alert_work"))
    timings["reemplazo"] = time.perf_counter() - clock


def bulk_replace(conn: sa.Connection, table: str, select_sql: str) -> None:
    """Empty `table` and fill it from `select_sql`, building its keys and indexes once at the
    end (row-by-row index and foreign-key upkeep is several times slower on ~1M alerts).
    Their definitions are read from the catalog, so queries/sql/alerts.sql stays the one
    place they are written. TRUNCATE is transactional: readers wait, then see either the old
    rows or the new ones."""
    quote = conn.dialect.identifier_preparer.quote
    constraints = conn.execute(sa.text(
        "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint"
        " WHERE conrelid = CAST(:t AS regclass) AND contype IN ('p', 'u', 'f')"
        " ORDER BY contype = 'f', conname"), {"t": table}).all()
    indexes = conn.execute(sa.text(
        "SELECT indexname, indexdef FROM pg_indexes"
        " WHERE schemaname = current_schema() AND tablename = :t AND indexname NOT IN"
        " (SELECT conname FROM pg_constraint WHERE conrelid = CAST(:t AS regclass))"),
        {"t": table}).all()
    conn.exec_driver_sql(f"TRUNCATE {quote(table)}")
    for name, _definition in reversed(constraints):
        conn.exec_driver_sql(f"ALTER TABLE {quote(table)} DROP CONSTRAINT {quote(name)}")
    for name, _definition in indexes:
        conn.exec_driver_sql(f"DROP INDEX {quote(name)}")
    conn.execute(sa.text(f"INSERT INTO {quote(table)} {select_sql}"))
    for name, definition in constraints:
        conn.exec_driver_sql(f"ALTER TABLE {quote(table)} ADD CONSTRAINT {quote(name)} "
                             f"{definition}")
    for _name, definition in indexes:
        conn.exec_driver_sql(definition)


def _counts(conn: sa.Connection, rules: Sequence[Rule]) -> dict[str, dict[str, int]]:
    counts: dict[str, dict[str, int]] = {r.code: {} for r in rules}
    for code, state, n in conn.execute(sa.text(
            "SELECT rule_code, state, count(*) FROM alert GROUP BY 1, 2")):
        counts.setdefault(code, {})[state] = n
    return counts


# -- command line ------------------------------------------------------------------------------
def _threshold_arg(text: str) -> tuple[str, str, float]:
    try:
        key, value = text.split("=", 1)
        code, name = key.split(".", 1)
        return code.strip(), name.strip(), float(value.replace(",", "."))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"«{text}» no es regla.umbral=valor (p. ej. registro_desactualizado.umbral_meses=6)"
        ) from None


def _date_arg(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"«{text}» no es una fecha AAAA-MM-DD") from None


def main(argv: list[str] | None = None) -> int:
    parser = Parser(
        prog="python -m geodata.alerts",
        description="Recalcula todas las alertas (reglas de geodata/alert_rules.py).")
    parser.add_argument("--fecha-corte", type=_date_arg, default=None,
                        help="fecha de corte AAAA-MM-DD (por defecto, la fecha de los datos)")
    parser.add_argument("--umbral", type=_threshold_arg, action="append", default=[],
                        metavar="REGLA.UMBRAL=VALOR", help="cambia un umbral (repetible)")
    parser.add_argument("--sin-avisos", action="store_true",
                        help="no registrar los cambios ni enviar los resúmenes a los "
                             "seguidores (después, una vez: python -m geodata.digest)")
    args = parser.parse_args(argv)
    overrides: dict[str, dict[str, float]] = {}
    for code, name, value in args.umbral:
        overrides.setdefault(code, {})[name] = value
    try:
        summary = recompute(as_of=args.fecha_corte, thresholds=overrides)
    except alert_rules.ThresholdError as exc:
        raise LoaderError(str(exc)) from None
    print(summary)
    if not args.sin_avisos:
        from geodata import digest  # imports the sentences of the interface: only when run
        print(digest.run())
    return 0


if __name__ == "__main__":
    raise SystemExit(run_cli(main))
