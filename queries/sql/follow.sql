-- Following works, areas and entities (queries/changes.py, queries/subscriptions.py,
-- geodata/digest.py).
--
-- The change log is public: what changed in a work, an area or an entity after a load or a
-- moderator's answer. It is computed by comparing the state after each load with the snapshot
-- of the previous one (change_work_state, change_control_seen), and read by the Atom feeds
-- and the e-mail digests.
CREATE TABLE IF NOT EXISTS change_batch (
    id             bigserial   PRIMARY KEY,
    computed_at    timestamptz NOT NULL DEFAULT now(),
    -- The first comparison only takes the snapshot: no change is claimed against nothing.
    baseline       boolean     NOT NULL,
    -- The alerts recompute seen (its load run): alerts computed for the first time are a
    -- baseline too, not thousands of "new alerts".
    alerts_run_id  bigint,
    events         integer     NOT NULL DEFAULT 0
);

CREATE TABLE IF NOT EXISTS change_event (
    id             bigserial   PRIMARY KEY,
    batch_id       bigint      REFERENCES change_batch(id) ON DELETE CASCADE,  -- NULL: moderation
    detected_at    timestamptz NOT NULL DEFAULT now(),
    kind           text        NOT NULL CHECK (kind IN (
                       'alerta_nueva', 'alerta_resuelta', 'estado', 'avance',
                       'informe_control', 'respuesta_reporte')),
    infobras_code  bigint,      -- the work (none for a control report)
    ubigeo         text,        -- the work's district, for the area feeds
    entity_id      text,        -- the work's or the report's entity
    data           jsonb       NOT NULL DEFAULT '{}'   -- the figures before and after, names
);
CREATE INDEX IF NOT EXISTS change_event_work_idx ON change_event (infobras_code, id DESC);
CREATE INDEX IF NOT EXISTS change_event_area_idx ON change_event (ubigeo text_pattern_ops, id);
CREATE INDEX IF NOT EXISTS change_event_entity_idx ON change_event (entity_id, id DESC);

-- The snapshot of the previous comparison.
CREATE TABLE IF NOT EXISTS change_work_state (
    infobras_code      bigint  PRIMARY KEY,
    status             text,
    physical_progress  numeric,
    alerts             text[]  NOT NULL DEFAULT '{}'
);
CREATE TABLE IF NOT EXISTS change_control_seen (id text PRIMARY KEY);

-- Subscribers' addresses live in a schema of their own, apart from everything public: no
-- export, API, /datos page or dump of the public schema reads it. Never shown; a row is
-- deleted (with its follows) when its owner unsubscribes.
CREATE SCHEMA IF NOT EXISTS privado;
CREATE TABLE IF NOT EXISTS privado.subscriber (
    id              bigserial   PRIMARY KEY,
    email           text        NOT NULL UNIQUE CHECK (char_length(email) BETWEEN 5 AND 120),
    -- The unsubscribe link's secret (random, in every message); the row is the only copy.
    unsubscribe     text        NOT NULL UNIQUE DEFAULT md5(random()::text || clock_timestamp()),
    created_at      timestamptz NOT NULL DEFAULT now(),
    -- The newest change this address was told about (or that existed when it subscribed).
    last_event_id   bigint      NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS privado.subscription (
    id              bigserial   PRIMARY KEY,
    subscriber_id   bigint      NOT NULL REFERENCES privado.subscriber(id) ON DELETE CASCADE,
    kind            text        NOT NULL CHECK (kind IN ('obra', 'area', 'entidad')),
    key             text        NOT NULL,
    -- In the signed confirmation token: a token of a deleted follow never confirms a new one.
    nonce           text        NOT NULL,
    requested_at    timestamptz NOT NULL DEFAULT now(),
    confirmed_at    timestamptz,     -- double opt-in: nothing is sent before this
    since_event_id  bigint      NOT NULL DEFAULT 0,
    UNIQUE (subscriber_id, kind, key)
);
CREATE INDEX IF NOT EXISTS subscription_thing_idx ON privado.subscription (kind, key)
    WHERE confirmed_at IS NOT NULL;
-- The language the address subscribed in (the interface's: es, qu): its mails are written in it.
ALTER TABLE privado.subscriber ADD COLUMN IF NOT EXISTS lang text NOT NULL DEFAULT 'es'
    CHECK (lang IN ('es', 'qu'));
-- The alert rules applied at each comparison: a rule added since the previous one starts as
-- a baseline (its first alerts are not "new"), a rule removed does not "resolve" its alerts.
ALTER TABLE change_batch ADD COLUMN IF NOT EXISTS rules text[];
