package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/facteur/facteur"
	"github.com/facteur/facteur/calendar"
	"github.com/facteur/facteur/store"
)

// smallSQLiteSource writes a tiny SQLite database and returns its DSN.
func smallSQLiteSource(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "small.db")
	db, err := store.Open(context.Background(), store.Config{SQLitePath: path})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"CREATE TABLE items (id INTEGER PRIMARY KEY, label TEXT)", "INSERT INTO items VALUES (1, 'one'), (2, 'two')"} {
		if _, err := db.SQL().Exec(s); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()
	return "sqlite:" + path
}

// setupSchedules creates a source, a report, a folder destination and n
// schedules through the API; it returns the schedules' ids and the folder.
func setupSchedules(t *testing.T, n *node, count int, catchUp string) ([]int64, string) {
	t.Helper()
	outbox := t.TempDir()
	var src, rep, dest struct{ ID int64 }
	n.must(201, "POST", "/api/v1/sources", map[string]any{"name": "small", "dsn": smallSQLiteSource(t)}, &src)
	n.must(201, "POST", "/api/v1/reports", map[string]any{"name": "items", "source_id": src.ID, "table": "items"}, &rep)
	n.must(201, "POST", "/api/v1/destinations", map[string]any{"name": "drop", "kind": "folder", "config": map[string]any{"path": outbox}}, &dest)
	var ids []int64
	for i := 0; i < count; i++ {
		var sc struct{ ID int64 }
		n.must(201, "POST", "/api/v1/schedules", map[string]any{"name": fmt.Sprintf("s%d", i), "report_id": rep.ID, "destination_id": dest.ID,
			"format": map[string]any{"format": "csv"}, "file_name": "{label}_{year}{month}{day}_{hour}{minute}_{run_id}.{ext}", "catch_up": catchUp,
			"calendar": map[string]any{"frequency": "daily", "at": "06:00", "time_zone": "Europe/Paris"}}, &sc)
		ids = append(ids, sc.ID)
	}
	return ids, outbox
}

// moveNextRun sets a schedule's next run directly in the store, as if
// Facteur had been down when it was due.
func moveNextRun(t *testing.T, cfg store.Config, id int64, at time.Time) {
	t.Helper()
	db, err := store.Open(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	s, err := db.Schedule(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	s.NextRunAt = &at
	if err := db.UpdateSchedule(context.Background(), s); err != nil {
		t.Fatal(err)
	}
}

func schedRuns(t *testing.T, n *node, id int64) []facteur.Run {
	t.Helper()
	var list []facteur.Run
	n.must(200, "GET", fmt.Sprintf("/api/v1/runs?schedule_id=%d&ignored=true", id), nil, &list)
	return list
}

// TestCatchUpAfterDowntime: slots missed while Facteur was stopped run
// once after restart (catch_up "once"), or not at all ("skip").
func TestCatchUpAfterDowntime(t *testing.T) {
	data := t.TempDir()
	n := startServe(t, data)
	ids, outbox := setupSchedules(t, n, 2, "")
	var skip struct{ ID int64 }
	n.must(200, "PUT", fmt.Sprintf("/api/v1/schedules/%d", ids[1]), map[string]any{"name": "s1", "report_id": 1, "destination_id": 1,
		"format": map[string]any{"format": "csv"}, "catch_up": "skip", "file_name": "skipped.csv",
		"calendar": map[string]any{"frequency": "daily", "at": "06:00", "time_zone": "Europe/Paris"}}, &skip)
	n.stop()

	// Facteur was down for three days: three 06:00 slots were missed.
	cfg := store.Config{SQLitePath: filepath.Join(data, "facteur.db")}
	cal := facteur.Calendar{Frequency: "daily", At: "06:00", TimeZone: "Europe/Paris"}
	first, _ := calendar.Next(cal, time.Now().Add(-4*24*time.Hour))
	for _, id := range ids {
		moveNextRun(t, cfg, id, first)
	}
	n = startServe(t, data)
	deadline := time.Now().Add(30 * time.Second)
	var runs []facteur.Run
	for time.Now().Before(deadline) {
		if runs = schedRuns(t, n, ids[0]); len(runs) > 0 && runs[0].Status == facteur.RunSucceeded {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	time.Sleep(time.Second) // let any wrongful second run appear
	runs = schedRuns(t, n, ids[0])
	if len(runs) != 1 || runs[0].Status != facteur.RunSucceeded || runs[0].Trigger != facteur.TriggerSchedule {
		t.Fatalf("catch up once: %d runs %+v", len(runs), runs)
	}
	// The run is for the latest missed slot, and the calendar moved past now.
	latest := first
	for {
		nx, _ := calendar.Next(cal, latest)
		if nx.After(time.Now()) {
			break
		}
		latest = nx
	}
	if !runs[0].ScheduledFor.Equal(latest) {
		t.Errorf("caught-up run is for %v, want the latest missed slot %v", runs[0].ScheduledFor, latest)
	}
	caught := false
	for _, e := range n.waitRun(runs[0].ID).Log {
		caught = caught || strings.HasPrefix(e.Message, "Catching up: the slot of "+latest.UTC().Format(time.RFC3339))
	}
	if !caught {
		t.Errorf("the caught-up run's log does not say which slots it replaces")
	}
	if s := getSchedule(n, ids[0]); !s.NextRunAt.After(time.Now()) {
		t.Errorf("next run still in the past: %v", s.NextRunAt)
	}
	if got := schedRuns(t, n, ids[1]); len(got) != 0 {
		t.Errorf("catch_up skip ran %d times", len(got))
	}
	if s := getSchedule(n, ids[1]); !s.NextRunAt.After(time.Now()) {
		t.Errorf("skipped schedule's next run still in the past: %v", s.NextRunAt)
	}
	files, _ := os.ReadDir(outbox)
	if len(files) != 1 {
		t.Errorf("outbox has %d files, want 1", len(files))
	}
}

// TestTwoNodesNeverRunASlotTwice runs two `facteur serve` on one PostgreSQL
// database with many schedules due at once: every slot runs exactly once.
func TestTwoNodesNeverRunASlotTwice(t *testing.T) {
	dbURL := freshDatabase(t)
	// Nodes share the key the credentials are encrypted with.
	t.Setenv("FACTEUR_SECRET_KEY", "dGhpcnR5LXR3by1ieXRlcy1vZi10ZXN0LWtleS0xMjM=")
	a := startServe(t, t.TempDir(), "--database", dbURL)
	b := startServe(t, t.TempDir(), "--database", dbURL)
	const count = 20
	ids, outbox := setupSchedules(t, a, count, "")
	slot := time.Now().Add(-2 * time.Second).Truncate(time.Microsecond)
	for _, id := range ids {
		moveNextRun(t, store.Config{PostgresURL: dbURL}, id, slot)
	}
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		files, _ := os.ReadDir(outbox)
		if len(files) >= count {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	time.Sleep(2 * time.Second) // let any duplicate appear
	for _, id := range ids {
		runs := schedRuns(t, b, id)
		if len(runs) != 1 || runs[0].Status != facteur.RunSucceeded || !runs[0].ScheduledFor.Equal(slot) {
			t.Errorf("schedule %d: %d runs %+v", id, len(runs), runs)
		}
	}
	files, _ := os.ReadDir(outbox)
	if len(files) != count {
		var names []string
		for _, f := range files {
			names = append(names, f.Name())
		}
		t.Errorf("outbox has %d files, want %d: %s", len(files), count, strings.Join(names, " "))
	}
}
