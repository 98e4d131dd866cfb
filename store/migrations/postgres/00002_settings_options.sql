-- +goose Up
ALTER TABLE schedules ADD COLUMN options json NOT NULL DEFAULT '{}';

CREATE TABLE settings (
    key        text        PRIMARY KEY,
    value      json        NOT NULL,
    updated_at timestamptz NOT NULL
);

-- +goose Down
DROP TABLE settings;
ALTER TABLE schedules DROP COLUMN options;
