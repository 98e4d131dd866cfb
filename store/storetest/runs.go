package storetest

import (
	"encoding/json"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/facteur/facteur"
)

func testRuns(t *testing.T, newDB NewDatabase) {
	ctx, s := testContext(t), Open(t, newDB(t))
	f := seed(t, ctx, s)
	sc := f.schedule(t, ctx, s, "Daily tickets", nil)
	slot := ts(t, "2025-01-02T07:00:00.000000999+01:00")
	run := &facteur.Run{
		ScheduleID: sc.ID, ReportID: f.rep.ID, DestinationID: f.dst.ID,
		Trigger: facteur.TriggerSchedule, ScheduledFor: &slot, Attempt: 1, JobID: 42,
		Definition: json.RawMessage(`{"schedule": {"name": "Daily tickets"}, "report": {"id": 1}}`),
	}
	before := time.Now()
	must(t, s.CreateRun(ctx, run))
	if run.ID == 0 || run.Status != facteur.RunQueued {
		t.Fatalf("created run: id %d status %q, want an id and status queued", run.ID, run.Status)
	}
	checkStamps(t, before, run.CreatedAt, run.CreatedAt)
	if want := time.Date(2025, 1, 2, 6, 0, 0, 0, time.UTC); *run.ScheduledFor != want {
		t.Errorf("ScheduledFor = %v, want %v", run.ScheduledFor, want)
	}
	got, err := s.Run(ctx, run.ID)
	must(t, err)
	// Stages come back as [] rather than nil.
	run.Stages = []facteur.Stage{}
	if !reflect.DeepEqual(got, run) {
		t.Fatalf("Run = %s\nwant %s", js(got), js(run))
	}

	started, finished := ts(t, "2025-01-02T06:00:01.5000015Z"), ts(t, "2025-01-02T08:00:09.25+01:00")
	run.Status, run.Attempt, run.JobID = facteur.RunSucceeded, 2, 43
	run.FileName, run.Rows, run.Bytes = "tickets_20250102_0700.csv", 1234567, 987654321
	run.SHA256 = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
	run.PlainBytes, run.PlainSHA256 = 987654000, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
	run.ArtifactPath, run.Location = "/var/spool/facteur/1.csv", "sftp://drop.example/in/tickets.csv"
	run.Error, run.Ignored = "first attempt: connection reset", true
	run.Stages = []facteur.Stage{{Name: "query", Duration: 1500 * time.Millisecond}, {Name: "deliver", Duration: 3 * time.Nanosecond}}
	run.StartedAt, run.FinishedAt = &started, &finished
	must(t, s.UpdateRun(ctx, run))
	got, err = s.Run(ctx, run.ID)
	must(t, err)
	if !reflect.DeepEqual(got, run) || got.JobID != 43 || got.ArtifactPath != run.ArtifactPath {
		t.Fatalf("updated Run = %s (job %d, artifact %q)\nwant %s", js(got), got.JobID, got.ArtifactPath, js(run))
	}
	if want := time.Date(2025, 1, 2, 6, 0, 1, 500001000, time.UTC); *got.StartedAt != want {
		t.Errorf("StartedAt = %v, want %v", got.StartedAt, want)
	}

	// A manual run has no slot and never conflicts; a retry points at its run.
	for range 2 {
		manual := &facteur.Run{ScheduleID: sc.ID, ReportID: f.rep.ID, DestinationID: f.dst.ID, Trigger: facteur.TriggerManual}
		must(t, s.CreateRun(ctx, manual))
	}
	retry := &facteur.Run{ReportID: f.rep.ID, DestinationID: f.dst.ID, Trigger: facteur.TriggerRetry, RetryOf: run.ID, Status: facteur.RunRunning}
	must(t, s.CreateRun(ctx, retry))
	got, err = s.Run(ctx, retry.ID)
	must(t, err)
	if got.RetryOf != run.ID || got.ScheduleID != 0 || got.ScheduledFor != nil || got.Definition != nil || got.Status != facteur.RunRunning {
		t.Fatalf("retry run = %s", js(got))
	}

	dup := &facteur.Run{ScheduleID: sc.ID, ReportID: f.rep.ID, DestinationID: f.dst.ID, Trigger: facteur.TriggerSchedule, ScheduledFor: &slot}
	err = s.CreateRun(ctx, dup)
	wantCode(t, err, facteur.ECONFLICT)
	if msg, want := facteur.ErrorMessage(err), fmt.Sprintf("schedule %d already has a run for 2025-01-02T06:00:00Z", sc.ID); msg != want {
		t.Errorf("duplicate slot: message %q, want %q", msg, want)
	}
	// A run whose creation time the caller gives (the queue's clock) keeps it.
	other := slot.Add(24 * time.Hour)
	dup.ScheduledFor, dup.CreatedAt = &other, ts(t, "2025-01-03T07:00:00.0000017+01:00")
	must(t, s.CreateRun(ctx, dup))
	got, err = s.Run(ctx, dup.ID)
	must(t, err)
	if want := time.Date(2025, 1, 3, 6, 0, 0, 1000, time.UTC); got.CreatedAt != want || dup.CreatedAt != want {
		t.Errorf("CreatedAt = %v (object %v), want %v", got.CreatedAt, dup.CreatedAt, want)
	}

	_, err = s.Run(ctx, 9999)
	wantCode(t, err, facteur.ENOTFOUND)
	wantCode(t, s.UpdateRun(ctx, &facteur.Run{ID: 9999, Status: facteur.RunFailed}), facteur.ENOTFOUND)
	orphan := &facteur.Run{ScheduleID: 9999, ReportID: 1, DestinationID: 1, Trigger: facteur.TriggerManual}
	wantCode(t, s.CreateRun(ctx, orphan), facteur.EINVALID)
	bad := &facteur.Run{ReportID: 1, DestinationID: 1, Trigger: facteur.TriggerManual, Definition: json.RawMessage(`{`)}
	wantCode(t, s.CreateRun(ctx, bad), facteur.EINVALID)
}

// runIDs returns the ids of runs, for comparisons.
func runIDs(runs []*facteur.Run) []int64 {
	ids := []int64{}
	for _, r := range runs {
		ids = append(ids, r.ID)
	}
	return ids
}

func testRunsFilter(t *testing.T, newDB NewDatabase) {
	ctx, s := testContext(t), Open(t, newDB(t))
	f := seed(t, ctx, s)
	a := f.schedule(t, ctx, s, "A", nil)
	b := f.schedule(t, ctx, s, "B", nil)
	// id order: 1 a ok, 2 b failed, 3 a failed ignored, 4 manual ok, 5 a ok, 6 b ok ignored
	specs := []struct {
		schedule int64
		status   string
		ignored  bool
	}{
		{a.ID, facteur.RunSucceeded, false},
		{b.ID, facteur.RunFailed, false},
		{a.ID, facteur.RunFailed, true},
		{0, facteur.RunSucceeded, false},
		{a.ID, facteur.RunSucceeded, false},
		{b.ID, facteur.RunSucceeded, true},
	}
	ids := make([]int64, len(specs))
	for i, sp := range specs {
		r := &facteur.Run{ScheduleID: sp.schedule, ReportID: f.rep.ID, DestinationID: f.dst.ID,
			Trigger: facteur.TriggerManual, Status: sp.status, Ignored: sp.ignored}
		if sp.schedule == 0 { // a one-off export of account 7
			r.Trigger, r.OwnerID, r.DestinationID = facteur.TriggerExport, 7, 0
		}
		must(t, s.CreateRun(ctx, r))
		ids[i] = r.ID
	}
	id := func(n ...int) []int64 {
		out := []int64{}
		for _, i := range n {
			out = append(out, ids[i-1])
		}
		return out
	}
	for _, c := range []struct {
		name string
		f    facteur.RunFilter
		want []int64
	}{
		{"all, ignored hidden", facteur.RunFilter{}, id(5, 4, 2, 1)},
		{"all with ignored", facteur.RunFilter{IncludeIgnored: true}, id(6, 5, 4, 3, 2, 1)},
		{"schedule a", facteur.RunFilter{ScheduleID: a.ID}, id(5, 1)},
		{"schedule a with ignored", facteur.RunFilter{ScheduleID: a.ID, IncludeIgnored: true}, id(5, 3, 1)},
		{"failed", facteur.RunFilter{Status: facteur.RunFailed}, id(2)},
		{"failed with ignored", facteur.RunFilter{Status: facteur.RunFailed, IncludeIgnored: true}, id(3, 2)},
		{"schedule b succeeded", facteur.RunFilter{ScheduleID: b.ID, Status: facteur.RunSucceeded, IncludeIgnored: true}, id(6)},
		{"limit", facteur.RunFilter{Limit: 2, IncludeIgnored: true}, id(6, 5)},
		{"page 2", facteur.RunFilter{Limit: 2, IncludeIgnored: true, BeforeID: ids[4]}, id(4, 3)},
		{"page 3", facteur.RunFilter{Limit: 2, IncludeIgnored: true, BeforeID: ids[2]}, id(2, 1)},
		{"past the end", facteur.RunFilter{Limit: 2, IncludeIgnored: true, BeforeID: ids[0]}, id()},
		{"no such status", facteur.RunFilter{Status: facteur.RunCancelled}, id()},
		{"one-off exports", facteur.RunFilter{Trigger: facteur.TriggerExport}, id(4)},
		{"of an owner", facteur.RunFilter{OwnerID: 7, IncludeIgnored: true}, id(4)},
		{"manual runs", facteur.RunFilter{Trigger: facteur.TriggerManual, IncludeIgnored: true}, id(6, 5, 3, 2, 1)},
	} {
		got, err := s.Runs(ctx, c.f)
		must(t, err)
		if !reflect.DeepEqual(runIDs(got), c.want) {
			t.Errorf("%s: Runs(%+v) = %v, want %v", c.name, c.f, runIDs(got), c.want)
		}
	}
}

func testLatestRuns(t *testing.T, newDB NewDatabase) {
	ctx, s := testContext(t), Open(t, newDB(t))
	f := seed(t, ctx, s)
	a := f.schedule(t, ctx, s, "A", nil)
	b := f.schedule(t, ctx, s, "B", nil)
	c := f.schedule(t, ctx, s, "C", nil) // never ran
	latest, err := s.LatestRuns(ctx)
	must(t, err)
	if len(latest) != 0 {
		t.Errorf("LatestRuns without runs = %v", latest)
	}
	var want = map[int64]int64{}
	for i, sc := range []int64{a.ID, b.ID, 0, a.ID, b.ID, a.ID} {
		r := &facteur.Run{ScheduleID: sc, ReportID: f.rep.ID, DestinationID: f.dst.ID, Trigger: facteur.TriggerManual,
			Status: facteur.RunSucceeded, Ignored: i == 4} // b's newest is ignored: it is still the newest
		if sc == 0 {
			r.Trigger, r.OwnerID, r.DestinationID = facteur.TriggerExport, 7, 0
		}
		must(t, s.CreateRun(ctx, r))
		if sc != 0 {
			want[sc] = r.ID
		}
	}
	latest, err = s.LatestRuns(ctx)
	must(t, err)
	got := map[int64]int64{}
	for sc, r := range latest {
		got[sc] = r.ID
		if r.ScheduleID != sc || r.Status != facteur.RunSucceeded {
			t.Errorf("LatestRuns[%d] = %+v", sc, r)
		}
	}
	if !reflect.DeepEqual(got, want) || latest[c.ID] != nil {
		t.Errorf("LatestRuns = %v, want %v", got, want)
	}
}

func testRunsLimit(t *testing.T, newDB NewDatabase) {
	ctx, s := testContext(t), Open(t, newDB(t))
	must(t, s.InTx(ctx, func(tx facteur.Store, _ any) error {
		for i := range 1005 {
			r := &facteur.Run{ReportID: 1, DestinationID: 1, Trigger: facteur.TriggerManual, FileName: fmt.Sprint(i)}
			if err := tx.CreateRun(ctx, r); err != nil {
				return err
			}
		}
		return nil
	}))
	for _, c := range []struct{ limit, want int }{{0, 50}, {-1, 50}, {7, 7}, {1000, 1000}, {5000, 1000}} {
		got, err := s.Runs(ctx, facteur.RunFilter{Limit: c.limit})
		must(t, err)
		if len(got) != c.want {
			t.Errorf("Runs(Limit %d) returned %d runs, want %d", c.limit, len(got), c.want)
		}
		if len(got) > 0 && got[0].FileName != "1004" {
			t.Errorf("Runs(Limit %d) starts with run %q, want the newest (1004)", c.limit, got[0].FileName)
		}
	}
}

func testRunLog(t *testing.T, newDB NewDatabase) {
	ctx, s := testContext(t), Open(t, newDB(t))
	run := &facteur.Run{ReportID: 1, DestinationID: 1, Trigger: facteur.TriggerManual}
	must(t, s.CreateRun(ctx, run))
	empty, err := s.RunLog(ctx, run.ID)
	must(t, err)
	if empty == nil || len(empty) != 0 {
		t.Fatalf("RunLog of a new run = %#v, want []", empty)
	}

	t1 := ts(t, "2025-01-02T06:00:00.0000019Z")
	// Written out of time order: the log keeps the order of writing.
	entries := []facteur.LogEntry{
		{Time: t1.Add(time.Second), Level: "info", Message: "query started"},
		{Time: t1, Level: "warn", Message: "slow: 12 s"},
		{Time: t1.Add(time.Second), Level: "error", Message: "deliver: connection reset ✗"},
	}
	for _, e := range entries {
		must(t, s.AppendRunLog(ctx, run.ID, e))
	}
	before := time.Now()
	must(t, s.AppendRunLog(ctx, run.ID, facteur.LogEntry{Message: "defaults"}))

	got, err := s.RunLog(ctx, run.ID)
	must(t, err)
	if len(got) != 4 {
		t.Fatalf("RunLog = %s, want 4 entries", js(got))
	}
	for i, e := range entries {
		want := e
		want.Time = e.Time.UTC().Truncate(time.Microsecond)
		if got[i] != want {
			t.Errorf("entry %d = %+v, want %+v", i, got[i], want)
		}
	}
	if d := got[3]; d.Level != "info" || d.Message != "defaults" {
		t.Errorf("entry with defaults = %+v, want level info", d)
	}
	checkStamps(t, before, got[3].Time, got[3].Time)

	wantCode(t, s.AppendRunLog(ctx, 9999, facteur.LogEntry{Message: "x"}), facteur.ENOTFOUND)
	_, err = s.RunLog(ctx, 9999)
	wantCode(t, err, facteur.ENOTFOUND)
}
