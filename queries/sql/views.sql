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
-- and each work's point, for the near-me search: neighbours on the map are neighbours on
-- disk here, so counting the thousand works around a point in Lima reads a few pages
-- instead of a thousand scattered rows of `work` (5 times faster, measured).
-- A change to these columns bumps the layout in the COMMENT below: a database migrated
-- with an older layout drops the views (the cube and the summary with them) and
-- queries.migrate fills them again.
DO $$
BEGIN
    IF to_regclass('explorer_works') IS NOT NULL
       AND obj_description(to_regclass('explorer_works'), 'pg_class')
           IS DISTINCT FROM 'mirador explorer_works 2' THEN
        DROP MATERIALIZED VIEW explorer_works CASCADE;
    END IF;
END $$;

CREATE MATERIALIZED VIEW IF NOT EXISTS explorer_works AS
SELECT ubigeo, status, government_level, work_type_1, modality, start_year,
       amount_investment::float8 AS amount_investment,
       amount_accrued::float8    AS amount_accrued,
       physical_progress::float8 AS physical_progress,
       infobras_code, cui, snip, ST_X(geom) AS lon, ST_Y(geom) AS lat, geom, geom_source, name
FROM work
ORDER BY ubigeo
WITH NO DATA;
COMMENT ON MATERIALIZED VIEW explorer_works IS 'mirador explorer_works 2';

CREATE INDEX IF NOT EXISTS explorer_works_area ON explorer_works (ubigeo text_pattern_ops);
-- A filter the cube cannot answer (amount, text), and the works drawn one by one (shown only
-- when a filter leaves 2,000 or fewer in the view, so a selective one), find their rows by
-- index instead of reading every work.
CREATE INDEX IF NOT EXISTS explorer_works_status ON explorer_works (status);
CREATE INDEX IF NOT EXISTS explorer_works_level ON explorer_works (government_level);
CREATE INDEX IF NOT EXISTS explorer_works_sector ON explorer_works (work_type_1);
CREATE INDEX IF NOT EXISTS explorer_works_modality ON explorer_works (modality);
CREATE INDEX IF NOT EXISTS explorer_works_year ON explorer_works (start_year);
CREATE INDEX IF NOT EXISTS explorer_works_amount ON explorer_works (amount_investment);
CREATE INDEX IF NOT EXISTS explorer_works_code ON explorer_works (infobras_code);
CREATE INDEX IF NOT EXISTS explorer_works_cui ON explorer_works (cui);
CREATE INDEX IF NOT EXISTS explorer_works_snip ON explorer_works (snip);
CREATE INDEX IF NOT EXISTS explorer_works_name ON explorer_works USING gin (name gin_trgm_ops);
CREATE INDEX IF NOT EXISTS explorer_works_geog ON explorer_works USING gist ((geom::geography));

-- The works summed by region (level 1) and by province (level 2) for every combination of
-- the explorer's categorical filters: the national and regional maps, KPIs and charts add up
-- a few thousand of these rows instead of reading every work. Filters that these columns
-- cannot answer (amount range, text search) read explorer_works or the work table.
CREATE MATERIALIZED VIEW IF NOT EXISTS explorer_cube AS
SELECT l.level::smallint                        AS level,
       left(w.ubigeo, l.level * 2)              AS ubigeo,
       w.status, w.government_level, w.work_type_1, w.modality, w.start_year,
       count(*)::integer                        AS works,
       sum(w.amount_investment)                 AS investment,
       sum(w.amount_accrued)                    AS accrued,
       sum(w.physical_progress)                 AS progress_sum,
       count(w.physical_progress)::integer      AS progress_n
FROM explorer_works w CROSS JOIN (VALUES (1), (2)) AS l(level)
GROUP BY 1, 2, 3, 4, 5, 6, 7
ORDER BY 1, 2
WITH NO DATA;

CREATE INDEX IF NOT EXISTS explorer_cube_area ON explorer_cube (level, ubigeo text_pattern_ops);

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
