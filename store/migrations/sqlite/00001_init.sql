-- Facteur's records on SQLite. Instants are INTEGER unix microseconds (UTC),
-- which sort and compare correctly in SQL; JSON columns are TEXT checked by
-- json_valid. AUTOINCREMENT keeps ids from ever being reused: they appear in
-- URLs and in the run history.

-- +goose Up
CREATE TABLE sources (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    name       TEXT    NOT NULL,
    kind       TEXT    NOT NULL,
    dsn        TEXT    NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);

CREATE TABLE reports (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    name           TEXT    NOT NULL,
    source_id      INTEGER NOT NULL REFERENCES sources (id) ON DELETE RESTRICT,
    sql            TEXT    NOT NULL DEFAULT '',
    table_name     TEXT    NOT NULL DEFAULT '',
    fields         TEXT    NOT NULL DEFAULT '[]' CHECK (json_valid(fields)),
    created_column TEXT    NOT NULL DEFAULT '',
    updated_column TEXT    NOT NULL DEFAULT '',
    created_at     INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL
);
CREATE INDEX reports_source_id ON reports (source_id);

CREATE TABLE destinations (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    name       TEXT    NOT NULL,
    kind       TEXT    NOT NULL,
    config     TEXT    NOT NULL DEFAULT '{}' CHECK (json_valid(config)),
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);

CREATE TABLE schedules (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    name           TEXT    NOT NULL,
    report_id      INTEGER NOT NULL REFERENCES reports (id) ON DELETE RESTRICT,
    destination_id INTEGER NOT NULL REFERENCES destinations (id) ON DELETE RESTRICT,
    format         TEXT    NOT NULL CHECK (json_valid(format)),
    file_name      TEXT    NOT NULL,
    calendar       TEXT    NOT NULL CHECK (json_valid(calendar)),
    catch_up       TEXT    NOT NULL,
    include_fields TEXT    NOT NULL DEFAULT '[]' CHECK (json_valid(include_fields)),
    enabled        INTEGER NOT NULL CHECK (enabled IN (0, 1)),
    next_run_at    INTEGER,
    created_at     INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL
);
CREATE INDEX schedules_due ON schedules (enabled, next_run_at);
CREATE INDEX schedules_report_id ON schedules (report_id);
CREATE INDEX schedules_destination_id ON schedules (destination_id);

-- report_id and destination_id are not foreign keys: the history outlives
-- the objects, and definition keeps what was used.
CREATE TABLE runs (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    schedule_id    INTEGER REFERENCES schedules (id) ON DELETE SET NULL,
    report_id      INTEGER NOT NULL,
    destination_id INTEGER NOT NULL,
    triggered_by   TEXT    NOT NULL,
    scheduled_for  INTEGER,
    retry_of       INTEGER,
    status         TEXT    NOT NULL,
    attempt        INTEGER NOT NULL DEFAULT 0,
    job_id         INTEGER,
    file_name      TEXT    NOT NULL DEFAULT '',
    row_count      INTEGER NOT NULL DEFAULT 0,
    byte_count     INTEGER NOT NULL DEFAULT 0,
    sha256         TEXT    NOT NULL DEFAULT '',
    artifact_path  TEXT    NOT NULL DEFAULT '',
    location       TEXT    NOT NULL DEFAULT '',
    error          TEXT    NOT NULL DEFAULT '',
    ignored        INTEGER NOT NULL DEFAULT 0 CHECK (ignored IN (0, 1)),
    stages         TEXT    NOT NULL DEFAULT '[]' CHECK (json_valid(stages)),
    definition     TEXT    CHECK (definition IS NULL OR json_valid(definition)),
    created_at     INTEGER NOT NULL,
    started_at     INTEGER,
    finished_at    INTEGER,
    -- A slot of a schedule runs once. Manual runs have no slot: NULLs are distinct.
    CONSTRAINT runs_schedule_slot UNIQUE (schedule_id, scheduled_for)
);
CREATE INDEX runs_schedule_id ON runs (schedule_id, id DESC);

CREATE TABLE run_log (
    id      INTEGER PRIMARY KEY AUTOINCREMENT,
    run_id  INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    time    INTEGER NOT NULL,
    level   TEXT    NOT NULL,
    message TEXT    NOT NULL
);
CREATE INDEX run_log_run_id ON run_log (run_id, id);

-- +goose Down
DROP TABLE run_log;
DROP TABLE runs;
DROP TABLE schedules;
DROP TABLE destinations;
DROP TABLE reports;
DROP TABLE sources;
