package main

import (
	"bytes"
	"context"
	"flag"
	"image/png"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite testdata/report.md from the current output")

func TestSpread(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   []float64
		want Spread
	}{
		{nil, Spread{}},
		{[]float64{2}, Spread{2, 2, 2}},
		{[]float64{3, 1, 2}, Spread{2, 1, 3}},
		{[]float64{4, 1, 3, 2}, Spread{2.5, 1, 4}},
		{[]float64{5, 5, 1, 9, 5}, Spread{5, 1, 9}},
	} {
		in := slices.Clone(tc.in)
		if got := spread(tc.in); got != tc.want {
			t.Errorf("spread(%v) = %+v, want %+v", tc.in, got, tc.want)
		}
		if !slices.Equal(in, tc.in) {
			t.Errorf("spread reordered its input: %v", tc.in)
		}
	}
}

func TestRatioIsPerRow(t *testing.T) {
	t.Parallel()
	samples := []Sample{
		{Name: "limit", Rows: 1000, Wall: 2},
		{Name: "limit", Rows: 1000, Wall: 4},
		{Name: "limit", Rows: 1000, Wall: 3},
		{Name: "csv", Rows: 1000, Wall: 4.5},
		{Name: "csv @100", Rows: 100, Wall: 0.6},
		{Name: "csv @100", Rows: 100, Wall: 0.3},
	}
	sum := func(n string) Summary {
		s, ok := summarize(n, samples)
		if !ok {
			t.Fatalf("no samples for %s", n)
		}
		return s
	}
	limit, csv, small := sum("limit"), sum("csv"), sum("csv @100")
	if limit.Wall != (Spread{3, 2, 4}) || limit.Runs != 3 {
		t.Errorf("limit summary = %+v", limit)
	}
	for _, tc := range []struct {
		name string
		got  float64
		want float64
	}{
		{"baseline against itself", ratio(limit, limit), 1},
		{"same rows: ratio of wall times", ratio(csv, limit), 1.5},
		{"fewer rows: seconds per row", ratio(small, limit), 0.45 / 100 / (3.0 / 1000)},
		{"rows per second", limit.RowsPerSecond(), 1000.0 / 3},
	} {
		if diff := tc.got - tc.want; diff > 1e-9 || diff < -1e-9 {
			t.Errorf("%s: got %v, want %v", tc.name, tc.got, tc.want)
		}
	}
	if got, want := ratioSpread(small, limit), (Spread{1.5, 1, 2}); !near(got, want) {
		t.Errorf("ratioSpread = %+v, want %+v", got, want)
	}
	if r := ratio(csv, Summary{}); r != 0 {
		t.Errorf("ratio against nothing = %v, want 0", r)
	}
	if _, ok := summarize("absent", samples); ok {
		t.Error("summarize found samples of a contender that has none")
	}
}

func near(a, b Spread) bool {
	d := func(x, y float64) bool { return x-y < 1e-9 && y-x < 1e-9 }
	return d(a.Median, b.Median) && d(a.Min, b.Min) && d(a.Max, b.Max)
}

func TestPrintedRowsAndStages(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		out  string
		want int64
		ok   bool
	}{
		{"rows: 5000000\nbytes: 12\nsha-256: ab\n", 5000000, true},
		{"COPY 42\n", 42, true},
		{"\n7\n", 7, true}, // mysql printing ROW_COUNT()
		{"bytes: 12\n", 0, false},
		{"", 0, false},
	} {
		got, ok := printedRows(tc.out)
		if got != tc.want || ok != tc.ok {
			t.Errorf("printedRows(%q) = %d, %v; want %d, %v", tc.out, got, ok, tc.want, tc.ok)
		}
	}
	stages := printedStages("rows: 1\nstages: query 4ms, encode 4.307s, spool 319µs\ntotal: 5s\n")
	want := []Stage{{"query", 0.004}, {"encode", 4.307}, {"spool", 0.000319}}
	if !slices.EqualFunc(stages, want, func(a, b Stage) bool {
		return a.Name == b.Name && a.Seconds-b.Seconds < 1e-9 && b.Seconds-a.Seconds < 1e-9
	}) {
		t.Errorf("printedStages = %v, want %v", stages, want)
	}
	if got := formatStages(stages); got != "query=4ms;encode=4.307s;spool=319µs" {
		t.Errorf("formatStages = %q", got)
	}
}

// TestRoundRobin checks that each round starts one contender later and
// that a wrong row count stops the run.
func TestRoundRobin(t *testing.T) {
	t.Parallel()
	var order []string
	contender := func(name string, rows int64) Contender {
		return Contender{Name: name, Rows: 10, Run: func(context.Context) (Sample, error) {
			order = append(order, name)
			return Sample{Rows: rows, Wall: 0.1, Bytes: -1}, nil
		}}
	}
	cs := []Contender{contender("a", 10), contender("b", 10), contender("c", 10)}
	samples, err := rounds(context.Background(), cs, 3, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"a", "b", "c", "b", "c", "a", "c", "a", "b"}; !slices.Equal(order, want) {
		t.Errorf("order = %v, want %v", order, want)
	}
	if len(samples) != 9 || samples[3].Name != "b" || samples[3].Rep != 2 {
		t.Errorf("samples = %+v", samples)
	}
	_, err = rounds(context.Background(), []Contender{contender("short", 9)}, 1, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "short wrote 9 rows, expected 10") {
		t.Errorf("a wrong row count gave %v", err)
	}
}

// fixedReport is a report with made-up samples for two databases.
func fixedReport() *Report {
	pg := &Group{
		Title: "PostgreSQL", Rows: 1000, Reps: 2,
		Order:    []string{"limit", `psql \copy`, "facteur csv", "facteur csv @100", "facteur serve → folder csv"},
		Baseline: "limit", BaselineLabel: "× limit", ChartLabel: "× limit",
		Second: `psql \copy`, SecondLabel: `× psql \copy`,
		Notes:    []string{"Table 1 MB."},
		Flatness: []FlatPair{{Format: "csv", Small: "facteur csv @100", Full: "facteur csv"}},
		Serve:    "facteur serve → folder csv", ServeBase: "facteur csv",
		LoadBefore: "0.10 0.20 0.30", LoadAfter: "0.40 0.50 0.60", Elapsed: 12 * time.Second,
	}
	add := func(g *Group, name string, rows int64, rss int64, bytes int64, walls ...float64) {
		for i, w := range walls {
			s := Sample{Name: name, Rep: i + 1, Rows: rows, Wall: w, RSSKB: rss, CPU: w / 2, Bytes: bytes,
				Load0: 0.5, Load1: 0.75, Busy: 50 + float64(i), Probe: 0.1 + 0.05*float64(i)}
			if strings.HasPrefix(name, "facteur") {
				s.Stages = []Stage{{"query", 0.004}, {"encode", w * 0.9}}
			}
			g.Samples = append(g.Samples, s)
		}
	}
	add(pg, "limit", 1000, 9000, -1, 1.0, 1.2)
	add(pg, `psql \copy`, 1000, 9500, 130000, 1.3, 1.3)
	add(pg, "facteur csv", 1000, 19000, 140000, 1.5, 1.7)
	add(pg, "facteur csv @100", 100, 18500, 14000, 0.16, 0.17)
	add(pg, "facteur serve → folder csv", 1000, 35000, 140000, 1.8, 1.9)
	my := &Group{
		Title: "MariaDB", Rows: 500, Reps: 2, Order: []string{mysqlBaseline, "facteur csv"},
		Baseline: mysqlBaseline, BaselineLabel: "× baseline", ChartLabel: "× " + mysqlBaseline,
		LoadBefore: "1 1 1", LoadAfter: "1 1 1", Elapsed: 3 * time.Second,
	}
	add(my, mysqlBaseline, 500, 14000, 60000, 0.5, 0.6)
	add(my, "facteur csv", 500, 25000, 61000, 0.4, 0.5)
	return &Report{
		Command: "go run ./bench -rows 1000 -reps 2",
		Date:    time.Date(2026, 11, 21, 18, 30, 0, 0, time.UTC),
		Machine: "2 CPUs, 24 GB RAM; PostgreSQL 15.20; go1.26.8",
		Skipped: []string{"SQLite: sqlite3 is missing: install the sqlite3 package"},
		Groups:  []*Group{pg, my},
		Chart:   "export.png",
	}
}

func TestMarkdown(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	if err := writeMarkdown(&buf, fixedReport()); err != nil {
		t.Fatal(err)
	}
	golden := filepath.Join("testdata", "report.md")
	if *update {
		if err := os.WriteFile(golden, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test ./bench -update to write it)", err)
	}
	if got := buf.String(); got != string(want) {
		t.Errorf("markdown differs from %s (go test ./bench -update rewrites it):\n%s", golden, got)
	}
	// What a reader checks first, whatever the golden file says.
	for _, s := range []string{
		"| facteur csv | 1000 | 1.60 (1.50–1.70) | 625 | 1.45 | 1.23 | 18.6 | 0.80 | 0 |",
		"| facteur csv @100 | 100 | 0.17 (0.16–0.17) | 606 | 1.50 |",
		"| csv | 18.1 | 18.6 | 1.03 |",
		"**1.16×** the bare `facteur csv`",
		"| facteur csv | 500 | 0.45 (0.40–0.50) | 1111 | 0.82 | 24.4 |",
		"![", "](export.png)",
		"PostgreSQL\tlimit\t1\t1000\t1.000\t9000\t0.50\t-\t0.50\t0.75\t50\t-\n",
	} {
		if !strings.Contains(buf.String(), s) {
			t.Errorf("markdown lacks %q", s)
		}
	}
}

func TestChartIsAPNG(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	if err := writeChart(&buf, fixedReport()); err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(&buf)
	if err != nil {
		t.Fatalf("not a PNG: %v", err)
	}
	if b := img.Bounds(); b.Dx() < 500 || b.Dy() < 300 {
		t.Errorf("chart is %v, want a readable size", b)
	}
}

func TestParseFlags(t *testing.T) {
	t.Parallel()
	cfg, err := parseFlags([]string{"-rows", "100", "-small", "80", "-only", "sqlite,postgres"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Small != 50 || !cfg.OnlySet || !slices.Equal(cfg.Only, []string{"sqlite", "postgres"}) {
		t.Errorf("cfg = %+v", cfg)
	}
	if got, want := cfg.commandLine(), "go run ./bench -rows 100 -small 50 -mysql-rows 1000000 -sqlite-rows 1000000 -reps 3 -only sqlite,postgres"; got != want {
		t.Errorf("commandLine = %q, want %q", got, want)
	}
	for _, args := range [][]string{{"-only", "oracle"}, {"-rows", "5"}, {"-reps", "0"}, {"extra"}} {
		if _, err := parseFlags(args, io.Discard); err == nil {
			t.Errorf("parseFlags(%q) accepted it", args)
		}
	}
}
