package main

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/facteur/facteur"
	"github.com/facteur/facteur/internal/testdb"
	"github.com/facteur/facteur/store"
)

// sqliteSource writes an SQLite database with the statements given and
// returns its DSN.
func sqliteSource(t *testing.T, stmts ...string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "source.db")
	db, err := store.Open(context.Background(), store.Config{SQLitePath: path})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, s := range stmts {
		if _, err := db.SQL().Exec(s); err != nil {
			t.Fatal(err)
		}
	}
	return "sqlite:" + path
}

// noFiles fails the test when dir holds any file, whole or partial.
func noFiles(t *testing.T, dir, what string) {
	t.Helper()
	if left := files(t, dir); len(left) != 0 {
		t.Errorf("%s: files left behind: %v", what, left)
	}
}

// spoolFiles lists the files of a node's spool.
func spoolFiles(t *testing.T, data string) []string {
	t.Helper()
	es, _ := os.ReadDir(filepath.Join(data, "spool"))
	var names []string
	for _, e := range es {
		names = append(names, e.Name())
	}
	return names
}

// TestRunLimitsStopRuns: an endless query is stopped by the server's row
// limit, by a schedule's lower time limit and, for a one-off export, by
// the server's limit too; each run fails at its first attempt (no retry)
// with a message that says which limit, its value and how to change it,
// and no file is left in the folder or the spool.
func TestRunLimitsStopRuns(t *testing.T) {
	data := t.TempDir()
	n := startServe(t, data)
	n.must(200, "PUT", "/api/v1/settings/policy", map[string]any{"run_limits": map[string]any{"max_rows": 20_000}}, nil)
	outbox := t.TempDir()
	var src, endless, slow, dest struct{ ID int64 }
	n.must(201, "POST", "/api/v1/sources", map[string]any{"name": "local", "dsn": sqliteSource(t, "CREATE TABLE t (x INTEGER)")}, &src)
	n.must(201, "POST", "/api/v1/reports", map[string]any{"name": "endless", "source_id": src.ID,
		"sql": "WITH RECURSIVE r(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM r) SELECT x FROM r"}, &endless)
	n.must(201, "POST", "/api/v1/reports", map[string]any{"name": "endless and silent", "source_id": src.ID,
		"sql": "WITH RECURSIVE r(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM r) SELECT x FROM r WHERE x < 0"}, &slow)
	n.must(201, "POST", "/api/v1/destinations", map[string]any{"name": "drop", "kind": "folder", "config": map[string]any{"path": outbox}}, &dest)
	schedule := func(report int64, name string, limits map[string]any) int64 {
		var sc struct{ ID int64 }
		n.must(201, "POST", "/api/v1/schedules", map[string]any{"name": name, "report_id": report, "destination_id": dest.ID,
			"format": map[string]any{"format": "csv", "compression": "gzip"}, "calendar": map[string]any{"frequency": "daily"},
			"options": map[string]any{"limits": limits}}, &sc)
		return sc.ID
	}
	run := func(schedule int64) runView {
		var r facteur.Run
		n.must(202, "POST", fmt.Sprintf("/api/v1/schedules/%d/run", schedule), nil, &r)
		return n.waitRun(r.ID)
	}
	check := func(r runView, want string) {
		t.Helper()
		if r.Status != facteur.RunFailed || r.Attempt != 1 || !strings.HasPrefix(r.Error, want) {
			t.Errorf("run %d: %s after %d attempts, error %q; want failed at once with %q\nlog %+v", r.ID, r.Status, r.Attempt, r.Error, want, r.Log)
		}
		if !logHas(r.Log, strings.ToUpper(want[:1])+want[1:]) || !logHas(r.Log, "Failed for good (the error is permanent)") {
			t.Errorf("run %d: the log does not say why it stopped: %+v", r.ID, r.Log)
		}
	}

	check(run(schedule(endless.ID, "rows", nil)),
		"stopped after 20,000 rows: the run's row limit; an administrator can raise it in Settings → Policy")
	check(run(schedule(slow.ID, "time", map[string]any{"max_duration_seconds": 1})),
		"stopped after 1 second: the run's time limit set by its schedule; raise it in the schedule's limits")

	// On PostgreSQL, the time limit cancels the query on the server too.
	var pg, pgSilent struct{ ID int64 }
	n.must(201, "POST", "/api/v1/sources", map[string]any{"name": "pg", "dsn": testdb.PostgresReader(t, postgresURL(t))}, &pg)
	n.must(201, "POST", "/api/v1/reports", map[string]any{"name": "pg endless and silent", "source_id": pg.ID,
		"sql": "WITH RECURSIVE r(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM r) SELECT x, 'facteur limits test' AS tag FROM r WHERE x < 0"}, &pgSilent)
	check(run(schedule(pgSilent.ID, "pg time", map[string]any{"max_duration_seconds": 2})),
		"stopped after 2 seconds: the run's time limit set by its schedule")
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		left := pgCount(t, postgresURL(t), "SELECT count(*) FROM pg_stat_activity WHERE state = 'active' AND query LIKE '%facteur limits test%' AND pid <> pg_backend_pid()")
		if left == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Errorf("the stopped run's query still runs on the server")
			break
		}
	}

	n.must(400, "POST", "/api/v1/schedules", map[string]any{"name": "too many", "report_id": endless.ID, "destination_id": dest.ID,
		"format": map[string]any{"format": "csv"}, "calendar": map[string]any{"frequency": "daily"},
		"options": map[string]any{"limits": map[string]any{"max_rows": 20_001}}}, nil)

	var oneOff facteur.Run
	n.must(202, "POST", "/api/v1/exports", map[string]any{"report_id": endless.ID, "format": map[string]any{"format": "xlsx"}}, &oneOff)
	check(n.waitRun(oneOff.ID), "stopped after 20,000 rows: the run's row limit")

	noFiles(t, outbox, "the folder destination")
	if left := spoolFiles(t, data); len(left) != 0 {
		t.Errorf("the spool holds %v", left)
	}
}

// rss reads a process's resident memory and its peak (VmRSS, VmHWM) in
// bytes from /proc.
func rss(t *testing.T, pid int) (now, peak int64) {
	t.Helper()
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatalf("read the server's memory: %v", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, _ := strings.Cut(sc.Text(), ":")
		kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
		switch k {
		case "VmRSS":
			now = kb << 10
		case "VmHWM":
			peak = kb << 10
		}
	}
	return now, peak
}

// sampler reads a process's memory every few milliseconds until stopped
// and keeps the highest value.
type sampler struct {
	mu   sync.Mutex
	high int64
	stop chan struct{}
	done chan struct{}
}

func sample(t *testing.T, pid int) *sampler {
	s := &sampler{stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(s.done)
		for {
			now, _ := rss(t, pid)
			s.mu.Lock()
			s.high = max(s.high, now)
			s.mu.Unlock()
			select {
			case <-s.stop:
				return
			case <-time.After(2 * time.Millisecond):
			}
		}
	}()
	return s
}

func (s *sampler) end() int64 {
	close(s.stop)
	<-s.done
	return s.high
}

// TestCellLimitMemory: a 100 MB value, computed (randomblob) or stored in
// a table, previewed and exported from an SQLite source, keeps the server
// process within 64 MB of its idle memory: the preview and the run fail at
// once, naming the column and the cell limit. A 10 MB value under the
// limit is previewed cut, with its size, and exported whole; its memory
// is logged.
func TestCellLimitMemory(t *testing.T) {
	const budget = 64 << 20
	data := t.TempDir()
	n := startServe(t, data)
	outbox := t.TempDir()
	var src, computed, stored, long, dest struct{ ID int64 }
	n.must(201, "POST", "/api/v1/sources", map[string]any{"name": "big values",
		"dsn": sqliteSource(t, "CREATE TABLE blobs (id INTEGER, data BLOB)", "INSERT INTO blobs VALUES (1, zeroblob(100000000))")}, &src)
	n.must(201, "POST", "/api/v1/reports", map[string]any{"name": "computed", "source_id": src.ID, "sql": "SELECT randomblob(100000000) AS big"}, &computed)
	n.must(201, "POST", "/api/v1/reports", map[string]any{"name": "stored", "source_id": src.ID, "sql": "SELECT id, data FROM blobs"}, &stored)
	n.must(201, "POST", "/api/v1/reports", map[string]any{"name": "long", "source_id": src.ID, "sql": "SELECT replace(hex(zeroblob(5000000)), '0', 'a') AS long"}, &long)
	n.must(201, "POST", "/api/v1/destinations", map[string]any{"name": "drop", "kind": "folder", "config": map[string]any{"path": outbox}}, &dest)

	pid := n.cmd.Process.Pid
	// Idle: after a first small preview has loaded what every preview uses.
	n.must(200, "GET", fmt.Sprintf("/api/v1/reports/%d/preview?limit=1", long.ID), nil, nil)
	time.Sleep(500 * time.Millisecond)
	idle, hwmBefore := rss(t, pid)
	s := sample(t, pid)

	preview := func(id int64) (int, string) {
		var out struct {
			Error struct{ Message string }
			Rows  [][]*string
		}
		status := n.call("GET", fmt.Sprintf("/api/v1/reports/%d/preview?limit=1", id), nil, &out)
		if out.Error.Message != "" {
			return status, out.Error.Message
		}
		if len(out.Rows) == 1 && out.Rows[0][0] != nil {
			return status, *out.Rows[0][0]
		}
		return status, ""
	}
	const over = "a value is larger than the cell limit of 16 MiB (16,777,216 bytes)"
	if st, msg := preview(computed.ID); st != 400 || !strings.HasPrefix(msg, `column "big": `+over) {
		t.Errorf("preview of a computed 100 MB value: %d %q", st, msg)
	}
	if st, msg := preview(stored.ID); st != 400 || !strings.Contains(msg, over) {
		t.Errorf("preview of a stored 100 MB value: %d %q", st, msg)
	}
	for _, rep := range []struct {
		id   int64
		want string
	}{{computed.ID, `column "big": ` + over}, {stored.ID, over}} {
		var sc struct{ ID int64 }
		n.must(201, "POST", "/api/v1/schedules", map[string]any{"name": fmt.Sprint("export ", rep.id), "report_id": rep.id, "destination_id": dest.ID,
			"format": map[string]any{"format": "csv"}, "calendar": map[string]any{"frequency": "daily"}}, &sc)
		var r facteur.Run
		n.must(202, "POST", fmt.Sprintf("/api/v1/schedules/%d/run", sc.ID), nil, &r)
		got := n.waitRun(r.ID)
		if got.Status != facteur.RunFailed || got.Attempt != 1 || !strings.Contains(got.Error, rep.want) || !strings.Contains(got.Error, "max_cell_bytes") {
			t.Errorf("export of a 100 MB value: %s after %d attempts: %q", got.Status, got.Attempt, got.Error)
		}
	}
	high := s.end()
	_, hwmAfter := rss(t, pid)
	if hwmAfter > hwmBefore { // the peak was reached during the test: the kernel's figure misses no spike
		high = max(high, hwmAfter)
	}
	t.Logf("server memory (RSS): idle %.1f MB, peak %.1f MB while previewing and exporting 100 MB values: %+.1f MB (bound %d MB)",
		float64(idle)/1e6, float64(high)/1e6, float64(high-idle)/1e6, budget>>20)
	if high-idle > budget {
		t.Errorf("the server's memory grew by %.1f MB, more than %d MB", float64(high-idle)/1e6, budget>>20)
	}

	// A value under the limit is read whole: what it costs is measured
	// and logged, not bounded by this test.
	idle, hwmBefore = rss(t, pid)
	s = sample(t, pid)
	if st, msg := preview(long.ID); st != 200 || msg != strings.Repeat("a", 1000)+"… (10.0 MB)" {
		t.Errorf("preview of a 10 MB value: %d %.80q… (%d bytes)", st, msg, len(msg))
	}
	var sc struct{ ID int64 }
	n.must(201, "POST", "/api/v1/schedules", map[string]any{"name": "long", "report_id": long.ID, "destination_id": dest.ID,
		"format": map[string]any{"format": "csv"}, "file_name": "long.csv", "calendar": map[string]any{"frequency": "daily"}}, &sc)
	var r facteur.Run
	n.must(202, "POST", fmt.Sprintf("/api/v1/schedules/%d/run", sc.ID), nil, &r)
	if got := n.waitRun(r.ID); got.Status != facteur.RunSucceeded {
		t.Errorf("export of a 10 MB value: %s %q", got.Status, got.Error)
	}
	high = s.end()
	if _, hwmAfter = rss(t, pid); hwmAfter > hwmBefore {
		high = max(high, hwmAfter)
	}
	t.Logf("server memory (RSS) for a 10 MB value previewed and exported: %+.1f MB", float64(high-idle)/1e6)
	if b, err := os.ReadFile(filepath.Join(outbox, "long.csv")); err != nil || len(b) != len("long\n")+10_000_000+1 {
		t.Errorf("the 10 MB value's file: %d bytes, %v", len(b), err)
	}
}

// TestBrowserRunLimitsForms: an administrator sets the run limits on the
// policy page; the schedule form refuses a limit above them next to its
// field, and saves a lower one.
func TestBrowserRunLimitsForms(t *testing.T) {
	b, n, rep, dest := scheduleSetup(t)
	b.do(chromedp.Navigate(n.base+"/settings/policy"), chromedp.WaitVisible(css(`#policy-form`)))
	if rows, mib, cell := b.value("#max_rows"), b.value("#max_mib"), b.value("#max_cell_mib"); rows != "50000000" || mib != "20480" || cell != "16" {
		t.Errorf("the policy page shows the limits %q rows, %q MiB, cells %q MiB; want the defaults", rows, mib, cell)
	}
	b.set("#max_rows", "1000")
	b.set("#max_minutes", "30")
	b.follow(`button[data-action="save"]`, `.flash`)
	var p facteur.Policy
	n.must(200, "GET", "/api/v1/settings/policy", nil, &p)
	if p.Limits != (facteur.RunLimits{MaxRows: 1000, MaxDurationSeconds: 1800, MaxBytes: 20 << 30}) || p.MaxCellBytes != 16<<20 {
		t.Errorf("saved policy: %+v, cell %d", p.Limits, p.MaxCellBytes)
	}
	b.set("#max_rows", "0.5x")
	b.follow(`button[data-action="save"]`, `.error`)
	if msg := b.text(".error"); !strings.Contains(msg, "run_limits.max_rows") {
		t.Errorf("a row limit that is not a number: %q", msg)
	}
	screenshots(t, b.ctx, "policy-limits")

	b.do(chromedp.Navigate(n.base+"/schedules/new"), chromedp.WaitVisible(css(`#schedule-form`)))
	b.set("#name", "Limited")
	b.set("#report_id", fmt.Sprint(rep))
	b.set("#destination_id", fmt.Sprint(dest))
	b.set("#max_rows", "5000")
	b.set("#max_minutes", "1.5")
	b.follow(`button[data-action="save"]`, `#schedule-form`)
	if msg := b.text("#max_rows-error"); !strings.Contains(msg, "at most 1,000 rows, the server's limit") {
		t.Errorf("a row limit above the server's: %q", msg)
	}
	if got := b.value("#max_minutes"); got != "1.5" {
		t.Errorf("the time limit typed was not kept: %q", got)
	}
	screenshots(t, b.ctx, "schedule-form-limits")
	b.set("#max_rows", "500")
	b.follow(`button[data-action="save"]`, `#schedules`)
	var list []facteur.Schedule
	n.must(200, "GET", "/api/v1/schedules", nil, &list)
	if len(list) != 1 || list[0].Options.Limits != (facteur.RunLimits{MaxRows: 500, MaxDurationSeconds: 90}) {
		t.Errorf("saved: %+v", list)
	}
}
