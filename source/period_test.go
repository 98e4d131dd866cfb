package source

import (
	"strings"
	"testing"
	"time"

	"github.com/facteur/facteur"
)

// TestPeriod: a period keeps the rows whose time column is in [From, To),
// read as wall-clock times in the source's time zone, on PostgreSQL
// (timestamptz and date), MariaDB (DATETIME) and SQLite (text), for a query
// and for a table; an open bound keeps everything on its side.
func TestPeriod(t *testing.T) {
	paris, _ := time.LoadLocation("Europe/Paris")
	rows := []string{"2026-01-31 23:30:00", "2026-02-01 00:00:00", "2026-02-14 12:00:00", "2026-02-28 23:59:59", "2026-03-01 00:00:00"}
	values := "('" + strings.Join(rows, "'), ('") + "')"
	february := &facteur.Period{Column: "created", From: time.Date(2026, 2, 1, 0, 0, 0, 0, paris), To: time.Date(2026, 3, 1, 0, 0, 0, 0, paris)}

	pgDSN, schema, admin := pgAdmin(t)
	pgExec(t, admin, "CREATE TABLE "+schema+".t (created timestamptz, day date)",
		"SET TimeZone = 'Europe/Paris'", "INSERT INTO "+schema+".t (created) VALUES "+values, "UPDATE "+schema+".t SET day = created::date")
	myDSN, my := myAdmin(t, "t")
	myExec(t, my, "CREATE TABLE t (created DATETIME)", "INSERT INTO t VALUES "+values)
	sqlite := "sqlite:" + sqliteFile(t, "CREATE TABLE t (created TEXT)", "INSERT INTO t VALUES "+values)

	for _, tt := range []struct {
		name string
		dsn  string
		q    facteur.Query
		col  string
		want int
	}{
		{"postgres timestamptz", pgDSN, facteur.Query{SQL: "select created from " + schema + ".t;", Period: february}, "created", 3},
		{"postgres table", pgDSN, facteur.Query{Table: schema + ".t", Period: february}, "created", 3},
		{"postgres date", pgDSN, facteur.Query{Table: schema + ".t", Period: &facteur.Period{Column: "day", From: february.From, To: february.To}}, "day", 3},
		{"mariadb", myDSN, facteur.Query{SQL: "select created from t", Period: february}, "created", 3},
		{"sqlite", sqlite, facteur.Query{SQL: "select created from t", Period: february}, "created", 3},
		{"sqlite from only", sqlite, facteur.Query{Table: "t", Period: &facteur.Period{Column: "created", From: february.From}}, "created", 4},
		{"sqlite to only", sqlite, facteur.Query{Table: "t", Period: &facteur.Period{Column: "created", To: february.To}}, "created", 4},
	} {
		t.Run(tt.name, func(t *testing.T) {
			res := readAll(t, open(t, tt.dsn, Options{}), tt.q)
			if len(res.rows) != tt.want {
				t.Fatalf("%d rows, want %d: %v", len(res.rows), tt.want, res.rows)
			}
			c := res.column(t, tt.col)
			for _, r := range res.rows {
				// Naive values are Paris wall-clock times; timestamptz ones carry their offset.
				at, err := time.Parse("2006-01-02T15:04:05-07:00", r[c])
				for _, layout := range []string{time.DateTime, "2006-01-02T15:04:05", time.DateOnly} {
					if err != nil {
						at, err = time.ParseInLocation(layout, r[c], paris)
					}
				}
				p := tt.q.Period
				if err != nil || (!p.From.IsZero() && at.Before(p.From)) || (!p.To.IsZero() && !at.Before(p.To)) {
					t.Errorf("row %v is outside the period (%v)", r, err)
				}
			}
		})
	}

	src := open(t, sqlite, Options{})
	for _, p := range []*facteur.Period{{Column: "", From: february.From}, {Column: "created", From: february.To, To: february.From}} {
		wantCode(t, queryErr(src, facteur.Query{Table: "t", Period: p}), facteur.EINVALID, "period")
	}
	// A column name cannot break out of its quotes: it is one (missing) name.
	pg := open(t, pgDSN, Options{})
	err := queryErr(pg, facteur.Query{Table: schema + ".t", Period: &facteur.Period{Column: `created" OR 1=1 --`, From: february.From}})
	wantCode(t, err, facteur.EINVALID, "does not exist")
}

// TestPeriodAlsoColumn: with AlsoColumn, a row is in the period by its
// Column, or by AlsoColumn when Column is NULL: a row created in the
// period but updated after it is not (it belongs to the period of its
// update), on PostgreSQL, MariaDB and SQLite.
func TestPeriodAlsoColumn(t *testing.T) {
	// id 1: created and updated in; 2: created in, never updated; 3:
	// created in, updated after; 4: created before, updated in; 5: created
	// before, never updated; 6: created after.
	values := `(1, '2026-02-01 10:00:00', '2026-02-02 10:00:00'), (2, '2026-02-03 10:00:00', NULL),
		(3, '2026-02-04 10:00:00', '2026-03-01 00:00:00'), (4, '2026-01-01 10:00:00', '2026-02-27 23:59:59'),
		(5, '2026-01-31 23:59:59', NULL), (6, '2026-03-01 00:00:00', NULL)`
	p := &facteur.Period{Column: "updated", AlsoColumn: "created",
		From: time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)}
	pgDSN, schema, admin := pgAdmin(t)
	pgExec(t, admin, "CREATE TABLE "+schema+".t (id int, created timestamptz, updated timestamptz)", "SET TimeZone = 'UTC'", "INSERT INTO "+schema+".t VALUES "+values)
	myDSN, my := myAdmin(t, "t_also")
	myExec(t, my, "CREATE TABLE t_also (id int, created DATETIME, updated DATETIME NULL)", "INSERT INTO t_also VALUES "+values)
	sqlite := "sqlite:" + sqliteFile(t, "CREATE TABLE t (id INTEGER, created TEXT, updated TEXT)", "INSERT INTO t VALUES "+values)
	for _, tt := range []struct{ name, dsn, table string }{{"postgres", pgDSN, schema + ".t"}, {"mariadb", myDSN, "t_also"}, {"sqlite", sqlite, "t"}} {
		t.Run(tt.name, func(t *testing.T) {
			res := readAll(t, open(t, tt.dsn, Options{}), facteur.Query{SQL: "SELECT id, created, updated FROM " + tt.table + " ORDER BY id", Period: p})
			var ids []string
			for _, r := range res.rows {
				ids = append(ids, r[0])
			}
			if got := strings.Join(ids, ","); got != "1,2,4" {
				t.Fatalf("rows %s, want 1,2,4", got)
			}
		})
	}
}
