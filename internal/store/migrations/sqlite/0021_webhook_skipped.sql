-- Webhooks: an event that an endpoint subscribes to but that arrives while
-- the endpoint is disabled becomes a delivery in the "skipped" state, with
-- no job and no attempt, so that an admin can replay it once the endpoint
-- is enabled again. skipped_reason says why it was not sent.

ALTER TABLE webhook_deliveries ADD COLUMN skipped_reason TEXT NOT NULL DEFAULT '';

-- What an endpoint has waiting (failed, canceled, skipped) is read by
-- status, in the events' order.
CREATE INDEX webhook_deliveries_by_endpoint_status ON webhook_deliveries (endpoint_id, status, event_seq);
