-- Agents' working hours, in their own time zone, and the exceptions to them
-- (leave, holidays, extra shifts). Slots are derived, never stored.
ALTER TABLE staff ADD COLUMN timezone TEXT NOT NULL DEFAULT 'UTC';

CREATE TABLE staff_hours (
    staff_id  TEXT NOT NULL REFERENCES staff (id),
    weekday   INTEGER NOT NULL,
    start_min INTEGER NOT NULL,
    end_min   INTEGER NOT NULL
);
CREATE INDEX staff_hours_staff ON staff_hours (staff_id);

CREATE TABLE staff_exceptions (
    id        TEXT PRIMARY KEY,
    staff_id  TEXT NOT NULL REFERENCES staff (id),
    starts_at TIMESTAMPTZ NOT NULL,
    ends_at   TIMESTAMPTZ NOT NULL,
    kind      TEXT NOT NULL,
    note      TEXT NOT NULL DEFAULT ''
);
CREATE INDEX staff_exceptions_staff ON staff_exceptions (staff_id, starts_at);
