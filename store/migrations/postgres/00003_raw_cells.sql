-- +goose Up
ALTER TABLE destinations ADD COLUMN raw_cells boolean NOT NULL DEFAULT false;

-- +goose Down
ALTER TABLE destinations DROP COLUMN raw_cells;
