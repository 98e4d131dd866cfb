// Command paths measures the two ways export.Run writes plain CSV from
// PostgreSQL: the COPY path (the database writes the CSV, through
// source.CSVCopier) and the row path (rows are read one by one and written
// by package format's CSV encoder). It runs export.Run on the same query
// with the real source, and with a wrapper that hides CSVCopier, and
// prints for each: rows, bytes, SHA-256 (both paths must give the same
// bytes), wall time, stage timings, client CPU, the CPU of the PostgreSQL
// backends that served it (read from /proc when the server is local),
// and peak Go heap (sampled every 10 ms).
//
// It is a profiling aid beside go run ./bench (which times whole
// commands), not part of Facteur:
//
//	go run ./bench/paths -source postgres://postgres@127.0.0.1/test \
//	    -table public.t -path both -out /tmp/bench [-cpuprofile /tmp/cpu] [-format parquet -path rows]
//
// With -path both the two paths run one after the other in one process,
// so the peak RSS it prints for the second one includes the first; run
// them with -path copy and -path rows in separate processes to compare
// RSS.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/metrics"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/facteur/facteur"
	"github.com/facteur/facteur/export"
	"github.com/facteur/facteur/source"
	"github.com/jackc/pgx/v5/pgconn"
)

func main() {
	if err := run(context.Background(), os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "paths:", err)
		os.Exit(1)
	}
}

// config is the command line.
type config struct {
	dsn, table, query, path, out, cpuprofile, format, codec string
	progress                                                bool
}

func run(ctx context.Context, args []string, stdout io.Writer) error {
	var c config
	fs := flag.NewFlagSet("paths", flag.ContinueOnError)
	fs.StringVar(&c.dsn, "source", os.Getenv("FACTEUR_TEST_POSTGRES"), "PostgreSQL URL (default $FACTEUR_TEST_POSTGRES)")
	fs.StringVar(&c.table, "table", "", "table to export whole")
	fs.StringVar(&c.query, "query", "", "query to export (instead of -table)")
	fs.StringVar(&c.path, "path", "both", "copy, rows or both")
	fs.StringVar(&c.out, "out", "", "directory for the CSV files (removed after each run)")
	fs.StringVar(&c.cpuprofile, "cpuprofile", "", "write a CPU profile per path to this file, suffixed .copy or .rows")
	fs.StringVar(&c.format, "format", facteur.FormatCSV, "the file's format; any other than csv takes the row path only")
	fs.StringVar(&c.codec, "codec", "", "Parquet's codec: zstd (the default) or snappy")
	fs.BoolVar(&c.progress, "progress", true, "keep a progress counter, as the server's Runner does")
	if err := fs.Parse(args); err != nil {
		return err
	}
	switch {
	case c.dsn == "":
		return errors.New("-source: give a postgres:// URL")
	case (c.table == "") == (c.query == ""):
		return errors.New("give either -table or -query")
	case c.out == "":
		return errors.New("-out: give a directory")
	case c.format != facteur.FormatCSV && c.path != "rows":
		return fmt.Errorf("-format %s: give -path rows (only CSV has a COPY path)", c.format)
	}
	var paths []string
	switch c.path {
	case "both":
		paths = []string{"copy", "rows"}
	case "copy", "rows":
		paths = []string{c.path}
	default:
		return fmt.Errorf("-path: %q is not copy, rows or both", c.path)
	}
	for _, p := range paths {
		if err := measure(ctx, c, p, stdout); err != nil {
			return fmt.Errorf("%s path: %w", p, err)
		}
	}
	return nil
}

// rowsOnly hides every method of a querier but those of facteur.Querier,
// CopyCSV among them, so that export.Run takes the row path.
type rowsOnly struct{ facteur.Querier }

// measure runs one export through path and prints what it measured.
func measure(ctx context.Context, c config, path string, stdout io.Writer) error {
	app := fmt.Sprintf("benchpaths_%s_%d", path, os.Getpid())
	dsn, err := withParam(c.dsn, "application_name", app)
	if err != nil {
		return err
	}
	src, err := source.Open(ctx, dsn, source.Options{})
	if err != nil {
		return err
	}
	defer src.Close()
	if path == "rows" {
		src = rowsOnly{src}
	}
	file := filepath.Join(c.out, "benchpaths-"+path+"."+c.format)
	defer os.Remove(file)

	server, err := watchBackends(ctx, c.dsn, app)
	if err != nil {
		return err
	}
	heap := watchHeap()
	if c.cpuprofile != "" {
		f, err := os.Create(c.cpuprofile + "." + path)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
	}
	var progress *atomic.Int64
	if c.progress {
		progress = new(atomic.Int64)
	}
	cpu0 := cpuTime()
	start := time.Now()
	res, err := export.Run(ctx, export.Spec{
		Copy:     path == "copy",
		Source:   src,
		Query:    facteur.Query{SQL: c.query, Table: c.table},
		Format:   facteur.FormatOptions{Format: c.format, Codec: c.codec},
		Path:     file,
		Progress: progress,
	})
	wall := time.Since(start)
	cpu := cpuTime() - cpu0
	if c.cpuprofile != "" {
		pprof.StopCPUProfile()
	}
	peakHeap, peakGo := heap()
	serverCPU, backends := server()
	if err != nil {
		return err
	}
	if res.FastPath != (path == "copy") {
		return fmt.Errorf("export took the wrong path (FastPath %v)", res.FastPath)
	}
	var stages []string
	for _, s := range res.Stages {
		stages = append(stages, fmt.Sprintf("%s=%.3fs", s.Name, s.Duration.Seconds()))
	}
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	srv := "n/a"
	if backends > 0 {
		srv = fmt.Sprintf("%.2f", serverCPU.Seconds())
	}
	fmt.Fprintf(stdout, "path=%s format=%s rows=%d bytes=%d sha256=%s wall_s=%.3f rows_per_s=%.0f client_cpu_s=%.2f server_cpu_s=%s backends=%d peak_heap_mb=%.1f peak_go_mb=%.1f maxrss_mb=%.1f %s\n",
		path, c.format, res.Rows, res.Bytes, res.SHA256, wall.Seconds(), float64(res.Rows)/wall.Seconds(),
		cpu.Seconds(), srv, backends, mb(peakHeap), mb(peakGo), float64(ru.Maxrss)/1024, strings.Join(stages, " "))
	return nil
}

func mb(n uint64) float64 { return float64(n) / (1 << 20) }

// withParam returns the URL dsn with the query parameter key set to value.
func withParam(dsn, key, value string) (string, error) {
	if !strings.Contains(dsn, "://") {
		return "", errors.New("-source: give a postgres:// URL")
	}
	sep := "?"
	if strings.Contains(dsn, "?") {
		sep = "&"
	}
	return dsn + sep + key + "=" + value, nil
}

// cpuTime is the user and system CPU time of this process so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// watchHeap samples the live Go heap and the memory the Go runtime holds
// every 10 ms until the returned function is called, which returns both
// peaks in bytes.
func watchHeap() (stop func() (heap, total uint64)) {
	samples := []metrics.Sample{
		{Name: "/memory/classes/heap/objects:bytes"},
		{Name: "/memory/classes/total:bytes"},
	}
	var peakHeap, peakTotal uint64
	read := func() {
		metrics.Read(samples)
		peakHeap = max(peakHeap, samples[0].Value.Uint64())
		peakTotal = max(peakTotal, samples[1].Value.Uint64())
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		t := time.NewTicker(10 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				read()
			}
		}
	})
	return func() (uint64, uint64) {
		close(done)
		wg.Wait()
		read()
		return peakHeap, peakTotal
	}
}

// watchBackends polls, every 20 ms on a connection of its own, the
// PostgreSQL backends whose application_name is app, and reads their CPU
// time from /proc (the server must be on this machine, and this process
// allowed to read its /proc entries). The returned function stops it and
// returns the CPU time of all the backends seen (to within one poll each)
// and how many there were; 0 backends means it could not tell.
func watchBackends(parent context.Context, dsn, app string) (stop func() (time.Duration, int), err error) {
	ctx, cancel := context.WithCancel(parent)
	cctx, ccancel := context.WithTimeout(ctx, 10*time.Second)
	defer ccancel()
	conn, err := pgconn.Connect(cctx, dsn)
	if err != nil {
		cancel()
		return nil, fmt.Errorf("connect the backend watcher: %w", err)
	}
	ticks := map[int]uint64{} // backend pid -> last CPU ticks read
	var mu sync.Mutex
	poll := func() {
		qctx, qcancel := context.WithTimeout(ctx, 5*time.Second)
		defer qcancel()
		res := conn.ExecParams(qctx, "SELECT pid FROM pg_stat_activity WHERE application_name = $1",
			[][]byte{[]byte(app)}, nil, nil, nil).Read()
		if res.Err != nil {
			return
		}
		mu.Lock()
		defer mu.Unlock()
		for _, r := range res.Rows {
			pid, _ := strconv.Atoi(string(r[0]))
			if t, ok := procTicks(pid); ok {
				ticks[pid] = max(ticks[pid], t)
			}
		}
	}
	var wg sync.WaitGroup
	wg.Go(func() {
		t := time.NewTicker(20 * time.Millisecond)
		defer t.Stop()
		for {
			poll()
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	})
	return func() (time.Duration, int) {
		cancel()
		wg.Wait()
		cctx, ccancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer ccancel()
		conn.Close(cctx)
		mu.Lock()
		defer mu.Unlock()
		var sum uint64
		for _, t := range ticks {
			sum += t
		}
		return time.Duration(sum) * (time.Second / clockTicks), len(ticks)
	}, nil
}

// clockTicks is Linux's USER_HZ, the unit of /proc/<pid>/stat times.
const clockTicks = 100

// procTicks returns utime+stime of process pid, in clock ticks.
func procTicks(pid int) (uint64, bool) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, false
	}
	i := strings.LastIndexByte(string(b), ')')
	if i < 0 {
		return 0, false
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 13 {
		return 0, false
	}
	u, err1 := strconv.ParseUint(f[11], 10, 64)
	s, err2 := strconv.ParseUint(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, false
	}
	return u + s, true
}
