package format_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/facteur/facteur"
	"github.com/facteur/facteur/format"
	"github.com/facteur/facteur/format/formattest"
)

// parquetFixture is the fixture without the two documents of its json
// column that are not JSON ("{not json" and ""): a Parquet JSON column
// refuses them (TestParquetRefuses).
func parquetFixture() [][][]byte {
	rows := fixtureBytes()
	for _, r := range rows {
		if d := string(r[10]); d == "{not json" || d == "" {
			r[10] = nil
		}
	}
	return rows
}

// TestParquetGolden: what DuckDB reads of the fixture written as Parquet
// (its types, the file's schema and every value) is testdata/fixture.parquet.txt.
func TestParquetGolden(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	encodeAll(t, format.NewParquetEncoder(&buf, fixtureCols, ""), parquetFixture())
	read, err := json.MarshalIndent(formattest.ReadParquet(t, buf.Bytes()), "", " ")
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "fixture.parquet.txt", append(read, '\n'))
}

// TestParquetDecimals: a decimal of a known precision is a DECIMAL of that
// precision, for each physical type it can take, and reads back as its
// digits; a value that does not fit fails, naming the column and the row.
func TestParquetDecimals(t *testing.T) {
	t.Parallel()
	cols := []facteur.Column{
		{Name: "p5", Kind: facteur.KindDecimal, Precision: 5, Scale: 2},
		{Name: "p18", Kind: facteur.KindDecimal, Precision: 18, Scale: 4},
		{Name: "p38", Kind: facteur.KindDecimal, Precision: 38, Scale: 9},
		{Name: "p0", Kind: facteur.KindDecimal, Precision: 38, Scale: 0},
	}
	rows := [][]string{
		{"999.99", "99999999999999.9999", "99999999999999999999999999999.999999999", "99999999999999999999999999999999999999"},
		{"-999.99", "-99999999999999.9999", "-99999999999999999999999999999.999999999", "-99999999999999999999999999999999999999"},
		{"0.00", "-0.0001", "0.000000001", "0"},
		{"1.5", "12", "-1.10", "-1"}, // fewer decimals than the scale
		{null, null, null, null},
	}
	want := [][]string{
		rows[0], rows[1], rows[2],
		{"1.50", "12.0000", "-1.100000000", "-1"},
		{null, null, null, null},
	}
	var buf bytes.Buffer
	encodeAll(t, format.NewParquetEncoder(&buf, cols, facteur.CodecSnappy), toBytes(rows))
	f := formattest.ReadParquet(t, buf.Bytes())
	for i, c := range f.Columns {
		wantType := map[int]string{0: "DECIMAL(5,2)", 1: "DECIMAL(18,4)", 2: "DECIMAL(38,9)", 3: "DECIMAL(38,0)"}[i]
		if c.Type != wantType {
			t.Errorf("column %s: DuckDB reads %s, want %s", c.Name, c.Type, wantType)
		}
	}
	if f.Meta.Codecs != "SNAPPY" {
		t.Errorf("codecs %q, want SNAPPY", f.Meta.Codecs)
	}
	for i, r := range want {
		for j, w := range r {
			got := f.Rows[i][j]
			if w == null && got != nil || w != null && (got == nil || *got != w) {
				t.Errorf("row %d, %s: DuckDB reads %v, want %q", i+1, cols[j].Name, got, w)
			}
		}
	}
}

// TestParquetRefuses: a value its column's type cannot hold fails the
// export, with a message naming the column and the row.
func TestParquetRefuses(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		col   facteur.Column
		value string
		kinds []facteur.Kind // the value's own kind, when not its column's
	}{
		{facteur.Column{Name: "n", Kind: facteur.KindDecimal, Precision: 5, Scale: 2}, "1000.00", nil},
		{facteur.Column{Name: "n", Kind: facteur.KindDecimal, Precision: 5, Scale: 2}, "1.234", nil},
		{facteur.Column{Name: "n", Kind: facteur.KindDecimal, Precision: 5, Scale: 2}, "NaN", nil},
		{facteur.Column{Name: "n", Kind: facteur.KindDecimal, Precision: 5, Scale: 2}, "1e3", nil},
		{facteur.Column{Name: "n", Kind: facteur.KindInt}, "9223372036854775808", nil},
		{facteur.Column{Name: "n", Kind: facteur.KindInt}, "1.5", []facteur.Kind{facteur.KindFloat}},
		{facteur.Column{Name: "n", Kind: facteur.KindTimestamp}, "infinity", nil},
		{facteur.Column{Name: "n", Kind: facteur.KindTimestamp}, "2024-01-01T00:00:00.0000001Z", nil},
		{facteur.Column{Name: "n", Kind: facteur.KindDateTime}, "2024-01-01T00:00:00+02:00", nil},
		{facteur.Column{Name: "n", Kind: facteur.KindDate}, "infinity", nil},
		{facteur.Column{Name: "n", Kind: facteur.KindTime}, "24:00:01", nil},
		{facteur.Column{Name: "n", Kind: facteur.KindJSON}, "{not json", nil},
		{facteur.Column{Name: "n", Kind: facteur.KindJSON}, "", nil},
		{facteur.Column{Name: "n", Kind: facteur.KindBytes}, "abcd", []facteur.Kind{facteur.KindText}},
		{facteur.Column{Name: "n", Kind: facteur.KindBool}, "1", []facteur.Kind{facteur.KindInt}},
	} {
		enc := format.NewParquetEncoder(new(bytes.Buffer), []facteur.Column{tt.col}, "")
		err := enc.Write([][]byte{[]byte(tt.value)}, tt.kinds)
		if msg := facteur.ErrorMessage(err); facteur.ErrorCode(err) != facteur.EINVALID || !strings.Contains(msg, `column "n", row `) || !strings.Contains(msg, "cast the column to text") {
			t.Errorf("%s %q: error %v, want one naming the column and the row", tt.col.Kind, tt.value, err)
		}
		enc.Close()
	}
}

// TestParquetRowGroups: past 1,048,576 rows a second row group starts, its
// pages written after the first's in the same temporary file; DuckDB reads
// every row of both.
func TestParquetRowGroups(t *testing.T) {
	t.Parallel()
	const n = 1<<20 + 1000
	cols := []facteur.Column{{Name: "id", Kind: facteur.KindInt}, {Name: "label", Kind: facteur.KindText}}
	var buf bytes.Buffer
	enc := format.NewParquetEncoder(&buf, cols, "")
	id, label := []byte{}, []byte{}
	for i := range n {
		id = strconv.AppendInt(id[:0], int64(i), 10)
		label = append(append(label[:0], "label "...), id...)
		row := [][]byte{id, label}
		if i%7 == 0 {
			row[1] = nil
		}
		if err := enc.Write(row, nil); err != nil {
			t.Fatal(err)
		}
	}
	if err := enc.Close(); err != nil {
		t.Fatal(err)
	}
	got := formattest.QueryParquet(t, buf.Bytes(), `SELECT count(*)::VARCHAR AS n, sum(id)::VARCHAR AS s, count(label)::VARCHAR AS labels,
		bool_and(label IS NULL OR label = 'label ' || id)::VARCHAR AS same,
		(SELECT count(DISTINCT row_group_id) FROM parquet_metadata({file}))::VARCHAR AS groups FROM read_parquet({file})`)
	want := map[string]any{"n": strconv.Itoa(n), "s": strconv.Itoa(n * (n - 1) / 2), "labels": strconv.Itoa(n - (n+6)/7), "same": "true", "groups": "2"}
	if len(got) != 1 || fmt.Sprint(got[0]) != fmt.Sprint(want) {
		t.Errorf("DuckDB reads %v, want %v", got, want)
	}
}

// TestParquetRowReuse: Write copies what it needs; overwriting a row's
// bytes after Write, as a source does with its buffers, changes nothing.
func TestParquetRowReuse(t *testing.T) {
	t.Parallel()
	encode := func(reuse bool) []byte {
		var buf bytes.Buffer
		enc := format.NewParquetEncoder(&buf, fixtureCols, "")
		for _, row := range parquetFixture() {
			if err := enc.Write(row, nil); err != nil {
				t.Fatal(err)
			}
			if reuse {
				for _, v := range row {
					for i := range v {
						v[i] = 'X'
					}
				}
			}
		}
		if err := enc.Close(); err != nil {
			t.Fatal(err)
		}
		return buf.Bytes()
	}
	if !bytes.Equal(encode(false), encode(true)) {
		t.Error("overwriting a row after Write changed the file")
	}
}

// TestParquetOffsetSeconds: an instant whose offset has seconds (the local
// mean time PostgreSQL gives old dates in some zones) is that instant.
func TestParquetOffsetSeconds(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	encodeAll(t, format.NewParquetEncoder(&buf, []facteur.Column{{Name: "at", Kind: facteur.KindTimestamp}}, ""),
		toBytes([][]string{{"1900-01-01T00:00:00+00:09:21"}}))
	got := formattest.QueryParquet(t, buf.Bytes(), `SELECT "at"::VARCHAR AS v FROM read_parquet({file})`)
	if len(got) != 1 || got[0]["v"] != "1899-12-31 23:50:39+00" {
		t.Errorf("DuckDB reads %v, want 1899-12-31 23:50:39+00", got)
	}
}

// TestParquetCodecsReadBack: 300,000 rows, many pages per column, written
// with each codec: DuckDB reads back every row of both files, with the
// sums and lengths the rows were written with.
func TestParquetCodecsReadBack(t *testing.T) {
	t.Parallel()
	cols := []facteur.Column{{Name: "id", Kind: facteur.KindInt}, {Name: "note", Kind: facteur.KindText}, {Name: "amount", Kind: facteur.KindDecimal, Precision: 12, Scale: 2}}
	const n = 300_000
	var sum, amounts, length int64
	var nulls int
	rows := make([][][]byte, n)
	for i := range rows {
		id := int64(i)*7919 - 1_000_000
		note := []byte(fmt.Sprintf("note %x %d, said \"ok\"", uint64(id)*0x9e3779b97f4a7c15, i%977))
		if i%10 == 3 {
			note = nil
			nulls++
		}
		cents := (id % 100_000_000) * 3
		rows[i] = [][]byte{[]byte(strconv.FormatInt(id, 10)), note, []byte(fmt.Sprintf("%d.%02d", cents/100, abs(cents%100)))}
		if cents < 0 {
			rows[i][2] = append([]byte("-"), bytes.TrimPrefix(rows[i][2], []byte("-"))...)
		}
		sum += id
		amounts += cents
		length += int64(len(note))
	}
	want := fmt.Sprintf("%d %d %d %d %d", n, sum, amounts, length, n-nulls)
	for _, codec := range []string{facteur.CodecZstd, facteur.CodecSnappy} {
		var buf bytes.Buffer
		encodeAll(t, format.NewParquetEncoder(&buf, cols, codec), rows)
		got := formattest.QueryParquet(t, buf.Bytes(), `SELECT count(*)::VARCHAR || ' ' || sum(id)::VARCHAR || ' ' || (sum(amount) * 100)::BIGINT::VARCHAR || ' ' || sum(length(note))::VARCHAR || ' ' || count(note)::VARCHAR AS r FROM read_parquet({file})`)
		if len(got) != 1 || got[0]["r"] != want {
			t.Errorf("%s: DuckDB reads %v, want %s", codec, got, want)
		}
		codecs := formattest.QueryParquet(t, buf.Bytes(), `SELECT DISTINCT compression AS c FROM parquet_metadata({file})`)
		if len(codecs) != 1 || !strings.EqualFold(fmt.Sprint(codecs[0]["c"]), codec) {
			t.Errorf("%s: the columns are compressed with %v", codec, codecs)
		}
	}
}

func abs(n int64) int64 {
	if n < 0 {
		return -n
	}
	return n
}
