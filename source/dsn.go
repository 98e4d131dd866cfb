package source

import (
	"maps"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
)

// DSN allow-lists. A source DSN is typed by an administrator but runs on
// the Facteur server, so a parameter that reads a file of that server,
// changes a session setting or weakens the read-only guarantee is refused,
// and so is any parameter not listed here.

// pgAllowedParams are the query parameters a PostgreSQL DSN may carry.
const pgAllowedParams = "sslmode, connect_timeout, application_name, search_path, target_session_attrs, channel_binding, sslsni"

// pgConnString checks a postgres:// DSN against the allow-list and returns
// it rebuilt in a canonical form, so that pgx parses exactly what was
// checked (pgx reads URLs with libpq's rules, which differ from net/url's
// on '#', '@' and '+'). The rebuilt string sets passfile to nothing, so that
// no ~/.pgpass of the Facteur server lends its passwords to a DSN.
//
// Allowed: sslmode (disable, allow, prefer, require, verify-ca,
// verify-full), connect_timeout (seconds), application_name, search_path,
// target_session_attrs, channel_binding (disable, prefer, require), sslsni
// (0, 1), and host only as a Unix socket path (starting with "/") when
// allowSocket. Refused with a reason: options (sets any server setting,
// such as default_transaction_read_only), sslkey, sslcert, sslrootcert,
// sslpassword, passfile, service and servicefile (they name files on the
// Facteur server), and user, password, dbname, database and port (they
// belong in the URL). Several hosts (h1,h2) are refused.
func pgConnString(dsn string, allowSocket bool) (string, error) {
	u, err := url.Parse(dsn)
	if err != nil || u.Opaque != "" {
		return "", dsnError("not a valid PostgreSQL URL; use postgres://user:password@host:5432/database")
	}
	if u.Fragment != "" || strings.Contains(dsn, "#") {
		return "", dsnError("the URL contains '#'; write it as %%23 in a password")
	}
	host, port := u.Hostname(), u.Port()
	if strings.Contains(host, ",") {
		return "", dsnError("give one host; several hosts are not supported")
	}
	if port != "" {
		if n, err := strconv.ParseUint(port, 10, 16); err != nil || n == 0 {
			return "", dsnError("the port must be a number between 1 and 65535")
		}
	}
	db := strings.TrimPrefix(u.Path, "/")
	if strings.Contains(db, "/") {
		return "", dsnError("the path must be the database name alone")
	}
	values, err := url.ParseQuery(u.RawQuery)
	if err != nil {
		return "", dsnError("the parameters after ? do not parse")
	}
	var params []string
	for _, k := range slices.Sorted(maps.Keys(values)) {
		if len(values[k]) > 1 {
			return "", dsnError("parameter %q is given more than once", k)
		}
		val := values[k][0]
		if err := pgParam(k, val); err != nil {
			return "", err
		}
		if k == "host" {
			if !allowSocket {
				return "", dsnError("host: Unix sockets are not allowed; put the server's host name in the URL (postgres://user@host:5432/database)")
			}
			if !strings.HasPrefix(val, "/") {
				return "", dsnError("host: as a parameter, only a Unix socket path (/run/postgresql); put a host name in the URL")
			}
			host = val
			continue
		}
		params = append(params, k+"="+pctEncode(val))
	}
	var b strings.Builder
	b.WriteString("postgres://")
	if u.User != nil {
		b.WriteString(pctEncode(u.User.Username()))
		if pw, ok := u.User.Password(); ok {
			b.WriteString(":" + pctEncode(pw))
		}
		b.WriteString("@")
	}
	switch {
	case host == "":
		b.WriteString("localhost")
	case strings.Contains(host, ":"):
		b.WriteString("[" + pctEncode(host) + "]")
	default:
		b.WriteString(pctEncode(host))
	}
	if port != "" {
		b.WriteString(":" + port)
	}
	b.WriteString("/" + pctEncode(db) + "?passfile=")
	for _, p := range params {
		b.WriteString("&" + p)
	}
	return b.String(), nil
}

// pgConnStringKeys are the keys pgConnString writes: pgx refuses any other
// (pgconn.ParseConfigOptions.ConnStringAllowedKeys), a second line behind
// pgConnString's own checks.
func pgConnStringKeys() []string {
	return []string{"host", "port", "user", "password", "database", "passfile", "sslmode", "connect_timeout",
		"application_name", "search_path", "target_session_attrs", "channel_binding", "sslsni"}
}

// pgParam checks one query parameter of a PostgreSQL DSN.
func pgParam(k, val string) error {
	oneOf := func(allowed ...string) error {
		if !slices.Contains(allowed, val) {
			return dsnError("%s must be one of %s", k, strings.Join(allowed, ", "))
		}
		return nil
	}
	switch k {
	case "sslmode":
		return oneOf("disable", "allow", "prefer", "require", "verify-ca", "verify-full")
	case "connect_timeout":
		if _, err := strconv.ParseUint(val, 10, 16); err != nil {
			return dsnError("connect_timeout must be a number of seconds")
		}
	case "application_name", "search_path":
		if len(val) > 200 || strings.IndexFunc(val, func(r rune) bool { return r < 0x20 || r == 0x7f }) >= 0 {
			return dsnError("%s must be at most 200 characters, without control characters", k)
		}
	case "target_session_attrs":
		return oneOf("any", "read-write", "read-only", "primary", "standby", "prefer-standby")
	case "channel_binding":
		return oneOf("disable", "prefer", "require")
	case "sslsni":
		return oneOf("0", "1")
	case "host":
	case "options":
		return dsnError("options is not allowed: it changes server settings of the session (such as default_transaction_read_only)")
	case "sslkey", "sslcert", "sslrootcert", "sslpassword", "passfile", "service", "servicefile":
		return dsnError("%s is not allowed: it names a file on the Facteur server; use sslmode=verify-full with the system's certificate authorities", k)
	case "user", "password", "dbname", "database", "port":
		return dsnError("%s is not allowed as a parameter; write postgres://user:password@host:port/database", k)
	default:
		return dsnError("parameter %q is not allowed; allowed: %s", k, pgAllowedParams)
	}
	return nil
}

// pgCheckHosts refuses a parsed configuration that would connect through a
// Unix socket when sockets are not allowed: a backstop behind pgConnString,
// as pgx may take the host from PGHOST.
func pgCheckHosts(cfg *pgconn.Config, allowSocket bool) error {
	if allowSocket {
		return nil
	}
	hosts := []string{cfg.Host}
	for _, fb := range cfg.Fallbacks {
		hosts = append(hosts, fb.Host)
	}
	for _, h := range hosts {
		if strings.HasPrefix(h, "/") || (len(h) > 2 && h[1] == ':' && h[2] == '\\') {
			return dsnError("host: Unix sockets are not allowed; put the server's host name in the URL")
		}
	}
	return nil
}

// pctEncode percent-encodes every byte of s but the unreserved ones, the
// form both net/url and libpq read back unchanged.
func pctEncode(s string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '.' || c == '_' || c == '~' {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hex[c>>4])
		b.WriteByte(hex[c&15])
	}
	return b.String()
}

// checkSQLitePath checks the path of an SQLite source against o.SQLiteDir
// and o.Forbidden, and returns the path to open: the file with every
// symbolic link resolved, so that what was checked is what is opened. With
// neither set, path is returned as it is.
func (o Options) checkSQLitePath(path string) (string, error) {
	if o.SQLiteDir == "" && len(o.Forbidden) == 0 {
		return path, nil
	}
	real, err := resolvePath(path)
	if err != nil {
		return "", dsnError("the folder of the SQLite file does not exist or cannot be read; check the path")
	}
	if o.SQLiteDir != "" {
		dir, err := resolvePath(o.SQLiteDir)
		if err != nil {
			return "", dsnError("the folder for SQLite sources (%s) cannot be read; an administrator must fix the server configuration", o.SQLiteDir)
		}
		rel, err := filepath.Rel(dir, real)
		if err != nil || rel == "." || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) || filepath.IsAbs(rel) {
			return "", dsnError("the SQLite file must be inside %s (after following symbolic links)", o.SQLiteDir)
		}
	}
	for _, f := range o.Forbidden {
		fr, err := resolvePath(f)
		if err != nil {
			if fr, err = filepath.Abs(f); err != nil {
				continue
			}
		}
		for _, suffix := range []string{"", "-wal", "-shm", "-journal"} {
			if real == fr+suffix || sameFile(real, fr+suffix) {
				return "", dsnError("this file cannot be a source: it is one of Facteur's own files")
			}
		}
	}
	return real, nil
}

// resolvePath returns path absolute, with every symbolic link resolved:
// those of the file itself when it exists, else those of its folder. A
// broken symbolic link fails.
func resolvePath(path string) (string, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return "", err
	}
	if real, err := filepath.EvalSymlinks(abs); err == nil {
		return real, nil
	}
	if _, err := os.Lstat(abs); err == nil {
		return "", os.ErrInvalid // it exists but does not resolve: a broken link
	}
	dir, err := filepath.EvalSymlinks(filepath.Dir(abs))
	if err != nil {
		return "", err
	}
	return filepath.Join(dir, filepath.Base(abs)), nil
}

// sameFile reports whether a and b are the same existing file (a hard
// link, or another spelling on a case-insensitive file system).
func sameFile(a, b string) bool {
	sa, err := os.Stat(a)
	if err != nil {
		return false
	}
	sb, err := os.Stat(b)
	return err == nil && os.SameFile(sa, sb)
}
