-- Master keys (issue 12): every signing and sealing key now derives from a
-- master key held outside the database. What is sealed records the id of
-- the master key it was sealed under (key_id), so that a rotation can find
-- what is left to re-seal; '' is a value sealed before master keys (with
-- --document-key or the old TOTP key in settings).
ALTER TABLE documents ADD COLUMN key_id TEXT NOT NULL DEFAULT '';
ALTER TABLE staff_totp ADD COLUMN key_id TEXT NOT NULL DEFAULT '';

-- A webhook endpoint's signing secret is random, sealed; during a rotation
-- the previous secret signs too, until previous_until.
ALTER TABLE webhook_endpoints ADD COLUMN secret_key_id TEXT NOT NULL DEFAULT '';
ALTER TABLE webhook_endpoints ADD COLUMN secret_nonce BLOB;
ALTER TABLE webhook_endpoints ADD COLUMN secret_sealed BLOB;
ALTER TABLE webhook_endpoints ADD COLUMN previous_key_id TEXT NOT NULL DEFAULT '';
ALTER TABLE webhook_endpoints ADD COLUMN previous_nonce BLOB;
ALTER TABLE webhook_endpoints ADD COLUMN previous_sealed BLOB;
ALTER TABLE webhook_endpoints ADD COLUMN previous_until TEXT;
