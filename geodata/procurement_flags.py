"""Apply the procurement red flags (geodata/procurement_rules.py) to SEACE's processes and
contracts, set-based in PostGIS, inside the alerts recompute's transaction (geodata/alerts.py):
a failed recompute leaves the old flags, readers see the old ones until it commits.

Steps: the business-day calendar for the dates the processes span (weekends and Peru's national
holidays, from the `holidays` package); the Tukey fences of awarded / reference per procedure
type and object (published in procurement_fence); each rule's INSERT ... SELECT into
procurement_flag; what each rule could and could not evaluate per source
(procurement_rule_coverage); and, for every work linked to a flagged process (source_link,
by CUI), one alert per rule in the works' alerts, so that the work page, the alerts table, map
and downloads carry it.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from datetime import date, datetime, timedelta

import holidays
import sqlalchemy as sa

from geodata.alert_rules import Rule
from geodata.procurement_rules import (
    CODES,
    COMPETITIVE,
    SANCTION_KINDS,
    TENDER_PERIOD,
    WORK_SEVERAL,
    WORKS_OBJECT,
)

__all__ = ["CODES", "compute"]

FIRST_YEAR, LAST_YEAR = 1995, 2100      # dates outside are data errors: not evaluated
_PROCESS = "COALESCE(p.nomenclature, p.id)"

# Each rule's SELECT returns: subject_kind, subject_key, process_id, variant, severity, amount,
# evidence, and one text column per figure its sentences name. Only flagged subjects.
RULE_SQL: dict[str, str] = {
    "postor_unico": f"""
WITH it AS (
    SELECT i.process_id, i.item_no, i.awarded_amount, COALESCE(b.bidders, 0) AS bidders
    FROM process_item i
    JOIN procurement_process p ON p.id = i.process_id
    LEFT JOIN flag_bids b
           ON b.process_id = i.process_id AND b.item_no = i.item_no
    WHERE p.procedure_type = ANY(:competitive) AND i.winner_ruc IS NOT NULL
), g AS (
    SELECT process_id, count(*) AS awarded,
           count(*) FILTER (WHERE bidders BETWEEN 1 AND :max_postores) AS single,
           sum(awarded_amount) FILTER (WHERE bidders BETWEEN 1 AND :max_postores) AS amount,
           jsonb_agg(item_no ORDER BY item_no)
               FILTER (WHERE bidders BETWEEN 1 AND :max_postores) AS items
    FROM it GROUP BY process_id
)
SELECT 'process' AS subject_kind, g.process_id AS subject_key, g.process_id, 'unico' AS variant,
       'media' AS severity, g.amount,
       jsonb_build_object('items_un_postor', g.items, 'items_adjudicados', g.awarded,
                          'tipo', p.procedure_type, 'monto', g.amount) AS evidence,
       {_PROCESS} AS proceso, p.procedure_type AS tipo, g.single::text AS items,
       g.awarded::text AS adjudicados, alert_money(COALESCE(g.amount, 0)) AS monto
FROM g JOIN procurement_process p ON p.id = g.process_id
WHERE g.single > 0
""",
    "plazo_corto": f"""
SELECT 'process' AS subject_kind, p.id AS subject_key, p.id AS process_id, 'corto' AS variant,
       'media' AS severity, p.reference_amount AS amount,
       jsonb_build_object('tipo', p.procedure_type, 'cuenta_desde', m.basis,
                          'fecha_inicio', m.start, 'fecha_presentacion', p.submission_date,
                          'dias_habiles', e.n - s.n, 'minimo', m.minimum) AS evidence,
       {_PROCESS} AS proceso, p.procedure_type AS tipo, (e.n - s.n)::text AS dias,
       CASE m.basis WHEN 'convocatoria' THEN 'la convocatoria'
            ELSE 'las bases integradas' END AS desde_que,
       alert_date_es(m.start) AS desde, alert_date_es(p.submission_date) AS hasta,
       m.minimum::text AS minimo
FROM procurement_process p
CROSS JOIN LATERAL (SELECT
        CASE WHEN p.procedure_type = ANY(:from_call) THEN p.call_date
             WHEN p.extra->>'fecha_integracion_bases' ~ '^[0-9]{{4}}-[0-9]{{2}}-[0-9]{{2}}$'
             THEN (p.extra->>'fecha_integracion_bases')::date END AS start,
        CASE WHEN p.procedure_type = ANY(:from_call) THEN :dias_lp_cp ELSE :dias_as END
            AS minimum,
        CASE WHEN p.procedure_type = ANY(:from_call) THEN 'convocatoria'
             ELSE 'bases_integradas' END AS basis) AS m
JOIN business_day s ON s.day = m.start
JOIN business_day e ON e.day = p.submission_date
WHERE p.procedure_type = ANY(:tender_types) AND p.submission_date >= m.start
  AND e.n - s.n < m.minimum
""",
    "contrato_vs_adjudicado": f"""
SELECT 'contract' AS subject_kind, c.id AS subject_key, c.process_id, 'diferencia' AS variant,
       'media' AS severity, abs(c.amount - i.awarded_amount) AS amount,
       jsonb_build_object('contrato', c.id, 'numero', c.number, 'item', c.item_no,
                          'monto_contrato', c.amount, 'monto_adjudicado', i.awarded_amount,
                          'diferencia_pct', round(e.pct, 2)) AS evidence,
       {_PROCESS} AS proceso, COALESCE(c.number, c.id) AS contrato,
       alert_money(c.amount) AS monto_contrato, alert_money(i.awarded_amount) AS monto_adjudicado,
       CASE WHEN e.pct > 0 THEN '+' ELSE '' END || alert_pct(e.pct) AS pct
FROM contract c
JOIN procurement_process p ON p.id = c.process_id
JOIN process_item i ON i.process_id = c.process_id
CROSS JOIN LATERAL (SELECT (c.amount / i.awarded_amount - 1) * 100 AS pct) AS e
WHERE c.amount IS NOT NULL AND i.awarded_amount > 0
  AND NOT EXISTS (SELECT 1 FROM process_item o WHERE o.process_id = c.process_id
                  AND o.item_no <> i.item_no)
  AND NOT EXISTS (SELECT 1 FROM contract o WHERE o.process_id = c.process_id AND o.id <> c.id)
  AND abs(e.pct) > :umbral_pct
""",
    "adjudicado_vs_referencial": f"""
WITH r AS (
    SELECT i.process_id, i.item_no, p.procedure_type, p.object, i.awarded_amount,
           i.reference_amount, i.awarded_amount::float8 / i.reference_amount::float8 AS ratio
    FROM process_item i JOIN procurement_process p ON p.id = i.process_id
    WHERE i.awarded_amount > 0 AND i.reference_amount > 0
), o AS (
    SELECT r.*, f.lower_fence, f.upper_fence,
           CASE WHEN r.object = :works_object THEN 'obra' ELSE 'cerca' END AS variant
    FROM r LEFT JOIN procurement_fence f
        ON f.rule_code = 'adjudicado_vs_referencial' AND f.evaluated
       AND f.procedure_type = r.procedure_type AND f.object = r.object
    WHERE (r.object = :works_object
           AND (r.ratio < :obra_min_pct / 100.0 OR r.ratio > :obra_max_pct / 100.0))
       OR (r.object IS DISTINCT FROM :works_object
           AND (r.ratio < f.lower_fence OR r.ratio > f.upper_fence))
), w AS (
    SELECT DISTINCT ON (process_id) o.*,
           count(*) OVER (PARTITION BY process_id) AS items,
           sum(abs(awarded_amount - reference_amount)) OVER (PARTITION BY process_id) AS gap,
           jsonb_agg(jsonb_build_object('item', item_no, 'adjudicado', awarded_amount,
                                        'referencial', reference_amount,
                                        'razon', round(ratio::numeric, 4)))
               OVER (PARTITION BY process_id) AS detail
    FROM o ORDER BY process_id, abs(ln(ratio)) DESC, item_no
)
SELECT 'process' AS subject_kind, w.process_id AS subject_key, w.process_id, w.variant,
       'media' AS severity, w.gap AS amount,
       jsonb_build_object('items', w.detail, 'items_fuera', w.items,
                          'tipo', w.procedure_type, 'objeto', w.object,
                          'cerca_inferior', w.lower_fence, 'cerca_superior', w.upper_fence)
           AS evidence,
       {_PROCESS} AS proceso, alert_pct((w.ratio * 100)::numeric) AS pct,
       alert_money(w.awarded_amount) AS monto_adjudicado,
       alert_money(w.reference_amount) AS monto_referencial,
       lower(w.procedure_type) || ' de ' || lower(w.object) AS grupo,
       alert_pct((w.lower_fence * 100)::numeric) AS inferior,
       alert_pct((w.upper_fence * 100)::numeric) AS superior
FROM w JOIN procurement_process p ON p.id = w.process_id
""",
    "adicionales_contrato": f"""
SELECT 'contract' AS subject_kind, c.id AS subject_key, c.process_id, 'adicionales' AS variant,
       CASE WHEN e.pct > :umbral_alta_pct THEN 'alta' ELSE 'media' END AS severity,
       c.amount_additional AS amount,
       jsonb_build_object('contrato', c.id, 'numero', c.number, 'monto_contrato', c.amount,
                          'adicionales', c.amount_additional,
                          'adicionales_pct', round(e.pct, 2)) AS evidence,
       {_PROCESS} AS proceso, COALESCE(c.number, c.id) AS contrato,
       alert_money(c.amount_additional) AS adicionales, alert_pct(e.pct) AS pct,
       alert_money(c.amount) AS monto_contrato
FROM contract c
JOIN procurement_process p ON p.id = c.process_id
CROSS JOIN LATERAL (SELECT c.amount_additional / c.amount * 100 AS pct) AS e
WHERE p.object = :works_object AND c.amount > 0 AND e.pct > :umbral_pct
""",
    "adjudicaciones_repetidas": """
WITH award AS (
    SELECT p.id AS process_id, COALESCE(p.entity_ruc, p.entity_id) AS buyer,
           i.winner_ruc AS ruc, min(i.award_date) AS day, sum(i.awarded_amount) AS amount
    FROM process_item i JOIN procurement_process p ON p.id = i.process_id
    WHERE i.winner_ruc IS NOT NULL AND i.award_date IS NOT NULL
      AND COALESCE(p.entity_ruc, p.entity_id) IS NOT NULL
    GROUP BY 1, 2, 3
), win AS (
    SELECT a.*, count(*) OVER w AS n, min(a.day) OVER w AS since
    FROM award a
    WINDOW w AS (PARTITION BY buyer, ruc ORDER BY day
                 RANGE BETWEEN make_interval(days => CAST(:days_back AS int)) PRECEDING
                 AND CURRENT ROW)
), hit AS (
    SELECT DISTINCT ON (process_id) * FROM win WHERE n > :max_adjudicaciones
    ORDER BY process_id, n DESC, ruc
)
SELECT 'process' AS subject_kind, h.process_id AS subject_key, h.process_id,
       'repetidas' AS variant, 'media' AS severity, h.amount,
       jsonb_build_object('ruc', h.ruc, 'proveedor', s.name, 'entidad_ruc', h.buyer,
                          'adjudicaciones_en_ventana', h.n, 'desde', h.since,
                          'hasta', h.day) AS evidence,
       COALESCE(p.entity_name, h.buyer) AS entidad, COALESCE(s.name, h.ruc) AS proveedor,
       h.ruc, h.n::text AS n, alert_date_es(h.since) AS desde, alert_date_es(h.day) AS hasta
FROM hit h
JOIN procurement_process p ON p.id = h.process_id
LEFT JOIN supplier s ON s.ruc = h.ruc
""",
    "proveedor_sancionado": f"""
WITH hit AS (     -- from the (few) sanctions to the items, by the winner's index
    SELECT DISTINCT ON (i.process_id, i.item_no) i.process_id, i.item_no, i.winner_ruc,
           i.award_date, i.awarded_amount, s.start_date, s.end_date, s.resolution, s.kind
    FROM supplier_sanction s
    JOIN process_item i ON i.winner_ruc = s.ruc
    WHERE s.kind = ANY(:sanction_kinds) AND i.award_date IS NOT NULL
      AND s.start_date <= i.award_date AND (s.end_date IS NULL OR s.end_date >= i.award_date)
    ORDER BY i.process_id, i.item_no, s.start_date, s.key
), g AS (
    SELECT DISTINCT ON (process_id) hit.*,
           sum(awarded_amount) OVER (PARTITION BY process_id) AS amount,
           jsonb_agg(item_no) OVER (PARTITION BY process_id) AS items
    FROM hit ORDER BY process_id, item_no
)
SELECT 'process' AS subject_kind, g.process_id AS subject_key, g.process_id,
       'sancionado' AS variant, 'alta' AS severity, g.amount,
       jsonb_build_object('ruc', g.winner_ruc, 'proveedor', su.name, 'items', g.items,
                          'buena_pro', g.award_date, 'sancion_inicio', g.start_date,
                          'sancion_fin', g.end_date, 'resolucion', g.resolution,
                          'tipo_sancion', g.kind) AS evidence,
       {_PROCESS} AS proceso, COALESCE(su.name, g.winner_ruc) AS proveedor,
       g.winner_ruc AS ruc, alert_date_es(g.award_date) AS fecha,
       alert_date_es(g.start_date) AS inicio,
       COALESCE(alert_date_es(g.end_date), 'sin fecha de fin') AS fin,
       COALESCE(g.resolution, 'resolución no informada') AS resolucion
FROM g
JOIN procurement_process p ON p.id = g.process_id
LEFT JOIN supplier su ON su.ruc = g.winner_ruc
""",
    "precios_identicos": f"""
WITH same AS (
    SELECT process_id, item_no, amount, count(*) AS bidders,
           jsonb_agg(bidder_ruc ORDER BY bidder_ruc) AS rucs
    FROM bid WHERE amount IS NOT NULL
    GROUP BY 1, 2, 3 HAVING count(*) >= :min_postores
), g AS (
    SELECT DISTINCT ON (s.process_id) s.*,
           jsonb_agg(jsonb_build_object('item', s.item_no, 'precio', s.amount,
                                        'postores', s.rucs))
               OVER (PARTITION BY s.process_id) AS detail
    FROM same s ORDER BY s.process_id, s.bidders DESC, s.item_no
)
SELECT 'process' AS subject_kind, g.process_id AS subject_key, g.process_id,
       'identicos' AS variant, 'alta' AS severity, i.awarded_amount AS amount,
       jsonb_build_object('ofertas_identicas', g.detail) AS evidence,
       {_PROCESS} AS proceso, g.item_no::text AS item, g.bidders::text AS postores,
       alert_money(g.amount) AS monto
FROM g
JOIN procurement_process p ON p.id = g.process_id
LEFT JOIN process_item i ON i.process_id = g.process_id AND i.item_no = g.item_no
""",
}

FENCE_SQL = """
INSERT INTO procurement_fence (rule_code, procedure_type, object, items, q1, median, q3,
                               lower_fence, upper_fence, evaluated)
SELECT 'adjudicado_vs_referencial', procedure_type, object, n, q[1], q[2], q[3],
       q[1] - :tukey_k * (q[3] - q[1]), q[3] + :tukey_k * (q[3] - q[1]),
       n >= :muestra_minima AND q[3] > q[1]
FROM (SELECT p.procedure_type, p.object, count(*) AS n,
             percentile_cont(ARRAY[0.25, 0.5, 0.75]) WITHIN GROUP (
                 ORDER BY i.awarded_amount::float8 / i.reference_amount::float8) AS q
      FROM process_item i JOIN procurement_process p ON p.id = i.process_id
      WHERE i.awarded_amount > 0 AND i.reference_amount > 0 AND p.procedure_type IS NOT NULL
        AND p.object IS NOT NULL AND p.object <> :works_object
      GROUP BY 1, 2) AS g
"""

# What each rule could judge, per source: (unit, SELECT source, evaluated, not_evaluable).
_DATED = """
SELECT p.source, count(*) FILTER (WHERE x.dated) AS evaluated,
       count(*) FILTER (WHERE NOT x.dated) AS not_evaluable
FROM (SELECT process_id, bool_or(award_date IS NOT NULL) AS dated FROM process_item
      WHERE winner_ruc IS NOT NULL GROUP BY process_id) AS x
JOIN procurement_process p ON p.id = x.process_id
GROUP BY p.source"""
# What each rule could judge, per source: (unit, reason, SELECT source, evaluated,
# not_evaluable). Each reads its tables once, in hash aggregates.
COVERAGE_SQL: dict[str, tuple[str, str, str]] = {
    "postor_unico": ("procesos", "ítems adjudicados sin postores registrados", """
SELECT p.source, count(*) FILTER (WHERE x.with_bids) AS evaluated,
       count(*) FILTER (WHERE NOT x.with_bids) AS not_evaluable
FROM (SELECT i.process_id, bool_or(b.process_id IS NOT NULL) AS with_bids
      FROM process_item i
      LEFT JOIN flag_bids AS b
             ON b.process_id = i.process_id AND b.item_no = i.item_no
      WHERE i.winner_ruc IS NOT NULL GROUP BY i.process_id) AS x
JOIN procurement_process p ON p.id = x.process_id
WHERE p.procedure_type = ANY(:competitive)
GROUP BY p.source"""),
    "plazo_corto": ("procesos", "falta la fecha de convocatoria (o de bases integradas) o la "
                    "de presentación de ofertas, o la presentación es anterior", """
SELECT p.source, count(*) FILTER (WHERE ok) AS evaluated,
       count(*) FILTER (WHERE NOT ok) AS not_evaluable
FROM procurement_process p
CROSS JOIN LATERAL (SELECT CASE WHEN p.procedure_type = ANY(:from_call) THEN p.call_date
        WHEN p.extra->>'fecha_integracion_bases' ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}$'
        THEN (p.extra->>'fecha_integracion_bases')::date END AS start) AS m
LEFT JOIN business_day s ON s.day = m.start
LEFT JOIN business_day e ON e.day = p.submission_date
CROSS JOIN LATERAL (SELECT COALESCE(p.submission_date >= m.start AND s.day IS NOT NULL
                                    AND e.day IS NOT NULL, false) AS ok) AS o
WHERE p.procedure_type = ANY(:tender_types)
GROUP BY p.source"""),
    "contrato_vs_adjudicado": ("contratos", "proceso de varios ítems o varios contratos, o "
                               "sin monto del contrato o de la adjudicación", """
SELECT c.source, count(*) FILTER (WHERE ok) AS evaluated,
       count(*) FILTER (WHERE NOT ok) AS not_evaluable
FROM contract c
JOIN (SELECT process_id, count(*) AS n FROM contract GROUP BY 1) AS k USING (process_id)
LEFT JOIN (SELECT process_id, count(*) AS n, bool_or(awarded_amount > 0) AS awarded
           FROM process_item GROUP BY 1) AS i USING (process_id)
CROSS JOIN LATERAL (SELECT COALESCE(c.amount IS NOT NULL AND i.n = 1 AND i.awarded
                                    AND k.n = 1, false) AS ok) AS e
GROUP BY c.source"""),
    "adjudicado_vs_referencial": ("ítems", "sin valor referencial del ítem, o su grupo (tipo "
                                  "de procedimiento y objeto) tiene menos ítems que la muestra "
                                  "mínima o todos sus ítems en la misma razón (sin rango "
                                  "intercuartílico)", """
SELECT p.source, count(*) FILTER (WHERE ok) AS evaluated,
       count(*) FILTER (WHERE NOT ok) AS not_evaluable
FROM process_item i JOIN procurement_process p ON p.id = i.process_id
LEFT JOIN procurement_fence f ON f.rule_code = 'adjudicado_vs_referencial'
     AND f.procedure_type = p.procedure_type AND f.object = p.object
CROSS JOIN LATERAL (SELECT COALESCE(i.reference_amount, 0) > 0
        AND (p.object = :works_object OR COALESCE(f.evaluated, false)) AS ok) AS e
WHERE i.awarded_amount > 0
GROUP BY p.source"""),
    "adicionales_contrato": ("contratos", "contrato de obra sin monto", """
SELECT c.source, count(*) FILTER (WHERE c.amount > 0) AS evaluated,
       count(*) FILTER (WHERE COALESCE(c.amount, 0) <= 0) AS not_evaluable
FROM contract c JOIN procurement_process p ON p.id = c.process_id
WHERE p.object = :works_object
GROUP BY c.source"""),
    "adjudicaciones_repetidas": ("procesos", "adjudicado sin fecha de buena pro", _DATED),
    "proveedor_sancionado": ("procesos", "adjudicado sin fecha de buena pro", _DATED),
    "precios_identicos": ("procesos", "la fuente no publica el precio de cada oferta", """
SELECT p.source, count(*) FILTER (WHERE x.priced) AS evaluated,
       count(*) FILTER (WHERE NOT x.priced) AS not_evaluable
FROM (SELECT process_id, bool_or(priced) AS priced FROM flag_bids
      GROUP BY process_id) AS x
JOIN procurement_process p ON p.id = x.process_id
GROUP BY p.source"""),
}

# A work linked to flagged processes: one alert per rule, the largest severity, the amounts
# summed (each flag's amount is a different process's or contract's).
WORK_ALERTS_SQL = """
INSERT INTO alert_new (infobras_code, rule_code, state, severity, amount_at_risk, evidence,
                       message, computed_at, ubigeo, severity_rank, rule_name, district_name,
                       region_name)
SELECT w.infobras_code, f.rule_code, 'alerta', f.severity, f.amount,
       f.evidence || jsonb_build_object('variante', f.variant), f.message, :computed_at,
       w.ubigeo, alert_severity_rank(f.severity), f.rule_name, COALESCE(d.name, ''),
       COALESCE(d.region_name, '')
FROM (SELECT l.object_key::bigint AS infobras_code, pf.rule_code,
             (array_agg(pf.severity ORDER BY pf.severity_rank DESC))[1] AS severity,
             sum(pf.amount) AS amount, min(pf.rule_name) AS rule_name,
             CASE WHEN count(*) = 1 THEN min(pf.evidence->>'variante') ELSE 'varios' END
                 AS variant,
             jsonb_build_object('procesos', jsonb_agg(jsonb_build_object(
                 'proceso', pf.process_id, 'sujeto', pf.subject_kind, 'clave', pf.subject_key,
                 'mensaje', pf.message, 'evidencia', pf.evidence)
                 ORDER BY pf.severity_rank DESC, pf.amount DESC NULLS LAST, pf.subject_key))
                 AS evidence,
             CASE WHEN count(*) = 1 THEN min(pf.message)
                  ELSE format(:several, count(*),
                              (array_agg(pf.message ORDER BY pf.severity_rank DESC,
                                         pf.amount DESC NULLS LAST, pf.subject_key))[1])
             END AS message
      FROM procurement_flag_new pf
      JOIN source_link l ON l.subject_kind = 'process' AND l.subject_key = pf.process_id
                        AND l.object_kind = 'work'
      GROUP BY 1, 2) AS f
JOIN work w ON w.infobras_code = f.infobras_code
LEFT JOIN area d ON d.ubigeo = w.ubigeo
"""


def insert_sql(rule: Rule) -> str:
    """The rule's SELECT wrapped into an INSERT into the new flags, its sentence filled in
    by format() (thresholds written in, figures from the SELECT's columns)."""
    args = "".join(f", r.{c}" for c in rule.columns())
    cases = " ".join(f"WHEN :variant_{i} THEN format(:message_{i}{args})"
                     for i in range(len(rule.messages)))
    return f"""
INSERT INTO procurement_flag_new (rule_code, subject_kind, subject_key, process_id, severity,
    severity_rank, amount, evidence, message, rule_name, nomenclature, procedure_type, object,
    source, entity_id, entity_name, region_ubigeo, ubigeo, works, computed_at)
SELECT :rule_code, r.subject_kind, r.subject_key, r.process_id, r.severity,
       alert_severity_rank(r.severity), round(r.amount, 2),
       r.evidence || jsonb_build_object('variante', r.variant), CASE r.variant {cases} END,
       :rule_name, p.nomenclature, p.procedure_type, p.object, p.source, p.entity_id,
       p.entity_name, p.region_ubigeo,
       (SELECT i.ubigeo FROM process_item i WHERE i.process_id = p.id
        AND i.ubigeo IS NOT NULL ORDER BY i.item_no LIMIT 1),
       COALESCE((SELECT array_agg(l.object_key ORDER BY l.object_key) FROM source_link l
                 WHERE l.subject_kind = 'process' AND l.subject_key = p.id
                   AND l.object_kind = 'work'), '{{}}'),
       :computed_at
FROM ({RULE_SQL[rule.code]} OFFSET 0) AS r  -- OFFSET 0: compute each row once
JOIN procurement_process p ON p.id = r.process_id
"""


def params(rule: Rule | None = None) -> dict:
    """The lists the rules' SQL reads, and a rule's thresholds, variants and sentences."""
    out: dict = {
        "competitive": list(COMPETITIVE), "works_object": WORKS_OBJECT,
        "sanction_kinds": list(SANCTION_KINDS), "tender_types": list(TENDER_PERIOD),
        "from_call": [t for t, (_, basis) in TENDER_PERIOD.items() if basis == "call"]}
    if rule is not None:
        out |= {"rule_code": rule.code, "rule_name": rule.name, **rule.threshold}
        for i, variant in enumerate(rule.messages):
            out[f"variant_{i}"] = variant
            out[f"message_{i}"] = rule.sql_format(variant)
        if "ventana_dias" in rule.threshold:
            out["days_back"] = max(int(rule.threshold["ventana_dias"]) - 1, 0)
    return out


def compute(conn: sa.Connection, rules: Sequence[Rule], computed_at: datetime,
            timings: dict[str, float]) -> dict[str, int]:
    """Replace the flags, fences, coverage and calendar, then add the works' alerts of the
    flags to alert_new; returns the flags per rule."""
    mine = [r for r in rules if r.code in CODES]
    clock = time.perf_counter()
    # No JIT for these short statements: compiling them cost more than running them (the
    # planner's costs at 100k processes pass the JIT thresholds; 5.8 -> 1 s for one rule).
    jit = conn.execute(sa.text("SELECT current_setting('jit')")).scalar_one()
    conn.execute(sa.text("SET LOCAL jit = off"))
    # The flags go to an unlogged table without indexes (no WAL, no index upkeep row by row)
    # and replace the published ones at the end: readers wait only for the swap.
    conn.execute(sa.text("CREATE UNLOGGED TABLE procurement_flag_new"
                         " (LIKE procurement_flag INCLUDING DEFAULTS)"))
    conn.execute(sa.text("DELETE FROM procurement_fence; DELETE FROM procurement_rule_coverage"))
    fill_calendar(conn)
    # The bids per item, read once (the single-bidder rule and two coverages use them).
    conn.execute(sa.text(
        "CREATE TEMP TABLE flag_bids ON COMMIT DROP AS SELECT process_id, item_no,"
        " count(*) AS bidders, bool_or(amount IS NOT NULL) AS priced FROM bid GROUP BY 1, 2;"
        " ANALYZE flag_bids"))
    by_code = {r.code: r for r in mine}
    if "adjudicado_vs_referencial" in by_code:
        conn.execute(sa.text(FENCE_SQL), params(by_code["adjudicado_vs_referencial"]))
    timings["contrataciones_calendario"] = time.perf_counter() - clock
    for rule in mine:
        clock = time.perf_counter()
        conn.execute(sa.text(insert_sql(rule)), params(rule) | {"computed_at": computed_at})
        timings[f"contrataciones_{rule.code}"] = time.perf_counter() - clock
    clock = time.perf_counter()
    _coverage(conn, mine)
    timings["contrataciones_cobertura"] = time.perf_counter() - clock
    clock = time.perf_counter()
    conn.execute(sa.text("ANALYZE procurement_flag_new"))
    several = WORK_SEVERAL.replace("%", "%%").replace("{n}", "%1$s").replace("{primero}", "%2$s")
    conn.execute(sa.text(WORK_ALERTS_SQL), {"computed_at": computed_at, "several": several})
    timings["contrataciones_obras"] = time.perf_counter() - clock
    clock = time.perf_counter()
    counts = dict(conn.execute(sa.text(
        "SELECT rule_code, count(*) FROM procurement_flag_new GROUP BY 1")).all())
    conn.execute(sa.text("TRUNCATE procurement_flag; INSERT INTO procurement_flag"
                         " SELECT * FROM procurement_flag_new; DROP TABLE procurement_flag_new;"
                         " ANALYZE procurement_flag"))
    conn.execute(sa.text("SELECT set_config('jit', :jit, true)"), {"jit": jit})
    timings["contrataciones_reemplazo"] = time.perf_counter() - clock
    return counts


def _coverage(conn: sa.Connection, rules: Sequence[Rule]) -> None:
    """Each distinct coverage query once (two rules share the awards' dates)."""
    done: dict[str, list] = {}
    for rule in rules:
        unit, reason, sql = COVERAGE_SQL[rule.code]
        if sql not in done:
            done[sql] = conn.execute(sa.text(sql), params(rule)).all()
        rows = [{"rule_code": rule.code, "unit": unit, "reason": reason, "source": source,
                 "evaluated": evaluated, "not_evaluable": not_evaluable}
                for source, evaluated, not_evaluable in done[sql]]
        if rows:
            conn.execute(sa.text(
                "INSERT INTO procurement_rule_coverage (rule_code, source, unit, evaluated,"
                " not_evaluable, reason) VALUES (:rule_code, :source, :unit, :evaluated,"
                " :not_evaluable, :reason)"), rows)


def business_days(first: date, last: date) -> list[tuple[date, int, str | None]]:
    """(day, n, holiday) from `first` to `last`: n counts the business days up to and
    including the day (Monday to Friday, not a national holiday of Peru)."""
    off = holidays.country_holidays("PE", years=range(first.year, last.year + 1),
                                   language="es")
    out, n, day = [], 0, first
    while day <= last:
        name = off.get(day)
        if day.weekday() < 5 and name is None:
            n += 1
        out.append((day, n, name))
        day += timedelta(days=1)
    return out


def fill_calendar(conn: sa.Connection) -> None:
    """The business days of the years the processes' dates span (a date outside
    FIRST_YEAR..LAST_YEAR is a data error and is left out: not evaluated)."""
    span = conn.execute(sa.text("""
SELECT min(d), max(d) FROM procurement_process p
CROSS JOIN LATERAL (VALUES (p.call_date), (p.submission_date),
    (CASE WHEN p.extra->>'fecha_integracion_bases' ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}$'
          THEN (p.extra->>'fecha_integracion_bases')::date END)) AS v(d)
WHERE d BETWEEN make_date(:a, 1, 1) AND make_date(:b, 12, 31)"""),
        {"a": FIRST_YEAR, "b": LAST_YEAR}).one()
    conn.execute(sa.text("DELETE FROM business_day"))
    if span[0] is None:
        return
    rows = business_days(date(span[0].year, 1, 1), date(span[1].year, 12, 31))
    conn.execute(sa.text("INSERT INTO business_day (day, n, holiday) SELECT * FROM"
                         " unnest(CAST(:d AS date[]), CAST(:n AS int[]), CAST(:h AS text[]))"),
                 {"d": [r[0] for r in rows], "n": [r[1] for r in rows],
                  "h": [r[2] for r in rows]})
    conn.execute(sa.text("ANALYZE business_day"))

