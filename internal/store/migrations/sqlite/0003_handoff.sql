-- Phone hand-off: a short code that opens the freelancer's portal on
-- another device. Single use, short-lived.
CREATE TABLE handoff_codes (
    code          TEXT PRIMARY KEY,
    freelancer_id TEXT NOT NULL REFERENCES freelancers (id),
    created_at    TEXT NOT NULL,
    expires_at    TEXT NOT NULL,
    used_at       TEXT
);
CREATE INDEX handoff_codes_freelancer ON handoff_codes (freelancer_id);
