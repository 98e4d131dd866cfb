-- What became of each recipient of a run's mails (its file, its failure
-- alert): queued, sent with the server's reply, or failed with the reason.
-- The run page shows it; a resumed run skips the recipients already sent.

-- +goose Up
CREATE TABLE mail_recipients (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    run_id     INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    purpose    TEXT NOT NULL CHECK (purpose IN ('delivery', 'alert')),
    address    TEXT NOT NULL,
    state      TEXT NOT NULL CHECK (state IN ('queued', 'sent', 'failed')),
    reply      TEXT NOT NULL DEFAULT '',
    message_id TEXT NOT NULL DEFAULT '',
    updated_at INTEGER NOT NULL,
    UNIQUE (run_id, purpose, address)
);

-- +goose Down
DROP TABLE mail_recipients;
