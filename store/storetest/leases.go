package storetest

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/facteur/facteur"
	"github.com/facteur/facteur/store"
)

// testLeases: a running attempt holds its job's lease; another attempt
// cannot take it while it is renewed; once it has expired, the job is made
// available again exactly once, its run queued, and the attempt that lost
// it can no longer renew it (the fence). The next attempt learns of the
// interrupted one.
func testLeases(t *testing.T, newDB NewDatabase) {
	ctx, s := testContext(t), Open(t, newDB(t))
	f := seed(t, ctx, s)
	sc := f.schedule(t, ctx, s, "Daily tickets", nil)
	q := newQueue(t, s, nil)
	run := &facteur.Run{ScheduleID: sc.ID, ReportID: f.rep.ID, DestinationID: f.dst.ID, Trigger: facteur.TriggerManual}
	must(t, s.InTx(ctx, func(tx facteur.Store, raw any) error {
		if err := tx.CreateRun(ctx, run); err != nil {
			return err
		}
		id, err := q.insertTx(ctx, raw, exportArgs{RunID: run.ID})
		run.JobID = id
		return err
	}))
	run.Status = facteur.RunRunning
	must(t, s.UpdateRun(ctx, run))
	claim := func(attempt int) { // as River's fetch does
		t.Helper()
		execSQL(t, ctx, s, "UPDATE river_job SET state = 'running', attempt = "+itoa(attempt)+" WHERE id = "+itoa(int(run.JobID)))
	}
	state := func() string {
		t.Helper()
		var st string
		var err error
		if s.Dialect() == store.DialectSQLite {
			err = s.SQL().QueryRowContext(ctx, "SELECT state FROM river_job WHERE id = ?", run.JobID).Scan(&st)
		} else {
			err = s.Pool().QueryRow(ctx, "SELECT state::text FROM river_job WHERE id = $1", run.JobID).Scan(&st)
		}
		must(t, err)
		return st
	}
	claim(1)

	t0 := time.Now().UTC().Truncate(time.Microsecond)
	a := &facteur.Lease{JobID: run.JobID, RunID: run.ID, Node: "a", Attempt: 1, StartedAt: t0, RenewedAt: t0, ExpiresAt: t0.Add(30 * time.Second)}
	prev, err := s.AcquireLease(ctx, a, t0)
	must(t, err)
	if prev != nil {
		t.Fatalf("first lease replaced %+v", prev)
	}
	b := &facteur.Lease{JobID: run.JobID, RunID: run.ID, Node: "b", Attempt: 2, StartedAt: t0, RenewedAt: t0, ExpiresAt: t0.Add(30 * time.Second)}
	_, err = s.AcquireLease(ctx, b, t0.Add(time.Second))
	wantCode(t, err, facteur.ECONFLICT)

	t1 := t0.Add(10 * time.Second)
	ok, err := s.RenewLease(ctx, run.JobID, "a", 1, t1, t1.Add(30*time.Second))
	must(t, err)
	if !ok {
		t.Fatal("the holder could not renew its lease")
	}
	if ok, _ := s.RenewLease(ctx, run.JobID, "b", 1, t1, t1.Add(30*time.Second)); ok {
		t.Fatal("another node renewed a lease it does not hold")
	}
	got, err := s.ReclaimExpired(ctx, t1.Add(29*time.Second), t0.Add(-time.Hour), nil)
	must(t, err)
	if len(got) != 0 || state() != "running" {
		t.Fatalf("a live lease was reclaimed: %+v, job %s", got, state())
	}

	// Node a stops renewing: 30 s after its last renewal the job is taken up.
	dead := t1.Add(31 * time.Second)
	got, err = s.ReclaimExpired(ctx, dead, t0.Add(-time.Hour), nil)
	must(t, err)
	if len(got) != 1 || got[0].JobID != run.JobID || got[0].Node != "a" || got[0].Attempt != 1 || !got[0].RenewedAt.Equal(t1) {
		t.Fatalf("reclaimed %+v, want node a's lease renewed at %s", got, t1)
	}
	if st := state(); st != "available" {
		t.Fatalf("job after reclaim: %s, want available", st)
	}
	if r, _ := s.Run(ctx, run.ID); r.Status != facteur.RunQueued {
		t.Fatalf("run after reclaim: %s, want queued", r.Status)
	}
	if again, err := s.ReclaimExpired(ctx, dead, t0.Add(-time.Hour), nil); err != nil || len(again) != 0 {
		t.Fatalf("a job was reclaimed twice: %+v %v", again, err)
	}
	if ok, _ := s.RenewLease(ctx, run.JobID, "a", 1, dead, dead.Add(30*time.Second)); ok {
		t.Fatal("an expired lease was renewed: the old attempt is not fenced")
	}

	// Attempt 2 on node b replaces it and learns of the interruption.
	claim(2)
	b.StartedAt, b.RenewedAt, b.ExpiresAt = dead, dead, dead.Add(30*time.Second)
	prev, err = s.AcquireLease(ctx, b, dead)
	must(t, err)
	if prev == nil || prev.Node != "a" || prev.Released || prev.RunID != run.ID {
		t.Fatalf("previous lease: %+v, want node a's, not released", prev)
	}
	if ok, _ := s.RenewLease(ctx, run.JobID, "a", 1, dead, dead.Add(30*time.Second)); ok {
		t.Fatal("the old attempt renewed the new attempt's lease")
	}
	must(t, s.ReleaseLease(ctx, run.JobID, "b", 2, dead.Add(30*time.Second)))
	if got, _ := s.ReclaimExpired(ctx, dead.Add(time.Second), t0.Add(-time.Hour), nil); len(got) != 0 {
		t.Fatalf("a released, unexpired lease was reclaimed: %+v", got)
	}
	c := &facteur.Lease{JobID: run.JobID, RunID: run.ID, Node: "c", Attempt: 3, StartedAt: dead, RenewedAt: dead, ExpiresAt: dead.Add(30 * time.Second)}
	claim(3)
	prev, err = s.AcquireLease(ctx, c, dead.Add(time.Second))
	must(t, err)
	if prev == nil || !prev.Released || prev.Node != "b" {
		t.Fatalf("previous lease: %+v, want node b's, released", prev)
	}

	// At the start of the only node, everything running is taken up.
	run.Status = facteur.RunRunning
	must(t, s.UpdateRun(ctx, run))
	ids, err := s.ReclaimAll(ctx, dead.Add(2*time.Second))
	must(t, err)
	if len(ids) != 1 || ids[0] != run.JobID || state() != "available" {
		t.Fatalf("ReclaimAll took up %v, job %s", ids, state())
	}
	if r, _ := s.Run(ctx, run.ID); r.Status != facteur.RunQueued {
		t.Fatalf("run after ReclaimAll: %s, want queued", r.Status)
	}
	claim(4)
	d := &facteur.Lease{JobID: run.JobID, RunID: run.ID, Node: "d", Attempt: 4, StartedAt: dead, RenewedAt: dead, ExpiresAt: dead.Add(time.Minute)}
	if _, err := s.AcquireLease(ctx, d, dead.Add(3*time.Second)); err != nil {
		t.Fatalf("a lease ended by ReclaimAll still blocks: %v", err)
	}

	// A job claimed by a node that died before it took its lease.
	claim(5)
	if s.Dialect() == store.DialectPostgres {
		execSQL(t, ctx, s, "UPDATE river_job SET attempted_at = now() - interval '1 hour' WHERE id = "+itoa(int(run.JobID)))
		got, err := s.ReclaimExpired(ctx, time.Now(), time.Now().Add(-time.Minute), []string{exportArgs{}.Kind()})
		must(t, err)
		if len(got) != 1 || got[0].JobID != run.JobID || got[0].Attempt != 5 || state() != "available" {
			t.Fatalf("orphaned job: reclaimed %+v, job %s", got, state())
		}
	}
}

// execSQL runs a statement without parameters on db's own handle.
func execSQL(t *testing.T, ctx context.Context, db *store.DB, stmt string) {
	t.Helper()
	var err error
	if db.Dialect() == store.DialectSQLite {
		_, err = db.SQL().ExecContext(ctx, stmt)
	} else {
		_, err = db.Pool().Exec(ctx, stmt)
	}
	if err != nil {
		t.Fatalf("%s: %v", stmt, err)
	}
}

func itoa(n int) string { return strconv.Itoa(n) }
