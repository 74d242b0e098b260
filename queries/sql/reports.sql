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
