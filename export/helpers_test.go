package export_test

import (
	"archive/zip"
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"flag"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	_ "modernc.org/sqlite" // the SQLite fixtures are written with database/sql

	"github.com/facteur/facteur"
	"github.com/facteur/facteur/export"
	"github.com/facteur/facteur/internal/testdb"
	"github.com/facteur/facteur/source"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/golden/")

// The test servers (see package testdb).
var (
	suffix = testdb.Suffix
	pgExec = testdb.Exec
)

// pgSchema returns the test PostgreSQL server's DSN and a schema of the
// test's own, with a connection to set it up.
func pgSchema(t testing.TB) (dsn, schema string, admin *pgx.Conn) {
	t.Helper()
	return testdb.PostgresSchema(t, "facteur_export_")
}

// myAdmin returns the test MariaDB server's DSN and a connection to set up
// tables (dropped at the end of the test). It holds one connection, so that
// SET SESSION time_zone holds for every statement.
func myAdmin(t testing.TB, tables ...string) (string, *sql.DB) {
	t.Helper()
	dsn, admin := testdb.MySQL(t, tables...)
	admin.SetMaxOpenConns(1)
	return dsn, admin
}

// openSource opens a facteur source and closes it at the end of the test.
func openSource(t testing.TB, dsn string, o source.Options) facteur.Querier {
	t.Helper()
	q, err := source.Open(context.Background(), dsn, o)
	if err != nil {
		t.Fatalf("source.Open: %v", err)
	}
	t.Cleanup(func() { q.Close() })
	return q
}

// rowsOnly hides every method of a source but those of facteur.Querier, so
// that export.Run takes the row-by-row path even for PostgreSQL.
type rowsOnly struct{ facteur.Querier }

// exported is the result of one export: its bytes and what Run returned.
type exported struct {
	data []byte
	res  export.Result
	at   time.Time // when Run started
	took time.Duration
}

// runExport runs export.Run into a temporary file and returns the file.
func runExport(t testing.TB, src facteur.Querier, q facteur.Query, fields []string, o facteur.FormatOptions) exported {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	path := filepath.Join(t.TempDir(), "out")
	start := time.Now()
	res, err := export.Run(ctx, export.Spec{Source: src, Query: q, Fields: fields, Format: o, InnerName: "export.csv", Path: path, Copy: true})
	if err != nil {
		t.Fatalf("export.Run(%s %+v, fields %v): %v", o.Format, o, fields, err)
	}
	took := time.Since(start)
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if res.Bytes != int64(len(data)) {
		t.Errorf("Result.Bytes = %d, the file has %d", res.Bytes, len(data))
	}
	return exported{data: data, res: res, at: start, took: took}
}

// golden compares got with testdata/golden/name, or rewrites it with -update.
func golden(t testing.TB, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", "golden", name)
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read golden file (run go test ./export/ -update to create it): %v", err)
	}
	if !bytes.Equal(got, want) {
		gl, wl := strings.SplitAfter(string(got), "\n"), strings.SplitAfter(string(want), "\n")
		for i := range min(len(gl), len(wl)) {
			if gl[i] != wl[i] {
				t.Errorf("%s differs from the golden file at line %d (run go test -update and review the diff):\ngot:  %q\nwant: %q", name, i+1, gl[i], wl[i])
				return
			}
		}
		t.Errorf("%s differs from the golden file: %d lines, golden %d (run go test -update and review the diff)", name, len(gl), len(wl))
	}
}

// csvField is one field of a CSV record; null is true for an unquoted
// empty field, which is how PostgreSQL's COPY and Facteur write NULL.
type csvField struct {
	text string
	null bool
}

// parseCSV reads CSV as PostgreSQL's COPY writes it: records end with "\n",
// a quoted field may hold the delimiter, quotes (doubled), CR and LF, and an
// unquoted empty field is NULL. Unlike encoding/csv it keeps "\r\n" inside
// quotes and tells NULL from an empty string. It fails on anything else.
func parseCSV(t testing.TB, data []byte, delim byte) [][]csvField {
	t.Helper()
	var recs [][]csvField
	var rec []csvField
	i := 0
	for i < len(data) {
		var f csvField
		if data[i] == '"' {
			var b strings.Builder
			i++
			for {
				if i >= len(data) {
					t.Fatalf("csv: unterminated quoted field in record %d", len(recs)+1)
				}
				if data[i] == '"' {
					if i+1 < len(data) && data[i+1] == '"' {
						b.WriteByte('"')
						i += 2
						continue
					}
					i++
					break
				}
				b.WriteByte(data[i])
				i++
			}
			f.text = b.String()
		} else {
			j := i
			for j < len(data) && data[j] != delim && data[j] != '\n' {
				if data[j] == '"' || data[j] == '\r' {
					t.Fatalf("csv: record %d has %q in an unquoted field", len(recs)+1, data[j])
				}
				j++
			}
			f.text = string(data[i:j])
			f.null = j == i
			i = j
		}
		rec = append(rec, f)
		switch {
		case i >= len(data):
			t.Fatalf("csv: record %d does not end with a newline", len(recs)+1)
		case data[i] == delim:
			i++
		case data[i] == '\n':
			recs = append(recs, rec)
			rec = nil
			i++
		default:
			t.Fatalf("csv: record %d: %q after a quoted field", len(recs)+1, data[i])
		}
	}
	return recs
}

// jsonMember is one key and its raw value in a JSON object.
type jsonMember struct {
	key string
	raw json.RawMessage
}

// parseObjects reads the JSON objects of an NDJSON stream or of a JSON
// array, keeping the order of keys and the exact text of every value.
func parseObjects(t testing.TB, data []byte, array bool) [][]jsonMember {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	token := func(want json.Delim) {
		t.Helper()
		tok, err := dec.Token()
		if err != nil || tok != want {
			t.Fatalf("json: got %v (%v), want %v", tok, err, want)
		}
	}
	if array {
		token('[')
	}
	var objs [][]jsonMember
	for dec.More() {
		token('{')
		var obj []jsonMember
		for dec.More() {
			tok, err := dec.Token()
			if err != nil {
				t.Fatalf("json: object %d: %v", len(objs)+1, err)
			}
			var raw json.RawMessage
			if err := dec.Decode(&raw); err != nil {
				t.Fatalf("json: object %d key %v: %v", len(objs)+1, tok, err)
			}
			obj = append(obj, jsonMember{key: tok.(string), raw: raw})
		}
		token('}')
		objs = append(objs, obj)
	}
	if array {
		token(']')
	}
	if _, err := dec.Token(); err != io.EOF {
		t.Fatalf("json: trailing data after the objects: %v", err)
	}
	return objs
}

// unzipOne returns the single entry of a csv.zip and its header.
func unzipOne(t testing.TB, data []byte) (*zip.File, []byte) {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatalf("csv.zip: %v", err)
	}
	if len(zr.File) != 1 {
		t.Fatalf("csv.zip has %d entries, want 1", len(zr.File))
	}
	f := zr.File[0]
	rc, err := f.Open()
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	inner, err := io.ReadAll(rc)
	if err != nil {
		t.Fatalf("csv.zip entry %s: %v", f.Name, err)
	}
	return f, inner
}
