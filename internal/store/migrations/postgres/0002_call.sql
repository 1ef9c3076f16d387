-- The live call: the queue, agents' presence, calls, per-claim outcomes and
-- decisions. A decision row per decider leaves room for the second review.

CREATE TABLE queue_entries (
    verification_id TEXT PRIMARY KEY REFERENCES verifications (id),
    freelancer_id   TEXT NOT NULL,
    deadline        TIMESTAMPTZ NOT NULL,
    joined_at       TIMESTAMPTZ NOT NULL,
    -- set while the freelancer's page is closed; the place is held until
    -- away_since plus the hold time
    away_since      TIMESTAMPTZ
);
CREATE INDEX queue_entries_order ON queue_entries (deadline, joined_at);

CREATE TABLE agent_presence (
    staff_id TEXT PRIMARY KEY REFERENCES staff (id),
    status   TEXT NOT NULL,
    since    TIMESTAMPTZ NOT NULL,
    seen_at  TIMESTAMPTZ NOT NULL
);

CREATE TABLE calls (
    id              TEXT PRIMARY KEY,
    verification_id TEXT NOT NULL REFERENCES verifications (id),
    agent_id        TEXT NOT NULL REFERENCES staff (id),
    started_at      TIMESTAMPTZ NOT NULL,
    ended_at        TIMESTAMPTZ,
    -- the script's progress: consent, identity, challenges (JSON)
    script          TEXT NOT NULL DEFAULT '{}'
);
CREATE UNIQUE INDEX calls_live ON calls (verification_id) WHERE ended_at IS NULL;
CREATE INDEX calls_agent ON calls (agent_id, started_at);

CREATE TABLE claim_outcomes (
    verification_id TEXT NOT NULL REFERENCES verifications (id),
    claim_key       TEXT NOT NULL,
    outcome         TEXT NOT NULL,
    note            TEXT NOT NULL,
    staff_id        TEXT NOT NULL,
    recorded_at     TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (verification_id, claim_key)
);

CREATE TABLE decisions (
    id              TEXT PRIMARY KEY,
    verification_id TEXT NOT NULL REFERENCES verifications (id),
    staff_id        TEXT NOT NULL,
    stage           TEXT NOT NULL,
    decision        TEXT NOT NULL,
    reason_code     TEXT NOT NULL,
    note            TEXT NOT NULL,
    decided_at      TIMESTAMPTZ NOT NULL
);
CREATE INDEX decisions_verification ON decisions (verification_id, decided_at);
