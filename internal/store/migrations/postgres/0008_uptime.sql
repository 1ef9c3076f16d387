-- One row per minute the service was up, written by the running service,
-- so that time lost to an outage can be given back to freelancers.
CREATE TABLE uptime (
    minute BIGINT PRIMARY KEY
);
