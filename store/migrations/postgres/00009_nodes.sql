-- The processes working on the database, each with a heartbeat: `facteur
-- serve` nodes and a running `facteur secrets rotate`, so that a rotation
-- refuses to start while a node serves and a node refuses to start while a
-- rotation runs. key_rotation holds the rotation under way or interrupted
-- (at most one row) until it has finished.

-- +goose Up
CREATE TABLE nodes (
    id         text        PRIMARY KEY,
    kind       text        NOT NULL CHECK (kind IN ('serve', 'rotate')),
    host       text        NOT NULL,
    started_at timestamptz NOT NULL,
    seen_at    timestamptz NOT NULL
);

CREATE TABLE key_rotation (
    id         integer     PRIMARY KEY CHECK (id = 1),
    host       text        NOT NULL,
    started_at timestamptz NOT NULL
);

-- +goose Down
DROP TABLE key_rotation;
DROP TABLE nodes;
