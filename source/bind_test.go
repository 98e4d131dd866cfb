package source

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/facteur/facteur"
)

// paramDB is one database of TestParamsBindEverywhere: its querier, the
// report's SQL in its dialect and the hand-written query with literals.
type paramDB struct {
	name   string
	src    facteur.Querier
	report string // :country, :since, :minid, :teams
	hand   func(country, since string, minid int, teams []string) string
	exists func() bool // the canary table is still there
}

// TestParamsBindEverywhere runs a report with text, integer, date and list
// parameters on PostgreSQL, MariaDB and SQLite and compares its rows with
// those of the same query written by hand; values that try to inject SQL
// match as plain values, and casts, literals and comments that look like
// parameters are left alone.
func TestParamsBindEverywhere(t *testing.T) {
	t.Parallel()
	rows := []string{
		"(1, 'FR', 'a', '2024-01-05', 'x')",
		"(2, 'FR', 'b', '2024-02-10', 'x')",
		"(3, 'DE', 'a', '2024-03-01', 'x')",
		"(4, 'FR', 'c', '2024-03-15', 'x')",
		"(5, 'FR', 'b', '2024-03-20', 'x')",
		"(6, 'FR'' OR ''1''=''1', 'b', '2024-04-01', 'x')",
	}
	insert := "INSERT INTO %s VALUES " + strings.Join(rows, ", ")
	lits := func(items []string) string {
		if len(items) == 0 {
			return "NULL"
		}
		q := make([]string, len(items))
		for i, s := range items {
			q[i] = "'" + strings.ReplaceAll(s, "'", "''") + "'"
		}
		return strings.Join(q, ", ")
	}
	hand := func(table string) func(string, string, int, []string) string {
		return func(country, since string, minid int, teams []string) string {
			return fmt.Sprintf("SELECT id, ':notaparam' AS lit FROM %s WHERE country = '%s' AND created_at >= '%s' AND id > %d AND team IN (%s) ORDER BY id",
				table, strings.ReplaceAll(country, "'", "''"), since, minid, lits(teams))
		}
	}

	pgURL, schema, pgc := pgAdmin(t)
	pgTable := schema + ".contacts"
	pgExec(t, pgc, "CREATE TABLE "+pgTable+" (id int, country text, team text, created_at date, note text)",
		"CREATE TABLE "+schema+".canary (id int)", fmt.Sprintf(insert, pgTable))
	myTable := "facteur_src_params_" + suffix(t)
	myURL, myc := myAdmin(t, myTable)
	myExec(t, myc, "CREATE TABLE "+myTable+" (id INT, country TEXT, team TEXT, created_at DATE, note TEXT)",
		"CREATE TABLE "+myTable+"_canary (id INT)", fmt.Sprintf(insert, myTable))
	t.Cleanup(func() { myc.Exec("DROP TABLE IF EXISTS " + myTable + "_canary") })
	sqPath := sqliteFile(t, "CREATE TABLE contacts (id INTEGER, country TEXT, team TEXT, created_at DATE, note TEXT)",
		"CREATE TABLE canary (id INTEGER)", fmt.Sprintf(insert, "contacts"))

	ctx := context.Background()
	dbs := []paramDB{{
		name: "postgres",
		src:  open(t, pgURL, Options{}),
		report: `SELECT id, ':notaparam'::text AS lit /* :nope */ FROM ` + pgTable + ` -- :nope
			WHERE country = :country AND created_at >= :since AND id::int > :minid AND team = any(:teams)
			AND $x$:nope$x$ <> '' AND "note" = 'x' ORDER BY id`,
		hand: hand(pgTable),
		exists: func() bool {
			var n int
			pgc.QueryRow(ctx, "SELECT count(*) FROM pg_tables WHERE schemaname = $1 AND tablename = 'canary'", schema).Scan(&n)
			return n == 1
		},
	}, {
		name: "mariadb",
		src:  open(t, myURL, Options{}),
		report: "SELECT id, ':notaparam' AS lit /* :nope */ FROM " + myTable + " -- :nope\n" +
			"WHERE country = :country AND created_at >= :since AND id > :minid AND team IN (:teams) # :nope\n" +
			"AND `note` = 'x' AND \":nope\" <> '' ORDER BY id",
		hand: hand(myTable),
		exists: func() bool {
			var n int
			myc.QueryRow("SELECT count(*) FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name = ?", myTable+"_canary").Scan(&n)
			return n == 1
		},
	}, {
		name: "sqlite",
		src:  open(t, "sqlite:"+sqPath, Options{}),
		report: `SELECT id, ':notaparam' AS lit /* :nope */ FROM contacts -- :nope
			WHERE country = :country AND created_at >= :since AND id > :minid AND team IN (:teams)
			AND "note" = 'x' AND [note] = 'x' ORDER BY id`,
		hand: hand("contacts"),
		exists: func() bool {
			res := readAll(t, open(t, "sqlite:"+sqPath, Options{}), facteur.Query{SQL: "SELECT count(*) FROM sqlite_schema WHERE name = 'canary'"})
			return res.rows[0][0] == "1"
		},
	}}
	cases := []struct {
		name    string
		country string
		since   string
		minid   int
		teams   []string
		want    []string
	}{
		{"plain", "FR", "2024-02-01", 1, []string{"b", "c"}, []string{"2", "4", "5"}},
		{"min id", "FR", "2024-01-01", 4, []string{"a", "b", "c"}, []string{"5"}},
		{"empty list", "FR", "2024-01-01", 0, []string{}, nil},
		{"quote in text", "FR' OR '1'='1", "2024-01-01", 0, []string{"b"}, []string{"6"}},
		{"statement in text", "1; DROP TABLE canary; --", "2000-01-01", 0, []string{"a", "b", "c"}, nil},
		{"quote in list", "FR", "2024-01-01", 0, []string{"b') OR ('1'='1", "c"}, []string{"4"}},
	}
	for _, db := range dbs {
		t.Run(db.name, func(t *testing.T) {
			for _, c := range cases {
				params := []facteur.BoundParam{
					{Name: "country", Type: facteur.ParamText, Text: c.country},
					{Name: "since", Type: facteur.ParamDate, Text: c.since},
					{Name: "minid", Type: facteur.ParamInteger, Int: int64(c.minid), Text: fmt.Sprint(c.minid)},
					{Name: "teams", Type: facteur.ParamList, List: c.teams},
				}
				got := readAll(t, db.src, facteur.Query{SQL: db.report, Params: params})
				want := readAll(t, db.src, facteur.Query{SQL: db.hand(c.country, c.since, c.minid, c.teams)})
				if !slices.EqualFunc(got.rows, want.rows, slices.Equal) {
					t.Errorf("%s: report rows %v, hand-written %v", c.name, got.rows, want.rows)
				}
				var ids []string
				for _, r := range got.rows {
					ids = append(ids, r[0])
					if r[1] != ":notaparam" {
						t.Errorf("%s: literal read %q", c.name, r[1])
					}
				}
				if !slices.Equal(ids, c.want) {
					t.Errorf("%s: ids %v, want %v", c.name, ids, c.want)
				}
			}
			if !db.exists() {
				t.Error("the canary table is gone")
			}
			cols, err := Describe(ctx, db.src, facteur.Query{SQL: db.report, Params: []facteur.BoundParam{
				{Name: "country", Type: facteur.ParamText}, {Name: "since", Type: facteur.ParamDate, Text: "1970-01-01"},
				{Name: "minid", Type: facteur.ParamInteger, Text: "0"}, {Name: "teams", Type: facteur.ParamList, List: []string{}},
			}})
			if err != nil || len(cols) != 2 || cols[0].Name != "id" {
				t.Errorf("Describe: %v, %v", cols, err)
			}
			err = queryErr(db.src, facteur.Query{SQL: "SELECT id FROM contacts WHERE country = :cuntry", Params: []facteur.BoundParam{}})
			wantCode(t, err, facteur.EINVALID, "sql: :cuntry on line 1 is not a declared parameter")
			// A list written the way of another database is refused, not run to match nothing.
			wrong := "SELECT id FROM contacts WHERE team IN ( :teams )"
			want := "write col = any(:teams) instead of col IN (:teams)"
			if db.name != "postgres" {
				wrong, want = "SELECT id FROM contacts WHERE team = any(:teams)", "write col IN (:teams)"
			}
			err = queryErr(db.src, facteur.Query{SQL: wrong, Params: []facteur.BoundParam{{Name: "teams", Type: facteur.ParamList, List: []string{"a"}}}})
			wantCode(t, err, facteur.EINVALID, want)
		})
	}
}

// TestParamRefs lists what the scanner takes for a parameter in each
// dialect, and what it leaves alone.
func TestParamRefs(t *testing.T) {
	cases := []struct {
		d    dialect
		sql  string
		want []string
	}{
		{postgresDialect, "SELECT :a, x::text, ':b', \":c\", $$:d$$, $t$ :e $t$, E'\\' :f', /* :g /* :h */ */ :i -- :j\n, :k", []string{"a", "i", "k"}},
		{postgresDialect, "SELECT arr[1:2], :_x1, ::y, :9", []string{"_x1"}},
		{mysqlDialect, "SELECT :a, @v := 1, ':b', \":c\", `:d`, 'it\\':s' # :e\n, :f --:g\n", []string{"a", "f", "g"}},
		{sqliteDialect, "SELECT :a, [:b], `:c`, ':d', :e:f", []string{"a", "e", "f"}},
	}
	for _, c := range cases {
		refs, err := paramRefs(c.sql, c.d)
		if err != nil {
			t.Fatalf("%q: %v", c.sql, err)
		}
		var got []string
		for _, r := range refs {
			got = append(got, r.name)
			if c.sql[r.start] != ':' || c.sql[r.start+1:r.end] != r.name {
				t.Errorf("%q: span %d-%d is not :%s", c.sql, r.start, r.end, r.name)
			}
		}
		if !slices.Equal(got, c.want) {
			t.Errorf("%d %q: %v, want %v", c.d, c.sql, got, c.want)
		}
	}
}

// TestBindRewrite shows the SQL each dialect runs and the values it binds.
func TestBindRewrite(t *testing.T) {
	params := []facteur.BoundParam{
		{Name: "c", Type: facteur.ParamText, Text: "FR"},
		{Name: "n", Type: facteur.ParamInteger, Int: 3, Text: "3"},
		{Name: "l", Type: facteur.ParamList, List: []string{"a", `b"c`}},
	}
	in := "SELECT 1 WHERE c = :c AND n > :n AND t IN (:l) AND d = :c"
	cases := []struct {
		d         dialect
		sql, want string
		args      string
	}{
		{postgresDialect, "SELECT 1 WHERE c = :c AND n > :n AND t = any(:l) AND d = :c", "SELECT 1 WHERE c = $1 AND n > $2 AND t = any($3) AND d = $1", `[FR 3 {a,"b\"c"}]`},
		{mysqlDialect, in, "SELECT 1 WHERE c = ? AND n > ? AND t IN (?, ?) AND d = ?", `[FR 3 a b"c FR]`},
		{sqliteDialect, in, "SELECT 1 WHERE c = ? AND n > ? AND t IN (?, ?) AND d = ?", `[FR 3 a b"c FR]`},
	}
	for _, c := range cases {
		got, args, err := bindParams(c.sql, c.d, params)
		if err != nil {
			t.Fatal(err)
		}
		shown := make([]string, len(args))
		for i, a := range args {
			if b, ok := a.([]byte); ok {
				a = string(b)
			}
			shown[i] = fmt.Sprint(a)
		}
		if got != c.want || "["+strings.Join(shown, " ")+"]" != c.args {
			t.Errorf("%d: %q %v, want %q %s", c.d, got, shown, c.want, c.args)
		}
	}
}
