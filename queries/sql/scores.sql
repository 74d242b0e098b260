-- The executor performance index of each entity, computed ahead (queries.scores): the raw
-- counts and sums behind every component, the score, the entity's peer group (level of
-- government and budget band) and its place in it. The ranking page (/entidades) and the
-- entity page read this table; computing it reads every work, alert and citizen report
-- (a second at 200k works), too slow for a page.
-- Applied idempotently by `python -m queries.migrate`, after sources.sql (entity_changes).

CREATE TABLE IF NOT EXISTS entity_score (
    entity_id        text PRIMARY KEY,
    name             text     NOT NULL,
    peer_level       text     NOT NULL,  -- distrital | provincial | regional | nacional | otra
    region_ubigeo    text,
    area_ubigeo      text,                -- the district, province or region it serves
    area_name        text,
    population       bigint,
    investment       numeric,             -- its works' investment (INFObras), each work once
    per_inhabitant   numeric,
    band             smallint,            -- 0, 1, 2: the budget band within its level; NULL
                                          -- for a subnational entity without population
    works            bigint   NOT NULL,
    on_time          bigint   NOT NULL,   -- ended by their due date
    late             bigint   NOT NULL,   -- ended after it, or overdue (rule «retrasada»)
    cost_n           bigint   NOT NULL,   -- works with technical-file amount and updated cost
    cost_file        numeric,
    cost_updated     numeric,
    paralysed        bigint   NOT NULL,
    alerts           bigint   NOT NULL,   -- active alerts on its works, every rule
    running          bigint   NOT NULL,   -- works in execution
    current          bigint   NOT NULL,   -- of those, without «registro desactualizado»
    filled           bigint   NOT NULL,   -- fields filled of those expected
    expected         bigint   NOT NULL,
    reports          bigint   NOT NULL,   -- approved citizen reports on its works
    answered         bigint   NOT NULL,   -- of those, forwarded or closed
    score            numeric,             -- 0-100; NULL below the minimum of works
    components       smallint NOT NULL,   -- components with data
    peers            bigint,              -- scored entities of its peer group
    peer_rank        bigint               -- its place among them (1: best)
);
CREATE INDEX IF NOT EXISTS entity_score_rank_idx
    ON entity_score (score DESC NULLS LAST, entity_id);
CREATE INDEX IF NOT EXISTS entity_score_peer_idx
    ON entity_score (peer_level, band, peer_rank);

-- Part 'scores' of the entity figures: every statement on a table the index reads bumps it;
-- a stale index is computed live (queries.scores), never shown stale.
INSERT INTO entity_changes (part) VALUES ('scores') ON CONFLICT DO NOTHING;
CREATE OR REPLACE TRIGGER entity_changes_bump_scores AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE
    ON work FOR EACH STATEMENT EXECUTE FUNCTION bump_entity_changes('scores');
CREATE OR REPLACE TRIGGER entity_changes_bump_scores AFTER INSERT OR DELETE OR TRUNCATE
    ON alert FOR EACH STATEMENT EXECUTE FUNCTION bump_entity_changes('scores');
CREATE OR REPLACE TRIGGER entity_changes_bump_scores_update AFTER UPDATE ON alert
    REFERENCING NEW TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION bump_entity_changes_if_any('scores');
-- A citizen's report is written pending moderation (queries.reports.submit) and counts once
-- approved: an UPDATE.
DROP TRIGGER IF EXISTS entity_changes_bump_scores ON citizen_report;
DROP FUNCTION IF EXISTS bump_entity_changes_if_approved();
CREATE OR REPLACE TRIGGER entity_changes_bump_scores_change AFTER UPDATE OR DELETE OR TRUNCATE
    ON citizen_report FOR EACH STATEMENT EXECUTE FUNCTION bump_entity_changes('scores');
CREATE OR REPLACE TRIGGER entity_changes_bump_scores AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE
    ON entity FOR EACH STATEMENT EXECUTE FUNCTION bump_entity_changes('scores');
