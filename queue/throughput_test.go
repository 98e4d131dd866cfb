package queue_test

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/riverdriver/riversqlite"

	"github.com/facteur/facteur"
	"github.com/facteur/facteur/deliver/folder"
	"github.com/facteur/facteur/internal/testdb"
	"github.com/facteur/facteur/queue"
	"github.com/facteur/facteur/store"
)

// ticker is what the measurement needs of a queue, whatever its driver.
type ticker interface {
	Tick(ctx context.Context) (int, error)
}

// TestTickThroughput measures how long the scheduler takes to queue the
// runs of 10,000 schedules due in the same minute, on SQLite and on
// PostgreSQL (issue 6's target: 10 s). It prints the figures; it fails only
// when a run is missing or doubled. go test ./queue -run TestTickThroughput -v
func TestTickThroughput(t *testing.T) {
	if testing.Short() {
		t.Skip("10,000 schedules")
	}
	const count = 10000
	for _, db := range []string{"sqlite", "postgres"} {
		t.Run(db, func(t *testing.T) {
			ctx := context.Background()
			cfg := store.Config{}
			if db == "postgres" {
				cfg.PostgresURL = testdb.PostgresDatabase(t, "facteur_tick_")
			}
			f := newFixture(t, cfg)
			slot := time.Now().Add(-time.Second).UTC().Truncate(time.Microsecond)
			must(t, f.db.InTx(ctx, func(tx facteur.Store, _ any) error {
				for i := range count {
					sc := *f.schedule
					sc.ID, sc.Name, sc.Enabled, sc.NextRunAt = 0, fmt.Sprintf("s%05d", i), true, &slot
					if err := tx.CreateSchedule(ctx, &sc); err != nil {
						return err
					}
				}
				return nil
			}))
			var q ticker
			var err error
			if db == "postgres" {
				q, err = queue.New(riverpgxv5.New(f.db.Pool()), f.db, runner(f.db, t.TempDir(), nil), queue.Config{})
			} else {
				q, err = queue.New(riversqlite.New(f.db.SQL()), f.db, runner(f.db, t.TempDir(), nil), queue.Config{})
			}
			must(t, err)
			start := time.Now()
			queued, ticks := 0, 0
			for queued < count && ticks < 100 {
				n, err := q.Tick(ctx)
				must(t, err)
				queued, ticks = queued+n, ticks+1
			}
			took := time.Since(start)
			runs, err := f.db.Runs(ctx, facteur.RunFilter{Trigger: facteur.TriggerSchedule, Limit: 1000})
			must(t, err)
			if queued != count || len(runs) != 1000 {
				t.Fatalf("queued %d runs in %d ticks, want %d", queued, ticks, count)
			}
			t.Logf("%s: %d runs queued in %s (%d ticks), %.0f runs/s", db, queued, took.Round(time.Millisecond), ticks, float64(queued)/took.Seconds())
		})
	}
}

// TestRunThroughput measures how many small runs (a 2-row report to a
// folder) the workers complete per second, on SQLite and on PostgreSQL,
// with the default 2 workers and with 8. It prints the figures; it fails
// only when a run does not succeed. It takes about a minute, so it runs
// only when asked: FACTEUR_BENCH=1 go test ./queue -run TestRunThroughput -v
func TestRunThroughput(t *testing.T) {
	if os.Getenv("FACTEUR_BENCH") == "" {
		t.Skip("a measurement of about a minute: set FACTEUR_BENCH=1 to run it")
	}
	const count = 1000
	for _, db := range []string{"sqlite", "postgres"} {
		for _, workers := range []int{2, 8} {
			t.Run(fmt.Sprintf("%s/%d workers", db, workers), func(t *testing.T) {
				ctx := context.Background()
				cfg := store.Config{}
				if db == "postgres" {
					cfg.PostgresURL = testdb.PostgresDatabase(t, "facteur_runs_")
				}
				f := newFixture(t, cfg)
				dest, err := folder.New(folder.Config{Path: f.outbox, Overwrite: true})
				must(t, err)
				qcfg := queue.Config{Workers: workers, PollInterval: 20 * time.Millisecond}
				var q interface {
					ticker
					RunNow(ctx context.Context, scheduleID, requestedBy int64) (*facteur.Run, error)
					Start(ctx context.Context) error
					Stop(ctx context.Context) error
				}
				if db == "postgres" {
					q, err = queue.New(riverpgxv5.New(f.db.Pool()), f.db, runner(f.db, t.TempDir(), dest), qcfg)
				} else {
					q, err = queue.New(riversqlite.New(f.db.SQL()), f.db, runner(f.db, t.TempDir(), dest), qcfg)
				}
				must(t, err)
				for range count {
					_, err := q.RunNow(ctx, f.schedule.ID, f.owner.ID)
					must(t, err)
				}
				start := time.Now()
				must(t, q.Start(ctx))
				defer q.Stop(ctx)
				for {
					failed, err := f.db.Runs(ctx, facteur.RunFilter{Status: facteur.RunFailed, Limit: 1})
					must(t, err)
					if len(failed) > 0 {
						t.Fatalf("run %d failed: %s", failed[0].ID, failed[0].Error)
					}
					n, err := countSucceeded(ctx, f.db)
					must(t, err)
					if n == count {
						break
					}
					if time.Since(start) > 5*time.Minute {
						t.Fatalf("%d of %d runs done after 5 minutes", n, count)
					}
					time.Sleep(50 * time.Millisecond)
				}
				took := time.Since(start)
				t.Logf("%s, %d workers: %d runs in %s, %.0f runs/s", db, workers, count, took.Round(time.Millisecond), float64(count)/took.Seconds())
			})
		}
	}
}

// countSucceeded counts the succeeded runs, 1,000 at most per page.
func countSucceeded(ctx context.Context, st facteur.Store) (int, error) {
	n := 0
	f := facteur.RunFilter{Status: facteur.RunSucceeded, Limit: 1000, IncludeIgnored: true}
	for {
		runs, err := st.Runs(ctx, f)
		if err != nil || len(runs) == 0 {
			return n, err
		}
		n += len(runs)
		f.BeforeID = runs[len(runs)-1].ID
	}
}
