package format_test

import (
	"bytes"
	"errors"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/facteur/facteur"
	"github.com/facteur/facteur/format"
	"github.com/facteur/facteur/format/formattest"
)

func TestTextGolden(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	encodeAll(t, format.NewTextEncoder(&buf, fixtureCols, format.TextOptions{}), fixtureBytes())
	golden(t, "fixture.txt", buf.Bytes())
}

// TestTextRowLimit: past its row limit a txt export fails with a message
// that names the option and the formats to choose instead; the e-mail
// body's table leaves the rows out and says how many.
func TestTextRowLimit(t *testing.T) {
	t.Parallel()
	cols := []facteur.Column{{Name: "id", Kind: facteur.KindInt}}
	var buf bytes.Buffer
	enc, err := format.Builtin().New(&buf, format.Target{Cols: cols, Options: facteur.FormatOptions{Format: "txt", RowLimit: 3}})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		if err := enc.Write([][]byte{[]byte(strconv.Itoa(i))}, nil); err != nil {
			t.Fatal(err)
		}
	}
	err = enc.Write([][]byte{[]byte("3")}, nil)
	var fe *facteur.Error
	if !errors.As(err, &fe) || fe.Code != facteur.EINVALID || !strings.Contains(fe.Message, "format.row_limit") ||
		!strings.Contains(fe.Message, "csv or xlsx") || !strings.Contains(fe.Message, "more than 3 rows") {
		t.Errorf("the row past the limit gives %v, want an EINVALID error naming format.row_limit, csv and xlsx", err)
	}
	if enc.Close() == nil {
		t.Error("Close after the limit succeeds")
	}

	buf.Reset()
	left := format.NewTextEncoder(&buf, cols, format.TextOptions{MaxRows: 3, LeftOut: true})
	var rows [][][]byte
	for i := range 10 {
		rows = append(rows, [][]byte{[]byte(strconv.Itoa(i))})
	}
	encodeAll(t, left, rows)
	want := "id\n--\n 0\n 1\n 2\n\n(10 rows; the last 7 are left out)\n"
	if buf.String() != want || left.LeftOut() != 7 || left.Rows() != 10 {
		t.Errorf("left out: %q (LeftOut %d), want %q", buf.String(), left.LeftOut(), want)
	}
}

// TestTextWidths: the first TextSampleRows rows set the widths; a later
// cell wider than its column is cut to it, and the note at the end names
// it (the conformance suite cuts a cell past TextCellWidth); wide
// characters take two cells, so the columns line up as Python reads them.
func TestTextWidths(t *testing.T) {
	t.Parallel()
	cols := []facteur.Column{{Name: "name", Kind: facteur.KindText}, {Name: "n", Kind: facteur.KindInt}}
	var rows [][][]byte
	for i := range format.TextSampleRows + 10 {
		name := "日本" + strconv.Itoa(i%10)
		if i == format.TextSampleRows+2 {
			name = "a much longer name than the column"
		}
		rows = append(rows, [][]byte{[]byte(name), []byte(strconv.Itoa(i % 100))})
	}
	var buf bytes.Buffer
	encodeAll(t, format.NewTextEncoder(&buf, cols, format.TextOptions{}), rows)
	text := buf.String()
	header, got := formattest.PythonTextTable.Read(t, buf.Bytes())
	if len(header) != 2 || *header[0] != "name" || *header[1] != "n" || len(got) != len(rows) {
		t.Fatalf("Python reads header %v and %d rows:\n%s", header, len(got), text)
	}
	for i, r := range got {
		want := string(rows[i][0])
		if i == format.TextSampleRows+2 {
			want = "a mu…" // the width of "日本0"
		}
		if *r[0] != want || *r[1] != strconv.Itoa(i%100) {
			t.Errorf("row %d reads %q %q, want %q %d", i+1, *r[0], *r[1], want, i%100)
		}
	}
	if !strings.Contains(text, "\nCut to fit, shown ending in …:\n  name: 1 cell, in row 103\n") {
		t.Errorf("the note on cut cells is missing or wrong:\n%s", text[len(text)-200:])
	}
	// A number wider than its column is written whole: it pushes its line.
	buf.Reset()
	encodeAll(t, format.NewTextEncoder(&buf, cols, format.TextOptions{}), append(rows, [][]byte{[]byte("x"), []byte("12345678901234567890")}))
	if !strings.Contains(buf.String(), "\nx     | 12345678901234567890\n") {
		t.Errorf("a number past the sample's width is not written whole:\n%s", buf.String()[buf.Len()-200:])
	}
}

// FuzzTextTable: whatever a value holds, its row is one line of valid
// UTF-8 without control characters, and the table ends with its count.
func FuzzTextTable(f *testing.F) {
	f.Add([]byte("a\r\nb\x00\x7f\u2028\xff"), []byte("1"))
	f.Add([]byte(strings.Repeat("日本", 30)), []byte(""))
	f.Fuzz(func(t *testing.T, a, b []byte) {
		cols := []facteur.Column{{Name: "a", Kind: facteur.KindText}, {Name: "b", Kind: facteur.KindInt}}
		var buf bytes.Buffer
		encodeAll(t, format.NewTextEncoder(&buf, cols, format.TextOptions{}), [][][]byte{{a, b}})
		out := buf.String()
		if !utf8.ValidString(out) {
			t.Fatalf("not UTF-8: %q", out)
		}
		lines := strings.Split(out, "\n")
		if len(lines) < 6 || lines[3] != "" || lines[4] != "(1 row)" {
			t.Fatalf("not a table of one row: %q", out)
		}
		for _, r := range out {
			if r < 0x20 && r != '\n' || r == 0x7F || r >= 0x80 && r <= 0x9F || r == '\u2028' || r == '\u2029' {
				t.Fatalf("control character %U in %q", r, out)
			}
		}
	})
}
