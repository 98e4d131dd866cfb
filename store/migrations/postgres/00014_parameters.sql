-- Report parameters: a report declares the :name parameters of its SQL
-- (name, type, default, label) and a schedule gives their values.

-- +goose Up
ALTER TABLE reports ADD COLUMN parameters json NOT NULL DEFAULT '[]';
ALTER TABLE schedules ADD COLUMN params json NOT NULL DEFAULT '{}';

-- +goose Down
ALTER TABLE schedules DROP COLUMN params;
ALTER TABLE reports DROP COLUMN parameters;
