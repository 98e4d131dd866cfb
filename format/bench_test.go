package format_test

import (
	"io"
	"runtime"
	"strconv"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/facteur/facteur"
	"github.com/facteur/facteur/format"
)

// benchCols are the 7 columns of the benchmarks: a typical export.
var benchCols = []facteur.Column{
	{Name: "id", Kind: facteur.KindInt},
	{Name: "name", Kind: facteur.KindText},
	{Name: "amount", Kind: facteur.KindDecimal},
	{Name: "ratio", Kind: facteur.KindFloat},
	{Name: "active", Kind: facteur.KindBool},
	{Name: "created", Kind: facteur.KindTimestamp},
	{Name: "note", Kind: facteur.KindText},
}

// benchRows returns 1024 distinct rows to cycle through; one in eight has
// a value that CSV must quote, one in sixteen a NULL.
func benchRows() [][][]byte {
	rows := make([][][]byte, 1024)
	t0 := time.Date(2024, 3, 31, 3, 0, 0, 0, time.FixedZone("", 2*3600))
	for i := range rows {
		note := "Lorem ipsum dolor sit amet " + strconv.Itoa(i)
		if i%8 == 0 {
			note = `He said "hi", then left`
		}
		r := [][]byte{
			[]byte(strconv.Itoa(1_000_000 + i*7919)),
			[]byte("Agent Ébène " + strconv.Itoa(i)),
			[]byte(strconv.Itoa(i*37) + "." + strconv.Itoa(10+i%90)),
			[]byte(strconv.FormatFloat(float64(i)/7, 'g', -1, 64)),
			[]byte(strconv.FormatBool(i%3 == 0)),
			[]byte(t0.Add(time.Duration(i) * time.Minute).Format(time.RFC3339)),
			[]byte(note),
		}
		if i%16 == 0 {
			r[3] = nil
		}
		rows[i] = r
	}
	return rows
}

// countWriter counts the bytes written to it.
type countWriter struct{ n int64 }

func (w *countWriter) Write(p []byte) (int, error) {
	w.n += int64(len(p))
	return len(p), nil
}

const benchN = 1_000_000

func benchEncoder(b *testing.B, f string) { benchEncoderN(b, facteur.FormatOptions{Format: f}, benchN) }

// benchEncoderN encodes n rows per operation in the format opts say.
func benchEncoderN(b *testing.B, opts facteur.FormatOptions, n int) {
	rows := benchRows()
	var out countWriter
	b.ReportAllocs()
	for b.Loop() {
		enc, err := format.Builtin().New(&out, format.Target{Cols: benchCols, Options: opts, InnerName: "bench.csv"})
		if err != nil {
			b.Fatal(err)
		}
		for i := range n {
			if err := enc.Write(rows[i%len(rows)], nil); err != nil {
				b.Fatal(err)
			}
		}
		if err := enc.Close(); err != nil {
			b.Fatal(err)
		}
	}
	// MB/s is the speed of the file written; rows/s that of the rows read.
	b.SetBytes(out.n / int64(b.N))
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}

// Each benchmark encodes 1M rows of 7 columns per operation.
func BenchmarkCSV(b *testing.B)    { benchEncoder(b, "csv") }
func BenchmarkCSVZip(b *testing.B) { benchEncoder(b, "csv.zip") }
func BenchmarkJSON(b *testing.B)   { benchEncoder(b, "json") }
func BenchmarkNDJSON(b *testing.B) { benchEncoder(b, "ndjson") }
func BenchmarkXLSX(b *testing.B)   { benchEncoder(b, "xlsx") }

// BenchmarkXLSXExcelize is the baseline of BenchmarkXLSX: the same rows
// through excelize's StreamWriter, which holds the sheet until it saves.
func BenchmarkXLSXExcelize(b *testing.B) {
	rows := benchRows()
	var out countWriter
	b.ReportAllocs()
	for b.Loop() {
		f := excelize.NewFile()
		sw, err := f.NewStreamWriter("Sheet1")
		if err != nil {
			b.Fatal(err)
		}
		header := make([]any, len(benchCols))
		for i, c := range benchCols {
			header[i] = c.Name
		}
		if err := sw.SetRow("A1", header); err != nil {
			b.Fatal(err)
		}
		vals := make([]any, len(benchCols))
		for i := range benchN {
			for j, v := range rows[i%len(rows)] {
				if v == nil {
					vals[j] = nil
				} else {
					vals[j] = string(v)
				}
			}
			cell, _ := excelize.CoordinatesToCellName(1, i+2)
			if err := sw.SetRow(cell, vals); err != nil {
				b.Fatal(err)
			}
		}
		if err := sw.Flush(); err != nil {
			b.Fatal(err)
		}
		if _, err := f.WriteTo(&out); err != nil {
			b.Fatal(err)
		}
		f.Close()
	}
	b.SetBytes(out.n / int64(b.N))
	b.ReportMetric(float64(benchN)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}

// TestAllocs checks that memory stays flat: CSV, JSON and NDJSON allocate
// nothing per row, and writing 200,000 rows in any format allocates a
// bounded amount (the buffers and, for zip formats, the compressor).
// Not parallel: it reads the process-wide allocation counters.
func TestAllocs(t *testing.T) {
	if testing.Short() {
		t.Skip("short mode")
	}
	const n = 200_000
	rows := fixtureBytes()
	for _, f := range []string{"csv", "json", "ndjson"} {
		enc, err := format.Builtin().New(io.Discard, format.Target{Cols: fixtureCols, Options: facteur.FormatOptions{Format: f}})
		if err != nil {
			t.Fatal(err)
		}
		i := 0
		allocs := testing.AllocsPerRun(n, func() {
			if err := enc.Write(rows[i%len(rows)], nil); err != nil {
				t.Fatal(err)
			}
			i++
		})
		if allocs != 0 {
			t.Errorf("%s: %v allocations per row, want 0", f, allocs)
		}
	}

	for _, f := range []string{"csv", "csv.zip", "json", "ndjson", "xlsx"} {
		for _, c := range []struct {
			cols []facteur.Column
			rows [][][]byte
		}{{fixtureCols, fixtureBytes()}, {benchCols, benchRows()}} {
			var out countWriter
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			enc, err := format.Builtin().New(&out, format.Target{Cols: c.cols, Options: facteur.FormatOptions{Format: f}, InnerName: "x.csv"})
			if err != nil {
				t.Fatal(err)
			}
			for i := range n {
				if err := enc.Write(c.rows[i%len(c.rows)], nil); err != nil {
					t.Fatal(err)
				}
			}
			if err := enc.Close(); err != nil {
				t.Fatal(err)
			}
			runtime.ReadMemStats(&after)
			mallocs, bytes := after.Mallocs-before.Mallocs, after.TotalAlloc-before.TotalAlloc
			t.Logf("%-7s %d columns: %d rows, %d bytes out: %d allocations, %d bytes allocated", f, len(c.cols), n, out.n, mallocs, bytes)
			if mallocs > 500 || bytes > 4<<20 {
				t.Errorf("%s: %d allocations, %d bytes for %d rows; want at most 500 and 4 MiB whatever the number of rows", f, mallocs, bytes, n)
			}
		}
	}
}
func BenchmarkParquet(b *testing.B) { benchEncoder(b, "parquet") }

// BenchmarkPDF lays out the largest PDF there is, 100,000 rows.
func BenchmarkPDF(b *testing.B) {
	benchEncoderN(b, facteur.FormatOptions{Format: facteur.FormatPDF, RowLimit: format.PDFMaxRowLimit}, format.PDFMaxRowLimit)
}
