package main

import (
	"bufio"
	"bytes"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/facteur/facteur"
	"github.com/facteur/facteur/internal/faultproxy"
)

// metricsToken is the bearer token the metrics tests scrape with.
const metricsToken = "scrape-7f3a9c1e5b2d4f60-token"

var metricsAt = regexp.MustCompile(`Metrics on (http://\S+)/metrics`)

// metricsBase returns the address of the node's own metrics listener.
func metricsBase(t *testing.T, n *node) string {
	t.Helper()
	m := metricsAt.FindStringSubmatch(n.out.String())
	if m == nil {
		t.Fatalf("no metrics address in the output:\n%s", n.out)
	}
	return m[1]
}

// scrape gets url with token ("" for none) and parses the answer with
// Prometheus's text parser when it is 200.
func scrape(t *testing.T, url, token string) (int, map[string]*dto.MetricFamily) {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		return resp.StatusCode, nil
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(bytes.NewReader(body))
	if err != nil {
		t.Fatalf("parse the metrics: %v\n%s", err, body)
	}
	return resp.StatusCode, fams
}

// metric returns the value of the series of name with exactly these
// labels: a counter's or gauge's value, a histogram's count.
func metric(t *testing.T, fams map[string]*dto.MetricFamily, name string, labels ...string) float64 {
	t.Helper()
	f, ok := fams[name]
	if !ok {
		t.Fatalf("no metric %s", name)
	}
	want := map[string]string{}
	for i := 0; i+1 < len(labels); i += 2 {
		want[labels[i]] = labels[i+1]
	}
	for _, m := range f.Metric {
		got := map[string]string{}
		for _, l := range m.Label {
			got[l.GetName()] = l.GetValue()
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			continue
		}
		switch {
		case m.Counter != nil:
			return m.Counter.GetValue()
		case m.Gauge != nil:
			return m.Gauge.GetValue()
		case m.Histogram != nil:
			return float64(m.Histogram.GetSampleCount())
		}
	}
	t.Fatalf("no series %s%v", name, want)
	return 0
}

// TestMetricsEndToEnd: two runs that succeed and one that fails, a wrong
// password, then a scrape: the counters say 2 succeeded and 1 failed to a
// folder, the rows and bytes are the runs' own, the durations counted the
// three runs, the login failure is there; /metrics needs the token on both
// addresses, which appears in no log; the JSON log lines parse and carry
// each run's id and its schedule's.
func TestMetricsEndToEnd(t *testing.T) {
	t.Setenv("FACTEUR_METRICS_TOKEN", metricsToken)
	n := startServe(t, t.TempDir(), "--metrics-addr", "127.0.0.1:0", "--log-format", "json")
	base := metricsBase(t, n)
	ids, _ := setupSchedules(t, n, 1, "")
	var sched struct {
		ReportID      int64 `json:"report_id"`
		DestinationID int64 `json:"destination_id"`
	}
	n.must(200, "GET", fmt.Sprintf("/api/v1/schedules/%d", ids[0]), nil, &sched)
	// A report whose table is dropped once it is saved: its run fails for good.
	var src, rep, bad struct{ ID int64 }
	gone := sqliteSource(t, "CREATE TABLE gone (id INTEGER)")
	n.must(201, "POST", "/api/v1/sources", map[string]any{"name": "gone", "dsn": gone}, &src)
	n.must(201, "POST", "/api/v1/reports", map[string]any{"name": "broken", "source_id": src.ID, "table": "gone"}, &rep)
	sqliteExec(t, gone, "DROP TABLE gone")
	n.must(201, "POST", "/api/v1/schedules", map[string]any{"name": "broken", "report_id": rep.ID, "destination_id": sched.DestinationID,
		"format": map[string]any{"format": "csv"}, "file_name": "broken.csv", "calendar": map[string]any{"frequency": "daily"}}, &bad)

	var runs []runView
	for _, id := range []int64{ids[0], ids[0], bad.ID} {
		runs = append(runs, runAndWait(n, id))
	}
	var rows, bytes float64
	for i, r := range runs {
		want := facteur.RunSucceeded
		if i == 2 {
			want = facteur.RunFailed
		}
		if r.Status != want {
			t.Fatalf("run %d: %s %q, want %s; log %+v", r.ID, r.Status, r.Error, want, r.Log)
		}
		rows += float64(r.Rows)
		bytes += float64(r.Bytes)
	}
	if rows != 4 || bytes == 0 {
		t.Fatalf("the two runs exported %v rows, %v bytes; want 4 rows", rows, bytes)
	}
	resp, err := http.Post(n.base+"/api/v1/login", "application/json", strings.NewReader(`{"email":"`+testAdmin+`","password":"wrong"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 401 {
		t.Fatalf("wrong password: %d", resp.StatusCode)
	}

	for _, u := range []string{base + "/metrics", n.base + "/metrics"} {
		for _, tok := range []string{"", "not-the-token-at-all"} {
			if st, _ := scrape(t, u, tok); st != 401 {
				t.Errorf("%s with token %q: %d, want 401", u, tok, st)
			}
		}
	}
	for _, u := range []string{base + "/metrics", n.base + "/metrics"} {
		st, fams := scrape(t, u, metricsToken)
		if st != 200 {
			t.Fatalf("%s with the token: %d", u, st)
		}
		checks := []struct {
			got, want float64
			what      string
		}{
			{metric(t, fams, "facteur_runs_finished_total", "destination", "folder", "status", "succeeded"), 2, "runs succeeded"},
			{metric(t, fams, "facteur_runs_finished_total", "destination", "folder", "status", "failed"), 1, "runs failed"},
			{metric(t, fams, "facteur_runs_finished_total", "destination", "folder", "status", "skipped"), 0, "runs skipped"},
			{metric(t, fams, "facteur_run_duration_seconds", "destination", "folder", "status", "succeeded"), 2, "durations of runs succeeded"},
			{metric(t, fams, "facteur_run_duration_seconds", "destination", "folder", "status", "failed"), 1, "durations of runs failed"},
			{metric(t, fams, "facteur_run_stage_duration_seconds", "stage", "deliver"), 2, "deliver stages"},
			{metric(t, fams, "facteur_exported_rows_total", "destination", "folder"), rows, "rows"},
			{metric(t, fams, "facteur_exported_bytes_total", "destination", "folder"), bytes, "bytes"},
			{metric(t, fams, "facteur_run_retries_total", "destination", "folder"), 0, "retries"},
			{metric(t, fams, "facteur_login_failures_total", "reason", "password"), 1, "login failures"},
			{metric(t, fams, "facteur_queue_runs", "state", "ready"), 0, "runs ready"},
			{metric(t, fams, "facteur_queue_runs", "state", "running"), 0, "runs running"},
			{metric(t, fams, "facteur_outbox_mails"), 0, "outbox"},
			{metric(t, fams, "facteur_schedules_late"), 0, "late schedules"},
			{metric(t, fams, "facteur_store_up"), 1, "store up"},
		}
		for _, c := range checks {
			if c.got != c.want {
				t.Errorf("%s: %s = %v, want %v", u, c.what, c.got, c.want)
			}
		}
		// No label carries a name, an address or an id: only these labels,
		// with short words as values.
		word := regexp.MustCompile(`^[a-z][a-z0-9_]{0,31}$`)
		names := map[string]bool{"s0": true, "broken": true, "items": true, "small": true, "drop": true}
		for name, f := range fams {
			if !strings.HasPrefix(name, "facteur_") {
				continue
			}
			for _, m := range f.Metric {
				for _, l := range m.Label {
					switch k, v := l.GetName(), l.GetValue(); {
					case k != "status" && k != "destination" && k != "stage" && k != "state" && k != "reason":
						t.Errorf("%s has the label %s", name, k)
					case !word.MatchString(v) || names[v]:
						t.Errorf("%s has the label %s=%q", name, k, v)
					}
				}
			}
		}
	}
	n.stop()

	out := n.out.String()
	if strings.Contains(out, metricsToken) {
		t.Errorf("the metrics token is in the log:\n%s", out)
	}
	lines := map[int64][]map[string]any{}
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		line := sc.Text()
		if !strings.HasPrefix(line, "{") {
			continue // what serve prints on stdout
		}
		var v map[string]any
		if err := json.Unmarshal([]byte(line), &v); err != nil {
			t.Fatalf("a log line is not JSON: %v: %s", err, line)
		}
		if id, ok := v["run"].(float64); ok {
			lines[int64(id)] = append(lines[int64(id)], v)
		}
	}
	for i, r := range runs {
		sid := []int64{ids[0], ids[0], bad.ID}[i]
		got := lines[r.ID]
		final := "Succeeded in"
		if r.Status == facteur.RunFailed {
			final = "Failed for good"
		}
		found := false
		for _, v := range got {
			if v["schedule"] != float64(sid) {
				t.Errorf("run %d's line without its schedule %d: %v", r.ID, sid, v)
			}
			found = found || strings.HasPrefix(fmt.Sprint(v["msg"]), final)
		}
		if len(got) < 3 || !found {
			t.Errorf("run %d: %d JSON lines, %q among them: %v; want its attempt's lines and its outcome", r.ID, len(got), final, found)
		}
	}
}

// proxied returns dbURL with its host replaced by addr.
func proxied(t *testing.T, dbURL, addr string) (string, string) {
	t.Helper()
	u, err := url.Parse(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	target := u.Host
	u.Host = addr
	return u.String(), target
}

// waitReady polls GET /readyz until it answers want, and returns its body.
func waitReady(t *testing.T, base string, want int, within time.Duration) map[string]string {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		resp, err := http.Get(base + "/readyz")
		if err != nil {
			t.Fatal(err)
		}
		var body map[string]string
		err = json.NewDecoder(resp.Body).Decode(&body)
		resp.Body.Close()
		if resp.StatusCode == want && err == nil {
			return body
		}
		if time.Now().After(deadline) {
			t.Fatalf("/readyz still %d %v after %s, want %d", resp.StatusCode, body, within, want)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// TestReadyzFollowsPostgres: a node on PostgreSQL is ready once the queue
// has a leader; when the database goes down (a proxy in between resets
// every connection) /readyz answers 503 with the reason in JSON, /healthz
// stays 200 and the scrape says the store is down; when it comes back the
// node is ready again. Without a token, /metrics is only on its own
// address.
func TestReadyzFollowsPostgres(t *testing.T) {
	dbURL, target := proxied(t, freshDatabase(t), "")
	proxy, err := faultproxy.Start(target)
	if err != nil {
		t.Fatal(err)
	}
	defer proxy.Close()
	dbURL, _ = proxied(t, dbURL, proxy.Addr())
	n := pgNode(t, dbURL, "ready-a", append(shortLease, "--metrics-addr", "127.0.0.1:0")...)
	base := metricsBase(t, n)
	if resp, err := http.Get(n.base + "/metrics"); err != nil {
		t.Fatal(err)
	} else {
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if strings.Contains(string(body), "facteur_runs_finished_total") {
			t.Errorf("/metrics is served on --addr without a token")
		}
	}
	for _, b := range []string{n.base, base} {
		if got := waitReady(t, b, 200, 30*time.Second); got["status"] != "ok" {
			t.Fatalf("%s/readyz: %v", b, got)
		}
	}

	proxy.Down()
	got := waitReady(t, n.base, 503, 30*time.Second)
	if got["status"] != "unavailable" || got["reason"] != "the database does not answer" {
		t.Errorf("/readyz while the database is down: %v", got)
	}
	if resp, err := http.Get(base + "/healthz"); err != nil || resp.StatusCode != 200 {
		t.Errorf("/healthz while the database is down: %v %v", resp, err)
	}
	if st, fams := scrape(t, base+"/metrics", ""); st != 200 || metric(t, fams, "facteur_store_up") != 0 {
		t.Errorf("scrape while the database is down: %d", st)
	}

	proxy.Up()
	waitReady(t, n.base, 200, 60*time.Second)
	if st, fams := scrape(t, base+"/metrics", ""); st != 200 || metric(t, fams, "facteur_store_up") != 1 {
		t.Errorf("scrape once the database is back: %d", st)
	}
	if !strings.Contains(n.out.String(), "not ready") || !strings.Contains(n.out.String(), "ready again") {
		t.Errorf("the log does not say when the node stopped and started being ready:\n%s", n.out)
	}
}

// sqliteExec runs statements on the SQLite database of a DSN from
// sqliteSource.
func sqliteExec(t *testing.T, dsn string, stmts ...string) {
	t.Helper()
	db, err := sql.Open("sqlite", strings.TrimPrefix(dsn, "sqlite:"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, s := range stmts {
		if _, err := db.Exec(s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
}
