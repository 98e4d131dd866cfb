package source

import (
	"context"
	"reflect"
	"strings"
	"testing"

	"github.com/facteur/facteur"
	"github.com/facteur/facteur/internal/testdb"
)

// checkRights opens dsn and returns what CheckRights finds.
func checkRights(t *testing.T, dsn string) facteur.SourceRights {
	t.Helper()
	q := open(t, dsn, Options{})
	r, err := q.(facteur.RightsChecker).CheckRights(context.Background())
	if err != nil {
		t.Fatalf("CheckRights: %v", err)
	}
	return r
}

// TestPostgresRights: each account the server can have is found with
// exactly the rights beyond reading it holds; a reader has none.
func TestPostgresRights(t *testing.T) {
	dsn, schema, admin := pgAdmin(t)
	pgExec(t, admin, "CREATE TABLE "+schema+".orders (id int, note text)", "CREATE TABLE "+schema+".other (id int)")
	usage := "GRANT USAGE ON SCHEMA " + schema + " TO {role}"
	mid := "facteur_mid_" + suffix(t)
	pgExec(t, admin, "CREATE ROLE "+mid+" NOLOGIN", "GRANT pg_signal_backend TO "+mid)
	t.Cleanup(func() { pgExec(t, admin, "DROP ROLE "+mid) })
	for _, c := range []struct {
		name string
		dsn  string
		want []string
	}{
		{"superuser", dsn, []string{"superuser (can do anything: read and write the server's files, run programs, end sessions, write every table)"}},
		{"pg_read_server_files", testdb.PostgresRole(t, dsn, "GRANT pg_read_server_files TO {role}"),
			[]string{"member of pg_read_server_files (reads the server's files)"}},
		{"inherited pg_signal_backend", testdb.PostgresRole(t, dsn, "GRANT "+mid+" TO {role}"),
			[]string{"member of pg_signal_backend (ends other sessions)"}},
		{"a table write", testdb.PostgresRole(t, dsn, usage, "GRANT SELECT, INSERT ON "+schema+".orders TO {role}"),
			[]string{"INSERT on " + schema + ".orders"}},
		{"a column update", testdb.PostgresRole(t, dsn, usage, "GRANT SELECT ON ALL TABLES IN SCHEMA "+schema+" TO {role}", "GRANT UPDATE (note) ON "+schema+".orders TO {role}"),
			[]string{"UPDATE on " + schema + ".orders"}},
		{"attributes", testdb.PostgresRole(t, dsn, "ALTER ROLE {role} CREATEROLE CREATEDB"),
			[]string{"CREATEROLE (creates roles and grants them)", "CREATEDB (creates databases)"}},
		{"owner", testdb.PostgresRole(t, dsn, usage, "ALTER TABLE "+schema+".other OWNER TO {role}"),
			[]string{"INSERT on " + schema + ".other", "UPDATE on " + schema + ".other", "DELETE on " + schema + ".other", "TRUNCATE on " + schema + ".other",
				"owner of " + schema + ".other (an owner can grant itself any right on them)"}},
		{"reader by grants", testdb.PostgresRole(t, dsn, usage, "GRANT SELECT ON ALL TABLES IN SCHEMA "+schema+" TO {role}"), nil},
		{"reader by pg_read_all_data", testdb.PostgresReader(t, dsn), nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := checkRights(t, c.dsn)
			if !reflect.DeepEqual(r.Extra, c.want) {
				t.Errorf("extra rights:\n got %q\nwant %q", r.Extra, c.want)
			}
		})
	}
}

// TestPostgresRightsMany: many writable tables are counted, with the
// first names.
func TestPostgresRightsMany(t *testing.T) {
	dsn, schema, admin := pgAdmin(t)
	for _, n := range []string{"a", "b", "c", "d"} {
		pgExec(t, admin, "CREATE TABLE "+schema+"."+n+" (id int)")
	}
	role := testdb.PostgresRole(t, dsn, "GRANT USAGE ON SCHEMA "+schema+" TO {role}", "GRANT SELECT, DELETE ON ALL TABLES IN SCHEMA "+schema+" TO {role}")
	want := []string{"DELETE on 4 tables (" + schema + ".a, " + schema + ".b, " + schema + ".c, …)"}
	if r := checkRights(t, role); !reflect.DeepEqual(r.Extra, want) {
		t.Errorf("extra rights:\n got %q\nwant %q", r.Extra, want)
	}
}

// TestMySQLRights: each MariaDB/MySQL account is found with exactly the
// grants beyond reading it holds, including through a role; a reader has
// none.
func TestMySQLRights(t *testing.T) {
	table := "facteur_rights_" + suffix(t)
	dsn, admin := myAdmin(t, table)
	myExec(t, admin, "CREATE TABLE "+table+" (id int)")
	role := "facteur_r_" + suffix(t)
	if _, err := admin.Exec("CREATE ROLE " + role); err != nil {
		t.Skipf("no roles on this server: %v", err)
	}
	t.Cleanup(func() { admin.Exec("DROP ROLE " + role) })
	myExec(t, admin, "GRANT DELETE ON test."+table+" TO "+role)
	for _, c := range []struct {
		name string
		dsn  string
		want []string
	}{
		{"root", dsn, []string{"ALL PRIVILEGES on *.* (every right)", "GRANT OPTION on *.* (grants its rights to others)"}},
		{"FILE", testdb.MySQLUser(t, "GRANT FILE ON *.* TO {user}", "GRANT SELECT ON test.* TO {user}"),
			[]string{"FILE on *.* (reads and writes the server's files)"}},
		{"INSERT on a table", testdb.MySQLUser(t, "GRANT SELECT ON test.* TO {user}", "GRANT INSERT ON test."+table+" TO {user}"),
			[]string{"INSERT on test." + table}},
		{"a role", testdb.MySQLUser(t, "GRANT SELECT ON test.* TO {user}", "GRANT "+role+" TO {user}", "SET DEFAULT ROLE "+role+" FOR {user}"),
			[]string{"DELETE on test." + table}},
		{"reader", testdb.MySQLUser(t, "GRANT SELECT ON test.* TO {user}"), nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := checkRights(t, c.dsn)
			got := r.Extra
			if c.name == "root" && len(got) > 2 {
				got = got[:2] // then PROXY grants, which differ between servers
			}
			if !reflect.DeepEqual(got, c.want) {
				t.Errorf("extra rights:\n got %q\nwant %q", r.Extra, c.want)
			}
		})
	}
}

// TestParseGrant reads the lines SHOW GRANTS writes.
func TestParseGrant(t *testing.T) {
	for line, want := range map[string][]string{
		"GRANT USAGE ON *.* TO `u`@`%` IDENTIFIED BY PASSWORD '*ABC'":              nil,
		"GRANT SELECT, SHOW VIEW ON `db`.* TO `u`@`%`":                             nil,
		"GRANT SELECT (a, b), UPDATE (c) ON `db`.`t` TO `u`@`%`":                   {"UPDATE on db.t"},
		"GRANT SELECT ON `d b`.* TO `u`@`%` WITH GRANT OPTION":                     {"GRANT OPTION on d b.* (grants its rights to others)"},
		"GRANT PROCESS, SHUTDOWN, RELOAD ON *.* TO 'u'@'%'":                        {"PROCESS on *.* (sees every session's queries)", "SHUTDOWN on *.* (stops the server)", "RELOAD on *.*"},
		"GRANT BACKUP_ADMIN,SYSTEM_VARIABLES_ADMIN ON *.* TO `u`@`%`":              {"BACKUP_ADMIN, SYSTEM_VARIABLES_ADMIN on *.*"},
		"GRANT SELECT ON `to on`.`x, y` TO `u`@`%`":                                nil,
		"GRANT INSERT ON `weird ON name`.* TO `x TO y`@`%` IDENTIFIED BY 'a TO b'": {"INSERT on weird ON name.*"},
	} {
		g, ok := parseGrant(line)
		if !ok || !reflect.DeepEqual(g.findings(), want) {
			t.Errorf("%s:\n got %q (%v)\nwant %q", line, g.findings(), ok, want)
		}
	}
	if g, ok := parseGrant("GRANT `reporting` TO `u`@`%`"); !ok || g.role != "`reporting`" {
		t.Errorf("role grant: %+v %v", g, ok)
	}
	if _, ok := parseGrant("SET DEFAULT ROLE `reporting` FOR `u`@`%`"); ok {
		t.Error("SET DEFAULT ROLE read as a grant")
	}
}

// TestSQLiteRights: an SQLite source is read-only whatever the file's
// permissions, which is said, never refused.
func TestSQLiteRights(t *testing.T) {
	r := checkRights(t, "sqlite:"+sqliteFile(t, "CREATE TABLE t (a int)"))
	if len(r.Extra) != 0 || len(r.Notes) != 1 || !strings.Contains(r.Notes[0], "read-only") {
		t.Errorf("SQLite rights: %+v", r)
	}
}
