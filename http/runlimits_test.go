package http_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/facteur/facteur"
)

// TestPolicyRunLimitsBounded: run limits and the cell limit out of their
// bounds are refused with 400 naming the field, and nothing is stored;
// limits within them are kept and shown.
func TestPolicyRunLimitsBounded(t *testing.T) {
	e := newEnv(t)
	admin := e.tokens[facteur.RoleAdmin]
	for _, c := range []struct{ body, field string }{
		{`{"run_limits":{"max_rows":-1}}`, "run_limits.max_rows"},
		{`{"run_limits":{"max_rows":10000000001}}`, "run_limits.max_rows"},
		{`{"run_limits":{"max_duration_seconds":604801}}`, "run_limits.max_duration_seconds"},
		{`{"run_limits":{"max_duration_seconds":-5}}`, "run_limits.max_duration_seconds"},
		{`{"run_limits":{"max_bytes":1099511627777}}`, "run_limits.max_bytes"},
		{`{"max_cell_bytes":100}`, "max_cell_bytes"},
		{`{"max_cell_bytes":1073741824}`, "max_cell_bytes"},
		{`{"run_limits":{"max_rows":"many"}}`, "run_limits.max_rows"},
	} {
		st, body := e.do(admin, "PUT", "/api/v1/settings/policy", c.body)
		if st != 400 || !strings.Contains(body, c.field) {
			t.Errorf("%s: %d %s; want 400 naming %s", c.body, st, body, c.field)
		}
	}
	var p facteur.Policy
	_, body := e.do(admin, "GET", "/api/v1/settings/policy", "")
	must(t, json.Unmarshal([]byte(body), &p))
	if p.Limits != (facteur.RunLimits{MaxDurationSeconds: 7200, MaxRows: 50_000_000, MaxBytes: 20 << 30}) || p.MaxCellBytes != 16<<20 {
		t.Errorf("after refusals the policy has %+v, cell %d; want the defaults", p.Limits, p.MaxCellBytes)
	}
	st, body := e.do(admin, "PUT", "/api/v1/settings/policy", `{"run_limits":{"max_rows":1000,"max_duration_seconds":60},"max_cell_bytes":1048576}`)
	must(t, json.Unmarshal([]byte(body), &p))
	if st != 200 || p.Limits.MaxRows != 1000 || p.Limits.MaxDurationSeconds != 60 || p.Limits.MaxBytes != 20<<30 || p.MaxCellBytes != 1<<20 {
		t.Errorf("valid limits: %d %s", st, body)
	}
	if st, _ := e.do(e.tokens[facteur.RoleEditor], "PUT", "/api/v1/settings/policy", `{"run_limits":{"max_rows":1}}`); st != 403 {
		t.Errorf("an editor setting the run limits: %d, want 403", st)
	}
}

// TestScheduleLimitsWithinPolicy: a schedule may lower the server's run
// limits; one above them is refused at save with 400 naming the field,
// on create and on update, and nothing is stored.
func TestScheduleLimitsWithinPolicy(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	st, body := e.do(e.tokens[facteur.RoleAdmin], "PUT", "/api/v1/settings/policy", `{"allowed_email_domains":["example.org"],"run_limits":{"max_rows":1000,"max_duration_seconds":600}}`)
	if st != 200 {
		t.Fatalf("policy: %d %s", st, body)
	}
	schedule := func(limits string) string {
		return fmt.Sprintf(`{"name":"limited","report_id":%d,"destination_id":%d,"format":{"format":"csv"},"calendar":{"frequency":"daily","at":"06:00"},"options":{"limits":%s}}`,
			e.report.ID, e.folder.ID, limits)
	}
	before, err := e.db.Schedules(ctx)
	must(t, err)
	editor := e.tokens[facteur.RoleAdmin]
	for _, c := range []struct{ limits, field string }{
		{`{"max_rows":1001}`, "options.limits.max_rows: at most 1,000 rows, the server's limit"},
		{`{"max_duration_seconds":601}`, "options.limits.max_duration_seconds: at most 600 seconds"},
		{`{"max_bytes":21474836481}`, "options.limits.max_bytes: at most 21,474,836,480 bytes"},
		{`{"max_rows":-1}`, "options.limits.max_rows: use a number"},
	} {
		st, body := e.do(editor, "POST", "/api/v1/schedules", schedule(c.limits))
		if st != 400 || !strings.Contains(body, c.field) {
			t.Errorf("limits %s: %d %s; want 400 with %q", c.limits, st, body, c.field)
		}
	}
	after, err := e.db.Schedules(ctx)
	must(t, err)
	if len(after) != len(before) {
		t.Errorf("refused schedules were stored: %d schedules, %d before", len(after), len(before))
	}
	st, body = e.do(editor, "POST", "/api/v1/schedules", schedule(`{"max_rows":10,"max_duration_seconds":5,"max_bytes":1000}`))
	var sc facteur.Schedule
	must(t, json.Unmarshal([]byte(body), &sc))
	if st != 201 || sc.Options.Limits != (facteur.RunLimits{MaxRows: 10, MaxDurationSeconds: 5, MaxBytes: 1000}) {
		t.Fatalf("lower limits: %d %s", st, body)
	}
	stored, err := e.db.Schedule(ctx, sc.ID)
	must(t, err)
	if stored.Options.Limits.MaxRows != 10 {
		t.Errorf("stored limits %+v", stored.Options.Limits)
	}
	st, body = e.do(editor, "PUT", fmt.Sprintf("/api/v1/schedules/%d", sc.ID), schedule(`{"max_rows":5000}`))
	if st != 400 || !strings.Contains(body, "options.limits.max_rows") {
		t.Errorf("update above the server's limit: %d %s", st, body)
	}
	if stored, _ := e.db.Schedule(ctx, sc.ID); stored.Options.Limits.MaxRows != 10 {
		t.Errorf("a refused update changed the limits: %+v", stored.Options.Limits)
	}
}

// TestPreviewCutsLongValues: a preview shows the first 1,000 bytes of a
// long value and its size; a value over the cell limit is refused with
// 400 naming the column and the limit, not read whole.
func TestPreviewCutsLongValues(t *testing.T) {
	e := newEnv(t)
	admin := e.tokens[facteur.RoleAdmin]
	report := func(sql string) int64 {
		t.Helper()
		st, body := e.do(admin, "POST", "/api/v1/reports", fmt.Sprintf(`{"name":%q,"source_id":%d,"sql":%q}`, sql[:20], e.src.ID, sql))
		var rep facteur.Report
		if st != 201 || json.Unmarshal([]byte(body), &rep) != nil {
			t.Fatalf("report %q: %d %s", sql, st, body)
		}
		return rep.ID
	}
	id := report("select 'short' as s, replace(hex(zeroblob(3000)), '0', 'é') as long")
	st, body := e.do(admin, "GET", fmt.Sprintf("/api/v1/reports/%d/preview?limit=1", id), "")
	var out struct{ Rows [][]*string }
	must(t, json.Unmarshal([]byte(body), &out))
	if st != 200 || len(out.Rows) != 1 {
		t.Fatalf("preview: %d %.300s", st, body)
	}
	if *out.Rows[0][0] != "short" {
		t.Errorf("short value %q", *out.Rows[0][0])
	}
	long := *out.Rows[0][1]
	if want := strings.Repeat("é", 500) + "… (12.0 kB)"; long != want {
		t.Errorf("long value shown as %.80q… (%d bytes), want 500 é and the size", long, len(long))
	}

	id = report("select 1 as n, randomblob(17000000) as big")
	st, body = e.do(admin, "GET", fmt.Sprintf("/api/v1/reports/%d/preview?limit=1", id), "")
	if st != 400 || !strings.Contains(body, "the cell limit of 16 MiB") {
		t.Errorf("a value over the cell limit: %d %.400s", st, body)
	}
	id = report("select randomblob(17000000) as big")
	st, body = e.do(admin, "GET", fmt.Sprintf("/api/v1/reports/%d/preview?limit=1", id), "")
	if st != 400 || !strings.Contains(body, `column \"big\": a value is larger than the cell limit of 16 MiB (16,777,216 bytes)`) {
		t.Errorf("a value over the cell limit, one column: %d %.400s", st, body)
	}
}
