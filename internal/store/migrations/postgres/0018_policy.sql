-- The policy admins edit at /admin/policy: one row of JSON laid over the
-- built-in defaults (no row means the defaults), and the end of the appeal
-- window each confirmed negative decision keeps, so that changing the
-- window changes it for new decisions only.
CREATE TABLE policy (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    value      TEXT NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    updated_by TEXT NOT NULL
);
ALTER TABLE verifications ADD COLUMN appeal_until TIMESTAMPTZ;
