package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// server is a facteur serve started for the scheduled-run contender,
// with its own data directory and an administrator's API token.
type server struct {
	cmd    *exec.Cmd
	pid    int
	api    string // http://127.0.0.1:PORT/api/v1
	token  string
	data   string // its --data
	outbox string // the folder destination's directory
	logf   *os.File
	http   *http.Client
	done   chan struct{} // closed when the process has exited
}

const (
	serveEmail = "bench@example.org"
	pollEvery  = 50 * time.Millisecond
)

var listeningRE = regexp.MustCompile(`listening on (http://[^\s]+)`)

// startServe starts facteur serve on a free loopback port, with the first
// administrator from the environment, and gets an API token.
func startServe(ctx context.Context, b *bench) (*server, error) {
	s := &server{
		data:   filepath.Join(b.dir, "serve"),
		outbox: filepath.Join(b.dir, "outbox"),
		http:   &http.Client{Timeout: 30 * time.Second},
		done:   make(chan struct{}),
	}
	for _, d := range []string{s.data, s.outbox} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			return nil, err
		}
	}
	logPath := filepath.Join(b.dir, "serve.log")
	f, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	s.logf = f
	b.say("starting facteur serve (log: %s)", logPath)
	// Not CommandContext: stop ends it gracefully, also after ^C.
	s.cmd = exec.Command(b.facteur, "serve", "--data", s.data, "--addr", "127.0.0.1:0",
		"--allow-outbound", "loopback,private", "--log-level", "warn")
	s.cmd.Env = append(os.Environ(), "FACTEUR_ADMIN_EMAIL="+serveEmail, "FACTEUR_ADMIN_PASSWORD="+randomHex(16))
	s.cmd.Stdout, s.cmd.Stderr = f, f
	if err := s.cmd.Start(); err != nil {
		f.Close()
		return nil, fmt.Errorf("start facteur serve: %w", err)
	}
	s.pid = s.cmd.Process.Pid
	go func() {
		s.cmd.Wait()
		close(s.done)
	}()
	if err := s.waitListening(ctx, logPath); err != nil {
		s.stop(b)
		return nil, err
	}
	tctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	token, err := capture(tctx, nil, "", b.facteur, "user", "token", "--data", s.data, "--email", serveEmail, "--name", "bench")
	if err != nil {
		s.stop(b)
		return nil, fmt.Errorf("API token: %w", err)
	}
	s.token = token
	return s, nil
}

// waitListening waits for the line that gives the address.
func (s *server) waitListening(ctx context.Context, logPath string) error {
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		b, _ := os.ReadFile(logPath)
		if m := listeningRE.FindSubmatch(b); m != nil {
			s.api = strings.TrimSuffix(string(m[1]), "/") + "/api/v1"
			return nil
		}
		select {
		case <-s.done:
			return fmt.Errorf("facteur serve exited: %s", tail(string(b)))
		case <-ctx.Done():
			return errors.New("facteur serve: interrupted")
		case <-time.After(100 * time.Millisecond):
		}
	}
	b, _ := os.ReadFile(logPath)
	return fmt.Errorf("facteur serve did not say where it listens within 30 s: %s", tail(string(b)))
}

// stop ends facteur serve gracefully (SIGTERM), killing it if it does not
// stop within a minute.
func (s *server) stop(b *bench) {
	if s.cmd.Process == nil {
		return
	}
	s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.done:
	case <-time.After(time.Minute):
		b.say("facteur serve did not stop within a minute: killing it")
		s.cmd.Process.Kill()
		<-s.done
	}
	s.logf.Close()
}

// apiRun is the part of a run the benchmark reads.
type apiRun struct {
	ID         int64      `json:"id"`
	Status     string     `json:"status"`
	Rows       int64      `json:"rows"`
	Bytes      int64      `json:"bytes"`
	Location   string     `json:"location"`
	Error      string     `json:"error"`
	CreatedAt  time.Time  `json:"created_at"`
	StartedAt  *time.Time `json:"started_at"`
	FinishedAt *time.Time `json:"finished_at"`
	Stages     []struct {
		Name     string        `json:"name"`
		Duration time.Duration `json:"duration_ns"`
	} `json:"stages"`
}

// contender sets up a source, a report of the whole table, a folder
// destination and a schedule, and returns the contender that presses
// Run now and waits for the run to succeed.
func (s *server) contender(ctx context.Context, b *bench, name, dsn, table string, rows int64) (Contender, error) {
	var src, rep, dst, sch struct {
		ID     int64 `json:"id"`
		Fields []struct {
			Name      string `json:"name"`
			Sensitive bool   `json:"sensitive"`
			Extra     bool   `json:"extra"`
		} `json:"fields"`
	}
	// The benchmark's account created the table it reads, so it can write
	// it: accept that, as an administrator measuring their own server would.
	if err := s.call(ctx, "POST", "/sources", map[string]any{"name": "bench", "dsn": dsn, "accept_extra_rights": true}, &src); err != nil {
		return Contender{}, err
	}
	if err := s.call(ctx, "POST", "/reports", map[string]any{"name": "bench", "source_id": src.ID, "table": table}, &rep); err != nil {
		return Contender{}, err
	}
	// Facteur marks personal-looking columns sensitive and leaves them
	// out unless the schedule opts in: opt in, to export what the bare
	// facteur export does.
	include := []string{}
	for _, f := range rep.Fields {
		if f.Sensitive || f.Extra {
			include = append(include, f.Name)
		}
	}
	if err := s.call(ctx, "POST", "/destinations", map[string]any{"name": "bench outbox", "kind": "folder",
		"config": map[string]any{"path": s.outbox, "overwrite": true}}, &dst); err != nil {
		return Contender{}, err
	}
	if err := s.call(ctx, "POST", "/schedules", map[string]any{
		"name": "bench", "report_id": rep.ID, "destination_id": dst.ID,
		"format":         map[string]any{"format": "csv"},
		"file_name":      "bench_{run_id}.{ext}",
		"calendar":       map[string]any{"frequency": "monthly", "day_of_month": 1, "months": []int{1}, "at": "03:00"},
		"include_fields": include,
	}, &sch); err != nil {
		return Contender{}, err
	}
	run := func(ctx context.Context) (Sample, error) { return s.runNow(ctx, sch.ID) }
	return Contender{Name: name, Rows: rows, Run: run}, nil
}

// runNow presses Run now and polls the run until it finishes. Wall time
// runs from the POST to the run's finished_at; peak RSS is the serve
// process's high-water mark, reset before the run; CPU is its user and
// system time during the run. The delivered file is checked (lines minus
// the header), then removed with its spooled copy.
func (s *server) runNow(ctx context.Context, scheduleID int64) (Sample, error) {
	sm := Sample{Bytes: -1}
	if err := os.WriteFile(fmt.Sprintf("/proc/%d/clear_refs", s.pid), []byte("5"), 0); err != nil {
		return sm, fmt.Errorf("reset the peak RSS of facteur serve: %w", err)
	}
	cpu0, err := processCPU(s.pid)
	if err != nil {
		return sm, err
	}
	start := time.Now()
	var r apiRun
	if err := s.call(ctx, "POST", fmt.Sprintf("/schedules/%d/run", scheduleID), nil, &r); err != nil {
		return sm, err
	}
	for r.FinishedAt == nil || !finished(r.Status) {
		select {
		case <-ctx.Done():
			return sm, ctx.Err()
		case <-s.done:
			return sm, errors.New("facteur serve exited during the run")
		case <-time.After(pollEvery):
		}
		if err := s.call(ctx, "GET", fmt.Sprintf("/runs/%d", r.ID), nil, &r); err != nil {
			return sm, err
		}
	}
	seen := time.Since(start)
	if r.Status != "succeeded" {
		return sm, fmt.Errorf("run %d %s: %s", r.ID, r.Status, r.Error)
	}
	sm.Wall = r.FinishedAt.Sub(start.Round(0)).Seconds() // wall clocks: the server's and ours are the same machine's
	if sm.Wall <= 0 || sm.Wall > seen.Seconds() {
		sm.Wall = seen.Seconds()
	}
	cpu1, err := processCPU(s.pid)
	if err != nil {
		return sm, err
	}
	sm.CPU = cpu1 - cpu0
	if sm.RSSKB, err = peakRSS(s.pid); err != nil {
		return sm, err
	}
	if r.StartedAt != nil {
		sm.Stages = append(sm.Stages, Stage{Name: "queued", Seconds: r.StartedAt.Sub(r.CreatedAt).Seconds()})
	}
	for _, st := range r.Stages {
		sm.Stages = append(sm.Stages, Stage{Name: st.Name, Seconds: st.Duration.Seconds()})
	}
	sm.Bytes = r.Bytes
	// The file must be the one delivered to our folder, whole.
	if filepath.Dir(r.Location) != s.outbox {
		return sm, fmt.Errorf("run %d delivered to %q, not to the folder %s", r.ID, r.Location, s.outbox)
	}
	defer os.Remove(r.Location)
	lines, err := countLines(r.Location)
	if err != nil {
		return sm, err
	}
	if lines-1 != r.Rows {
		return sm, fmt.Errorf("run %d says %d rows, its file has %d lines after the header", r.ID, r.Rows, lines-1)
	}
	sm.Rows = lines - 1
	// The spool keeps every file for retries: remove this run's, so that
	// the disk does not fill up over the rounds.
	spooled, _ := filepath.Glob(filepath.Join(s.data, "spool", fmt.Sprintf("run-%d.*", r.ID)))
	for _, f := range spooled {
		os.Remove(f)
	}
	return sm, nil
}

func finished(status string) bool {
	return status == "succeeded" || status == "skipped" || status == "failed" || status == "cancelled"
}

// call sends a request to the API and decodes the answer into out.
func (s *server) call(ctx context.Context, method, path string, body, out any) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, s.api+path, rd)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+s.token)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := s.http.Do(req)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	if resp.StatusCode >= 300 {
		return fmt.Errorf("%s %s: %s: %s", method, path, resp.Status, strings.TrimSpace(string(b)))
	}
	if err := json.Unmarshal(b, out); err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	return nil
}

// processCPU returns the user and system seconds of a process so far,
// from /proc/PID/stat (clock ticks: 100 per second on Linux).
func processCPU(pid int) (float64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	// The command name may hold spaces: the fields start after its ')'.
	i := bytes.LastIndexByte(b, ')')
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 13 {
		return 0, fmt.Errorf("/proc/%d/stat: too short", pid)
	}
	utime, err1 := strconv.ParseFloat(f[11], 64)
	stime, err2 := strconv.ParseFloat(f[12], 64)
	if err := errors.Join(err1, err2); err != nil {
		return 0, err
	}
	return (utime + stime) / 100, nil
}

// peakRSS returns VmHWM of a process, KB.
func peakRSS(pid int) (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for line := range strings.Lines(string(b)) {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			return strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
		}
	}
	return 0, fmt.Errorf("/proc/%d/status: no VmHWM", pid)
}
