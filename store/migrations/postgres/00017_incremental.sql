-- schedule_watermarks keeps, per incremental schedule, the end of the
-- window its last successful delivery covered (watermark, NULL before the
-- first) and the run that holds the next window while it exports and
-- delivers it (holder_run). run_windows keeps the window each run of an
-- incremental schedule exports, fixed when its export first starts, so
-- that every attempt and retry of the run sends the same rows.

-- +goose Up
CREATE TABLE schedule_watermarks (
    schedule_id bigint PRIMARY KEY REFERENCES schedules (id) ON DELETE CASCADE,
    watermark   timestamptz,
    holder_run  bigint,
    updated_at  timestamptz
);

CREATE TABLE run_windows (
    run_id       bigint PRIMARY KEY REFERENCES runs (id) ON DELETE CASCADE,
    window_from  timestamptz,
    window_to    timestamptz NOT NULL,
    watermark    timestamptz
);

-- +goose Down
DROP TABLE run_windows;
DROP TABLE schedule_watermarks;
