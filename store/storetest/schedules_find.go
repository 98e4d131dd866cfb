package storetest

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/facteur/facteur"
	"github.com/facteur/facteur/deliver/kinds"
)

// testFindSchedules checks the schedules list's search, kind filter,
// visibility and pages, and that the total counts every schedule the
// filter selects whatever the page.
func testFindSchedules(t *testing.T, newDB NewDatabase) {
	ctx, s := testContext(t), Open(t, newDB(t))
	f := seed(t, ctx, s) // report "tickets", folder destination "drop"
	me := user(t, ctx, s, "me@example.org", facteur.RoleFileScheduler)
	other := user(t, ctx, s, "other@example.org", facteur.RoleFileScheduler)
	invoices := &facteur.Report{Name: "Invoices_2025", SourceID: f.src.ID, SQL: "SELECT 1", Fields: []facteur.Field{{Name: "id"}}}
	must(t, s.CreateReport(ctx, invoices))
	partner := &facteur.Destination{Name: "Partner 100% SFTP", Kind: facteur.DestinationSFTP, Config: json.RawMessage(`{}`), OwnerID: other.ID}
	must(t, s.CreateDestination(ctx, partner))
	mail := &facteur.Destination{Name: `ops\mail`, Kind: facteur.DestinationEmail, Config: json.RawMessage(`{}`), OwnerID: other.ID}
	must(t, s.CreateDestination(ctx, mail))

	// In id order: 1..6.
	specs := []struct {
		name  string
		rep   *facteur.Report
		dst   *facteur.Destination
		owner int64
	}{
		{"Daily tickets", f.rep, f.dst, other.ID},    // 1 folder, other's
		{"weekly", invoices, f.dst, me.ID},           // 2 folder, mine; report "Invoices_2025"
		{"to the partner", f.rep, partner, other.ID}, // 3 sftp, other's: hidden from me
		{"mine to the partner", f.rep, partner, me.ID},
		{"alerts", f.rep, mail, other.ID}, // 5 email, destination ops\mail
		{"50% off_list", invoices, mail, other.ID},
	}
	ids := make([]int64, len(specs))
	for i, sp := range specs {
		sc := &facteur.Schedule{Name: sp.name, ReportID: sp.rep.ID, DestinationID: sp.dst.ID,
			Format:   facteur.FormatOptions{Format: facteur.FormatCSV},
			Calendar: facteur.Calendar{Frequency: facteur.Daily, At: "06:00", TimeZone: "UTC"}, Enabled: true}
		must(t, s.CreateSchedule(ctx, sc))
		must(t, s.TransferSchedule(ctx, sc.ID, sp.owner))
		ids[i] = sc.ID
	}
	id := func(n ...int) []int64 {
		out := []int64{}
		for _, i := range n {
			out = append(out, ids[i-1])
		}
		return out
	}
	shared := kinds.Builtin().Shared()
	for _, c := range []struct {
		name  string
		f     facteur.ScheduleFilter
		want  []int64
		total int
	}{
		{"all", facteur.ScheduleFilter{}, id(1, 2, 3, 4, 5, 6), 6},
		{"a schedule's name, in another case", facteur.ScheduleFilter{Search: "DAILY"}, id(1), 1},
		{"a report's name", facteur.ScheduleFilter{Search: "invoices"}, id(2, 6), 2},
		{"a destination's name", facteur.ScheduleFilter{Search: "partner"}, id(3, 4), 2},
		{"a letter in every schedule", facteur.ScheduleFilter{Search: "e"}, id(1, 2, 3, 4, 5, 6), 6},
		{"% is a percent sign", facteur.ScheduleFilter{Search: "0%"}, id(3, 4, 6), 3},
		{"% alone", facteur.ScheduleFilter{Search: "%"}, id(3, 4, 6), 3},
		{"_ is an underscore", facteur.ScheduleFilter{Search: "s_2"}, id(2, 6), 2},
		{"_ matches no other letter", facteur.ScheduleFilter{Search: "o_f"}, id(), 0}, // "off" would match a wildcard
		{"_ in a schedule's name", facteur.ScheduleFilter{Search: "F_L"}, id(6), 1},
		{"a backslash is a backslash", facteur.ScheduleFilter{Search: `s\m`}, id(5, 6), 2},
		{"nothing matches", facteur.ScheduleFilter{Search: "zzz"}, id(), 0},
		{"a kind", facteur.ScheduleFilter{Kind: facteur.DestinationSFTP}, id(3, 4), 2},
		{"a kind and a search", facteur.ScheduleFilter{Kind: facteur.DestinationEmail, Search: "alert"}, id(5), 1},
		{"a kind none has", facteur.ScheduleFilter{Kind: facteur.DestinationS3}, id(), 0},
		{"a page", facteur.ScheduleFilter{Limit: 2, Offset: 2}, id(3, 4), 6},
		{"the last page, short", facteur.ScheduleFilter{Limit: 4, Offset: 4}, id(5, 6), 6},
		{"past the end", facteur.ScheduleFilter{Limit: 2, Offset: 10}, id(), 6},
		{"past the end of a search", facteur.ScheduleFilter{Search: "partner", Limit: 1, Offset: 5}, id(), 2},
		{"a page of a search", facteur.ScheduleFilter{Search: "e", Limit: 2, Offset: 1}, id(2, 3), 6},
		{"visible to me", facteur.ScheduleFilter{VisibleTo: me.ID, SharedKinds: shared}, id(1, 2, 4, 5, 6), 5},
		{"visible to me, a page", facteur.ScheduleFilter{VisibleTo: me.ID, SharedKinds: shared, Limit: 2, Offset: 2}, id(4, 5), 5},
		{"visible to me, a search", facteur.ScheduleFilter{VisibleTo: me.ID, SharedKinds: shared, Search: "partner"}, id(4), 1},
		{"visible to me, sftp", facteur.ScheduleFilter{VisibleTo: me.ID, SharedKinds: shared, Kind: facteur.DestinationSFTP}, id(4), 1},
		{"visible to a third", facteur.ScheduleFilter{VisibleTo: 9999, SharedKinds: shared}, id(1, 2, 5, 6), 4},
		{"visible to me, no shared kinds", facteur.ScheduleFilter{VisibleTo: me.ID}, id(2, 4), 2},
	} {
		got, total, err := s.FindSchedules(ctx, c.f)
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		if !reflect.DeepEqual(scheduleIDs(got), c.want) || total != c.total {
			t.Errorf("%s: FindSchedules = %v of %d, want %v of %d", c.name, scheduleIDs(got), total, c.want, c.total)
		}
	}
	// A found schedule is the whole schedule, as Schedule reads it.
	got, _, err := s.FindSchedules(ctx, facteur.ScheduleFilter{Search: "weekly"})
	must(t, err)
	one, err := s.Schedule(ctx, ids[1])
	must(t, err)
	if len(got) != 1 || !reflect.DeepEqual(got[0], one) {
		t.Errorf("found %s, want %s", js(got), js(one))
	}
	for _, c := range []struct {
		f     facteur.ScheduleFilter
		field string
	}{
		{facteur.ScheduleFilter{Limit: -1}, "limit"},
		{facteur.ScheduleFilter{Limit: facteur.MaxSchedulesPage + 1}, "limit"},
		{facteur.ScheduleFilter{Limit: 1, Offset: -1}, "offset"},
		{facteur.ScheduleFilter{Search: strings.Repeat("é", facteur.MaxScheduleSearch+1)}, "search"},
	} {
		_, _, err := s.FindSchedules(ctx, c.f)
		if facteur.ErrorCode(err) != facteur.EINVALID || !strings.HasPrefix(facteur.ErrorMessage(err), c.field+":") {
			t.Errorf("FindSchedules(%+v) = %v, want EINVALID naming %s", c.f, err, c.field)
		}
	}
	if _, _, err := s.FindSchedules(ctx, facteur.ScheduleFilter{Search: strings.Repeat("é", facteur.MaxScheduleSearch)}); err != nil {
		t.Errorf("a search of %d characters: %v", facteur.MaxScheduleSearch, err)
	}
}
