-- Digital credentials (docs/CREDENTIALS.md). An attempt is one OpenID4VP
-- request: its nonce and state, the DCQL query sent, and how it ended. A
-- presentation is accepted once: answered_at is set once, and the hash of
-- every presentation accepted is unique. The raw credential is never kept.
CREATE TABLE credential_attempts (
    id                TEXT PRIMARY KEY,
    verification_id   TEXT NOT NULL REFERENCES verifications (id),
    -- dc_api (the browser's Digital Credentials API) or cross_device (QR code, direct_post)
    transport         TEXT NOT NULL,
    nonce             TEXT NOT NULL UNIQUE,
    state             TEXT NOT NULL UNIQUE,
    query             TEXT NOT NULL,
    created_at        TEXT NOT NULL,
    expires_at        TEXT NOT NULL,
    answered_at       TEXT,
    presentation_hash TEXT UNIQUE,
    -- '' while waiting; verified, mismatch or refused
    result            TEXT NOT NULL DEFAULT '',
    -- the refusal's code (sdjwt.Code), when refused
    reason            TEXT NOT NULL DEFAULT ''
);
CREATE INDEX credential_attempts_case ON credential_attempts (verification_id, created_at);

-- What a verified credential said of each claim it was asked for: whether
-- the value matched the profile, from which issuer, of which type, when.
CREATE TABLE credential_evidence (
    attempt_id      TEXT NOT NULL REFERENCES credential_attempts (id),
    verification_id TEXT NOT NULL REFERENCES verifications (id),
    claim_key       TEXT NOT NULL,
    matched         INTEGER NOT NULL,
    issuer          TEXT NOT NULL,
    credential_type TEXT NOT NULL,
    verified_at     TEXT NOT NULL,
    PRIMARY KEY (attempt_id, claim_key)
);
CREATE INDEX credential_evidence_case ON credential_evidence (verification_id);
