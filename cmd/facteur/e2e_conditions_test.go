package main

import (
	"bytes"
	"compress/gzip"
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

// conditionsSetup creates, on a started node, a PostgreSQL source read by
// a read-only account, a report on an empty table of its own, and a folder
// destination; it returns the table, the report and destination ids and
// the folder.
func conditionsSetup(t *testing.T, n *node, pg string) (table string, rep, dest int64, outbox string) {
	t.Helper()
	schema := fmt.Sprintf("e2e_cond_%d", rand.Uint32())
	pgExec(t, pg, "CREATE SCHEMA "+schema, "CREATE TABLE "+schema+".items (id int PRIMARY KEY, label text)")
	t.Cleanup(func() { pgExec(t, pg, "DROP SCHEMA "+schema+" CASCADE") })
	table = schema + ".items"
	var obj struct{ ID int64 }
	n.must(201, "POST", "/api/v1/sources", map[string]any{"name": "CRM", "dsn": testdb.PostgresReader(t, pg)}, &obj)
	src := obj.ID
	n.must(201, "POST", "/api/v1/reports", map[string]any{"name": "items", "source_id": src, "sql": "SELECT id, label FROM " + table + " ORDER BY id"}, &obj)
	rep = obj.ID
	outbox = t.TempDir()
	n.must(201, "POST", "/api/v1/destinations", map[string]any{"name": "drop", "kind": "folder", "config": map[string]any{"path": outbox}}, &obj)
	return table, rep, obj.ID, outbox
}

// runAndWait runs a schedule now and returns the finished run.
func runAndWait(n *node, id int64) runView {
	n.t.Helper()
	var queued facteur.Run
	n.must(202, "POST", fmt.Sprintf("/api/v1/schedules/%d/run", id), nil, &queued)
	return n.waitRun(queued.ID)
}

// wantRun checks a run's status and, for a skipped one, its reason.
func wantRun(t *testing.T, r runView, status, reason string) {
	t.Helper()
	if r.Status != status || (reason != "" && r.Error != "Skipped: "+reason+".") {
		t.Fatalf("run %d: %s %q, want %s %q; log %+v", r.ID, r.Status, r.Error, status, reason, r.Log)
	}
}

// dirFiles returns the names of the files in dir.
func dirFiles(t *testing.T, dir string) []string {
	t.Helper()
	list, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range list {
		out = append(out, e.Name())
	}
	return out
}

// TestSendConditions: against a real PostgreSQL source, a schedule that
// sends only rows skips an empty result; one that sends only changes skips
// the same data, sends a changed row, and compares with the last
// successful delivery, not with a failed run in between; a gzip schedule
// compares the content before compression. A skipped run delivers and
// keeps nothing, alerts nobody and is not retried.
func TestSendConditions(t *testing.T) {
	pg := postgresURL(t)
	data := t.TempDir()
	n := startServe(t, data)
	table, rep, dest, outbox := conditionsSetup(t, n, pg)
	schedule := func(name, sendIf, compression string) int64 {
		var sc facteur.Schedule
		n.must(201, "POST", "/api/v1/schedules", map[string]any{"name": name, "report_id": rep, "destination_id": dest,
			"format": map[string]any{"format": "csv", "compression": compression}, "file_name": "{label}-{run_id}.{ext}",
			"options":  map[string]any{"send_if": sendIf},
			"calendar": map[string]any{"frequency": "daily", "at": "06:00"}}, &sc)
		if sc.Options.SendIf != sendIf {
			t.Fatalf("schedule %s: send_if %q", name, sc.Options.SendIf)
		}
		return sc.ID
	}

	// Only with rows: the table is empty.
	rows := schedule("rows", facteur.SendIfRows, "")
	empty := runAndWait(n, rows)
	wantRun(t, empty, facteur.RunSkipped, "no rows")
	if got := dirFiles(t, outbox); len(got) != 0 {
		t.Fatalf("a skipped run delivered %v", got)
	}
	if left, _ := filepath.Glob(filepath.Join(data, "spool", fmt.Sprintf("run-%d.*", empty.ID))); len(left) != 0 {
		t.Fatalf("the skipped run's file is still spooled: %v", left)
	}
	if empty.Attempt != 1 || empty.FinishedAt == nil {
		t.Fatalf("skipped run: attempt %d, finished %v", empty.Attempt, empty.FinishedAt)
	}
	var bad struct{ Error struct{ Message string } }
	if st := n.call("POST", fmt.Sprintf("/api/v1/runs/%d/retry", empty.ID), nil, &bad); st != 400 || !strings.Contains(bad.Error.Message, "skipped") {
		t.Fatalf("retry of a skipped run: %d %+v", st, bad)
	}
	pgExec(t, pg, "INSERT INTO "+table+" VALUES (1, 'one'), (2, 'two')")
	wantRun(t, runAndWait(n, rows), facteur.RunSucceeded, "")

	// Only when changed.
	changed := schedule("changed", facteur.SendIfNewer, "")
	first := runAndWait(n, changed)
	wantRun(t, first, facteur.RunSucceeded, "")
	same := runAndWait(n, changed)
	wantRun(t, same, facteur.RunSkipped, fmt.Sprintf("same data as run %d", first.ID))
	if _, err := os.Stat(filepath.Join(outbox, fmt.Sprintf("changed-%d.csv", same.ID))); !os.IsNotExist(err) {
		t.Fatalf("the skipped run delivered its file: %v", err)
	}
	pgExec(t, pg, "UPDATE "+table+" SET label = 'TWO' WHERE id = 2")
	sent := runAndWait(n, changed)
	wantRun(t, sent, facteur.RunSucceeded, "")
	got, err := os.ReadFile(filepath.Join(outbox, fmt.Sprintf("changed-%d.csv", sent.ID)))
	if err != nil || string(got) != "id,label\n1,one\n2,TWO\n" {
		t.Fatalf("the changed data delivered: %q %v", got, err)
	}

	// A failed run in between is not the last delivery: its data is sent
	// by the next run.
	pgExec(t, pg, "UPDATE "+table+" SET label = 'ONE' WHERE id = 1")
	if err := os.Rename(outbox, outbox+".away"); err != nil {
		t.Fatal(err)
	}
	failed := runAndWait(n, changed)
	wantRun(t, failed, facteur.RunFailed, "")
	if err := os.Rename(outbox+".away", outbox); err != nil {
		t.Fatal(err)
	}
	after := runAndWait(n, changed)
	wantRun(t, after, facteur.RunSucceeded, "")
	if got, err := os.ReadFile(filepath.Join(outbox, fmt.Sprintf("changed-%d.csv", after.ID))); err != nil || string(got) != "id,label\n1,ONE\n2,TWO\n" {
		t.Fatalf("the data of the failed run, delivered after it: %q %v", got, err)
	}
	wantRun(t, runAndWait(n, changed), facteur.RunSkipped, fmt.Sprintf("same data as run %d", after.ID))

	// gzip: the content's hash, before compression, is compared.
	gz := schedule("gz", facteur.SendIfNewer, facteur.CompressGzip)
	zipped := runAndWait(n, gz)
	wantRun(t, zipped, facteur.RunSucceeded, "")
	raw, err := os.ReadFile(filepath.Join(outbox, fmt.Sprintf("gz-%d.csv.gz", zipped.ID)))
	if err != nil {
		t.Fatal(err)
	}
	zr, err := gzip.NewReader(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	content, err := io.ReadAll(zr)
	if err != nil || string(content) != "id,label\n1,ONE\n2,TWO\n" {
		t.Fatalf("gzip file holds %q %v", content, err)
	}
	if zipped.ContentSHA256 != sha(string(content)) || zipped.SHA256 != sha(string(raw)) || zipped.ContentSHA256 == zipped.SHA256 {
		t.Fatalf("gzip run: content_sha256 %s (content %s), sha256 %s (file %s)", zipped.ContentSHA256, sha(string(content)), zipped.SHA256, sha(string(raw)))
	}
	if after.ContentSHA256 != zipped.ContentSHA256 {
		t.Fatalf("the same rows, plain and gzip: content %s and %s", after.ContentSHA256, zipped.ContentSHA256)
	}
	wantRun(t, runAndWait(n, gz), facteur.RunSkipped, fmt.Sprintf("same data as run %d", zipped.ID))

	// The history filters on skipped, and the schedules list shows it as
	// the last run.
	var skipped []facteur.Run
	n.must(200, "GET", "/api/v1/runs?status=skipped", nil, &skipped)
	if len(skipped) != 4 {
		t.Fatalf("%d skipped runs in the history, want 4: %+v", len(skipped), skipped)
	}
	var list []struct {
		ID      int64
		LastRun struct{ Status string } `json:"last_run"`
	}
	n.must(200, "GET", "/api/v1/schedules", nil, &list)
	for _, s := range list {
		if s.ID == gz && s.LastRun.Status != facteur.RunSkipped {
			t.Fatalf("schedules list: last run of gz %q", s.LastRun.Status)
		}
	}
	// Only the failed run went to the failure alerts: skipped runs are
	// no failures.
	if c := strings.Count(n.out.String(), "run failed"); c != 1 {
		t.Fatalf("%d runs went to the failure alerts, want the one failed run:\n%s", c, n.out)
	}
}

// TestConditionsBadInput: bad conditions and windows are refused with the
// field's path, and nothing is saved.
func TestConditionsBadInput(t *testing.T) {
	pg := postgresURL(t)
	n := startServe(t, t.TempDir())
	_, rep, dest, _ := conditionsSetup(t, n, pg)
	for _, tt := range []struct {
		options map[string]any
		field   string
	}{
		{map[string]any{"send_if": "sometimes"}, "options.send_if"},
		{map[string]any{"send_if": strings.Repeat("x", 5000)}, "options.send_if"},
		{map[string]any{"expect_within_minutes": 4}, "options.expect_within_minutes"},
		{map[string]any{"expect_within_minutes": -5}, "options.expect_within_minutes"},
		{map[string]any{"expect_within_minutes": 10081}, "options.expect_within_minutes"},
		{map[string]any{"expect_within_minutes": 1e12}, "options.expect_within_minutes"},
	} {
		var bad struct{ Error struct{ Message string } }
		st := n.call("POST", "/api/v1/schedules", map[string]any{"name": "bad", "report_id": rep, "destination_id": dest,
			"format": map[string]any{"format": "csv"}, "options": tt.options, "calendar": map[string]any{"frequency": "daily"}}, &bad)
		if st != 400 || !strings.HasPrefix(bad.Error.Message, tt.field) {
			t.Errorf("%v: %d %q, want 400 naming %s", tt.options, st, bad.Error.Message, tt.field)
		}
	}
	var list []facteur.Schedule
	n.must(200, "GET", "/api/v1/schedules", nil, &list)
	if len(list) != 0 {
		t.Fatalf("bad schedules were saved: %+v", list)
	}
	var bad struct{ Error struct{ Message string } }
	if st := n.call("GET", "/api/v1/runs?status=bogus", nil, &bad); st != 400 || !strings.Contains(bad.Error.Message, "skipped") {
		t.Fatalf("bad status filter: %d %q", st, bad.Error.Message)
	}
	var ok facteur.Schedule
	n.must(201, "POST", "/api/v1/schedules", map[string]any{"name": "ok", "report_id": rep, "destination_id": dest,
		"format": map[string]any{"format": "csv"}, "calendar": map[string]any{"frequency": "daily"},
		"options": map[string]any{"send_if": "changed", "expect_within_minutes": 120, "alert_on_skip": true}}, &ok)
	if o := ok.Options; o.SendIf != "changed" || o.ExpectWithinMinutes != 120 || !o.AlertOnSkip {
		t.Fatalf("saved options: %+v", o)
	}
}

// TestCrashThenSkipped: a run killed (SIGKILL) while it exports is taken
// up after the restart and ends skipped, as the same data as the last
// delivery; nothing is delivered and nothing stays spooled, and a skipped
// run stays as it is across another restart.
func TestCrashThenSkipped(t *testing.T) {
	data, outbox := t.TempDir(), t.TempDir()
	n := startServe(t, data, "--node-name", "first")
	var long facteur.Schedule
	n.must(200, "GET", fmt.Sprintf("/api/v1/schedules/%d", longSchedule(t, n, outbox, "long", 2, 3)), nil, &long)
	var sc facteur.Schedule
	n.must(201, "POST", "/api/v1/schedules", map[string]any{"name": "changes", "report_id": long.ReportID, "destination_id": long.DestinationID,
		"enabled": false, "format": map[string]any{"format": "csv"}, "file_name": "changes-{run_id}.csv",
		"options": map[string]any{"send_if": "changed"}, "calendar": map[string]any{"frequency": "daily"}}, &sc)
	first := runAndWait(n, sc.ID)
	wantRun(t, first, facteur.RunSucceeded, "")

	id := runNow(n, sc.ID)
	waitFile(t, filepath.Join(data, "spool", fmt.Sprintf(".run-%d.*.partial", id)))
	kill9(n)
	n = startServe(t, data, "--node-name", "second")
	r := n.waitRun(id)
	wantRun(t, r, facteur.RunSkipped, fmt.Sprintf("same data as run %d", first.ID))
	if r.Attempt != 2 || !logHas(r.Log, "on node second") {
		t.Errorf("the skipped run: attempt %d; log %+v", r.Attempt, r.Log)
	}
	check := func() {
		t.Helper()
		if got := dirFiles(t, outbox); len(got) != 1 || got[0] != fmt.Sprintf("changes-%d.csv", first.ID) {
			t.Errorf("the folder holds %v, want the first run's file alone", got)
		}
		if m, _ := filepath.Glob(filepath.Join(data, "spool", fmt.Sprintf("*run-%d.*", id))); len(m) > 0 {
			t.Errorf("the skipped run left %v in the spool", m)
		}
	}
	check()
	n.stop()
	n = startServe(t, data, "--node-name", "third")
	time.Sleep(2 * time.Second) // let a wrongful new attempt start
	again := n.waitRun(id)
	if again.Status != facteur.RunSkipped || again.Attempt != 2 || len(again.Log) != len(r.Log) {
		t.Errorf("after another restart: %s attempt %d, %d log lines (were %d)", again.Status, again.Attempt, len(again.Log), len(r.Log))
	}
	check()
}
