-- Schema version 1: the inbox and its dead letters. `IF NOT EXISTS`, so
-- that an inbox created before schema versions existed is adopted as is.
CREATE TABLE IF NOT EXISTS inbox (
    seq INTEGER PRIMARY KEY,
    event_id TEXT NOT NULL UNIQUE,
    event_type TEXT NOT NULL,
    version TEXT,
    message_id TEXT NOT NULL,
    body BLOB NOT NULL,
    received_at INTEGER NOT NULL,
    state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'handled', 'dead')),
    handled_at INTEGER
);
CREATE INDEX IF NOT EXISTS inbox_pending ON inbox (seq) WHERE state = 'pending';
CREATE TABLE IF NOT EXISTS dead_letters (
    event_id TEXT PRIMARY KEY REFERENCES inbox (event_id),
    stage TEXT NOT NULL CHECK (stage IN ('parse', 'handle')),
    error TEXT NOT NULL,
    attempts INTEGER NOT NULL,
    failed_at INTEGER NOT NULL
);
