package source

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/facteur/facteur"
	"github.com/jackc/pgx/v5/pgconn"
)

// TestDSNAllowList opens DSNs that try to read files of the Facteur server,
// change session settings or reach a socket, and DSNs that are fine.
func TestDSNAllowList(t *testing.T) {
	t.Parallel()
	sock := Options{AllowSocket: true}
	refused := []struct {
		dsn  string
		o    Options
		want string // in the message, after "dsn:"
	}{
		{"postgres://u:s3cret@h/db?options=-c%20default_transaction_read_only%3Doff", Options{}, "options is not allowed"},
		{"postgres://u:s3cret@h/db?%6Fptions=-c%20x", Options{}, "options is not allowed"},
		{"postgres://h?options=-c%20x@evil/db", Options{}, "options is not allowed"},
		{"postgres://u:s3cret@h/db?default_transaction_read_only=off", Options{}, `"default_transaction_read_only" is not allowed; allowed: sslmode`},
		{"postgres://u:s3cret@h/db?sslkey=/etc/ssl/private/server.key", Options{}, "sslkey is not allowed: it names a file"},
		{"postgres://u:s3cret@h/db?sslcert=/etc/ssl/certs/x.pem", Options{}, "sslcert is not allowed"},
		{"postgres://u:s3cret@h/db?sslrootcert=/etc/passwd", Options{}, "sslrootcert is not allowed"},
		{"postgres://u:s3cret@h/db?sslpassword=x", Options{}, "sslpassword is not allowed"},
		{"postgres://u:s3cret@h/db?passfile=/root/.pgpass", Options{}, "passfile is not allowed"},
		{"postgres://u:s3cret@h/db?service=prod", Options{}, "service is not allowed"},
		{"postgres://u:s3cret@h/db?servicefile=/etc/pg_service.conf", Options{}, "servicefile is not allowed"},
		{"postgres://u:s3cret@h/db?password=other", Options{}, "password is not allowed as a parameter"},
		{"postgres://u:s3cret@h/db?dbname=postgres", Options{}, "dbname is not allowed as a parameter"},
		{"postgres://u:s3cret@h/db?host=/var/run/postgresql", Options{}, "host: Unix sockets are not allowed"},
		{"postgres://u:s3cret@h/db?host=evil.example", sock, "host: as a parameter, only a Unix socket path"},
		{"postgres://u:s3cret@h1,h2/db", Options{}, "one host"},
		{"postgres://u:s3cret@h/db?sslmode=disable&sslmode=require", Options{}, "more than once"},
		{"postgres://u:s3cret@h/db?sslmode=bogus", Options{}, "sslmode must be one of"},
		{"postgres://u:s3cret@h/db?connect_timeout=soon", Options{}, "connect_timeout"},
		{"postgres://u:s3cret@h/db?application_name=a%0Ab", Options{}, "application_name"},
		{"postgres://u:s3cret#@h/db?options=x", Options{}, ""},
		{"postgres://u:s3cret@h/a/b", Options{}, "database name alone"},
		{"mysql://u:s3cret@h/db?allowAllFiles=true", Options{}, "allowAllFiles is not allowed: LOAD DATA LOCAL"},
		{"mysql://u:s3cret@h/db?local_infile=1", Options{}, "local_infile is not allowed"},
		{"mysql://u:s3cret@h/db?multiStatements=true", Options{}, "multiStatements is not allowed"},
		{"mysql://u:s3cret@h/db?allowOldPasswords=true", Options{}, "allowOldPasswords is not allowed"},
		{"mysql://u:s3cret@h/db?interpolateParams=true", Options{}, "interpolateParams is not allowed"},
		{"mysql://u:s3cret@h/db?charset=latin1", Options{}, "charset is not allowed"},
		{"mysql://u:s3cret@h/db?loc=Local", Options{}, "loc is not allowed"},
		{"mysql://u:s3cret@h/db?allowCleartextPasswords=true", Options{}, "needs tls=true"},
		{"mysql://u:s3cret@h/db?allowCleartextPasswords=true&tls=skip-verify", Options{}, "needs tls=true"},
		{"mysql://u:s3cret@h/db?columnsWithAlias=true", Options{}, `"columnsWithAlias" is not allowed; allowed: tls, timeout`},
		{"mysql://u:s3cret@h/db?timeout=0s", Options{}, "timeout must be a duration above zero"},
		{"mysql://u:s3cret@h/db?tls=true&tls=false", Options{}, "more than once"},
		{"mysql://u:s3cret@/db?socket=/run/mysqld/mysqld.sock", Options{}, "socket: Unix sockets are not allowed"},
		{"sqlite:/a.db?vfs=unix-none", Options{}, `"vfs" is not allowed`},
		{"sqlite:/a.db?_pragma=query_only(0)", Options{}, `"_pragma" is not allowed`},
		{"sqlite:/a.db?cache=shared", Options{}, `"cache" is not allowed`},
		{"sqlite:/a.db?mode=rwc", Options{}, "read-only"},
	}
	for _, tt := range refused {
		_, err := Open(context.Background(), tt.dsn, tt.o)
		if facteur.ErrorCode(err) != facteur.EINVALID || !strings.HasPrefix(facteur.ErrorMessage(err), "dsn: ") ||
			!strings.Contains(facteur.ErrorMessage(err), tt.want) {
			t.Errorf("Open(%q): %v; want EINVALID \"dsn: …%s…\"", tt.dsn, err, tt.want)
		}
		if err != nil && strings.Contains(err.Error(), "s3cret") {
			t.Errorf("Open(%q): the error shows the password: %v", tt.dsn, err)
		}
	}
	for _, tt := range []struct {
		dsn string
		o   Options
	}{
		{"postgres://u:s3cret@h/db?sslmode=require&connect_timeout=5&application_name=report&search_path=sales&target_session_attrs=read-only&channel_binding=prefer&sslsni=1", Options{}},
		{"postgresql://u@[::1]:5433/db", Options{}},
		{"postgres://u@/db?host=/var/run/postgresql", sock},
		{"mysql://u:s3cret@h/db?tls=true&timeout=5s&readTimeout=1m&writeTimeout=30s&allowCleartextPasswords=true", Options{}},
		{"mysql://u@/x?socket=/run/mysqld/mysqld.sock", sock},
		{"sqlite:/a.db?mode=ro&immutable=1&nolock=0&_busy_timeout=100", Options{}},
	} {
		q, err := Open(context.Background(), tt.dsn, tt.o)
		if err != nil {
			t.Errorf("Open(%q): %v", tt.dsn, err)
			continue
		}
		q.Close()
	}
}

// TestPgConnString checks that the rebuilt DSN reads back as written, and
// that pgx sees no parameter the allow-list did not check.
func TestPgConnString(t *testing.T) {
	t.Parallel()
	cs, err := pgConnString("postgres://u%40x:p%40ss%23%20w+%2B%26@h.example:5433/my%20db?application_name=a%26b%3Dc&sslmode=require", false)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := pgconn.ParseConfigWithOptions(cs, pgconn.ParseConfigOptions{ConnStringAllowedKeys: pgConnStringKeys()})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.User != "u@x" || cfg.Password != "p@ss# w++&" || cfg.Host != "h.example" || cfg.Port != 5433 || cfg.Database != "my db" {
		t.Errorf("parsed %q %q %q %d %q", cfg.User, cfg.Password, cfg.Host, cfg.Port, cfg.Database)
	}
	if len(cfg.RuntimeParams) != 1 || cfg.RuntimeParams["application_name"] != "a&b=c" {
		t.Errorf("runtime parameters %v", cfg.RuntimeParams)
	}
	if cfg.TLSConfig == nil {
		t.Error("sslmode=require was lost")
	}
	if cs, _ := pgConnString("postgres://u@/db", false); !strings.Contains(cs, "@localhost/") {
		t.Errorf("no host: %q, want localhost (not the socket pgx would default to)", cs)
	}
}

// TestSQLitePaths checks SQLiteDir and Forbidden against paths that leave
// the folder (.., symbolic links, encoded dots) or reach Facteur's own
// database under another name.
func TestSQLitePaths(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	allowed, outside := filepath.Join(root, "allowed"), filepath.Join(root, "outside")
	for _, d := range []string{allowed, outside} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	mkdb := func(path string) {
		db, err := sql.Open("sqlite", path)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		if _, err := db.Exec("CREATE TABLE t (a INTEGER); INSERT INTO t VALUES (42)"); err != nil {
			t.Fatal(err)
		}
	}
	own := filepath.Join(allowed, "facteur.db")
	mkdb(filepath.Join(allowed, "data.db"))
	mkdb(filepath.Join(outside, "secret.db"))
	mkdb(own)
	if err := os.WriteFile(own+"-wal", nil, 0o600); err != nil {
		t.Fatal(err)
	}
	links := [][2]string{
		{filepath.Join(outside, "secret.db"), filepath.Join(allowed, "link.db")},
		{outside, filepath.Join(allowed, "sub")},
		{own, filepath.Join(allowed, "own.db")},
		{filepath.Join(allowed, "data.db"), filepath.Join(allowed, "alias.db")},
		{filepath.Join(allowed, "nowhere.db"), filepath.Join(allowed, "broken.db")},
	}
	for _, l := range links {
		if err := os.Symlink(l[0], l[1]); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Link(own, filepath.Join(allowed, "hard.db")); err != nil {
		t.Fatal(err)
	}
	o := Options{SQLiteDir: allowed, Forbidden: []string{own}}
	for _, p := range []string{
		filepath.Join(outside, "secret.db"),
		allowed + "/../outside/secret.db",
		allowed + "/%2e%2e/outside/secret.db",
		filepath.Join(allowed, "link.db"),
		filepath.Join(allowed, "sub", "secret.db"),
		filepath.Join(allowed, "broken.db"),
		filepath.Join(allowed, "missing", "x.db"),
		allowed,
		own,
		own + "-wal",
		own + "-shm",
		own + "-journal",
		filepath.Join(allowed, "own.db"),
		filepath.Join(allowed, "hard.db"),
		"../../../../../../etc/passwd",
	} {
		_, err := Open(context.Background(), "sqlite:"+p, o)
		if facteur.ErrorCode(err) != facteur.EINVALID || !strings.HasPrefix(facteur.ErrorMessage(err), "dsn: ") {
			t.Errorf("sqlite:%s: %v; want an EINVALID dsn error", p, err)
		}
	}
	for _, p := range []string{
		filepath.Join(allowed, "data.db"),
		allowed + "/sub/../data.db",
		filepath.Join(allowed, "alias.db"),
		filepath.Join(allowed, "not-yet.db"), // allowed; Ping then says the file is missing
	} {
		src := open(t, "sqlite:"+p, o)
		if strings.HasSuffix(p, "not-yet.db") {
			wantCode(t, src.Ping(context.Background()), facteur.EUNAVAILABLE)
			continue
		}
		if r := readAll(t, src, facteur.Query{SQL: "SELECT a FROM t"}); len(r.rows) != 1 || r.rows[0][0] != "42" {
			t.Errorf("sqlite:%s: rows %v", p, r.rows)
		}
	}
	// Forbidden alone, without SQLiteDir, still guards Facteur's files.
	if _, err := Open(context.Background(), "sqlite:"+filepath.Join(allowed, "own.db"), Options{Forbidden: []string{own}}); facteur.ErrorCode(err) != facteur.EINVALID {
		t.Errorf("a link to the forbidden file: %v", err)
	}
	open(t, "sqlite:"+filepath.Join(outside, "secret.db"), Options{Forbidden: []string{own}})
}
