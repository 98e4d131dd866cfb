-- A report's chart (line or bar, x column against y columns), drawn by the
-- png and pdf formats: its JSON, '' when the report has none.

-- +goose Up
ALTER TABLE reports ADD COLUMN chart text NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE reports DROP COLUMN chart;
