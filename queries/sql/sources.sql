-- The sources joined around each work: MEF investments (the root, keyed by CUI), SEACE
-- procurement (processes, items, bids, contracts, suppliers, sanctions), CGR control reports,
-- the executing entities, and how each link between them was made.
-- Applied idempotently by `python -m queries.migrate`, after schema.sql.

-- Rows a loader read that repeat another row by the source's own key (e.g. CONOSCE's item ×
-- bidder × contract × penalty join): counted, never summed twice, never silently dropped.
ALTER TABLE load_run ADD COLUMN IF NOT EXISTS duplicates integer NOT NULL DEFAULT 0;

-- One key for an entity in every source: its name folded (no accents, no punctuation,
-- lowercase, hyphens) and, for a municipality (whose name repeats across Peru: there are
-- many "Municipalidad Distrital de Santa Rosa"), the region's two-digit ubigeo before it.
-- IMMUTABLE so that it can feed generated columns and indexes (unaccent's dictionary is named).
CREATE OR REPLACE FUNCTION entity_key(name text, region text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN k IS NULL OR k = '' THEN NULL
                WHEN k LIKE 'municipalidad%' AND region ~ '^[0-9]{2}$' THEN region || '-' || k
                ELSE k END
    FROM (SELECT trim(BOTH '-' FROM regexp_replace(
                 lower(public.unaccent('public.unaccent'::regdictionary, name)),
                 '[^a-z0-9]+', '-', 'g')) AS k) s
$$;

-- A CUI as the sources write it (2233850, 2233850.0, '02233850') -> '2233850'.
CREATE OR REPLACE FUNCTION cui_key(value text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT NULLIF(ltrim(substring(trim(value) FROM '^([0-9]+)(\.0+)?$'), '0'), '')
$$;

-- The executing entity of a work, by the same key as every other source.
ALTER TABLE work ADD COLUMN IF NOT EXISTS entity_id text
    GENERATED ALWAYS AS (entity_key(entity, left(ubigeo, 2))) STORED;
CREATE INDEX IF NOT EXISTS work_entity_id_idx ON work (entity_id);
CREATE INDEX IF NOT EXISTS work_contractor_ruc_idx ON work (contractor_ruc);
-- The page of an entity or a contractor (queries.parties): its largest works read in order,
-- and its sums by status and year read from the index alone (a national programme's 4,000
-- works: 110 -> 25 ms).
CREATE INDEX IF NOT EXISTS work_entity_amount_idx
    ON work (entity_id, amount_investment DESC NULLS LAST, infobras_code);
CREATE INDEX IF NOT EXISTS work_contractor_amount_idx
    ON work (contractor_ruc, amount_investment DESC NULLS LAST, infobras_code);
CREATE INDEX IF NOT EXISTS work_entity_figures_idx ON work (entity_id)
    INCLUDE (status, start_year, amount_investment, amount_accrued, physical_progress);

-- Investments (MEF). One row per CUI and source: the Banco de Inversiones export
-- ('mef_banco'), the SSI execution list ('ssi_ejecucion'), the SSI Formato 8
-- ('ssi_formato8'). The figure shown is chosen by `investment` below, in that order.
CREATE TABLE IF NOT EXISTS investment_source (
    cui                text    NOT NULL CHECK (cui ~ '^[1-9][0-9]*$'),
    source             text    NOT NULL CHECK (source IN ('mef_banco', 'ssi_ejecucion',
                                                          'ssi_formato8')),
    source_date        date,
    name               text,
    status             text,               -- ACTIVO | CERRADO | ... as the source writes it
    sector             text,               -- canonical (geodata.vocabulary.sector)
    function           text,
    entity_name        text,               -- the entity (Banco: "Entidad"; SSI: the UEP)
    executor           text,               -- the executing unit as written
    region_ubigeo      text    CHECK (region_ubigeo ~ '^[0-9]{2}$'),
    amount_viable      numeric(16, 2),     -- monto viable / de inversión
    amount_updated     numeric(16, 2),     -- costo actualizado
    registration_date  date,
    viability_date     date,
    last_modified      date,
    beneficiaries      bigint,
    extra              jsonb   NOT NULL DEFAULT '{}',
    load_run_id        bigint  REFERENCES load_run(id) ON DELETE SET NULL,
    entity_id          text    GENERATED ALWAYS AS (entity_key(entity_name, region_ubigeo)) STORED,
    PRIMARY KEY (cui, source)
);
CREATE INDEX IF NOT EXISTS investment_source_entity_idx ON investment_source (entity_id);

-- Where an investment happens, per source: the Banco's row per district, Formato 8's point
-- per location. A repeated district is a place, never a second amount.
CREATE TABLE IF NOT EXISTS investment_place (
    cui          text    NOT NULL,
    source       text    NOT NULL,
    seq          integer NOT NULL,          -- order within the source's rows of this CUI
    ubigeo       text    REFERENCES area(ubigeo),
    department   text,
    province     text,
    district     text,
    locality     text,                      -- centro poblado
    geom         geometry(Point, 4326),
    PRIMARY KEY (cui, source, seq),
    FOREIGN KEY (cui, source) REFERENCES investment_source (cui, source) ON DELETE CASCADE
);
CREATE INDEX IF NOT EXISTS investment_place_ubigeo_idx ON investment_place (ubigeo text_pattern_ops);

-- The investment as shown: each field from the first source that has it, in the stated
-- precedence (Banco de Inversiones, then the SSI execution list, then Formato 8).
CREATE OR REPLACE FUNCTION investment_source_rank(source text) RETURNS integer
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE source WHEN 'mef_banco' THEN 1 WHEN 'ssi_ejecucion' THEN 2
                       WHEN 'ssi_formato8' THEN 3 ELSE 9 END
$$;
CREATE OR REPLACE VIEW investment AS
SELECT cui,
       (array_agg(name ORDER BY investment_source_rank(source)) FILTER (WHERE name IS NOT NULL))[1] AS name,
       (array_agg(status ORDER BY investment_source_rank(source)) FILTER (WHERE status IS NOT NULL))[1] AS status,
       (array_agg(sector ORDER BY investment_source_rank(source)) FILTER (WHERE sector IS NOT NULL))[1] AS sector,
       (array_agg(entity_id ORDER BY investment_source_rank(source)) FILTER (WHERE entity_id IS NOT NULL))[1] AS entity_id,
       (array_agg(entity_name ORDER BY investment_source_rank(source)) FILTER (WHERE entity_name IS NOT NULL))[1] AS entity_name,
       (array_agg(amount_viable ORDER BY investment_source_rank(source)) FILTER (WHERE amount_viable IS NOT NULL))[1] AS amount_viable,
       (array_agg(amount_updated ORDER BY investment_source_rank(source)) FILTER (WHERE amount_updated IS NOT NULL))[1] AS amount_updated,
       (array_agg(viability_date ORDER BY investment_source_rank(source)) FILTER (WHERE viability_date IS NOT NULL))[1] AS viability_date,
       (array_agg(region_ubigeo ORDER BY investment_source_rank(source)) FILTER (WHERE region_ubigeo IS NOT NULL))[1] AS region_ubigeo,
       array_agg(source ORDER BY investment_source_rank(source)) AS sources
FROM investment_source
GROUP BY cui;

-- Procurement (OSCE SEACE: the CONOSCE open-data join, or OCDS packages).
CREATE TABLE IF NOT EXISTS supplier (
    ruc          text PRIMARY KEY CHECK (ruc ~ '^([0-9]{6,11}|[A-Z][0-9]{10})$'),
    name         text,
    kind         text,                      -- Persona Natural | Persona Jurídica | Consorcio ...
    source       text NOT NULL,
    load_run_id  bigint REFERENCES load_run(id) ON DELETE SET NULL
);
CREATE INDEX IF NOT EXISTS supplier_name_fts ON supplier USING gin (to_tsvector('simple', name));
-- SEACE's codes in place of a RUC: a consortium's (6 digits, or 'C' + 10 digits for its
-- contract) and a non-domiciled supplier's ('L' + 10 digits), as CONOSCE writes them.
ALTER TABLE supplier DROP CONSTRAINT IF EXISTS supplier_ruc_check;
ALTER TABLE supplier ADD CONSTRAINT supplier_ruc_check
    CHECK (ruc ~ '^([0-9]{6,11}|[A-Z][0-9]{10})$');

CREATE TABLE IF NOT EXISTS supplier_sanction (
    ruc            text NOT NULL,
    key            text NOT NULL,           -- the source's own key (resolution, dates, reason)
    kind           text NOT NULL CHECK (kind IN ('inhabilitacion', 'sancion', 'multa')),
    start_date     date,
    end_date       date,
    resolution     text,
    reason_code    text,
    reason         text,
    authority      text,                    -- órgano jurisdiccional / Tribunal
    source         text NOT NULL,
    load_run_id    bigint REFERENCES load_run(id) ON DELETE SET NULL,
    PRIMARY KEY (ruc, key)
);

CREATE TABLE IF NOT EXISTS procurement_process (
    id                  text PRIMARY KEY,   -- 'seace-<codigoconvocatoria>' or the OCDS ocid
    ocid                text,
    source              text NOT NULL CHECK (source IN ('conosce', 'ocds')),
    source_date         date,
    entity_name         text,
    entity_ruc          text,
    region_ubigeo       text CHECK (region_ubigeo ~ '^[0-9]{2}$'),
    nomenclature        text,               -- e.g. AS-SM-16-2019-MPTAH/CS-1
    description         text,
    procedure_type      text,               -- Licitación Pública, Adjudicación Simplificada ...
    object              text,               -- Obra, Consultoría de Obra, Bien, Servicio
    sector              text,
    contracting_system  text,
    reference_amount    numeric(16, 2),
    currency            text,
    call_date           date,               -- convocatoria
    submission_date     date,               -- presentación de propuestas
    cui                 text,               -- a CUI named in the description (links it)
    extra               jsonb NOT NULL DEFAULT '{}',
    load_run_id         bigint REFERENCES load_run(id) ON DELETE SET NULL,
    entity_id           text GENERATED ALWAYS AS (entity_key(entity_name, region_ubigeo)) STORED
);
CREATE INDEX IF NOT EXISTS process_entity_idx ON procurement_process (entity_id);
CREATE INDEX IF NOT EXISTS process_cui_idx ON procurement_process (cui);
-- /api/v1/contracts?region= (queries.api_procurement).
CREATE INDEX IF NOT EXISTS process_region_idx ON procurement_process (region_ubigeo);

CREATE TABLE IF NOT EXISTS process_item (
    process_id          text    NOT NULL REFERENCES procurement_process(id) ON DELETE CASCADE,
    item_no             integer NOT NULL,
    description         text,
    status              text,
    reference_amount    numeric(16, 2),
    awarded_amount      numeric(16, 2),
    awarded_quantity    numeric(16, 2),
    winner_ruc          text,
    award_date          date,               -- buena pro
    consent_date        date,
    department          text,
    province            text,
    district            text,
    ubigeo              text REFERENCES area(ubigeo),
    PRIMARY KEY (process_id, item_no)
);
CREATE INDEX IF NOT EXISTS process_item_winner_idx ON process_item (winner_ruc);

CREATE TABLE IF NOT EXISTS bid (
    process_id    text    NOT NULL,
    item_no       integer NOT NULL,
    bidder_ruc    text    NOT NULL,
    bidder_name   text,
    submitted     date,
    amount        numeric(16, 2),           -- the offer, where the source gives it (OCDS)
    PRIMARY KEY (process_id, item_no, bidder_ruc),
    FOREIGN KEY (process_id, item_no) REFERENCES process_item (process_id, item_no) ON DELETE CASCADE
);
CREATE INDEX IF NOT EXISTS bid_bidder_idx ON bid (bidder_ruc);

CREATE TABLE IF NOT EXISTS contract (
    id                    text PRIMARY KEY, -- the source's contract id (CONOSCE idcontrato / n_cod_contrato)
    process_id            text NOT NULL REFERENCES procurement_process(id) ON DELETE CASCADE,
    item_no               integer,
    supplier_ruc          text,
    number                text,
    signed_date           date,
    start_date            date,
    end_date              date,
    end_date_updated      date,
    amount                numeric(16, 2),   -- monto contratado total
    amount_item           numeric(16, 2),
    amount_additional     numeric(16, 2),   -- adicionales
    amount_reduction      numeric(16, 2),   -- reducciones
    amount_extension      numeric(16, 2),   -- prórrogas (ampliaciones)
    amount_complementary  numeric(16, 2),
    currency              text,
    url                   text,
    source                text NOT NULL,
    source_date           date,
    load_run_id           bigint REFERENCES load_run(id) ON DELETE SET NULL
);
CREATE INDEX IF NOT EXISTS contract_process_idx ON contract (process_id);
CREATE INDEX IF NOT EXISTS contract_supplier_idx ON contract (supplier_ruc);
-- /api/v1/contracts pages, newest signed first: the first page walks 50 index entries
-- instead of sorting every contract (100k: 120 ms -> 1 ms).
CREATE INDEX IF NOT EXISTS contract_signed_idx ON contract (signed_date DESC NULLS LAST, id);

CREATE TABLE IF NOT EXISTS contract_penalty (
    contract_id   text NOT NULL REFERENCES contract(id) ON DELETE CASCADE,
    key           text NOT NULL,            -- the source's own key (type, date, reason, amount)
    kind          text,
    penalty_date  date,
    reason        text,
    amount        numeric(16, 2),
    PRIMARY KEY (contract_id, key)
);

-- Penalties CONOSCE joins to a row by the supplier's RUC whose contract is not in the file
-- (another entity's, often of another region): part of the supplier's record, kept apart
-- from the contracts of the file (contract_penalty), never summed with them.
CREATE TABLE IF NOT EXISTS supplier_penalty (
    contract_ref    text NOT NULL,          -- SEACE idcontrato: a contract not in the file
    key             text NOT NULL,          -- the source's own key (type, date, reason, amount)
    ruc             text NOT NULL,          -- the supplier of the row it was joined to
    contractor_ruc  text,                   -- ruc_contratista as the file writes it
    entity_name     text,                   -- entidadcontratante: who applied it
    object          text,                   -- objetocontrato: Bienes, Servicios, Obras ...
    kind            text,
    penalty_date    date,
    reason          text,
    amount          numeric(16, 2),
    source          text NOT NULL,
    load_run_id     bigint REFERENCES load_run(id) ON DELETE SET NULL,
    PRIMARY KEY (contract_ref, key)
);
CREATE INDEX IF NOT EXISTS supplier_penalty_ruc_idx ON supplier_penalty (ruc);

-- Government control (CGR): published control reports.
CREATE TABLE IF NOT EXISTS control_report (
    id                   text PRIMARY KEY,  -- the report's id in the register (2019CPO032800032)
    number               text,              -- Nº de informe (017-2019-2-0328)
    region_name          text,
    region_ubigeo        text CHECK (region_ubigeo ~ '^[0-9]{2}$'),
    entity_name          text,
    service_type         text,
    title                text,
    event                text,
    operation            text,
    persons_responsible  integer,           -- personas con presunta responsabilidad
    responsibility_type  text,
    issued_date          date,
    concluded_date       date,
    published_date       date,
    pdf_url              text,
    summary_url          text,
    source               text NOT NULL,
    source_date          date,
    load_run_id          bigint REFERENCES load_run(id) ON DELETE SET NULL,
    entity_id            text GENERATED ALWAYS AS (entity_key(entity_name, region_ubigeo)) STORED
);
CREATE INDEX IF NOT EXISTS control_report_entity_idx ON control_report (entity_id);

-- How two records of different sources were joined. A link is a claim with its method and
-- confidence: 1.0 for a shared key (CUI, code, RUC), less for an entity matched by name and
-- region, least for a name similarity, which screens show as a candidate, never as fact.
CREATE TABLE IF NOT EXISTS source_link (
    subject_kind  text NOT NULL,            -- work | investment | process | contract | control_report
    subject_key   text NOT NULL,
    object_kind   text NOT NULL,            -- investment | entity | work | supplier
    object_key    text NOT NULL,
    method        text NOT NULL CHECK (method IN ('cui', 'codigo', 'ruc', 'entidad_region',
                                                  'entidad', 'nombre_similar')),
    confidence    numeric(3, 2) NOT NULL CHECK (confidence > 0 AND confidence <= 1),
    evidence      text,                     -- what matched, in plain Spanish
    PRIMARY KEY (subject_kind, subject_key, object_kind, object_key)
);
-- A work's page reads the links of one kind of subject to its entity: the entity's links of
-- every kind (a regional government's 1,000 works, processes and investments) were read from
-- the table to keep its few reports (the bench's 30 works: p95 32 -> 2.5 ms). The kind in
-- the key serves every read by object too, so it replaces the index on (object_kind,
-- object_key).
CREATE INDEX IF NOT EXISTS source_link_object_subject_idx
    ON source_link (object_kind, object_key, subject_kind);
DROP INDEX IF EXISTS source_link_object_idx;

-- Entities: one row per key, from every source that names it (rebuilt by geodata.links).
CREATE TABLE IF NOT EXISTS entity (
    id                text PRIMARY KEY,
    name              text NOT NULL,        -- the spelling most sources use
    ruc               text,
    government_level  text,
    region_ubigeo     text,
    names             text[] NOT NULL DEFAULT '{}',   -- every spelling seen
    sources           text[] NOT NULL DEFAULT '{}'    -- infobras, mef_banco, conosce, cgr ...
);
CREATE INDEX IF NOT EXISTS entity_name_fts ON entity USING gin (to_tsvector('simple', name));

-- The figures of an entity's page computed ahead (queries.entity_figures): merging a national
-- programme's 4,000 CUIs through `investment`, summing its alerts and its contracts took
-- 300-600 ms a page. Part 'sources' (works by status and year, investments, process,
-- contract and report totals, the newest processes and contracts) is refreshed by
-- geodata.links.relink; part 'alerts' at the end of geodata.alerts.recompute. Every
-- statement on a table a part reads bumps that part's counter: a part whose recorded count
-- differs is stale and the page reads the live tables instead.
CREATE TABLE IF NOT EXISTS entity_changes (
    part  text   PRIMARY KEY,
    n     bigint NOT NULL DEFAULT 0
);
INSERT INTO entity_changes (part) VALUES ('sources'), ('alerts') ON CONFLICT DO NOTHING;
CREATE TABLE IF NOT EXISTS entity_figures_fresh (
    part          text        PRIMARY KEY,
    n             bigint      NOT NULL,     -- entity_changes.n when the part was refreshed
    refreshed_at  timestamptz NOT NULL DEFAULT now()
);
CREATE OR REPLACE FUNCTION bump_entity_changes() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE entity_changes SET n = n + 1 WHERE part = ANY (TG_ARGV);
    RETURN NULL;
END $$;
CREATE OR REPLACE TRIGGER entity_changes_bump AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE
    ON work FOR EACH STATEMENT EXECUTE FUNCTION bump_entity_changes('sources', 'alerts');
CREATE OR REPLACE TRIGGER entity_changes_bump AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE
    ON investment_source FOR EACH STATEMENT EXECUTE FUNCTION bump_entity_changes('sources');
CREATE OR REPLACE TRIGGER entity_changes_bump AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE
    ON procurement_process FOR EACH STATEMENT EXECUTE FUNCTION bump_entity_changes('sources');
CREATE OR REPLACE TRIGGER entity_changes_bump AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE
    ON contract FOR EACH STATEMENT EXECUTE FUNCTION bump_entity_changes('sources');
CREATE OR REPLACE TRIGGER entity_changes_bump AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE
    ON control_report FOR EACH STATEMENT EXECUTE FUNCTION bump_entity_changes('sources');
CREATE OR REPLACE TRIGGER entity_changes_bump AFTER INSERT OR DELETE OR TRUNCATE
    ON alert FOR EACH STATEMENT EXECUTE FUNCTION bump_entity_changes('alerts');
-- An UPDATE of alerts counts when it changed a row: the migration's fill of alerts.sql runs
-- on every migrate and usually changes none.
CREATE OR REPLACE FUNCTION bump_entity_changes_if_any() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT FROM changed) THEN
        UPDATE entity_changes SET n = n + 1 WHERE part = ANY (TG_ARGV);
    END IF;
    RETURN NULL;
END $$;
CREATE OR REPLACE TRIGGER entity_changes_bump_update AFTER UPDATE ON alert
    REFERENCING NEW TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION bump_entity_changes_if_any('alerts');
CREATE OR REPLACE TRIGGER entity_changes_bump AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE
    ON alert_rule FOR EACH STATEMENT EXECUTE FUNCTION bump_entity_changes('alerts');

-- Per entity: its totals and the ids of its newest processes and contracts (the page's 50).
CREATE TABLE IF NOT EXISTS entity_figures (
    entity_id            text PRIMARY KEY,
    processes            bigint NOT NULL,
    reference_amount     numeric,
    contracts            bigint NOT NULL,
    contract_amount      numeric,
    contract_additional  numeric,
    contract_reduction   numeric,
    suppliers            bigint NOT NULL,
    reports              bigint NOT NULL,
    persons_responsible  bigint,
    process_ids          text[] NOT NULL DEFAULT '{}',
    contract_ids         text[] NOT NULL DEFAULT '{}'
);
-- The works summed by entity, status and start year (queries.parties.work_groups_stmt).
CREATE TABLE IF NOT EXISTS entity_work_groups (
    entity_id     text NOT NULL,
    status        text,
    start_year    smallint,
    works         bigint NOT NULL,
    investment    numeric,
    accrued       numeric,
    progress_sum  numeric,
    progress_n    bigint NOT NULL
);
CREATE INDEX IF NOT EXISTS entity_work_groups_idx ON entity_work_groups (entity_id);
-- The view `investment` materialised: one row per CUI, read by its entity, largest first.
CREATE TABLE IF NOT EXISTS entity_investment AS SELECT * FROM investment WITH NO DATA;
CREATE INDEX IF NOT EXISTS entity_investment_idx ON entity_investment
    (entity_id, coalesce(amount_updated, amount_viable) DESC NULLS LAST, cui);
-- An entity's active alerts as queries.parties.alerts_stmt sums them: rows 'rule', one row
-- 'works' and the 'top' rows (ord: their order).
CREATE TABLE IF NOT EXISTS entity_alerts (
    entity_id       text     NOT NULL,
    kind            text     NOT NULL,
    ord             integer  NOT NULL,
    infobras_code   bigint,
    work_name       text,
    rule_code       text,
    rule_name       text,
    severity        text,
    message         text,
    alerts          bigint,
    amount_at_risk  numeric
);
CREATE INDEX IF NOT EXISTS entity_alerts_idx ON entity_alerts (entity_id, ord);
-- entity_investment summed by entity and year of viability (queries.entities.investments_stmt).
CREATE TABLE IF NOT EXISTS entity_investment_years (
    entity_id       text    NOT NULL,
    year            integer,
    investments     bigint  NOT NULL,
    amount_viable   numeric,
    amount_updated  numeric
);
CREATE INDEX IF NOT EXISTS entity_investment_years_idx ON entity_investment_years (entity_id);
