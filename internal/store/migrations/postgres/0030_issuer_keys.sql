-- The public keys of every key attest signed credentials with
-- (docs/CREDENTIALS.md, "Keys across master-key rotations"). The issuer's
-- signing key derives from the master key, so a rotation replaces it; a
-- credential lives a year, longer than a rotation's grace. Each key is
-- published in /.well-known/jwt-vc-issuer until the last credential it
-- signed expires (until), whichever master keys the node still holds.
CREATE TABLE issuer_keys (
    key_id TEXT PRIMARY KEY,
    jwk    TEXT NOT NULL,
    until  TIMESTAMPTZ NOT NULL
);

-- Which key signed each credential; NULL for those issued before this
-- table, which a node publishes its current and previous keys for.
ALTER TABLE issued_credentials ADD COLUMN key_id TEXT;
