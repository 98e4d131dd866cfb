package source

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/facteur/facteur"
)

// sqliteKind maps a declared column type to a kind. A few names say more
// than their affinity: BOOLEAN, DATE, DATETIME and TIMESTAMP, TIME, JSON,
// DECIMAL and NUMERIC. Any other declared type follows SQLite's affinity
// rules, in their order: INT -> KindInt; CHAR, CLOB, TEXT -> KindText;
// BLOB -> KindBytes; REAL, FLOA, DOUB -> KindFloat. A column without a
// declared type (an expression such as count(*)) and every other type are
// KindText; their values still read by their storage class.
func sqliteKind(decl string) facteur.Kind {
	d := strings.ToUpper(strings.TrimSpace(decl))
	first := d
	if i := strings.IndexAny(d, " ("); i >= 0 {
		first = d[:i]
	}
	switch first {
	case "BOOLEAN", "BOOL":
		return facteur.KindBool
	case "DATE":
		return facteur.KindDate
	case "DATETIME", "TIMESTAMP":
		return facteur.KindDateTime
	case "TIME":
		return facteur.KindTime
	case "JSON", "JSONB":
		return facteur.KindJSON
	case "DECIMAL", "NUMERIC":
		return facteur.KindDecimal
	}
	switch {
	case strings.Contains(d, "INT"):
		return facteur.KindInt
	case strings.Contains(d, "CHAR"), strings.Contains(d, "CLOB"), strings.Contains(d, "TEXT"):
		return facteur.KindText
	case strings.Contains(d, "BLOB"):
		return facteur.KindBytes
	case strings.Contains(d, "REAL"), strings.Contains(d, "FLOA"), strings.Contains(d, "DOUB"):
		return facteur.KindFloat
	}
	return facteur.KindText
}

// sqRows streams the rows of an SQLite query. Each value is rendered by the
// class SQLite stored it in, read through the column's kind:
//
//	INTEGER  digits; "true"/"false" in a BOOLEAN column (non-zero is true)
//	REAL     as PostgreSQL prints a float8; positional ("12.5") in a
//	         DECIMAL/NUMERIC column; "true"/"false" in a BOOLEAN column
//	TEXT     as stored, NUL included, except that each byte that is not
//	         UTF-8 becomes U+FFFD, and that dates and times written the way
//	         SQLite's date functions write them ("2024-01-01 10:00:00",
//	         "…+02:00", "…Z") take the canonical form ("2024-01-01T10:00:00",
//	         "…+02:00", "…+00:00") in DATE, DATETIME, TIMESTAMP and TIME
//	         columns, keeping an offset only when one was stored
//	BLOB     base64, in any column (an expression such as x'00ff', a
//	         column without a declared type, text affinity…)
//
// SQLite does not enforce declared types (outside STRICT tables), so a
// value may not match its column's kind: text in an INTEGER column reads
// as that text, and a column without a declared type (an expression such
// as -5 or sum(v)) holds numbers. Kinds says the kind of each value, from
// its class: INTEGER is an int and REAL a float (or the column's own
// numeric or boolean kind), BLOB is bytes, and TEXT is the column's kind
// when the column holds text (dates and times when they read as such),
// otherwise text. So a number is a number in every format, and formula
// neutralisation applies to text only.
type sqRows struct {
	s      *SQLite
	parent context.Context
	ss     *sqSession
	rows   *sql.Rows
	vals   []any
	dest   []any
	row    [][]byte
	kinds  []facteur.Kind
	bufs   [][]byte
	err    error
	done   bool
	closed bool
}

func newSqRows(s *SQLite, parent context.Context, ss *sqSession, rows *sql.Rows) *sqRows {
	n := len(ss.cols)
	r := &sqRows{
		s: s, parent: parent, ss: ss, rows: rows,
		vals:  make([]any, n),
		dest:  make([]any, n),
		row:   make([][]byte, n),
		kinds: make([]facteur.Kind, n),
		bufs:  make([][]byte, n),
	}
	for i := range r.vals {
		r.dest[i] = &r.vals[i]
		r.bufs[i] = make([]byte, 0, 64)
	}
	return r
}

// Columns returns the result columns.
func (r *sqRows) Columns() []facteur.Column { return r.ss.cols }

// Next reads the next row; it returns false at the end of the result or
// on an error, which Err then returns.
func (r *sqRows) Next() bool {
	if r.done || r.closed {
		return false
	}
	if !r.rows.Next() {
		r.finish(r.rows.Err())
		return false
	}
	if err := r.rows.Scan(r.dest...); err != nil {
		r.finish(err)
		return false
	}
	for i, v := range r.vals {
		if v == nil {
			r.row[i], r.kinds[i] = nil, r.ss.cols[i].Kind
			continue
		}
		r.bufs[i], r.kinds[i] = appendSQLite(r.bufs[i][:0], r.ss.cols[i].Kind, v)
		r.row[i] = r.bufs[i]
	}
	return true
}

// appendSQLite appends the canonical text of v, a value of the driver, in
// a column of kind k, and returns the kind of the value; see sqRows.
func appendSQLite(dst []byte, k facteur.Kind, v any) ([]byte, facteur.Kind) {
	switch v := v.(type) {
	case int64:
		switch k {
		case facteur.KindBool:
			return strconv.AppendBool(dst, v != 0), k
		case facteur.KindDecimal, facteur.KindFloat:
			return strconv.AppendInt(dst, v, 10), k
		}
		return strconv.AppendInt(dst, v, 10), facteur.KindInt
	case float64:
		switch k {
		case facteur.KindBool:
			return strconv.AppendBool(dst, v != 0), k
		case facteur.KindDecimal:
			return appendDecimalFloat(dst, v), k
		}
		return appendFloat(dst, v, 64), facteur.KindFloat
	case string:
		switch k {
		case facteur.KindDate, facteur.KindDateTime, facteur.KindTimestamp:
			if out, ok := appendDateTime(dst, []byte(v)); ok {
				return out, k
			}
		case facteur.KindTime:
			if out, ok := appendClock(dst, []byte(v)); ok {
				return out, k
			}
		case facteur.KindJSON:
			return appendUTF8(dst, v), k
		}
		return appendUTF8(dst, v), facteur.KindText
	case []byte: // the BLOB class, in any column: binary is base64 everywhere
		return appendBase64(dst, v), facteur.KindBytes
	case time.Time: // not expected: the wrapper hides declared types from the driver
		return v.AppendFormat(dst, time.RFC3339Nano), facteur.KindText
	}
	return fmt.Append(dst, v), facteur.KindText
}

// appendUTF8 appends the text v with each byte that is not UTF-8 replaced
// by U+FFFD. SQLite stores whatever bytes it is given as TEXT; a file
// declared UTF-8 must not carry them (strict readers refuse the whole file),
// and JSON and XLSX could only ever hold U+FFFD in their place, so every
// format now reads the same.
func appendUTF8(dst []byte, v string) []byte {
	if utf8.ValidString(v) {
		return append(dst, v...)
	}
	for len(v) > 0 {
		r, size := utf8.DecodeRuneInString(v)
		if r == utf8.RuneError && size == 1 {
			dst = append(dst, "\uFFFD"...)
		} else {
			dst = append(dst, v[:size]...)
		}
		v = v[size:]
	}
	return dst
}

// finish closes the result and the connection, keeping err.
func (r *sqRows) finish(err error) {
	r.done = true
	if err != nil {
		r.err = nameCell(r.s.classify(r.parent, r.ss.ctx, err, r.ss.stmt), r.ss.cols)
	}
	r.rows.Close()
	r.ss.close()
}

// nameCell names the column of a cell limit error when the result has
// only one: SQLite does not say which value was too big.
func nameCell(err error, cols []facteur.Column) error {
	if limit, ok := err.(*facteur.LimitError); ok && len(cols) == 1 {
		limit.Column = cols[0].Name
	}
	return err
}

// Row returns the current row; see facteur.Rows.
func (r *sqRows) Row() [][]byte { return r.row }

// Kinds returns the kind of each value of the current row; see
// facteur.KindedRows.
func (r *sqRows) Kinds() []facteur.Kind { return r.kinds }

// Err returns the error that ended the stream, if any.
func (r *sqRows) Err() error { return r.err }

// Close releases the connection.
func (r *sqRows) Close() error {
	if r.closed {
		return nil
	}
	r.closed = true
	if !r.done {
		r.done = true
		r.rows.Close()
		r.ss.close()
	}
	return nil
}
