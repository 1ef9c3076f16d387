-- How long the freelancer of a call taken from the live queue waited there,
-- for the floor's wait figures; NULL for booked calls, which do not queue.
ALTER TABLE calls ADD COLUMN queue_wait_ms BIGINT;
CREATE INDEX calls_started ON calls (started_at);
