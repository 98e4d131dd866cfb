package metrics

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/facteur/facteur"
	"github.com/facteur/facteur/store"
)

type fixedBacklog struct {
	b   store.Backlog
	err error
}

func (f fixedBacklog) Backlog(context.Context, int) (store.Backlog, error) { return f.b, f.err }

func at(s string) *time.Time {
	t, _ := time.Parse(time.RFC3339, s)
	return &t
}

// TestRunChanged: each outcome counts once under its status and the kind
// its definition recorded; a kind Facteur does not know, or a name where a
// kind belongs, becomes "other"; a one-off export is "none"; a calendar
// run's delay is measured from its slot; rows and bytes count only runs
// that succeeded.
func TestRunChanged(t *testing.T) {
	m := New(Config{Kinds: []string{"folder", "sftp"},
		Destination: func(_ context.Context, id int64) (string, error) {
			if id == 9 {
				return "sftp", nil
			}
			return "", facteur.Errorf(facteur.ENOTFOUND, "no destination %d", id)
		}})
	ctx := context.Background()
	def := func(kind string) json.RawMessage {
		raw, _ := json.Marshal(map[string]any{"destination": map[string]string{"kind": kind, "name": "Partner drop"}})
		return raw
	}
	started, slot := at("2026-01-05T06:00:04Z"), at("2026-01-05T06:00:00Z")
	m.RunChanged(ctx, &facteur.Run{DestinationID: 1, Definition: def("folder"), Status: facteur.RunSucceeded, Trigger: facteur.TriggerSchedule,
		ScheduledFor: slot, StartedAt: started, FinishedAt: at("2026-01-05T06:00:10Z"), Rows: 10, Bytes: 300,
		Stages: []facteur.Stage{{Name: "query", Duration: time.Second}, {Name: "Partner drop", Duration: time.Second}}})
	m.RunChanged(ctx, &facteur.Run{DestinationID: 1, Definition: def("folder"), Status: facteur.RunRetrying, StartedAt: started})
	m.RunChanged(ctx, &facteur.Run{DestinationID: 1, Definition: def("folder"), Status: facteur.RunFailed, StartedAt: started, FinishedAt: started, Rows: 5, Bytes: 50})
	m.RunChanged(ctx, &facteur.Run{DestinationID: 2, Definition: def("Partner drop"), Status: facteur.RunSucceeded, StartedAt: started, FinishedAt: started, Rows: 1, Bytes: 1})
	m.RunChanged(ctx, &facteur.Run{DestinationID: 9, Status: facteur.RunCancelled})
	m.RunChanged(ctx, &facteur.Run{Status: facteur.RunSucceeded, StartedAt: started, FinishedAt: started, Rows: 7, Bytes: 70})
	m.RunChanged(ctx, &facteur.Run{DestinationID: 1, Definition: def("folder"), Status: facteur.RunRunning})

	checks := []struct {
		got, want float64
		what      string
	}{
		{testutil.ToFloat64(m.finished.WithLabelValues("succeeded", "folder")), 1, "folder succeeded"},
		{testutil.ToFloat64(m.finished.WithLabelValues("failed", "folder")), 1, "folder failed"},
		{testutil.ToFloat64(m.finished.WithLabelValues("succeeded", "other")), 1, "other succeeded"},
		{testutil.ToFloat64(m.finished.WithLabelValues("cancelled", "sftp")), 1, "sftp cancelled (kind from the store)"},
		{testutil.ToFloat64(m.finished.WithLabelValues("succeeded", "none")), 1, "one-off export"},
		{testutil.ToFloat64(m.retries.WithLabelValues("folder")), 1, "retries"},
		{testutil.ToFloat64(m.rows.WithLabelValues("folder")), 10, "rows (the failed run's are not counted)"},
		{testutil.ToFloat64(m.bytes.WithLabelValues("folder")), 300, "bytes"},
		{testutil.ToFloat64(m.rows.WithLabelValues("none")), 7, "rows of the one-off export"},
		{float64(testutil.CollectAndCount(m.delay)), 1, "delays"},
		{float64(testutil.CollectAndCount(m.stages)), 1, "stage series (a stage that is not a word is left out)"},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s: %v, want %v", c.what, c.got, c.want)
		}
	}
	out := scrapeText(t, m.Handler(""), "")
	if !strings.Contains(out, "facteur_schedule_start_delay_seconds_sum 4\n") {
		t.Errorf("the delay of a run started 4 s after its slot is not 4 s:\n%s", grep(out, "delay"))
	}
	if strings.Contains(out, "Partner") {
		t.Errorf("a destination's name is in the metrics:\n%s", grep(out, "Partner"))
	}
}

func scrapeText(t *testing.T, h http.Handler, auth string) string {
	t.Helper()
	req := httptest.NewRequest("GET", "/metrics", nil)
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	if w.Code != 200 {
		return ""
	}
	return w.Body.String()
}

func grep(s, part string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, part) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// TestBacklogGauges: the backlog is read at each scrape; when the store
// fails, facteur_store_up says 0 and the other gauges are absent.
func TestBacklogGauges(t *testing.T) {
	b := &fixedBacklog{b: store.Backlog{Runs: map[string]int64{"ready": 3, "waiting": 2, "running": 1}, OldestReady: 42.5, Outbox: 4, LateSchedules: 5}}
	m := New(Config{Backlog: b})
	out := scrapeText(t, m.Handler(""), "")
	for _, want := range []string{`facteur_queue_runs{state="ready"} 3`, `facteur_queue_runs{state="waiting"} 2`, `facteur_queue_runs{state="running"} 1`,
		"facteur_queue_oldest_ready_seconds 42.5", "facteur_outbox_mails 4", "facteur_schedules_late 5", "facteur_store_up 1"} {
		if !strings.Contains(out, want+"\n") {
			t.Errorf("no %q in:\n%s", want, grep(out, "facteur_"))
		}
	}
	b.err = facteur.Errorf(facteur.EUNAVAILABLE, "down")
	out = scrapeText(t, m.Handler(""), "")
	if !strings.Contains(out, "facteur_store_up 0\n") || strings.Contains(out, "facteur_queue_runs") {
		t.Errorf("store down:\n%s", grep(out, "facteur_"))
	}
}

// TestToken: with a token, only "Authorization: Bearer TOKEN" gets the
// metrics; the 401 does not repeat the token.
func TestToken(t *testing.T) {
	const token = "0123456789abcdef-secret"
	h := New(Config{}).Handler(token)
	for _, auth := range []string{"", "Bearer", "Bearer " + token[:len(token)-1], "bearer " + token, "Basic " + token, "Bearer " + token + " "} {
		req := httptest.NewRequest("GET", "/metrics", nil)
		req.Header.Set("Authorization", auth)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		if w.Code != 401 || strings.Contains(w.Body.String(), "secret") {
			t.Errorf("Authorization %q: %d %s", auth, w.Code, w.Body)
		}
	}
	if out := scrapeText(t, h, "Bearer "+token); !strings.Contains(out, "facteur_runs_finished_total") {
		t.Errorf("with the token: %q", out)
	}
}

func TestCheckToken(t *testing.T) {
	for tok, ok := range map[string]bool{"": true, "0123456789abcdef": true, "short": false, "0123456789 abcdef": false,
		strings.Repeat("a", MaxTokenBytes): true, strings.Repeat("a", MaxTokenBytes+1): false, "0123456789abcdeé": false} {
		err := CheckToken(tok)
		if (err == nil) != ok || (err != nil && (facteur.ErrorCode(err) != facteur.EINVALID || tok != "" && strings.Contains(err.Error(), tok))) {
			t.Errorf("CheckToken(%q) = %v", tok, err)
		}
	}
}

// FuzzToken: whatever token CheckToken accepts and whatever header comes,
// the metrics are served exactly when the header is "Bearer " and the token.
func FuzzToken(f *testing.F) {
	f.Add("0123456789abcdef", "Bearer 0123456789abcdef")
	f.Add("0123456789abcdef", "Bearer 0123456789abcdeF")
	f.Add("0123456789abcdef", "")
	m := New(Config{})
	f.Fuzz(func(t *testing.T, token, auth string) {
		if CheckToken(token) != nil || token == "" || strings.ContainsAny(auth, "\r\n") {
			return
		}
		req := httptest.NewRequest("GET", "/metrics", nil)
		req.Header.Set("Authorization", auth)
		w := httptest.NewRecorder()
		m.Handler(token).ServeHTTP(w, req)
		if want := auth == "Bearer "+token; (w.Code == 200) != want {
			t.Fatalf("token %q, header %q: %d", token, auth, w.Code)
		}
	})
}

// TestDocumented: every metric the dashboard queries is exposed, and every
// metric exposed is in the README's list and on the dashboard.
func TestDocumented(t *testing.T) {
	m := New(Config{Kinds: []string{"folder"}, Backlog: fixedBacklog{b: store.Backlog{Runs: map[string]int64{}}}})
	m.RunChanged(context.Background(), &facteur.Run{Status: facteur.RunSucceeded, Trigger: facteur.TriggerSchedule,
		ScheduledFor: at("2026-01-05T06:00:00Z"), StartedAt: at("2026-01-05T06:00:00Z"), FinishedAt: at("2026-01-05T06:00:00Z"),
		Stages: []facteur.Stage{{Name: "query"}}})
	fams, err := m.reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	exposed := map[string]bool{}
	for _, f := range fams {
		if strings.HasPrefix(f.GetName(), "facteur_") {
			exposed[f.GetName()] = true
		}
	}
	dash, err := os.ReadFile("../docs/grafana-dashboard.json")
	if err != nil {
		t.Fatal(err)
	}
	var v any
	if err := json.Unmarshal(dash, &v); err != nil {
		t.Fatalf("the dashboard is not JSON: %v", err)
	}
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	used := map[string]bool{}
	for _, name := range regexp.MustCompile(`facteur_[a-z_]+`).FindAllString(string(dash), -1) {
		name = strings.TrimSuffix(strings.TrimSuffix(strings.TrimSuffix(name, "_bucket"), "_sum"), "_count")
		used[name] = true
		if !exposed[name] {
			t.Errorf("the dashboard queries %s, which is not exposed", name)
		}
	}
	for name := range exposed {
		if !strings.Contains(string(readme), "| `"+name+"` |") {
			t.Errorf("%s is not in the README's list of metrics", name)
		}
		if !used[name] {
			t.Errorf("%s is not on the dashboard", name)
		}
	}
}
