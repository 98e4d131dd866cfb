package source

import (
	"net/url"
	"strings"
	"testing"

	"github.com/facteur/facteur"
)

// FuzzDSN: a database URL is refused with EINVALID and a message, or is
// turned into the driver's configuration the same way each time; a
// password never shows in its redacted form.
func FuzzDSN(f *testing.F) {
	for _, s := range []string{
		"postgres://u:secretpw@db.example:5432/sales?sslmode=require", "postgres://u@127.0.0.1/db?options=-c%20x%3Dy",
		"mysql://root@127.0.0.1:3306/test", "mariadb://u:p%40ss@db.example:3307/sales?tls=true", "mysql://u@h/x?multiStatements=true",
		"sqlite:/var/lib/app.db", "file:/tmp/my%20file.db", "sqlite:/a.db?mode=rw", "sqlite://server/share/a.db", "oracle://h/db", "",
		"postgres://[::1", "mysql://u@/x?socket=/run/mysqld/mysqld.sock",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, dsn string) {
		kind, err := facteur.SourceKind(dsn)
		if err != nil {
			if facteur.ErrorCode(err) != facteur.EINVALID || !strings.HasPrefix(facteur.ErrorMessage(err), "dsn: ") {
				t.Fatalf("SourceKind(%q): %v", dsn, err)
			}
			return
		}
		parse := func() (string, error) {
			switch kind {
			case facteur.SourcePostgres:
				return pgConnString(dsn, false)
			case facteur.SourceMySQL:
				c, err := mysqlConfig(dsn)
				if err != nil {
					return "", err
				}
				return c.FormatDSN(), nil
			}
			return sqliteURI(dsn)
		}
		got, err := parse()
		if err != nil {
			if code := facteur.ErrorCode(err); code != facteur.EINVALID || facteur.ErrorMessage(err) == "" {
				t.Fatalf("%s %q: %v (code %s)", kind, dsn, err, code)
			}
			return
		}
		if again, err := parse(); err != nil || again != got {
			t.Fatalf("%s %q: %q, then %q, %v", kind, dsn, got, again, err)
		}
		if u, err := url.Parse(dsn); err == nil && u.User != nil {
			// A password written once in the DSN, and long enough not to
			// be found by chance in the rest of it, is never shown.
			if pw, ok := u.User.Password(); ok && len(pw) >= 4 && strings.Count(dsn, pw) == 1 && strings.Contains(facteur.RedactDSN(dsn), pw) {
				t.Fatalf("RedactDSN(%q) shows the password", dsn)
			}
		}
	})
}
