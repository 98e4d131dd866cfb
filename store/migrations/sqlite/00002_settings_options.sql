-- +goose Up
ALTER TABLE schedules ADD COLUMN options TEXT NOT NULL DEFAULT '{}';

CREATE TABLE settings (
    key        TEXT    PRIMARY KEY,
    value      TEXT    NOT NULL,
    updated_at INTEGER NOT NULL
);

-- +goose Down
DROP TABLE settings;
ALTER TABLE schedules DROP COLUMN options;
