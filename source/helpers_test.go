package source

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/facteur/facteur"
	"github.com/facteur/facteur/internal/testdb"
	"github.com/jackc/pgx/v5"
)

// null stands for SQL NULL in the rows tests read.
const null = "<NULL>"

// The test servers (see package testdb).
var (
	suffix  = testdb.Suffix
	pgDSN   = testdb.Postgres
	pgExec  = testdb.Exec
	myAdmin = testdb.MySQL
)

// pgAdmin returns the test PostgreSQL server's DSN and a schema of the
// test's own, with a connection to set it up.
func pgAdmin(t testing.TB) (dsn, schema string, admin *pgx.Conn) {
	t.Helper()
	return testdb.PostgresSchema(t, "facteur_src_")
}

// myExec runs statements on one connection, in order.
func myExec(t testing.TB, db *sql.DB, stmts ...string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	for _, s := range stmts {
		if _, err := conn.ExecContext(ctx, s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
}

// sqliteFile creates an SQLite database in a temporary folder with the
// statements given, and returns its path.
func sqliteFile(t testing.TB, stmts ...string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "data.db")
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, s := range stmts {
		if _, err := db.Exec(s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
	return path
}

// open opens a querier and closes it at the end of the test.
func open(t testing.TB, dsn string, o Options) facteur.Querier {
	t.Helper()
	q, err := Open(context.Background(), dsn, o)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { q.Close() })
	return q
}

// result is what a test reads from a query: the columns, and each cell as
// text (null for NULL).
type result struct {
	cols []facteur.Column
	rows [][]string
}

// readAll runs q and reads every row, checking that a nil cell is never
// confused with an empty one.
func readAll(t testing.TB, src facteur.Querier, q facteur.Query) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	rows, err := src.Query(ctx, q)
	if err != nil {
		t.Fatalf("Query(%+v): %v", q, err)
	}
	defer rows.Close()
	res := result{cols: rows.Columns()}
	for rows.Next() {
		row := rows.Row()
		if len(row) != len(res.cols) {
			t.Fatalf("row has %d cells, want %d", len(row), len(res.cols))
		}
		cells := make([]string, len(row))
		for i, v := range row {
			if v == nil {
				cells[i] = null
			} else {
				cells[i] = string(v)
			}
		}
		res.rows = append(res.rows, cells)
	}
	if err := rows.Err(); err != nil {
		t.Fatalf("rows: %v", err)
	}
	if err := rows.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	return res
}

// column returns the index of the column named, failing the test if none.
func (r result) column(t testing.TB, name string) int {
	t.Helper()
	for i, c := range r.cols {
		if c.Name == name {
			return i
		}
	}
	t.Fatalf("no column %q in %v", name, r.cols)
	return -1
}

// cell is one expected value: its column, kind and canonical text.
type cell struct {
	col  string
	kind facteur.Kind
	want string
}

// checkCells asserts the kind of each column and its text in row i.
func checkCells(t *testing.T, r result, row int, cells []cell) {
	t.Helper()
	for _, c := range cells {
		j := r.column(t, c.col)
		if got := r.cols[j].Kind; got != c.kind {
			t.Errorf("column %s (%s): kind %v, want %v", c.col, r.cols[j].DBType, got, c.kind)
		}
		if got := r.rows[row][j]; got != c.want {
			t.Errorf("row %d column %s (%s): %q, want %q", row, c.col, r.cols[j].DBType, got, c.want)
		}
	}
}

// wantCode asserts that err is a facteur error with code, and that its
// user message contains every one of parts.
func wantCode(t testing.TB, err error, code string, parts ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want %s", code)
	}
	if got := facteur.ErrorCode(err); got != code {
		t.Fatalf("code %q, want %q: %v", got, code, err)
	}
	msg := facteur.ErrorMessage(err)
	for _, p := range parts {
		if !strings.Contains(msg, p) {
			t.Errorf("message %q does not contain %q", msg, p)
		}
	}
}

// queryErr runs q and returns the error of Query or of reading its rows.
func queryErr(src facteur.Querier, q facteur.Query) error {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	rows, err := src.Query(ctx, q)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
	}
	if err := rows.Err(); err != nil {
		return err
	}
	return errors.New("no error")
}

// appendCSV appends one record of the given cells by the CSV rules of
// CSVCopier, as package format's writer makes them.
func appendCSV(dst []byte, cells [][]byte, delim byte) []byte {
	for i, v := range cells {
		if i > 0 {
			dst = append(dst, delim)
		}
		switch {
		case v == nil:
		case len(v) == 0, bytes.IndexByte(v, delim) >= 0, bytes.ContainsAny(v, "\"\r\n"), len(cells) == 1 && string(v) == `\.`:
			dst = append(dst, '"')
			dst = append(dst, bytes.ReplaceAll(v, []byte(`"`), []byte(`""`))...)
			dst = append(dst, '"')
		default:
			dst = append(dst, v...)
		}
	}
	return append(dst, '\n')
}
