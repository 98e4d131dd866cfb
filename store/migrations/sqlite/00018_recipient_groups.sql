-- Recipient groups: named lists of accounts (by id) and outside addresses
-- that e-mail destinations and a schedule's alerts name. destination_groups
-- and schedule_groups record who names a group, so that a group in use
-- cannot be deleted and a group that does not exist cannot be named; they
-- are written with the destination or schedule, in its transaction.

-- +goose Up
CREATE TABLE recipient_groups (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    name        TEXT    NOT NULL UNIQUE,
    account_ids TEXT    NOT NULL DEFAULT '[]' CHECK (json_valid(account_ids)),
    addresses   TEXT    NOT NULL DEFAULT '[]' CHECK (json_valid(addresses)),
    owner_id    INTEGER NOT NULL DEFAULT 0,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
);

CREATE TABLE destination_groups (
    destination_id INTEGER NOT NULL REFERENCES destinations (id) ON DELETE CASCADE,
    group_id       INTEGER NOT NULL REFERENCES recipient_groups (id) ON DELETE RESTRICT,
    PRIMARY KEY (destination_id, group_id)
);
CREATE INDEX destination_groups_group ON destination_groups (group_id);

CREATE TABLE schedule_groups (
    schedule_id INTEGER NOT NULL REFERENCES schedules (id) ON DELETE CASCADE,
    group_id    INTEGER NOT NULL REFERENCES recipient_groups (id) ON DELETE RESTRICT,
    PRIMARY KEY (schedule_id, group_id)
);
CREATE INDEX schedule_groups_group ON schedule_groups (group_id);

-- +goose Down
DROP TABLE schedule_groups;
DROP TABLE destination_groups;
DROP TABLE recipient_groups;
