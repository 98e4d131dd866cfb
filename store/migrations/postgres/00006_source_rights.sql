-- What a source's account may do beyond reading, found at its last save or
-- Test (JSON, '' before the first look), and whether an administrator
-- accepted it (G5).

-- +goose Up
ALTER TABLE sources ADD COLUMN accept_extra_rights boolean NOT NULL DEFAULT false;
ALTER TABLE sources ADD COLUMN rights text NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE sources DROP COLUMN rights;
ALTER TABLE sources DROP COLUMN accept_extra_rights;
