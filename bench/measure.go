package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Contender is one way of getting a table out, run once per round.
type Contender struct {
	Name string
	Rows int64 // rows every run must report
	// Run runs it once and returns the sample without the machine
	// figures (load, busy), which measure adds around it.
	Run func(ctx context.Context) (Sample, error)
}

// rounds runs every contender reps times, round robin: one run of each,
// then again, starting one contender later each round, so that a slow
// drift of the machine does not fall on one contender. Each sample is
// printed to progress as it is taken.
func rounds(ctx context.Context, contenders []Contender, reps int, progress io.Writer) ([]Sample, error) {
	var samples []Sample
	n := len(contenders)
	for rep := 1; rep <= reps; rep++ {
		fmt.Fprintf(progress, "== round %d of %d\n", rep, reps)
		for k := range n {
			c := contenders[(k+rep-1)%n]
			s, err := measure(ctx, c, rep)
			if err != nil {
				return samples, err
			}
			fmt.Fprintln(progress, "   "+progressLine(s))
			samples = append(samples, s)
		}
	}
	return samples, nil
}

// measure runs c once, wrapped in the machine's load and busy figures,
// and checks the row count it reports.
func measure(ctx context.Context, c Contender, rep int) (Sample, error) {
	probe := probeSpeed()
	load0 := loadAverage()
	cpu0 := readCPUTimes()
	s, err := c.Run(ctx)
	cpu1 := readCPUTimes()
	load1 := loadAverage()
	if ctx.Err() != nil {
		return s, fmt.Errorf("%s: interrupted", c.Name)
	}
	if err != nil {
		return s, fmt.Errorf("%s: %w", c.Name, err)
	}
	if s.Rows != c.Rows {
		return s, fmt.Errorf("%s wrote %d rows, expected %d", c.Name, s.Rows, c.Rows)
	}
	s.Name, s.Rep = c.Name, rep
	s.Load0, s.Load1 = load0, load1
	s.Busy = cpu1.busySince(cpu0)
	s.Probe = probe
	return s, nil
}

// probeWork is the fixed CPU work probeSpeed times: SHA-256 over 32 MiB
// (a 1 MiB block, 32 times), about a tenth of a second. The same work takes
// longer when the machine lends its cores to others (a shared host) or runs
// them slower, whatever the code under test does: its spread says how much
// of a contender's spread is the machine's. The block is small on purpose:
// a child process starts as a copy of this one, and its peak RSS, which the
// report gives, would count a large buffer.
var probeWork [1 << 20]byte

// probeSpeed returns the seconds probeWork took, on one core.
func probeSpeed() float64 {
	start := time.Now()
	h := sha256.New()
	for range 32 {
		h.Write(probeWork[:])
	}
	h.Sum(nil)
	return time.Since(start).Seconds()
}

// progressLine is the line printed as a sample is taken.
func progressLine(s Sample) string {
	return fmt.Sprintf("%-26s rep %d %8.2f s  rss %6.1f MB  cpu %6.2f s  load %.2f -> %.2f  busy %3.0f%%  probe %3.0f ms  %s",
		s.Name, s.Rep, s.Wall, float64(s.RSSKB)/1024, s.CPU, s.Load0, s.Load1, s.Busy, s.Probe*1000, formatStages(s.Stages))
}

// command is a contender that is one child process.
type command struct {
	args []string
	env  []string // added to the environment
	// stdout is the file the child's standard output goes to; empty: it
	// is captured and read for the row count.
	stdout string
	// output is the file the child writes, measured then removed; empty
	// when it writes none.
	output string
	// countLines says the row count is the output's line count minus the
	// header, because the child prints none.
	countLines bool
}

// run runs the command once: wall time from the parent, peak RSS and CPU
// from the rusage of the waited-for child (which covers the children it
// waited for in turn, such as gzip behind psql), rows from what it prints
// ("rows: N" from facteur, "COPY N" from psql, a lone number) or from the
// file's lines.
func (c command) run(ctx context.Context) (Sample, error) {
	s := Sample{Bytes: -1}
	cmd := exec.CommandContext(ctx, c.args[0], c.args[1:]...)
	cmd.Env = append(os.Environ(), c.env...)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if c.stdout != "" {
		f, err := os.Create(c.stdout)
		if err != nil {
			return s, err
		}
		defer f.Close()
		cmd.Stdout = f
	}
	start := time.Now()
	err := cmd.Run()
	s.Wall = time.Since(start).Seconds()
	if err != nil {
		return s, fmt.Errorf("%w: %s", err, tail(out.String()+errOut.String()))
	}
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		s.RSSKB = ru.Maxrss // KB on Linux
		s.CPU = seconds(ru.Utime) + seconds(ru.Stime)
	}
	if c.output != "" {
		defer os.Remove(c.output)
		fi, err := os.Stat(c.output)
		if err != nil {
			return s, fmt.Errorf("no output file: %w", err)
		}
		s.Bytes = fi.Size()
	}
	if c.countLines {
		n, err := countLines(c.output)
		if err != nil {
			return s, err
		}
		s.Rows = n - 1 // the header
	} else {
		n, ok := printedRows(out.String() + "\n" + errOut.String())
		if !ok {
			return s, fmt.Errorf("no row count in its output: %s", tail(out.String()+errOut.String()))
		}
		s.Rows = n
	}
	s.Stages = printedStages(out.String())
	return s, nil
}

func seconds(t syscall.Timeval) float64 {
	return float64(t.Sec) + float64(t.Usec)/1e6
}

var rowsRE = regexp.MustCompile(`(?m)^(?:rows: |COPY )?([0-9]+)\s*$`)

// printedRows finds the row count in a child's output: facteur's
// "rows: N", psql's "COPY N", or a line holding only a number (mysql
// printing ROW_COUNT()).
func printedRows(out string) (int64, bool) {
	m := rowsRE.FindStringSubmatch(out)
	if m == nil {
		return 0, false
	}
	n, err := strconv.ParseInt(m[1], 10, 64)
	return n, err == nil
}

// printedStages reads facteur's "stages: query 4ms, encode 4.3s" line.
func printedStages(out string) []Stage {
	var stages []Stage
	for line := range strings.Lines(out) {
		rest, ok := strings.CutPrefix(strings.TrimSpace(line), "stages: ")
		if !ok {
			continue
		}
		for part := range strings.SplitSeq(rest, ", ") {
			name, dur, ok := strings.Cut(part, " ")
			d, err := time.ParseDuration(dur)
			if ok && err == nil {
				stages = append(stages, Stage{Name: name, Seconds: d.Seconds()})
			}
		}
	}
	return stages
}

// countLines counts the newlines of a file.
func countLines(path string) (int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	var n int64
	buf := make([]byte, 1<<20)
	for {
		k, err := f.Read(buf)
		n += int64(bytes.Count(buf[:k], []byte{'\n'}))
		if errors.Is(err, io.EOF) {
			return n, nil
		}
		if err != nil {
			return n, err
		}
	}
}

// tail returns the last lines of a child's output, for error messages.
func tail(s string) string {
	s = strings.TrimSpace(s)
	lines := strings.Split(s, "\n")
	if len(lines) > 8 {
		lines = lines[len(lines)-8:]
	}
	return strings.Join(lines, "\n")
}

// loadAverage returns the 1-minute load average, 0 if unknown.
func loadAverage() float64 {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return 0
	}
	f := strings.Fields(string(b))
	if len(f) == 0 {
		return 0
	}
	v, _ := strconv.ParseFloat(f[0], 64)
	return v
}

// cpuTimes are the busy and total jiffies of the whole machine.
type cpuTimes struct{ busy, total uint64 }

// readCPUTimes reads the first line of /proc/stat: user nice system idle
// iowait irq softirq steal; idle and iowait are not busy.
func readCPUTimes() cpuTimes {
	f, err := os.Open("/proc/stat")
	if err != nil {
		return cpuTimes{}
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	if !sc.Scan() {
		return cpuTimes{}
	}
	fields := strings.Fields(sc.Text())
	var t cpuTimes
	for i := 1; i < len(fields) && i <= 8; i++ {
		v, _ := strconv.ParseUint(fields[i], 10, 64)
		t.total += v
		if i != 4 && i != 5 {
			t.busy += v
		}
	}
	return t
}

// busySince returns the share of the machine busy between then and t, %.
func (t cpuTimes) busySince(then cpuTimes) float64 {
	if t.total <= then.total {
		return 0
	}
	return 100 * float64(t.busy-then.busy) / float64(t.total-then.total)
}
