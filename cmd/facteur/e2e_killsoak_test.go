package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	_ "modernc.org/sqlite"

	"github.com/facteur/facteur"
)

// soakOp is one write the kill test made and what it knows of it: acked
// when its 2xx answer arrived whole, otherwise it may or may not have
// taken effect (the process was killed while it was in flight).
type soakOp struct {
	kind  string // report.create, destination.create, report.delete, run
	name  string
	id    int64
	acked bool
}

// TestKillDuringWrites kills the embedded store's process with SIGKILL
// while two clients write through the API (reports, destinations,
// deletes, Run now), and restarts it, FACTEUR_KILLS times (default 6).
// After the last restart, it checks what a user and an auditor would:
// every acknowledged write is there and whole (a report's SQL is the one
// sent with its name), every change has its audit entry and every audit
// entry its change, every run reaches a final state by itself, and the
// database passes SQLite's integrity check. It prints the counts.
func TestKillDuringWrites(t *testing.T) {
	kills := 6
	if v, err := strconv.Atoi(os.Getenv("FACTEUR_KILLS")); err == nil && v > 0 {
		kills = v
	}
	data, outbox := t.TempDir(), t.TempDir()
	n := startServe(t, data)
	var src, dest, sc struct{ ID int64 }
	n.must(201, "POST", "/api/v1/sources", map[string]any{"name": "items", "dsn": smallSQLiteSource(t)}, &src)
	n.must(201, "POST", "/api/v1/destinations", map[string]any{"name": "drop", "kind": "folder", "config": map[string]any{"path": outbox}}, &dest)
	var base struct{ ID int64 }
	n.must(201, "POST", "/api/v1/reports", map[string]any{"name": "base", "source_id": src.ID, "sql": "select id, label from items"}, &base)
	n.must(201, "POST", "/api/v1/schedules", map[string]any{"report_id": base.ID, "destination_id": dest.ID, "enabled": false,
		"format": map[string]any{"format": "csv"}, "file_name": "items-{run_id}.csv", "calendar": map[string]any{"frequency": "daily"}}, &sc)

	var (
		mu  sync.Mutex
		ops []soakOp
		seq int
	)
	record := func(op soakOp) {
		mu.Lock()
		ops = append(ops, op)
		mu.Unlock()
	}
	nextName := func(prefix string) string {
		mu.Lock()
		defer mu.Unlock()
		seq++
		return fmt.Sprintf("%s-%d", prefix, seq)
	}
	deletable := func() (soakOp, bool) {
		mu.Lock()
		defer mu.Unlock()
		for i, op := range ops {
			if op.kind == "report.create" && op.acked && op.id != 0 {
				ops[i].kind = "report.created-then-deleted" // never deleted twice
				return op, true
			}
		}
		return soakOp{}, false
	}
	client := &http.Client{Timeout: 10 * time.Second}
	write := func(base, token string, stop <-chan struct{}) {
		for {
			select {
			case <-stop:
				return
			default:
			}
			var op soakOp
			var method, path string
			var body any
			switch r := rand.IntN(10); {
			case r < 4:
				op.kind, op.name = "report.create", nextName("report")
				method, path, body = "POST", "/api/v1/reports", map[string]any{"name": op.name, "source_id": src.ID, "sql": soakSQL(op.name)}
			case r < 7:
				op.kind, op.name = "destination.create", nextName("dest")
				method, path, body = "POST", "/api/v1/destinations", map[string]any{"name": op.name, "kind": "folder", "config": map[string]any{"path": outbox}}
			case r < 9:
				del, ok := deletable()
				if !ok {
					continue
				}
				op = soakOp{kind: "report.delete", name: del.name, id: del.id}
				method, path = "DELETE", fmt.Sprintf("/api/v1/reports/%d", del.id)
			default:
				op.kind = "run"
				method, path = "POST", fmt.Sprintf("/api/v1/schedules/%d/run", sc.ID)
			}
			status, answer, err := soakDo(client, base, token, method, path, body)
			if err == nil && status/100 != 2 {
				t.Errorf("%s %s: %d %s", method, path, status, answer)
			}
			op.acked = err == nil && status/100 == 2
			if op.acked && op.kind != "report.delete" {
				var obj struct{ ID int64 }
				if json.Unmarshal(answer, &obj) == nil {
					op.id = obj.ID
				}
			}
			record(op)
			if err != nil {
				return // the process is gone
			}
		}
	}

	var restarts []time.Duration
	for k := 0; k < kills; k++ {
		stop := make(chan struct{})
		var wg sync.WaitGroup
		for range 2 {
			wg.Go(func() { write(n.base, n.token, stop) })
		}
		time.Sleep(time.Duration(200+rand.IntN(1000)) * time.Millisecond)
		kill9(n)
		close(stop)
		wg.Wait()
		start := time.Now()
		n = startServe(t, data)
		restarts = append(restarts, time.Since(start))
	}

	// Every run reaches a final state by itself: the queue works through
	// what the soak left (hundreds of runs after 200 kills), and a run
	// counts as stuck when nothing has finished for 30 s.
	notFinal := -1
	for last, quiet := -1, time.Now(); time.Since(quiet) < 30*time.Second; time.Sleep(200 * time.Millisecond) {
		notFinal = 0
		for _, r := range allRuns(n) {
			if !facteur.RunFinished(r.Status) {
				notFinal++
			}
		}
		if notFinal == 0 {
			break
		}
		if notFinal != last {
			last, quiet = notFinal, time.Now()
		}
	}

	var reports, dests []struct {
		ID   int64
		Name string
		SQL  string
	}
	n.must(200, "GET", "/api/v1/reports", nil, &reports)
	n.must(200, "GET", "/api/v1/destinations", nil, &dests)
	audit := allAudit(n)
	audited := map[string]bool{}
	for _, e := range audit {
		audited[fmt.Sprintf("%s %d", e.Action, e.ObjectID)] = true
	}
	have := map[string]int64{}
	for _, r := range reports {
		have["report "+r.Name] = r.ID
		if strings.HasPrefix(r.Name, "report-") && r.SQL != soakSQL(r.Name) {
			t.Errorf("torn report %d %q: %q", r.ID, r.Name, r.SQL)
		}
	}
	for _, d := range dests {
		have["dest "+d.Name] = d.ID
	}
	maybeDeleted := map[string]bool{}
	for _, op := range ops {
		if op.kind == "report.delete" {
			maybeDeleted[op.name] = true
		}
	}
	var acked, lost, withoutAudit, auditWithoutChange int
	for _, op := range ops {
		acked += b2i(op.acked)
		switch op.kind {
		case "report.create", "report.created-then-deleted", "destination.create":
			key := "dest " + op.name
			if op.kind != "destination.create" {
				key = "report " + op.name
			}
			id, ok := have[key]
			action := strings.Replace(op.kind, "report.created-then-deleted", "report.create", 1)
			switch {
			case op.acked && !ok && !maybeDeleted[op.name]:
				lost++
				t.Errorf("acknowledged %s %q is gone", op.kind, op.name)
			case ok && !audited[fmt.Sprintf("%s %d", action, id)]:
				withoutAudit++
				t.Errorf("%s %q (id %d) has no audit entry", action, op.name, id)
			}
		case "report.delete":
			_, still := have["report "+op.name]
			switch {
			case op.acked && still:
				lost++
				t.Errorf("acknowledged delete of report %q did not happen", op.name)
			case !still && !audited[fmt.Sprintf("report.delete %d", op.id)]:
				withoutAudit++
				t.Errorf("report %q (id %d) is deleted without an audit entry", op.name, op.id)
			}
		}
	}
	// An entry without its change: a create whose object never existed.
	ids := map[int64]bool{}
	for _, op := range ops {
		if op.kind == "report.delete" {
			ids[op.id] = true
		}
	}
	for _, e := range audit {
		if e.Action == "report.create" && !ids[e.ObjectID] && !slices.ContainsFunc(reports, func(r struct {
			ID   int64
			Name string
			SQL  string
		}) bool {
			return r.ID == e.ObjectID
		}) {
			auditWithoutChange++
			t.Errorf("audit entry %d: report.create of %d, which does not exist and was not deleted", e.ID, e.ObjectID)
		}
	}
	n.stop()
	integrity := sqliteIntegrity(t, filepath.Join(data, "facteur.db"))
	slices.Sort(restarts)
	t.Logf("%d kills during %d writes (%d acknowledged): lost %d, torn 0 checked on %d reports, changes without audit %d, audit without change %d, runs not final %d, integrity %q; restart to serving: median %s, max %s",
		kills, len(ops), acked, lost, len(reports), withoutAudit, auditWithoutChange, notFinal, integrity,
		restarts[len(restarts)/2].Round(time.Millisecond), restarts[len(restarts)-1].Round(time.Millisecond))
	if notFinal != 0 {
		t.Errorf("%d runs not final 30 s after the last restart", notFinal)
	}
	if integrity != "ok" {
		t.Errorf("integrity check: %s", integrity)
	}
	if acked == 0 {
		t.Error("no write was acknowledged: the test exercised nothing")
	}
}

// soakSQL is the SQL a report of the kill test is created with: derived
// from its name, so that a torn report shows.
func soakSQL(name string) string {
	return "select id, label, '" + name + "' as made_by from items"
}

// soakDo sends one request and reads its whole answer; an error means the
// answer did not arrive (the process was killed).
func soakDo(c *http.Client, base, token, method, path string, body any) (int, []byte, error) {
	var r io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		r = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, base+path, r)
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := c.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	return resp.StatusCode, data, err
}

// sqliteIntegrity runs PRAGMA integrity_check on a database file.
func sqliteIntegrity(t *testing.T, path string) string {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var res string
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := db.QueryRowContext(ctx, "PRAGMA integrity_check").Scan(&res); err != nil {
		t.Fatal(err)
	}
	return res
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// allRuns reads the whole history, page by page (newest first).
func allRuns(n *node) []facteur.Run {
	return allPages(n, "/api/v1/runs", 1000, func(r facteur.Run) int64 { return r.ID })
}

// allAudit reads the whole audit log, page by page (newest first).
func allAudit(n *node) []facteur.AuditEntry {
	return allPages(n, "/api/v1/audit", 10000, func(e facteur.AuditEntry) int64 { return e.ID })
}

// allPages reads a list the API gives newest first, limit items a page,
// each page older than the last item of the one before (?before=ID).
func allPages[T any](n *node, path string, limit int, id func(T) int64) []T {
	var all []T
	for next := fmt.Sprintf("%s?limit=%d", path, limit); ; {
		var page []T
		n.must(200, "GET", next, nil, &page)
		all = append(all, page...)
		if len(page) < limit {
			return all
		}
		next = fmt.Sprintf("%s?limit=%d&before=%d", path, limit, id(page[len(page)-1]))
	}
}
