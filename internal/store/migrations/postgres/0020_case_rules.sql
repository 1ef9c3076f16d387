-- The script's steps as recorded, each with who and when: a verified
-- decision needs the required ones passed. A new call starts them afresh.
CREATE TABLE case_steps (
    verification_id TEXT NOT NULL REFERENCES verifications (id),
    step            TEXT NOT NULL,
    result          TEXT NOT NULL,
    actor           TEXT NOT NULL,
    recorded_at     TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (verification_id, step)
);

-- The claims a call asked documents for, while the case is awaiting_documents
-- and after, as a JSON array of claim keys.
ALTER TABLE verifications ADD COLUMN documents_for TEXT NOT NULL DEFAULT '[]';

-- The backlog that deadlines respect: open cases needing a call slot, in
-- deadline order.
CREATE INDEX verifications_backlog ON verifications (deadline, created_at)
    WHERE status IN ('awaiting_freelancer', 'in_queue');
