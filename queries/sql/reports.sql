-- Citizen reports about one work ("Reportar un problema" on /obra/<código>).
-- Written by queries/reports.py in one transaction per report; shown publicly only once a
-- moderator approves it. The contact is never shown publicly; the client is kept as a keyed
-- hash (HMAC of the address), never as the raw IP.
-- A work with reports cannot be deleted by accident (no ON DELETE CASCADE): citizens' reports
-- are never lost silently.
CREATE TABLE IF NOT EXISTS citizen_report (
    id             bigserial   PRIMARY KEY,
    infobras_code  bigint      NOT NULL REFERENCES work(infobras_code),
    category       text        NOT NULL CHECK (category IN (
                       'obra_paralizada', 'mala_calidad', 'riesgo', 'corrupcion',
                       'informacion_incorrecta', 'otro')),
    description    text        NOT NULL CHECK (char_length(description) BETWEEN 10 AND 2000),
    contact        text        CHECK (contact IS NULL OR char_length(contact) BETWEEN 5 AND 120),
    -- Public status of the case: received, under review, forwarded to an authority, closed.
    status         text        NOT NULL DEFAULT 'recibido'
                   CHECK (status IN ('recibido', 'en_revision', 'derivado', 'cerrado')),
    -- Moderation: only 'aprobado' reports are shown publicly.
    moderation     text        NOT NULL DEFAULT 'pendiente'
                   CHECK (moderation IN ('pendiente', 'aprobado', 'rechazado')),
    public_note    text        CHECK (public_note IS NULL OR char_length(public_note) <= 1000),
    client_hash    text        NOT NULL CHECK (client_hash ~ '^[0-9a-f]{64}$'),
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now(),
    moderated_by   text,
    moderated_at   timestamptz
);
CREATE INDEX IF NOT EXISTS citizen_report_public_idx
    ON citizen_report (infobras_code, created_at DESC) WHERE moderation = 'aprobado';
CREATE INDEX IF NOT EXISTS citizen_report_queue_idx ON citizen_report (moderation, created_at);
CREATE INDEX IF NOT EXISTS citizen_report_client_idx ON citizen_report (client_hash, created_at);

-- Tracking: every report gets a code the citizen is shown after sending (and may keep, to
-- follow it at /reporte/<código>): 10 characters of an alphabet without 0/O, 1/I/L, 50 random
-- bits, so that a code cannot be guessed from another. Made by PostgreSQL (the default), so
-- every writer of reports gets one.
CREATE OR REPLACE FUNCTION citizen_report_code() RETURNS text
LANGUAGE sql VOLATILE AS $$
    SELECT string_agg(substr('23456789ABCDEFGHJKMNPQRSTUVWXYZ', 1 + floor(random() * 31)::int,
                             1), '')
    FROM generate_series(1, 10)
$$;
ALTER TABLE citizen_report ADD COLUMN IF NOT EXISTS tracking_code text;
UPDATE citizen_report SET tracking_code = citizen_report_code() WHERE tracking_code IS NULL;
ALTER TABLE citizen_report ALTER COLUMN tracking_code SET DEFAULT citizen_report_code(),
    ALTER COLUMN tracking_code SET NOT NULL;
CREATE UNIQUE INDEX IF NOT EXISTS citizen_report_tracking_idx ON citizen_report (tracking_code);

-- The public timeline of a report: when it reached each status (recibido -> en revisión ->
-- derivado -> cerrado), written by the triggers below.
CREATE TABLE IF NOT EXISTS citizen_report_step (
    report_id  bigint      NOT NULL REFERENCES citizen_report(id) ON DELETE CASCADE,
    status     text        NOT NULL
               CHECK (status IN ('recibido', 'en_revision', 'derivado', 'cerrado')),
    at         timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (report_id, status, at)
);
-- Written by PostgreSQL, as the tracking code is: every writer of reports (the form, a bulk
-- import, a test's fixture) gives each report its «recibido» step, and each change of
-- status its step, in the same transaction.
CREATE OR REPLACE FUNCTION citizen_report_step_log() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO citizen_report_step (report_id, status, at)
        VALUES (NEW.id, 'recibido', NEW.created_at);
        IF NEW.status <> 'recibido' THEN
            INSERT INTO citizen_report_step (report_id, status, at)
            VALUES (NEW.id, NEW.status, NEW.updated_at);
        END IF;
    ELSIF NEW.status IS DISTINCT FROM OLD.status THEN
        INSERT INTO citizen_report_step (report_id, status, at) VALUES (NEW.id, NEW.status, now())
        ON CONFLICT DO NOTHING;
    END IF;
    RETURN NULL;
END $$;
DROP TRIGGER IF EXISTS citizen_report_step_insert ON citizen_report;
CREATE TRIGGER citizen_report_step_insert AFTER INSERT ON citizen_report
    FOR EACH ROW EXECUTE FUNCTION citizen_report_step_log();
DROP TRIGGER IF EXISTS citizen_report_step_status ON citizen_report;
CREATE TRIGGER citizen_report_step_status AFTER UPDATE OF status ON citizen_report
    FOR EACH ROW EXECUTE FUNCTION citizen_report_step_log();
-- The reports written before the timeline existed.
INSERT INTO citizen_report_step (report_id, status, at)
SELECT r.id, 'recibido', r.created_at FROM citizen_report r
WHERE NOT EXISTS (SELECT 1 FROM citizen_report_step s WHERE s.report_id = r.id);
INSERT INTO citizen_report_step (report_id, status, at)
SELECT r.id, r.status, r.updated_at FROM citizen_report r
WHERE r.status <> 'recibido'
  AND NOT EXISTS (SELECT 1 FROM citizen_report_step s WHERE s.report_id = r.id
                  AND s.status = r.status);
