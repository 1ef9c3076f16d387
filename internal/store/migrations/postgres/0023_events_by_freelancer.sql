-- A freelancer's events are read by freelancer, for their export and their
-- erasure, which scanned the whole feed.
CREATE INDEX events_by_freelancer ON events (freelancer_id, seq);
