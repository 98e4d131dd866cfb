package http_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/facteur/facteur"
)

// TestOthersSchedulesAreReadOnly: an editor sees an administrator's
// folder schedule, its runs and the report it sends, but cannot change,
// delete, run, retry, ignore, cancel or download them; the answer names
// the owner, and nothing changed. A copy of the report is the editor's own.
func TestOthersSchedulesAreReadOnly(t *testing.T) {
	e := newEnv(t)
	ed := e.tokens[facteur.RoleEditor]
	sc := fmt.Sprintf("/api/v1/schedules/%d", e.shared.ID)
	run := fmt.Sprintf("/api/v1/runs/%d", e.sharedRun.ID)
	rep := fmt.Sprintf("/api/v1/reports/%d", e.report.ID)
	for _, path := range []string{sc, run, rep, sc + "/next"} {
		if st, body := e.do(ed, "GET", path, ""); st != 200 {
			t.Errorf("GET %s by an editor: %d %s", path, st, body)
		}
	}
	refused := []struct{ method, path, body, want string }{
		{"PUT", sc, fmt.Sprintf(`{"report_id":%d,"destination_id":%d,"calendar":{"frequency":"daily"}}`, e.report.ID, e.email.ID), "This schedule belongs to admin@example.org; only its owner or an administrator can change it."},
		{"DELETE", sc, "", "This schedule belongs to admin@example.org; only its owner or an administrator can change it."},
		{"POST", sc + "/run", "", "This schedule belongs to admin@example.org"},
		{"POST", sc + "/pause", "", "This schedule belongs to admin@example.org"},
		{"POST", sc + "/resume", "", "This schedule belongs to admin@example.org"},
		{"POST", sc + "/test", "", "This schedule belongs to admin@example.org"},
		{"POST", run + "/retry", "", "This schedule belongs to admin@example.org; only its owner or an administrator can retry, ignore, cancel or download its runs."},
		{"POST", run + "/ignore", "", "This schedule belongs to admin@example.org"},
		{"POST", run + "/cancel", "", "This schedule belongs to admin@example.org"},
		{"GET", run + "/download", "", "This schedule belongs to admin@example.org"},
		{"PUT", rep, fmt.Sprintf(`{"name":"mine now","source_id":%d,"table":"items"}`, e.src.ID), "This report belongs to admin@example.org; only its owner or an administrator can change it; duplicate it to have a copy of your own."},
		{"DELETE", rep, "", "This report belongs to admin@example.org"},
	}
	for _, c := range refused {
		if st, body := e.do(ed, c.method, c.path, c.body); st != 403 || !strings.Contains(body, c.want) {
			t.Errorf("%s %s by an editor: %d %s; want 403 %q", c.method, c.path, st, body, c.want)
		}
	}
	ctx := context.Background()
	if got, err := e.db.Schedule(ctx, e.shared.ID); err != nil || got.DestinationID != e.folder.ID || got.Calendar.At != "06:00" {
		t.Errorf("the schedule after the refusals: %+v %v", got, err)
	}
	if got, err := e.db.Run(ctx, e.sharedRun.ID); err != nil || got.Ignored {
		t.Errorf("the run after the refusals: %+v %v", got, err)
	}
	if got, err := e.db.Report(ctx, e.report.ID); err != nil || got.Name != "items" {
		t.Errorf("the report after the refusals: %+v %v", got, err)
	}
	if st, body := e.do(ed, "POST", rep+"/duplicate", `{"name":"my items"}`); st != 201 || !strings.Contains(body, fmt.Sprintf(`"owner_id": %d`, e.users[facteur.RoleEditor].ID)) {
		t.Errorf("an editor duplicates the report: %d %s", st, body)
	}
	// The administrator may change the editor's schedule.
	own := e.schedule(e.users[facteur.RoleEditor], e.email)
	if st, body := e.do(e.tokens[facteur.RoleAdmin], "DELETE", fmt.Sprintf("/api/v1/schedules/%d", own.ID), ""); st != 204 {
		t.Errorf("an administrator deletes an editor's schedule: %d %s", st, body)
	}
}
