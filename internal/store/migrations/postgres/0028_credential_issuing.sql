-- attest as a credential issuer (docs/CREDENTIALS.md, "attest as issuer").
-- An offer is one pre-authorized code for one verified case: kept as a
-- hash, short-lived, redeemed once for an access token (also a hash),
-- which buys one credential.
CREATE TABLE credential_offers (
    id               TEXT PRIMARY KEY,
    verification_id  TEXT NOT NULL REFERENCES verifications (id),
    freelancer_id    TEXT NOT NULL,
    code_hash        TEXT NOT NULL UNIQUE,
    created_at       TIMESTAMPTZ NOT NULL,
    expires_at       TIMESTAMPTZ NOT NULL,
    redeemed_at      TIMESTAMPTZ,
    token_hash       TEXT UNIQUE,
    token_expires_at TIMESTAMPTZ,
    issued_at        TIMESTAMPTZ
);
CREATE INDEX credential_offers_freelancer ON credential_offers (freelancer_id);

-- Every credential issued, by its index in the status list: never the
-- credential itself, only the thumbprint of the wallet key it is bound
-- to. An index is given once (counter credential_status_next) and never
-- again; revoked_at turns its entry in the published list to invalid.
CREATE TABLE issued_credentials (
    status_index    BIGINT PRIMARY KEY,
    offer_id        TEXT NOT NULL UNIQUE REFERENCES credential_offers (id),
    verification_id TEXT NOT NULL REFERENCES verifications (id),
    freelancer_id   TEXT NOT NULL,
    holder_key      TEXT NOT NULL,
    issued_at       TIMESTAMPTZ NOT NULL,
    expires_at      TIMESTAMPTZ NOT NULL,
    revoked_at      TIMESTAMPTZ,
    -- not_verified (a later case), erased (the profile), or '' while valid
    revoke_reason   TEXT NOT NULL DEFAULT ''
);
CREATE INDEX issued_credentials_freelancer ON issued_credentials (freelancer_id);

-- credential_status_revision counts the changes to the status list, so
-- that a node re-signs the list only when it changed.
INSERT INTO counters (name, value) VALUES ('credential_status_next', 0), ('credential_status_revision', 0);
