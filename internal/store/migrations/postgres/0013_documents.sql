-- Documents a freelancer uploads as evidence, sealed with AES-256-GCM before
-- they are written (internal/evidence): the database holds only ciphertext.
CREATE TABLE documents (
    id              TEXT PRIMARY KEY,
    verification_id TEXT NOT NULL REFERENCES verifications (id),
    freelancer_id   TEXT NOT NULL,
    claim_key       TEXT NOT NULL DEFAULT '',
    filename        TEXT NOT NULL,
    content_type    TEXT NOT NULL,
    size            BIGINT NOT NULL,
    nonce           BYTEA NOT NULL,
    sealed          BYTEA NOT NULL,
    created_at      TIMESTAMPTZ NOT NULL
);
CREATE INDEX documents_by_verification ON documents (verification_id, created_at);
CREATE INDEX documents_by_freelancer ON documents (freelancer_id);
