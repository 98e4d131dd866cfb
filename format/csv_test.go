package format_test

import (
	"bytes"
	"encoding/csv"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/facteur/facteur"
	"github.com/facteur/facteur/format"
)

func TestCSVGolden(t *testing.T) {
	t.Parallel()
	tests := []struct {
		golden string
		opts   format.CSVOptions
	}{
		{"fixture.csv", format.CSVOptions{}},
		{"fixture_noheader.csv", format.CSVOptions{NoHeader: true}},
		{"fixture_semicolon.csv", format.CSVOptions{Delimiter: ';'}},
		{"fixture_tab.csv", format.CSVOptions{Delimiter: '\t'}},
		{"fixture_bom.csv", format.CSVOptions{BOM: true}},
	}
	for _, tt := range tests {
		t.Run(tt.golden, func(t *testing.T) {
			t.Parallel()
			var buf bytes.Buffer
			encodeAll(t, format.NewCSVEncoder(&buf, fixtureCols, tt.opts), fixtureBytes())
			golden(t, tt.golden, buf.Bytes())
			checkCSV(t, buf.Bytes(), tt.opts, fixtureCols, fixtureRows)
		})
	}
}

// checkCSV parses out with encoding/csv (strict quotes) and compares every
// field with the rows written. encoding/csv reads NULL and "" alike, and
// turns CR LF inside a quoted field into LF; the golden files check those.
func checkCSV(t *testing.T, out []byte, o format.CSVOptions, cols []facteur.Column, rows [][]string) {
	t.Helper()
	bom := []byte("\xEF\xBB\xBF")
	if o.BOM != bytes.HasPrefix(out, bom) {
		t.Fatalf("BOM: want %v, file starts with %q", o.BOM, out[:min(len(out), 3)])
	}
	r := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(out, bom)))
	if o.Delimiter != 0 {
		r.Comma = o.Delimiter
	}
	r.FieldsPerRecord = len(cols)
	got, err := r.ReadAll()
	if err != nil {
		t.Fatalf("encoding/csv cannot read the output: %v", err)
	}
	if !o.NoHeader {
		if len(got) == 0 {
			t.Fatal("no header line")
		}
		for i, c := range cols {
			if got[0][i] != c.Name {
				t.Errorf("header %d = %q, want %q", i, got[0][i], c.Name)
			}
		}
		got = got[1:]
	}
	if len(got) != len(rows) {
		t.Fatalf("read %d records, want %d", len(got), len(rows))
	}
	for i, row := range rows {
		for j, v := range row {
			want := strings.ReplaceAll(v, "\r\n", "\n")
			if v == null {
				want = ""
			}
			if got[i][j] != want {
				t.Errorf("row %d column %s = %q, want %q", i, cols[j].Name, got[i][j], want)
			}
		}
	}
}

func TestCSVQuoting(t *testing.T) {
	t.Parallel()
	nul := []byte(nil)
	tests := []struct {
		name  string
		delim rune
		row   [][]byte
		want  string
	}{
		{"null is empty unquoted", 0, [][]byte{nul, []byte("x")}, ",x\n"},
		{"empty string is quoted", 0, [][]byte{{}, []byte("x")}, `"",x` + "\n"},
		{"all null", 0, [][]byte{nul, nul}, ",\n"},
		{"spaces are not quoted", 0, [][]byte{[]byte(" a "), []byte("\t")}, " a ,\t\n"},
		{"comma", 0, [][]byte{[]byte("a,b"), []byte("c")}, `"a,b",c` + "\n"},
		{"quote doubled", 0, [][]byte{[]byte(`say "hi"`), []byte(`"`)}, `"say ""hi""",""""` + "\n"},
		{"LF", 0, [][]byte{[]byte("a\nb"), []byte("c")}, "\"a\nb\",c\n"},
		{"CR", 0, [][]byte{[]byte("a\rb"), []byte("c")}, "\"a\rb\",c\n"},
		{"CRLF", 0, [][]byte{[]byte("a\r\nb"), []byte("c")}, "\"a\r\nb\",c\n"},
		{"end marker with two columns", 0, [][]byte{[]byte(`\.`), []byte(`\.`)}, `\.,\.` + "\n"},
		{"end marker look-alikes", 0, [][]byte{[]byte(`\.x`), []byte(`\`)}, `\.x,\` + "\n"},
		{"semicolon kept with comma", 0, [][]byte{[]byte("a;b"), []byte("c")}, "a;b,c\n"},
		{"semicolon delimiter", ';', [][]byte{[]byte("a;b"), []byte("a,b")}, `"a;b";a,b` + "\n"},
		{"tab delimiter", '\t', [][]byte{[]byte("a\tb"), []byte("a b")}, "\"a\tb\"\ta b\n"},
		{"multi-byte delimiter", '§', [][]byte{[]byte("a§b"), []byte("a,b")}, "\"a§b\"§a,b\n"},
		{"multi-byte delimiter, other runes", '§', [][]byte{[]byte("é"), []byte("日本")}, "é§日本\n"},
		{"non-ASCII unquoted", 0, [][]byte{[]byte("é 日本 🎉"), []byte("x")}, "é 日本 🎉,x\n"},
		{"invalid UTF-8 passes through", 0, [][]byte{[]byte("\xff\xfe"), []byte("x")}, "\xff\xfe,x\n"},
		{"NUL byte passes through", 0, [][]byte{[]byte("a\x00b"), []byte("x")}, "a\x00b,x\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var buf bytes.Buffer
			cols := []facteur.Column{{Name: "a"}, {Name: "b"}}
			encodeAll(t, format.NewCSVEncoder(&buf, cols, format.CSVOptions{NoHeader: true, Delimiter: tt.delim}), [][][]byte{tt.row})
			if got := buf.String(); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

// TestCSVQuotingEveryPosition puts each byte that forces quoting, and
// bytes close to them, at every position of values of 1 to 24 bytes: the
// encoder scans values a word at a time, with overlapping words at the
// end, and must see a byte wherever it is.
func TestCSVQuotingEveryPosition(t *testing.T) {
	t.Parallel()
	for _, delim := range []rune{',', ';', '\t', '|', '§'} {
		quoting := "\"\r\n" + string(delim)
		cols := []facteur.Column{{Name: "a"}, {Name: "b"}}
		for n := 1; n <= 24; n++ {
			for pos := range n {
				for _, b := range []byte("\"\r\n,;\t|!#\x00\x80\xff" + string(delim)) {
					v := bytes.Repeat([]byte{'x'}, n)
					v[pos] = b
					var buf bytes.Buffer
					enc := format.NewCSVEncoder(&buf, cols, format.CSVOptions{NoHeader: true, Delimiter: delim})
					encodeAll(t, enc, [][][]byte{{v, []byte("y")}})
					quoted := bytes.ContainsAny(v, quoting) || strings.Contains(string(v), string(delim))
					if got := strings.HasPrefix(buf.String(), `"`); got != quoted {
						t.Fatalf("delimiter %q, %q: quoted %v, want %v (%q)", delim, v, got, quoted, buf.String())
					}
				}
			}
		}
	}
}

func TestCSVSingleColumn(t *testing.T) {
	t.Parallel()
	// With one column, PostgreSQL quotes \. (it would be its end-of-data
	// marker alone on a line), and a NULL row is an empty line.
	var buf bytes.Buffer
	cols := []facteur.Column{{Name: `\.`}}
	encodeAll(t, format.NewCSVEncoder(&buf, cols, format.CSVOptions{}), [][][]byte{{[]byte(`\.`)}, {nil}, {{}}, {[]byte(`\.\.`)}})
	if want := `"\."` + "\n" + `"\."` + "\n\n" + `""` + "\n" + `\.\.` + "\n"; buf.String() != want {
		t.Errorf("got %q, want %q", buf.String(), want)
	}
}

func TestCSVNoRows(t *testing.T) {
	t.Parallel()
	cols := []facteur.Column{{Name: "id"}, {Name: "a,b"}}
	tests := []struct {
		opts format.CSVOptions
		want string
	}{
		{format.CSVOptions{}, "id,\"a,b\"\n"},
		{format.CSVOptions{Delimiter: ';'}, "id;a,b\n"},
		{format.CSVOptions{NoHeader: true}, ""},
		{format.CSVOptions{NoHeader: true, BOM: true}, "\uFEFF"},
		{format.CSVOptions{BOM: true}, "\uFEFFid,\"a,b\"\n"},
	}
	for _, tt := range tests {
		var buf bytes.Buffer
		encodeAll(t, format.NewCSVEncoder(&buf, cols, tt.opts), nil)
		if buf.String() != tt.want {
			t.Errorf("%+v: got %q, want %q", tt.opts, buf.String(), tt.want)
		}
	}
}

// failWriter fails every write after the first n bytes.
type failWriter struct{ n int }

var errDiskFull = errors.New("disk full")

func (w *failWriter) Write(p []byte) (int, error) {
	if len(p) > w.n {
		n := w.n
		w.n = 0
		return n, errDiskFull
	}
	w.n -= len(p)
	return len(p), nil
}

// TestEncoderErrors checks, for every encoder, that a short row is refused,
// that a failing writer's error comes back and stays, and that Write after
// Close fails.
func TestEncoderErrors(t *testing.T) {
	t.Parallel()
	cols := []facteur.Column{{Name: "a"}, {Name: "b", Kind: facteur.KindInt}}
	for _, f := range []string{"csv", "csv.zip", "json", "ndjson", "xlsx", "parquet"} {
		t.Run(f, func(t *testing.T) {
			t.Parallel()
			enc, err := format.Builtin().New(io.Discard, format.Target{Cols: cols, Options: facteur.FormatOptions{Format: f}, InnerName: "x.csv"})
			if err != nil {
				t.Fatal(err)
			}
			if err := enc.Write([][]byte{[]byte("x")}, nil); err == nil {
				t.Error("a row with 1 value for 2 columns was accepted")
			}
			if err := enc.Write([][]byte{[]byte("x"), []byte("1")}, nil); err != nil {
				t.Errorf("a good row after a short one failed: %v", err)
			}
			if err := enc.Close(); err != nil {
				t.Fatal(err)
			}
			if err := enc.Close(); err != nil {
				t.Errorf("second Close: %v", err)
			}
			if err := enc.Write([][]byte{[]byte("x"), []byte("1")}, nil); !errors.Is(err, format.ErrClosed) {
				t.Errorf("Write after Close: %v, want ErrClosed", err)
			}

			enc, err = format.Builtin().New(&failWriter{n: 10}, format.Target{Cols: cols, Options: facteur.FormatOptions{Format: f}, InnerName: "x.csv"})
			if err != nil {
				t.Fatal(err)
			}
			row := [][]byte{bytes.Repeat([]byte("x"), 1000), []byte("1")}
			for i := 0; i < 1000 && err == nil; i++ {
				err = enc.Write(row, nil)
			}
			if err == nil {
				err = enc.Close()
			}
			if !errors.Is(err, errDiskFull) {
				t.Fatalf("writer failure: got %v, want %v", err, errDiskFull)
			}
			if err := enc.Close(); !errors.Is(err, errDiskFull) {
				t.Errorf("Close after a failure: got %v, want %v", err, errDiskFull)
			}
		})
	}
}
