package source

import (
	"context"
	"strings"
	"testing"

	"github.com/facteur/facteur"
)

// TestCheckSQL: the rule of a report's SQL, dialect by dialect: quoted
// text and comments are skipped, a second statement, a statement that
// writes, SELECT … INTO, SQLite's load_extension and MySQL's executable
// comments are refused with a message naming sql.
func TestCheckSQL(t *testing.T) {
	t.Parallel()
	all := []dialect{postgresDialect, mysqlDialect, sqliteDialect}
	tests := []struct {
		sql string
		in  []dialect
		ok  bool
	}{
		{"select 1", all, true},
		{"select 1;\n -- done\n;", all, true},
		{"select ';' as a, \"x;y\" from t -- ; drop table t", all, true},
		{"/* ; */ select 1 /* ; */", all, true},
		{"(select 1) union (select 2)", all, true},
		{"with x as (select 1 as a) select * from x", all, true},
		{"select * from t where id in (1, 2) for update", all, true},
		{"select insert('abc', 1, 1, 'x')", []dialect{mysqlDialect}, true},
		{"select $$;$$, $tag$ ' ; $tag$, $1", []dialect{postgresDialect}, true},
		{"select E'it\\'s;' as a", []dialect{postgresDialect}, true},
		{"select 'it\\'s;' as a", []dialect{mysqlDialect}, true},
		{"select [we;ird] from t", []dialect{sqliteDialect}, true},
		{"select `we;ird` from t", []dialect{mysqlDialect, sqliteDialect}, true},
		{"show tables", []dialect{mysqlDialect}, true},
		{"values (1, 'a')", all, true},

		{"select 1; drop table t", all, false},
		{"select 1;select 2", all, false},
		{"select 'a\\'; drop table t; -- '", []dialect{postgresDialect, sqliteDialect}, false},
		{"update t set a = 1 returning *", all, false},
		{"UPDATE t SET a = 1 RETURNING a", all, false},
		{"delete from t returning id", all, false},
		{"insert into t values (1) returning id", all, false},
		{"with d as (delete from t returning *) select * from d", all, false},
		{"with x as (select 1) update t set a = 1 returning a", all, false},
		{"select * into copy from t", all, false},
		{"select * from t into outfile '/tmp/x'", all, false},
		{"select load_extension('evil')", []dialect{sqliteDialect}, false},
		{"select 1 /*!50000 ; drop table t */", []dialect{mysqlDialect}, false},
		{"pragma table_info(t)", all, false},
		{"attach database 'x' as y", all, false},
		{"explain select 1", all, false},
		{"-- nothing", all, false},
		{"select 'open", all, false},
		{"select 1 /* open", all, false},
		{"select $x$ open", []dialect{postgresDialect}, false},
		{"select 1\x00", all, false},
		{"select '" + strings.Repeat("x", facteur.MaxSQLBytes) + "'", all, false},
	}
	names := map[dialect]string{postgresDialect: "postgres", mysqlDialect: "mysql", sqliteDialect: "sqlite"}
	for _, tt := range tests {
		for _, d := range tt.in {
			err := checkSQL(tt.sql, d)
			if tt.ok && err != nil {
				t.Errorf("%s: checkSQL(%.60q) = %v, want it accepted", names[d], tt.sql, err)
			}
			if !tt.ok && (facteur.ErrorCode(err) != facteur.EINVALID || !strings.HasPrefix(facteur.ErrorMessage(err), "sql: ")) {
				t.Errorf("%s: checkSQL(%.60q) = %v, want EINVALID naming sql", names[d], tt.sql, err)
			}
		}
	}
}

// TestOneQueryOnEveryServer: describing (what saving a report does) and
// running refuse two statements and a statement that writes on the real
// PostgreSQL, MariaDB and SQLite alike, and the table is still there.
func TestOneQueryOnEveryServer(t *testing.T) {
	t.Parallel()
	pgURL, schema, pgc := pgAdmin(t)
	pgExec(t, pgc, "CREATE TABLE "+schema+".t (a int)", "INSERT INTO "+schema+".t VALUES (1)")
	myTable := "facteur_src_one_" + suffix(t)
	myURL, myc := myAdmin(t, myTable)
	myExec(t, myc, "CREATE TABLE "+myTable+" (a INT)", "INSERT INTO "+myTable+" VALUES (1)")
	sqPath := sqliteFile(t, "CREATE TABLE t (a INTEGER)", "INSERT INTO t VALUES (1)")
	ctx := context.Background()
	for _, c := range []struct{ name, dsn, table string }{
		{"postgres", pgURL, schema + ".t"}, {"mysql", myURL, myTable}, {"sqlite", "sqlite:" + sqPath, "t"},
	} {
		src := open(t, c.dsn, Options{})
		for _, sql := range []string{
			"select a from " + c.table + "; drop table " + c.table,
			"update " + c.table + " set a = 2 returning a",
			"delete from " + c.table + " returning a",
		} {
			_, err := Describe(ctx, src, facteur.Query{SQL: sql})
			if facteur.ErrorCode(err) != facteur.EINVALID || !strings.HasPrefix(facteur.ErrorMessage(err), "sql: give") {
				t.Errorf("%s: describe %q: %v; want EINVALID naming sql", c.name, sql, err)
			}
			if err := queryErr(src, facteur.Query{SQL: sql}); facteur.ErrorCode(err) != facteur.EINVALID || !strings.HasPrefix(facteur.ErrorMessage(err), "sql: give") {
				t.Errorf("%s: run %q: %v; want EINVALID naming sql", c.name, sql, err)
			}
		}
		if r := readAll(t, src, facteur.Query{SQL: "select a from " + c.table}); len(r.rows) != 1 || r.rows[0][0] != "1" {
			t.Errorf("%s: the table after the refusals: %+v", c.name, r.rows)
		}
	}
}

// FuzzCheckSQL: whatever the text, the check answers nil or an error that
// names the sql field, never panics, and never accepts a NUL byte, in any
// dialect.
func FuzzCheckSQL(f *testing.F) {
	for _, s := range []string{"select 1", "select 1; drop table t", "select ';' from t", "/* x */ select 1 -- ;", "with d as (delete from t returning *) select * from d",
		"select load_extension('x')", "select /*! sleep(1) */ 1", "select $$;$$", "select \"a;\" from t", "select 1\x00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, sql string) {
		for _, d := range []dialect{postgresDialect, mysqlDialect, sqliteDialect} {
			err := checkSQL(sql, d)
			if err != nil {
				if facteur.ErrorCode(err) != facteur.EINVALID || !strings.HasPrefix(facteur.ErrorMessage(err), "sql") {
					t.Fatalf("dialect %d, %q: %v", d, sql, err)
				}
				continue
			}
			if strings.ContainsRune(sql, 0) {
				t.Fatalf("dialect %d accepted a NUL: %q", d, sql)
			}
		}
	})
}
