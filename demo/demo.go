// Package demo makes the help-desk database that `facteur serve --demo`
// exports from: agents, customers, tickets and messages, realistic enough
// to try every feature on (international names, accents, quotes and line
// breaks in text, NULLs, a long history), and two reports over it.
//
// The data is deterministic: the same seed and end time give the same rows,
// so that a demo, a screenshot or a test can be reproduced.
package demo

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"net/url"
	"os"
	"path/filepath"
	"time"

	"github.com/facteur/facteur"

	_ "modernc.org/sqlite" // the "sqlite" database/sql driver
)

// The size of the demo.
const (
	numAgents    = 40
	numCustomers = 20_000
	numTickets   = 40_000
	history      = 2 * 365 * 24 * time.Hour // how far back the data goes
)

// ReferenceEnd returns the end of the period Generate fills, 2026-01-01
// 00:00 UTC: every time in the demo database is in the two years before it.
func ReferenceEnd() time.Time { return time.Date(2026, time.January, 1, 0, 0, 0, 0, time.UTC) }

// Stats counts the rows of a demo database, by table.
type Stats struct{ Agents, Customers, Tickets, Messages int64 }

// Total returns the number of rows in all tables.
func (s Stats) Total() int64 { return s.Agents + s.Customers + s.Tickets + s.Messages }

// Generate creates an SQLite database at path (which must not exist) full
// of realistic, deterministic help-desk data over the two years before
// ReferenceEnd, and returns its row counts. The same seed gives the same
// rows. It fails with ECONFLICT when path exists and EINVALID when its
// directory does not; on failure it leaves no file at path.
func Generate(ctx context.Context, path string, seed int64) (Stats, error) {
	return GenerateUntil(ctx, path, seed, ReferenceEnd())
}

// GenerateUntil is Generate with data over the two years before end
// (truncated to the second, in UTC) instead of ReferenceEnd: with the time
// `serve --demo` starts, schedules that export "yesterday" find rows. The
// same seed and end give the same rows.
func GenerateUntil(ctx context.Context, path string, seed int64, end time.Time) (stats Stats, err error) {
	end = end.UTC().Truncate(time.Second)
	abs, err := filepath.Abs(path)
	if err != nil {
		return Stats{}, facteur.WrapError(facteur.EINVALID, err, "path: %q is not a valid path", path)
	}
	// Claim the path: it must not exist, and nobody may take it meanwhile.
	fh, err := os.OpenFile(abs, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	switch {
	case errors.Is(err, fs.ErrExist):
		return Stats{}, facteur.Errorf(facteur.ECONFLICT, "path: %s already exists; remove it or choose another file for the demo database", abs)
	case errors.Is(err, fs.ErrNotExist):
		return Stats{}, facteur.Errorf(facteur.EINVALID, "path: directory %s does not exist", filepath.Dir(abs))
	case err != nil:
		return Stats{}, facteur.WrapError(facteur.EINVALID, err, "path: cannot create %s", abs)
	}
	fh.Close()
	defer func() {
		if err != nil {
			os.Remove(abs)
			os.Remove(abs + "-journal")
		}
	}()

	db, err := sql.Open("sqlite", (&url.URL{Scheme: "file", Path: abs}).String())
	if err != nil {
		return Stats{}, fmt.Errorf("open demo database: %w", err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	// The file is new and is removed on failure: no need for a journal
	// that survives a crash, nor to wait for the disk after each step.
	// A cache that holds the whole database keeps SQLite from writing
	// pages out before the commit.
	if _, err := db.ExecContext(ctx, "PRAGMA journal_mode = MEMORY; PRAGMA synchronous = OFF; PRAGMA cache_size = -65536"); err != nil {
		return Stats{}, fmt.Errorf("set up demo database: %w", err)
	}
	if stats, err = populate(ctx, db, seed, end); err != nil {
		return Stats{}, err
	}
	if err := db.Close(); err != nil {
		return Stats{}, fmt.Errorf("close demo database: %w", err)
	}
	return stats, syncFile(abs)
}

// populate creates the tables and their rows in one transaction.
func populate(ctx context.Context, db *sql.DB, seed int64, end time.Time) (Stats, error) {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return Stats{}, fmt.Errorf("begin: %w", err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, schema); err != nil {
		return Stats{}, fmt.Errorf("create demo tables: %w", err)
	}
	// The driver watches a cancellable context with a goroutine per
	// statement: the rows go in without one, and the loop below checks ctx.
	w := newWriter(context.WithoutCancel(ctx), tx)
	defer w.close()

	rng := rand.New(rand.NewPCG(uint64(seed), 0x66616374657572)) // "facteur"
	start := end.Add(-history)
	ppl := newPeople()
	conv := &conversations{rng: rng, end: end, text: newPhrases()}
	conv.agents = ppl.agents(rng, numAgents, end)
	for i := range conv.agents {
		if err := w.agent(&conv.agents[i]); err != nil {
			return Stats{}, err
		}
	}
	conv.customers = ppl.customers(rng, numCustomers, start, end)
	for i := range conv.customers {
		if err := w.customer(&conv.customers[i]); err != nil {
			return Stats{}, err
		}
	}
	var msgs []message
	for i, t := range conv.plan(numTickets, start) {
		if i%1000 == 0 {
			if err := ctx.Err(); err != nil {
				return Stats{}, facteur.WrapError(facteur.ECANCELLED, err, "Generating the demo database was cancelled.")
			}
		}
		msgs = conv.fill(&t, msgs[:0])
		if err := w.ticket(&t, msgs); err != nil {
			return Stats{}, err
		}
	}
	if err := w.flush(); err != nil {
		return Stats{}, err
	}
	if _, err := tx.ExecContext(ctx, indexes); err != nil {
		return Stats{}, fmt.Errorf("index demo tables: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return Stats{}, fmt.Errorf("commit demo data: %w", err)
	}
	return Stats{Agents: numAgents, Customers: numCustomers, Tickets: numTickets, Messages: conv.nextMsg}, nil
}

// syncFile flushes a file to disk.
func syncFile(path string) error {
	fh, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("sync demo database: %w", err)
	}
	defer fh.Close()
	if err := fh.Sync(); err != nil {
		return fmt.Errorf("sync demo database: %w", err)
	}
	return nil
}
