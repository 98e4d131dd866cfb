package storetest

import (
	"testing"
	"time"

	"github.com/facteur/facteur"
)

// testCancelledStays: once cancelled, a run stays cancelled whatever a
// worker saves afterwards, and the worker's copy learns it.
func testCancelledStays(t *testing.T, newDB NewDatabase) {
	ctx, s := testContext(t), Open(t, newDB(t))
	f := seed(t, ctx, s)
	sc := f.schedule(t, ctx, s, "Daily tickets", nil)
	run := &facteur.Run{ScheduleID: sc.ID, ReportID: f.rep.ID, DestinationID: f.dst.ID, Trigger: facteur.TriggerManual}
	must(t, s.CreateRun(ctx, run))
	worker := *run // the worker's own copy

	cancel, err := s.Run(ctx, run.ID)
	must(t, err)
	done := time.Now().UTC().Truncate(time.Microsecond)
	cancel.Status, cancel.Error, cancel.FinishedAt = facteur.RunCancelled, "Cancelled by a user.", &done
	must(t, s.UpdateRun(ctx, cancel))

	worker.Status, worker.Rows, worker.Error = facteur.RunRunning, 500, ""
	must(t, s.UpdateRun(ctx, &worker))
	if worker.Status != facteur.RunCancelled || worker.Error != "Cancelled by a user." || worker.FinishedAt == nil || !worker.FinishedAt.Equal(done) {
		t.Fatalf("worker's copy after saving: %s %q %v", worker.Status, worker.Error, worker.FinishedAt)
	}
	got, err := s.Run(ctx, run.ID)
	must(t, err)
	if got.Status != facteur.RunCancelled || got.Rows != 500 || got.Error != "Cancelled by a user." {
		t.Fatalf("stored run: %s rows %d %q", got.Status, got.Rows, got.Error)
	}
}

// testFinishedStays: a run that succeeded keeps its status, attempt and
// finish whatever an attempt that lost its lease saves afterwards.
func testFinishedStays(t *testing.T, newDB NewDatabase) {
	ctx, s := testContext(t), Open(t, newDB(t))
	f := seed(t, ctx, s)
	sc := f.schedule(t, ctx, s, "Daily tickets", nil)
	run := &facteur.Run{ScheduleID: sc.ID, ReportID: f.rep.ID, DestinationID: f.dst.ID, Trigger: facteur.TriggerManual}
	must(t, s.CreateRun(ctx, run))
	stale := *run // the copy of the attempt that lost its lease
	done := time.Now().UTC().Truncate(time.Microsecond)
	run.Status, run.Attempt, run.FinishedAt, run.Location, run.Rows = facteur.RunSucceeded, 2, &done, "/srv/drop/t.csv", 10
	must(t, s.UpdateRun(ctx, run))

	stale.Status, stale.Attempt = facteur.RunRunning, 1
	must(t, s.UpdateRun(ctx, &stale))
	if stale.Status != facteur.RunSucceeded || stale.Attempt != 2 || stale.FinishedAt == nil {
		t.Fatalf("stale copy after saving: %s attempt %d finished %v", stale.Status, stale.Attempt, stale.FinishedAt)
	}
	got, err := s.Run(ctx, run.ID)
	must(t, err)
	if got.Status != facteur.RunSucceeded || got.Attempt != 2 || got.FinishedAt == nil || !got.FinishedAt.Equal(done) {
		t.Fatalf("stored run: %s attempt %d finished %v", got.Status, got.Attempt, got.FinishedAt)
	}
}
