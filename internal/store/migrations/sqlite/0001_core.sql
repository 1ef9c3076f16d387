-- Core schema: profiles, cases, events, audit, staff, keys, links, email.
-- Times are fixed-width UTC text (see store.sqliteTime) so they compare as text.

CREATE TABLE settings (
    name  TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE counters (
    name  TEXT PRIMARY KEY,
    value INTEGER NOT NULL
);
INSERT INTO counters (name, value) VALUES ('events', 0);

CREATE TABLE freelancers (
    id           TEXT PRIMARY KEY,
    display_name TEXT NOT NULL,
    email        TEXT NOT NULL,
    locale       TEXT NOT NULL,
    timezone     TEXT NOT NULL,
    claims       TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL,
    erased_at    TEXT
);

CREATE TABLE verifications (
    id                 TEXT PRIMARY KEY,
    freelancer_id      TEXT NOT NULL REFERENCES freelancers (id),
    reason_code        TEXT NOT NULL,
    reason_explanation TEXT NOT NULL,
    claims             TEXT NOT NULL,
    methods            TEXT NOT NULL,
    status             TEXT NOT NULL,
    deadline           TEXT NOT NULL,
    created_at         TEXT NOT NULL,
    updated_at         TEXT NOT NULL,
    closed_at          TEXT
);
-- One open case per freelancer; the partial index also serves the standing.
CREATE UNIQUE INDEX verifications_open ON verifications (freelancer_id)
    WHERE status NOT IN ('verified', 'not_verified', 'canceled');
CREATE INDEX verifications_decided ON verifications (freelancer_id, closed_at)
    WHERE status IN ('verified', 'not_verified');
CREATE INDEX verifications_freelancer ON verifications (freelancer_id, id);
CREATE INDEX verifications_status ON verifications (status, id);

-- The standing of each freelancer, kept by the store in the transaction of
-- every change to their cases, so that the marketplace's hot path is one
-- primary-key read. Overdue is computed when read, from open_deadline.
CREATE TABLE standings (
    freelancer_id  TEXT PRIMARY KEY,
    open_id        TEXT,
    open_status    TEXT,
    open_deadline  TEXT,
    decided_id     TEXT,
    decided_status TEXT,
    decided_at     TEXT
);

CREATE TABLE events (
    seq             INTEGER PRIMARY KEY,
    id              TEXT NOT NULL UNIQUE,
    type            TEXT NOT NULL,
    freelancer_id   TEXT,
    verification_id TEXT,
    data            TEXT NOT NULL,
    created_at      TEXT NOT NULL
);

CREATE TABLE audit_log (
    seq       INTEGER PRIMARY KEY,
    at        TEXT NOT NULL,
    actor     TEXT NOT NULL,
    action    TEXT NOT NULL,
    target    TEXT NOT NULL,
    details   TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash      TEXT NOT NULL
);
CREATE TABLE audit_head (
    id   INTEGER PRIMARY KEY CHECK (id = 1),
    seq  INTEGER NOT NULL,
    hash TEXT NOT NULL
);
INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '');

CREATE TABLE api_keys (
    id           TEXT PRIMARY KEY,
    name         TEXT NOT NULL,
    prefix       TEXT NOT NULL,
    hash         TEXT NOT NULL UNIQUE,
    created_at   TEXT NOT NULL,
    revoked_at   TEXT
);

CREATE TABLE idempotency_keys (
    api_key_id   TEXT NOT NULL,
    key          TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    status       INTEGER NOT NULL,
    response     TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    PRIMARY KEY (api_key_id, key)
);

CREATE TABLE staff (
    id            TEXT PRIMARY KEY,
    email         TEXT NOT NULL UNIQUE,
    name          TEXT NOT NULL,
    role          TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    disabled_at   TEXT
);

CREATE TABLE sessions (
    token_hash   TEXT PRIMARY KEY,
    staff_id     TEXT NOT NULL REFERENCES staff (id),
    created_at   TEXT NOT NULL,
    expires_at   TEXT NOT NULL,
    last_seen_at TEXT NOT NULL,
    ip           TEXT NOT NULL,
    user_agent   TEXT NOT NULL
);
CREATE INDEX sessions_staff ON sessions (staff_id);

CREATE TABLE portal_links (
    id            TEXT PRIMARY KEY,
    freelancer_id TEXT NOT NULL REFERENCES freelancers (id),
    created_at    TEXT NOT NULL,
    expires_at    TEXT NOT NULL,
    revoked_at    TEXT
);
CREATE INDEX portal_links_freelancer ON portal_links (freelancer_id);

CREATE TABLE emails (
    id              TEXT PRIMARY KEY,
    freelancer_id   TEXT,
    verification_id TEXT,
    kind            TEXT NOT NULL,
    to_addr         TEXT NOT NULL,
    subject         TEXT NOT NULL,
    text_body       TEXT NOT NULL,
    html_body       TEXT NOT NULL,
    created_at      TEXT NOT NULL,
    sent_at         TEXT,
    transport       TEXT NOT NULL DEFAULT '',
    attempts        INTEGER NOT NULL DEFAULT 0,
    last_error      TEXT NOT NULL DEFAULT ''
);
CREATE INDEX emails_freelancer ON emails (freelancer_id);
