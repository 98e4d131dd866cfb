-- Per-field obfuscation of a schedule (hash, hmac, mask, null): its rules
-- as JSON, and its own HMAC key, sealed like every credential ('' for
-- none: the installation's key is used).

-- +goose Up
ALTER TABLE schedules ADD COLUMN obfuscate json NOT NULL DEFAULT '[]';
ALTER TABLE schedules ADD COLUMN hmac_key text NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE schedules DROP COLUMN hmac_key;
ALTER TABLE schedules DROP COLUMN obfuscate;
