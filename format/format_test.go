package format_test

import (
	"archive/zip"
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/facteur/facteur"
	"github.com/facteur/facteur/format"
)

func TestNewOptions(t *testing.T) {
	t.Parallel()
	tests := []struct {
		opts      facteur.FormatOptions
		innerName string
		field     string // "" when New must succeed
	}{
		{facteur.FormatOptions{Format: "csv"}, "", ""},
		{facteur.FormatOptions{Format: "csv", Delimiter: ";"}, "", ""},
		{facteur.FormatOptions{Format: "csv", Delimiter: "\t"}, "", ""},
		{facteur.FormatOptions{Format: "csv", Delimiter: "§"}, "", ""},
		{facteur.FormatOptions{Format: "csv.zip", Delimiter: "|"}, "agents.csv", ""},
		{facteur.FormatOptions{Format: "json", Delimiter: "ignored"}, "", ""},
		{facteur.FormatOptions{Format: "ndjson"}, "", ""},
		{facteur.FormatOptions{Format: "xlsx", NoHeader: true}, "", ""},
		{facteur.FormatOptions{Format: ""}, "", "format.format"},
		{facteur.FormatOptions{Format: "CSV"}, "", "format.format"},
		{facteur.FormatOptions{Format: "avro"}, "", "format.format"},
		{facteur.FormatOptions{Format: "parquet", Codec: facteur.CodecSnappy}, "", ""},
		{facteur.FormatOptions{Format: "csv", Delimiter: ";;"}, "", "format.delimiter"},
		{facteur.FormatOptions{Format: "csv", Delimiter: `"`}, "", "format.delimiter"},
		{facteur.FormatOptions{Format: "csv", Delimiter: "\n"}, "", "format.delimiter"},
		{facteur.FormatOptions{Format: "csv", Delimiter: "\r"}, "", "format.delimiter"},
		{facteur.FormatOptions{Format: "csv", Delimiter: "\xff"}, "", "format.delimiter"},
		{facteur.FormatOptions{Format: "csv.zip", Delimiter: "::"}, "a.csv", "format.delimiter"},
		{facteur.FormatOptions{Format: "csv.zip"}, "", "file_name"},
		{facteur.FormatOptions{Format: "csv.zip"}, "../a.csv", "file_name"},
		{facteur.FormatOptions{Format: "csv.zip"}, "dir\\a.csv", "file_name"},
		{facteur.FormatOptions{Format: "csv.zip"}, "..", "file_name"},
	}
	for _, tt := range tests {
		enc, err := format.Builtin().New(io.Discard, format.Target{Cols: fixtureCols, Options: tt.opts, InnerName: tt.innerName})
		if tt.field == "" {
			if err != nil || enc == nil {
				t.Errorf("%+v: %v", tt.opts, err)
			}
			continue
		}
		if facteur.ErrorCode(err) != facteur.EINVALID {
			t.Errorf("%+v %q: error %v, want code %s", tt.opts, tt.innerName, err, facteur.EINVALID)
			continue
		}
		if msg := facteur.ErrorMessage(err); !bytes.HasPrefix([]byte(msg), []byte(tt.field+": ")) {
			t.Errorf("%+v: message %q does not name the field %s", tt.opts, msg, tt.field)
		}
	}
}

// TestXLSXDatesOption: xlsx_dates is cells or text, and only for xlsx.
func TestXLSXDatesOption(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		opts facteur.FormatOptions
		ok   bool
	}{
		{facteur.FormatOptions{Format: "xlsx"}, true},
		{facteur.FormatOptions{Format: "xlsx", XLSXDates: "cells"}, true},
		{facteur.FormatOptions{Format: "xlsx", XLSXDates: "text"}, true},
		{facteur.FormatOptions{Format: "xlsx", XLSXDates: "Text"}, false},
		{facteur.FormatOptions{Format: "xlsx", XLSXDates: "iso"}, false},
		{facteur.FormatOptions{Format: "csv", XLSXDates: "text"}, false},
	} {
		err := format.Builtin().Validate(tt.opts)
		if tt.ok != (err == nil) || err != nil && !strings.HasPrefix(facteur.ErrorMessage(err), "format.xlsx_dates: ") {
			t.Errorf("%+v: %v", tt.opts, err)
		}
	}
	if _, err := format.Builtin().New(io.Discard, format.Target{Cols: fixtureCols, Options: facteur.FormatOptions{Format: "xlsx", TimeZone: "Mars/Olympus"}}); facteur.ErrorCode(err) != facteur.EINVALID {
		t.Errorf("an unknown time zone: %v, want EINVALID", err)
	}
}

func TestNewTooManyColumnsForXLSX(t *testing.T) {
	t.Parallel()
	cols := make([]facteur.Column, 16385)
	if _, err := format.Builtin().New(io.Discard, format.Target{Cols: cols, Options: facteur.FormatOptions{Format: "xlsx"}}); facteur.ErrorCode(err) != facteur.EINVALID {
		t.Errorf("16,385 columns: %v, want EINVALID", err)
	}
	if _, err := format.Builtin().New(io.Discard, format.Target{Cols: cols[:16384], Options: facteur.FormatOptions{Format: "xlsx"}}); err != nil {
		t.Errorf("16,384 columns: %v", err)
	}
}

func TestExtension(t *testing.T) {
	t.Parallel()
	tests := []struct{ format, ext string }{
		{"csv", "csv"}, {"csv.zip", "zip"}, {"json", "json"}, {"ndjson", "ndjson"}, {"xlsx", "xlsx"}, {"pdf", "pdf"}, {"png", "png"}, {"docx", ""},
	}
	for _, tt := range tests {
		if got := format.Builtin().Extension(tt.format); got != tt.ext {
			t.Errorf("Extension(%q) = %q, want %q", tt.format, got, tt.ext)
		}
	}
}

// TestNewWritesEachFormat checks that New picks the right encoder and passes
// the CSV options on: each format's output for the fixture is its golden file.
func TestNewWritesEachFormat(t *testing.T) {
	t.Parallel()
	tests := []struct {
		opts   facteur.FormatOptions
		golden string
	}{
		{facteur.FormatOptions{Format: "csv"}, "fixture.csv"},
		{facteur.FormatOptions{Format: "csv", Delimiter: ";"}, "fixture_semicolon.csv"},
		{facteur.FormatOptions{Format: "csv", Delimiter: "\t"}, "fixture_tab.csv"},
		{facteur.FormatOptions{Format: "csv", NoHeader: true}, "fixture_noheader.csv"},
		{facteur.FormatOptions{Format: "csv", BOM: true}, "fixture_bom.csv"},
		{facteur.FormatOptions{Format: "json"}, "fixture.json"},
		{facteur.FormatOptions{Format: "ndjson"}, "fixture.ndjson"},
	}
	for _, tt := range tests {
		var buf bytes.Buffer
		enc, err := format.Builtin().New(&buf, format.Target{Cols: fixtureCols, Options: tt.opts})
		if err != nil {
			t.Fatal(err)
		}
		encodeAll(t, enc, fixtureBytes())
		want, err := os.ReadFile(filepath.Join("testdata", tt.golden))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(buf.Bytes(), want) {
			t.Errorf("New(%+v) does not write %s", tt.opts, tt.golden)
		}
	}
}

func TestCSVZip(t *testing.T) {
	t.Parallel()
	modified := time.Date(2024, 3, 31, 3, 0, 0, 0, time.UTC)
	tests := []struct {
		opts   format.CSVOptions
		golden string
	}{
		{format.CSVOptions{}, "fixture.csv"},
		{format.CSVOptions{Delimiter: ';', BOM: true}, "fixture_semicolon.csv"},
	}
	for _, tt := range tests {
		var buf bytes.Buffer
		encodeAll(t, format.NewCSVZipEncoder(&buf, fixtureCols, tt.opts, "agents é.csv", modified), fixtureBytes())
		want, err := os.ReadFile(filepath.Join("testdata", tt.golden))
		if err != nil {
			t.Fatal(err)
		}
		if tt.opts.BOM {
			want = append([]byte("\uFEFF"), want...)
		}
		zr, err := zip.NewReader(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
		if err != nil {
			t.Fatalf("archive/zip cannot read the output: %v", err)
		}
		if len(zr.File) != 1 {
			t.Fatalf("%d entries, want 1", len(zr.File))
		}
		f := zr.File[0]
		if f.Name != "agents é.csv" || f.Method != zip.Deflate || !f.Modified.Equal(modified) {
			t.Errorf("entry %q, method %d, modified %v; want agents é.csv, Deflate, %v", f.Name, f.Method, f.Modified, modified)
		}
		if f.NonUTF8 {
			t.Error("the entry's name is not flagged as UTF-8")
		}
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(rc) // checks the CRC-32 too
		if err != nil {
			t.Fatalf("read entry: %v", err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("the CSV inside the zip is not %s:\n%s", tt.golden, got)
		}
	}
}

func TestCSVZipNoRows(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	enc, err := format.Builtin().New(&buf, format.Target{Cols: []facteur.Column{{Name: "id"}}, Options: facteur.FormatOptions{Format: "csv.zip"}, InnerName: "empty.csv"})
	if err != nil {
		t.Fatal(err)
	}
	encodeAll(t, enc, nil)
	zr, err := zip.NewReader(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		t.Fatal(err)
	}
	rc, err := zr.Open("empty.csv")
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(rc)
	if string(got) != "id\n" {
		t.Errorf("got %q, want the header alone", got)
	}
	if age := time.Since(zr.File[0].Modified); age < -time.Minute || age > time.Minute {
		t.Errorf("New dates the entry %v, want now", zr.File[0].Modified)
	}
}

// TestRowReuse checks that Write copies what it needs: overwriting a row's
// bytes after Write, as a source does with its buffers, changes nothing.
func TestRowReuse(t *testing.T) {
	t.Parallel()
	modified := time.Date(2024, 3, 31, 3, 0, 0, 0, time.UTC)
	for _, f := range []string{"csv", "csv.zip", "json", "ndjson", "xlsx"} {
		encode := func(reuse bool) []byte {
			var buf bytes.Buffer
			var enc format.Encoder
			if f == "csv.zip" {
				enc = format.NewCSVZipEncoder(&buf, fixtureCols, format.CSVOptions{}, "a.csv", modified)
			} else {
				var err error
				if enc, err = format.Builtin().New(&buf, format.Target{Cols: fixtureCols, Options: facteur.FormatOptions{Format: f}}); err != nil {
					t.Fatal(err)
				}
			}
			for _, row := range fixtureBytes() {
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
			t.Errorf("%s: overwriting a row after Write changed the output", f)
		}
	}
}
