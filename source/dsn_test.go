package source

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/facteur/facteur"
)

func TestSQLiteURI(t *testing.T) {
	t.Parallel()
	const ro = "?mode=ro&_pragma=query_only(1)"
	tests := []struct {
		dsn, want string // want "" for an error
	}{
		{"sqlite:/var/lib/app.db", "file:/var/lib/app.db" + ro + "&_pragma=busy_timeout(5000)"},
		{"sqlite:data/app.db", "file:data/app.db" + ro + "&_pragma=busy_timeout(5000)"},
		{"sqlite:///var/lib/app.db", "file:/var/lib/app.db" + ro + "&_pragma=busy_timeout(5000)"},
		{"file:/tmp/my%20file.db", "file:/tmp/my file.db" + ro + "&_pragma=busy_timeout(5000)"},
		{"sqlite:/tmp/odd%3Fname%25.db", "file:/tmp/odd%3fname%25.db" + ro + "&_pragma=busy_timeout(5000)"},
		{"sqlite:/a.db?mode=ro&immutable=1", "file:/a.db" + ro + "&immutable=1&_pragma=busy_timeout(5000)"},
		{"sqlite:/a.db?_busy_timeout=100", "file:/a.db" + ro + "&_pragma=busy_timeout(100)"},
		{"sqlite:/a.db?mode=rw", ""},
		{"sqlite:/a.db?_pragma=query_only(0)", ""},
		{"sqlite:/a.db?_busy_timeout=soon", ""},
		{"sqlite:", ""},
		{"sqlite://server/share/a.db", ""},
	}
	for _, tt := range tests {
		got, err := sqliteURI(tt.dsn)
		if tt.want == "" {
			if facteur.ErrorCode(err) != facteur.EINVALID || !strings.HasPrefix(facteur.ErrorMessage(err), "dsn:") {
				t.Errorf("sqliteURI(%q) = %q, %v; want an EINVALID dsn error", tt.dsn, got, err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("sqliteURI(%q) = %q, %v; want %q", tt.dsn, got, err, tt.want)
		}
	}
}

func TestMySQLConfig(t *testing.T) {
	t.Parallel()
	tests := []struct {
		dsn                            string
		net, addr, user, pass, db, tls string
		bad                            bool
	}{
		{dsn: "mysql://root@127.0.0.1:3306/test", net: "tcp", addr: "127.0.0.1:3306", user: "root", db: "test"},
		{dsn: "mariadb://u:p%40ss@db.example:3307/sales?tls=true", net: "tcp", addr: "db.example:3307", user: "u", pass: "p@ss", db: "sales", tls: "true"},
		{dsn: "mysql://u@[::1]/x", net: "tcp", addr: "[::1]:3306", user: "u", db: "x"},
		{dsn: "mysql://u@/x?socket=/run/mysqld/mysqld.sock", net: "unix", addr: "/run/mysqld/mysqld.sock", user: "u", db: "x"},
		{dsn: "mysql://u@h/x?multiStatements=true", bad: true},
		{dsn: "mysql://u@h/x?tls=maybe", bad: true},
		{dsn: "mysql://u@h/a/b", bad: true},
	}
	for _, tt := range tests {
		cfg, err := mysqlConfig(tt.dsn)
		if tt.bad {
			if facteur.ErrorCode(err) != facteur.EINVALID || !strings.HasPrefix(facteur.ErrorMessage(err), "dsn:") {
				t.Errorf("mysqlConfig(%q): %v; want an EINVALID dsn error", tt.dsn, err)
			}
			continue
		}
		if err != nil {
			t.Errorf("mysqlConfig(%q): %v", tt.dsn, err)
			continue
		}
		if cfg.Net != tt.net || cfg.Addr != tt.addr || cfg.User != tt.user || cfg.Passwd != tt.pass || cfg.DBName != tt.db || cfg.TLSConfig != tt.tls {
			t.Errorf("mysqlConfig(%q) = %s %s %s %s %s %s", tt.dsn, cfg.Net, cfg.Addr, cfg.User, cfg.Passwd, cfg.DBName, cfg.TLSConfig)
		}
		if cfg.MultiStatements {
			t.Errorf("mysqlConfig(%q): multiple statements allowed", tt.dsn)
		}
	}
}

func TestOpenRejects(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tests := []struct {
		dsn   string
		o     Options
		field string
	}{
		{"oracle://u:s3cret@h/db", Options{}, "dsn:"},
		{"no scheme", Options{}, "dsn:"},
		{"postgres://u:s3cret@h:notaport/db", Options{}, "dsn:"},
		{"mysql://u:s3cret@h/db?x=1", Options{}, "dsn:"},
		{"sqlite:/a.db?mode=rwc", Options{}, "dsn:"},
		{"postgres://u@h/db", Options{TimeZone: "Mars/Olympus"}, "time_zone:"},
		{"postgres://u@h/db", Options{Timeout: -time.Second}, "timeout:"},
	}
	for _, tt := range tests {
		_, err := Open(ctx, tt.dsn, tt.o)
		if facteur.ErrorCode(err) != facteur.EINVALID || !strings.HasPrefix(facteur.ErrorMessage(err), tt.field) {
			t.Errorf("Open(%q): %v; want EINVALID naming %s", tt.dsn, err, tt.field)
		}
		if err != nil && strings.Contains(err.Error(), "s3cret") {
			t.Errorf("Open(%q): the error shows the password: %v", tt.dsn, err)
		}
	}
}

func TestRedact(t *testing.T) {
	t.Parallel()
	cause := errors.New("dial postgres://u:p%40ss@h: failed for p@ss")
	got := redact(cause, "p@ss").Error()
	if strings.Contains(got, "p@ss") || strings.Contains(got, "p%40ss") {
		t.Errorf("redact left the password: %q", got)
	}
	if other := errors.New("no secret here"); redact(other, "p@ss") != other {
		t.Error("redact replaced an error without the password")
	}
}
