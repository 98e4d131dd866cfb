package storetest

import (
	"strings"
	"testing"

	"github.com/facteur/facteur"
)

// testClosureLists: closure lists are created, read, renamed and deleted;
// a schedule that observes one reads it back with its calendar, and the
// list keeps its name and stays while a schedule observes it.
func testClosureLists(t *testing.T, newDB NewDatabase) {
	ctx, s := testContext(t), Open(t, newDB(t))
	office := &facteur.ClosureList{Name: "Office closures", Days: []facteur.ClosureDays{
		{From: "2026-12-24", To: "2026-12-31", Label: "Christmas break"}, {From: "2027-05-07"}}}
	must(t, s.CreateClosureList(ctx, office))
	wantCode(t, s.CreateClosureList(ctx, &facteur.ClosureList{Name: "Office closures"}), facteur.ECONFLICT)
	wantCode(t, s.CreateClosureList(ctx, &facteur.ClosureList{Name: "bad", Days: []facteur.ClosureDays{{From: "2026-02-30"}}}), facteur.EINVALID)
	got, err := s.ClosureList(ctx, office.ID)
	must(t, err)
	if got.Name != office.Name || len(got.Days) != 2 || got.Days[0] != office.Days[0] || got.Days[1].From != "2027-05-07" {
		t.Fatalf("read back %+v", got)
	}
	empty := &facteur.ClosureList{Name: "Empty"}
	must(t, s.CreateClosureList(ctx, empty))
	all, err := s.ClosureLists(ctx)
	must(t, err)
	if len(all) != 2 || all[0].Name != "Empty" || all[1].Name != "Office closures" || all[0].Days == nil {
		t.Fatalf("lists by name: %+v", all)
	}

	f := seed(t, ctx, s)
	sc := f.schedule(t, ctx, s, "payroll", nil)
	sc.Calendar = facteur.Calendar{Frequency: facteur.Workday, Workday: 1, At: "06:00", TimeZone: "Europe/Paris", Region: "FR",
		Closures: []string{"Office closures"}}
	must(t, s.UpdateSchedule(ctx, sc))
	read, err := s.Schedule(ctx, sc.ID)
	must(t, err)
	if len(read.Calendar.ClosureLists) != 1 || read.Calendar.ClosureLists[0].Days[0].Label != "Christmas break" {
		t.Fatalf("schedule's calendar: %+v", read.Calendar)
	}
	list, err := s.Schedules(ctx)
	must(t, err)
	if len(list) != 1 || len(list[0].Calendar.ClosureLists) != 1 {
		t.Fatalf("schedules: %+v", list)
	}
	found, _, err := s.FindSchedules(ctx, facteur.ScheduleFilter{})
	must(t, err)
	if len(found) != 1 || len(found[0].Calendar.ClosureLists) != 1 {
		t.Fatalf("found schedules: %+v", found)
	}

	// Editing the days is seen by the schedule; renaming and deleting are
	// refused while it observes the list.
	office.Days = append(office.Days, facteur.ClosureDays{From: "2027-08-16", Label: "Summer"})
	must(t, s.UpdateClosureList(ctx, office))
	read, err = s.Schedule(ctx, sc.ID)
	must(t, err)
	if len(read.Calendar.ClosureLists[0].Days) != 3 {
		t.Fatalf("schedule does not see the new day: %+v", read.Calendar.ClosureLists)
	}
	renamed := *office
	renamed.Name = "Closures"
	err = s.UpdateClosureList(ctx, &renamed)
	wantCode(t, err, facteur.ECONFLICT)
	if !strings.Contains(facteur.ErrorMessage(err), `schedule "payroll" observes "Office closures"`) {
		t.Errorf("rename: %v", err)
	}
	err = s.DeleteClosureList(ctx, office.ID)
	wantCode(t, err, facteur.ECONFLICT)
	if !strings.Contains(facteur.ErrorMessage(err), `observed by schedule "payroll"`) {
		t.Errorf("delete: %v", err)
	}
	stale := *got // read before the edit
	wantCode(t, s.UpdateClosureList(ctx, &stale), facteur.ECONFLICT)
	empty.Name = "Office closures"
	wantCode(t, s.UpdateClosureList(ctx, empty), facteur.ECONFLICT)

	sc.Calendar.Closures = nil
	must(t, s.UpdateSchedule(ctx, sc))
	must(t, s.DeleteClosureList(ctx, office.ID))
	wantCode(t, s.DeleteClosureList(ctx, office.ID), facteur.ENOTFOUND)
	_, err = s.ClosureList(ctx, office.ID)
	wantCode(t, err, facteur.ENOTFOUND)
}
