package storetest

import (
	"reflect"
	"testing"
	"time"

	"github.com/facteur/facteur"
)

// testRunsDatesAndPages: the history's date range keeps the runs created
// in [From, To), and AfterID pages back to the newer runs, newest first,
// with the other filters applied in the same query.
func testRunsDatesAndPages(t *testing.T, newDB NewDatabase) {
	ctx, s := testContext(t), Open(t, newDB(t))
	f := seed(t, ctx, s)
	a := f.schedule(t, ctx, s, "A", nil)
	b := f.schedule(t, ctx, s, "B", nil)
	day := func(d int, h int) time.Time { return time.Date(2026, 3, d, h, 0, 0, 0, time.UTC) }
	// id order: 1 a 1 Mar ok, 2 b 2 Mar failed, 3 a 2 Mar 23:00 ok, 4 a 3 Mar failed, 5 a 4 Mar ok, 6 b 4 Mar ok
	specs := []struct {
		schedule int64
		status   string
		at       time.Time
	}{
		{a.ID, facteur.RunSucceeded, day(1, 10)},
		{b.ID, facteur.RunFailed, day(2, 0)},
		{a.ID, facteur.RunSucceeded, day(2, 23)},
		{a.ID, facteur.RunFailed, day(3, 12)},
		{a.ID, facteur.RunSucceeded, day(4, 6)},
		{b.ID, facteur.RunSucceeded, day(4, 7)},
	}
	ids := make([]int64, len(specs))
	for i, sp := range specs {
		r := &facteur.Run{ScheduleID: sp.schedule, ReportID: f.rep.ID, DestinationID: f.dst.ID,
			Trigger: facteur.TriggerManual, Status: sp.status, CreatedAt: sp.at}
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
		{"from 2 March", facteur.RunFilter{From: day(2, 0)}, id(6, 5, 4, 3, 2)},
		{"to 3 March, exclusive", facteur.RunFilter{To: day(3, 0)}, id(3, 2, 1)},
		{"2 March only", facteur.RunFilter{From: day(2, 0), To: day(3, 0)}, id(3, 2)},
		{"a range with nothing", facteur.RunFilter{From: day(5, 0)}, id()},
		{"schedule a, failed, in range", facteur.RunFilter{ScheduleID: a.ID, Status: facteur.RunFailed, From: day(2, 0), To: day(5, 0)}, id(4)},
		{"page before run 2, two a page", facteur.RunFilter{Limit: 2, AfterID: ids[1]}, id(4, 3)},
		{"page before run 4, two a page", facteur.RunFilter{Limit: 2, AfterID: ids[3]}, id(6, 5)},
		{"page before the newest", facteur.RunFilter{Limit: 2, AfterID: ids[5]}, id()},
		{"page before, schedule a only", facteur.RunFilter{Limit: 2, ScheduleID: a.ID, AfterID: ids[0]}, id(4, 3)},
		{"older page in a range", facteur.RunFilter{Limit: 2, From: day(2, 0), BeforeID: ids[4]}, id(4, 3)},
	} {
		got, err := s.Runs(ctx, c.f)
		must(t, err)
		if !reflect.DeepEqual(runIDs(got), c.want) {
			t.Errorf("%s: Runs(%+v) = %v, want %v", c.name, c.f, runIDs(got), c.want)
		}
	}
}

// testPauseSchedule: pausing writes only the enabled flag and the next
// slot; a paused schedule is never due; resuming sets the next slot given.
func testPauseSchedule(t *testing.T, newDB NewDatabase) {
	ctx, s := testContext(t), Open(t, newDB(t))
	f := seed(t, ctx, s)
	past := time.Now().Add(-time.Hour).UTC().Truncate(time.Second)
	sc := f.schedule(t, ctx, s, "A", &past)
	must(t, s.SetScheduleEnabled(ctx, sc.ID, false, nil))
	got, err := s.Schedule(ctx, sc.ID)
	must(t, err)
	if got.Enabled || got.NextRunAt != nil || got.Name != "A" || got.Calendar.At != sc.Calendar.At {
		t.Errorf("paused: enabled %v, next %v, name %q, calendar %+v", got.Enabled, got.NextRunAt, got.Name, got.Calendar)
	}
	due, err := s.DueSchedules(ctx, time.Now().Add(24*time.Hour), 10)
	must(t, err)
	if len(due) != 0 {
		t.Errorf("a paused schedule is due: %+v", due)
	}
	next := time.Now().Add(2 * time.Hour).UTC().Truncate(time.Second)
	must(t, s.SetScheduleEnabled(ctx, sc.ID, true, &next))
	got, err = s.Schedule(ctx, sc.ID)
	must(t, err)
	if !got.Enabled || got.NextRunAt == nil || !got.NextRunAt.Equal(next) {
		t.Errorf("resumed: enabled %v, next %v, want %v", got.Enabled, got.NextRunAt, next)
	}
	if err := s.SetScheduleEnabled(ctx, 9999, true, &next); facteur.ErrorCode(err) != facteur.ENOTFOUND {
		t.Errorf("missing schedule: %v", err)
	}
}

// testRunsOfSendTest: a run of Send test is in the history, but never the
// schedule's latest run (LatestRuns) nor among the runs NoTests selects.
func testRunsOfSendTest(t *testing.T, newDB NewDatabase) {
	ctx, s := testContext(t), Open(t, newDB(t))
	f := seed(t, ctx, s)
	a := f.schedule(t, ctx, s, "A", nil)
	real := &facteur.Run{ScheduleID: a.ID, ReportID: f.rep.ID, DestinationID: f.dst.ID, Trigger: facteur.TriggerManual, Status: facteur.RunSucceeded}
	must(t, s.CreateRun(ctx, real))
	test := &facteur.Run{ScheduleID: a.ID, ReportID: f.rep.ID, DestinationID: f.dst.ID, Trigger: facteur.TriggerTest, Status: facteur.RunSucceeded}
	must(t, s.CreateRun(ctx, test))
	latest, err := s.LatestRuns(ctx)
	must(t, err)
	if latest[a.ID] == nil || latest[a.ID].ID != real.ID {
		t.Errorf("LatestRuns of A = %+v, want run %d, not the test %d", latest[a.ID], real.ID, test.ID)
	}
	for _, c := range []struct {
		f    facteur.RunFilter
		want []int64
	}{
		{facteur.RunFilter{ScheduleID: a.ID}, []int64{test.ID, real.ID}},
		{facteur.RunFilter{ScheduleID: a.ID, NoTests: true}, []int64{real.ID}},
		{facteur.RunFilter{Trigger: facteur.TriggerTest}, []int64{test.ID}},
	} {
		got, err := s.Runs(ctx, c.f)
		must(t, err)
		if !reflect.DeepEqual(runIDs(got), c.want) {
			t.Errorf("Runs(%+v) = %v, want %v", c.f, runIDs(got), c.want)
		}
	}
}
