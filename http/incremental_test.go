package http_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/facteur/facteur"
)

// TestIncrementalAPI: an incremental schedule needs a report with a
// created or updated column (400 saying what to set otherwise); its
// options are bounded with messages that name the field; nothing refused
// is stored. Its watermark is shown with the schedule and alone, and only
// an administrator resets it, with an entry in the audit log.
func TestIncrementalAPI(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	admin, editor := e.tokens[facteur.RoleAdmin], e.tokens[facteur.RoleEditor]
	body := func(incremental string) string {
		return fmt.Sprintf(`{"name":"new items","report_id":%d,"destination_id":%d,"calendar":{"frequency":"daily","at":"06:00","time_zone":"Europe/Paris"},"options":{"incremental":%s}}`,
			e.report.ID, e.folder.ID, incremental)
	}
	before, err := e.db.Schedules(ctx)
	must(t, err)
	code, resp := e.do(admin, "POST", "/api/v1/schedules", body(`{}`))
	if code != 400 || !strings.Contains(resp, `options.incremental: report \"items\" has no created_column or updated_column; an editor sets`) {
		t.Fatalf("incremental schedule of a report without time column: %d %s", code, resp)
	}
	e.report.UpdatedColumn = "label"
	must(t, e.db.UpdateReport(ctx, e.report))
	for _, c := range []struct{ in, want string }{
		{`{"overlap_minutes":-1}`, "options.incremental.overlap_minutes: use 0 to 1440 minutes"},
		{`{"overlap_minutes":1441}`, "options.incremental.overlap_minutes: use 0 to 1440 minutes"},
		{`{"settle_seconds":-5}`, "options.incremental.settle_seconds: use 0 to 3600 seconds"},
		{`{"settle_seconds":3601}`, "options.incremental.settle_seconds: use 0 to 3600 seconds"},
		{`{"since":"yesterday"}`, `options.incremental.since: \"yesterday\" is not \"all\", a date (2026-02-01)`},
		{`{"since":"1969-12-31"}`, "options.incremental.since: use a date from 1970 to 9999"},
		{`{"since":"` + strings.Repeat("9", 41) + `"}`, "options.incremental.since: at most 40 characters"},
		{`{"overlap_minutes":"ten"}`, "overlap_minutes"},
	} {
		if code, resp := e.do(admin, "POST", "/api/v1/schedules", body(c.in)); code != 400 || !strings.Contains(resp, c.want) {
			t.Errorf("%s: %d %s, want 400 %q", c.in, code, resp, c.want)
		}
	}
	if after, _ := e.db.Schedules(ctx); len(after) != len(before) {
		t.Fatalf("a refused schedule was stored: %d schedules, had %d", len(after), len(before))
	}

	code, resp = e.do(admin, "POST", "/api/v1/schedules", body(`{"since":"2026-02-01","overlap_minutes":10,"settle_seconds":30}`))
	if code != 201 {
		t.Fatalf("create: %d %s", code, resp)
	}
	var sc facteur.Schedule
	must(t, json.Unmarshal([]byte(resp), &sc))
	if in := sc.Options.Incremental; in == nil || in.Since != "2026-02-01" || in.OverlapMinutes != 10 || in.SettleSeconds != 30 {
		t.Fatalf("options: %s", resp)
	}
	path := fmt.Sprintf("/api/v1/schedules/%d", sc.ID)
	if code, resp := e.do(e.tokens[facteur.RoleViewer], "GET", path, ""); code != 200 || !strings.Contains(compact(resp), fmt.Sprintf(`"watermark":{"schedule_id":%d}`, sc.ID)) {
		t.Fatalf("schedule before its first delivery: %d %s", code, resp)
	}

	if code, resp := e.do(editor, "PUT", path+"/watermark", `{"at":"2026-03-01"}`); code != 403 {
		t.Fatalf("an editor resets the watermark: %d %s", code, resp)
	}
	for _, c := range []struct{ in, want string }{
		{`{"at":"March"}`, `at: \"March\" is not \"all\"`},
		{`{"at":"2999-01-01"}`, "at: 2998-12-31T23:00:00Z is in the future"},
		{`{"at":1}`, "at"},
	} {
		if code, resp := e.do(admin, "PUT", path+"/watermark", c.in); code != 400 || !strings.Contains(resp, c.want) {
			t.Errorf("reset %s: %d %s, want 400 %q", c.in, code, resp, c.want)
		}
	}
	code, resp = e.do(admin, "PUT", path+"/watermark", `{"at":"2026-03-01"}`)
	if code != 200 || !strings.Contains(compact(resp), `"at":"2026-02-28T23:00:00Z"`) {
		t.Fatalf("reset to midnight in Paris: %d %s", code, resp)
	}
	if code, resp := e.do(e.tokens[facteur.RoleViewer], "GET", path+"/watermark", ""); code != 200 || !strings.Contains(compact(resp), `"at":"2026-02-28T23:00:00Z"`) {
		t.Fatalf("watermark: %d %s", code, resp)
	}
	code, resp = e.do(admin, "PUT", path+"/watermark", `{"at":"all"}`)
	if code != 200 || strings.Contains(resp, `"at"`) {
		t.Fatalf("reset to the schedule's start: %d %s", code, resp)
	}
	audit, err := e.db.Audit(ctx, facteur.AuditFilter{})
	must(t, err)
	var details []string
	for _, a := range audit {
		if a.Action == "schedule.watermark" {
			details = append(details, a.Detail)
		}
	}
	want := []string{"schedule new items: watermark reset to the schedule's start", "schedule new items: watermark reset to 2026-02-28T23:00:00Z"}
	if fmt.Sprint(details) != fmt.Sprint(want) {
		t.Fatalf("audit of the resets: %q, want %q", details, want)
	}
	if code, resp := e.do(admin, "PUT", fmt.Sprintf("/api/v1/schedules/%d/watermark", e.shared.ID), `{"at":"all"}`); code != 400 || !strings.Contains(resp, "is not incremental") {
		t.Fatalf("reset of a schedule that is not incremental: %d %s", code, resp)
	}
}
