-- Signaling messages between nodes too large for a NOTIFY payload (an SDP
-- can pass 8000 bytes): the row is written, its id is notified, and
-- listeners read it. Rows are deleted a minute later; nothing of a call is kept.
CREATE TABLE signals (
    id         BIGSERIAL PRIMARY KEY,
    payload    TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX signals_created ON signals (created_at);
