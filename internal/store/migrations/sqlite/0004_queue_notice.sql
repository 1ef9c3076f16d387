-- When a freelancer whose page is closed was told their turn is near, so
-- that they are told once per wait.
ALTER TABLE queue_entries ADD COLUMN notified_at TEXT;
