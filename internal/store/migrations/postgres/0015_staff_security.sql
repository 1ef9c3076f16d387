-- Staff security: a TOTP second factor with single-use recovery codes, the
-- OIDC subject a staff member signs in as, and session ids that pages may
-- show (the token hash stays private).
CREATE TABLE staff_totp (
    staff_id     TEXT PRIMARY KEY REFERENCES staff (id),
    nonce        BYTEA NOT NULL,
    secret       BYTEA NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL,
    confirmed_at TIMESTAMPTZ,
    last_step    BIGINT NOT NULL DEFAULT 0
);

CREATE TABLE staff_recovery_codes (
    staff_id  TEXT NOT NULL REFERENCES staff (id),
    code_hash TEXT NOT NULL,
    used_at   TIMESTAMPTZ,
    PRIMARY KEY (staff_id, code_hash)
);

ALTER TABLE staff ADD COLUMN oidc_subject TEXT;
CREATE UNIQUE INDEX staff_oidc_subject ON staff (oidc_subject);

ALTER TABLE sessions ADD COLUMN id TEXT;
UPDATE sessions SET id = substr(token_hash, 1, 32);
CREATE UNIQUE INDEX sessions_id ON sessions (id);
