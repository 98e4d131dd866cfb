package source

import (
	"errors"
	"testing"

	"github.com/facteur/facteur"
)

// TestCellLimit: a value over Options.MaxCell stops the query with a
// LimitError (EINVALID) that names the limit, and the column when the
// database says which, on every kind of database; a value under it reads.
func TestCellLimit(t *testing.T) {
	const limit = 1 << 20
	o := Options{MaxCell: limit}
	wantLimit := func(t *testing.T, err error, column string) {
		t.Helper()
		var le *facteur.LimitError
		if !errors.As(err, &le) || le.Limit != facteur.LimitCell || le.Value != limit || le.Column != column {
			t.Fatalf("error %v (%T), want the cell limit of column %q", err, err, column)
		}
		wantCode(t, err, facteur.EINVALID, "the cell limit of 1 MiB (1,048,576 bytes)", "max_cell_bytes")
	}
	t.Run("sqlite", func(t *testing.T) {
		path := sqliteFile(t, "CREATE TABLE t (id INTEGER, b BLOB)", "INSERT INTO t VALUES (1, zeroblob(2000000))")
		src := open(t, "sqlite:"+path, o)
		wantLimit(t, queryErr(src, facteur.Query{SQL: "select randomblob(2000000) as big"}), "big")
		wantLimit(t, queryErr(src, facteur.Query{SQL: "select id, b from t"}), "")
		if r := readAll(t, src, facteur.Query{SQL: "select length(randomblob(1048576)) as n, hex(randomblob(400000)) as h"}); r.rows[0][0] != "1048576" || len(r.rows[0][1]) != 800000 {
			t.Errorf("values under the limit: %.40v", r.rows)
		}
	})
	t.Run("postgres", func(t *testing.T) {
		src := open(t, pgDSN(t), o)
		wantLimit(t, queryErr(src, facteur.Query{SQL: "select 1 as n, repeat('x', 1500000) as t"}), "t")
		wantLimit(t, queryErr(src, facteur.Query{SQL: "select repeat('x', 100000000) as t"}), "")
		if r := readAll(t, src, facteur.Query{SQL: "select repeat('é', 500000) as t"}); len(r.rows[0][0]) != 1000000 {
			t.Errorf("a value under the limit: %d bytes", len(r.rows[0][0]))
		}
	})
	t.Run("mysql", func(t *testing.T) {
		dsn, _ := myAdmin(t)
		src := open(t, dsn, o)
		wantLimit(t, queryErr(src, facteur.Query{SQL: "select 1 as n, repeat('x', 1500000) as t"}), "t")
		if r := readAll(t, src, facteur.Query{SQL: "select repeat('x', 1000000) as t"}); len(r.rows[0][0]) != 1000000 {
			t.Errorf("a value under the limit: %d bytes", len(r.rows[0][0]))
		}
	})
}
