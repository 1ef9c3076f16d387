-- When retention blanked the free text a closed case left outside its own
-- row (event snapshots, call scripts): each case is done once.
ALTER TABLE verifications ADD COLUMN texts_redacted_at TEXT;
CREATE INDEX verifications_to_redact ON verifications (closed_at) WHERE texts_redacted_at IS NULL AND closed_at IS NOT NULL;
