package source

import (
	"testing"

	"github.com/facteur/facteur"
)

// TestDecimalDigits: a decimal column says the precision and scale it is
// declared with, in PostgreSQL and MariaDB; an unconstrained numeric, and
// the scales PostgreSQL allows that a decimal type cannot hold (negative,
// or past the precision), say none. MariaDB's UNSIGNED DECIMAL(p,s) says
// p-1 (see myDecimalDigits).
func TestDecimalDigits(t *testing.T) {
	t.Parallel()
	type digits struct{ p, s int }
	check := func(t *testing.T, cols []facteur.Column, want map[string]digits) {
		t.Helper()
		for _, c := range cols {
			if w := want[c.Name]; c.Precision != w.p || c.Scale != w.s {
				t.Errorf("column %s (%s): precision %d, scale %d; want %d, %d", c.Name, c.DBType, c.Precision, c.Scale, w.p, w.s)
			}
		}
	}
	t.Run("postgres", func(t *testing.T) {
		t.Parallel()
		dsn, _, _ := pgAdmin(t)
		r := readAll(t, open(t, dsn, Options{}), facteur.Query{SQL: `SELECT 1::numeric(38,9) AS a, 1::numeric(5,0) AS b, 1::numeric AS c,
			100::numeric(3,-2) AS d, 0.00012::numeric(2,5) AS e, 1::numeric(1000,500) AS f, 1::integer AS g, sum(1::numeric(12,2)) AS h`})
		check(t, r.cols, map[string]digits{"a": {38, 9}, "b": {5, 0}, "f": {1000, 500}})
	})
	t.Run("mariadb", func(t *testing.T) {
		t.Parallel()
		table := "facteur_src_digits_" + suffix(t)
		dsn, admin := myAdmin(t, table)
		myExec(t, admin, `CREATE TABLE `+table+` (a DECIMAL(38,9), b DECIMAL(5,0), u DECIMAL(10,2) UNSIGNED, v DECIMAL(7,0) UNSIGNED, w DECIMAL(65,30), g INT)`,
			`INSERT INTO `+table+` VALUES (1, 1, 99999999.99, 9999999, 1, 1)`)
		r := readAll(t, open(t, dsn, Options{}), facteur.Query{SQL: "SELECT * FROM " + table})
		// The protocol does not say that a DECIMAL is UNSIGNED, which
		// shows one digit more in the same length: it reads one digit short.
		check(t, r.cols, map[string]digits{"a": {38, 9}, "b": {5, 0}, "u": {9, 2}, "v": {6, 0}, "w": {65, 30}})
	})
}
