-- When a case's passing deadline was announced (verification.overdue), so
-- that a retried job announces it once; cleared when the deadline moves.
ALTER TABLE verifications ADD COLUMN overdue_at TEXT;
