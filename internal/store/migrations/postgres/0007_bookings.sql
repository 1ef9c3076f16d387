-- Booked call slots. A booking keeps its id (the calendar UID) for life;
-- its sequence grows with every change, as calendars expect.
CREATE TABLE bookings (
    id              TEXT PRIMARY KEY,
    verification_id TEXT NOT NULL REFERENCES verifications (id),
    freelancer_id   TEXT NOT NULL,
    agent_id        TEXT NOT NULL REFERENCES staff (id),
    starts_at       TIMESTAMPTZ NOT NULL,
    ends_at         TIMESTAMPTZ NOT NULL,
    status          TEXT NOT NULL,
    sequence        INTEGER NOT NULL DEFAULT 0,
    created_at      TIMESTAMPTZ NOT NULL,
    updated_at      TIMESTAMPTZ NOT NULL
);
-- An agent holds a slot once; a case has one live booking.
CREATE UNIQUE INDEX bookings_agent_slot ON bookings (agent_id, starts_at) WHERE status = 'booked';
CREATE UNIQUE INDEX bookings_live ON bookings (verification_id) WHERE status = 'booked';
CREATE INDEX bookings_time ON bookings (starts_at) WHERE status = 'booked';

ALTER TABLE verifications ADD COLUMN scheduled_for TIMESTAMPTZ;
ALTER TABLE emails ADD COLUMN calendar TEXT NOT NULL DEFAULT '';
ALTER TABLE emails ADD COLUMN calendar_method TEXT NOT NULL DEFAULT '';
