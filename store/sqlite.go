package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"path/filepath"
	"time"

	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"
	"modernc.org/sqlite" // also registers the "sqlite" database/sql driver
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/facteur/facteur"
)

// sqliteBusyTimeoutMS is how long, in milliseconds, a statement waits for
// another process's write lock on the file (a CLI beside the server, a
// second handle) before it fails.
const sqliteBusyTimeoutMS = 10_000

// sqliteDSN returns the modernc.org/sqlite DSN of the database file at
// path, with the settings every connection needs:
//
//   - journal_mode WAL: readers never block the writer (River relies on it
//     to avoid SQLITE_BUSY).
//   - busy_timeout: wait for another process's lock instead of failing.
//   - foreign_keys on: SQLite leaves them off by default.
//   - synchronous FULL: a commit survives a power cut, so a slot advanced or
//     a run recorded stays so.
//   - _txlock=immediate: a transaction takes the write lock when it begins,
//     so that it never fails half-way upgrading a read lock.
func sqliteDSN(path string) string {
	q := url.Values{}
	q.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", sqliteBusyTimeoutMS))
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "foreign_keys(1)")
	q.Add("_pragma", "synchronous(FULL)")
	q.Set("_txlock", "immediate")
	// A file: URI, so that a path with ?, # or % in it stays a path.
	u := url.URL{Scheme: "file", Path: filepath.ToSlash(path), RawQuery: q.Encode()}
	return u.String()
}

// openSQLite opens (creating if needed) and migrates the SQLite database.
func openSQLite(ctx context.Context, cfg Config) (*DB, error) {
	path, err := filepath.Abs(cfg.SQLitePath)
	if err != nil {
		return nil, facteur.WrapError(facteur.EINVALID, err, "sqlite_path: cannot resolve %q", cfg.SQLitePath)
	}
	sqlDB, err := sql.Open("sqlite", sqliteDSN(path))
	if err != nil {
		return nil, fmt.Errorf("open sqlite: %w", err)
	}
	// One connection for the whole process, as River's SQLite driver
	// recommends: SQLite allows one writer at a time, and with several
	// connections and deferred transactions the store, River's workers and
	// the scheduler see "database is locked" (the Concurrency test does
	// within a second). Go's pool queues them instead; _txlock=immediate
	// and busy_timeout cover other handles on the file. The connection is
	// kept for good so that the pragmas and the page cache stay.
	sqlDB.SetMaxOpenConns(1)
	sqlDB.SetMaxIdleConns(1)
	sqlDB.SetConnMaxLifetime(0)
	sqlDB.SetConnMaxIdleTime(0)

	db := &DB{sqlDB: sqlDB}
	db.store, db.root = rootStore(DialectSQLite, sqlExecutor{sqlDB}, beginSQL(sqlDB), cfg.Keyring)
	db.store.formats = cfg.Formats
	if err := db.setupSQLite(ctx, cfg, path); err != nil {
		_ = sqlDB.Close()
		return nil, err
	}
	return db, nil
}

// sqliteSetupAttempts bounds setupSQLite's retries.
const sqliteSetupAttempts = 8

// setupSQLite checks the connection and runs Facteur's and River's
// migrations. SQLite has no advisory lock, so two processes opening a new
// file at once can collide: the first connection of one may find the file
// locked while the other converts it to WAL, or both may try to apply a
// migration, the second failing on "table already exists" once the first
// commits. Each migration is one transaction (SQLite's DDL is
// transactional), so a failed attempt leaves nothing behind, and trying
// again finds the migration applied.
func (db *DB) setupSQLite(ctx context.Context, cfg Config, path string) error {
	logger := cfg.logger()
	var err error
	for attempt := range sqliteSetupAttempts {
		if attempt > 0 {
			logger.DebugContext(ctx, "store: setting up SQLite again", "attempt", attempt+1, "error", err)
			select {
			case <-ctx.Done():
				return errors.Join(err, ctx.Err())
			case <-time.After(time.Duration(attempt) * 50 * time.Millisecond):
			}
		}
		if err = db.setupSQLiteOnce(ctx, logger, path); err == nil || !retryableSQLite(err) {
			return err
		}
	}
	return err
}

func (db *DB) setupSQLiteOnce(ctx context.Context, logger *slog.Logger, path string) error {
	var mode string
	if err := db.sqlDB.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil {
		return facteur.WrapError(facteur.EINVALID, err, "sqlite_path: cannot open the database %s", path)
	}
	if mode != "wal" {
		// WAL needs shared memory, which some network file systems lack.
		logger.WarnContext(ctx, "store: SQLite is not in WAL mode; readers will wait for writers", "path", path, "journal_mode", mode)
	}
	if err := migrateFacteur(ctx, db.sqlDB, DialectSQLite, logger); err != nil {
		return err
	}
	m, err := rivermigrate.New(riversqlite.New(db.sqlDB), &rivermigrate.Config{Logger: logger})
	if err != nil {
		return fmt.Errorf("river migrations: %w", err)
	}
	if _, err := m.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		return fmt.Errorf("river migrate: %w", err)
	}
	return nil
}

// retryableSQLite reports whether a failed setup may succeed when tried
// again: the file was busy or locked, or a statement failed while another
// process was migrating ("table already exists" is SQLITE_ERROR, a
// migration version recorded twice SQLITE_CONSTRAINT).
func retryableSQLite(err error) bool {
	var se *sqlite.Error
	if !errors.As(err, &se) {
		return false
	}
	switch se.Code() & 0xff { // the primary result code
	case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED, sqlite3.SQLITE_ERROR, sqlite3.SQLITE_CONSTRAINT:
		return true
	}
	return false
}
