-- Encryption of a destination's files (C2): the method and the recipients'
-- public keys, as JSON, NULL for files in clear. A run of an encrypted file
-- keeps the size and SHA-256 of what it holds, for the confirmation file.

-- +goose Up
ALTER TABLE destinations ADD COLUMN encryption TEXT;
ALTER TABLE runs ADD COLUMN plain_bytes INTEGER NOT NULL DEFAULT 0;
ALTER TABLE runs ADD COLUMN plain_sha256 TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE runs DROP COLUMN plain_sha256;
ALTER TABLE runs DROP COLUMN plain_bytes;
ALTER TABLE destinations DROP COLUMN encryption;
