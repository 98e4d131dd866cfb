package main

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/facteur/facteur"
	"github.com/facteur/facteur/internal/testdb"
)

// peopleTable creates a PostgreSQL table of awkward values and returns its
// qualified name.
func peopleTable(t *testing.T, url string) string {
	t.Helper()
	schema := fmt.Sprintf("e2e_%d", rand.Uint32())
	pgExec(t, url,
		"CREATE SCHEMA "+schema,
		"CREATE TABLE "+schema+`.people (id int PRIMARY KEY, name text, email text, amount numeric(40,2),
			created timestamptz, active boolean, photo bytea, note text)`,
		"INSERT INTO "+schema+`.people VALUES
			(1, 'Zoé "Z", Dupont', 'zoe@example.com', 123456789012345678901234567890123456.78,
			 '2024-03-31 03:00:00+02', true, '\x010203', NULL),
			(2, E'multi\nline', 'x@example.org', -0.5, '2024-10-27 02:30:00.5+02', false, NULL, '')`)
	t.Cleanup(func() { pgExec(t, url, "DROP SCHEMA "+schema+" CASCADE") })
	return schema + ".people"
}

// wantPeopleCSV is what a partner receives from peopleTable without the
// sensitive e-mail column: every value exact, in the report's order.
const wantPeopleCSV = "id,name,amount,created,active,photo,note\n" +
	"1,\"Zoé \"\"Z\"\", Dupont\",123456789012345678901234567890123456.78,2024-03-31T01:00:00+00:00,true,AQID,\n" +
	"2,\"multi\nline\",-0.50,2024-10-27T00:30:00.5+00:00,false,,\"\"\n"

func sha(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}

// TestServeEndToEnd drives the whole pipeline through the API on the
// embedded store: source, report, folder destination, schedule, run now,
// the exact bytes delivered, the history, retry, download, ignore, cancel.
func TestServeEndToEnd(t *testing.T) {
	pg := postgresURL(t)
	table := peopleTable(t, pg)
	n := startServe(t, t.TempDir())
	outbox := t.TempDir()

	var src struct {
		ID  int64
		DSN string
	}
	reader := testdb.PostgresReader(t, pg) // an account that can only read, as the README asks
	n.must(201, "POST", "/api/v1/sources", map[string]any{"name": "CRM", "dsn": strings.Replace(reader, "@", ":s3cret-canary@", 1)}, &src)
	if strings.Contains(src.DSN, "s3cret-canary") {
		t.Fatalf("the API returned the DSN password: %s", src.DSN)
	}
	var all []map[string]any
	n.must(200, "GET", "/api/v1/sources", nil, &all)
	if fmt.Sprint(all) == "" || strings.Contains(fmt.Sprint(all), "s3cret-canary") {
		t.Fatalf("source list leaks the password: %v", all)
	}

	var rep facteur.Report
	n.must(201, "POST", "/api/v1/reports", map[string]any{"name": "people", "source_id": src.ID, "table": table}, &rep)
	var names []string
	for _, f := range rep.Fields {
		names = append(names, fmt.Sprintf("%s:%v", f.Name, f.Sensitive))
	}
	if got := strings.Join(names, ","); got != "id:false,name:true,email:true,amount:false,created:false,active:false,photo:false,note:false" {
		t.Fatalf("fields discovered: %s", got)
	}
	// "name" holds a person's name here but the partner needs it: unflag it.
	rep.Fields[1].Sensitive = false
	n.must(200, "PUT", fmt.Sprintf("/api/v1/reports/%d", rep.ID), map[string]any{"name": "people", "source_id": src.ID, "table": table, "fields": rep.Fields}, &rep)

	var bad struct {
		Error struct{ Code, Message string }
	}
	if st := n.call("POST", "/api/v1/reports", map[string]any{"name": "x", "source_id": src.ID, "sql": "select nope from nowhere"}, &bad); st != 400 || !strings.Contains(bad.Error.Message, "nowhere") {
		t.Fatalf("bad SQL: %d %+v", st, bad)
	}

	var dest facteur.Destination
	n.must(201, "POST", "/api/v1/destinations", map[string]any{"name": "Partner drop", "kind": "folder", "config": map[string]any{"path": outbox}}, &dest)
	if st := n.call("POST", "/api/v1/destinations", map[string]any{"name": "x", "kind": "folder", "config": map[string]any{"path": filepath.Join(outbox, "missing")}}, &bad); st != 400 || !strings.Contains(bad.Error.Message, "does not exist") {
		t.Fatalf("missing folder: %d %+v", st, bad)
	}

	if st := n.call("POST", "/api/v1/schedules", map[string]any{"report_id": rep.ID, "destination_id": dest.ID,
		"format": map[string]any{"format": "csv"}, "calendar": map[string]any{"frequency": "daily", "at": "25:00"}}, &bad); st != 400 || !strings.Contains(bad.Error.Message, "calendar.at") {
		t.Fatalf("bad calendar: %d %+v", st, bad)
	}
	var sc struct {
		facteur.Schedule
		Description string
	}
	n.must(201, "POST", "/api/v1/schedules", map[string]any{"report_id": rep.ID, "destination_id": dest.ID,
		"format": map[string]any{"format": "csv"}, "file_name": "{label}-{run_id}.{ext}", "options": map[string]any{"confirmation": true},
		"calendar": map[string]any{"frequency": "daily", "days": []string{"weekdays"}, "at": "06:00", "time_zone": "Europe/Paris"}}, &sc)
	if sc.Name != "people" || sc.NextRunAt == nil || !sc.NextRunAt.After(time.Now()) || sc.Description == "" {
		t.Fatalf("schedule: %+v", sc)
	}
	var next struct{ Next []time.Time }
	n.must(200, "GET", fmt.Sprintf("/api/v1/schedules/%d/next?n=5", sc.ID), nil, &next)
	paris, _ := time.LoadLocation("Europe/Paris")
	for i, at := range next.Next {
		local := at.In(paris)
		if local.Hour() != 6 || local.Minute() != 0 || local.Weekday() == time.Saturday || local.Weekday() == time.Sunday || (i > 0 && !at.After(next.Next[i-1])) {
			t.Fatalf("next runs: %v", next.Next)
		}
	}

	var queued facteur.Run
	n.must(202, "POST", fmt.Sprintf("/api/v1/schedules/%d/run", sc.ID), nil, &queued)
	run := n.waitRun(queued.ID)
	if run.Status != facteur.RunSucceeded {
		t.Fatalf("run: %s %s; log %+v", run.Status, run.Error, run.Log)
	}
	wantName := fmt.Sprintf("people-%d.csv", run.ID)
	got, err := os.ReadFile(filepath.Join(outbox, wantName))
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != wantPeopleCSV {
		t.Fatalf("delivered:\n%q\nwant:\n%q", got, wantPeopleCSV)
	}
	if run.FileName != wantName || run.Rows != 2 || run.Bytes != int64(len(wantPeopleCSV)) || run.SHA256 != sha(wantPeopleCSV) ||
		run.Location != filepath.Join(outbox, wantName) || run.Trigger != facteur.TriggerManual || run.StartedAt == nil || run.FinishedAt == nil {
		t.Fatalf("history row: %+v", run.Run)
	}
	var manifest struct {
		FileName string `json:"file_name"`
		Rows     int64
		Bytes    int64
		SHA256   string
		RunID    int64 `json:"run_id"`
	}
	mb, err := os.ReadFile(filepath.Join(outbox, wantName+".manifest.json"))
	if err != nil || json.Unmarshal(mb, &manifest) != nil || manifest.FileName != wantName || manifest.Rows != 2 ||
		manifest.Bytes != int64(len(wantPeopleCSV)) || manifest.SHA256 != sha(wantPeopleCSV) || manifest.RunID != run.ID {
		t.Fatalf("confirmation file: %s %v", mb, err)
	}
	stages := map[string]bool{}
	for _, s := range run.Stages {
		stages[s.Name] = s.Duration > 0
	}
	for _, s := range []string{"connect", "query", "encode", "spool", "deliver", "confirm"} {
		if !stages[s] {
			t.Errorf("stage %q missing or zero in %+v", s, run.Stages)
		}
	}
	if len(run.Log) < 4 {
		t.Errorf("step log too short: %+v", run.Log)
	}

	// Download gives the same bytes.
	resp := n.request("GET", fmt.Sprintf("/api/v1/runs/%d/download", run.ID), nil)
	dl, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(dl) != wantPeopleCSV || !strings.Contains(resp.Header.Get("Content-Disposition"), wantName) {
		t.Fatalf("download: %q %v", dl, resp.Header)
	}

	// Retry re-delivers the bytes produced then, even though the data changed
	// and the partner deleted the file.
	pgExec(t, pg, "UPDATE "+table+" SET amount = 0")
	os.Remove(filepath.Join(outbox, wantName))
	var retry facteur.Run
	n.must(202, "POST", fmt.Sprintf("/api/v1/runs/%d/retry", run.ID), nil, &retry)
	r2 := n.waitRun(retry.ID)
	got, _ = os.ReadFile(filepath.Join(outbox, wantName))
	if r2.Status != facteur.RunSucceeded || r2.Trigger != facteur.TriggerRetry || r2.RetryOf != run.ID || r2.SHA256 != run.SHA256 || string(got) != wantPeopleCSV {
		t.Fatalf("retry: %+v, file %q", r2.Run, got)
	}
	if sc2 := getSchedule(n, sc.ID); !sc2.NextRunAt.Equal(*sc.NextRunAt) {
		t.Fatalf("run now and retry moved the calendar: %v -> %v", sc.NextRunAt, sc2.NextRunAt)
	}

	// Ignore hides a run from the history.
	n.must(200, "POST", fmt.Sprintf("/api/v1/runs/%d/ignore", run.ID), nil, nil)
	var list []facteur.Run
	n.must(200, "GET", fmt.Sprintf("/api/v1/runs?schedule_id=%d", sc.ID), nil, &list)
	if len(list) != 1 || list[0].ID != retry.ID {
		t.Fatalf("history after ignore: %+v", list)
	}
	n.must(200, "GET", fmt.Sprintf("/api/v1/runs?schedule_id=%d&ignored=true", sc.ID), nil, &list)
	if len(list) != 2 {
		t.Fatalf("history with ignored: %d runs", len(list))
	}

	// Cancel interrupts a long export; nothing is delivered.
	var slow facteur.Report
	n.must(201, "POST", "/api/v1/reports", map[string]any{"name": "slow", "source_id": src.ID, "sql": "select pg_sleep(20) as x"}, &slow)
	var slowSc facteur.Schedule
	n.must(201, "POST", "/api/v1/schedules", map[string]any{"report_id": slow.ID, "destination_id": dest.ID, "enabled": false,
		"format": map[string]any{"format": "csv"}, "file_name": "slow.csv", "calendar": map[string]any{"frequency": "daily"}}, &slowSc)
	n.must(202, "POST", fmt.Sprintf("/api/v1/schedules/%d/run", slowSc.ID), nil, &queued)
	waitStatus(n, queued.ID, facteur.RunRunning)
	start := time.Now()
	n.must(200, "POST", fmt.Sprintf("/api/v1/runs/%d/cancel", queued.ID), nil, nil)
	if r := n.waitRun(queued.ID); r.Status != facteur.RunCancelled || time.Since(start) > 10*time.Second {
		t.Fatalf("cancel: %s after %s", r.Status, time.Since(start))
	}
	// The query itself stops on the database.
	for deadline := time.Now().Add(10 * time.Second); pgCount(t, pg, "select count(*) from pg_stat_activity where query like '%pg_sleep(20)%' and state = 'active' and pid <> pg_backend_pid()") > 0; {
		if time.Now().After(deadline) {
			t.Fatalf("the cancelled run's query still runs on the database after %s\n%s", time.Since(start), n.out)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if _, err := os.Stat(filepath.Join(outbox, "slow.csv")); !os.IsNotExist(err) {
		t.Fatalf("a cancelled run delivered a file: %v", err)
	}

	// Objects in use cannot be deleted; a schedule can, and its history stays.
	if st := n.call("DELETE", fmt.Sprintf("/api/v1/reports/%d", rep.ID), nil, &bad); st != 409 {
		t.Fatalf("delete report in use: %d", st)
	}
	n.must(204, "DELETE", fmt.Sprintf("/api/v1/schedules/%d", sc.ID), nil, nil)
	n.must(200, "GET", fmt.Sprintf("/api/v1/runs/%d", retry.ID), nil, nil)
}

func getSchedule(n *node, id int64) facteur.Schedule {
	var s facteur.Schedule
	n.must(200, "GET", fmt.Sprintf("/api/v1/schedules/%d", id), nil, &s)
	return s
}

func waitStatus(n *node, id int64, status string) {
	n.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		var r facteur.Run
		n.must(200, "GET", fmt.Sprintf("/api/v1/runs/%d", id), nil, &r)
		if r.Status == status {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	n.t.Fatalf("run %d never reached %s", id, status)
}
