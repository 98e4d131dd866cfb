// Package facteur holds the domain of Facteur: the objects a user manages
// (sources, reports, destinations, schedules, runs) and the narrow interfaces
// that the pipeline is built from. It has no dependencies: every adapter lives
// in a package of its own and is wired together by cmd/facteur.
//
// A run is a straight line:
//
//	schedule -> job -> source rows -> fields -> format -> artifact -> destination -> history
package facteur

import (
	"context"
	"time"
)

// Kind is the type of a column as Facteur renders it. Every source maps its
// database types onto these kinds, so that a value renders the same way
// whichever database it came from.
type Kind uint8

// The kinds of column. The canonical text of each kind, as produced by every
// source, is documented beside it.
const (
	KindText      Kind = iota // UTF-8 text, as stored
	KindInt                   // decimal integer: -?[0-9]+
	KindDecimal               // exact decimal with every digit the database keeps: "12.50", "NaN" possible
	KindFloat                 // shortest decimal that round-trips a float64: "0.1", "1e+100", "NaN", "Infinity"
	KindBool                  // "true" or "false"
	KindTimestamp             // instant with offset, RFC 3339: "2024-03-31T03:00:00+02:00", fractional seconds trimmed
	KindDateTime              // date and time without zone: "2024-03-31T02:30:00"
	KindDate                  // "2024-03-31"
	KindTime                  // "14:30:00", fractional seconds trimmed
	KindBytes                 // standard base64 with padding
	KindJSON                  // a JSON document, compact or as stored
)

var kindNames = [...]string{"text", "int", "decimal", "float", "bool", "timestamp", "datetime", "date", "time", "bytes", "json"}

// String returns the lower-case name of the kind, as used in the API.
func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "unknown"
}

// MarshalText renders the kind by name.
func (k Kind) MarshalText() ([]byte, error) { return []byte(k.String()), nil }

// UnmarshalText parses a kind name; it fails on an unknown name.
func (k *Kind) UnmarshalText(b []byte) error {
	for i, n := range kindNames {
		if n == string(b) {
			*k = Kind(i)
			return nil
		}
	}
	return Errorf(EINVALID, "unknown column kind %q", b)
}

// Column describes one column of a result set.
type Column struct {
	Name   string `json:"name"`
	Kind   Kind   `json:"kind"`
	DBType string `json:"db_type,omitempty"` // the database's own type name, for display
	// Precision and Scale are the digits a KindDecimal column is declared
	// with (numeric(38,9), DECIMAL(10,2)): Precision digits in all, Scale
	// of them after the point. Precision is 0 when the source does not
	// know it (an unconstrained numeric, SQLite, an expression).
	Precision int `json:"precision,omitempty"`
	Scale     int `json:"scale,omitempty"`
}

// Rows is a stream of rows from a source, read one at a time so that memory
// stays flat whatever the number of rows.
//
// Row returns the current row as the canonical text of each column (see
// Kind), nil for SQL NULL. The slice and its bytes are valid only until the
// next call to Next: a consumer that keeps a value must copy it.
type Rows interface {
	Columns() []Column
	Next() bool
	Row() [][]byte
	Err() error
	Close() error
}

// KindedRows is implemented by the Rows of a source whose values may differ
// in kind from their column's. SQLite is one: a column without a declared
// type (an expression such as sum(v) or -5) holds numbers, text and blobs
// alike, and each value is rendered by the class it is stored in. Kinds
// returns the kind of each value of the current row, in column order, with
// the same lifetime as Row. A consumer that does not ask renders every
// value by its column's kind, which is right for every other source.
type KindedRows interface {
	Rows
	Kinds() []Kind
}

// Query is what a source is asked to run: an SQL statement, or a whole
// table by name (quoted by the source).
type Query struct {
	SQL     string
	Table   string
	Timeout time.Duration // statement timeout; zero means the source's default
	// Period, when set, keeps only the rows whose Column is in it (A5).
	Period *Period
	// Params, when not nil, are the values of the :name parameters of SQL,
	// which the source binds with its driver; every :name in the SQL must
	// be one of them. Nil leaves the SQL as it is.
	Params []BoundParam
}

// Period selects rows by a time column: From (inclusive) to To
// (exclusive); a zero bound is open. Each bound is the wall-clock time of
// its own location ('YYYY-MM-DD HH:MM:SS'): PostgreSQL also gets its
// offset, so timestamptz columns compare the instant while timestamp and
// date columns compare the wall clock; MySQL DATETIME and SQLite text
// columns written that way compare the wall clock (a MySQL TIMESTAMP column
// is read in the source's time zone).
type Period struct {
	Column   string
	From, To time.Time
	// AlsoColumn, when set, decides for the rows whose Column is NULL: an
	// incremental window keeps the rows whose last update, or creation
	// when they were never updated, is in it. (Either column alone would
	// not do: a row created in one window and updated after its end, but
	// before its export read it, would go in that window with its new
	// values, then again in the next.)
	AlsoColumn string `json:",omitempty"`
}

// Querier runs queries against one database. Queries run in read-only
// transactions with a statement timeout, so a query cannot change data.
type Querier interface {
	// Query starts the query and returns its rows. Errors carry EINVALID for
	// a bad query and EUNAVAILABLE when the database cannot be reached.
	Query(ctx context.Context, q Query) (Rows, error)
	// Ping checks that the database answers and the credentials are valid.
	Ping(ctx context.Context) error
	// Close releases the connection.
	Close() error
}
