package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/facteur/facteur"
	"github.com/facteur/facteur/internal/testdb"
	"github.com/facteur/facteur/mail/smtptest"
)

// kill9 kills the node with SIGKILL, as a crash or the OOM killer would:
// nothing of Facteur runs after it.
func kill9(n *node) {
	n.t.Helper()
	if err := n.cmd.Process.Kill(); err != nil {
		n.t.Fatal(err)
	}
	select {
	case <-n.done:
	case <-time.After(30 * time.Second):
		n.t.Fatal("the killed process did not end")
	}
}

// longSchedule creates a PostgreSQL source, a folder destination at outbox
// and a schedule whose export of "n\n<value>\n" takes secs seconds.
func longSchedule(t *testing.T, n *node, outbox, name string, value, secs int) int64 {
	t.Helper()
	var src, dest, rep, sc struct{ ID int64 }
	n.must(201, "POST", "/api/v1/sources", map[string]any{"name": "pg " + name, "dsn": testdb.PostgresReader(t, postgresURL(t))}, &src)
	n.must(201, "POST", "/api/v1/destinations", map[string]any{"name": "drop " + name, "kind": "folder", "config": map[string]any{"path": outbox}}, &dest)
	n.must(201, "POST", "/api/v1/reports", map[string]any{"name": name, "source_id": src.ID,
		"sql": fmt.Sprintf("select %d as n from pg_sleep(%d)", value, secs)}, &rep)
	n.must(201, "POST", "/api/v1/schedules", map[string]any{"report_id": rep.ID, "destination_id": dest.ID, "enabled": false,
		"format": map[string]any{"format": "csv"}, "file_name": name + ".csv", "calendar": map[string]any{"frequency": "daily"}}, &sc)
	return sc.ID
}

// runNow starts a run of a schedule and waits until it is running.
func runNow(n *node, schedule int64) int64 {
	n.t.Helper()
	var run facteur.Run
	n.must(202, "POST", fmt.Sprintf("/api/v1/schedules/%d/run", schedule), nil, &run)
	waitStatus(n, run.ID, facteur.RunRunning)
	return run.ID
}

// waitTakenUp polls a run until an attempt after the first has begun and
// returns how long that took.
func waitTakenUp(n *node, id int64, since time.Time) time.Duration {
	n.t.Helper()
	deadline := time.Now().Add(90 * time.Second)
	for time.Now().Before(deadline) {
		var r facteur.Run
		n.must(200, "GET", fmt.Sprintf("/api/v1/runs/%d", id), nil, &r)
		if r.Attempt >= 2 && (r.Status == facteur.RunRunning || r.Status == facteur.RunSucceeded) {
			return time.Since(since)
		}
		time.Sleep(20 * time.Millisecond)
	}
	var r runView
	n.must(200, "GET", fmt.Sprintf("/api/v1/runs/%d", id), nil, &r)
	n.t.Fatalf("run %d not taken up after 90s: %s attempt %d; log %+v\n%s", id, r.Status, r.Attempt, r.Log, n.out)
	return 0
}

// waitFile waits until a file matching pattern exists and returns it.
func waitFile(t *testing.T, pattern string) string {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if m, _ := filepath.Glob(pattern); len(m) > 0 {
			return m[0]
		}
	}
	t.Fatalf("no file %s", pattern)
	return ""
}

// logHas reports whether a log line contains every part.
func logHas(log []facteur.LogEntry, parts ...string) bool {
	return slices.ContainsFunc(log, func(e facteur.LogEntry) bool {
		for _, p := range parts {
			if !strings.Contains(e.Message, p) {
				return false
			}
		}
		return true
	})
}

// files lists a directory's file names.
func files(t *testing.T, dir string) []string {
	t.Helper()
	es, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range es {
		out = append(out, e.Name())
	}
	return out
}

// TestCrashResumesOnSQLite: `facteur serve` on the embedded store is
// killed with SIGKILL while it exports. The restarted process takes the
// run up at once (within 10 s), as attempt 2, says so in the run log,
// removes the dead attempt's partial files and delivers the file once.
func TestCrashResumesOnSQLite(t *testing.T) {
	data, outbox := t.TempDir(), t.TempDir()
	n := startServe(t, data, "--node-name", "first")
	id := runNow(n, longSchedule(t, n, outbox, "long", 2, 4))
	partial := waitFile(t, filepath.Join(data, "spool", fmt.Sprintf(".run-%d.*.partial", id)))
	// What a delivery of the same file interrupted by the kill leaves in
	// the folder (the kill here comes during the export, before delivery).
	planted := filepath.Join(outbox, ".long.csv.5eed1e55.partial")
	if err := os.WriteFile(planted, []byte("n\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	kill9(n)

	restart := time.Now()
	n = startServe(t, data, "--node-name", "second")
	took := waitTakenUp(n, id, restart)
	t.Logf("taken up %s after the restart began", took.Round(time.Millisecond))
	if took > 10*time.Second {
		t.Errorf("the run was taken up %s after the restart, want < 10s", took)
	}
	r := n.waitRun(id)
	if b, _ := os.ReadFile(filepath.Join(outbox, "long.csv")); r.Status != facteur.RunSucceeded || string(b) != "n\n2\n" || r.Attempt != 2 {
		t.Fatalf("after the crash: %s attempt %d, file %q; log %+v", r.Status, r.Attempt, b, r.Log)
	}
	if got := files(t, outbox); !slices.Equal(got, []string{"long.csv"}) {
		t.Errorf("destination folder holds %v, want only long.csv", got)
	}
	if m, _ := filepath.Glob(filepath.Join(data, "spool", ".*.partial")); len(m) > 0 {
		t.Errorf("partial files left in the spool: %v", m)
	}
	if !logHas(r.Log, "Interrupted: node first stopped at", "attempt 2 started at", "on node second") {
		t.Errorf("the log does not tell of the interruption: %+v", r.Log)
	}
	if !logHas(r.Log, filepath.Base(partial)) || !logHas(r.Log, planted) {
		t.Errorf("the log does not say which partial files were removed (%s, %s): %+v", filepath.Base(partial), planted, r.Log)
	}
}

// TestSecondServeOnSameDataIsRefused: the embedded store has one node; a
// second `facteur serve` on the same data directory stops at once.
func TestSecondServeOnSameDataIsRefused(t *testing.T) {
	data := t.TempDir()
	startServe(t, data)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, bin, "serve", "--addr", "127.0.0.1:0", "--data", data).CombinedOutput()
	if err == nil || !strings.Contains(string(out), "another facteur serve is running on "+data) {
		t.Fatalf("second serve: %v\n%s", err, out)
	}
}

// pgNode starts a node on a shared PostgreSQL database with short leases.
func pgNode(t *testing.T, dbURL, name string, extra ...string) *node {
	t.Helper()
	args := append([]string{"--database", dbURL, "--node-name", name}, extra...)
	return startServe(t, t.TempDir(), args...)
}

// shortLease is the lease the two-node tests use, so that they need not
// wait the default 30 s.
var shortLease = []string{"--lease", "3s", "--lease-renew", "1s"}

// TestCrashTakenOverOnPostgres: node a is killed with SIGKILL while it
// exports; node b takes the run over once a's lease has expired (the
// default bounds it to 60 s; here the lease is 3 s) and delivers once.
func TestCrashTakenOverOnPostgres(t *testing.T) {
	dbURL := freshDatabase(t)
	t.Setenv("FACTEUR_SECRET_KEY", "dGhpcnR5LXR3by1ieXRlcy1vZi10ZXN0LWtleS0xMjM=")
	outbox := t.TempDir()
	a := pgNode(t, dbURL, "a", shortLease...)
	id := runNow(a, longSchedule(t, a, outbox, "long", 3, 4))
	b := pgNode(t, dbURL, "b", shortLease...)
	time.Sleep(500 * time.Millisecond) // b has started polling
	killed := time.Now()
	kill9(a)
	took := waitTakenUp(b, id, killed)
	t.Logf("taken over by b %s after a was killed", took.Round(time.Millisecond))
	if took > 60*time.Second {
		t.Errorf("taken over %s after the kill, want < 60s", took)
	}
	r := b.waitRun(id)
	if b, _ := os.ReadFile(filepath.Join(outbox, "long.csv")); r.Status != facteur.RunSucceeded || string(b) != "n\n3\n" || r.Attempt != 2 {
		t.Fatalf("after the crash: %s attempt %d, file %q; log %+v", r.Status, r.Attempt, b, r.Log)
	}
	if got := files(t, outbox); !slices.Equal(got, []string{"long.csv"}) {
		t.Errorf("destination folder holds %v, want only long.csv", got)
	}
	if !logHas(r.Log, "Interrupted: node a stopped at", "attempt 2 started at", "on node b") {
		t.Errorf("the log does not tell of the interruption: %+v", r.Log)
	}
}

// TestHealthyLongExportIsNotTakenOver: an export that runs longer than the
// lease, on a live node, is never taken over by the other node: one
// delivery, attempt 1.
func TestHealthyLongExportIsNotTakenOver(t *testing.T) {
	dbURL := freshDatabase(t)
	t.Setenv("FACTEUR_SECRET_KEY", "dGhpcnR5LXR3by1ieXRlcy1vZi10ZXN0LWtleS0xMjM=")
	outbox := t.TempDir()
	a := pgNode(t, dbURL, "a", shortLease...)
	pgNode(t, dbURL, "b", shortLease...)
	id := runNow(a, longSchedule(t, a, outbox, "slow", 4, 10)) // more than three leases
	r := a.waitRun(id)
	if b, _ := os.ReadFile(filepath.Join(outbox, "slow.csv")); r.Status != facteur.RunSucceeded || string(b) != "n\n4\n" || r.Attempt != 1 {
		t.Fatalf("healthy long export: %s attempt %d, file %q; log %+v", r.Status, r.Attempt, b, r.Log)
	}
	if logHas(r.Log, "Interrupted") || logHas(r.Log, "lost its lease") {
		t.Errorf("a healthy export was taken over: %+v", r.Log)
	}
	if got := files(t, outbox); !slices.Equal(got, []string{"slow.csv"}) {
		t.Errorf("destination folder holds %v, want only slow.csv", got)
	}
}

// stallingSMTP accepts SMTP connections on a port of its own: the first
// one it holds without a word (a server that hangs mid-send), the others
// it passes to the real server at target.
func stallingSMTP(t *testing.T, target string) (host string, port int, stalled <-chan struct{}) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	first := make(chan struct{})
	var (
		mu    sync.Mutex
		conns []net.Conn
	)
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	})
	go func() {
		for i := 0; ; i++ {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
			if i == 0 {
				close(first)
				continue
			}
			go func() {
				up, err := net.Dial("tcp", target)
				if err != nil {
					c.Close()
					return
				}
				go func() { bufio.NewReader(up).WriteTo(c); c.Close() }()
				bufio.NewReader(c).WriteTo(up)
				up.Close()
			}()
		}
	}()
	addr := ln.Addr().(*net.TCPAddr)
	return addr.IP.String(), addr.Port, first
}

// TestMailResumesAfterCrash: the outbox's mail (a failure alert) is being
// sent when the process is killed with SIGKILL; the restarted process
// sends it, once.
func TestMailResumesAfterCrash(t *testing.T) {
	smtp := smtptest.Start(t, smtptest.Options{})
	host, port, stalled := stallingSMTP(t, fmt.Sprintf("%s:%d", smtp.Host, smtp.Port))
	data := t.TempDir()
	n := startServe(t, data)
	n.must(200, "PUT", "/api/v1/settings/mail", map[string]any{"host": host, "port": port, "security": "none",
		"from": "Facteur <facteur@example.org>"}, nil)
	n.must(200, "PUT", "/api/v1/settings/policy", map[string]any{"allowed_email_domains": []string{"example.org"}}, nil)
	gone := filepath.Join(t.TempDir(), "gone")
	var src, rep, dest, sc struct{ ID int64 }
	n.must(201, "POST", "/api/v1/sources", map[string]any{"name": "small", "dsn": smallSQLiteSource(t)}, &src)
	n.must(201, "POST", "/api/v1/reports", map[string]any{"name": "items", "source_id": src.ID, "sql": "select * from items"}, &rep)
	os.Mkdir(gone, 0o755)
	n.must(201, "POST", "/api/v1/destinations", map[string]any{"name": "Vanishing", "kind": "folder", "config": map[string]any{"path": gone}}, &dest)
	os.Remove(gone)
	// One alert, to ops only (not to the owner), so that the one mail is the one stalled.
	n.must(201, "POST", "/api/v1/schedules", map[string]any{"name": "Nightly items", "report_id": rep.ID, "destination_id": dest.ID, "enabled": false,
		"options": map[string]any{"alert_emails": []string{"ops@example.org"}, "no_owner_alert": true}, "format": map[string]any{"format": "csv"}, "calendar": map[string]any{"frequency": "daily"}}, &sc)
	var run facteur.Run
	n.must(202, "POST", fmt.Sprintf("/api/v1/schedules/%d/run", sc.ID), nil, &run)
	select {
	case <-stalled:
	case <-time.After(30 * time.Second):
		t.Fatalf("the alert was never sent:\n%s", n.out)
	}
	kill9(n)
	if got := smtp.Messages(); len(got) != 0 {
		t.Fatalf("mail received before the restart: %d", len(got))
	}
	restart := time.Now()
	startServe(t, data)
	got := smtp.WaitFor(1, 20*time.Second)
	if len(got) != 1 || got[0].To[0] != "ops@example.org" ||
		parseMail(t, got[0].Data).header.Get("Subject") != "Error with scheduled task Nightly items" {
		t.Fatalf("after the restart: %d mails %+v", len(got), got)
	}
	t.Logf("alert sent %s after the restart began", time.Since(restart).Round(time.Millisecond))
	time.Sleep(2 * time.Second) // let a duplicate appear
	if n := len(smtp.Messages()); n != 1 {
		t.Errorf("%d mails received, want 1", n)
	}
}

// TestServeFlagBounds: a node name or a lease out of its bounds stops
// serve before it starts, with the flag named.
func TestServeFlagBounds(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--node-name", "a\nb"}, "node-name: no line breaks"},
		{[]string{"--node-name", strings.Repeat("n", 201)}, "node-name: at most 200 bytes"},
		{[]string{"--lease", "500ms"}, "lease: 500ms is out of range"},
		{[]string{"--log-format", "xml"}, "log-format: use text or json"},
		{[]string{"--metrics-token", "short-secret"}, "metrics-token: use 16 to 1024 printable ASCII characters"},
		{[]string{"--metrics-token", "a token with spaces in it"}, "metrics-token: use 16 to 1024"},
		{[]string{"--metrics-addr", "127.0.0.1:99999"}, "metrics-addr: cannot listen on 127.0.0.1:99999"},
	} {
		var stderr bytes.Buffer
		err := run(t.Context(), append([]string{"serve", "--data", t.TempDir()}, tc.args...), io.Discard, &stderr)
		if err == nil || !strings.Contains(facteur.ErrorMessage(err), tc.want) {
			t.Errorf("serve %q: %v, want %q", tc.args, err, tc.want)
		}
	}
}
