package queue_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/riverdriver/riversqlite"

	"github.com/facteur/facteur"
	"github.com/facteur/facteur/auth"
	"github.com/facteur/facteur/deliver/folder"
	"github.com/facteur/facteur/deliver/kinds"
	"github.com/facteur/facteur/export"
	"github.com/facteur/facteur/internal/testdb"
	"github.com/facteur/facteur/queue"
	"github.com/facteur/facteur/source"
	"github.com/facteur/facteur/store"
)

// flaky fails its first `failures` deliveries with err, then delivers to a
// real folder.
type flaky struct {
	folder   *folder.Folder
	failures int32
	err      error
	calls    atomic.Int32
}

func (f *flaky) Deliver(ctx context.Context, a *facteur.Artifact) (facteur.Delivery, error) {
	if f.calls.Add(1) <= f.failures {
		return facteur.Delivery{}, f.err
	}
	return f.folder.Deliver(ctx, a)
}

func (f *flaky) Test(ctx context.Context) (facteur.Delivery, error) { return f.folder.Test(ctx) }

type fixture struct {
	db       *store.DB
	schedule *facteur.Schedule
	outbox   string
	owner    *facteur.User
}

// newFixture opens a store and creates a source (a small SQLite file), a
// report, a folder destination and a disabled schedule.
func newFixture(t *testing.T, cfg store.Config) fixture {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	srcPath := filepath.Join(dir, "src.db")
	sdb, err := store.Open(ctx, store.Config{SQLitePath: srcPath})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sdb.SQL().Exec("CREATE TABLE items (id INTEGER, label TEXT); INSERT INTO items VALUES (1, 'a'), (2, 'b')"); err != nil {
		t.Fatal(err)
	}
	sdb.Close()
	if cfg.SQLitePath == "" && cfg.PostgresURL == "" {
		cfg.SQLitePath = filepath.Join(dir, "facteur.db")
	}
	db, err := store.Open(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	owner := &facteur.User{Email: "owner@example.org", Role: facteur.RoleAdmin, Active: true}
	must(t, db.CreateUser(ctx, owner))
	src := &facteur.Source{Name: "src", Kind: facteur.SourceSQLite, DSN: "sqlite:" + srcPath}
	must(t, db.CreateSource(ctx, src))
	rep := &facteur.Report{Name: "items", SourceID: src.ID, Table: "items", Fields: []facteur.Field{{Name: "id"}, {Name: "label"}}}
	must(t, db.CreateReport(ctx, rep))
	outbox := filepath.Join(dir, "outbox")
	must(t, os.Mkdir(outbox, 0o755))
	dest := &facteur.Destination{Name: "out", Kind: facteur.DestinationFolder, Config: []byte(fmt.Sprintf(`{"path":%q}`, outbox))}
	must(t, db.CreateDestination(ctx, dest))
	sc := &facteur.Schedule{Name: "items", ReportID: rep.ID, DestinationID: dest.ID, OwnerID: owner.ID, FileName: "{export_name}-{run_id}.{ext}",
		Calendar: facteur.Calendar{Frequency: facteur.Daily, At: "06:00", TimeZone: "UTC"}}
	sc.SetDefaults()
	must(t, db.CreateSchedule(ctx, sc))
	return fixture{db: db, schedule: sc, outbox: outbox, owner: owner}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func runner(db *store.DB, spool string, d facteur.Deliverer) *export.Runner {
	return &export.Runner{
		Store: db, Spool: spool,
		OpenSource: func(ctx context.Context, s *facteur.Source) (facteur.Querier, error) {
			return source.Open(ctx, s.DSN, source.Options{})
		},
		Deliverer: func(*facteur.Destination) (facteur.Deliverer, error) { return d, nil },
		Authorize: func(ctx context.Context, run *facteur.Run, d *facteur.Destination) error {
			return auth.RunAsOwner(ctx, db, kinds.Builtin(), run, d)
		},
	}
}

func waitDone(t *testing.T, db *store.DB, id int64) *facteur.Run {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		r, err := db.Run(context.Background(), id)
		must(t, err)
		if facteur.RunFinished(r.Status) {
			return r
		}
	}
	r, _ := db.Run(context.Background(), id)
	t.Fatalf("run %d did not finish: %+v\n%s", id, r, logText(t, db, id))
	return nil
}

func logText(t *testing.T, db *store.DB, id int64) string {
	t.Helper()
	log, err := db.RunLog(context.Background(), id)
	must(t, err)
	var b strings.Builder
	for _, e := range log {
		b.WriteString(e.Level + ": " + e.Message + "\n")
	}
	return b.String()
}

// TestTransientFailureRetries: a delivery that fails with a transient error
// is tried again after the backoff, and every attempt is in the log.
func TestTransientFailureRetries(t *testing.T) {
	f := newFixture(t, store.Config{})
	dest, err := folder.New(folder.Config{Path: f.outbox})
	must(t, err)
	d := &flaky{folder: dest, failures: 2, err: facteur.Errorf(facteur.EUNAVAILABLE, "connection reset by peer")}
	q, err := queue.New(riversqlite.New(f.db.SQL()), f.db, runner(f.db, t.TempDir(), d),
		queue.Config{Backoff: []time.Duration{100 * time.Millisecond}, PollInterval: 20 * time.Millisecond})
	must(t, err)
	ctx := context.Background()
	must(t, q.Start(ctx))
	defer q.Stop(ctx)

	run, err := q.RunNow(ctx, f.schedule.ID, f.owner.ID)
	must(t, err)
	got := waitDone(t, f.db, run.ID)
	if got.Status != facteur.RunSucceeded || got.Attempt != 3 || d.calls.Load() != 3 {
		t.Fatalf("run %s after attempt %d, %d deliveries:\n%s", got.Status, got.Attempt, d.calls.Load(), logText(t, f.db, run.ID))
	}
	log := logText(t, f.db, run.ID)
	for _, want := range []string{"Attempt 1 of 5 failed: connection reset by peer", "Attempt 2 of 5 failed", "Attempt 3 started", "Reusing the file exported by an earlier attempt"} {
		if !strings.Contains(log, want) {
			t.Errorf("log lacks %q:\n%s", want, log)
		}
	}
	if files, _ := os.ReadDir(f.outbox); len(files) != 1 {
		t.Errorf("outbox has %d files", len(files))
	}
}

// TestPermanentFailureFailsFast: an error no retry can fix fails the run
// at the first attempt.
func TestPermanentFailureFailsFast(t *testing.T) {
	f := newFixture(t, store.Config{})
	dest, err := folder.New(folder.Config{Path: f.outbox})
	must(t, err)
	d := &flaky{folder: dest, failures: 100, err: facteur.Errorf(facteur.EUNAUTHORIZED, "Validation failed. Check your credentials.")}
	q, err := queue.New(riversqlite.New(f.db.SQL()), f.db, runner(f.db, t.TempDir(), d),
		queue.Config{Backoff: []time.Duration{50 * time.Millisecond}, PollInterval: 20 * time.Millisecond})
	must(t, err)
	ctx := context.Background()
	must(t, q.Start(ctx))
	defer q.Stop(ctx)
	run, err := q.RunNow(ctx, f.schedule.ID, f.owner.ID)
	must(t, err)
	got := waitDone(t, f.db, run.ID)
	time.Sleep(300 * time.Millisecond)
	if got.Status != facteur.RunFailed || got.Attempt != 1 || d.calls.Load() != 1 || got.Error != "Validation failed. Check your credentials." {
		t.Fatalf("run %s attempt %d calls %d error %q", got.Status, got.Attempt, d.calls.Load(), got.Error)
	}
	if log := logText(t, f.db, run.ID); !strings.Contains(log, "Failed for good (the error is permanent)") {
		t.Errorf("log:\n%s", log)
	}
}

// TestConcurrentTicksOnPostgres: schedulers racing on the same due slots
// (as after a leader change) queue exactly one run per slot.
func TestConcurrentTicksOnPostgres(t *testing.T) {
	ctx := context.Background()
	url := testdb.PostgresDatabase(t, "facteur_queue_")

	f := newFixture(t, store.Config{PostgresURL: url})
	const count = 50
	slot := time.Now().Add(-time.Second).UTC().Truncate(time.Microsecond)
	for i := 0; i < count; i++ {
		sc := *f.schedule
		sc.ID, sc.Name, sc.Enabled, sc.NextRunAt = 0, fmt.Sprintf("s%d", i), true, &slot
		must(t, f.db.CreateSchedule(ctx, &sc))
	}
	var queues []*queue.Queue[pgx.Tx]
	for i := 0; i < 4; i++ {
		db, err := store.Open(ctx, store.Config{PostgresURL: url})
		must(t, err)
		t.Cleanup(func() { db.Close() })
		q, err := queue.New(riverpgxv5.New(db.Pool()), db, runner(db, t.TempDir(), nil), queue.Config{})
		must(t, err)
		queues = append(queues, q)
	}
	var wg sync.WaitGroup
	var queued atomic.Int64
	for _, q := range queues {
		wg.Add(1)
		go func() {
			defer wg.Done()
			n, err := q.Tick(ctx)
			if err != nil {
				t.Error(err)
			}
			queued.Add(int64(n))
		}()
	}
	wg.Wait()
	runs, err := f.db.Runs(ctx, facteur.RunFilter{Limit: 1000})
	must(t, err)
	if queued.Load() != count || len(runs) != count {
		t.Fatalf("4 concurrent ticks queued %d runs, %d recorded; want %d", queued.Load(), len(runs), count)
	}
	perSchedule := map[int64]int{}
	for _, r := range runs {
		perSchedule[r.ScheduleID]++
		if !r.ScheduledFor.Equal(slot) || r.JobID == 0 {
			t.Errorf("run %+v", r)
		}
	}
	for id, n := range perSchedule {
		if n != 1 {
			t.Errorf("schedule %d has %d runs", id, n)
		}
	}
}
