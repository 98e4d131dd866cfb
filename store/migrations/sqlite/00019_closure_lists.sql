-- The organisation's closure days (E9): named lists of dates and ranges
-- that a schedule's calendar may observe as non-working days. The days are
-- one JSON array of {"from", "to", "label"}, read and written whole.

-- +goose Up
CREATE TABLE closure_lists (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    name       TEXT NOT NULL UNIQUE,
    days       TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);

-- +goose Down
DROP TABLE closure_lists;
