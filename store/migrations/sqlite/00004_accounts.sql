-- Accounts (G1), their API tokens and browser sessions, the audit log (F7),
-- and the owner of every object. Objects made before accounts existed have
-- owner 0 until an account adopts them. Tokens and sessions are kept as the
-- SHA-256 of their secret only.

-- +goose Up
CREATE TABLE users (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    email         TEXT    NOT NULL UNIQUE, -- lower case
    name          TEXT    NOT NULL DEFAULT '',
    role          TEXT    NOT NULL,
    active        INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    password_hash TEXT    NOT NULL DEFAULT '',
    last_login_at INTEGER,
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL
);

CREATE TABLE tokens (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id      INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name         TEXT    NOT NULL,
    prefix       TEXT    NOT NULL,
    hash         BLOB    NOT NULL UNIQUE,
    expires_at   INTEGER,
    last_used_at INTEGER,
    created_at   INTEGER NOT NULL
);
CREATE INDEX tokens_user_id ON tokens (user_id);

CREATE TABLE sessions (
    hash       BLOB    PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    csrf       TEXT    NOT NULL,
    address    TEXT    NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE INDEX sessions_user_id ON sessions (user_id);

-- actor_id is not a foreign key: 0 is Facteur itself or an unknown account,
-- and actor keeps the address the account had at the time.
CREATE TABLE audit (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    at        INTEGER NOT NULL,
    actor_id  INTEGER NOT NULL DEFAULT 0,
    actor     TEXT    NOT NULL DEFAULT '',
    action    TEXT    NOT NULL,
    object    TEXT    NOT NULL DEFAULT '',
    object_id INTEGER NOT NULL DEFAULT 0,
    address   TEXT    NOT NULL DEFAULT '',
    detail    TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX audit_at ON audit (at);
CREATE INDEX audit_actor_id ON audit (actor_id, id);

-- owner_id is not a foreign key either: 0 means no owner.
ALTER TABLE sources ADD COLUMN owner_id INTEGER NOT NULL DEFAULT 0;
ALTER TABLE reports ADD COLUMN owner_id INTEGER NOT NULL DEFAULT 0;
ALTER TABLE destinations ADD COLUMN owner_id INTEGER NOT NULL DEFAULT 0;
ALTER TABLE schedules ADD COLUMN owner_id INTEGER NOT NULL DEFAULT 0;
ALTER TABLE runs ADD COLUMN owner_id INTEGER NOT NULL DEFAULT 0;
ALTER TABLE runs ADD COLUMN requested_by INTEGER NOT NULL DEFAULT 0;
CREATE INDEX runs_owner_id ON runs (owner_id);

-- +goose Down
DROP INDEX runs_owner_id;
ALTER TABLE runs DROP COLUMN requested_by;
ALTER TABLE runs DROP COLUMN owner_id;
ALTER TABLE schedules DROP COLUMN owner_id;
ALTER TABLE destinations DROP COLUMN owner_id;
ALTER TABLE reports DROP COLUMN owner_id;
ALTER TABLE sources DROP COLUMN owner_id;
DROP TABLE audit;
DROP TABLE sessions;
DROP TABLE tokens;
DROP TABLE users;
