-- Alerts: one rule applied to one work, with its evidence and a sentence a citizen understands.
-- Filled by geodata/alerts.py (`recompute`), which replaces every row in one transaction; the
-- rules, thresholds and sentences live in geodata/alert_rules.py.

-- The rules as last applied, with the thresholds used and where each threshold comes from.
CREATE TABLE IF NOT EXISTS alert_rule (
    code         text PRIMARY KEY,
    name         text  NOT NULL,
    severity     text  NOT NULL CHECK (severity IN ('alta', 'media', 'baja')),  -- the usual one
    threshold    jsonb NOT NULL DEFAULT '{}',
    source       text  NOT NULL,
    description  text  NOT NULL
);

CREATE TABLE IF NOT EXISTS alert (
    infobras_code   bigint NOT NULL REFERENCES work(infobras_code) ON DELETE CASCADE,
    rule_code       text   NOT NULL,
    state           text   NOT NULL CHECK (state IN ('alerta', 'no_calculable')),
    severity        text   CHECK (severity IN ('alta', 'media', 'baja')),  -- NULL: no_calculable
    amount_at_risk  numeric(16, 2),
    evidence        jsonb  NOT NULL DEFAULT '{}',
    message         text   NOT NULL,
    computed_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (infobras_code, rule_code)
);
-- What the alerts table shows and sorts by beyond the alert itself, copied at each recompute
-- (geodata/alerts.py): the work's district (its ubigeo, its name and its region's), the
-- rule's name and the severity's rank (alta 3, media 2, baja 1, none 0). The table narrows by
-- area and sorts by any of these on this table alone, walking an index, instead of joining
-- every alert to its work and areas and sorting them all.
-- The one place the rank is written: the recompute and the filling below both call it.
CREATE OR REPLACE FUNCTION alert_severity_rank(severity text) RETURNS smallint
LANGUAGE sql IMMUTABLE AS $$
    SELECT (CASE severity WHEN 'alta' THEN 3 WHEN 'media' THEN 2 WHEN 'baja' THEN 1
            ELSE 0 END)::smallint
$$;
ALTER TABLE alert ADD COLUMN IF NOT EXISTS ubigeo text;
ALTER TABLE alert ADD COLUMN IF NOT EXISTS severity_rank smallint;
ALTER TABLE alert ADD COLUMN IF NOT EXISTS rule_name text;
ALTER TABLE alert ADD COLUMN IF NOT EXISTS district_name text;
ALTER TABLE alert ADD COLUMN IF NOT EXISTS region_name text;
UPDATE alert a
SET ubigeo = w.ubigeo, district_name = COALESCE(d.name, ''),
    region_name = COALESCE(d.region_name, ''),
    rule_name = COALESCE((SELECT r.name FROM alert_rule r WHERE r.code = a.rule_code),
                         a.rule_code),
    severity_rank = alert_severity_rank(a.severity)
FROM work w LEFT JOIN area d ON d.ubigeo = w.ubigeo
WHERE w.infobras_code = a.infobras_code AND a.rule_name IS NULL;
-- Never NULL (an unknown name is ''), so one ascending index walks either direction.
ALTER TABLE alert ALTER COLUMN ubigeo SET NOT NULL, ALTER COLUMN severity_rank SET NOT NULL,
    ALTER COLUMN rule_name SET NOT NULL, ALTER COLUMN district_name SET NOT NULL,
    ALTER COLUMN region_name SET NOT NULL;
CREATE INDEX IF NOT EXISTS alert_ubigeo_idx ON alert (ubigeo text_pattern_ops);
-- Ties are broken by work and rule in ascending order whatever the direction: most severe
-- first and least severe first each need their own index.
CREATE INDEX IF NOT EXISTS alert_severity_idx
    ON alert (severity_rank DESC, infobras_code, rule_code);
CREATE INDEX IF NOT EXISTS alert_severity_asc_idx
    ON alert (severity_rank, infobras_code, rule_code);
CREATE INDEX IF NOT EXISTS alert_rule_name_idx ON alert (rule_name, infobras_code, rule_code);
CREATE INDEX IF NOT EXISTS alert_district_idx ON alert (district_name, infobras_code, rule_code);
CREATE INDEX IF NOT EXISTS alert_region_idx ON alert (region_name, infobras_code, rule_code);
-- Selections by rule, or by state and severity, are counted and summed per work from these
-- alone (index-only scans: geodata/alerts.py vacuums the table after each recompute).
DROP INDEX IF EXISTS alert_rule_state_idx;
CREATE INDEX IF NOT EXISTS alert_rule_cover_idx ON alert (rule_code, state, severity)
    INCLUDE (infobras_code, amount_at_risk);
CREATE INDEX IF NOT EXISTS alert_state_cover_idx ON alert (state, severity)
    INCLUDE (infobras_code, amount_at_risk);
CREATE INDEX IF NOT EXISTS alert_ubigeo_idx ON alert (ubigeo text_pattern_ops);
CREATE INDEX IF NOT EXISTS alert_severity_idx
    ON alert (severity_rank DESC NULLS LAST, infobras_code, rule_code);
-- By amount within a state (the rules that could not be computed are listed too).
DROP INDEX IF EXISTS alert_amount_idx;
CREATE INDEX IF NOT EXISTS alert_state_amount_idx
    ON alert (state, amount_at_risk DESC NULLS LAST, infobras_code, rule_code);
CREATE INDEX IF NOT EXISTS alert_state_amount_asc_idx
    ON alert (state, amount_at_risk, infobras_code, rule_code);

-- One row per work with at least one tripped alert, rebuilt with the alerts. Sums by area use
-- it: a work's amount at risk is the largest of its alerts' (adding them would count the same
-- soles several times).
CREATE TABLE IF NOT EXISTS alert_work (
    infobras_code   bigint PRIMARY KEY REFERENCES work(infobras_code) ON DELETE CASCADE,
    ubigeo          text     NOT NULL,
    alerts          smallint NOT NULL,
    alta            smallint NOT NULL,
    media           smallint NOT NULL,
    baja            smallint NOT NULL,
    amount_at_risk  numeric(16, 2),
    rules           text[]   NOT NULL
);
CREATE INDEX IF NOT EXISTS alert_work_ubigeo_idx ON alert_work (ubigeo text_pattern_ops);

-- Alerts per district (the explorer and the alerts map aggregate up from here by prefix).
CREATE OR REPLACE VIEW alert_district AS
SELECT ubigeo,
       sum(alerts)::integer   AS alerts,
       count(*)::integer      AS works_with_alerts,
       sum(alta)::integer     AS alta,
       sum(media)::integer    AS media,
       sum(baja)::integer     AS baja,
       sum(amount_at_risk)    AS amount_at_risk
FROM alert_work
GROUP BY ubigeo;

-- Helpers to write the sentences in SQL (set-based: no per-row Python). Declared STABLE (to_char
-- and text concatenation are) so that PostgreSQL inlines them into the rules' queries.
-- Calendar months from the month of `since` to the month of `until` (May 2026 - March 2025 = 14).
CREATE OR REPLACE FUNCTION alert_months(since date, until date) RETURNS integer
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT ((extract(year FROM until) - extract(year FROM since)) * 12
            + extract(month FROM until) - extract(month FROM since))::integer
$$;

-- "marzo de 2025"
CREATE OR REPLACE FUNCTION alert_month_es(d date) RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT (ARRAY['enero', 'febrero', 'marzo', 'abril', 'mayo', 'junio', 'julio', 'agosto',
                  'septiembre', 'octubre', 'noviembre', 'diciembre'])[extract(month FROM d)::int]
           || ' de ' || extract(year FROM d)::int::text
$$;

-- "12 de marzo de 2025"
CREATE OR REPLACE FUNCTION alert_date_es(d date) RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT extract(day FROM d)::int::text || ' de ' || alert_month_es(d)
$$;

-- "1 234 567" (thin groups with a space, no decimals)
CREATE OR REPLACE FUNCTION alert_int(x numeric) RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT replace(to_char(round(x), 'FM999,999,999,999,990'), ',', ' ')
$$;

-- "S/ 1 234 567"
CREATE OR REPLACE FUNCTION alert_money(x numeric) RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT 'S/ ' || alert_int(x)
$$;

-- "45,3 %"
CREATE OR REPLACE FUNCTION alert_pct(x numeric) RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT translate(to_char(round(x, 1), 'FM999,999,990.0'), ',.', ' ,') || ' %'
$$;

-- {"faltan": [...]}: the fields a rule needed and a work lacks (NULL arguments are dropped).
CREATE OR REPLACE FUNCTION alert_missing(VARIADIC fields text[]) RETURNS jsonb
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT jsonb_build_object('faltan', to_jsonb(array_remove(fields, NULL)))
$$;

-- SUNAT RUC: 11 digits, a known prefix, and the modulo-11 check digit (weights 5432765432).
CREATE OR REPLACE FUNCTION alert_ruc_valid(ruc text) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN ruc ~ '^(10|15|16|17|20)[0-9]{9}$' THEN
        (11 - (5 * substr(ruc, 1, 1)::int + 4 * substr(ruc, 2, 1)::int
               + 3 * substr(ruc, 3, 1)::int + 2 * substr(ruc, 4, 1)::int
               + 7 * substr(ruc, 5, 1)::int + 6 * substr(ruc, 6, 1)::int
               + 5 * substr(ruc, 7, 1)::int + 4 * substr(ruc, 8, 1)::int
               + 3 * substr(ruc, 9, 1)::int + 2 * substr(ruc, 10, 1)::int) % 11) % 10
        = substr(ruc, 11, 1)::int
    ELSE false END
$$;

-- A rule of kind "senal" (the control signal, geodata/alert_rules.py) writes rows of state
-- 'senal': no severity, no amount, never counted as alerts (alert_work keeps 'alerta' only).
ALTER TABLE alert DROP CONSTRAINT IF EXISTS alert_state_check;
ALTER TABLE alert ADD CONSTRAINT alert_state_check
    CHECK (state IN ('alerta', 'no_calculable', 'senal'));

-- Per rule as last applied, for /datos: its kind, the other source it needs, and whether any
-- of that source was loaded (false: «no evaluable: falta <needs>»).
ALTER TABLE alert_rule ADD COLUMN IF NOT EXISTS kind text NOT NULL DEFAULT 'alerta';
ALTER TABLE alert_rule ADD COLUMN IF NOT EXISTS needs text;
ALTER TABLE alert_rule ADD COLUMN IF NOT EXISTS needs_loaded boolean;

-- A number or an ISO date kept in a jsonb field (work.extra, investment_source.extra), NULL
-- when it is none (a loader keeps a cell that does not parse as its text).
CREATE OR REPLACE FUNCTION alert_jnum(j jsonb) RETURNS numeric
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN jsonb_typeof(j) = 'number' THEN (j #>> '{}')::numeric
                WHEN jsonb_typeof(j) = 'string' AND (j #>> '{}') ~ '^-?[0-9]+(\.[0-9]+)?$'
                    THEN (j #>> '{}')::numeric END
$$;
CREATE OR REPLACE FUNCTION alert_jdate(j jsonb) RETURNS date
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN jsonb_typeof(j) = 'string' AND (j #>> '{}') ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}'
                THEN left(j #>> '{}', 10)::date END
$$;
