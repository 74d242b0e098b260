-- Derived tables of the explorer. Applied idempotently by `python -m queries.migrate`;
-- filled by queries.explorer_views.refresh_views(conn), which the works loaders call.

-- Every statement that changes `work` bumps this counter; a derived table records the count
-- it was computed at, so a reader knows whether it is fresh (hand edits, loads without a
-- refresh) and falls back to the live table when it is not.
CREATE TABLE IF NOT EXISTS work_changes (
    id  boolean PRIMARY KEY DEFAULT true CHECK (id),
    n   bigint  NOT NULL DEFAULT 0
);
INSERT INTO work_changes (id, n) VALUES (true, 0) ON CONFLICT DO NOTHING;

CREATE TABLE IF NOT EXISTS view_freshness (
    name          text PRIMARY KEY,
    work_changes  bigint NOT NULL,          -- work_changes.n when the view was refreshed
    refreshed_at  timestamptz NOT NULL DEFAULT now()
);

CREATE OR REPLACE FUNCTION bump_work_changes() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE work_changes SET n = n + 1 WHERE id;
    RETURN NULL;
END $$;

CREATE OR REPLACE TRIGGER work_changes_bump
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON work
    FOR EACH STATEMENT EXECUTE FUNCTION bump_work_changes();

-- The works reduced to the columns the explorer sums, in ubigeo order: an area's works are
-- neighbours on disk, so a province's or district's sums read a few pages, not the whole
-- (wide, load-ordered) work table. Amounts are double precision: summing 100,000 of them
-- takes half the time of numeric, and the figures shown are rounded far above a cent.
-- It also holds what the map draws for a work as a point, and what the text filter reads
-- (the full name, the INFObras code, the CUI and the SNIP code), so no filter needs `work`;
-- and each work's point and what its near-me card shows: neighbours on the map are
-- neighbours on disk here, so counting the thousand works around a point in Lima reads a
-- few pages instead of a thousand scattered rows of `work` (5 times faster, measured), and
-- the fifty nearest works' cards come from a handful of pages, not fifty of `work`.
-- A change to these columns bumps the layout in the COMMENT below: a database migrated
-- with an older layout drops the views (and those built on them) and queries.migrate
-- fills them again.
DO $$
BEGIN
    IF to_regclass('explorer_works') IS NOT NULL
       AND obj_description(to_regclass('explorer_works'), 'pg_class')
           IS DISTINCT FROM 'mirador explorer_works 3' THEN
        DROP MATERIALIZED VIEW explorer_works CASCADE;
    END IF;
END $$;

CREATE MATERIALIZED VIEW IF NOT EXISTS explorer_works AS
SELECT ubigeo, status, government_level, work_type_1, modality, start_year,
       amount_investment::float8 AS amount_investment,
       amount_accrued::float8    AS amount_accrued,
       physical_progress::float8 AS physical_progress,
       infobras_code, cui, snip, ST_X(geom) AS lon, ST_Y(geom) AS lat, geom, geom_source, name,
       entity, contractor_name, financial_progress::float8 AS financial_progress
FROM work
ORDER BY ubigeo
WITH NO DATA;
COMMENT ON MATERIALIZED VIEW explorer_works IS 'mirador explorer_works 3';

-- The explorer's filters read a copy of this table in each process's memory
-- (queries.explorer_facts); in PostgreSQL only the text search (its words, or a code) and
-- the near-me search (its points) look rows up. The per-filter indexes of layout 2 are gone.
DROP INDEX IF EXISTS explorer_works_area, explorer_works_status, explorer_works_level,
    explorer_works_sector, explorer_works_modality, explorer_works_year, explorer_works_amount;
CREATE INDEX IF NOT EXISTS explorer_works_code ON explorer_works (infobras_code);
CREATE INDEX IF NOT EXISTS explorer_works_cui ON explorer_works (cui);
CREATE INDEX IF NOT EXISTS explorer_works_snip ON explorer_works (snip);
DROP INDEX IF EXISTS explorer_works_name;  -- the trigram index it replaced
CREATE INDEX IF NOT EXISTS explorer_works_name_fts ON explorer_works
    USING gin (to_tsvector('simple', name));
CREATE INDEX IF NOT EXISTS explorer_works_geog ON explorer_works USING gist ((geom::geography));

-- explorer_works as columns, in one row: each column's values (in the same order) as one
-- binary array, and the labels of each category once. Every dashboard process copies it into
-- memory (queries.explorer_facts) in a few tens of milliseconds, where fetching 200,000 rows
-- took over a second. NULL is -1 in codes and years, NaN in numbers.
CREATE MATERIALIZED VIEW IF NOT EXISTS explorer_columns AS
WITH labels AS (
    SELECT (SELECT array_agg(DISTINCT status) FROM explorer_works) AS status,
           (SELECT array_agg(DISTINCT government_level) FROM explorer_works) AS government_level,
           (SELECT array_agg(DISTINCT work_type_1) FROM explorer_works) AS work_type_1,
           (SELECT array_agg(DISTINCT modality) FROM explorer_works) AS modality,
           (SELECT array_agg(DISTINCT geom_source) FROM explorer_works) AS geom_source
)
SELECT count(*)::bigint AS works,
       l.status AS status_labels, l.government_level AS government_level_labels,
       l.work_type_1 AS work_type_1_labels, l.modality AS modality_labels,
       l.geom_source AS geom_source_labels,
       string_agg(int4send(coalesce(left(w.ubigeo, 2)::int, -1)), ''::bytea) AS region,
       string_agg(int4send(CASE WHEN length(w.ubigeo) >= 4 THEN left(w.ubigeo, 4)::int
                           ELSE -1 END), ''::bytea) AS province,
       string_agg(int4send(CASE WHEN length(w.ubigeo) = 6 THEN w.ubigeo::int ELSE -1 END),
                  ''::bytea) AS district,
       string_agg(int2send((coalesce(array_position(l.status, w.status), 0) - 1)::smallint),
                  ''::bytea) AS status,
       string_agg(int2send((coalesce(array_position(l.government_level, w.government_level),
                                     0) - 1)::smallint), ''::bytea) AS government_level,
       string_agg(int2send((coalesce(array_position(l.work_type_1, w.work_type_1), 0)
                            - 1)::smallint), ''::bytea) AS work_type_1,
       string_agg(int2send((coalesce(array_position(l.modality, w.modality), 0) - 1)::smallint),
                  ''::bytea) AS modality,
       string_agg(int2send((coalesce(array_position(l.geom_source, w.geom_source), 0)
                            - 1)::smallint), ''::bytea) AS geom_source,
       string_agg(int2send(coalesce(w.start_year, -1)::smallint), ''::bytea) AS start_year,
       string_agg(float8send(coalesce(w.amount_investment, 'NaN')), ''::bytea) AS investment,
       string_agg(float8send(coalesce(w.amount_accrued, 'NaN')), ''::bytea) AS accrued,
       string_agg(float8send(coalesce(w.physical_progress, 'NaN')), ''::bytea) AS progress,
       string_agg(int8send(w.infobras_code), ''::bytea) AS infobras_code,
       string_agg(float8send(coalesce(w.lon, 'NaN')), ''::bytea) AS lon,
       string_agg(float8send(coalesce(w.lat, 'NaN')), ''::bytea) AS lat,
       -- the start of each name (what a hover label shows: queries.explorer_facts.NAME_CHARS
       -- characters), separated by U+001F
       string_agg(convert_to(translate(left(w.name, 61), E'\x1f', ' '), 'UTF8'), '\x1f'::bytea)
           AS name
FROM explorer_works w CROSS JOIN labels l
GROUP BY l.status, l.government_level, l.work_type_1, l.modality, l.geom_source
WITH NO DATA;

-- The cube of layout 2 (works summed by region and province for every combination of the
-- filters) had nearly a row for every two works: summing it was as slow as summing them.
DROP MATERIALIZED VIEW IF EXISTS explorer_cube;

-- Every area's figures with no filter, ready to read: for each scope ('' = Perú, then each
-- region, province and district) the sums by child area, status, sector and start year, and
-- its total. The explorer's most common views (drilling down without filters) read a few
-- dozen rows by index.
CREATE MATERIALIZED VIEW IF NOT EXISTS explorer_summary AS
WITH scoped AS (
    SELECT s.scope, s.child, w.status, w.work_type_1, w.start_year, w.amount_investment,
           w.amount_accrued, w.physical_progress
    FROM explorer_works w
    CROSS JOIN LATERAL (VALUES ('', left(w.ubigeo, 2)),
                               (left(w.ubigeo, 2), left(w.ubigeo, 4)),
                               (left(w.ubigeo, 4), w.ubigeo),
                               (w.ubigeo, NULL)) AS s(scope, child)
)
SELECT scope,
       CASE WHEN grouping(child) = 0 THEN 'child' WHEN grouping(status) = 0 THEN 'status'
            WHEN grouping(work_type_1) = 0 THEN 'sector'
            WHEN grouping(start_year) = 0 THEN 'year' ELSE 'total' END AS dim,
       COALESCE(CASE WHEN grouping(child) = 0 THEN child END,
                CASE WHEN grouping(status) = 0 THEN status END,
                CASE WHEN grouping(work_type_1) = 0 THEN work_type_1 END,
                CASE WHEN grouping(start_year) = 0 THEN start_year::text END) AS key,
       count(*)::integer                                            AS works,
       sum(amount_investment)                                       AS investment,
       sum(amount_accrued)                                          AS accrued,
       (count(*) FILTER (WHERE status = 'paralizada'))::integer     AS paralysed,
       sum(amount_investment) FILTER (WHERE status = 'paralizada')  AS paralysed_investment,
       sum(physical_progress)                                       AS progress_sum,
       count(physical_progress)::integer                            AS progress_n
FROM scoped
GROUP BY GROUPING SETS ((scope, child), (scope, status), (scope, work_type_1),
                        (scope, start_year), (scope))
HAVING grouping(child) = 1 OR child IS NOT NULL
WITH NO DATA;

CREATE INDEX IF NOT EXISTS explorer_summary_scope ON explorer_summary (scope);

-- Progress changes make the derived tables stale too (area_monthly sums the history).
CREATE OR REPLACE TRIGGER work_progress_changes_bump
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON work_progress
    FOR EACH STATEMENT EXECUTE FUNCTION bump_work_changes();

-- Month by month per region (level 1), province (2) and district (3), with no filter: the
-- money accrued that month (the increase of each work's cumulative accrued amount) and the
-- physical progress of the works reporting. Comparing areas and the briefings' trend read a
-- few hundred rows here instead of windowing millions of history rows.
CREATE MATERIALIZED VIEW IF NOT EXISTS area_monthly AS
WITH steps AS (
    SELECT w.ubigeo, p.month, p.physical_real,
           p.amount_accrued - COALESCE(lag(p.amount_accrued) OVER (
               PARTITION BY p.infobras_code ORDER BY p.month), 0) AS spent
    FROM work_progress p JOIN work w USING (infobras_code)
)
SELECT l.level::smallint                    AS level,
       left(s.ubigeo, l.level * 2)          AS ubigeo,
       s.month,
       COALESCE(sum(s.spent), 0)            AS spent,
       sum(s.physical_real)                 AS physical_sum,
       count(s.physical_real)::integer      AS physical_n,
       count(*)::integer                    AS works_reporting
FROM steps s CROSS JOIN (VALUES (1), (2), (3)) AS l(level)
GROUP BY 1, 2, 3
ORDER BY 1, 2, 3
WITH NO DATA;

CREATE INDEX IF NOT EXISTS area_monthly_area ON area_monthly (level, ubigeo, month);
