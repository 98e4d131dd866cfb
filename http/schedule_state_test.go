package http_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/facteur/facteur"
	"github.com/facteur/facteur/calendar"
)

// TestPauseResume: an editor pauses its schedule (it has no next run, and
// is not due however late it is), Run now still works, and resuming
// starts the calendar from now: the slots of the paused period are not
// caught up. A viewer is refused; both actions are audited.
func TestPauseResume(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	ed := e.tokens[facteur.RoleEditor]
	sc := e.schedule(e.users[facteur.RoleEditor], e.email) // the editor's own: only owners and administrators pause
	missed := time.Now().Add(-48 * time.Hour).UTC().Truncate(time.Second)
	sc.Enabled, sc.NextRunAt = true, &missed
	must(t, e.db.UpdateSchedule(ctx, sc))
	path := fmt.Sprintf("/api/v1/schedules/%d", sc.ID)

	if st, body := e.do(e.tokens[facteur.RoleViewer], "POST", path+"/pause", ""); st != 403 || !strings.Contains(body, "editor") {
		t.Errorf("viewer pauses: %d %s", st, body)
	}
	st, body := e.do(ed, "POST", path+"/pause", "")
	var got facteur.Schedule
	must(t, json.Unmarshal([]byte(body), &got))
	if st != 200 || got.Enabled || got.NextRunAt != nil {
		t.Fatalf("pause: %d %s", st, body)
	}
	stored, err := e.db.Schedule(ctx, sc.ID)
	must(t, err)
	if stored.Enabled || stored.NextRunAt != nil || stored.Name != sc.Name {
		t.Errorf("stored after pause: enabled %v next %v", stored.Enabled, stored.NextRunAt)
	}
	if due, _ := e.db.DueSchedules(ctx, time.Now().Add(72*time.Hour), 10); len(due) != 0 {
		t.Errorf("a paused schedule is due: %d", len(due))
	}
	if st, body := e.do(ed, "POST", path+"/run", ""); st != 202 {
		t.Errorf("Run now of a paused schedule: %d %s", st, body)
	}

	before := time.Now()
	st, body = e.do(ed, "POST", path+"/resume", "")
	must(t, json.Unmarshal([]byte(body), &got))
	want, err := calendar.Next(sc.Calendar, before)
	must(t, err)
	if st != 200 || !got.Enabled || got.NextRunAt == nil || !got.NextRunAt.Equal(want) {
		t.Fatalf("resume: %d %s; want next %s", st, body, want)
	}
	stored, err = e.db.Schedule(ctx, sc.ID)
	must(t, err)
	if !stored.Enabled || stored.NextRunAt == nil || !stored.NextRunAt.After(before) {
		t.Errorf("stored after resume: enabled %v next %v", stored.Enabled, stored.NextRunAt)
	}
	// Resuming again keeps the slot.
	if st, body := e.do(ed, "POST", path+"/resume", ""); st != 200 || !strings.Contains(body, want.Format(time.RFC3339)) {
		t.Errorf("resume twice: %d %s", st, body)
	}
	if st, body := e.do(ed, "POST", "/api/v1/schedules/999999/pause", ""); st != 404 {
		t.Errorf("pause a missing schedule: %d %s", st, body)
	}

	list, err := e.db.Audit(ctx, facteur.AuditFilter{Action: "schedule."})
	must(t, err)
	var actions []string
	for _, a := range list {
		actions = append(actions, fmt.Sprintf("%s %d", a.Action, a.ObjectID))
	}
	for _, w := range []string{fmt.Sprintf("schedule.pause %d", sc.ID), fmt.Sprintf("schedule.resume %d", sc.ID)} {
		if !strings.Contains(strings.Join(actions, ","), w) {
			t.Errorf("audit log %v lacks %q", actions, w)
		}
	}
}

// TestRunsQueryParameters: the history's parameters select in the query,
// and a bad value is a 400 naming its parameter.
func TestRunsQueryParameters(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	v := e.tokens[facteur.RoleViewer]
	old := &facteur.Run{ScheduleID: e.shared.ID, ReportID: e.report.ID, DestinationID: e.folder.ID, OwnerID: e.shared.OwnerID,
		Trigger: facteur.TriggerManual, Status: facteur.RunSucceeded, CreatedAt: time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)}
	must(t, e.db.CreateRun(ctx, old))
	ids := func(body string) string {
		var runs []facteur.Run
		must(t, json.Unmarshal([]byte(body), &runs))
		var out []string
		for _, r := range runs {
			out = append(out, fmt.Sprint(r.ID))
		}
		return strings.Join(out, ",")
	}
	for _, c := range []struct{ query, want string }{
		{"from=2025-06-01&to=2025-06-01", fmt.Sprint(old.ID)},
		{"to=2025-05-31", ""},
		{"status=succeeded", fmt.Sprint(old.ID)},
		{fmt.Sprintf("schedule_id=%d&status=failed", e.shared.ID), fmt.Sprint(e.sharedRun.ID)},
		{fmt.Sprintf("after=%d&limit=1", e.sharedRun.ID), fmt.Sprint(old.ID)},
		{fmt.Sprintf("before=%d", old.ID), fmt.Sprint(e.sharedRun.ID)},
	} {
		st, body := e.do(v, "GET", "/api/v1/runs?"+c.query, "")
		if st != 200 || ids(body) != c.want {
			t.Errorf("?%s: %d %s, want runs [%s]", c.query, st, body, c.want)
		}
	}
	for _, c := range []struct{ query, param string }{
		{"limit=0", "limit"}, {"limit=1001", "limit"}, {"limit=x", "limit"},
		{"status=done", "status"}, {"schedule_id=abc", "schedule_id"}, {"before=-1", "before"},
		{"from=2025-13-01", "from"}, {"to=yesterday", "to"}, {"from=2025-06-02&to=2025-06-01", "to"},
		{"before=5&after=3", "after"}, {"ignored=yes", "ignored"},
	} {
		st, body := e.do(v, "GET", "/api/v1/runs?"+c.query, "")
		if st != 400 || !strings.Contains(body, `"message": "`+c.param+`:`) {
			t.Errorf("?%s: %d %s, want a 400 naming %s", c.query, st, body, c.param)
		}
	}
}
