package queue_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/riverdriver/riversqlite"

	"github.com/facteur/facteur"
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
