package source

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/facteur/facteur"
	"github.com/go-sql-driver/mysql"
	"github.com/jackc/pgx/v5"
)

// The servers the tests use, and the environment variables that name them.
// The exact value "skip" skips the tests of that server.
const (
	envPostgres = "FACTEUR_TEST_POSTGRES"
	envMySQL    = "FACTEUR_TEST_MYSQL"
	defPostgres = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"
	defMySQL    = "mysql://root@127.0.0.1:3306/test"
)

// null stands for SQL NULL in the rows tests read.
const null = "<NULL>"

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

// testDSN returns the DSN of a test server, skipping the test when the
// variable is "skip".
func testDSN(t testing.TB, env, def string) string {
	t.Helper()
	dsn := os.Getenv(env)
	if dsn == "skip" {
		t.Skipf("SKIPPED: %s=skip; these tests need a real server and did not run", env)
	}
	if dsn == "" {
		dsn = def
	}
	return dsn
}

// pgDSN returns the DSN of the test PostgreSQL server, failing the test
// when the server does not answer.
func pgDSN(t testing.TB) string {
	t.Helper()
	dsn := testDSN(t, envPostgres, defPostgres)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatalf("PostgreSQL test server unreachable (set %s to its DSN, or to \"skip\"): %v", envPostgres, err)
	}
	c.Close(ctx)
	return dsn
}

// pgAdmin returns the DSN of the test PostgreSQL server and a schema created
// for the test (dropped at its end), with a connection to set it up.
func pgAdmin(t testing.TB) (dsn, schema string, admin *pgx.Conn) {
	t.Helper()
	dsn = testDSN(t, envPostgres, defPostgres)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	admin, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatalf("PostgreSQL test server unreachable (set %s to its DSN, or to \"skip\"): %v", envPostgres, err)
	}
	schema = "facteur_src_" + suffix(t)
	pgExec(t, admin, "CREATE SCHEMA "+schema)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		admin.Exec(ctx, "DROP SCHEMA "+schema+" CASCADE")
		admin.Close(ctx)
	})
	return dsn, schema, admin
}

// pgExec runs statements on the admin connection.
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

// myAdmin returns the DSN of the test MySQL server and a connection to set
// up tables; names are the table names to drop at the end of the test.
func myAdmin(t testing.TB, names ...string) (dsn string, admin *sql.DB) {
	t.Helper()
	dsn = testDSN(t, envMySQL, defMySQL)
	cfg, err := mysqlConfig(dsn)
	if err != nil {
		t.Fatalf("%s: %v", envMySQL, err)
	}
	connector, err := mysql.NewConnector(cfg)
	if err != nil {
		t.Fatal(err)
	}
	admin = sql.OpenDB(connector)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := admin.PingContext(ctx); err != nil {
		t.Fatalf("MySQL/MariaDB test server unreachable (set %s to its DSN, or to \"skip\"): %v", envMySQL, err)
	}
	t.Cleanup(func() {
		for _, n := range names {
			admin.Exec("DROP TABLE IF EXISTS " + n)
		}
		admin.Close()
	})
	return dsn, admin
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
