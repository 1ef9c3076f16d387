-- Webhooks: the marketplace's endpoints, one delivery per endpoint and
-- event, and every attempt at it. The events table is the outbox; a fan-out
-- cursor in counters records how far deliveries have been created.

CREATE TABLE webhook_endpoints (
    id              TEXT PRIMARY KEY,
    url             TEXT NOT NULL,
    events          TEXT NOT NULL,
    description     TEXT NOT NULL DEFAULT '',
    -- The signing secret is derived from a server key and this salt, so the
    -- table itself holds no secret.
    salt            TEXT NOT NULL,
    status          TEXT NOT NULL,
    disabled_reason TEXT NOT NULL DEFAULT '',
    after_seq       INTEGER NOT NULL,
    failing_since   TEXT,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL,
    deleted_at      TEXT
);

CREATE TABLE webhook_deliveries (
    id              TEXT PRIMARY KEY,
    endpoint_id     TEXT NOT NULL REFERENCES webhook_endpoints (id),
    event_seq       INTEGER NOT NULL,
    event_id        TEXT NOT NULL,
    event_type      TEXT NOT NULL,
    status          TEXT NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    last_status     INTEGER NOT NULL DEFAULT 0,
    last_error      TEXT NOT NULL DEFAULT '',
    last_attempt_at TEXT,
    created_at      TEXT NOT NULL,
    delivered_at    TEXT,
    UNIQUE (endpoint_id, event_seq)
);
CREATE INDEX webhook_deliveries_by_endpoint ON webhook_deliveries (endpoint_id, id);
CREATE INDEX webhook_deliveries_by_status ON webhook_deliveries (status, id);

CREATE TABLE webhook_attempts (
    delivery_id  TEXT NOT NULL REFERENCES webhook_deliveries (id),
    n            INTEGER NOT NULL,
    at           TEXT NOT NULL,
    status_code  INTEGER NOT NULL,
    error        TEXT NOT NULL,
    response     TEXT NOT NULL,
    duration_ms  INTEGER NOT NULL,
    PRIMARY KEY (delivery_id, n)
);

INSERT INTO counters (name, value) SELECT 'webhook_fanout', value FROM counters WHERE name = 'events';
