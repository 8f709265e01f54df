-- Schema version 1: the inbox and its dead letters, column for column as
-- on SQLite (times in Unix seconds).
CREATE TABLE IF NOT EXISTS inbox (
    seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    event_id text NOT NULL UNIQUE,
    event_type text NOT NULL,
    version text,
    message_id text NOT NULL,
    body bytea NOT NULL,
    received_at bigint NOT NULL,
    state text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'handled', 'dead')),
    handled_at bigint
);
CREATE INDEX IF NOT EXISTS inbox_pending ON inbox (seq) WHERE state = 'pending';
CREATE TABLE IF NOT EXISTS dead_letters (
    event_id text PRIMARY KEY REFERENCES inbox (event_id),
    stage text NOT NULL CHECK (stage IN ('parse', 'handle')),
    error text NOT NULL,
    attempts integer NOT NULL,
    failed_at bigint NOT NULL
);
