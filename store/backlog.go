package store

import (
	"context"
	"database/sql"
	"fmt"
	"io/fs"

	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"
)

// BacklogLimit bounds every count of Backlog: a count stops at this many
// rows, so that a scrape reads a bounded number of rows however large the
// backlog has grown.
const BacklogLimit = 10000

// Backlog is what waits in the database that every node shares.
type Backlog struct {
	// Runs counts the jobs of runs by the queue's state: "ready" (waiting
	// for a worker), "waiting" (a retry's backoff, or a job put back for
	// later) and "running".
	Runs map[string]int64
	// OldestReady is how long the oldest run ready to start has waited
	// for a worker, in seconds (0 when none waits).
	OldestReady float64
	// Outbox counts the mails of the outbox not yet sent.
	Outbox int64
	// LateSchedules counts the enabled schedules whose slot is more than
	// lateAfterSeconds past without a run queued for it.
	LateSchedules int64
}

// queueStates maps River's job states to the Backlog's.
var queueStates = map[string]string{
	"available": "ready", "pending": "waiting", "scheduled": "waiting", "retryable": "waiting", "running": "running",
}

// Backlog reads the queue's depth, the age of its oldest ready run, the
// outbox's depth and the late schedules, each with a query that reads at
// most BacklogLimit rows, on the database's own clock.
func (db *DB) Backlog(ctx context.Context, lateAfterSeconds int) (Backlog, error) {
	b := Backlog{Runs: map[string]int64{"ready": 0, "waiting": 0, "running": 0}}
	limit := fmt.Sprint(BacklogLimit)
	rows, err := db.q.query(ctx, `SELECT state, count(*) FROM (SELECT state FROM river_job
		WHERE state IN ('available', 'pending', 'scheduled', 'retryable', 'running') AND kind = 'facteur_run' LIMIT `+limit+`) j GROUP BY state`)
	if err != nil {
		return b, fmt.Errorf("queue depth: %w", err)
	}
	for rows.Next() {
		var state string
		var n int64
		if err := rows.Scan(&state, &n); err != nil {
			rows.Close()
			return b, fmt.Errorf("queue depth: %w", err)
		}
		b.Runs[queueStates[state]] += n
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return b, fmt.Errorf("queue depth: %w", err)
	}

	age := `EXTRACT(EPOCH FROM (now() - min(scheduled_at)))::float8`
	late := `now() - make_interval(secs => ?)`
	if db.dialect == DialectSQLite {
		age = `(julianday('now') - julianday(min(scheduled_at))) * 86400.0`
		late = `CAST((julianday('now') - 2440587.5) * 86400000000.0 AS INTEGER) - ? * 1000000`
	}
	var oldest sql.NullFloat64
	if err := db.q.queryRow(ctx, `SELECT `+age+` FROM (SELECT scheduled_at FROM river_job
		WHERE state = 'available' AND kind = 'facteur_run' LIMIT `+limit+`) j`).Scan(&oldest); err != nil {
		return b, fmt.Errorf("oldest queued run: %w", err)
	}
	b.OldestReady = max(oldest.Float64, 0)
	if err := db.q.queryRow(ctx, `SELECT count(*) FROM (SELECT 1 FROM river_job
		WHERE state IN ('available', 'pending', 'scheduled', 'retryable', 'running') AND kind = 'facteur_mail' LIMIT `+limit+`) j`).Scan(&b.Outbox); err != nil {
		return b, fmt.Errorf("outbox depth: %w", err)
	}
	if err := db.q.queryRow(ctx, `SELECT count(*) FROM (SELECT 1 FROM schedules
		WHERE enabled = ? AND next_run_at IS NOT NULL AND next_run_at < `+late+` LIMIT `+limit+`) s`, true, lateAfterSeconds).Scan(&b.LateSchedules); err != nil {
		return b, fmt.Errorf("late schedules: %w", err)
	}
	return b, nil
}

// NotReady says why a node should not be given work: its reason is a
// sentence for an operator; the underlying error stays in the log.
type NotReady struct {
	Reason string
	Err    error
}

func (e *NotReady) Error() string {
	if e.Err == nil {
		return e.Reason
	}
	return e.Reason + ": " + e.Err.Error()
}

func (e *NotReady) Unwrap() error { return e.Err }

// Ready checks that the database answers, that Facteur's and the queue's
// migrations are all applied and, on PostgreSQL (several nodes), that the
// queue has a leader to turn due slots into runs. It returns the leader's
// name on PostgreSQL, or a *NotReady.
func (db *DB) Ready(ctx context.Context) (leader string, err error) {
	var one int
	if err := db.q.queryRow(ctx, `SELECT 1`).Scan(&one); err != nil {
		return "", &NotReady{Reason: "the database does not answer", Err: err}
	}
	handle := db.sqlDB
	if db.pool != nil {
		handle = stdlib.OpenDBFromPool(db.pool)
		defer handle.Close()
	}
	pending, err := db.pendingMigrations(ctx, handle)
	if err != nil {
		return "", &NotReady{Reason: "the database's migrations cannot be read", Err: err}
	}
	if pending {
		return "", &NotReady{Reason: "the database has migrations not applied; restart a node of this version to apply them"}
	}
	if db.dialect != DialectPostgres {
		return "", nil
	}
	err = db.q.queryRow(ctx, `SELECT leader_id FROM river_leader WHERE expires_at > now() LIMIT 1`).Scan(&leader)
	if isNoRows(err) {
		return "", &NotReady{Reason: "no node is the queue's leader: no due schedule is being queued"}
	} else if err != nil {
		return "", &NotReady{Reason: "the queue's leader cannot be read", Err: err}
	}
	return leader, nil
}

// pendingMigrations reports whether Facteur's or the queue's migrations
// are not all applied.
func (db *DB) pendingMigrations(ctx context.Context, handle *sql.DB) (bool, error) {
	fsys, err := fs.Sub(migrations, "migrations/"+string(db.dialect))
	if err != nil {
		return false, err
	}
	gd := goose.DialectSQLite3
	if db.dialect == DialectPostgres {
		gd = goose.DialectPostgres
	}
	p, err := goose.NewProvider(gd, handle, fsys, goose.WithTableName(migrationTable),
		goose.WithDisableGlobalRegistry(true), goose.WithAllowOutofOrder(true))
	if err != nil {
		return false, err
	}
	if pending, err := p.HasPending(ctx); err != nil || pending {
		return pending, err
	}
	if db.pool != nil {
		return riverPending(ctx, riverpgxv5.New(db.pool))
	}
	return riverPending(ctx, riversqlite.New(db.sqlDB))
}

// riverPending reports whether the queue's migrations are not all applied.
func riverPending[TTx any](ctx context.Context, driver riverdriver.Driver[TTx]) (bool, error) {
	m, err := rivermigrate.New(driver, nil)
	if err != nil {
		return false, err
	}
	v, err := m.Validate(ctx, nil)
	if err != nil {
		return false, err
	}
	return !v.OK, nil
}
