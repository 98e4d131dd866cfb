// Package source connects to the organisation's databases (PRODUCT A1) and
// streams the rows of a query as the canonical text of facteur.Kind, so that
// the same logical value reads the same whichever database it came from.
//
// There is one file per kind of database: postgres.go (pgx, with COPY for
// CSV), mysql.go (MySQL and MariaDB, binary protocol) and sqlite.go (modernc,
// pure Go). Every query runs read-only with a statement timeout; the
// database itself refuses a statement that would change data.
package source

import (
	"context"
	"io"
	"net"
	"strings"
	"time"
	_ "time/tzdata" // Options.TimeZone must resolve on machines without a zone database

	"github.com/facteur/facteur"
)

// Options configures a source connection. The zero value is ready to use.
type Options struct {
	// Timeout is the statement timeout of a query whose Query.Timeout is
	// zero. Default 30 minutes.
	Timeout time.Duration
	// TimeZone is the IANA zone in which instants (PostgreSQL timestamptz,
	// MySQL TIMESTAMP) are rendered, with their offset. It is also the
	// session time zone, so now() and CURRENT_DATE follow it. SQLite has no
	// time zones and ignores it. Default "UTC".
	TimeZone string

	// Dial, when set, opens every network connection to PostgreSQL and
	// MySQL/MariaDB, given the host name and port of the DSN ("host:5432")
	// unresolved: pass netguard.Policy.Dial, which resolves the host once,
	// checks its addresses and connects to one of those. A refusal (an
	// EINVALID error of Dial) fails Ping and Query with EINVALID, "dsn: "
	// and Dial's message. Nil connects directly, with no check. SQLite
	// sources are files and do not dial.
	Dial func(ctx context.Context, network, addr string) (net.Conn, error)
	// AllowSocket allows a PostgreSQL (?host=/run/postgresql) or MySQL
	// (?socket=/run/mysqld/mysqld.sock) DSN to connect through a Unix
	// socket of the Facteur server, which bypasses Dial. Default false:
	// such DSNs fail Open with EINVALID.
	AllowSocket bool
	// SQLiteDir, when set, is the folder SQLite sources must be inside,
	// after every symbolic link of the path is followed; the file that
	// path resolves to is what is opened.
	SQLiteDir string
	// MaxCell is the largest value, in bytes as the database sends it, that
	// one cell may hold: a larger one stops the query with a
	// *facteur.LimitError (LimitCell) before Facteur holds it whole where
	// the database allows. SQLite builds no larger string or blob
	// (SQLITE_LIMIT_LENGTH, which bounds a row it stores while sorting
	// too); PostgreSQL's rows are refused unread past twice the limit and
	// checked value by value; MySQL and MariaDB send no packet larger than
	// their max_allowed_packet (16 MiB by default) and each value is
	// checked. Default facteur.DefaultMaxCellBytes.
	MaxCell int64
	// Forbidden lists files no SQLite source may open, such as Facteur's
	// own database; the same files with -wal, -shm and -journal appended,
	// and any other name of the same file (a symbolic or hard link), are
	// refused too.
	Forbidden []string
}

// DefaultTimeout is the statement timeout when neither Options nor the
// query sets one.
const DefaultTimeout = 30 * time.Minute

// withDefaults validates o and fills its defaults. It returns the zone
// TimeZone names.
func (o Options) withDefaults() (Options, *time.Location, error) {
	if o.Timeout < 0 {
		return o, nil, facteur.Errorf(facteur.EINVALID, "timeout: must not be negative")
	}
	if o.Timeout == 0 {
		o.Timeout = DefaultTimeout
	}
	if o.MaxCell < 0 || o.MaxCell > facteur.MaxMaxCellBytes {
		return o, nil, facteur.Errorf(facteur.EINVALID, "max_cell_bytes: use a size up to %d bytes", facteur.MaxMaxCellBytes)
	}
	if o.MaxCell == 0 {
		o.MaxCell = facteur.DefaultMaxCellBytes
	}
	if o.TimeZone == "" {
		o.TimeZone = "UTC"
	}
	loc, err := facteur.LoadZone("time_zone", o.TimeZone)
	return o, loc, err
}

// Open connects to the database a DSN names: postgres:// or postgresql://,
// mysql:// or mariadb://, sqlite:/path, sqlite:relative/path or file:path.
// It does not run a query: use Ping to check the credentials. A DSN that
// cannot be used fails with EINVALID and a message naming "dsn"; errors
// never contain the DSN's password.
//
// The querier it returns is safe for concurrent use. A PostgreSQL querier
// also implements CSVCopier.
func Open(ctx context.Context, dsn string, o Options) (facteur.Querier, error) {
	o, loc, err := o.withDefaults()
	if err != nil {
		return nil, err
	}
	kind, err := facteur.SourceKind(dsn)
	if err != nil {
		return nil, err
	}
	switch kind {
	case facteur.SourcePostgres:
		return openPostgres(dsn, o, loc)
	case facteur.SourceMySQL:
		return openMySQL(dsn, o, loc)
	default:
		return openSQLite(dsn, o)
	}
}

// CSVCopier is implemented by sources that write CSV themselves faster than
// row by row (PostgreSQL's COPY). The CSV has no header, separates fields
// with delim, ends every record with "\n", and is byte-identical to what
// package format's CSV writer makes of the rows Query returns, as both
// follow PostgreSQL's COPY: NULL is an empty unquoted field, an empty
// string is "", and a field is quoted (with '"' doubled) when it contains
// delim, '"', CR or LF, or when it is exactly `\.` and the only column.
// columns selects and orders result columns by name (nil means all).
//
// CopyCSV returns the number of records written. On an error w may have
// received part of the CSV, which the caller discards. It fails with EINVALID
// for a delimiter it cannot use (a quote, CR, LF, NUL or a non-ASCII byte)
// or a column the query does not return; callers then fall back to Query.
type CSVCopier interface {
	CopyCSV(ctx context.Context, q facteur.Query, columns []string, delim byte, w io.Writer) (rows int64, err error)
}

// describer is implemented by the queriers of this package, which can
// describe a query without running it.
type describer interface {
	describe(ctx context.Context, q facteur.Query) ([]facteur.Column, error)
}

// Describe returns the result columns of query without reading its rows.
// The queriers of this package prepare the statement (PostgreSQL, SQLite)
// or run it with LIMIT 0 (MySQL); any other Querier's query is started and
// closed at once. Errors are those of Querier.Query.
func Describe(ctx context.Context, q facteur.Querier, query facteur.Query) ([]facteur.Column, error) {
	if d, ok := q.(describer); ok {
		return d.describe(ctx, query)
	}
	rows, err := q.Query(ctx, query)
	if err != nil {
		return nil, err
	}
	cols := append([]facteur.Column(nil), rows.Columns()...)
	return cols, rows.Close()
}

// statement is a query resolved to the SQL a dialect runs, with the name of
// the field a user fixes when the database refuses it.
type statement struct {
	sql     string
	field   string // "sql" or "table"
	timeout time.Duration
	// args are the values of the query's parameters, bound in the order
	// of their placeholders in sql (see bindParams); PostgreSQL's are
	// []byte in text format.
	args []any
}

// quoteDouble quotes an identifier the SQL standard way (PostgreSQL, SQLite).
func quoteDouble(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

// quoteBacktick quotes an identifier the MySQL way.
func quoteBacktick(s string) string { return "`" + strings.ReplaceAll(s, "`", "``") + "`" }

// resolve turns q into the statement a dialect runs: q.SQL as given (if
// checkSQL admits it), or SELECT * FROM the quoted table, kept to q.Period's rows when it is set.
// opt gives the timeout when q sets none. withOffset writes the period's
// bounds with their UTC offset (PostgreSQL reads it for timestamptz and
// ignores it for timestamp and date); otherwise they are wall-clock times
// (MySQL DATETIME, SQLite text).
func resolve(q facteur.Query, d dialect, opt Options, withOffset bool) (statement, error) {
	quote := d.quote
	st, err := resolveStatement(q, d, opt.Timeout)
	if err != nil || q.Period == nil {
		return st, err
	}
	p := q.Period
	if strings.TrimSpace(p.Column) == "" || strings.ContainsRune(p.Column, 0) {
		return st, facteur.Errorf(facteur.EINVALID, "period.column: name the time column the period applies to")
	}
	if !p.From.IsZero() && !p.To.IsZero() && !p.From.Before(p.To) {
		return st, facteur.Errorf(facteur.EINVALID, "period: the start must come before the end")
	}
	layout := time.DateTime
	if withOffset {
		layout += "-07:00"
	}
	if strings.ContainsRune(p.AlsoColumn, 0) {
		return st, facteur.Errorf(facteur.EINVALID, "period.also_column: a column name cannot hold a NUL byte")
	}
	cond := periodWhere(quote(p.Column), p, layout)
	if cond != "" && strings.TrimSpace(p.AlsoColumn) != "" && p.AlsoColumn != p.Column {
		cond = "(" + cond + ") OR (" + quote(p.Column) + " IS NULL AND " + periodWhere(quote(p.AlsoColumn), p, layout) + ")"
	}
	if cond != "" {
		st.sql = "SELECT * FROM (\n" + st.sql + "\n) AS facteur_period WHERE " + cond
	}
	return st, nil
}

// periodWhere is the condition that keeps the rows whose quoted column is
// in p, "" when both bounds are open. The bounds are times Facteur
// formats itself, never user text.
func periodWhere(column string, p *facteur.Period, layout string) string {
	var where []string
	if !p.From.IsZero() {
		where = append(where, column+" >= '"+p.From.Format(layout)+"'")
	}
	if !p.To.IsZero() {
		where = append(where, column+" < '"+p.To.Format(layout)+"'")
	}
	return strings.Join(where, " AND ")
}

func resolveStatement(q facteur.Query, d dialect, def time.Duration) (statement, error) {
	st := statement{timeout: q.Timeout, field: "sql"}
	if st.timeout < 0 {
		return st, facteur.Errorf(facteur.EINVALID, "timeout: must not be negative")
	}
	if st.timeout == 0 {
		st.timeout = def
	}
	hasSQL, hasTable := strings.TrimSpace(q.SQL) != "", strings.TrimSpace(q.Table) != ""
	switch {
	case hasSQL && hasTable:
		return st, facteur.Errorf(facteur.EINVALID, "table: give either an SQL query or a table name, not both")
	case hasSQL:
		if err := checkSQL(q.SQL, d); err != nil {
			return st, err
		}
		st.sql = trimStatement(q.SQL)
		if q.Params != nil {
			var err error
			st.sql, st.args, err = bindParams(st.sql, d, q.Params)
			return st, err
		}
		return st, nil
	case !hasTable:
		return st, facteur.Errorf(facteur.EINVALID, "sql: give an SQL query or a table name")
	}
	st.field = "table"
	parts := strings.Split(strings.TrimSpace(q.Table), ".")
	if len(parts) > 2 {
		return st, facteur.Errorf(facteur.EINVALID, "table: use name or schema.name, not %q", q.Table)
	}
	quoted := make([]string, len(parts))
	for i, p := range parts {
		if p == "" {
			return st, facteur.Errorf(facteur.EINVALID, "table: %q has an empty part; use name or schema.name", q.Table)
		}
		quoted[i] = d.quote(p)
	}
	st.sql = "SELECT * FROM " + strings.Join(quoted, ".")
	return st, nil
}

// trimStatement removes the white space and semicolons that end a
// statement, so that it can be wrapped in a subquery.
func trimStatement(sql string) string {
	return strings.TrimRight(sql, " \t\r\n\f;")
}

// cellError is the error of a value of column larger than limit.
func cellError(column string, limit int64) error {
	return &facteur.LimitError{Limit: facteur.LimitCell, Value: limit, Column: column}
}

// guardDeadline is how much longer than the statement timeout a query may
// hold its connection before Facteur drops it: the database enforces the
// timeout itself, and this catches a server or network that stopped
// answering.
const guardDeadline = time.Minute

// pingTimeout bounds Ping when the caller's context has no deadline.
const pingTimeout = 30 * time.Second

// connectTimeout bounds establishing a connection.
const connectTimeout = 15 * time.Second

// pgReadBuffer is the size of the buffer PostgreSQL's messages are read
// through (see NewPostgres).
const pgReadBuffer = 256 << 10

// withPingTimeout returns ctx bounded by pingTimeout unless it already has
// a deadline.
func withPingTimeout(ctx context.Context) (context.Context, context.CancelFunc) {
	if _, ok := ctx.Deadline(); ok {
		return context.WithCancel(ctx)
	}
	return context.WithTimeout(ctx, pingTimeout)
}
