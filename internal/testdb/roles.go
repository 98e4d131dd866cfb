package testdb

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// PostgresRole creates a login role with a random name on the test
// PostgreSQL server, runs grants in the database dsn names (each with
// {role} standing for the role's name), and returns dsn logging in as that
// role. The role, and what it owns or was granted in that database, is
// dropped when the test ends. The test server trusts loopback, so the
// role has no password.
func PostgresRole(t testing.TB, dsn string, grants ...string) string {
	t.Helper()
	role := "facteur_role_" + Suffix(t)
	admin := pgConnect(t, dsn)
	defer admin.Close(context.Background())
	Exec(t, admin, "CREATE ROLE "+role+" LOGIN")
	t.Cleanup(func() {
		c := pgConnect(t, dsn)
		defer c.Close(context.Background())
		Exec(t, c, "DROP OWNED BY "+role, "DROP ROLE "+role)
	})
	for _, g := range grants {
		Exec(t, admin, strings.ReplaceAll(g, "{role}", role))
	}
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	u.User = url.User(role)
	return u.String()
}

// PostgresReader returns dsn logging in as a new role that can read every
// table and nothing more (pg_read_all_data, PostgreSQL 14 or later): the
// account the README tells users to give Facteur.
func PostgresReader(t testing.TB, dsn string) string {
	t.Helper()
	return PostgresRole(t, dsn, "GRANT pg_read_all_data TO {role}")
}

func pgConnect(t testing.TB, dsn string) *pgx.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatalf("PostgreSQL test server: %v", err)
	}
	return c
}

// MySQLUser creates a user with a random name and password on the test
// MariaDB/MySQL server ('name'@'%'), runs grants (each with {user}
// standing for 'name'@'%'), and returns the DSN of the test database
// logging in as that user. The user is dropped when the test ends.
func MySQLUser(t testing.TB, grants ...string) string {
	t.Helper()
	dsn, admin := MySQL(t)
	name, password := "facteur_u_"+Suffix(t), "pw-"+Suffix(t)
	user := "'" + name + "'@'%'"
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := admin.ExecContext(ctx, "CREATE USER "+user+" IDENTIFIED BY '"+password+"'"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if _, err := admin.Exec("DROP USER IF EXISTS " + user); err != nil {
			t.Errorf("drop %s: %v", user, err)
		}
	})
	for _, g := range grants {
		g = strings.ReplaceAll(g, "{user}", user)
		if _, err := admin.ExecContext(ctx, g); err != nil {
			t.Fatalf("%s: %v", g, err)
		}
	}
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	u.User = url.UserPassword(name, password)
	return u.String()
}
