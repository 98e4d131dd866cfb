package export_test

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"flag"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/jackc/pgx/v5"
	_ "modernc.org/sqlite" // the SQLite fixtures are written with database/sql

	"github.com/facteur/facteur"
	"github.com/facteur/facteur/export"
	"github.com/facteur/facteur/source"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/golden/")

// The servers the tests use, and the environment variables that name them.
// The exact value "skip" skips the tests of that server.
const (
	envPostgres = "FACTEUR_TEST_POSTGRES"
	envMySQL    = "FACTEUR_TEST_MYSQL"
	defPostgres = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"
	defMySQL    = "mysql://root@127.0.0.1:3306/test"
)

// suffix returns a random name suffix, so that tests running at the same
// time against the same server never share a table.
func suffix(t testing.TB) string {
	t.Helper()
	var b [5]byte
	if _, err := rand.Read(b[:]); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b[:])
}

// testDSN returns the DSN of a test server, skipping the test loudly when
// the variable is "skip".
func testDSN(t testing.TB, env, def string) string {
	t.Helper()
	dsn := os.Getenv(env)
	if dsn == "skip" {
		t.Skipf("SKIPPED: %s=skip; this test needs a real server and did NOT run", env)
	}
	if dsn == "" {
		dsn = def
	}
	return dsn
}

// pgSchema connects to the test PostgreSQL server, creates a schema for the
// test (dropped at its end) and returns the server's DSN, the schema and the
// admin connection. It fails the test when the server cannot be reached.
func pgSchema(t testing.TB) (dsn, schema string, admin *pgx.Conn) {
	t.Helper()
	dsn = testDSN(t, envPostgres, defPostgres)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	admin, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatalf("PostgreSQL test server unreachable (set %s to its DSN, or to \"skip\"): %v", envPostgres, err)
	}
	schema = "facteur_export_" + suffix(t)
	pgExec(t, admin, "CREATE SCHEMA "+schema)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		admin.Exec(ctx, "DROP SCHEMA "+schema+" CASCADE")
		admin.Close(ctx)
	})
	return dsn, schema, admin
}

// pgExec runs statements on c, failing the test on the first error.
func pgExec(t testing.TB, c *pgx.Conn, stmts ...string) {
	t.Helper()
	for _, s := range stmts {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		_, err := c.Exec(ctx, s)
		cancel()
		if err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
}

// myAdmin returns the DSN of the test MariaDB server and a connection to set
// up tables; the tables named are dropped at the end of the test. It fails
// the test when the server cannot be reached.
func myAdmin(t testing.TB, tables ...string) (dsn string, admin *sql.DB) {
	t.Helper()
	dsn = testDSN(t, envMySQL, defMySQL)
	u, err := url.Parse(dsn)
	if err != nil || u.User == nil {
		t.Fatalf("%s: want mysql://user[:password]@host[:port]/database, got %q", envMySQL, dsn)
	}
	cfg := mysql.NewConfig()
	cfg.User = u.User.Username()
	cfg.Passwd, _ = u.User.Password()
	cfg.Net, cfg.Addr = "tcp", u.Host
	if u.Port() == "" {
		cfg.Addr += ":3306"
	}
	cfg.DBName = strings.TrimPrefix(u.Path, "/")
	cfg.Timeout = 10 * time.Second
	connector, err := mysql.NewConnector(cfg)
	if err != nil {
		t.Fatal(err)
	}
	admin = sql.OpenDB(connector)
	admin.SetMaxOpenConns(1) // SET SESSION time_zone must hold for every statement
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := admin.PingContext(ctx); err != nil {
		t.Fatalf("MariaDB/MySQL test server unreachable (set %s to its DSN, or to \"skip\"): %v", envMySQL, err)
	}
	t.Cleanup(func() {
		for _, n := range tables {
			admin.Exec("DROP TABLE IF EXISTS " + n)
		}
		admin.Close()
	})
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
