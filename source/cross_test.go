package source

import (
	"strconv"
	"strings"
	"testing"

	"github.com/facteur/facteur"
)

// TestSameTextEverywhere stores the same logical row in PostgreSQL, MySQL and
// SQLite and reads the same text from all three.
func TestSameTextEverywhere(t *testing.T) {
	t.Parallel()
	const cols = "id, amount, big, ratio, label, empty, absent, at_local, at, day, clock, payload, doc"
	pgURL, schema, pgc := pgAdmin(t)
	pgExec(t, pgc,
		`CREATE TABLE `+schema+`.same (id int, amount numeric(10,1), big numeric(38,0), ratio double precision,
			label text, empty varchar(10), absent text, at_local timestamp(3), at timestamptz, day date,
			clock time(2), payload bytea, doc json)`,
		`INSERT INTO `+schema+`.same VALUES (1, 12.5, 12345678901234567890123456789012345678, 0.1,
			E'a,b;"c"\r\nd é ✓ 日本 \\.', '', NULL, '2024-03-31 02:30:00.125', '2024-03-31 01:00:00.5+00', '2024-03-31',
			'14:30:00.25', '\x00ff10', '{"a":[1,2]}')`)

	myTable := "facteur_src_same_" + suffix(t)
	myURL, myc := myAdmin(t, myTable)
	myExec(t, myc, "SET SESSION time_zone = '+00:00'",
		`CREATE TABLE `+myTable+` (id INT, amount DECIMAL(10,1), big DECIMAL(38,0), ratio DOUBLE,
			label TEXT, empty VARCHAR(10), absent TEXT, at_local DATETIME(3), at TIMESTAMP(3) NULL, day DATE,
			clock TIME(2), payload BLOB, doc JSON) DEFAULT CHARSET utf8mb4`,
		`INSERT INTO `+myTable+` VALUES (1, 12.5, 12345678901234567890123456789012345678, 0.1,
			'a,b;"c"\r\nd é ✓ 日本 \\.', '', NULL, '2024-03-31 02:30:00.125', '2024-03-31 01:00:00.5', '2024-03-31',
			'14:30:00.25', x'00ff10', '{"a":[1,2]}')`)

	sqPath := sqliteFile(t,
		`CREATE TABLE same (id INTEGER, amount DECIMAL(10,1), big TEXT, ratio REAL, label TEXT, empty VARCHAR(10),
			absent TEXT, at_local DATETIME, at TIMESTAMP, day DATE, clock TIME, payload BLOB, doc JSON)`,
		`INSERT INTO same VALUES (1, 12.5, '12345678901234567890123456789012345678', 0.1,
			'a,b;"c"'||char(13)||char(10)||'d é ✓ 日本 \.', '', NULL, '2024-03-31 02:30:00.125',
			'2024-03-31 03:00:00.5+02:00', '2024-03-31', '14:30:00.25', x'00ff10', '{"a":[1,2]}')`)

	o := Options{TimeZone: "Europe/Paris"}
	results := map[string]result{
		"postgres": readAll(t, open(t, pgURL, o), facteur.Query{SQL: "SELECT " + cols + " FROM " + schema + ".same"}),
		"mysql":    readAll(t, open(t, myURL, o), facteur.Query{SQL: "SELECT " + cols + " FROM " + myTable}),
		"sqlite":   readAll(t, open(t, "sqlite:"+sqPath, o), facteur.Query{SQL: "SELECT " + cols + " FROM same"}),
	}
	want := []string{"1", "12.5", "12345678901234567890123456789012345678", "0.1", "a,b;\"c\"\r\nd é ✓ 日本 \\.", "", null,
		"2024-03-31T02:30:00.125", "2024-03-31T03:00:00.5+02:00", "2024-03-31", "14:30:00.25", "AP8Q", `{"a":[1,2]}`}
	for db, r := range results {
		if len(r.rows) != 1 {
			t.Fatalf("%s: %d rows", db, len(r.rows))
		}
		for i, w := range want {
			if got := r.rows[0][i]; got != w {
				t.Errorf("%s column %s (%s): %q, want %q", db, r.cols[i].Name, r.cols[i].DBType, got, w)
			}
		}
	}
}

// TestFloatsLikePostgres reads the same floats from the three databases and
// compares them with PostgreSQL's own float8 text. MySQL and SQLite do not
// keep the sign of zero.
func TestFloatsLikePostgres(t *testing.T) {
	t.Parallel()
	values := []string{"0.1", "1e15", "1e16", "1234567.5", "1e-5", "123e-7", "-0", "1e100", "0.30000000000000004", "-2.5e-300"}
	pgURL, schema, pgc := pgAdmin(t)
	myTable := "facteur_src_floats_" + suffix(t)
	myURL, myc := myAdmin(t, myTable)
	pgExec(t, pgc, "CREATE TABLE "+schema+".floats (id int, x double precision, y real)")
	myExec(t, myc, "CREATE TABLE "+myTable+" (id INT, x DOUBLE, y FLOAT)")
	sqStmts := []string{"CREATE TABLE floats (id INTEGER, x REAL)"}
	for i, v := range values {
		id := strconv.Itoa(i)
		y := v // float4 cannot hold the largest and smallest values
		if v == "1e100" || v == "-2.5e-300" {
			y = "NULL"
		}
		pgExec(t, pgc, "INSERT INTO "+schema+".floats VALUES ("+id+", '"+v+"', "+strings.ReplaceAll("'"+y+"'", "'NULL'", "NULL")+")")
		myExec(t, myc, "INSERT INTO "+myTable+" VALUES ("+id+", "+v+", "+y+")")
		sqStmts = append(sqStmts, "INSERT INTO floats VALUES ("+id+", "+v+")")
	}
	sqPath := sqliteFile(t, sqStmts...)
	pg := readAll(t, open(t, pgURL, Options{}), facteur.Query{SQL: "SELECT x, y FROM " + schema + ".floats ORDER BY id"})
	my := readAll(t, open(t, myURL, Options{}), facteur.Query{SQL: "SELECT x, y FROM " + myTable + " ORDER BY id"})
	sq := readAll(t, open(t, "sqlite:"+sqPath, Options{}), facteur.Query{SQL: "SELECT x FROM floats ORDER BY id"})
	for i, v := range values {
		want := pg.rows[i][0]
		if v == "-0" {
			if want != "-0" {
				t.Errorf("PostgreSQL prints -0 as %q", want)
			}
			want = "0"
		}
		if my.rows[i][0] != want || sq.rows[i][0] != want {
			t.Errorf("%s: PostgreSQL %q, MySQL %q, SQLite %q", v, pg.rows[i][0], my.rows[i][0], sq.rows[i][0])
		}
	}
	// MariaDB prints FLOAT with 6 significant digits: values that have no
	// more read as PostgreSQL prints the same float4.
	for i, v := range values {
		if v == "1234567.5" || v == "0.30000000000000004" || v == "-0" || v == "1e100" || v == "-2.5e-300" {
			continue
		}
		if my.rows[i][1] != pg.rows[i][1] {
			t.Errorf("FLOAT %s: PostgreSQL real %q, MySQL %q", v, pg.rows[i][1], my.rows[i][1])
		}
	}
}
