-- An agent granted review rights may confirm or overturn another agent's
-- negative decision, as a supervisor can.
ALTER TABLE staff ADD COLUMN can_review INTEGER NOT NULL DEFAULT 0;
