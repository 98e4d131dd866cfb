package export_test

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/facteur/facteur"
	"github.com/facteur/facteur/source"
)

// The awkward fixture: the same rows stored in PostgreSQL, MariaDB and
// SQLite, in the closest types each database has.
//
//	column    PostgreSQL        MariaDB             SQLite (declared type: storage)
//	id        integer           INT                 INTEGER: integer
//	label     text              TEXT utf8mb4        TEXT: text
//	big       numeric(38,0)     DECIMAL(38,0)       TEXT: text (an INTEGER or DECIMAL column would turn
//	                                                38 digits into a REAL and lose them)
//	amount    numeric(12,2)     DECIMAL(12,2)       DECIMAL(12,2): real (NUMERIC affinity keeps 12.50
//	                                                as the REAL 12.5, so SQLite writes "12.5")
//	ratio     double precision  DOUBLE              REAL: real
//	at        timestamptz       TIMESTAMP(6)        TIMESTAMP: the canonical text "2024-03-31T01:00:00+00:00"
//	at_local  timestamp         DATETIME(6)         DATETIME: text as SQLite writes it, "2024-03-31 02:30:00"
//	day       date              DATE                DATE: text
//	payload   bytea             BLOB                BLOB: blob
//	flag      boolean           TINYINT(1): 1/0     BOOLEAN: integer 1/0 (read as true/false)
//
// MariaDB has no boolean type: its flag is the integer 1 or 0 in every
// format. SQLite's BOOLEAN column holds integers and Facteur reads it as a
// boolean, like PostgreSQL's.
var fixtureColumns = []string{"id", "label", "big", "amount", "ratio", "at", "at_local", "day", "payload", "flag"}

// fixtureFields is the projection the tests also export: reordered, and
// without big, amount, ratio, at_local and flag. Every column it keeps must
// read the same from the three databases.
var fixtureFields = []string{"day", "label", "id", "payload", "at"}

// fixtureRow is one row of the fixture; a nil field is SQL NULL. atLocal
// and day are written the way the databases take them as literals.
type fixtureRow struct {
	id      int64
	label   any // string
	big     any // string of digits
	amount  any // string, two decimals
	ratio   any // float64
	at      any // time.Time, an instant
	atLocal any // string "YYYY-MM-DD HH:MM:SS[.ffffff]"
	day     any // string "YYYY-MM-DD"
	payload any // []byte
	flag    any // bool
}

func utc(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		panic(err)
	}
	return t.UTC()
}

// fixtureRows returns the rows: every label is awkward for some format.
func fixtureRows() []fixtureRow {
	return []fixtureRow{
		{id: 1, label: "plain", big: "12345678901234567890123456789012345678", amount: "12.50", ratio: 0.1,
			at: utc("2024-03-31T01:00:00Z"), atLocal: "2024-03-31 02:30:00", day: "2024-03-31",
			payload: []byte{0x00, 0xff, 0x10}, flag: true},
		{id: 2},
		{id: 3, label: "", big: "-99999999999999999999999999999999999999", amount: "-0.05", ratio: -1.5,
			at: utc("1999-12-31T23:59:59.5Z"), atLocal: "1999-12-31 23:59:59.25", day: "1999-12-31",
			payload: []byte{}, flag: false},
		{id: 4, label: `He said "hi", then left`, big: "0", amount: "0.00", ratio: 0.0,
			at: utc("2038-01-19T03:14:07.999999Z"), atLocal: "2038-01-19 03:14:07", day: "2038-01-19",
			payload: []byte{0xff, 0xfe, 0xfd, 0x00}, flag: true},
		{id: 5, label: "line1\r\nline2\nline3", big: "1", amount: "1234567890.12", ratio: 1e100,
			at: utc("1970-01-01T00:00:01Z"), atLocal: "1970-01-01 00:00:00", day: "1970-01-01",
			payload: []byte{0x00}},
		{id: 6, label: "é 日本 🎉", amount: "-1.00", ratio: 123456.789,
			at: utc("2024-10-27T01:30:00.123456Z"), atLocal: "2024-10-27 02:30:00.123456", day: "2024-02-29",
			flag: false},
		{id: 7, label: `\.`, big: "42", amount: "0.01", ratio: 2.5,
			at: utc("2000-01-01T00:00:00Z"), atLocal: "2000-01-01 00:00:00", day: "2000-01-01",
			payload: []byte(`\.`), flag: true},
		{id: 8, label: "   leading spaces"},
		{id: 9, label: "a,b;c\td|e", big: "-1", ratio: -0.000001, day: "1000-01-01", payload: []byte("a,b;c\td|e\n")},
		{id: 10, label: `\N`, amount: "99.99", at: utc("2024-06-15T12:00:00.000001Z")},
		{id: 11, label: `"`, atLocal: "2024-02-29 23:59:59.999999", flag: false},
		{id: 12, label: "trailing space ", big: "100000000000000000000000000000000000", payload: []byte{0xef, 0xbb, 0xbf}},
		{id: 13, label: "Smith, John", amount: "-0.50"},
		{id: 14, label: "semi;colon"},
		{id: 15, label: "tab\tonly"},
		{id: 16, label: "pipe|only", ratio: 0.1},
	}
}

// values returns the row's values in column order.
func (r fixtureRow) values() []any {
	return []any{r.id, r.label, r.big, r.amount, r.ratio, r.at, r.atLocal, r.day, r.payload, r.flag}
}

// canonicalInstant is the text Facteur writes for an instant in UTC.
func canonicalInstant(t time.Time) string {
	return t.UTC().Format("2006-01-02T15:04:05.999999999") + "+00:00"
}

// fixtureSource is the fixture stored in one database: how to open it and
// the query that reads it.
type fixtureSource struct {
	name  string // postgres, mariadb, sqlite: the prefix of its golden files
	src   facteur.Querier
	query facteur.Query
	pg    *pgx.Conn // PostgreSQL's: the connection that stored it, to read it back
}

// pgFixture stores the fixture in a new PostgreSQL schema.
func pgFixture(t testing.TB) fixtureSource {
	t.Helper()
	dsn, schema, admin := pgSchema(t)
	table := schema + ".awkward"
	pgExec(t, admin, `CREATE TABLE `+table+` (id integer, label text, big numeric(38,0), amount numeric(12,2),
		ratio double precision, at timestamptz, at_local timestamp, day date, payload bytea, flag boolean)`)
	insert := `INSERT INTO ` + table + ` VALUES ($1::integer, $2::text, $3::numeric, $4::numeric, $5::float8,
		$6::timestamptz, $7::timestamp, $8::date, $9::bytea, $10::boolean)`
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for _, r := range fixtureRows() {
		if _, err := admin.Exec(ctx, insert, r.values()...); err != nil {
			t.Fatalf("insert row %d: %v", r.id, err)
		}
	}
	return fixtureSource{name: "postgres", src: openSource(t, dsn, source.Options{}), query: facteur.Query{SQL: "SELECT * FROM " + table + " ORDER BY id"}, pg: admin}
}

// myFixture stores the fixture in a new MariaDB table. Instants are written
// in UTC, with the session in UTC.
func myFixture(t testing.TB) fixtureSource {
	t.Helper()
	table := "facteur_export_" + suffix(t)
	dsn, admin := myAdmin(t, table)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for _, s := range []string{
		"SET SESSION time_zone = '+00:00'",
		`CREATE TABLE ` + table + ` (id INT, label TEXT, big DECIMAL(38,0), amount DECIMAL(12,2), ratio DOUBLE,
			at TIMESTAMP(6) NULL DEFAULT NULL, at_local DATETIME(6), day DATE, payload BLOB, flag TINYINT(1))
			DEFAULT CHARSET utf8mb4`,
	} {
		if _, err := admin.ExecContext(ctx, s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
	for _, r := range fixtureRows() {
		vals := r.values()
		if at, ok := r.at.(time.Time); ok {
			vals[5] = at.UTC().Format("2006-01-02 15:04:05.999999")
		}
		if flag, ok := r.flag.(bool); ok {
			vals[9] = map[bool]int{false: 0, true: 1}[flag]
		}
		if _, err := admin.ExecContext(ctx, "INSERT INTO "+table+" VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", vals...); err != nil {
			t.Fatalf("insert row %d: %v", r.id, err)
		}
	}
	return fixtureSource{name: "mariadb", src: openSource(t, dsn, source.Options{}), query: facteur.Query{SQL: "SELECT * FROM " + table + " ORDER BY id"}}
}

// sqFixture writes the fixture to a new SQLite file.
func sqFixture(t testing.TB) fixtureSource {
	t.Helper()
	path := filepath.Join(t.TempDir(), "fixture.db")
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(`CREATE TABLE awkward (id INTEGER, label TEXT, big TEXT, amount DECIMAL(12,2), ratio REAL,
		at TIMESTAMP, at_local DATETIME, day DATE, payload BLOB, flag BOOLEAN)`); err != nil {
		t.Fatal(err)
	}
	for _, r := range fixtureRows() {
		vals := r.values()
		if at, ok := r.at.(time.Time); ok {
			vals[5] = canonicalInstant(at)
		}
		if flag, ok := r.flag.(bool); ok {
			vals[9] = map[bool]int64{false: 0, true: 1}[flag]
		}
		if _, err := db.Exec("INSERT INTO awkward VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", vals...); err != nil {
			t.Fatalf("insert row %d: %v", r.id, err)
		}
	}
	// The storage classes the comment above documents, checked.
	var classes string
	if err := db.QueryRow(`SELECT typeof(big) || ' ' || typeof(amount) || ' ' || typeof(payload) || ' ' || typeof(flag)
		FROM awkward WHERE id = 3`).Scan(&classes); err != nil {
		t.Fatal(err)
	}
	if classes != "text real blob integer" {
		t.Fatalf("SQLite stored row 3 as %q, want text real blob integer", classes)
	}
	return fixtureSource{name: "sqlite", src: openSource(t, "sqlite:"+path, source.Options{}), query: facteur.Query{SQL: "SELECT * FROM awkward ORDER BY id"}}
}

// allFixtures stores the fixture in the three databases.
func allFixtures(t *testing.T) []fixtureSource {
	t.Helper()
	return []fixtureSource{pgFixture(t), myFixture(t), sqFixture(t)}
}

// describeRow names a fixture row in failure messages.
func describeRow(i int) string {
	rows := fixtureRows()
	if i < len(rows) {
		label := "NULL"
		if s, ok := rows[i].label.(string); ok {
			label = strconv.Quote(s)
		}
		return fmt.Sprintf("row %d (id %d, label %s)", i+1, rows[i].id, label)
	}
	return fmt.Sprintf("row %d", i+1)
}
