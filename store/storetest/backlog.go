package storetest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/riverqueue/river"

	"github.com/facteur/facteur/store"
)

// backlogRun and backlogMail are jobs of the kinds the queue inserts for a
// run and for a mail of the outbox.
type backlogRun struct{ N int }

func (backlogRun) Kind() string { return "facteur_run" }

type backlogMail struct{ N int }

func (backlogMail) Kind() string { return "facteur_mail" }

// testBacklog: Backlog counts the runs ready, waiting and running, the
// age of the oldest ready run, the unsent mails and the enabled schedules
// whose slot is past by more than the given seconds — on the database's
// clock, whatever the dialect keeps times as.
func testBacklog(t *testing.T, newDB NewDatabase) {
	db := Open(t, newDB(t))
	ctx := testContext(t)
	b, err := db.Backlog(ctx, 60)
	must(t, err)
	if b.Runs["ready"] != 0 || b.Runs["waiting"] != 0 || b.Runs["running"] != 0 || b.OldestReady != 0 || b.Outbox != 0 || b.LateSchedules != 0 {
		t.Fatalf("empty database: %+v", b)
	}
	q := newQueue(t, db, nil)
	now := time.Now()
	for i, at := range []time.Time{now.Add(-90 * time.Second), now, now.Add(-time.Second), now.Add(time.Hour)} {
		must(t, q.insert(ctx, backlogRun{i}, &river.InsertOpts{ScheduledAt: at}))
	}
	// The leader's scheduler makes the jobs whose time has come available.
	due := "julianday(scheduled_at) <= julianday('now')"
	if db.Dialect() == store.DialectPostgres {
		due = "scheduled_at <= now()"
	}
	execSQL(t, ctx, db, "UPDATE river_job SET state = 'available' WHERE state = 'scheduled' AND "+due)
	for i := range 2 {
		must(t, q.insert(ctx, backlogMail{i}, nil))
	}
	f := seed(t, ctx, db)
	late, recent, future := now.Add(-5*time.Minute), now.Add(-10*time.Second), now.Add(time.Hour)
	f.schedule(t, ctx, db, "late", &late)
	f.schedule(t, ctx, db, "recent", &recent)
	f.schedule(t, ctx, db, "future", &future)
	paused := f.schedule(t, ctx, db, "paused", &late)
	must(t, db.SetScheduleEnabled(ctx, paused.ID, false, &late))

	b, err = db.Backlog(ctx, 60)
	must(t, err)
	if b.Runs["ready"] != 3 || b.Runs["waiting"] != 1 || b.Runs["running"] != 0 {
		t.Errorf("runs by state: %v, want 3 ready and 1 waiting", b.Runs)
	}
	if b.OldestReady < 89 || b.OldestReady > 150 {
		t.Errorf("oldest ready run waited %.1f s, want about 90", b.OldestReady)
	}
	if b.Outbox != 2 {
		t.Errorf("outbox: %d, want 2", b.Outbox)
	}
	if b.LateSchedules != 1 {
		t.Errorf("late schedules: %d, want 1 (the enabled one 5 minutes past)", b.LateSchedules)
	}
}

// testReady: a store just opened is ready on SQLite; on PostgreSQL it is
// ready once a queue client has been elected leader. A migration not
// applied makes it not ready, with a reason that says so.
func testReady(t *testing.T, newDB NewDatabase) {
	db := Open(t, newDB(t))
	ctx := testContext(t)
	_, err := db.Ready(ctx)
	var nr *store.NotReady
	if db.Dialect() == store.DialectSQLite {
		must(t, err)
	} else {
		if !errors.As(err, &nr) || nr.Reason != "no node is the queue's leader: no due schedule is being queued" {
			t.Fatalf("no leader: %v", err)
		}
		q := newQueue(t, db, func(ctx context.Context, _ exportArgs) error { return nil })
		must(t, q.start(ctx))
		t.Cleanup(func() { q.stop(context.Background()) })
		deadline := time.Now().Add(30 * time.Second)
		for {
			leader, err := db.Ready(ctx)
			if err == nil && leader != "" {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("no leader after 30 s: %v", err)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	execSQL(t, ctx, db, "DELETE FROM facteur_migration WHERE version_id = (SELECT max(version_id) FROM facteur_migration)")
	_, err = db.Ready(ctx)
	if !errors.As(err, &nr) || nr.Reason != "the database has migrations not applied; restart a node of this version to apply them" {
		t.Fatalf("a migration not applied: %v", err)
	}
}
