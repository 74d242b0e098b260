-- Mirador de Obras: the one store. Applied idempotently by `python -m queries.migrate`.
CREATE EXTENSION IF NOT EXISTS postgis;
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE EXTENSION IF NOT EXISTS unaccent;

-- Load runs: one row per loader invocation, with its summary.
CREATE TABLE IF NOT EXISTS load_run (
    id            bigserial PRIMARY KEY,
    loader        text        NOT NULL,           -- boundaries | ubigeo | infobras | paralizadas | demo
    source        text        NOT NULL,           -- file path or generator description
    source_date   date,                           -- date of the data, where the source says it
    started_at    timestamptz NOT NULL DEFAULT now(),
    finished_at   timestamptz,
    status        text        NOT NULL DEFAULT 'running'
                  CHECK (status IN ('running', 'ok', 'failed')),
    rows_read     integer     NOT NULL DEFAULT 0,
    loaded        integer     NOT NULL DEFAULT 0, -- inserted
    updated       integer     NOT NULL DEFAULT 0,
    unchanged     integer     NOT NULL DEFAULT 0,
    quarantined   integer     NOT NULL DEFAULT 0,
    message       text
);

-- Rows that could not be loaded as they are, kept with the reason. Never dropped silently.
CREATE TABLE IF NOT EXISTS quarantine (
    id           bigserial PRIMARY KEY,
    load_run_id  bigint REFERENCES load_run(id) ON DELETE CASCADE,
    loader       text    NOT NULL,
    source       text    NOT NULL,
    row_number   integer,                          -- 1-based row in the source file (header rows counted)
    record_key   text,                             -- e.g. INFObras code or ubigeo, when known
    reason_code  text    NOT NULL,                 -- short machine code, e.g. ubigeo_not_found
    reason       text    NOT NULL,                 -- plain Spanish sentence
    raw          jsonb   NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS quarantine_run_idx ON quarantine (load_run_id);
CREATE INDEX IF NOT EXISTS quarantine_loader_idx ON quarantine (loader, reason_code);

-- INEI administrative areas: level 1 region (2 digits), 2 province (4), 3 district (6).
CREATE TABLE IF NOT EXISTS area (
    ubigeo          text     PRIMARY KEY CHECK (ubigeo ~ '^[0-9]{2}([0-9]{2}([0-9]{2})?)?$'),
    level           smallint NOT NULL CHECK (level IN (1, 2, 3)),
    name            text     NOT NULL,
    parent          text     REFERENCES area(ubigeo),
    region_name     text,
    province_name   text,
    capital         text,
    population      integer,                      -- INEI projection 2025 (summed for provinces/regions)
    area_km2        double precision,             -- from the polygon (geography), or the INEI table
    geom            geometry(MultiPolygon, 4326), -- full geometry (NULL where no polygon exists)
    geom_display    geometry(MultiPolygon, 4326), -- simplified for the level's map
    capital_point   geometry(Point, 4326),
    geom_source     text     NOT NULL DEFAULT 'polygon'
                    CHECK (geom_source IN ('polygon', 'capital_point')),
    flags           text[]   NOT NULL DEFAULT '{}',  -- e.g. {repaired, no_polygon}
    CHECK (level = 1 OR parent IS NOT NULL),
    CHECK (length(ubigeo) = level * 2)
);
CREATE INDEX IF NOT EXISTS area_geom_gix ON area USING gist (geom);
CREATE INDEX IF NOT EXISTS area_parent_idx ON area (parent);
CREATE INDEX IF NOT EXISTS area_level_idx ON area (level);
CREATE INDEX IF NOT EXISTS area_name_trgm ON area USING gin (name gin_trgm_ops);

-- Public works, keyed by INFObras code.
CREATE TABLE IF NOT EXISTS work (
    infobras_code        bigint  PRIMARY KEY,
    cui                  text,
    snip                 text,
    name                 text    NOT NULL,
    project_name         text,
    entity               text,
    government_level     text,     -- Gobierno Local | Gobierno Regional | Gobierno Nacional
    sector               text,
    work_type_1          text,
    work_type_2          text,
    work_type_3          text,
    modality             text,     -- Contrata | Administración directa | ...
    declared_department  text,
    declared_province    text,
    declared_district    text,
    ubigeo               text    NOT NULL REFERENCES area(ubigeo),  -- declared district
    ubigeo_method        text,     -- nombre | nombre_aprox | coordenadas | ...
    geom                 geometry(Point, 4326),
    geom_source          text    CHECK (geom_source IN ('surveyed', 'district_capital')),
    coords_ubigeo        text,     -- district that contains the surveyed point
    location_mismatch    boolean NOT NULL DEFAULT false,  -- surveyed point outside declared district
    status               text    NOT NULL
                         CHECK (status IN ('en_ejecucion', 'paralizada', 'finalizada', 'sin_ejecucion')),
    paralysis_cause      text,
    paralysis_date       date,
    paralysis_days       integer,
    amount_technical_file numeric(16, 2),   -- expediente técnico
    amount_contract       numeric(16, 2),
    amount_updated        numeric(16, 2),   -- costo actualizado
    amount_accrued        numeric(16, 2),   -- devengado acumulado
    amount_additional     numeric(16, 2),   -- adicionales de obra
    physical_progress     numeric(7, 2),    -- % real acumulado
    physical_programmed   numeric(7, 2),    -- % programado acumulado
    financial_progress    numeric(8, 2),    -- % (can exceed 100 in the sources)
    approval_date         date,             -- aprobación del expediente técnico
    start_date            date,
    programmed_end        date,
    reprogrammed_end      date,
    real_end              date,
    last_progress_date    date,             -- fecha de registro del último avance
    last_physical_advance date,             -- last month physical progress rose, as a source
                                            -- computed it from its own monthly series
    contractor_name       text,
    contractor_ruc        text,
    supervisor_name       text,
    supervisor_ruc        text,
    last_update           date,
    start_year            smallint GENERATED ALWAYS AS (extract(year FROM start_date)::smallint) STORED,
    -- "Inversión": the best known total cost of the work, the figure every screen sums.
    amount_investment     numeric(16, 2) GENERATED ALWAYS AS
                          (COALESCE(amount_updated, amount_contract, amount_technical_file)) STORED,
    source                text    NOT NULL,  -- infobras | paralizadas | demo
    source_date           date,
    extra                 jsonb   NOT NULL DEFAULT '{}',  -- source fields with no column of their own
    load_run_id           bigint REFERENCES load_run(id) ON DELETE SET NULL
);
-- Columns added after the first release (CREATE TABLE IF NOT EXISTS does not add them).
ALTER TABLE work ADD COLUMN IF NOT EXISTS last_physical_advance date;
CREATE INDEX IF NOT EXISTS work_geom_gix ON work USING gist (geom);
CREATE INDEX IF NOT EXISTS work_geog_gix ON work USING gist ((geom::geography));
CREATE INDEX IF NOT EXISTS work_ubigeo_idx ON work (ubigeo text_pattern_ops);  -- prefix = area
CREATE INDEX IF NOT EXISTS work_cui_idx ON work (cui);
CREATE INDEX IF NOT EXISTS work_status_idx ON work (status);
-- Text search (queries.filters): the words of the name. It replaced a trigram index.
DROP INDEX IF EXISTS work_name_trgm;
CREATE INDEX IF NOT EXISTS work_name_fts ON work USING gin (to_tsvector('simple', name));
-- The alerts table sorted by work or by entity: the first page walks these (1 ms) instead of
-- sorting every alert with its work (180 ms at 200k works).
CREATE INDEX IF NOT EXISTS work_name_idx ON work (name, infobras_code);
CREATE INDEX IF NOT EXISTS work_entity_idx ON work (entity, infobras_code);

-- Monthly progress history per work.
CREATE TABLE IF NOT EXISTS work_progress (
    infobras_code        bigint  NOT NULL REFERENCES work(infobras_code) ON DELETE CASCADE,
    month                date    NOT NULL CHECK (extract(day FROM month) = 1),
    physical_programmed  numeric(7, 2),
    physical_real        numeric(7, 2),
    financial            numeric(8, 2),
    amount_accrued       numeric(16, 2),
    status               text,
    PRIMARY KEY (infobras_code, month)
);
