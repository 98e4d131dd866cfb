package source

import (
	"context"
	"database/sql"
	"errors"
	"maps"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/facteur/facteur"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// SQLite runs queries against an SQLite database file.
//
// The file is opened read-only (mode=ro) with PRAGMA query_only, and every
// query's context carries its statement timeout, which interrupts SQLite
// while it computes the first row (sorts, aggregates) and stops the stream
// between rows after that.
//
// The statement is described without running it, then run as
//
//	WITH facteur_q(c1, c2, …) AS (<query>) SELECT +c1, +c2, … FROM facteur_q
//
// The wrapper admits only a single SELECT (or VALUES), and the unary + hides
// the declared types from the driver, which would otherwise turn the text
// of DATE, DATETIME and TIMESTAMP columns into time.Time and lose whether an
// offset was stored. The kind of a column comes from its declared type, as
// SQLite's affinity rules read it; the text of each value from the class it
// is stored in (see sqliteColumn).
type SQLite struct {
	db  *sql.DB
	opt Options
}

var (
	_ facteur.Querier    = (*SQLite)(nil)
	_ facteur.KindedRows = (*sqRows)(nil)
	_ describer          = (*SQLite)(nil)
)

// openSQLite parses dsn and checks its path against o.SQLiteDir and
// o.Forbidden; it does not open the file.
func openSQLite(dsn string, o Options) (*SQLite, error) {
	path, params, err := sqliteParse(dsn)
	if err != nil {
		return nil, err
	}
	if path, err = o.checkSQLitePath(path); err != nil {
		return nil, err
	}
	db, err := sql.Open("sqlite", sqliteBuild(path, params))
	if err != nil {
		return nil, facteur.WrapError(facteur.EINVALID, err, "dsn: not a valid SQLite path")
	}
	db.SetMaxIdleConns(2)
	db.SetConnMaxIdleTime(time.Minute)
	return &SQLite{db: db, opt: o}, nil
}

// sqliteURI turns sqlite:/path, sqlite:relative/path, sqlite:///path or
// file:path (percent-encoded like a URL) into the read-only URI the driver
// opens; see sqliteParse.
func sqliteURI(dsn string) (string, error) {
	path, params, err := sqliteParse(dsn)
	if err != nil {
		return "", err
	}
	return sqliteBuild(path, params), nil
}

// sqliteParse reads the path and parameters of an SQLite DSN. Parameters
// (an allow-list): immutable and nolock (0 or 1, SQLite's own) and
// _busy_timeout (or _timeout) in milliseconds (default 5000); mode may
// only be ro. Anything else, such as vfs, cache or _pragma, is refused:
// the connection is always read-only with PRAGMA query_only.
func sqliteParse(dsn string) (path string, params []string, err error) {
	_, rest, _ := strings.Cut(dsn, ":")
	pathPart, query, _ := strings.Cut(rest, "?")
	if strings.HasPrefix(pathPart, "//") {
		host, p, found := strings.Cut(pathPart[2:], "/")
		if !found || (host != "" && host != "localhost") {
			return "", nil, dsnError("an SQLite source is a local file: use sqlite:/path/to/file.db")
		}
		pathPart = "/" + p
	}
	path, err = url.PathUnescape(pathPart)
	if err != nil || strings.TrimSpace(path) == "" {
		return "", nil, dsnError("give the path of the SQLite file, such as sqlite:/var/lib/app/data.db")
	}
	if strings.ContainsRune(path, 0) {
		return "", nil, dsnError("the path of the SQLite file contains a NUL character")
	}
	values, err := url.ParseQuery(query)
	if err != nil {
		return "", nil, dsnError("the parameters after ? do not parse")
	}
	busy := "5000"
	out := []string{"mode=ro", "_pragma=query_only(1)"}
	for _, k := range slices.Sorted(maps.Keys(values)) {
		val := values.Get(k)
		switch k {
		case "mode":
			if val != "ro" {
				return "", nil, dsnError("mode=%s: a source is always opened read-only; remove the parameter", val)
			}
		case "immutable", "nolock":
			if val != "0" && val != "1" {
				return "", nil, dsnError("%s must be 0 or 1", k)
			}
			out = append(out, k+"="+val)
		case "_busy_timeout", "_timeout":
			if _, err := strconv.ParseUint(val, 10, 31); err != nil {
				return "", nil, dsnError("%s must be a number of milliseconds", k)
			}
			busy = val
		default:
			return "", nil, dsnError("parameter %q is not allowed; allowed: mode=ro, immutable, nolock, _busy_timeout", k)
		}
	}
	return path, append(out, "_pragma=busy_timeout("+busy+")"), nil
}

// sqliteBuild returns the URI the driver opens for path and params.
func sqliteBuild(path string, params []string) string {
	escaped := strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23").Replace(path)
	return "file:" + escaped + "?" + strings.Join(params, "&")
}

// Ping opens the file and reads its schema, which fails for a file that is
// missing, unreadable or not an SQLite database.
func (s *SQLite) Ping(parent context.Context) error {
	ctx, cancel := withPingTimeout(parent)
	defer cancel()
	var n int64
	if err := s.db.QueryRowContext(ctx, "SELECT count(*) FROM sqlite_schema").Scan(&n); err != nil {
		return s.classify(parent, ctx, err, statement{})
	}
	return nil
}

// Close closes the database.
func (s *SQLite) Close() error { return s.db.Close() }

// sqSession is a connection with a described statement.
type sqSession struct {
	conn   *sql.Conn
	stmt   statement
	cols   []facteur.Column
	ctx    context.Context // ends at the statement timeout
	cancel context.CancelFunc
}

func (s *sqSession) close() {
	s.conn.Close()
	s.cancel()
}

// open takes a connection and describes q without running it.
func (s *SQLite) open(parent context.Context, q facteur.Query) (*sqSession, error) {
	st, err := resolve(q, sqliteDialect, s.opt, false)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(parent, st.timeout)
	conn, err := s.db.Conn(ctx)
	if err != nil {
		cancel()
		return nil, s.classify(parent, ctx, err, st)
	}
	ss := &sqSession{conn: conn, stmt: st, ctx: ctx, cancel: cancel}
	// SQLite refuses to build a larger string or blob (SQLITE_TOOBIG),
	// so that one value cannot take the server's memory.
	if _, err := sqlite.Limit(conn, sqlite3.SQLITE_LIMIT_LENGTH, int(s.opt.MaxCell)); err != nil {
		ss.close()
		return nil, facteur.WrapError(facteur.EINTERNAL, err, "SQLite failed.")
	}
	var info []sqlite.ColumnInfo
	err = conn.Raw(func(dc any) error {
		d, ok := dc.(interface {
			ColumnInfo(string) ([]sqlite.ColumnInfo, error)
		})
		if !ok {
			return errors.New("the SQLite driver cannot describe statements")
		}
		info, err = d.ColumnInfo(st.sql)
		return err
	})
	if err != nil {
		err = s.classify(parent, ctx, err, st)
		ss.close()
		return nil, err
	}
	if len(info) == 0 {
		ss.close()
		return nil, facteur.Errorf(facteur.EINVALID, "%s: the statement returns no rows; give a SELECT", st.field)
	}
	ss.cols = make([]facteur.Column, len(info))
	for i, c := range info {
		ss.cols[i] = facteur.Column{Name: c.Name, Kind: sqliteKind(c.DeclType), DBType: c.DeclType}
	}
	return ss, nil
}

// wrap returns the statement that runs st: see the type documentation.
func (ss *sqSession) wrap() string {
	var names, exprs strings.Builder
	for i := range ss.cols {
		if i > 0 {
			names.WriteString(", ")
			exprs.WriteString(", ")
		}
		c := "c" + strconv.Itoa(i+1)
		names.WriteString(c)
		exprs.WriteString("+" + c)
	}
	return "WITH facteur_q(" + names.String() + ") AS (\n" + ss.stmt.sql + "\n) SELECT " + exprs.String() + " FROM facteur_q"
}

// Query runs q and streams its rows; see the type documentation.
func (s *SQLite) Query(ctx context.Context, q facteur.Query) (facteur.Rows, error) {
	ss, err := s.open(ctx, q)
	if err != nil {
		return nil, err
	}
	rows, err := ss.conn.QueryContext(ss.ctx, ss.wrap(), ss.stmt.args...)
	if err != nil {
		err = nameCell(s.classify(ctx, ss.ctx, err, ss.stmt), ss.cols)
		ss.close()
		return nil, err
	}
	return newSqRows(s, ctx, ss, rows), nil
}

// describe returns the columns of q without running it.
func (s *SQLite) describe(ctx context.Context, q facteur.Query) ([]facteur.Column, error) {
	ss, err := s.open(ctx, q)
	if err != nil {
		return nil, err
	}
	ss.close()
	return ss.cols, nil
}

// classify turns an error of SQLite into a facteur error a user can act on.
func (s *SQLite) classify(parent, ctx context.Context, err error, st statement) error {
	if err == nil {
		return nil
	}
	if e := callerError(parent, err); e != nil {
		return e
	}
	if e := guardError(ctx, err, st); e != nil {
		return e
	}
	field := st.field
	if field == "" {
		field = "sql"
	}
	var se *sqlite.Error
	if !errors.As(err, &se) {
		return facteur.WrapError(facteur.EINTERNAL, err, "SQLite failed.")
	}
	msg := se.Error()
	if i := strings.LastIndex(msg, " ("); i > 0 && strings.HasSuffix(msg, ")") {
		msg = msg[:i]
	}
	switch se.Code() & 0xff {
	case 5, 6: // BUSY, LOCKED
		return busyError(err, msg)
	case 9: // INTERRUPT, by a context that is neither the caller's nor ours
		return cancelledError(err)
	case 3, 14, 23: // PERM, CANTOPEN, AUTH
		return facteur.WrapError(facteur.EUNAVAILABLE, err, "Cannot open the SQLite database file: check the path, and that Facteur may read the file and its folder.")
	case 26: // NOTADB
		return facteur.WrapError(facteur.EINVALID, err, "dsn: the file is not an SQLite database")
	case 18: // TOOBIG: over SQLITE_LIMIT_LENGTH, the cell limit
		return cellError("", s.opt.MaxCell)
	case 10, 11: // IOERR, CORRUPT
		return facteur.WrapError(facteur.EINTERNAL, err, "SQLite cannot read the database file: %s", msg)
	}
	return queryError(err, field, msg)
}
