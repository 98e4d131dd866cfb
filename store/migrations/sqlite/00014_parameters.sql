-- Report parameters: a report declares the :name parameters of its SQL
-- (name, type, default, label) and a schedule gives their values.

-- +goose Up
ALTER TABLE reports ADD COLUMN parameters TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(parameters));
ALTER TABLE schedules ADD COLUMN params TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(params));

-- +goose Down
ALTER TABLE schedules DROP COLUMN params;
ALTER TABLE reports DROP COLUMN parameters;
