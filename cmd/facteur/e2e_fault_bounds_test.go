package main

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/facteur/facteur"
	"github.com/facteur/facteur/internal/testdb"
)

// TestThousandRunNow sends Run now requests at once (250 in the suite,
// 1,000 in the long form), spread over 50 schedules, to `facteur serve` on
// the embedded store: every request is answered 202 (none 5xx), each with
// a run of its own, and every run is executed once: it succeeds and its
// file, named after the run, is in the folder once.
func TestThousandRunNow(t *testing.T) {
	if testing.Short() {
		t.Skip("short mode: a thousand runs")
	}
	// The suite sends 250 requests; FACTEUR_FAULT_RUNNOW=1000 is the long
	// form's thousand.
	requests := 250
	if v, err := strconv.Atoi(os.Getenv("FACTEUR_FAULT_RUNNOW")); err == nil && v > 0 && v <= 10_000 {
		requests = v
	}
	const schedules = 50
	began := time.Now()
	n := startServe(t, t.TempDir())
	outbox := t.TempDir()
	var src, rep, dest struct{ ID int64 }
	n.must(201, "POST", "/api/v1/sources", map[string]any{"name": "small", "dsn": smallSQLiteSource(t)}, &src)
	n.must(201, "POST", "/api/v1/reports", map[string]any{"name": "items", "source_id": src.ID, "sql": "select * from items order by id"}, &rep)
	n.must(201, "POST", "/api/v1/destinations", map[string]any{"name": "drop", "kind": "folder", "config": map[string]any{"path": outbox}}, &dest)
	ids := make([]int64, schedules)
	for i := range ids {
		var sc struct{ ID int64 }
		n.must(201, "POST", "/api/v1/schedules", map[string]any{"name": fmt.Sprintf("s%d", i), "report_id": rep.ID, "destination_id": dest.ID, "enabled": false,
			"format": map[string]any{"format": "csv"}, "file_name": "r-{run_id}.csv", "calendar": map[string]any{"frequency": "daily"}}, &sc)
		ids[i] = sc.ID
	}

	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: requests}, Timeout: 2 * time.Minute}
	statuses := map[int]int{}
	runs := map[int64]bool{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range requests {
		wg.Go(func() {
			<-start
			req, _ := http.NewRequest("POST", fmt.Sprintf("%s/api/v1/schedules/%d/run", n.base, ids[i%schedules]), nil)
			req.Header.Set("Authorization", "Bearer "+n.token)
			resp, err := client.Do(req)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				statuses[-1]++
				t.Errorf("request %d: %v", i, err)
				return
			}
			defer resp.Body.Close()
			statuses[resp.StatusCode]++
			var r facteur.Run
			if resp.StatusCode == http.StatusAccepted && json.NewDecoder(resp.Body).Decode(&r) == nil {
				if runs[r.ID] {
					t.Errorf("run %d given to two requests", r.ID)
				}
				runs[r.ID] = true
			}
		})
	}
	sent := time.Now()
	close(start)
	wg.Wait()
	answered := time.Since(sent)
	if statuses[http.StatusAccepted] != requests || len(runs) != requests {
		t.Fatalf("answers %v, %d runs; want %d × 202 and as many runs", statuses, len(runs), requests)
	}

	// Every run executes once; the queue is done when nothing has been
	// left unfinished for long, or stuck when nothing finishes for 60 s.
	var unfinished, failed int
	for last, quiet := -1, time.Now(); time.Since(quiet) < 60*time.Second; time.Sleep(500 * time.Millisecond) {
		unfinished, failed = 0, 0
		for _, r := range allRuns(n) {
			if !runs[r.ID] {
				continue
			}
			switch {
			case !facteur.RunFinished(r.Status):
				unfinished++
			case r.Status != facteur.RunSucceeded:
				failed++
				t.Errorf("run %d: %s %s", r.ID, r.Status, r.Error)
			case r.Attempt != 1:
				t.Errorf("run %d took %d attempts, want one", r.ID, r.Attempt)
			}
		}
		if unfinished == 0 {
			break
		}
		if unfinished != last {
			last, quiet = unfinished, time.Now()
		}
	}
	got := files(t, outbox)
	delivered := map[string]bool{}
	for _, f := range got {
		delivered[f] = true
	}
	missing := 0
	for id := range runs {
		if !delivered[fmt.Sprintf("r-%d.csv", id)] {
			missing++
		}
	}
	t.Logf("%d Run now at once: answered %v in %s; %d runs, %d unfinished, %d failed, %d files (%d missing) after %s in all",
		requests, statuses, answered.Round(time.Millisecond), len(runs), unfinished, failed, len(got), missing, time.Since(began).Round(time.Second))
	if unfinished != 0 || failed != 0 || missing != 0 || len(got) != requests {
		t.Errorf("%d unfinished, %d failed, %d files missing, %d files for %d runs", unfinished, failed, missing, len(got), requests)
	}
}

// TestHungQueryFreesItsWorker: on a node with one worker, a report whose
// query hangs (pg_sleep for an hour) holds the worker until its
// schedule's time limit, 5 s, stops it: the run fails with the limit
// named, the query is gone from PostgreSQL, and another schedule's run,
// queued behind it, then runs and delivers.
func TestHungQueryFreesItsWorker(t *testing.T) {
	pg := postgresURL(t)
	b := make([]byte, 4)
	rand.Read(b)
	tag := hex.EncodeToString(b)
	n := startServe(t, t.TempDir(), "--workers", "1")
	outbox := t.TempDir()
	var pgSrc, small, hung, quick, dest, hungSc, quickSc struct{ ID int64 }
	n.must(201, "POST", "/api/v1/sources", map[string]any{"name": "pg", "dsn": testdb.PostgresReader(t, pg)}, &pgSrc)
	n.must(201, "POST", "/api/v1/sources", map[string]any{"name": "small", "dsn": smallSQLiteSource(t)}, &small)
	n.must(201, "POST", "/api/v1/reports", map[string]any{"name": "hung", "source_id": pgSrc.ID,
		"sql": fmt.Sprintf("select /* hang-%s */ 1 as x from pg_sleep(3600)", tag)}, &hung)
	n.must(201, "POST", "/api/v1/reports", map[string]any{"name": "quick", "source_id": small.ID, "sql": "select * from items order by id"}, &quick)
	n.must(201, "POST", "/api/v1/destinations", map[string]any{"name": "drop", "kind": "folder", "config": map[string]any{"path": outbox}}, &dest)
	n.must(201, "POST", "/api/v1/schedules", map[string]any{"report_id": hung.ID, "destination_id": dest.ID, "enabled": false,
		"format": map[string]any{"format": "csv"}, "file_name": "hung.csv", "calendar": map[string]any{"frequency": "daily"},
		"options": map[string]any{"limits": map[string]any{"max_duration_seconds": 5}}}, &hungSc)
	n.must(201, "POST", "/api/v1/schedules", map[string]any{"report_id": quick.ID, "destination_id": dest.ID, "enabled": false,
		"format": map[string]any{"format": "csv"}, "file_name": "quick.csv", "calendar": map[string]any{"frequency": "daily"}}, &quickSc)

	active := fmt.Sprintf("select count(*) from pg_stat_activity where query like '%%hang-%s%%' and state = 'active' and pid <> pg_backend_pid()", tag)
	hungRun := runNow(n, hungSc.ID)
	for deadline := time.Now().Add(20 * time.Second); pgCount(t, pg, active) == 0; time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the hung query never reached PostgreSQL")
		}
	}
	started := time.Now()
	var queued facteur.Run
	n.must(202, "POST", fmt.Sprintf("/api/v1/schedules/%d/run", quickSc.ID), nil, &queued)
	time.Sleep(2 * time.Second)
	var q facteur.Run
	n.must(200, "GET", fmt.Sprintf("/api/v1/runs/%d", queued.ID), nil, &q)
	if q.Status != facteur.RunQueued {
		t.Fatalf("with one worker busy, the second run is %s, want queued: the test does not hold the only worker", q.Status)
	}

	h := n.waitRun(hungRun)
	if h.Status != facteur.RunFailed || h.Attempt != 1 || !strings.Contains(h.Error, "stopped after 5 seconds: the run's time limit set by its schedule") {
		t.Fatalf("hung run: %s attempt %d: %q", h.Status, h.Attempt, h.Error)
	}
	r := n.waitRun(queued.ID)
	took := time.Since(started)
	if body, _ := os.ReadFile(filepath.Join(outbox, "quick.csv")); r.Status != facteur.RunSucceeded || string(body) != "id,label\n1,one\n2,two\n" {
		t.Fatalf("the run behind it: %s %q; log %+v", r.Status, body, r.Log)
	}
	if took > 20*time.Second {
		t.Errorf("the run behind the hung one finished %s after it was queued; the limit is 5 s", took)
	}
	for deadline := time.Now().Add(10 * time.Second); pgCount(t, pg, active) > 0; time.Sleep(100 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the hung query still runs on PostgreSQL after its run was stopped")
		}
	}
	if _, err := os.Stat(filepath.Join(outbox, "hung.csv")); !os.IsNotExist(err) {
		t.Errorf("the stopped run delivered a file: %v", err)
	}
}

// memoryLimit is the limit of TestExportUnderMemoryLimit: 512 MiB.
const memoryLimit = 512 << 20

// underMemoryLimit returns a program that runs bin in a memory cgroup
// limited to memoryLimit (cgroup v1 or v2, as root), and the cgroup's
// directory; "" when no cgroup can be made here.
func underMemoryLimit(t *testing.T) (wrapper, cg string) {
	t.Helper()
	name := fmt.Sprintf("facteur-test-%d", os.Getpid())
	for _, c := range []struct{ dir, limit string }{
		{"/sys/fs/cgroup/memory/" + name, "memory.limit_in_bytes"}, // v1
		{"/sys/fs/cgroup/" + name, "memory.max"},                   // v2
	} {
		if err := os.Mkdir(c.dir, 0o755); err != nil {
			continue
		}
		if err := os.WriteFile(filepath.Join(c.dir, c.limit), []byte(strconv.Itoa(memoryLimit)), 0o644); err != nil {
			os.Remove(c.dir)
			continue
		}
		os.WriteFile(filepath.Join(c.dir, "memory.swappiness"), []byte("0"), 0o644) // v1: no swap instead of the limit
		os.WriteFile(filepath.Join(c.dir, "memory.swap.max"), []byte("0"), 0o644)   // v2
		t.Cleanup(func() { os.Remove(c.dir) })
		wrapper = filepath.Join(t.TempDir(), "in-cgroup")
		script := fmt.Sprintf("#!/bin/sh\necho $$ > %s/cgroup.procs || exit 97\nexec %s \"$@\"\n", c.dir, bin)
		if err := os.WriteFile(wrapper, []byte(script), 0o755); err != nil {
			t.Fatal(err)
		}
		return wrapper, c.dir
	}
	return "", ""
}

// vmHWM reads a process's peak resident set, in bytes.
func vmHWM(pid int) int64 {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return -1
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb << 10
		}
	}
	return -1
}

// TestExportUnderMemoryLimit runs `facteur serve` in a memory cgroup of
// 512 MiB (as root; elsewhere GOMEMLIMIT alone, said loudly) and exports
// generate_series rows from PostgreSQL as CSV, JSON and XLSX to a folder:
// each run succeeds with every row, the server is never killed, and its
// peak resident memory (VmHWM) is logged. 1,000,000 rows in the suite;
// FACTEUR_FAULT_ROWS=10000000 for the long form.
func TestExportUnderMemoryLimit(t *testing.T) {
	if testing.Short() {
		t.Skip("short mode: millions of rows")
	}
	rows := 1_000_000
	if v, err := strconv.Atoi(os.Getenv("FACTEUR_FAULT_ROWS")); err == nil && v > 0 {
		rows = v
	}
	pg := postgresURL(t)
	wrapper, cg := underMemoryLimit(t)
	env := []string{"FACTEUR_ADMIN_EMAIL=" + testAdmin, "FACTEUR_ADMIN_PASSWORD=" + testPassword, "GOMEMLIMIT=400MiB"}
	var n *node
	if wrapper == "" {
		t.Log("NO CGROUP: cannot make a memory cgroup here (not root?); the server runs under GOMEMLIMIT alone")
		n = startServeEnv(t, t.TempDir(), env)
	} else {
		n = startBinary(t, wrapper, t.TempDir(), env)
	}
	n.token = n.login(testAdmin, testPassword)
	outbox := t.TempDir()
	var src, rep, dest struct{ ID int64 }
	n.must(201, "POST", "/api/v1/sources", map[string]any{"name": "pg", "dsn": testdb.PostgresReader(t, pg)}, &src)
	n.must(201, "POST", "/api/v1/reports", map[string]any{"name": "series", "source_id": src.ID, "sql": fmt.Sprintf(
		`select g as id, md5(g::text) as label, timestamptz '2026-01-01' + g * interval '1 second' as at, (g * 0.01)::numeric(12,2) as amount
		from generate_series(1, %d) g`, rows)}, &rep)
	n.must(201, "POST", "/api/v1/destinations", map[string]any{"name": "drop", "kind": "folder", "config": map[string]any{"path": outbox}}, &dest)
	idle := vmHWM(n.cmd.Process.Pid)
	for _, format := range []string{"csv", "json", "xlsx"} {
		var sc struct{ ID int64 }
		n.must(201, "POST", "/api/v1/schedules", map[string]any{"name": format, "report_id": rep.ID, "destination_id": dest.ID, "enabled": false,
			"format": map[string]any{"format": format}, "file_name": "series." + format, "calendar": map[string]any{"frequency": "daily"}}, &sc)
		var run facteur.Run
		start := time.Now()
		n.must(202, "POST", fmt.Sprintf("/api/v1/schedules/%d/run", sc.ID), nil, &run)
		r := waitFinal(n, run.ID, 30*time.Minute)
		fi, err := os.Stat(filepath.Join(outbox, "series."+format))
		if r.Status != facteur.RunSucceeded || r.Rows != int64(rows) || err != nil || fi.Size() != r.Bytes {
			t.Fatalf("%s: %s, %d rows, %s, file %v; log %+v\n%s", format, r.Status, r.Rows, r.Error, err, r.Log, n.out)
		}
		os.Remove(filepath.Join(outbox, "series."+format))
		t.Logf("%s: %d rows, %d bytes in %s; the server's peak RSS so far %d MB (idle %d MB)",
			format, rows, r.Bytes, time.Since(start).Round(time.Millisecond), vmHWM(n.cmd.Process.Pid)>>20, idle>>20)
	}
	peak := vmHWM(n.cmd.Process.Pid)
	if cg != "" {
		var killed []byte
		for _, f := range []string{"memory.failcnt", "memory.events"} {
			if b, err := os.ReadFile(filepath.Join(cg, f)); err == nil {
				killed = append(killed, bytes.TrimSpace(b)...)
			}
		}
		t.Logf("cgroup %s: limit %d MiB; %s", cg, memoryLimit>>20, strings.Join(strings.Fields(string(killed)), " "))
	}
	load, _ := os.ReadFile("/proc/loadavg")
	t.Logf("%d rows as CSV, JSON and XLSX under a %d MiB limit: peak RSS %d MB; load average %s", rows, memoryLimit>>20, peak>>20, strings.Join(strings.Fields(string(load))[:3], " "))
	if peak > memoryLimit {
		t.Errorf("peak RSS %d MB over the limit", peak>>20)
	}
}
