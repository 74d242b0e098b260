-- Procurement red flags (SEACE): one rule applied to one process or contract, with the
-- evidence that tripped it and a sentence a citizen understands. Filled by
-- geodata/procurement_flags.py inside the alerts recompute (one transaction with the works'
-- alerts); the rules, thresholds and sentences live in geodata/procurement_rules.py.
-- Applied after sources.sql (it describes rows of procurement_process and contract).

CREATE TABLE IF NOT EXISTS procurement_flag (
    rule_code       text   NOT NULL,
    subject_kind    text   NOT NULL CHECK (subject_kind IN ('process', 'contract')),
    subject_key     text   NOT NULL,           -- the process id or the contract id
    process_id      text   NOT NULL,
    severity        text   NOT NULL CHECK (severity IN ('alta', 'media', 'baja')),
    severity_rank   smallint NOT NULL,
    amount          numeric(16, 2),            -- the amount at risk, as the rule defines it
    evidence        jsonb  NOT NULL DEFAULT '{}',
    message         text   NOT NULL,
    rule_name       text   NOT NULL,
    nomenclature    text,
    procedure_type  text,
    object          text,
    source          text,
    entity_id       text,
    entity_name     text,
    region_ubigeo   text,
    ubigeo          text,                      -- the district of the process's first item
    works           text[] NOT NULL DEFAULT '{}',  -- INFObras codes linked to the process
    computed_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (rule_code, subject_kind, subject_key)
);
CREATE INDEX IF NOT EXISTS procurement_flag_process_idx ON procurement_flag (process_id);
CREATE INDEX IF NOT EXISTS procurement_flag_entity_idx ON procurement_flag (entity_id);
CREATE INDEX IF NOT EXISTS procurement_flag_region_idx
    ON procurement_flag (region_ubigeo, rule_code);
-- The table's default order: most severe, then largest amount.
CREATE INDEX IF NOT EXISTS procurement_flag_order_idx
    ON procurement_flag (severity_rank DESC, amount DESC NULLS LAST, rule_code, subject_key);

-- The fences the rule «adjudicado_vs_referencial» used, published with it: per procedure type
-- and object, the items measured, the quartiles of awarded / reference and the fences; a
-- group below the minimum sample is listed with evaluated = false.
CREATE TABLE IF NOT EXISTS procurement_fence (
    rule_code       text    NOT NULL,
    procedure_type  text    NOT NULL,
    object          text    NOT NULL,
    items           integer NOT NULL,
    q1              double precision,
    median          double precision,
    q3              double precision,
    lower_fence     double precision,
    upper_fence     double precision,
    evaluated       boolean NOT NULL,
    PRIMARY KEY (rule_code, procedure_type, object)
);

-- What each rule could judge, per source: processes evaluated and processes it could not
-- evaluate for lack of data (with the reason), so that «no data» is never read as «no alert».
CREATE TABLE IF NOT EXISTS procurement_rule_coverage (
    rule_code      text    NOT NULL,
    source         text    NOT NULL,
    unit           text    NOT NULL,           -- procesos | contratos | ítems
    evaluated      integer NOT NULL,
    not_evaluable  integer NOT NULL,
    reason         text,
    PRIMARY KEY (rule_code, source)
);
ALTER TABLE procurement_rule_coverage ADD COLUMN IF NOT EXISTS unit text NOT NULL
    DEFAULT 'procesos';

-- Business days (Mon-Fri, not a national holiday) numbered in order: the business days in
-- (a, b] are n(b) - n(a). Rebuilt by the recompute for the dates its processes span.
CREATE TABLE IF NOT EXISTS business_day (
    day  date    PRIMARY KEY,
    n    integer NOT NULL,
    holiday text
);
