-- +goose Up
ALTER TABLE destinations ADD COLUMN raw_cells INTEGER NOT NULL DEFAULT 0;

-- +goose Down
ALTER TABLE destinations DROP COLUMN raw_cells;
