package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// executor runs statements on a database handle or a transaction of either
// dialect. Queries are written once, with ? placeholders.
type executor interface {
	exec(ctx context.Context, query string, args ...any) (int64, error)
	query(ctx context.Context, query string, args ...any) (rows, error)
	queryRow(ctx context.Context, query string, args ...any) row
}

type rows interface {
	Next() bool
	Scan(dest ...any) error
	Err() error
	Close()
}

type row interface {
	Scan(dest ...any) error
}

// sqlQuerier is *sql.DB or *sql.Tx.
type sqlQuerier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// sqlExecutor runs statements through database/sql (SQLite).
type sqlExecutor struct{ q sqlQuerier }

func (e sqlExecutor) exec(ctx context.Context, query string, args ...any) (int64, error) {
	res, err := e.q.ExecContext(ctx, query, args...)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

func (e sqlExecutor) query(ctx context.Context, query string, args ...any) (rows, error) {
	r, err := e.q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	return sqlRows{r}, nil
}

func (e sqlExecutor) queryRow(ctx context.Context, query string, args ...any) row {
	return e.q.QueryRowContext(ctx, query, args...)
}

type sqlRows struct{ *sql.Rows }

func (r sqlRows) Close() { _ = r.Rows.Close() }

// pgQuerier is *pgxpool.Pool or pgx.Tx.
type pgQuerier interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// pgExecutor runs statements through pgx (PostgreSQL), turning ? into $n.
type pgExecutor struct{ q pgQuerier }

func (e pgExecutor) exec(ctx context.Context, query string, args ...any) (int64, error) {
	tag, err := e.q.Exec(ctx, rebind(query), args...)
	if err != nil {
		return 0, err
	}
	return tag.RowsAffected(), nil
}

func (e pgExecutor) query(ctx context.Context, query string, args ...any) (rows, error) {
	r, err := e.q.Query(ctx, rebind(query), args...)
	if err != nil {
		return nil, err
	}
	return r, nil
}

func (e pgExecutor) queryRow(ctx context.Context, query string, args ...any) row {
	return e.q.QueryRow(ctx, rebind(query), args...)
}

// rebind turns the ? placeholders of a query into PostgreSQL's $1, $2, …
// None of the store's queries has a ? inside a literal.
func rebind(query string) string {
	var b strings.Builder
	b.Grow(len(query) + 16)
	n := 0
	for i := 0; i < len(query); i++ {
		if query[i] == '?' {
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteByte(query[i])
	}
	return b.String()
}

// dialect is "sqlite" or "postgres"; it encodes what differs between the
// two databases beyond the driver.
type dialect string

// ts encodes an instant for a parameter: unix microseconds on SQLite (an
// INTEGER sorts and compares correctly in SQL), a time on PostgreSQL.
func (d dialect) ts(t time.Time) any {
	if d == DialectSQLite {
		return t.UnixMicro()
	}
	return t.UTC().Truncate(time.Microsecond)
}

// tsPtr encodes an optional instant; nil is SQL NULL.
func (d dialect) tsPtr(t *time.Time) any {
	if t == nil {
		return nil
	}
	return d.ts(*t)
}

// now is the current time as the store keeps it: UTC, to the microsecond.
func now() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }

// timeScan reads an instant of either dialect: unix microseconds from
// SQLite, a time from PostgreSQL. It leaves dst alone on NULL.
type timeScan struct{ dst *time.Time }

func (s timeScan) Scan(src any) error {
	switch v := src.(type) {
	case nil:
	case int64:
		*s.dst = time.UnixMicro(v).UTC()
	case time.Time:
		*s.dst = v.UTC().Truncate(time.Microsecond)
	default:
		return fmt.Errorf("scan time: unexpected %T", src)
	}
	return nil
}

// nullTimeScan reads an optional instant: nil for NULL.
type nullTimeScan struct{ dst **time.Time }

func (s nullTimeScan) Scan(src any) error {
	if src == nil {
		*s.dst = nil
		return nil
	}
	var t time.Time
	if err := (timeScan{&t}).Scan(src); err != nil {
		return err
	}
	*s.dst = &t
	return nil
}

// nullID encodes an optional reference: 0 is SQL NULL.
func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

// isNoRows reports whether a single-row query found nothing.
func isNoRows(err error) bool {
	return errors.Is(err, sql.ErrNoRows) || errors.Is(err, pgx.ErrNoRows)
}

// isUniqueViolation reports whether err is a UNIQUE constraint failure.
func isUniqueViolation(err error) bool {
	var se *sqlite.Error
	if errors.As(err, &se) {
		return se.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE || se.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
	}
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == "23505"
}

// isForeignKeyViolation reports whether err is a FOREIGN KEY failure: a
// reference to a missing row, or a delete of a row still referenced.
func isForeignKeyViolation(err error) bool {
	var se *sqlite.Error
	if errors.As(err, &se) {
		return se.Code() == sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY
	}
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == "23503"
}

// fkConstraint returns the name of the constraint a PostgreSQL error
// failed on; "" for SQLite, whose errors do not say.
func fkConstraint(err error) string {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.ConstraintName
	}
	return ""
}

// nullInt reads an optional reference: 0 for SQL NULL.
type nullInt int64

func (n *nullInt) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		*n = 0
	case int64:
		*n = nullInt(v)
	default:
		return fmt.Errorf("scan id: unexpected %T", src)
	}
	return nil
}
