-- Schema version 2: authentic deliveries whose body is no event envelope,
-- kept under their delivery id (`webhook-id`; NULL when it is empty, so
-- that an empty id never de-duplicates), and an index for pruning handled
-- events.
CREATE TABLE unreadable (
    seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    message_id text UNIQUE,
    body bytea NOT NULL,
    error text NOT NULL,
    received_at bigint NOT NULL
);
CREATE INDEX inbox_handled_at ON inbox (handled_at) WHERE state = 'handled';
