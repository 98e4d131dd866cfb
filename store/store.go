// Package store keeps Facteur's own records — sources, reports,
// destinations, schedules, runs and their logs, accounts with their tokens
// and sessions, and the audit log — in SQLite (the embedded default) or
// PostgreSQL (for several nodes). Both dialects implement
// facteur.Store with the same behaviour and pass one conformance suite
// (package storetest).
//
// The job queue (River) keeps its tables in the same database: Open runs
// River's migrations next to Facteur's, and DB.SQL or DB.Pool give the handle
// River's driver is built on, so that a job can be inserted in the same
// transaction as the run it executes (see InTx).
package store

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"log/slog"
	"strings"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/facteur/facteur"
	"github.com/facteur/facteur/secret"
)

// Dialects, as returned by DB.Dialect.
const (
	DialectSQLite   = "sqlite"
	DialectPostgres = "postgres"
)

// Config says which database holds Facteur's records. Exactly one of
// SQLitePath and PostgresURL is set.
type Config struct {
	// SQLitePath is the path of the embedded database file; it is created
	// if missing, along with its -wal and -shm companions.
	SQLitePath string
	// PostgresURL is a postgres:// URL. A connect_timeout of 10 seconds
	// applies unless the URL sets one.
	PostgresURL string
	// Keyring encrypts credentials at rest (source DSNs, destination
	// configs, settings). Nil stores them in clear (tests only).
	Keyring *secret.Keyring
	// Logger receives what the migrations applied. Nil discards it.
	Logger *slog.Logger
	// Formats, when set, checks the format and its options of every
	// schedule saved: the registry of formats (format.Registry) that the
	// API and the runner read too. Nil checks only what needs no registry.
	Formats FormatChecker
}

// FormatChecker checks a schedule's format options; format.Registry is one.
type FormatChecker interface {
	Validate(facteur.FormatOptions) error
}

// validate checks that exactly one database is named.
func (c *Config) validate() error {
	sqlite, pg := strings.TrimSpace(c.SQLitePath) != "", strings.TrimSpace(c.PostgresURL) != ""
	switch {
	case !sqlite && !pg:
		return facteur.Errorf(facteur.EINVALID, "database: set either the SQLite path or the PostgreSQL URL")
	case sqlite && pg:
		return facteur.Errorf(facteur.EINVALID, "database: set either the SQLite path or the PostgreSQL URL, not both")
	}
	return nil
}

func (c *Config) logger() *slog.Logger {
	if c.Logger != nil {
		return c.Logger
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

// DB is Facteur's store on one database. It is safe for concurrent use.
//
// On SQLite the handle has a single connection (as River recommends), so
// every statement and transaction is serialised in the process and SQLite
// never reports "database is locked". The price: code running inside InTx
// must use the tx store it is given, never the DB itself, or it waits for
// the transaction it is part of until its context expires.
type DB struct {
	*store
	root  *boundExec
	sqlDB *sql.DB
	pool  *pgxpool.Pool
}

var _ facteur.Store = (*DB)(nil)

// Open connects to the database cfg names, runs Facteur's migrations and
// River's, and returns the store. Two processes may open the same
// PostgreSQL database at once: migrations run under an advisory lock.
// It fails with EINVALID for a bad Config and EUNAVAILABLE when the
// database cannot be reached.
func Open(ctx context.Context, cfg Config) (*DB, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	open := openPostgres
	if cfg.SQLitePath != "" {
		open = openSQLite
	}
	db, err := open(ctx, cfg)
	if err != nil {
		return nil, err
	}
	if err := db.checkKey(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

// Close releases the database handles. River clients built on SQL or Pool
// must be stopped first.
func (db *DB) Close() error {
	if db.sqlDB != nil {
		if err := db.sqlDB.Close(); err != nil {
			return fmt.Errorf("close sqlite: %w", err)
		}
	}
	if db.pool != nil {
		db.pool.Close()
	}
	return nil
}

// Dialect returns "sqlite" or "postgres".
func (db *DB) Dialect() string { return string(db.dialect) }

// SQL returns the database/sql handle on SQLite, for riversqlite.New; nil on
// PostgreSQL.
func (db *DB) SQL() *sql.DB { return db.sqlDB }

// Pool returns the pgx pool on PostgreSQL, for riverpgxv5.New; nil on
// SQLite.
func (db *DB) Pool() *pgxpool.Pool { return db.pool }
