-- Appeals against confirmed negative decisions. An upheld appeal is marked
-- on the case, and the standing (kept in the same transaction) lifts the
-- restriction at once.
CREATE TABLE appeals (
    id              TEXT PRIMARY KEY,
    verification_id TEXT NOT NULL REFERENCES verifications (id),
    freelancer_id   TEXT NOT NULL,
    statement       TEXT NOT NULL,
    status          TEXT NOT NULL,
    created_at      TIMESTAMPTZ NOT NULL,
    decided_by      TEXT NOT NULL DEFAULT '',
    decided_at      TIMESTAMPTZ,
    note            TEXT NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX appeals_one_per_case ON appeals (verification_id);

ALTER TABLE verifications ADD COLUMN appeal_upheld_at TIMESTAMPTZ;
ALTER TABLE standings ADD COLUMN decided_upheld_at TIMESTAMPTZ;
