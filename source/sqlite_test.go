package source

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/facteur/facteur"
)

// sqEveryType creates a database with a table of every declared type the
// source maps, and rows of tricky values: 1 ordinary, 2 all NULL, 3 values
// whose storage class does not match the declared type.
func sqEveryType(t testing.TB) string {
	t.Helper()
	return sqliteFile(t,
		`CREATE TABLE every (id INTEGER PRIMARY KEY, i INTEGER, bi BIGINT, r REAL, dbl DOUBLE PRECISION,
			n NUMERIC, de DECIMAL(10,2), bo BOOLEAN, da DATE, dt DATETIME, ts TIMESTAMP, tm TIME,
			bl BLOB, tx TEXT, vc VARCHAR(20), j JSON, big TEXT, nodecl, u UUID)`,
		`INSERT INTO every VALUES (1, -9223372036854775808, 9007199254740993, 0.1, 1e16,
			12.5, '12.50', 1, '2024-03-31', '2024-01-01 10:00:00', '2024-03-31T03:00:00.500+02:00', '14:30:00.250',
			x'00ff10', 'a,b;"c"'||char(13)||char(10)||'d é ✓ 日本', '', '{"a": [1, 2],"b":"x"}',
			'12345678901234567890123456789012345678', 42, 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11')`,
		`INSERT INTO every (id) VALUES (2)`,
		`INSERT INTO every (id, i, r, n, bo, da, dt, ts, tm, bl, tx, vc, nodecl) VALUES (3, 'abc', 1e-5, 'NaN', 0,
			'someday', '2024-01-01 10:00:00Z', 1700000000, '14:30', x'', '\.', ' x ', x'41')`,
	)
}

func TestSQLiteTypes(t *testing.T) {
	t.Parallel()
	src := open(t, "sqlite:"+sqEveryType(t), Options{})
	r := readAll(t, src, facteur.Query{SQL: "SELECT * FROM every ORDER BY id"})
	if len(r.rows) != 3 {
		t.Fatalf("%d rows, want 3", len(r.rows))
	}
	checkCells(t, r, 0, []cell{
		{"i", facteur.KindInt, "-9223372036854775808"},
		{"bi", facteur.KindInt, "9007199254740993"},
		{"r", facteur.KindFloat, "0.1"},
		{"dbl", facteur.KindFloat, "1e+16"},
		{"n", facteur.KindDecimal, "12.5"},
		{"de", facteur.KindDecimal, "12.5"}, // NUMERIC affinity stores '12.50' as the REAL 12.5
		{"bo", facteur.KindBool, "true"},
		{"da", facteur.KindDate, "2024-03-31"},
		{"dt", facteur.KindDateTime, "2024-01-01T10:00:00"},
		{"ts", facteur.KindDateTime, "2024-03-31T03:00:00.5+02:00"},
		{"tm", facteur.KindTime, "14:30:00.25"},
		{"bl", facteur.KindBytes, "AP8Q"},
		{"tx", facteur.KindText, "a,b;\"c\"\r\nd é ✓ 日本"},
		{"vc", facteur.KindText, ""},
		{"j", facteur.KindJSON, `{"a": [1, 2],"b":"x"}`},
		{"big", facteur.KindText, "12345678901234567890123456789012345678"},
		{"nodecl", facteur.KindText, "42"},
		{"u", facteur.KindText, "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"},
	})
	for i, c := range r.cols {
		if c.Name != "id" && r.rows[1][i] != null {
			t.Errorf("row 2 column %s: %q, want NULL", c.Name, r.rows[1][i])
		}
	}
	checkCells(t, r, 2, []cell{
		{"i", facteur.KindInt, "abc"}, // SQLite keeps text in an INTEGER column
		{"r", facteur.KindFloat, "1e-05"},
		{"n", facteur.KindDecimal, "NaN"},
		{"bo", facteur.KindBool, "false"},
		{"da", facteur.KindDate, "someday"},
		{"dt", facteur.KindDateTime, "2024-01-01T10:00:00+00:00"},
		{"ts", facteur.KindDateTime, "1700000000"},
		{"tm", facteur.KindTime, "14:30:00"},
		{"bl", facteur.KindBytes, ""},
		{"tx", facteur.KindText, `\.`},
		{"vc", facteur.KindText, " x "},
		{"nodecl", facteur.KindText, "QQ=="}, // a BLOB is base64 in any column
	})

	r = readAll(t, src, facteur.Query{SQL: "SELECT count(*) AS n, max(dt) AS latest FROM every"})
	if r.rows[0][0] != "3" || r.rows[0][1] != "2024-01-01 10:00:00Z" {
		t.Errorf("expressions: %v", r.rows)
	}
	// A blob from an expression or a text column is base64 too: its bytes
	// (0xFF, NUL) are not text and were damaged in JSON and raw in CSV.
	r = readAll(t, src, facteur.Query{SQL: "SELECT x'00ff10' AS e, CAST(x'00ff' AS BLOB) AS c, tx, nodecl FROM every WHERE id = 1 UNION ALL SELECT x'', NULL, CAST(x'ff00' AS BLOB), x'41'"})
	if got := r.rows; len(got) != 2 || got[0][0] != "AP8Q" || got[0][1] != "AP8=" || got[0][3] != "42" || got[1][0] != "" || got[1][2] != "/wA=" || got[1][3] != "QQ==" {
		t.Errorf("blobs in expressions and text columns: %q", got)
	}
	r = readAll(t, src, facteur.Query{Table: "main.every"})
	if len(r.rows) != 3 || len(r.cols) != 19 {
		t.Errorf("table query: %d rows, %d columns", len(r.rows), len(r.cols))
	}
}

func TestSQLiteOrderAndStatements(t *testing.T) {
	t.Parallel()
	src := open(t, "sqlite:"+sqEveryType(t), Options{})
	r := readAll(t, src, facteur.Query{SQL: "SELECT id FROM every ORDER BY id DESC;  \n"})
	if len(r.rows) != 3 || r.rows[0][0] != "3" || r.rows[2][0] != "1" {
		t.Errorf("ORDER BY DESC: %v", r.rows)
	}
	r = readAll(t, src, facteur.Query{SQL: "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 5) SELECT x, x AS x FROM c -- five"})
	if len(r.rows) != 5 || r.rows[4][0] != "5" || r.cols[1].Name != "x" {
		t.Errorf("recursive CTE with a trailing comment and a duplicate name: %v %v", r.cols, r.rows)
	}
	r = readAll(t, src, facteur.Query{SQL: "VALUES (1, 'a'), (2, 'b')"})
	if len(r.rows) != 2 {
		t.Errorf("VALUES: %v", r.rows)
	}
}

func TestSQLiteReadOnly(t *testing.T) {
	t.Parallel()
	path := sqEveryType(t)
	src := open(t, "sqlite:"+path, Options{})
	for _, sql := range []string{
		"INSERT INTO every (id) VALUES (9)",
		"INSERT INTO every (id) VALUES (9) RETURNING id",
		"DELETE FROM every RETURNING id",
		"WITH d AS (DELETE FROM every RETURNING id) SELECT * FROM d",
		"DROP TABLE every",
		"PRAGMA query_only = 0",
		"SELECT 1; DELETE FROM every",
		"ATTACH DATABASE '" + filepath.Join(t.TempDir(), "other.db") + "' AS other",
	} {
		wantCode(t, queryErr(src, facteur.Query{SQL: sql}), facteur.EINVALID, "sql:")
	}
	// The connection itself refuses to write, whatever runs on it.
	db := src.(*SQLite).db
	for _, sql := range []string{"INSERT INTO every (id) VALUES (9)", "DELETE FROM every RETURNING id", "CREATE TABLE x (a)"} {
		if _, err := db.Exec(sql); err == nil {
			t.Errorf("%s: the read-only connection accepted it", sql)
		} else if facteur.ErrorCode(src.(*SQLite).classify(context.Background(), context.Background(), err, statement{sql: sql, field: "sql"})) != facteur.EINVALID {
			t.Errorf("%s: %v", sql, err)
		}
	}
	if r := readAll(t, src, facteur.Query{Table: "every"}); len(r.rows) != 3 {
		t.Errorf("the table has %d rows after the attempts, want 3", len(r.rows))
	}
}

func TestSQLiteTimeout(t *testing.T) {
	t.Parallel()
	src := open(t, "sqlite:"+sqEveryType(t), Options{Timeout: 300 * time.Millisecond})
	forever := "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c"
	start := time.Now()
	wantCode(t, queryErr(src, facteur.Query{SQL: forever}), facteur.EINVALID, "timeout (300ms)")
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("the query ran %v despite its 300ms timeout", d)
	}
	// A stream longer than the timeout is stopped between rows.
	slow := "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT x FROM c"
	wantCode(t, queryErr(src, facteur.Query{SQL: slow}), facteur.EINVALID, "timeout (300ms)")
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("the stream ran %v despite its 300ms timeout", d)
	}
}

func TestSQLiteErrors(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := t.TempDir()
	missing := open(t, "sqlite:"+filepath.Join(dir, "missing.db"), Options{})
	wantCode(t, missing.Ping(ctx), facteur.EUNAVAILABLE, "Cannot open the SQLite database file")
	if _, err := os.Stat(filepath.Join(dir, "missing.db")); !os.IsNotExist(err) {
		t.Error("opening a missing file created it")
	}
	junk := filepath.Join(dir, "junk.db")
	if err := os.WriteFile(junk, []byte("this is not a database, just some text that is long enough to have a header"), 0o600); err != nil {
		t.Fatal(err)
	}
	wantCode(t, open(t, "sqlite:"+junk, Options{}).Ping(ctx), facteur.EINVALID, "dsn: the file is not an SQLite database")

	src := open(t, "sqlite:"+sqEveryType(t), Options{})
	if err := src.Ping(ctx); err != nil {
		t.Fatalf("Ping: %v", err)
	}
	wantCode(t, queryErr(src, facteur.Query{SQL: "SELECT * FROM facteur_no_such_table"}), facteur.EINVALID, "sql:", "no such table: facteur_no_such_table")
	wantCode(t, queryErr(src, facteur.Query{Table: "nope"}), facteur.EINVALID, "table:", "no such table")
	wantCode(t, queryErr(src, facteur.Query{SQL: "SELECT 1 FROM WHERE"}), facteur.EINVALID, "sql:", "syntax error")
}

func TestSQLiteDescribe(t *testing.T) {
	t.Parallel()
	src := open(t, "sqlite:"+sqEveryType(t), Options{})
	forever := "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) AS n, (SELECT dt FROM every) AS dt, bl FROM c, every"
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	cols, err := Describe(ctx, src, facteur.Query{SQL: forever})
	if err != nil {
		t.Fatal(err)
	}
	want := []facteur.Column{
		{Name: "n", Kind: facteur.KindText},
		{Name: "dt", Kind: facteur.KindDateTime, DBType: "DATETIME"}, // a scalar subquery keeps the declared type
		{Name: "bl", Kind: facteur.KindBytes, DBType: "BLOB"},
	}
	if len(cols) != len(want) {
		t.Fatalf("columns %+v, want %+v", cols, want)
	}
	for i := range want {
		if cols[i] != want[i] {
			t.Errorf("column %d = %+v, want %+v", i, cols[i], want[i])
		}
	}
}

// TestSQLiteValueKinds: each value's kind comes from the class it is stored
// in, so that numbers in expressions and untyped columns are numbers (they
// were text, and "-5" took a formula apostrophe in CSV), text in a number
// column is text, and a blob is bytes in any column.
func TestSQLiteValueKinds(t *testing.T) {
	t.Parallel()
	src := open(t, "sqlite:"+sqEveryType(t), Options{})
	rows, err := src.Query(context.Background(), facteur.Query{SQL: `SELECT -5 AS lit, -2.5 AS half, sum(r) OVER () AS total,
		nodecl, i, bo, da, ts, 'x' AS word, x'00' AS blob, n FROM every WHERE id IN (1, 3) ORDER BY id`})
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	kinded, ok := rows.(facteur.KindedRows)
	if !ok {
		t.Fatal("SQLite rows do not say each value's kind")
	}
	want := [][]facteur.Kind{
		{facteur.KindInt, facteur.KindFloat, facteur.KindFloat, facteur.KindInt, facteur.KindInt, facteur.KindBool,
			facteur.KindDate, facteur.KindDateTime, facteur.KindText, facteur.KindBytes, facteur.KindDecimal},
		{facteur.KindInt, facteur.KindFloat, facteur.KindFloat, facteur.KindBytes, facteur.KindText, facteur.KindBool,
			facteur.KindText, facteur.KindInt, facteur.KindText, facteur.KindBytes, facteur.KindText},
	}
	for i := 0; rows.Next(); i++ {
		if got := kinded.Kinds(); !slices.Equal(got, want[i]) {
			t.Errorf("row %d %q: kinds %v, want %v", i+1, rows.Row(), got, want[i])
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
}
