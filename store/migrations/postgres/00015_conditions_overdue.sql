-- A run keeps the SHA-256 of its file's content before compression, which
-- "send only if the data changed" compares. overdue_alerts records each slot
-- of a schedule whose expected delivery window passed with nothing
-- delivered: one row per slot, written with its alert mails, so that a slot
-- is alerted once whatever the number of nodes and restarts.
-- overdue_alert_mails records each recipient an overdue alert was sent to,
-- as soon as the mail server accepted it: a mail job taken up again after
-- a crash does not send it twice.

-- +goose Up
ALTER TABLE runs ADD COLUMN content_sha256 text NOT NULL DEFAULT '';

CREATE TABLE overdue_alerts (
    schedule_id bigint      NOT NULL REFERENCES schedules (id) ON DELETE CASCADE,
    slot        timestamptz NOT NULL,
    created_at  timestamptz NOT NULL,
    PRIMARY KEY (schedule_id, slot)
);

CREATE TABLE overdue_alert_mails (
    schedule_id bigint NOT NULL,
    slot        timestamptz NOT NULL,
    address     text NOT NULL,
    sent_at     timestamptz NOT NULL,
    PRIMARY KEY (schedule_id, slot, address),
    FOREIGN KEY (schedule_id, slot) REFERENCES overdue_alerts (schedule_id, slot) ON DELETE CASCADE
);

-- +goose Down
DROP TABLE overdue_alert_mails;
DROP TABLE overdue_alerts;
ALTER TABLE runs DROP COLUMN content_sha256;
