package main

import (
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/facteur/facteur"
	"github.com/facteur/facteur/internal/testdb"
)

// TestCrashKeepsWindow: the real binary is killed with SIGKILL while an
// incremental run exports (its window fixed, its file half written). Rows
// are inserted and one is updated meanwhile. After the restart the run is
// taken up and exports again the window it had fixed, no more: the rows
// written since, the updated one too (its update time is past the
// window), wait for the next run, which sends them; each row arrives
// once, and the confirmation file gives each run's window.
func TestCrashKeepsWindow(t *testing.T) {
	dsn, schema, admin := testdb.PostgresSchema(t, "facteur_crash_incr_")
	table := schema + ".events"
	testdb.Exec(t, admin, "CREATE TABLE "+table+" (id int PRIMARY KEY, label text, updated_at timestamptz NOT NULL)",
		"INSERT INTO "+table+" SELECT i, 'early', now() - interval '1 hour' FROM generate_series(1, 3) i")
	data, outbox := t.TempDir(), t.TempDir()
	n := startServe(t, data, "--node-name", "first")
	var src, dest, rep, sc struct{ ID int64 }
	n.must(201, "POST", "/api/v1/sources", map[string]any{"name": "pg", "dsn": testdb.PostgresReader(t, dsn)}, &src)
	n.must(201, "POST", "/api/v1/destinations", map[string]any{"name": "drop", "kind": "folder", "config": map[string]any{"path": outbox}}, &dest)
	// The sleep keeps the export running long enough to be killed.
	n.must(201, "POST", "/api/v1/reports", map[string]any{"name": "events", "source_id": src.ID, "updated_column": "updated_at",
		"sql": "select e.id, e.label, e.updated_at from " + table + " e, pg_sleep(3) order by e.id"}, &rep)
	n.must(201, "POST", "/api/v1/schedules", map[string]any{"report_id": rep.ID, "destination_id": dest.ID, "enabled": false,
		"format": map[string]any{"format": "csv"}, "file_name": "events-{run_id}.csv", "calendar": map[string]any{"frequency": "daily"},
		"options": map[string]any{"confirmation": true, "incremental": map[string]any{"since": "all"}}}, &sc)

	id := runNow(n, sc.ID)
	waitFile(t, filepath.Join(data, "spool", fmt.Sprintf(".run-%d.*.partial", id)))
	var before runView
	n.must(200, "GET", fmt.Sprintf("/api/v1/runs/%d", id), nil, &before)
	if before.Window == nil || before.Window.From != nil {
		t.Fatalf("the running run's window: %+v", before.Window)
	}
	kill9(n)
	time.Sleep(1100 * time.Millisecond) // past the window's end, to the second
	testdb.Exec(t, admin, "INSERT INTO "+table+" SELECT i, 'late', now() FROM generate_series(4, 5) i",
		"UPDATE "+table+" SET label = 'changed', updated_at = now() WHERE id = 2")

	n = startServe(t, data, "--node-name", "second")
	r := n.waitRun(id)
	if r.Status != facteur.RunSucceeded || r.Attempt != 2 || r.Rows != 2 || r.Window == nil || !r.Window.To.Equal(before.Window.To) {
		t.Fatalf("the resumed run: %s attempt %d, %d rows, window %+v (was %+v); log %+v", r.Status, r.Attempt, r.Rows, r.Window, before.Window, r.Log)
	}
	time.Sleep(1100 * time.Millisecond)
	next := runAndWait(n, sc.ID)
	if next.Status != facteur.RunSucceeded || next.Window == nil || next.Window.From == nil || !next.Window.From.Equal(r.Window.To) {
		t.Fatalf("the next run: %s, window %+v; log %+v", next.Status, next.Window, next.Log)
	}
	for _, c := range []struct {
		run  runView
		want string
	}{{r, "1 early,3 early"}, {next, "2 changed,4 late,5 late"}} {
		f, err := os.Open(filepath.Join(outbox, fmt.Sprintf("events-%d.csv", c.run.ID)))
		if err != nil {
			t.Fatal(err)
		}
		recs, err := csv.NewReader(f).ReadAll()
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, rec := range recs[1:] {
			got = append(got, rec[0]+" "+rec[1])
		}
		if strings.Join(got, ",") != c.want {
			t.Errorf("run %d delivered %v, want %s", c.run.ID, got, c.want)
		}
		manifest, err := os.ReadFile(filepath.Join(outbox, fmt.Sprintf("events-%d.csv.manifest.json", c.run.ID)))
		if err != nil {
			t.Fatal(err)
		}
		if want := `"to": "` + c.run.Window.To.UTC().Format(time.RFC3339) + `"`; !strings.Contains(string(manifest), want) {
			t.Errorf("run %d's manifest lacks %s:\n%s", c.run.ID, want, manifest)
		}
	}
	if files := dirFiles(t, outbox); len(files) != 4 {
		t.Errorf("the folder holds %v, want two files and their manifests", files)
	}
}
