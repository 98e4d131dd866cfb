package export_test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/facteur/facteur"
	"github.com/facteur/facteur/export"
	"github.com/facteur/facteur/source"
)

// streamRows is how many rows the streaming test exports.
const streamRows = 2_000_000

// heapLimit is the most heap the export may use at any moment while it
// streams streamRows rows.
const heapLimit = 64 << 20

// heapSampler records the peak of runtime.MemStats.HeapInuse, sampled
// every 10 ms until stop is called.
type heapSampler struct {
	done chan struct{}
	wg   sync.WaitGroup
	peak uint64
	n    int
}

func startHeapSampler() *heapSampler {
	s := &heapSampler{done: make(chan struct{})}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		tick := time.NewTicker(10 * time.Millisecond)
		defer tick.Stop()
		var m runtime.MemStats
		for {
			runtime.ReadMemStats(&m)
			s.peak = max(s.peak, m.HeapInuse)
			s.n++
			select {
			case <-s.done:
				return
			case <-tick.C:
			}
		}
	}()
	return s
}

// stop ends the sampling and returns the peak and the number of samples.
func (s *heapSampler) stop() (uint64, int) {
	close(s.done)
	s.wg.Wait()
	return s.peak, s.n
}

// TestStreamingKeepsMemoryFlat exports 2,000,000 generated PostgreSQL rows
// of 7 columns to CSV (PostgreSQL's COPY) and to NDJSON (row by row) and
// asserts that the heap in use never exceeds 64 MB: rows stream from the
// database to the spool file, none are held. It does not run in parallel
// with other tests, whose allocations would count.
func TestStreamingKeepsMemoryFlat(t *testing.T) {
	if testing.Short() {
		t.Skip("SKIPPED in -short mode: exports 2,000,000 rows twice")
	}
	dsn, _, _ := pgSchema(t)
	src := openSource(t, dsn, source.Options{})
	q := facteur.Query{SQL: `SELECT g AS id, 'customer ' || g AS name, (g * 0.37)::numeric(14,2) AS amount,
		g / 7.0::float8 AS ratio, g % 3 = 0 AS active, timestamptz '2024-01-01 00:00:00+00' + g * interval '1 second' AS at,
		md5(g::text) AS hash FROM generate_series(1, ` + strconv.Itoa(streamRows) + `) AS g`}
	for _, tt := range []struct {
		format   string
		fastPath bool
		first    string
	}{
		{facteur.FormatCSV, false, "1,customer 1,0.37,0.14285714285714285,false,2024-01-01T00:00:01+00:00,c4ca4238a0b923820dcc509a6f75849b"},
		{facteur.FormatCSV, true, "1,customer 1,0.37,0.14285714285714285,false,2024-01-01T00:00:01+00:00,c4ca4238a0b923820dcc509a6f75849b"},
		{facteur.FormatNDJSON, false, `{"id":1,"name":"customer 1","amount":0.37,"ratio":0.14285714285714285,"active":false,"at":"2024-01-01T00:00:01+00:00","hash":"c4ca4238a0b923820dcc509a6f75849b"}`},
	} {
		t.Run(fmt.Sprintf("%s copy=%v", tt.format, tt.fastPath), func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "big."+tt.format)
			runtime.GC()
			var before runtime.MemStats
			runtime.ReadMemStats(&before)
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
			defer cancel()
			sampler := startHeapSampler()
			start := time.Now()
			res, err := export.Run(ctx, export.Spec{Source: src, Query: q, Format: facteur.FormatOptions{Format: tt.format}, Path: path, Copy: tt.fastPath})
			took := time.Since(start)
			peak, samples := sampler.stop()
			if err != nil {
				t.Fatalf("export.Run: %v", err)
			}
			t.Logf("%s: %d rows, %.1f MB in %v (%.0f rows/s, FastPath %v); heap in use %.1f MB before, peak %.1f MB over %d samples",
				tt.format, res.Rows, float64(res.Bytes)/1e6, took.Round(time.Millisecond), float64(res.Rows)/took.Seconds(),
				res.FastPath, float64(before.HeapInuse)/(1<<20), float64(peak)/(1<<20), samples)
			if res.Rows != streamRows || res.FastPath != tt.fastPath {
				t.Errorf("Rows %d, FastPath %v; want %d, %v", res.Rows, res.FastPath, streamRows, tt.fastPath)
			}
			if peak > heapLimit {
				t.Errorf("heap in use peaked at %.1f MB, more than %d MB: the export does not stream", float64(peak)/(1<<20), heapLimit>>20)
			}
			if samples < 10 {
				t.Errorf("only %d heap samples: the measure means nothing", samples)
			}
			checkLines(t, path, tt.format == facteur.FormatCSV, tt.first)
		})
	}
}

// checkLines reads the file back and checks its first data line and its
// number of lines: a header (CSV) and one line per row.
func checkLines(t *testing.T, path string, header bool, first string) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	lines := 0
	for sc.Scan() {
		lines++
		if dataLine := lines - map[bool]int{true: 1}[header]; dataLine == 1 && !bytes.Equal(sc.Bytes(), []byte(first)) {
			t.Errorf("first row %q, want %q", sc.Bytes(), first)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if want := streamRows + map[bool]int{true: 1}[header]; lines != want {
		t.Errorf("%d lines, want %d", lines, want)
	}
}
