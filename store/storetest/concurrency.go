package storetest

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/facteur/facteur"
)

// testDuplicateSlot has two handles of one database (two nodes) record a
// run for the same slot at once: one succeeds, the others get ECONFLICT.
func testDuplicateSlot(t *testing.T, newDB NewDatabase) {
	cfg := newDB(t)
	ctx, s1, s2 := testContext(t), Open(t, cfg), Open(t, cfg)
	f := seed(t, ctx, s1)
	sc := f.schedule(t, ctx, s1, "Daily tickets", nil)
	for round := range 5 {
		slot := ts(t, "2025-01-02T06:00:00Z").Add(time.Duration(round) * time.Hour)
		var (
			wg        sync.WaitGroup
			created   atomic.Int32
			conflicts atomic.Int32
			start     = make(chan struct{})
		)
		for i := range 10 {
			s := facteur.Store(s1)
			if i%2 == 1 {
				s = s2
			}
			wg.Go(func() {
				<-start
				run := &facteur.Run{ScheduleID: sc.ID, ReportID: f.rep.ID, DestinationID: f.dst.ID,
					Trigger: facteur.TriggerSchedule, ScheduledFor: &slot}
				err := s.CreateRun(ctx, run)
				switch facteur.ErrorCode(err) {
				case "":
					created.Add(1)
				case facteur.ECONFLICT:
					conflicts.Add(1)
				default:
					t.Errorf("CreateRun: %v", err)
				}
			})
		}
		close(start)
		wg.Wait()
		if created.Load() != 1 || conflicts.Load() != 9 {
			t.Fatalf("slot %v: %d runs created and %d conflicts, want 1 and 9", slot, created.Load(), conflicts.Load())
		}
	}
	runs, err := s2.Runs(ctx, facteur.RunFilter{ScheduleID: sc.ID})
	must(t, err)
	if len(runs) != 5 {
		t.Fatalf("%d runs recorded, want one per slot (5)", len(runs))
	}
}

// testConcurrency has the writers of a real server at work at once: eight
// goroutines record and update runs and their logs, another enqueues runs
// with their River jobs in transactions, and River works those jobs, its
// workers writing to the store too. No write may fail (on SQLite: no
// "database is locked").
func testConcurrency(t *testing.T, newDB NewDatabase) {
	ctx, db := testContext(t), Open(t, newDB(t))
	f := seed(t, ctx, db)
	sc := f.schedule(t, ctx, db, "Daily tickets", nil)

	q := newQueue(t, db, func(ctx context.Context, args exportArgs) error {
		return db.AppendRunLog(ctx, args.RunID, facteur.LogEntry{Message: "worked"})
	})
	must(t, q.start(ctx))
	t.Cleanup(func() {
		sctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := q.stop(sctx); err != nil {
			t.Errorf("stop river: %v", err)
		}
	})

	const writers, perWriter, enqueued = 8, 25, 25
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for i := range perWriter {
				if err := writeRun(ctx, db, f, fmt.Sprintf("w%d-%d", w, i)); err != nil {
					t.Errorf("writer %d: %v", w, err)
					return
				}
			}
		})
	}
	enqueuedRuns := make([]int64, 0, enqueued)
	wg.Go(func() {
		for i := range enqueued {
			slot := ts(t, "2025-01-01T06:00:00Z").Add(time.Duration(i) * 24 * time.Hour)
			err := db.InTx(ctx, func(tx facteur.Store, raw any) error {
				// Read before writing: with SQLite's deferred transactions
				// on several connections this is what fails with
				// SQLITE_BUSY while another connection writes.
				if _, err := tx.Runs(ctx, facteur.RunFilter{ScheduleID: sc.ID, Limit: 1}); err != nil {
					return err
				}
				run := &facteur.Run{ScheduleID: sc.ID, ReportID: f.rep.ID, DestinationID: f.dst.ID,
					Trigger: facteur.TriggerSchedule, ScheduledFor: &slot}
				if err := tx.CreateRun(ctx, run); err != nil {
					return err
				}
				id, err := q.insertTx(ctx, raw, exportArgs{RunID: run.ID})
				if err != nil {
					return err
				}
				run.JobID = id
				if err := tx.UpdateRun(ctx, run); err != nil {
					return err
				}
				enqueuedRuns = append(enqueuedRuns, run.ID)
				return nil
			})
			if err != nil {
				t.Errorf("enqueue %d: %v", i, err)
				return
			}
		}
	})
	wg.Wait()
	if t.Failed() {
		return
	}

	// Wait for River to work every job.
	deadline := time.Now().Add(time.Minute)
	for {
		n := queryInt(t, ctx, db, "SELECT count(*) FROM river_job WHERE state = 'completed'")
		if n == enqueued {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d jobs completed after a minute", n, enqueued)
		}
		time.Sleep(20 * time.Millisecond)
	}

	all, err := db.Runs(ctx, facteur.RunFilter{Limit: 1000})
	must(t, err)
	if len(all) != writers*perWriter+enqueued {
		t.Fatalf("%d runs, want %d", len(all), writers*perWriter+enqueued)
	}
	for _, r := range all {
		if r.Trigger == facteur.TriggerManual && (r.Status != facteur.RunSucceeded || r.Rows != 10 || r.Location != "/srv/drop/"+r.FileName) {
			t.Fatalf("run %d (%s): status %q rows %d location %q, want succeeded, 10 and the file's location", r.ID, r.FileName, r.Status, r.Rows, r.Location)
		}
	}
	for _, id := range enqueuedRuns {
		log, err := db.RunLog(ctx, id)
		must(t, err)
		if len(log) != 1 || log[0].Message != "worked" {
			t.Fatalf("run %d: log %s, want one line from the worker", id, js(log))
		}
	}
}

// writeRun does what a worker does to a run: record it, start it, log,
// finish it, read the history, and change it in a read-then-write
// transaction.
func writeRun(ctx context.Context, s facteur.Store, f fixture, name string) error {
	run := &facteur.Run{ReportID: f.rep.ID, DestinationID: f.dst.ID, Trigger: facteur.TriggerManual, FileName: name}
	if err := s.CreateRun(ctx, run); err != nil {
		return fmt.Errorf("create run: %w", err)
	}
	started := time.Now()
	run.Status, run.StartedAt = facteur.RunRunning, &started
	if err := s.UpdateRun(ctx, run); err != nil {
		return fmt.Errorf("start run: %w", err)
	}
	for _, msg := range []string{"query started", "10 rows"} {
		if err := s.AppendRunLog(ctx, run.ID, facteur.LogEntry{Message: msg}); err != nil {
			return fmt.Errorf("log: %w", err)
		}
	}
	if _, err := s.Runs(ctx, facteur.RunFilter{Limit: 10}); err != nil {
		return fmt.Errorf("list runs: %w", err)
	}
	finished := time.Now()
	run.Status, run.Rows, run.FinishedAt = facteur.RunSucceeded, 10, &finished
	run.Stages = []facteur.Stage{{Name: "query", Duration: finished.Sub(started)}}
	if err := s.UpdateRun(ctx, run); err != nil {
		return fmt.Errorf("finish run: %w", err)
	}
	err := s.InTx(ctx, func(tx facteur.Store, _ any) error {
		r, err := tx.Run(ctx, run.ID)
		if err != nil {
			return err
		}
		r.Location = "/srv/drop/" + name
		return tx.UpdateRun(ctx, r)
	})
	if err != nil {
		return fmt.Errorf("read and update run in a transaction: %w", err)
	}
	log, err := s.RunLog(ctx, run.ID)
	if err != nil {
		return fmt.Errorf("read log: %w", err)
	}
	if len(log) != 2 {
		return fmt.Errorf("run %d: %d log lines, want 2", run.ID, len(log))
	}
	return nil
}
