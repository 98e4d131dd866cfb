package http_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"strings"
	"testing"

	"github.com/facteur/facteur"
	"github.com/facteur/facteur/export"
)

// TestReportParams declares parameters through the API, gives their values
// in the preview, a schedule and a one-off export, and checks that bad
// declarations and values get a 400 naming the field, with nothing stored.
func TestReportParams(t *testing.T) {
	e := newEnv(t)
	admin := e.tokens[facteur.RoleAdmin]
	const sql = "SELECT id, label FROM items WHERE id >= :min AND label IN (:labels) ORDER BY id"
	body := func(params string) string {
		return fmt.Sprintf(`{"name":"items by label","source_id":%d,"sql":%q,"parameters":%s}`, e.src.ID, sql, params)
	}
	good := `[{"name":"min","type":"integer","default":1,"label":"Smallest id"},{"name":"labels","type":"list"}]`
	for _, c := range []struct{ params, want string }{
		{`[{"name":"min","type":"float"},{"name":"labels","type":"list"}]`, "parameters[0].type: use text, integer, date, timestamp or list"},
		{`[{"name":"min","type":"integer","default":"one"},{"name":"labels","type":"list"}]`, `parameters[0].default: \"one\" is not a whole number`},
		{`[{"name":"min","type":"integer"},{"name":"min","type":"list"}]`, `parameters[1].name: parameter \"min\" is declared twice`},
		{`[{"name":"labels","type":"list"}]`, "sql: :min on line 1 is not a declared parameter"},
		{`[{"name":"min; drop","type":"integer"}]`, "parameters[0].name"},
	} {
		code, resp := e.do(admin, "POST", "/api/v1/reports", body(c.params))
		if code != 400 || !strings.Contains(resp, c.want) {
			t.Errorf("%s: %d %s, want 400 %q", c.params, code, resp, c.want)
		}
	}
	if list, _ := e.db.Reports(context.Background()); len(list) != 1 {
		t.Fatalf("a refused report was stored: %d reports", len(list))
	}
	code, resp := e.do(admin, "POST", "/api/v1/reports", body(good))
	if code != 201 {
		t.Fatalf("create: %d %s", code, resp)
	}
	var rep facteur.Report
	must(t, json.Unmarshal([]byte(resp), &rep))
	if len(rep.Parameters) != 2 || rep.Parameters[0].Default == nil || rep.Parameters[0].Default.Text != "1" {
		t.Fatalf("parameters: %s", resp)
	}

	preview := func(params ...string) (int, string) {
		q := url.Values{"param": params}
		code, resp := e.do(admin, "GET", fmt.Sprintf("/api/v1/reports/%d/preview?%s", rep.ID, q.Encode()), "")
		return code, compact(resp)
	}
	if code, resp := preview("labels=a,b", "min=2"); code != 200 || !strings.Contains(resp, `"rows":[["2","b"]]`) {
		t.Errorf("preview: %d %s", code, resp)
	}
	if code, resp := preview("labels=a,b"); code != 200 || !strings.Contains(resp, `"rows":[["1","a"],["2","b"]]`) {
		t.Errorf("preview with the default: %d %s", code, resp)
	}
	if code, resp := preview("labels=a' OR '1'='1"); code != 200 || !strings.Contains(resp, `"rows":[]`) {
		t.Errorf("preview of an injection: %d %s", code, resp)
	}
	for _, c := range []struct {
		params []string
		want   string
	}{
		{[]string{"min=2"}, "params.labels: give a value (list); the parameter has no default"},
		{[]string{"labels=a", "min=1; drop table items"}, `params.min: \"1; drop table items\" is not a whole number`},
		{[]string{"labels=a", "max=3"}, "params.max: the report declares no such parameter; it declares min, labels"},
		{[]string{"labels"}, "param: \\\"labels\\\": write NAME=VALUE"},
	} {
		if code, resp := preview(c.params...); code != 400 || !strings.Contains(resp, c.want) {
			t.Errorf("preview %v: %d %s, want 400 %q", c.params, code, resp, c.want)
		}
	}

	sched := func(params string) (int, string) {
		code, resp := e.do(admin, "POST", "/api/v1/schedules", fmt.Sprintf(`{"name":"by label","report_id":%d,"destination_id":%d,
			"calendar":{"frequency":"daily","at":"06:00","time_zone":"UTC"},"params":%s}`, rep.ID, e.folder.ID, params))
		return code, compact(resp)
	}
	for _, c := range []struct{ params, want string }{
		{`{}`, "params.labels: give a value (list)"},
		{`{"labels":["a"],"min":"x"}`, `params.min: \"x\" is not a whole number`},
		{`{"labels":["a"],"min":[1]}`, "params.min: expected a text"},
		{`{"labels":["a"],"min":["1", "2"]}`, "params.min: a integer parameter takes one value, not a list"},
		{`{"labels":["a"],"since":"2026-01-01"}`, "params.since: the report declares no such parameter"},
		{`{"labels":true}`, `params.labels: expected a text, a number or a list of texts such as [\"a\", \"b\"]`},
		{`{"labels":[1]}`, `params.labels: expected a text`},
	} {
		if code, resp := sched(c.params); code != 400 || !strings.Contains(resp, c.want) {
			t.Errorf("schedule %s: %d %s, want 400 %q", c.params, code, resp, c.want)
		}
	}
	code, resp = sched(`{"labels":["b"]}`)
	if code != 201 || !strings.Contains(resp, `"params":{"labels":["b"]}`) {
		t.Fatalf("schedule: %d %s", code, resp)
	}
	var sc facteur.Schedule
	must(t, json.Unmarshal([]byte(resp), &sc))

	// A one-off export binds the values, and its run records them.
	code, resp = e.do(admin, "POST", "/api/v1/exports", fmt.Sprintf(`{"report_id":%d,"params":{"labels":"a, b"}}`, rep.ID))
	if code != 202 {
		t.Fatalf("export: %d %s", code, resp)
	}
	var run facteur.Run
	must(t, json.Unmarshal([]byte(resp), &run))
	got := execute(t, e, run.ID)
	if got.Status != facteur.RunSucceeded {
		t.Fatalf("run: %s %s", got.Status, got.Error)
	}
	data, err := os.ReadFile(e.runner.Spool + "/" + fmt.Sprintf("run-%d.csv", run.ID))
	must(t, err)
	if string(data) != "id,label\n1,a\n2,b\n" {
		t.Errorf("file %q", data)
	}
	var def export.Definition
	must(t, json.Unmarshal(got.Definition, &def))
	if v, err := json.Marshal(def.Params); err != nil || string(v) != `{"labels":["a","b"],"min":"1"}` {
		t.Errorf("definition params %s", v)
	}

	// The report then gains a parameter without default: the schedule's
	// next run fails, saying what to do.
	rep.Parameters = append(rep.Parameters, facteur.Parameter{Name: "since", Type: facteur.ParamDate})
	rep.SQL += " -- :since"
	must(t, e.db.UpdateReport(context.Background(), &rep))
	code, resp = e.do(admin, "POST", "/api/v1/exports", fmt.Sprintf(`{"report_id":%d,"params":{"labels":"a"}}`, rep.ID))
	if code != 400 || !strings.Contains(resp, "params.since: give a value (date)") {
		t.Errorf("export without the new value: %d %s", code, resp)
	}
	code, resp = e.do(admin, "POST", fmt.Sprintf("/api/v1/schedules/%d/run", sc.ID), "")
	if code != 202 {
		t.Fatalf("run now: %d %s", code, resp)
	}
	must(t, json.Unmarshal([]byte(resp), &run))
	failed := execute(t, e, run.ID)
	if failed.Status != facteur.RunFailed || !strings.Contains(failed.Error, "params.since: give a value (date)") || !strings.Contains(failed.Error, "the report changed since the schedule was saved") {
		t.Errorf("run after the report changed: %s %q", failed.Status, failed.Error)
	}
}

// execute runs a queued run's first attempt with the env's runner and
// returns it as stored.
func execute(t *testing.T, e *env, id int64) *facteur.Run {
	t.Helper()
	ctx := context.Background()
	run, err := e.db.Run(ctx, id)
	must(t, err)
	run.Attempt = 1
	if err := e.runner.Execute(ctx, run); err != nil {
		run.Status, run.Error = facteur.RunFailed, err.Error()
	} else {
		run.Status = facteur.RunSucceeded
	}
	must(t, e.db.UpdateRun(ctx, run))
	got, err := e.db.Run(ctx, id)
	must(t, err)
	return got
}

// compact removes the indentation of a JSON response.
func compact(s string) string {
	var b bytes.Buffer
	if json.Compact(&b, []byte(s)) != nil {
		return s
	}
	return b.String()
}
