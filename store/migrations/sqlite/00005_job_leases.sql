-- The lease each running attempt of a queued job holds: its node renews it
-- while the attempt runs; once it has expired, a live node makes the job
-- available again and the next attempt replaces the row. One row per job.

-- +goose Up
CREATE TABLE job_leases (
    job_id     INTEGER PRIMARY KEY,
    run_id     INTEGER,           -- the run the job executes; NULL for a mail
    node       TEXT    NOT NULL,
    attempt    INTEGER NOT NULL,
    started_at INTEGER NOT NULL,
    renewed_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    released   INTEGER NOT NULL DEFAULT 0 CHECK (released IN (0, 1))
);
CREATE INDEX job_leases_expires_at ON job_leases (expires_at);

-- +goose Down
DROP TABLE job_leases;
