package queue_test

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/csv"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync"
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

// dropping fails a delivery at random with a transient error, before
// anything is written; the others go to a real folder, and what arrived
// there is kept, in the order it arrived.
type dropping struct {
	folder *folder.Folder
	dir    string

	mu       sync.Mutex
	rng      *rand.Rand
	failRate float64
	failed   int // deliveries failed on purpose
	arrived  []arrival
}

// arrival is one file as the folder received it.
type arrival struct {
	run  int64 // the run that delivered it
	name string
	data []byte
}

func (d *dropping) Deliver(ctx context.Context, a *facteur.Artifact) (facteur.Delivery, error) {
	d.mu.Lock()
	fail := d.rng.Float64() < d.failRate
	if fail {
		d.failed++
	}
	d.mu.Unlock()
	if fail {
		return facteur.Delivery{}, facteur.Errorf(facteur.EUNAVAILABLE, "connection reset by peer")
	}
	got, err := d.folder.Deliver(ctx, a)
	if err != nil {
		return got, err
	}
	data, err := os.ReadFile(filepath.Join(d.dir, a.Name))
	if err != nil {
		return got, err
	}
	d.mu.Lock()
	d.arrived = append(d.arrived, arrival{run: a.DeliveringRun, name: a.Name, data: data})
	d.mu.Unlock()
	return got, nil
}

// setFailRate sets the share of the deliveries that fail.
func (d *dropping) setFailRate(r float64) {
	d.mu.Lock()
	d.failRate = r
	d.mu.Unlock()
}

func (d *dropping) Test(ctx context.Context) (facteur.Delivery, error) { return d.folder.Test(ctx) }

// eventsTable is a table of one kind of database that the test inserts
// rows in and updates, each row stamped with the time it was written.
type eventsTable struct {
	dsn   string
	table string
	exec  func(t *testing.T, stmt string)
	stamp func(time.Time) string // a time as an SQL literal of the column's type
}

// TestIncrementalRandomFailures runs 50 rounds of an incremental schedule
// over a table receiving inserts and updates between runs, on PostgreSQL,
// MariaDB and SQLite, with deliveries failing at random (runs retried,
// some failing for good, failed runs retried by hand) and rounds without
// changes skipped by send_if "rows". Every row version that was the
// latest when a window closed arrives; no row version arrives twice; every
// row that arrived is in its run's window; a retry re-delivers the same
// window byte for byte; a failed or skipped run leaves the watermark
// where it was. The counts are printed.
func TestIncrementalRandomFailures(t *testing.T) {
	for _, kind := range []string{"postgres", "mariadb", "sqlite"} {
		t.Run(kind, func(t *testing.T) {
			testIncrementalRandomFailures(t, kind)
		})
	}
}

func testIncrementalRandomFailures(t *testing.T, kind string) {
	ctx := context.Background()
	var tbl eventsTable
	storeCfg := store.Config{}
	switch kind {
	case "postgres":
		dsn, schema, admin := testdb.PostgresSchema(t, "facteur_incr_")
		tbl = eventsTable{dsn: dsn, table: schema + ".events",
			exec:  func(t *testing.T, stmt string) { testdb.Exec(t, admin, stmt) },
			stamp: func(at time.Time) string { return "'" + at.UTC().Format("2006-01-02 15:04:05.000000") + "+00'" }}
		tbl.exec(t, "CREATE TABLE "+tbl.table+" (id int PRIMARY KEY, version int NOT NULL, created_at timestamptz NOT NULL, updated_at timestamptz)")
		storeCfg.PostgresURL = testdb.PostgresDatabase(t, "facteur_incr_store_")
	case "mariadb":
		name := "events_" + testdb.Suffix(t)
		dsn, admin := testdb.MySQL(t, name)
		tbl = eventsTable{dsn: dsn, table: name, exec: sqlExec(admin),
			stamp: func(at time.Time) string { return "'" + at.UTC().Format("2006-01-02 15:04:05.000000") + "'" }}
		tbl.exec(t, "CREATE TABLE "+name+" (id int PRIMARY KEY, version int NOT NULL, created_at DATETIME(6) NOT NULL, updated_at DATETIME(6) NULL)")
	case "sqlite":
		path := filepath.Join(t.TempDir(), "events.db")
		sdb, err := sql.Open("sqlite", path)
		must(t, err)
		t.Cleanup(func() { sdb.Close() })
		sdb.SetMaxOpenConns(1)
		tbl = eventsTable{dsn: "sqlite:" + path, table: "events", exec: sqlExec(sdb),
			stamp: func(at time.Time) string { return "'" + at.UTC().Format("2006-01-02 15:04:05.000000") + "'" }}
		tbl.exec(t, "CREATE TABLE events (id INTEGER PRIMARY KEY, version INTEGER NOT NULL, created_at TEXT NOT NULL, updated_at TEXT)")
	}
	f := newFixture(t, storeCfg)
	db := f.db
	src := &facteur.Source{Name: kind, DSN: tbl.dsn}
	must(t, db.CreateSource(ctx, src))
	rep := &facteur.Report{Name: "events", SourceID: src.ID, SQL: "SELECT id, version, created_at, updated_at FROM " + tbl.table + " ORDER BY id",
		CreatedColumn: "created_at", UpdatedColumn: "updated_at"}
	must(t, db.CreateReport(ctx, rep))
	sc := f.schedule
	sc.ReportID, sc.FileName = rep.ID, "{export_name}-{run_id}.{ext}"
	sc.Options.Incremental = &facteur.Incremental{}
	sc.Options.SendIf = facteur.SendIfRows
	must(t, db.UpdateSchedule(ctx, sc))

	dest, err := folder.New(folder.Config{Path: f.outbox})
	must(t, err)
	seed := time.Now().UnixNano()
	t.Logf("seed %d", seed)
	d := &dropping{folder: dest, dir: f.outbox, rng: rand.New(rand.NewPCG(uint64(seed), 7)), failRate: 0.4}
	cfg := queue.Config{Backoff: []time.Duration{30 * time.Millisecond}, PollInterval: 20 * time.Millisecond, MaxAttempts: 3}
	r := runner(db, t.TempDir(), d)
	var q interface {
		Start(context.Context) error
		Stop(context.Context) error
		RunNow(ctx context.Context, scheduleID, requestedBy int64) (*facteur.Run, error)
		Retry(ctx context.Context, runID, requestedBy int64) (*facteur.Run, error)
	}
	if kind == "postgres" {
		q, err = queue.New(riverpgxv5.New(db.Pool()), db, r, cfg)
	} else {
		q, err = queue.New(riversqlite.New(db.SQL()), db, r, cfg)
	}
	must(t, err)
	must(t, q.Start(ctx))
	t.Cleanup(func() { q.Stop(ctx) })
	runNow := func() (*facteur.Run, error) { return q.RunNow(ctx, sc.ID, f.owner.ID) }
	retry := func(id int64) (*facteur.Run, error) { return q.Retry(ctx, id, f.owner.ID) }

	rng := rand.New(rand.NewPCG(uint64(seed), 11))
	version := map[int]int{} // the latest version of each row
	inserted, updated := 0, 0
	write := func() {
		n := 1 + rng.IntN(4)
		for range n {
			id := len(version) + 1
			at := tbl.stamp(time.Now())
			tbl.exec(t, fmt.Sprintf("INSERT INTO %s (id, version, created_at, updated_at) VALUES (%d, 1, %s, %s)", tbl.table, id, at, at))
			version[id] = 1
			inserted++
		}
		for range rng.IntN(4) {
			id := 1 + rng.IntN(len(version))
			version[id]++
			tbl.exec(t, fmt.Sprintf("UPDATE %s SET version = %d, updated_at = %s WHERE id = %d", tbl.table, version[id], tbl.stamp(time.Now()), id))
			updated++
		}
	}
	watermark := func() *time.Time {
		w, err := db.Watermark(ctx, sc.ID)
		must(t, err)
		return w.At
	}
	statuses := map[string]int{}
	retries, sameBytes, concurrent, waited := 0, 0, 0, 0
	finish := func(run *facteur.Run) *facteur.Run {
		done := waitDone(t, db, run.ID)
		statuses[done.Status]++
		return done
	}
	check := func(before *time.Time, done *facteur.Run) {
		after := watermark()
		switch done.Status {
		case facteur.RunSucceeded:
			if done.Window == nil || after == nil || !after.Equal(done.Window.To) {
				t.Fatalf("run %d succeeded with window %+v; the watermark is %v\n%s", done.ID, done.Window, after, logText(t, db, done.ID))
			}
		default:
			if fmt.Sprint(before) != fmt.Sprint(after) {
				t.Fatalf("run %d %s moved the watermark from %v to %v", done.ID, done.Status, before, after)
			}
		}
	}

	const rounds = 50
	for round := range rounds {
		if round%7 != 3 {
			write()
		}
		// The windows end on whole seconds: let the rows written settle
		// before the end of the next one.
		forced := round == 12 || round == 31 // these runs fail for good
		wait := time.Duration(150+rng.IntN(600)) * time.Millisecond
		if forced {
			wait = 1100 * time.Millisecond // so that its window holds rows and is not skipped
		}
		time.Sleep(wait)
		before := watermark()
		if round%10 == 5 {
			// Two runs at once: one holds the window, the other waits for it.
			a, err := runNow()
			must(t, err)
			b, err := runNow()
			must(t, err)
			a, b = finish(a), finish(b)
			concurrent++
			for _, r := range []*facteur.Run{a, b} {
				if strings.Contains(r.Error, "still sending") {
					t.Fatalf("run %d failed for waiting: %s", r.ID, r.Error)
				}
				if strings.Contains(logText(t, db, r.ID), "Waiting: run ") {
					waited++
				}
			}
			if a.Window != nil && b.Window != nil && a.Status == facteur.RunSucceeded && b.Status == facteur.RunSucceeded {
				first, second := a.Window, b.Window
				if second.To.Before(first.To) {
					first, second = second, first
				}
				if second.From == nil || second.From.Before(first.To) {
					t.Fatalf("runs %d and %d both delivered rows of the same window: %+v and %+v", a.ID, b.ID, a.Window, b.Window)
				}
			}
			continue
		}
		if forced {
			d.setFailRate(1)
		}
		run, err := runNow()
		must(t, err)
		done := finish(run)
		check(before, done)
		if forced {
			d.setFailRate(0.4)
		}
		if done.Status != facteur.RunFailed {
			continue
		}
		// A failed run retried by hand: the same window, the same bytes.
		again, err := retry(done.ID)
		must(t, err)
		redone := finish(again)
		retries++
		check(before, redone)
		if redone.Window == nil || done.Window == nil || !redone.Window.To.Equal(done.Window.To) || fmt.Sprint(redone.Window.From) != fmt.Sprint(done.Window.From) {
			t.Fatalf("retry %d's window %+v, its run's %+v", redone.ID, redone.Window, done.Window)
		}
		if redone.Status == facteur.RunSucceeded {
			last := d.arrived[len(d.arrived)-1]
			orig, err := os.ReadFile(done.ArtifactPath)
			must(t, err)
			if last.run != redone.ID || !bytes.Equal(last.data, orig) || redone.SHA256 != done.SHA256 {
				t.Fatalf("retry %d delivered %d bytes, not the %d bytes of run %d", redone.ID, len(last.data), len(orig), done.ID)
			}
			sameBytes++
		}
	}
	// A last run with nothing failing delivers whatever is left.
	d.setFailRate(0)
	time.Sleep(1100 * time.Millisecond)
	before := watermark()
	last, err := runNow()
	must(t, err)
	done := finish(last)
	check(before, done)

	// What arrived: every row version at most once, each in its window.
	seen := map[[2]int]int{}
	firstBy := map[[2]int]*facteur.Run{}
	got := map[int]int{} // the latest version that arrived of each row
	rows := 0
	for _, a := range d.arrived {
		run, err := db.Run(ctx, a.run)
		must(t, err)
		if run.Window == nil {
			t.Fatalf("run %d delivered %s without a window", run.ID, a.name)
		}
		recs, err := csv.NewReader(bytes.NewReader(a.data)).ReadAll()
		must(t, err)
		for _, rec := range recs[1:] {
			var id, v int
			fmt.Sscan(rec[0], &id)
			fmt.Sscan(rec[1], &v)
			rows++
			seen[[2]int{id, v}]++
			if first, ok := firstBy[[2]int{id, v}]; ok {
				t.Errorf("row %d v%d (created %s, updated %s) arrived again, from run %d (window %s); first from run %d (window %s)\n%s",
					id, v, rec[2], rec[3], run.ID, windowString(run.Window), first.ID, windowString(first.Window), logText(t, db, run.ID))
			} else {
				firstBy[[2]int{id, v}] = run
			}
			if v > got[id] {
				got[id] = v
			}
			created, updatedAt := parseStamp(t, rec[2]), parseStamp(t, rec[3])
			if !inWindow(run.Window, created) && !inWindow(run.Window, updatedAt) {
				t.Errorf("run %d delivered row %d v%d (created %s, updated %s) outside its window %+v", run.ID, id, v, rec[2], rec[3], run.Window)
			}
		}
	}
	dups, missing, superseded := 0, 0, 0
	for _, n := range seen {
		dups += n - 1
	}
	for id, v := range version {
		if got[id] != v {
			missing++
			t.Errorf("row %d: version %d never arrived (latest that arrived: %d)", id, v, got[id])
		}
	}
	superseded = inserted + updated - len(seen)
	total := 0
	for _, n := range statuses {
		total += n
	}
	t.Logf("%s: %d runs (%v), %d deliveries failed on purpose, %d retried by hand (%d re-delivered the same bytes), %d rounds with two runs at once (%d runs waited for the other's window); rows inserted %d, updates %d; files delivered %d, rows delivered %d, row versions delivered %d, versions overwritten before a window closed %d; duplicates %d, missing %d",
		kind, total, statuses, d.failed, retries, sameBytes, concurrent, waited, inserted, updated, len(d.arrived), rows, len(seen), superseded, dups, missing)
	if dups != 0 {
		t.Errorf("%d row versions arrived more than once", dups)
	}
	if statuses[facteur.RunFailed] == 0 || statuses[facteur.RunSkipped] == 0 {
		t.Errorf("the random failures did not fail any run for good, or no run was skipped: %v (seed %d)", statuses, seed)
	}
}

// sqlExec returns an exec of the test's statements on db.
func sqlExec(db *sql.DB) func(t *testing.T, stmt string) {
	return func(t *testing.T, stmt string) {
		t.Helper()
		if _, err := db.Exec(stmt); err != nil {
			t.Fatalf("%s: %v", stmt, err)
		}
	}
}

// parseStamp reads a time column as the sources render it: RFC 3339 with
// an offset (timestamptz), or a UTC wall-clock time.
func parseStamp(t *testing.T, s string) time.Time {
	t.Helper()
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999", "2006-01-02 15:04:05.999999999"} {
		if at, err := time.Parse(layout, s); err == nil {
			return at
		}
	}
	if s != "" {
		t.Fatalf("unreadable time %q", s)
	}
	return time.Time{}
}

// inWindow reports whether at is in w.
func inWindow(w *facteur.Window, at time.Time) bool {
	if at.IsZero() {
		return false
	}
	return (w.From == nil || !at.Before(*w.From)) && at.Before(w.To)
}

// windowString renders a window for a message.
func windowString(w *facteur.Window) string {
	from := "the start"
	if w.From != nil {
		from = w.From.UTC().Format(time.RFC3339Nano)
	}
	return "from " + from + " to " + w.To.UTC().Format(time.RFC3339Nano)
}
