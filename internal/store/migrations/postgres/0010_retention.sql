-- Where the audit chain begins after entries older than the retention
-- period were removed: the last removed entry's number and hash, so that
-- verification starts from a known link instead of the first entry.
ALTER TABLE audit_head ADD COLUMN anchor_seq BIGINT NOT NULL DEFAULT 0;
ALTER TABLE audit_head ADD COLUMN anchor_hash TEXT NOT NULL DEFAULT '';
