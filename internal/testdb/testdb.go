// Package testdb gives tests the real database servers they run against:
// PostgreSQL from FACTEUR_TEST_POSTGRES and MariaDB/MySQL from
// FACTEUR_TEST_MYSQL (each defaulting to the local server). A server that
// does not answer fails the test with a message naming the variable; only
// the value "skip" skips, loudly.
package testdb

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/jackc/pgx/v5"
)

// The variables that name the test servers, and their defaults.
const (
	EnvPostgres     = "FACTEUR_TEST_POSTGRES"
	EnvMySQL        = "FACTEUR_TEST_MYSQL"
	DefaultPostgres = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"
	DefaultMySQL    = "mysql://root@127.0.0.1:3306/test"
)

// Suffix returns a random name suffix, so that tests running at the same
// time against the same server never share a table.
func Suffix(t testing.TB) string {
	t.Helper()
	var b [5]byte
	if _, err := rand.Read(b[:]); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b[:])
}

// DSN returns the DSN a variable names (or def), skipping the test loudly
// when it is "skip".
func DSN(t testing.TB, env, def string) string {
	t.Helper()
	dsn := os.Getenv(env)
	if dsn == "skip" {
		t.Skipf("SKIPPED: %s=skip; this test needs a real server and did NOT run", env)
	}
	if dsn == "" {
		dsn = def
	}
	return dsn
}

// Postgres returns the DSN of the test PostgreSQL server, failing the test
// when it does not answer.
func Postgres(t testing.TB) string {
	t.Helper()
	dsn, admin := connectPostgres(t)
	admin.Close(context.Background())
	return dsn
}

// PostgresSchema returns the DSN of the test PostgreSQL server, a schema
// created for the test (named prefix + a random suffix, dropped at its
// end) and a connection to set it up.
func PostgresSchema(t testing.TB, prefix string) (dsn, schema string, admin *pgx.Conn) {
	t.Helper()
	dsn, admin = connectPostgres(t)
	schema = prefix + Suffix(t)
	Exec(t, admin, "CREATE SCHEMA "+schema)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		admin.Exec(ctx, "DROP SCHEMA "+schema+" CASCADE")
		admin.Close(ctx)
	})
	return dsn, schema, admin
}

func connectPostgres(t testing.TB) (string, *pgx.Conn) {
	t.Helper()
	dsn := DSN(t, EnvPostgres, DefaultPostgres)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatalf("PostgreSQL test server unreachable (set %s to its DSN, or to \"skip\"; scripts/test.sh starts it): %v", EnvPostgres, err)
	}
	return dsn, c
}

// Exec runs statements on c, failing the test on the first error.
func Exec(t testing.TB, c *pgx.Conn, stmts ...string) {
	t.Helper()
	for _, s := range stmts {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		_, err := c.Exec(ctx, s)
		cancel()
		if err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
}

// MySQL returns the DSN of the test MariaDB/MySQL server and a connection
// to set up tables; the tables named are dropped at the end of the test.
func MySQL(t testing.TB, tables ...string) (dsn string, admin *sql.DB) {
	t.Helper()
	dsn = DSN(t, EnvMySQL, DefaultMySQL)
	u, err := url.Parse(dsn)
	if err != nil || u.User == nil {
		t.Fatalf("%s: want mysql://user[:password]@host[:port]/database, got %q", EnvMySQL, dsn)
	}
	cfg := mysql.NewConfig()
	cfg.User = u.User.Username()
	cfg.Passwd, _ = u.User.Password()
	cfg.Net, cfg.Addr = "tcp", u.Host
	if u.Port() == "" {
		cfg.Addr += ":3306"
	}
	cfg.DBName = strings.TrimPrefix(u.Path, "/")
	cfg.Timeout = 10 * time.Second
	connector, err := mysql.NewConnector(cfg)
	if err != nil {
		t.Fatal(err)
	}
	admin = sql.OpenDB(connector)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := admin.PingContext(ctx); err != nil {
		t.Fatalf("MariaDB/MySQL test server unreachable (set %s to its DSN, or to \"skip\"; scripts/test.sh starts it): %v", EnvMySQL, err)
	}
	t.Cleanup(func() {
		for _, n := range tables {
			admin.Exec("DROP TABLE IF EXISTS " + n)
		}
		admin.Close()
	})
	return dsn, admin
}

// PostgresDatabase creates an empty database named prefix + a random
// suffix on the test PostgreSQL server, drops it (WITH (FORCE)) when the
// test ends, and returns its URL.
func PostgresDatabase(t testing.TB, prefix string) string {
	t.Helper()
	dsn, admin := connectPostgres(t)
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatalf("%s: %v", EnvPostgres, err)
	}
	name := prefix + Suffix(t)
	Exec(t, admin, "CREATE DATABASE "+name)
	admin.Close(context.Background())
	t.Cleanup(func() {
		_, c := connectPostgres(t)
		defer c.Close(context.Background())
		Exec(t, c, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
	})
	u.Path = "/" + name
	return u.String()
}
