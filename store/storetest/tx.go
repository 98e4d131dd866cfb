package storetest

import (
	"database/sql"
	"errors"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/facteur/facteur"
	"github.com/facteur/facteur/store"
)

func testInTx(t *testing.T, newDB NewDatabase) {
	ctx, db := testContext(t), Open(t, newDB(t))

	// The raw transaction is the one River's driver for the dialect takes.
	must(t, db.InTx(ctx, func(tx facteur.Store, raw any) error {
		var ok bool
		switch db.Dialect() {
		case store.DialectSQLite:
			_, ok = raw.(*sql.Tx)
		case store.DialectPostgres:
			_, ok = raw.(pgx.Tx)
		}
		if !ok {
			t.Errorf("%s: raw transaction is a %T", db.Dialect(), raw)
		}
		return nil
	}))

	// Commit: what fn wrote is there.
	var committed *facteur.Source
	must(t, db.InTx(ctx, func(tx facteur.Store, _ any) error {
		committed = &facteur.Source{Name: "kept", DSN: "sqlite:/kept.db"}
		if err := tx.CreateSource(ctx, committed); err != nil {
			return err
		}
		// Reads in the transaction see its writes.
		_, err := tx.Source(ctx, committed.ID)
		return err
	}))
	if _, err := db.Source(ctx, committed.ID); err != nil {
		t.Fatalf("source created in a committed transaction: %v", err)
	}

	// Rollback: fn's error comes back as is, and nothing it wrote stays.
	boom := errors.New("boom")
	var rolledBack *facteur.Source
	err := db.InTx(ctx, func(tx facteur.Store, _ any) error {
		rolledBack = &facteur.Source{Name: "gone", DSN: "sqlite:/gone.db"}
		if err := tx.CreateSource(ctx, rolledBack); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("InTx error = %v, want fn's error", err)
	}
	_, err = db.Source(ctx, rolledBack.ID)
	wantCode(t, err, facteur.ENOTFOUND)

	// A store error inside keeps its code.
	err = db.InTx(ctx, func(tx facteur.Store, _ any) error { return tx.DeleteSource(ctx, 9999) })
	wantCode(t, err, facteur.ENOTFOUND)

	// A panic rolls back and goes on.
	var panicked *facteur.Source
	func() {
		defer func() {
			if recover() == nil {
				t.Error("InTx swallowed a panic")
			}
		}()
		_ = db.InTx(ctx, func(tx facteur.Store, _ any) error {
			panicked = &facteur.Source{Name: "panic", DSN: "sqlite:/panic.db"}
			must(t, tx.CreateSource(ctx, panicked))
			panic("fn panicked")
		})
	}()
	_, err = db.Source(ctx, panicked.ID)
	wantCode(t, err, facteur.ENOTFOUND)

	// Nested: the inner transaction rolls back alone.
	var outer, inner *facteur.Source
	must(t, db.InTx(ctx, func(tx facteur.Store, _ any) error {
		outer = &facteur.Source{Name: "outer", DSN: "sqlite:/outer.db"}
		if err := tx.CreateSource(ctx, outer); err != nil {
			return err
		}
		err := tx.InTx(ctx, func(tx2 facteur.Store, raw any) error {
			if raw == nil {
				t.Error("nested InTx: raw is nil")
			}
			inner = &facteur.Source{Name: "inner", DSN: "sqlite:/inner.db"}
			if err := tx2.CreateSource(ctx, inner); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Errorf("nested InTx error = %v, want fn's error", err)
		}
		return nil
	}))
	if _, err := db.Source(ctx, outer.ID); err != nil {
		t.Errorf("outer source: %v", err)
	}
	_, err = db.Source(ctx, inner.ID)
	wantCode(t, err, facteur.ENOTFOUND)
}

// testInTxRiverJob inserts a River job in the same transaction as the run
// it executes: both exist or neither does.
func testInTxRiverJob(t *testing.T, newDB NewDatabase) {
	ctx, db := testContext(t), Open(t, newDB(t))
	q := newQueue(t, db, nil)
	f := seed(t, ctx, db)
	sc := f.schedule(t, ctx, db, "Daily tickets", nil)
	slot := ts(t, "2025-01-02T06:00:00Z")

	enqueue := func(fail error) (runID, jobID int64, err error) {
		err = db.InTx(ctx, func(tx facteur.Store, raw any) error {
			run := &facteur.Run{ScheduleID: sc.ID, ReportID: f.rep.ID, DestinationID: f.dst.ID,
				Trigger: facteur.TriggerSchedule, ScheduledFor: &slot}
			if err := tx.CreateRun(ctx, run); err != nil {
				return err
			}
			runID = run.ID
			id, err := q.insertTx(ctx, raw, exportArgs{RunID: run.ID})
			if err != nil {
				return err
			}
			jobID = id
			run.JobID = id
			if err := tx.UpdateRun(ctx, run); err != nil {
				return err
			}
			return fail
		})
		return runID, jobID, err
	}

	boom := errors.New("boom")
	runID, jobID, err := enqueue(boom)
	if !errors.Is(err, boom) {
		t.Fatalf("InTx = %v, want fn's error", err)
	}
	if runID == 0 || jobID == 0 {
		t.Fatalf("run %d, job %d: fn did not get to insert both", runID, jobID)
	}
	_, err = db.Run(ctx, runID)
	wantCode(t, err, facteur.ENOTFOUND)
	if jobExists(t, ctx, db, jobID) {
		t.Fatalf("job %d exists after the transaction rolled back", jobID)
	}

	// The slot is free again: the rolled back run did not take it.
	runID, jobID, err = enqueue(nil)
	must(t, err)
	run, err := db.Run(ctx, runID)
	must(t, err)
	if run.JobID != jobID || !jobExists(t, ctx, db, jobID) {
		t.Fatalf("after commit: run %d has job %d, job exists %v", runID, run.JobID, jobExists(t, ctx, db, jobID))
	}

	// The same slot again: ECONFLICT, and no second job.
	_, _, err = enqueue(nil)
	wantCode(t, err, facteur.ECONFLICT)
	if n := queryInt(t, ctx, db, "SELECT count(*) FROM river_job"); n != 1 {
		t.Fatalf("%d jobs after a duplicate slot, want 1", n)
	}
}
