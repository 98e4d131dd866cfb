package storetest

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/riverdriver/riversqlite"

	"github.com/facteur/facteur/store"
)

// exportArgs is the job a run is executed by, as the queue will insert it.
type exportArgs struct {
	RunID int64 `json:"run_id"`
}

func (exportArgs) Kind() string { return "storetest_export" }

// queue inserts jobs in a store's transactions, and can work them, with a
// River client on the store's own handle, as cmd/facteur will.
type queue interface {
	// insertTx inserts an export job in raw, InTx's driver transaction.
	insertTx(ctx context.Context, raw any, args exportArgs) (int64, error)
	// insert inserts any job with opts, in a transaction of its own.
	insert(ctx context.Context, args river.JobArgs, opts *river.InsertOpts) error
	start(ctx context.Context) error
	stop(ctx context.Context) error
}

type riverQueue[TTx any] struct{ client *river.Client[TTx] }

func (q riverQueue[TTx]) insertTx(ctx context.Context, raw any, args exportArgs) (int64, error) {
	tx, ok := raw.(TTx)
	if !ok {
		var want TTx
		return 0, fmt.Errorf("InTx handed a %T, River's driver needs a %T", raw, want)
	}
	res, err := q.client.InsertTx(ctx, tx, args, nil)
	if err != nil {
		return 0, err
	}
	return res.Job.ID, nil
}

func (q riverQueue[TTx]) insert(ctx context.Context, args river.JobArgs, opts *river.InsertOpts) error {
	_, err := q.client.Insert(ctx, args, opts)
	return err
}

func (q riverQueue[TTx]) start(ctx context.Context) error { return q.client.Start(ctx) }
func (q riverQueue[TTx]) stop(ctx context.Context) error  { return q.client.Stop(ctx) }

// newQueue builds a River client on db. With work nil it only inserts;
// otherwise it works export jobs with work, four at a time, polling often.
func newQueue(t *testing.T, db *store.DB, work func(ctx context.Context, args exportArgs) error) queue {
	t.Helper()
	cfg := &river.Config{Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), TestOnly: true}
	if work != nil {
		workers := river.NewWorkers()
		river.AddWorker(workers, river.WorkFunc(func(ctx context.Context, job *river.Job[exportArgs]) error {
			return work(ctx, job.Args)
		}))
		cfg.Workers = workers
		cfg.Queues = map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: 4}}
		cfg.FetchCooldown = 5 * time.Millisecond
		cfg.FetchPollInterval = 20 * time.Millisecond
	}
	var (
		q   queue
		err error
	)
	switch db.Dialect() {
	case store.DialectSQLite:
		var c *river.Client[*sql.Tx]
		c, err = river.NewClient(riversqlite.New(db.SQL()), cfg)
		q = riverQueue[*sql.Tx]{c}
	case store.DialectPostgres:
		var c *river.Client[pgx.Tx]
		c, err = river.NewClient(riverpgxv5.New(db.Pool()), cfg)
		q = riverQueue[pgx.Tx]{c}
	default:
		t.Fatalf("unknown dialect %q", db.Dialect())
	}
	if err != nil {
		t.Fatalf("river client: %v", err)
	}
	return q
}

// queryInt runs a query that returns one integer on db's own handle, as a
// user checking the tables would.
func queryInt(t *testing.T, ctx context.Context, db *store.DB, query string, args ...any) int64 {
	t.Helper()
	var n int64
	var err error
	if db.Dialect() == store.DialectSQLite {
		err = db.SQL().QueryRowContext(ctx, query, args...).Scan(&n)
	} else {
		err = db.Pool().QueryRow(ctx, query, args...).Scan(&n)
	}
	if err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

// jobExists reports whether River has a job with the id.
func jobExists(t *testing.T, ctx context.Context, db *store.DB, id int64) bool {
	t.Helper()
	q := "SELECT count(*) FROM river_job WHERE id = ?"
	if db.Dialect() == store.DialectPostgres {
		q = "SELECT count(*) FROM river_job WHERE id = $1"
	}
	return queryInt(t, ctx, db, q, id) == 1
}
