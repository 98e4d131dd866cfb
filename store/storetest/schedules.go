package storetest

import (
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/facteur/facteur"
)

func scheduleIDs(list []*facteur.Schedule) []int64 {
	ids := []int64{}
	for _, s := range list {
		ids = append(ids, s.ID)
	}
	return ids
}

func testDueSchedules(t *testing.T, newDB NewDatabase) {
	ctx, s := testContext(t), Open(t, newDB(t))
	f := seed(t, ctx, s)
	now := ts(t, "2025-06-01T12:00:00.000001Z")
	at := func(d time.Duration) *time.Time { v := now.Add(d); return &v }

	late := f.schedule(t, ctx, s, "late", at(-time.Hour))
	exact := f.schedule(t, ctx, s, "exactly now", at(0))
	later := f.schedule(t, ctx, s, "in a microsecond", at(time.Microsecond))
	f.schedule(t, ctx, s, "no next run", nil)
	tie := f.schedule(t, ctx, s, "late too", at(-time.Hour)) // same time as late: by id
	oldest := f.schedule(t, ctx, s, "oldest", at(-48*time.Hour))
	off := f.schedule(t, ctx, s, "disabled", at(-72*time.Hour))
	off.Enabled = false
	must(t, s.UpdateSchedule(ctx, off))
	// Another zone, same instant as "exactly now".
	paris := now.In(time.FixedZone("CEST", 2*3600))
	zoned := f.schedule(t, ctx, s, "zoned", &paris)

	got, err := s.DueSchedules(ctx, now, 10)
	must(t, err)
	want := []int64{oldest.ID, late.ID, tie.ID, exact.ID, zoned.ID}
	if !reflect.DeepEqual(scheduleIDs(got), want) {
		t.Fatalf("DueSchedules = %v, want %v", scheduleIDs(got), want)
	}
	if got[0].Name != "oldest" || !got[0].NextRunAt.Equal(*oldest.NextRunAt) {
		t.Errorf("first due schedule = %s", js(got[0]))
	}
	got, err = s.DueSchedules(ctx, now, 2)
	must(t, err)
	if !reflect.DeepEqual(scheduleIDs(got), want[:2]) {
		t.Fatalf("DueSchedules(limit 2) = %v, want %v", scheduleIDs(got), want[:2])
	}
	got, err = s.DueSchedules(ctx, now.Add(time.Microsecond), 10)
	must(t, err)
	if len(got) != 6 || got[5].ID != later.ID {
		t.Fatalf("DueSchedules a microsecond later = %v, want %v then %d", scheduleIDs(got), want, later.ID)
	}
	got, err = s.DueSchedules(ctx, now.Add(-100*time.Hour), 10)
	must(t, err)
	if len(got) != 0 {
		t.Fatalf("DueSchedules long before = %v, want none", scheduleIDs(got))
	}
}

func testAdvanceSchedule(t *testing.T, newDB NewDatabase) {
	ctx, s := testContext(t), Open(t, newDB(t))
	f := seed(t, ctx, s)
	from := ts(t, "2025-06-01T06:00:00.0000005+02:00") // stored as …00.000000Z
	sc := f.schedule(t, ctx, s, "daily", &from)
	to := from.Add(24 * time.Hour)

	ok, err := s.AdvanceSchedule(ctx, sc.ID, from.Add(time.Second), &to)
	must(t, err)
	if ok {
		t.Fatal("AdvanceSchedule from a time that is not the next run: got true")
	}
	ok, err = s.AdvanceSchedule(ctx, sc.ID, from, &to)
	must(t, err)
	if !ok {
		t.Fatal("AdvanceSchedule from the next run: got false")
	}
	got, err := s.Schedule(ctx, sc.ID)
	must(t, err)
	if want := to.UTC().Truncate(time.Microsecond); got.NextRunAt == nil || *got.NextRunAt != want {
		t.Fatalf("NextRunAt = %v, want %v", got.NextRunAt, want)
	}
	if !got.UpdatedAt.Equal(sc.UpdatedAt) {
		t.Errorf("UpdatedAt moved from %v to %v: advancing is not an edit", sc.UpdatedAt, got.UpdatedAt)
	}
	ok, err = s.AdvanceSchedule(ctx, sc.ID, from, &to)
	must(t, err)
	if ok {
		t.Fatal("AdvanceSchedule of a slot already advanced: got true")
	}
	ok, err = s.AdvanceSchedule(ctx, sc.ID, to, nil)
	must(t, err)
	if !ok {
		t.Fatal("AdvanceSchedule to nil: got false")
	}
	if got, err = s.Schedule(ctx, sc.ID); err != nil || got.NextRunAt != nil {
		t.Fatalf("NextRunAt after advancing to nil = %v (%v), want nil", got.NextRunAt, err)
	}
	ok, err = s.AdvanceSchedule(ctx, 9999, from, &to)
	if err != nil || ok {
		t.Fatalf("AdvanceSchedule of a missing schedule = %v, %v; want false, nil", ok, err)
	}
}

// testAdvanceScheduleRace has 20 schedulers, on two handles of one
// database, race on the same slot: exactly one wins.
func testAdvanceScheduleRace(t *testing.T, newDB NewDatabase) {
	cfg := newDB(t)
	ctx, s1, s2 := testContext(t), Open(t, cfg), Open(t, cfg)
	f := seed(t, ctx, s1)
	for round := range 3 {
		from := ts(t, "2025-06-01T06:00:00Z").Add(time.Duration(round) * 24 * time.Hour)
		sc := f.schedule(t, ctx, s1, "daily", &from)
		to := from.Add(24 * time.Hour)
		var (
			wg    sync.WaitGroup
			mu    sync.Mutex
			wins  int
			start = make(chan struct{})
		)
		for i := range 20 {
			s := facteur.Store(s1)
			if i%2 == 1 {
				s = s2
			}
			wg.Go(func() {
				<-start
				ok, err := s.AdvanceSchedule(ctx, sc.ID, from, &to)
				if err != nil {
					t.Errorf("AdvanceSchedule: %v", err)
				}
				if ok {
					mu.Lock()
					wins++
					mu.Unlock()
				}
			})
		}
		close(start)
		wg.Wait()
		if wins != 1 {
			t.Fatalf("round %d: %d schedulers advanced the slot, want exactly 1", round, wins)
		}
	}
}
