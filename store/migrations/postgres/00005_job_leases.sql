-- The lease each running attempt of a queued job holds: its node renews it
-- while the attempt runs; once it has expired, a live node makes the job
-- available again and the next attempt replaces the row. One row per job.

-- +goose Up
CREATE TABLE job_leases (
    job_id     bigint      PRIMARY KEY,
    run_id     bigint,     -- the run the job executes; NULL for a mail
    node       text        NOT NULL,
    attempt    integer     NOT NULL,
    started_at timestamptz NOT NULL,
    renewed_at timestamptz NOT NULL,
    expires_at timestamptz NOT NULL,
    released   boolean     NOT NULL DEFAULT false
);
CREATE INDEX job_leases_expires_at ON job_leases (expires_at);

-- +goose Down
DROP TABLE job_leases;
