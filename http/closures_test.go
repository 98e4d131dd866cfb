package http_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/facteur/facteur"
	"github.com/facteur/facteur/http/apitypes"
)

// TestClosureListsAPI: an administrator keeps closure lists; a schedule's
// calendar observes one; its preview and the schedules list say why a run
// moved; bad input is refused saying what to fix; each change is audited.
func TestClosureListsAPI(t *testing.T) {
	e := newEnv(t)
	e.api.Now = func() time.Time { return time.Date(2026, 12, 20, 12, 0, 0, 0, time.UTC) }
	admin, ed, viewer := e.tokens[facteur.RoleAdmin], e.tokens[facteur.RoleEditor], e.tokens[facteur.RoleViewer]

	for _, tc := range []struct{ body, want string }{
		{`{"name":"","days":[]}`, "name: give the closure list a name"},
		{`{"name":"x","days":[{"from":"24/12/2026"}]}`, `days[0].from: use a date YYYY-MM-DD between 1970 and 2200 (got \"24/12/2026\")`},
		{`{"name":"x","days":[{"from":"2026-12-31","to":"2026-12-24"}]}`, "days[0].to: the last day 2026-12-24 is before the first 2026-12-31"},
		{`{"name":"x","days":[{"from":"2201-01-01"}]}`, "between 1970 and 2200"},
		{`{"name":"x","days":"2026-12-24"}`, "days"},
	} {
		st, body := e.do(admin, "POST", "/api/v1/closures", tc.body)
		if st != 400 || !strings.Contains(body, tc.want) {
			t.Errorf("POST %s: %d %s, want 400 %s", tc.body, st, body, tc.want)
		}
	}
	if st, body := e.do(ed, "POST", "/api/v1/closures", `{"name":"Office closures","days":[]}`); st != 403 {
		t.Errorf("editor creates a closure list: %d %s", st, body)
	}
	st, body := e.do(admin, "POST", "/api/v1/closures", `{"name":"Office closures","days":[{"from":"2026-12-24","to":"2026-12-31","label":"Christmas break"},{"from":"2027-01-01","to":"2027-01-01"}]}`)
	if st != 201 {
		t.Fatalf("create: %d %s", st, body)
	}
	var office facteur.ClosureList
	must(t, json.Unmarshal([]byte(body), &office))
	if office.Days[1].To != "" {
		t.Errorf("a one-day range is stored as one day: %+v", office.Days[1])
	}
	if st, body := e.do(admin, "POST", "/api/v1/closures", `{"name":"Office closures","days":[]}`); st != 409 || !strings.Contains(body, "choose another name") {
		t.Errorf("same name twice: %d %s", st, body)
	}
	if st, body := e.do(viewer, "GET", "/api/v1/closures", ""); st != 200 || !strings.Contains(body, "Christmas break") {
		t.Errorf("viewer lists closure lists: %d %s", st, body)
	}
	st, body = e.do(viewer, "GET", "/api/v1/regions", "")
	var regions []apitypes.Region
	if st != 200 || json.Unmarshal([]byte(body), &regions) != nil {
		t.Fatalf("regions: %d %s", st, body)
	}
	codes := map[string]string{}
	for _, g := range regions {
		codes[g.Code] = g.Note
	}
	for _, c := range []string{"FR", "DE-BY", "GB-ENG", "US", "AU-NSW", "AE", "SA"} {
		if _, ok := codes[c]; !ok {
			t.Errorf("regions: no %s in %s", c, body)
		}
	}
	if !strings.Contains(codes["AE"], "add them to a closure list") {
		t.Errorf("AE says nothing of the Hijri holidays: %q", codes["AE"])
	}

	// The preview of a calendar that observes it, and names an unknown list.
	cal := `{"frequency":"workday","workday":1,"at":"06:00","time_zone":"Europe/Paris","region":"FR","closures":["Office closures"]}`
	st, body = e.do(viewer, "POST", "/api/v1/calendar/preview?n=2", cal)
	var p apitypes.CalendarPreview
	if st != 200 || json.Unmarshal([]byte(body), &p) != nil {
		t.Fatalf("preview: %d %s", st, body)
	}
	if p.Description != "The 1st working day of each month at 06:00, Europe/Paris, French public holidays and 'Office closures' observed" ||
		p.Next[0].Format(time.RFC3339) != "2027-01-04T05:00:00Z" ||
		fmt.Sprint(p.Notes) != "[[Fri 1 Jan 2027: Nouvel an → Mon 4 Jan] []]" {
		t.Errorf("preview: %+v", p)
	}
	if st, body := e.do(viewer, "POST", "/api/v1/calendar/preview", strings.Replace(cal, "Office closures", "Closed", 1)); st != 400 || !strings.Contains(body, `calendar.closures: there is no closure list named \"Closed\"`) {
		t.Errorf("unknown list: %d %s", st, body)
	}
	if st, body := e.do(viewer, "POST", "/api/v1/calendar/preview", `{"frequency":"workday","workday":30}`); st != 400 || !strings.Contains(body, "calendar.workday: a month has at most 23 working days") {
		t.Errorf("30th working day: %d %s", st, body)
	}

	// A schedule observes it; the list shows its next run's cause.
	weekly := `{"frequency":"weekly","weekday":"thu","at":"06:00","time_zone":"Europe/Paris","region":"FR","on_closed":"next","closures":["Office closures"]}`
	st, body = e.do(ed, "POST", "/api/v1/schedules", fmt.Sprintf(`{"name":"weekly","report_id":%d,"destination_id":%d,"calendar":%s}`, e.report.ID, e.email.ID, weekly))
	if st != 201 {
		t.Fatalf("create schedule: %d %s", st, body)
	}
	var sc apitypes.Schedule
	must(t, json.Unmarshal([]byte(body), &sc))
	// Thursday 24 and 31 December are closed: both move onto the next
	// working day, Monday 4 January (Friday 1 January is New Year's Day).
	if sc.NextRunAt.Format(time.RFC3339) != "2027-01-04T05:00:00Z" || strings.Join(sc.NextNotes, "; ") !=
		"Thu 24 Dec 2026: 'Office closures' (Christmas break) → Mon 4 Jan 2027; Thu 31 Dec 2026: 'Office closures' (Christmas break) → Mon 4 Jan 2027" {
		t.Errorf("schedule: next %s, notes %q", sc.NextRunAt, sc.NextNotes)
	}
	st, body = e.do(viewer, "GET", "/api/v1/schedules", "")
	if st != 200 || !strings.Contains(body, `"Thu 24 Dec 2026: 'Office closures' (Christmas break) → Mon 4 Jan 2027"`) {
		t.Errorf("list: %d %s", st, body)
	}
	if st, body := e.do(admin, "DELETE", fmt.Sprintf("/api/v1/closures/%d", office.ID), ""); st != 409 || !strings.Contains(body, `observed by schedule \"weekly\"`) {
		t.Errorf("delete a list in use: %d %s", st, body)
	}
	// Editing the list moves the schedule's next runs (at its next tick);
	// the preview sees it at once.
	if st, body := e.do(admin, "PUT", fmt.Sprintf("/api/v1/closures/%d", office.ID), `{"name":"Office closures","days":[{"from":"2026-12-24","label":"Christmas Eve"}]}`); st != 200 {
		t.Fatalf("update: %d %s", st, body)
	}
	st, body = e.do(viewer, "GET", fmt.Sprintf("/api/v1/schedules/%d/next?n=1", sc.ID), "")
	if st != 200 || !strings.Contains(body, "2026-12-28T05:00:00Z") || !strings.Contains(body, "Thu 24 Dec 2026: 'Office closures' (Christmas Eve) → Mon 28 Dec") {
		t.Errorf("next after the edit: %d %s", st, body)
	}

	list, err := e.db.Audit(context.Background(), facteur.AuditFilter{})
	must(t, err)
	var got []string
	for _, a := range list {
		if strings.HasPrefix(a.Action, "closures.") {
			got = append(got, a.Action+" "+a.Detail)
		}
	}
	if strings.Join(got, "|") != "closures.update Office closures|closures.create Office closures" {
		t.Errorf("audit: %q", got)
	}
}
