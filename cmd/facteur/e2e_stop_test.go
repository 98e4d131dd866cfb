package main

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/facteur/facteur"
	"github.com/facteur/facteur/internal/testdb"
)

// TestGracefulStop: on SIGTERM a running export finishes and is delivered;
// one that cannot finish within --stop-timeout is interrupted, queued
// again, and completes after the restart.
func TestGracefulStop(t *testing.T) {
	pg := postgresURL(t)
	data := t.TempDir()
	outbox := t.TempDir()
	n := startServe(t, data)
	var src, dest struct{ ID int64 }
	n.must(201, "POST", "/api/v1/sources", map[string]any{"name": "pg", "dsn": testdb.PostgresReader(t, pg)}, &src)
	n.must(201, "POST", "/api/v1/destinations", map[string]any{"name": "drop", "kind": "folder", "config": map[string]any{"path": outbox}}, &dest)
	schedule := func(name, sql string) int64 {
		var rep, sc struct{ ID int64 }
		n.must(201, "POST", "/api/v1/reports", map[string]any{"name": name, "source_id": src.ID, "sql": sql}, &rep)
		n.must(201, "POST", "/api/v1/schedules", map[string]any{"report_id": rep.ID, "destination_id": dest.ID, "enabled": false,
			"format": map[string]any{"format": "csv"}, "file_name": name + ".csv", "calendar": map[string]any{"frequency": "daily"}}, &sc)
		return sc.ID
	}
	short := schedule("short", "select 1 as n from pg_sleep(2)")
	var run facteur.Run
	n.must(202, "POST", fmt.Sprintf("/api/v1/schedules/%d/run", short), nil, &run)
	waitStatus(n, run.ID, facteur.RunRunning)
	n.stop()
	if b, err := os.ReadFile(filepath.Join(outbox, "short.csv")); err != nil || string(b) != "n\n1\n" {
		t.Fatalf("the export running at SIGTERM was not delivered: %q %v\n%s", b, err, n.out)
	}

	// An export longer than the stop timeout is interrupted and runs again
	// after the restart.
	n = startServe(t, data, "--stop-timeout", "500ms")
	long := schedule("long", "select 2 as n from pg_sleep(4)")
	n.must(202, "POST", fmt.Sprintf("/api/v1/schedules/%d/run", long), nil, &run)
	waitStatus(n, run.ID, facteur.RunRunning)
	start := time.Now()
	n.stop()
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("stop took %s with --stop-timeout 500ms", d)
	}
	if _, err := os.Stat(filepath.Join(outbox, "long.csv")); !os.IsNotExist(err) {
		t.Fatalf("interrupted export delivered: %v", err)
	}
	n = startServe(t, data)
	r := n.waitRun(run.ID)
	if b, _ := os.ReadFile(filepath.Join(outbox, "long.csv")); r.Status != facteur.RunSucceeded || string(b) != "n\n2\n" {
		t.Fatalf("after restart: %s %q; log %+v", r.Status, b, r.Log)
	}
	interrupted := false
	for _, e := range r.Log {
		interrupted = interrupted || e.Message == "Interrupted by a shutdown; the run is queued again."
	}
	if !interrupted {
		t.Errorf("log does not tell of the interruption: %+v", r.Log)
	}
}
