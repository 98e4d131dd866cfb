package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/facteur/facteur"
	"github.com/facteur/facteur/internal/testdb"
)

// bin is the facteur binary the end-to-end tests run, built once.
var bin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "facteur-bin-")
	if err != nil {
		panic(err)
	}
	bin = filepath.Join(dir, "facteur")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		fmt.Fprintf(os.Stderr, "build facteur: %v\n%s", err, out)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// postgresURL returns the test PostgreSQL server's URL (see testdb).
func postgresURL(t *testing.T) string {
	t.Helper()
	return testdb.Postgres(t)
}

// pgExec runs SQL statements on the test server.
func pgExec(t *testing.T, url string, stmts ...string) {
	t.Helper()
	ctx := context.Background()
	c, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(ctx)
	for _, s := range stmts {
		if _, err := c.Exec(ctx, s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
}

// freshDatabase creates an empty PostgreSQL database for one test and
// returns its URL.
func freshDatabase(t *testing.T) string {
	t.Helper()
	return testdb.PostgresDatabase(t, "facteur_e2e_")
}

// The administrator every test server starts with (FACTEUR_ADMIN_EMAIL and
// FACTEUR_ADMIN_PASSWORD on its first start).
const (
	testAdmin    = "admin@example.org"
	testPassword = "correct horse battery staple"
)

// node is a running `facteur serve`; call and request authenticate with
// token, the test administrator's API token.
type node struct {
	t     *testing.T
	cmd   *exec.Cmd
	base  string
	out   *lockedBuffer
	done  chan error
	token string
}

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

var listening = regexp.MustCompile(`listening on (http://\S+)`)

// startServe starts `facteur serve` on a free port, with the test
// administrator, waits until it listens and logs in.
func startServe(t *testing.T, data string, args ...string) *node {
	t.Helper()
	n := startServeEnv(t, data, []string{"FACTEUR_ADMIN_EMAIL=" + testAdmin, "FACTEUR_ADMIN_PASSWORD=" + testPassword}, args...)
	n.token = n.login(testAdmin, testPassword)
	return n
}

// startServeEnv starts `facteur serve` with env added to the environment
// and waits until it listens; it does not log in.
func startServeEnv(t *testing.T, data string, env []string, args ...string) *node {
	t.Helper()
	return startBinary(t, bin, data, env, args...)
}

// startBinary is startServeEnv with another build of facteur.
func startBinary(t *testing.T, bin, data string, env []string, args ...string) *node {
	t.Helper()
	cmd := exec.Command(bin, append([]string{"serve", "--addr", "127.0.0.1:0", "--data", data, "--tick", "200ms", "--allow-outbound", "loopback"}, args...)...)
	cmd.Env = append(os.Environ(), env...)
	n := &node{t: t, cmd: cmd, out: &lockedBuffer{}, done: make(chan error, 1)}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = n.out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			line := sc.Text()
			n.out.Write([]byte(line + "\n"))
			if m := listening.FindStringSubmatch(line); m != nil {
				found <- m[1]
			}
		}
		n.done <- cmd.Wait()
	}()
	select {
	case n.base = <-found:
	case <-time.After(60 * time.Second):
		cmd.Process.Kill()
		t.Fatalf("facteur serve did not start:\n%s", n.out)
	}
	t.Cleanup(func() { n.stop() })
	return n
}

// login logs in as email through the API, as a browser does, and returns
// a new personal API token of the account.
func (n *node) login(email, password string) string {
	n.t.Helper()
	body, _ := json.Marshal(map[string]string{"email": email, "password": password})
	resp, err := http.Post(n.base+"/api/v1/login", "application/json", bytes.NewReader(body))
	if err != nil {
		n.t.Fatal(err)
	}
	defer resp.Body.Close()
	var sess struct {
		CSRF string `json:"csrf_token"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&sess); err != nil || resp.StatusCode != 200 {
		n.t.Fatalf("login as %s: %d %v\n%s", email, resp.StatusCode, err, n.out)
	}
	req, _ := http.NewRequest("POST", n.base+"/api/v1/tokens", bytes.NewBufferString(`{"name":"tests"}`))
	for _, c := range resp.Cookies() {
		req.AddCookie(c)
	}
	req.Header.Set("X-CSRF-Token", sess.CSRF)
	tresp, err := http.DefaultClient.Do(req)
	if err != nil {
		n.t.Fatal(err)
	}
	defer tresp.Body.Close()
	var tok struct {
		Token string `json:"token"`
	}
	if err := json.NewDecoder(tresp.Body).Decode(&tok); err != nil || tresp.StatusCode != 201 {
		n.t.Fatalf("create a token for %s: %d %v", email, tresp.StatusCode, err)
	}
	return tok.Token
}

// request sends a request with the node's token and returns the answer.
func (n *node) request(method, path string, body io.Reader) *http.Response {
	n.t.Helper()
	req, err := http.NewRequest(method, n.base+path, body)
	if err != nil {
		n.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if n.token != "" {
		req.Header.Set("Authorization", "Bearer "+n.token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		n.t.Fatalf("%s %s: %v", method, path, err)
	}
	return resp
}

// stop sends SIGTERM and waits for a graceful exit.
func (n *node) stop() {
	if n.cmd.ProcessState != nil || n.cmd.Process == nil {
		return
	}
	n.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-n.done:
		if err != nil {
			n.t.Errorf("facteur serve exited with %v:\n%s", err, n.out)
		}
	case <-time.After(60 * time.Second):
		n.cmd.Process.Kill()
		n.t.Errorf("facteur serve did not stop within 60s:\n%s", n.out)
	}
}

// call sends a JSON request and decodes the JSON answer into out (if not
// nil); it returns the status.
func (n *node) call(method, path string, body, out any) int {
	n.t.Helper()
	var r io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			n.t.Fatal(err)
		}
		r = bytes.NewReader(b)
	}
	resp := n.request(method, path, r)
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if out != nil && len(data) > 0 {
		if err := json.Unmarshal(data, out); err != nil {
			n.t.Fatalf("%s %s: %d %s: %v", method, path, resp.StatusCode, data, err)
		}
	}
	return resp.StatusCode
}

// must calls and fails the test unless the status is want.
func (n *node) must(want int, method, path string, body, out any) {
	n.t.Helper()
	var raw json.RawMessage
	if got := n.call(method, path, body, &raw); got != want {
		n.t.Fatalf("%s %s: status %d, want %d: %s", method, path, got, want, raw)
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			n.t.Fatal(err)
		}
	}
}

// runView is a run as the API returns it, with its log.
type runView struct {
	facteur.Run
	Log []facteur.LogEntry `json:"log"`
}

// waitRun polls a run until it has finished and returns it.
func (n *node) waitRun(id int64) runView {
	n.t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		var r runView
		n.must(200, "GET", fmt.Sprintf("/api/v1/runs/%d", id), nil, &r)
		if facteur.RunFinished(r.Status) {
			return r
		}
		if time.Now().After(deadline) {
			n.t.Fatalf("run %d still %s after 60s; log: %+v\n%s", id, r.Status, r.Log, n.out)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// pgCount runs a count query on the test server.
func pgCount(t *testing.T, url, query string) int {
	t.Helper()
	ctx := context.Background()
	c, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(ctx)
	var n int
	if err := c.QueryRow(ctx, query).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}
