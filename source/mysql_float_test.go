package source

import (
	"database/sql"
	"math"
	"strconv"
	"testing"

	"github.com/facteur/facteur"
)

// TestMySQLFloatsExact reads FLOAT and DOUBLE values whose text the text
// protocol rounds to 6 significant digits (16777216 arrived as
// "1.67772e+07", 123456.7 as "123457"). Each exported text must read back
// as the stored value: it is checked against fixed texts (PostgreSQL's
// float4/float8 output of the same values) and against the server's own
// CAST(… AS DOUBLE), read by a separate connection.
func TestMySQLFloatsExact(t *testing.T) {
	t.Parallel()
	table := "facteur_src_float_" + suffix(t)
	dsn, admin := myAdmin(t, table)
	myExec(t, admin,
		`CREATE TABLE `+table+` (id INT PRIMARY KEY, f FLOAT, d DOUBLE)`,
		`INSERT INTO `+table+` VALUES
			(1, 16777216, 16777216), (2, 123456.7, 123456.7), (3, 3.402823466e38, 1.7976931348623157e308),
			(4, 1.17549435e-38, 2.2250738585072014e-308), (5, 1.4e-45, 5e-324), (6, -0.0, 1e-1 + 2e-1),
			(7, 1234567.875, -1234567.875), (8, 0.1, 1e-7)`,
	)
	want := map[int][2]string{
		1: {"1.6777216e+07", "16777216"},
		2: {"123456.7", "123456.7"},
		3: {"3.4028235e+38", "1.7976931348623157e+308"},
		4: {"1.1754944e-38", "2.2250738585072014e-308"},
		5: {"1e-45", "5e-324"},
		6: {"0", "0.30000000000000004"},
		7: {"1.2345679e+06", "-1234567.875"},
		8: {"0.1", "1e-07"},
	}
	src := open(t, dsn, Options{})
	r := readAll(t, src, facteur.Query{SQL: "SELECT id, f, d FROM " + table + " ORDER BY id"})
	if len(r.rows) != len(want) {
		t.Fatalf("%d rows, want %d", len(r.rows), len(want))
	}
	ref := myReference(t, admin, "SELECT id, CAST(f AS DOUBLE), d FROM "+table+" ORDER BY id")
	for i, row := range r.rows {
		id, _ := strconv.Atoi(row[0])
		w := want[id]
		// MariaDB stores -0.0 in a FLOAT as 0.
		if row[1] != w[0] && !(id == 6 && row[1] == "-0") {
			t.Errorf("row %d: FLOAT %q, want %q", id, row[1], w[0])
		}
		if row[2] != w[1] {
			t.Errorf("row %d: DOUBLE %q, want %q", id, row[2], w[1])
		}
		f, err := strconv.ParseFloat(row[1], 32)
		if err != nil || float32(f) != float32(ref[i][0]) {
			t.Errorf("row %d: FLOAT %q reads back as %v, the server holds %v", id, row[1], float32(f), float32(ref[i][0]))
		}
		d, err := strconv.ParseFloat(row[2], 64)
		if err != nil || math.Float64bits(d) != math.Float64bits(ref[i][1]) {
			t.Errorf("row %d: DOUBLE %q reads back as %v, the server holds %v", id, row[2], d, ref[i][1])
		}
	}
}

// myReference reads two DOUBLE columns after an id, as the server sends them.
func myReference(t *testing.T, db *sql.DB, query string) [][2]float64 {
	t.Helper()
	rows, err := db.Query(query)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out [][2]float64
	for rows.Next() {
		var id int
		var v [2]float64
		if err := rows.Scan(&id, &v[0], &v[1]); err != nil {
			t.Fatal(err)
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}
