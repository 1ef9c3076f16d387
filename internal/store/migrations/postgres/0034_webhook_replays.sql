-- Webhooks: each replay of a delivery opens a new generation of it. A job
-- carries the generation it was queued for, and an attempt that began
-- before a later replay is logged without ending the delivery: the
-- replay's own attempt does (docs/OPERATIONS.md, webhooks).
ALTER TABLE webhook_deliveries ADD COLUMN replays INTEGER NOT NULL DEFAULT 0;
