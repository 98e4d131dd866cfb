-- The processes working on the database, each with a heartbeat: `facteur
-- serve` nodes and a running `facteur secrets rotate`, so that a rotation
-- refuses to start while a node serves and a node refuses to start while a
-- rotation runs. key_rotation holds the rotation under way or interrupted
-- (at most one row) until it has finished.

-- +goose Up
CREATE TABLE nodes (
    id         TEXT    PRIMARY KEY,
    kind       TEXT    NOT NULL CHECK (kind IN ('serve', 'rotate')),
    host       TEXT    NOT NULL,
    started_at INTEGER NOT NULL,
    seen_at    INTEGER NOT NULL
);

CREATE TABLE key_rotation (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    host       TEXT    NOT NULL,
    started_at INTEGER NOT NULL
);

-- +goose Down
DROP TABLE key_rotation;
DROP TABLE nodes;
