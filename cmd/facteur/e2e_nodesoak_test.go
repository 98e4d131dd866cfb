package main

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/facteur/facteur"
)

// TestNodesUnderChaos runs three nodes on one PostgreSQL store with
// schedules due every minute, while nodes are killed with SIGKILL and
// restarted, or frozen with SIGSTOP past their lease and woken again,
// at random, one at a time. Then it checks what the promise says: one run
// per schedule and slot, every slot run, every run final, every succeeded
// run's file in place, nothing partial, and each webhook slot delivered
// under one idempotency key; it prints the counts. FACTEUR_SOAK_SCHEDULES
// (default 20) and FACTEUR_SOAK_MINUTES (default 1.5, and at least until
// a whole minute's slots have run) make it longer.
func TestNodesUnderChaos(t *testing.T) {
	if testing.Short() {
		t.Skip("short mode: it runs for minutes")
	}
	schedules, minutes := 20, 1.5
	if v, err := strconv.Atoi(os.Getenv("FACTEUR_SOAK_SCHEDULES")); err == nil && v > 0 {
		schedules = v
	}
	if v, err := strconv.ParseFloat(os.Getenv("FACTEUR_SOAK_MINUTES"), 64); err == nil && v > 0 {
		minutes = v
	}
	dbURL := freshDatabase(t)
	t.Setenv("FACTEUR_SECRET_KEY", "dGhpcnR5LXR3by1ieXRlcy1vZi10ZXN0LWtleS0xMjM=")
	outbox := t.TempDir()

	// The webhook receiver counts whole deliveries by idempotency key.
	var mu sync.Mutex
	byKey := map[string]int{}
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, err := io.ReadAll(r.Body); err != nil {
			return
		}
		mu.Lock()
		byKey[r.Header.Get("Idempotency-Key")]++
		mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(recv.Close)

	names := []string{"a", "b", "c"}
	dirs := make([]string, len(names))
	nodes := make([]*node, len(names))
	for i, name := range names {
		dirs[i] = t.TempDir()
		nodes[i] = startServe(t, dirs[i], append([]string{"--database", dbURL, "--node-name", name}, shortLease...)...)
	}
	a := nodes[0]
	var src, rep, folder, hook struct{ ID int64 }
	a.must(201, "POST", "/api/v1/sources", map[string]any{"name": "small", "dsn": smallSQLiteSource(t)}, &src)
	a.must(201, "POST", "/api/v1/reports", map[string]any{"name": "items", "source_id": src.ID, "sql": "select * from items order by id"}, &rep)
	a.must(201, "POST", "/api/v1/destinations", map[string]any{"name": "drop", "kind": "folder", "config": map[string]any{"path": outbox}}, &folder)
	a.must(201, "POST", "/api/v1/destinations", map[string]any{"name": "hook", "kind": "webhook",
		"config": map[string]any{"url": recv.URL + "/in", "secret": "a-webhook-secret-of-32-characters"}}, &hook)
	ids := make([]int64, schedules)
	for i := range ids {
		dest := folder.ID
		if i%2 == 1 {
			dest = hook.ID
		}
		var sc struct{ ID int64 }
		a.must(201, "POST", "/api/v1/schedules", map[string]any{"name": fmt.Sprintf("s%d", i), "report_id": rep.ID, "destination_id": dest, "enabled": true,
			"format": map[string]any{"format": "csv"}, "file_name": "{label}_{year}{month}{day}_{hour}{minute}.csv",
			"calendar": map[string]any{"frequency": "cron", "cron": "* * * * *"}}, &sc)
		ids[i] = sc.ID
	}
	start := time.Now()

	// Chaos: one node at a time, never all of them down.
	var kills, freezes int
	first := start.Truncate(time.Minute).Add(time.Minute) // the first slot checked
	end := start.Add(time.Duration(minutes * float64(time.Minute)))
	if end.Before(first.Add(75 * time.Second)) {
		end = first.Add(75 * time.Second)
	}
	for time.Now().Before(end) {
		time.Sleep(time.Duration(3000+rand.IntN(5000)) * time.Millisecond)
		i := rand.IntN(len(nodes))
		if rand.IntN(2) == 0 {
			kill9(nodes[i])
			kills++
			time.Sleep(time.Duration(1000+rand.IntN(4000)) * time.Millisecond)
			nodes[i] = startServe(t, dirs[i], append([]string{"--database", dbURL, "--node-name", names[i]}, shortLease...)...)
		} else {
			nodes[i].cmd.Process.Signal(syscall.SIGSTOP)
			freezes++
			time.Sleep(time.Duration(4000+rand.IntN(6000)) * time.Millisecond) // past the 3 s lease
			nodes[i].cmd.Process.Signal(syscall.SIGCONT)
		}
	}
	stopAt := time.Now()
	for _, id := range ids { // no new slots: what is due now is the last
		nodes[0].must(200, "POST", fmt.Sprintf("/api/v1/schedules/%d/pause", id), nil, nil)
	}

	// Every run reaches a final state by itself.
	ctx := context.Background()
	db, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close(ctx)
	deadline := time.Now().Add(90 * time.Second)
	for {
		var open int
		if err := db.QueryRow(ctx, `SELECT count(*) FROM runs WHERE status IN ('queued', 'running', 'retrying')`).Scan(&open); err != nil {
			t.Fatal(err)
		}
		if open == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d runs still open 90 s after the chaos ended", open)
		}
		time.Sleep(500 * time.Millisecond)
	}

	type slot struct {
		schedule int64
		at       time.Time
	}
	runs := map[slot][]int64{}
	status := map[string]int{}
	var failures []string
	rows, err := db.Query(ctx, `SELECT id, schedule_id, scheduled_for, status, error, file_name FROM runs WHERE triggered_by = 'schedule'`)
	if err != nil {
		t.Fatal(err)
	}
	succeeded := map[string]bool{}
	for rows.Next() {
		var id, sc int64
		var at time.Time
		var st, msg, file string
		if err := rows.Scan(&id, &sc, &at, &st, &msg, &file); err != nil {
			t.Fatal(err)
		}
		runs[slot{sc, at.UTC()}] = append(runs[slot{sc, at.UTC()}], id)
		status[st]++
		if st == facteur.RunSucceeded {
			succeeded[file] = true
		} else {
			failures = append(failures, fmt.Sprintf("run %d %s: %s", id, st, msg))
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}

	// One run per slot, and every whole minute between the first slot and
	// the end of the chaos has its run for every schedule.
	var dup, missing int
	for s, r := range runs {
		if len(r) > 1 {
			dup++
			t.Errorf("schedule %d, slot %s: %d runs %v", s.schedule, s.at.Format(time.TimeOnly), len(r), r)
		}
	}
	slots := 0
	for at := first; at.Before(stopAt.Truncate(time.Minute)); at = at.Add(time.Minute) {
		for _, id := range ids {
			slots++
			if len(runs[slot{id, at.UTC()}]) == 0 {
				missing++
				t.Errorf("schedule %d has no run for the slot of %s", id, at.UTC().Format(time.TimeOnly))
			}
		}
	}

	// Files: each succeeded folder run's file, and nothing partial.
	var partial, files int
	entries, _ := os.ReadDir(outbox)
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".partial") {
			partial++
			t.Errorf("partial file left: %s", e.Name())
			continue
		}
		files++
		if !succeeded[e.Name()] {
			t.Errorf("%s is in the folder, but no succeeded run delivered it", e.Name())
		}
		if b, _ := os.ReadFile(filepath.Join(outbox, e.Name())); string(b) != "id,label\n1,one\n2,two\n" {
			t.Errorf("%s holds %q", e.Name(), b)
		}
	}
	mu.Lock()
	repeats := 0
	for _, n := range byKey {
		repeats += n - 1
	}
	keys := len(byKey)
	mu.Unlock()
	if keys+files != status[facteur.RunSucceeded] {
		t.Errorf("%d succeeded runs, but %d files in the folder and %d webhook deliveries", status[facteur.RunSucceeded], files, keys)
	}
	t.Logf("%d schedules over %.1f minutes, %d kills, %d freezes: %d slots expected, %d runs %v; %d slots with two runs, %d slots missed, %d partial files; %d folder files, %d webhook deliveries, %d repeated under the same key",
		schedules, stopAt.Sub(start).Minutes(), kills, freezes, slots, len(runs), status, dup, missing, partial, files, keys, repeats)
	for _, f := range failures {
		t.Logf("not succeeded: %s", f)
	}
}
