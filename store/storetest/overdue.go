package storetest

import (
	"testing"
	"time"

	"github.com/facteur/facteur"
)

// testSkippedStays: a skipped run is final like a succeeded one, keeps its
// reason, and keeps the SHA-256 of its content apart from its file's.
func testSkippedStays(t *testing.T, newDB NewDatabase) {
	ctx, s := testContext(t), Open(t, newDB(t))
	f := seed(t, ctx, s)
	sc := f.schedule(t, ctx, s, "Daily tickets", nil)
	run := &facteur.Run{ScheduleID: sc.ID, ReportID: f.rep.ID, DestinationID: f.dst.ID, Trigger: facteur.TriggerManual,
		SHA256: "aa", ContentSHA256: "bb"}
	must(t, s.CreateRun(ctx, run))
	stale := *run
	done := time.Now().UTC().Truncate(time.Microsecond)
	run.Status, run.Attempt, run.FinishedAt, run.Error = facteur.RunSkipped, 1, &done, "Skipped: no rows."
	run.ContentSHA256 = "cc"
	must(t, s.UpdateRun(ctx, run))

	stale.Status, stale.Attempt, stale.Error = facteur.RunRunning, 2, ""
	must(t, s.UpdateRun(ctx, &stale))
	if stale.Status != facteur.RunSkipped || stale.Attempt != 1 || stale.Error != "Skipped: no rows." || stale.FinishedAt == nil {
		t.Fatalf("stale copy after saving: %s attempt %d %q finished %v", stale.Status, stale.Attempt, stale.Error, stale.FinishedAt)
	}
	got, err := s.Run(ctx, run.ID)
	must(t, err)
	if got.Status != facteur.RunSkipped || got.SHA256 != "aa" || got.ContentSHA256 != "bb" {
		// The stale copy saved "bb" last: the content hash is a column
		// like the others, not a final one.
		t.Fatalf("stored run: %s sha %q content %q", got.Status, got.SHA256, got.ContentSHA256)
	}
	list, err := s.Runs(ctx, facteur.RunFilter{Status: facteur.RunSkipped})
	must(t, err)
	if len(list) != 1 || list[0].ID != run.ID {
		t.Fatalf("runs filtered by skipped: %+v", list)
	}
}

// testOverdueAlerts: a slot of a schedule is recorded once; the latest
// slot of each schedule is listed with whether a run since delivered or
// was skipped.
func testOverdueAlerts(t *testing.T, newDB NewDatabase) {
	ctx, s := testContext(t), Open(t, newDB(t))
	f := seed(t, ctx, s)
	a := f.schedule(t, ctx, s, "a", nil)
	b := f.schedule(t, ctx, s, "b", nil)
	slot1 := time.Now().UTC().Add(-48 * time.Hour).Truncate(time.Microsecond)
	slot2 := slot1.Add(24 * time.Hour)
	for _, tt := range []struct {
		id   int64
		slot time.Time
		want bool
	}{{a.ID, slot1, true}, {a.ID, slot1, false}, {a.ID, slot2, true}, {b.ID, slot1, true}, {a.ID, slot2, false}} {
		got, err := s.RecordOverdueAlert(ctx, tt.id, tt.slot)
		must(t, err)
		if got != tt.want {
			t.Fatalf("record schedule %d slot %v: %v, want %v", tt.id, tt.slot, got, tt.want)
		}
	}
	_, err := s.RecordOverdueAlert(ctx, b.ID+100, slot1)
	wantCode(t, err, facteur.ENOTFOUND)

	// Each recipient of a slot's alert is recorded sent once, in any case.
	wantCode(t, s.SetOverdueMailSent(ctx, b.ID, slot2, "ops@example.org"), facteur.ENOTFOUND)
	for range 2 {
		must(t, s.SetOverdueMailSent(ctx, a.ID, slot1, "Ops@Example.org"))
	}
	for _, tt := range []struct {
		id   int64
		slot time.Time
		to   string
		want bool
	}{{a.ID, slot1, "ops@example.org", true}, {a.ID, slot2, "ops@example.org", false}, {a.ID, slot1, "owner@example.org", false}, {b.ID, slot1, "ops@example.org", false}} {
		got, err := s.OverdueMailSent(ctx, tt.id, tt.slot, tt.to)
		must(t, err)
		if got != tt.want {
			t.Errorf("sent to %s for schedule %d slot %v: %v, want %v", tt.to, tt.id, tt.slot, got, tt.want)
		}
	}

	// A is delivered after its latest slot, b only skipped; a test run
	// counts for neither.
	for _, r := range []*facteur.Run{
		{ScheduleID: a.ID, Trigger: facteur.TriggerManual, Status: facteur.RunSucceeded},
		{ScheduleID: b.ID, Trigger: facteur.TriggerSchedule, Status: facteur.RunSkipped, ScheduledFor: &slot2},
		{ScheduleID: b.ID, Trigger: facteur.TriggerTest, Status: facteur.RunSucceeded},
	} {
		r.ReportID, r.DestinationID = f.rep.ID, f.dst.ID
		must(t, s.CreateRun(ctx, r))
	}
	got, err := s.LatestOverdueAlerts(ctx)
	must(t, err)
	want := map[int64]facteur.OverdueAlert{
		a.ID: {ScheduleID: a.ID, Slot: slot2, DeliveredSince: true},
		b.ID: {ScheduleID: b.ID, Slot: slot1, SkippedSince: true},
	}
	if len(got) != len(want) {
		t.Fatalf("latest overdue alerts: %+v", got)
	}
	for _, g := range got {
		w := want[g.ScheduleID]
		if !g.Slot.Equal(w.Slot) || g.DeliveredSince != w.DeliveredSince || g.SkippedSince != w.SkippedSince {
			t.Errorf("schedule %d: %+v, want %+v", g.ScheduleID, g, w)
		}
	}
}

// testOverdueAlertRace: nodes recording the same slot at once record it
// once: exactly one of them is told to send the alert.
func testOverdueAlertRace(t *testing.T, newDB NewDatabase) {
	ctx, s := testContext(t), Open(t, newDB(t))
	f := seed(t, ctx, s)
	sc := f.schedule(t, ctx, s, "a", nil)
	slot := time.Now().UTC().Truncate(time.Minute)
	const nodes = 8
	won := make(chan bool, nodes)
	errs := make(chan error, nodes)
	for range nodes {
		go func() {
			ok, err := s.RecordOverdueAlert(ctx, sc.ID, slot)
			won <- ok
			errs <- err
		}()
	}
	count := 0
	for range nodes {
		must(t, <-errs)
		if <-won {
			count++
		}
	}
	if count != 1 {
		t.Fatalf("%d of %d nodes recorded the slot, want 1", count, nodes)
	}
}
