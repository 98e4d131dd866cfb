// Package formattest is the suite every registered format passes (run by
// format's TestConformance over format.Builtin()): awkward values read
// back by a reader independent of Facteur, no rows, a row of 1,000
// columns, memory that does not grow with the number of rows, and the
// same bytes for the same input.
package formattest

import (
	"bytes"
	"fmt"
	"io"
	"math"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/facteur/facteur"
	"github.com/facteur/facteur/format"
)

// Reader reads a format's files back with a program independent of
// Facteur.
type Reader struct {
	// Program names the reader, for messages.
	Program string
	// Read returns the file's header (nil when the format has none, or
	// the file no row to take it from) and its rows, nil for a null.
	Read func(t *testing.T, file []byte) (header []*string, rows [][]*string)
	// Check, for a format whose files do not give values back cell by
	// cell (a PDF's laid-out text, a PNG picture), replaces Read: it
	// checks the file against the columns and rows the suite wrote as a
	// user would (every cell's text on the pages; a picture of its size
	// that is not blank), and fails t otherwise. Exactly one of Read and
	// Check is set; the shared checks of Read's formats are unchanged.
	Check func(t *testing.T, file []byte, cols []facteur.Column, rows [][][]byte)
	// Chart, for a format that draws the report's chart, returns the
	// chart of the suite's columns; nil when a case has nothing the format
	// can draw (1,000 text columns for a chart of numbers): the case is
	// skipped, saying so.
	Chart func(cols []facteur.Column) *facteur.Chart
	// RowLimit, for a format that holds its file until Close and so
	// bounds its rows (PDF, PNG), is the most rows it takes with Options.
	// Instead of the flat-memory check, the suite then writes RowLimit
	// rows, checks the live heap stays under MaxHeap, and that one row
	// more fails at Write or Close.
	RowLimit int
	// MaxHeap is the most live heap at RowLimit rows (see RowLimit).
	MaxHeap uint64
	// Options are the format's options for the suite (e.g. xlsx dates as
	// text, to compare them with their text).
	Options facteur.FormatOptions
	// NullIsEmpty: the format writes SQL NULL as an empty cell.
	NullIsEmpty bool
	// Doubles: numbers come back as doubles, compared as such.
	Doubles bool
	// Keeps, when set, returns what the format keeps of a text, as its
	// documentation says (XMLText for xlsx); nil keeps every character.
	Keeps func(text []byte) []byte
	// Shows, when set, returns what the reader sees of a value of kind k
	// as the format documents it (a text table shows control characters
	// as symbols and cuts long cells with an ellipsis); nil shows every
	// value as it is. Unlike Keeps, the value must read exactly so.
	Shows func(k facteur.Kind, text []byte) []byte
	// Expect, when set, returns what the format keeps of a value of kind
	// k, as its documentation says, when that is not the value itself
	// (Parquet keeps a timestamp's instant, not its offset).
	Expect func(k facteur.Kind, want []byte) []byte
}

// XMLText is what an XML 1.0 document can hold of a text: the C0 controls
// other than tab, LF and CR, U+FFFE and U+FFFF are left out.
func XMLText(text []byte) []byte {
	return []byte(strings.Map(func(r rune) rune {
		if r < 0x20 && r != '\t' && r != '\n' && r != '\r' || r == 0xFFFE || r == 0xFFFF {
			return -1
		}
		return r
	}, string(text)))
}

// Value is one awkward value of the suite: its kind and canonical text,
// nil for NULL.
type Value struct {
	Name string
	Kind facteur.Kind
	Text []byte
}

// Awkward are the values every format must carry intact.
var Awkward = []Value{
	{"null text", facteur.KindText, nil},
	{"null number", facteur.KindDecimal, nil},
	{"empty", facteur.KindText, []byte{}},
	{"quotes", facteur.KindText, []byte(`He said "hi", then 'left'`)},
	{"only a quote", facteur.KindText, []byte(`"`)},
	{"new lines", facteur.KindText, []byte("line1\r\nline2\nline3\r")},
	{"tabs", facteur.KindText, []byte("a\tb\t")},
	{"separators", facteur.KindText, []byte("a,b;c|d")},
	{"non-BMP", facteur.KindText, []byte("🎉 𝄞 𠜎 family: 👨‍👩‍👧")},
	{"right to left", facteur.KindText, []byte("مرحبا بالعالم שלום \u200fend")},
	{"control characters", facteur.KindText, []byte("bell\x07 esc\x1b us\x1f del\x7f")},
	{"line separators", facteur.KindText, []byte("sep\u2028par\u2029end")},
	{"leading =", facteur.KindText, []byte("=1+2")},
	{"leading +", facteur.KindText, []byte("+33 1 23")},
	{"leading -", facteur.KindText, []byte("-2+3")},
	{"leading @", facteur.KindText, []byte("@SUM(A1)")},
	{"spaces", facteur.KindText, []byte("  leading and trailing  ")},
	{"xml-like", facteur.KindText, []byte("<tag a=\"1\"> & ]]> _x000D_")},
	{"10k characters", facteur.KindText, []byte(strings.Repeat("ab\"c,é", 1667))},
	{"big decimal", facteur.KindDecimal, []byte("12345678901234567890123456789012345678.123456789")},
	{"tiny decimal", facteur.KindDecimal, []byte("0.000000000000000000000000000001")},
	{"negative decimal", facteur.KindDecimal, []byte("-0.05")},
	{"big integer", facteur.KindInt, []byte("9223372036854775807")},
	{"small integer", facteur.KindInt, []byte("-42")},
	{"float", facteur.KindFloat, []byte("0.30000000000000004")},
	{"big float", facteur.KindFloat, []byte("1e+100")},
	{"boolean", facteur.KindBool, []byte("true")},
	{"date before 1970", facteur.KindDate, []byte("1901-12-13")},
	{"date after 2038", facteur.KindDate, []byte("2099-01-19")},
	{"timestamp before 1970", facteur.KindTimestamp, []byte("1969-07-20T20:17:40Z")},
	{"timestamp after 2038", facteur.KindTimestamp, []byte("2038-01-19T03:14:08.5+00:00")},
	{"timestamp with offset", facteur.KindTimestamp, []byte("2024-03-31T03:00:00+02:00")},
	{"timestamp half-hour zone", facteur.KindTimestamp, []byte("1999-12-31T23:59:59.999999-09:30")},
	{"date-time", facteur.KindDateTime, []byte("2024-10-27T02:30:00")},
	{"time", facteur.KindTime, []byte("23:59:59.125")},
	{"bytes", facteur.KindBytes, []byte("AAEC/+7d")},
	{"json", facteur.KindJSON, []byte(`{"a":[1,2.50,-0],"b":"x\"y","c":null,"d":true}`)},
	{"json array", facteur.KindJSON, []byte(`[{"k":"v"},[],"s"]`)},
}

// Modified is the date of archive entries in the suite, fixed so that
// the same input gives the same bytes.
var Modified = time.Date(2024, 3, 31, 12, 0, 0, 0, time.UTC)

// encode writes rows in f with the reader's options.
func encode(t testing.TB, f format.Format, rd Reader, w io.Writer, cols []facteur.Column, rows func(yield func([][]byte) bool)) {
	t.Helper()
	if err := tryEncode(f, rd, w, cols, rows); err != nil {
		t.Fatalf("%s: %v", f.Name, err)
	}
}

// tryEncode writes rows in f with the reader's options and chart, and
// returns the first error.
func tryEncode(f format.Format, rd Reader, w io.Writer, cols []facteur.Column, rows func(yield func([][]byte) bool)) error {
	o := rd.Options
	o.Format = f.Name
	target := format.Target{Cols: cols, Options: o, InnerName: "export.csv", Modified: Modified}
	if rd.Chart != nil {
		target.Chart = rd.Chart(cols)
	}
	enc, err := f.New(w, target)
	if err != nil {
		return err
	}
	for row := range rows {
		if err := enc.Write(row, nil); err != nil {
			_ = enc.Close()
			return fmt.Errorf("write: %w", err)
		}
	}
	if err := enc.Close(); err != nil {
		return fmt.Errorf("close: %w", err)
	}
	return nil
}

// drawable skips the case when rd draws charts and has none for cols.
func drawable(t *testing.T, rd Reader, cols []facteur.Column) {
	t.Helper()
	if rd.Chart != nil && rd.Chart(cols) == nil {
		t.Skipf("%s: these columns have nothing to draw", rd.Program)
	}
}

// collect returns the rows of a sequence as copies.
func collect(rows func(yield func([][]byte) bool)) [][][]byte {
	var out [][][]byte
	for row := range rows {
		c := make([][]byte, len(row))
		for i, v := range row {
			if v != nil {
				c[i] = append([]byte{}, v...)
			}
		}
		out = append(out, c)
	}
	return out
}

// Run runs the suite on f, reading its files with rd.
func Run(t *testing.T, f format.Format, rd Reader) {
	t.Run("awkward values", func(t *testing.T) { awkward(t, f, rd) })
	t.Run("no rows", func(t *testing.T) { noRows(t, f, rd) })
	t.Run("1,000 columns", func(t *testing.T) { wide(t, f, rd) })
	t.Run("same bytes", func(t *testing.T) { reproducible(t, f, rd) })
	t.Run("flat memory", func(t *testing.T) { flatMemory(t, f, rd) })
}

// awkward writes each awkward value in a row of its own, in a column of
// its kind, next to a text column that says which it is.
func awkward(t *testing.T, f format.Format, rd Reader) {
	cols := []facteur.Column{{Name: "name", Kind: facteur.KindText}}
	for _, k := range kinds() {
		cols = append(cols, facteur.Column{Name: "v_" + k.String(), Kind: k})
	}
	drawable(t, rd, cols)
	awkwardRows := func(yield func([][]byte) bool) {
		for _, v := range Awkward {
			row := make([][]byte, len(cols))
			row[0] = []byte(v.Name)
			row[column(cols, v.Kind)] = v.Text
			if !yield(row) {
				return
			}
		}
	}
	var buf bytes.Buffer
	encode(t, f, rd, &buf, cols, awkwardRows)
	if rd.Check != nil {
		rd.Check(t, buf.Bytes(), cols, collect(awkwardRows))
		return
	}
	header, rows := rd.Read(t, buf.Bytes())
	checkHeader(t, rd, header, cols)
	if len(rows) != len(Awkward) {
		t.Fatalf("%s reads %d rows, want %d", rd.Program, len(rows), len(Awkward))
	}
	for i, v := range Awkward {
		row := pad(rows[i], len(cols))
		for j := range cols {
			want := []byte(nil)
			if j == 0 {
				want = []byte(v.Name)
			} else if j == column(cols, v.Kind) {
				want = v.Text
			}
			if !same(rd, cols[j].Kind, want, row[j]) {
				t.Errorf("%s: column %s reads %s, want %q", v.Name, cols[j].Name, show(row[j]), want)
			}
		}
	}
}

// noRows: a file of no row reads as no row (and its header, if any).
func noRows(t *testing.T, f format.Format, rd Reader) {
	cols := []facteur.Column{{Name: "id", Kind: facteur.KindInt}, {Name: "label", Kind: facteur.KindText}}
	drawable(t, rd, cols)
	var buf bytes.Buffer
	encode(t, f, rd, &buf, cols, func(func([][]byte) bool) {})
	if rd.Check != nil {
		rd.Check(t, buf.Bytes(), cols, nil)
		return
	}
	header, rows := rd.Read(t, buf.Bytes())
	if len(rows) != 0 {
		t.Errorf("%s reads %d rows, want none", rd.Program, len(rows))
	}
	if header != nil {
		checkHeader(t, rd, header, cols)
	}
}

// wide writes one row of 1,000 text columns.
func wide(t *testing.T, f format.Format, rd Reader) {
	cols := make([]facteur.Column, 1000)
	row := make([][]byte, len(cols))
	for i := range cols {
		cols[i] = facteur.Column{Name: fmt.Sprintf("c%d", i), Kind: facteur.KindText}
		row[i] = []byte(fmt.Sprintf("v%d", i))
	}
	drawable(t, rd, cols)
	var buf bytes.Buffer
	encode(t, f, rd, &buf, cols, func(yield func([][]byte) bool) { yield(row) })
	if rd.Check != nil {
		rd.Check(t, buf.Bytes(), cols, [][][]byte{row})
		return
	}
	header, rows := rd.Read(t, buf.Bytes())
	checkHeader(t, rd, header, cols)
	if len(rows) != 1 || len(rows[0]) != len(cols) {
		t.Fatalf("%s reads %d rows (the first of %d cells), want 1 row of %d", rd.Program, len(rows), len(first(rows)), len(cols))
	}
	for i, c := range rows[0] {
		if !same(rd, facteur.KindText, row[i], c) {
			t.Errorf("column %d reads %s, want %q", i, show(c), row[i])
		}
	}
}

// reproducible: the same rows give the same bytes.
func reproducible(t *testing.T, f format.Format, rd Reader) {
	cols := manyCols()
	var a, b bytes.Buffer
	for _, w := range []*bytes.Buffer{&a, &b} {
		encode(t, f, rd, w, cols, manyRows(1000))
	}
	if !bytes.Equal(a.Bytes(), b.Bytes()) {
		t.Errorf("the same rows gave %d bytes, then %d different ones", a.Len(), b.Len())
	}
}

// manyCols are the columns of manyRows.
func manyCols() []facteur.Column {
	return []facteur.Column{{Name: "id", Kind: facteur.KindInt}, {Name: "at", Kind: facteur.KindTimestamp}, {Name: "label", Kind: facteur.KindText}}
}

// flatMemory: the most live heap while writing 200,000 rows is that of
// writing 50,000, within 1 MiB: an encoder with a goroutine of its own
// (Parquet) has a page or two in flight, more or less at any moment,
// while anything kept for each row, 7 bytes or more, goes past it. The
// smaller run is large enough for a format's fixed buffers to be full: a
// Parquet page of 256 KiB holds 32,768 integers. A format with a RowLimit
// is checked against its bound instead (see Reader.RowLimit).
func flatMemory(t *testing.T, f format.Format, rd Reader) {
	if rd.RowLimit > 0 {
		boundedMemory(t, f, rd)
		return
	}
	heap := func(n int) uint64 {
		var peak uint64
		cols := manyCols()
		rows := manyRows(n)
		encode(t, f, rd, io.Discard, cols, func(yield func([][]byte) bool) {
			i := 0
			for row := range rows {
				if !yield(row) {
					return
				}
				// The most of 16 samples over the last 16,384 rows.
				if i++; i > n-16384 && i%1024 == 0 {
					runtime.GC() // twice: what sync.Pools keep goes at the second
					runtime.GC()
					var m runtime.MemStats
					runtime.ReadMemStats(&m)
					peak = max(peak, m.HeapAlloc)
				}
			}
		})
		return peak
	}
	heap(200_000) // warm up: pools and caches that outlive an encoder
	small, large := heap(50_000), heap(200_000)
	t.Logf("%s: live heap %d KiB at 50,000 rows, %d KiB at 200,000", f.Name, small>>10, large>>10)
	if large > small+1<<20 {
		t.Errorf("the live heap grows with the rows: %d KiB at 50,000 rows, %d KiB at 200,000", small>>10, large>>10)
	}
}

// boundedMemory: writing RowLimit rows keeps the live heap under
// MaxHeap, and one row more is refused with an error.
func boundedMemory(t *testing.T, f format.Format, rd Reader) {
	var peak uint64
	n := rd.RowLimit
	rows := manyRows(n)
	encode(t, f, rd, io.Discard, manyCols(), func(yield func([][]byte) bool) {
		i := 0
		for row := range rows {
			if !yield(row) {
				return
			}
			if i++; i == n-1 {
				runtime.GC()
				var m runtime.MemStats
				runtime.ReadMemStats(&m)
				peak = m.HeapAlloc
			}
		}
	})
	t.Logf("%s: live heap %d KiB at %d rows, its limit", f.Name, peak>>10, n)
	if peak > rd.MaxHeap {
		t.Errorf("the live heap at %d rows is %d KiB, more than the %d KiB the reader allows", n, peak>>10, rd.MaxHeap>>10)
	}
	err := tryEncode(f, rd, io.Discard, manyCols(), manyRows(n+1))
	if err == nil {
		t.Errorf("%d rows, one more than the limit, were written without an error", n+1)
	} else {
		t.Logf("one row past the limit: %v", err)
	}
}

// manyRows yields n rows of an id, a timestamp and a label, reusing the
// row's bytes as a source does.
func manyRows(n int) func(yield func([][]byte) bool) {
	return func(yield func([][]byte) bool) {
		row := make([][]byte, 3)
		start := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
		for i := range n {
			row[0] = strconv.AppendInt(row[0][:0], int64(i), 10)
			row[1] = start.Add(time.Duration(i)*time.Second).AppendFormat(row[1][:0], time.RFC3339)
			row[2] = append(row[2][:0], "a label, with \"quotes\""...)
			if !yield(row) {
				return
			}
		}
	}
}

// kinds are the kinds of the awkward values, in their order.
func kinds() []facteur.Kind {
	var out []facteur.Kind
	for _, v := range Awkward {
		seen := false
		for _, k := range out {
			seen = seen || k == v.Kind
		}
		if !seen {
			out = append(out, v.Kind)
		}
	}
	return out
}

// column returns the index of the column of kind k, -1 if none.
func column(cols []facteur.Column, k facteur.Kind) int {
	for i, c := range cols {
		if i > 0 && c.Kind == k {
			return i
		}
	}
	return -1
}

func checkHeader(t *testing.T, rd Reader, header []*string, cols []facteur.Column) {
	t.Helper()
	if header == nil {
		return
	}
	header = pad(header, len(cols))
	for i, c := range cols {
		if header[i] == nil || *header[i] != c.Name {
			t.Errorf("%s reads header %d as %s, want %q", rd.Program, i, show(header[i]), c.Name)
		}
	}
}

// same reports whether got is how rd reads want (nil for NULL) of kind k.
func same(rd Reader, k facteur.Kind, want []byte, got *string) bool {
	if rd.Shows != nil && want != nil {
		want = rd.Shows(k, want)
	}
	switch {
	case want == nil:
		return got == nil || rd.NullIsEmpty && *got == ""
	case got == nil:
		return len(want) == 0 && rd.NullIsEmpty
	case *got == string(want):
		return true
	case rd.Keeps != nil && *got == string(rd.Keeps(want)):
		return true
	case rd.Expect != nil && *got == string(rd.Expect(k, want)):
		return true
	case rd.Doubles && (k == facteur.KindInt || k == facteur.KindFloat || k == facteur.KindDecimal):
		g, err1 := strconv.ParseFloat(*got, 64)
		w, err2 := strconv.ParseFloat(string(want), 64)
		return err1 == nil && err2 == nil && (g == w || math.Abs(g-w) <= 1e-15*math.Abs(w))
	}
	return false
}

func pad(row []*string, n int) []*string {
	for len(row) < n {
		row = append(row, nil)
	}
	return row
}

func first(rows [][]*string) []*string {
	if len(rows) == 0 {
		return nil
	}
	return rows[0]
}

func show(s *string) string {
	if s == nil {
		return "null"
	}
	if len(*s) > 80 {
		return fmt.Sprintf("%q… (%d bytes)", (*s)[:80], len(*s))
	}
	return strconv.Quote(*s)
}
