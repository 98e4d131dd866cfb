package source

import (
	"context"
	"database/sql"
	"strconv"
	"strings"
	"time"

	"github.com/facteur/facteur"
)

// myConv says how MySQL's text of a value becomes canonical text.
type myConv uint8

const (
	myAsIs      myConv = iota // MySQL's text is canonical
	myFloat                   // DOUBLE: reprinted as PostgreSQL prints a float8
	myFloat32                 // FLOAT: reprinted as PostgreSQL prints a float4
	myDateTime                // "2024-03-31 02:30:00.000000" -> "2024-03-31T02:30:00"
	myTimestamp               // session offset -> Options.TimeZone, with offset
	myTime                    // "14:30:00.250000" -> "14:30:00.25"
	myBit                     // big-endian bits -> decimal
	myBytes                   // binary -> base64
)

// myColumns maps the result columns to kinds, by the type name the driver
// reports.
//
// MySQL has no real boolean: BOOLEAN is TINYINT(1) and BIT(1) a one-bit
// number, so both are KindInt ("0", "1"). MariaDB's JSON is LONGTEXT and
// reads as KindText; MySQL's own JSON type is KindJSON.
func myColumns(types []*sql.ColumnType) ([]facteur.Column, []myConv) {
	cols := make([]facteur.Column, len(types))
	convs := make([]myConv, len(types))
	for i, t := range types {
		name := t.DatabaseTypeName()
		kind, conv := facteur.KindText, myAsIs
		switch strings.TrimPrefix(name, "UNSIGNED ") {
		case "TINYINT", "SMALLINT", "MEDIUMINT", "INT", "BIGINT", "YEAR":
			kind = facteur.KindInt
		case "BIT":
			kind, conv = facteur.KindInt, myBit
		case "DECIMAL":
			kind = facteur.KindDecimal
		case "FLOAT":
			kind, conv = facteur.KindFloat, myFloat32
		case "DOUBLE":
			kind, conv = facteur.KindFloat, myFloat
		case "DATETIME":
			kind, conv = facteur.KindDateTime, myDateTime
		case "TIMESTAMP":
			kind, conv = facteur.KindTimestamp, myTimestamp
		case "DATE":
			kind = facteur.KindDate
		case "TIME":
			kind, conv = facteur.KindTime, myTime
		case "JSON":
			kind = facteur.KindJSON
		case "BLOB", "TINYBLOB", "MEDIUMBLOB", "LONGBLOB", "BINARY", "VARBINARY", "GEOMETRY":
			kind, conv = facteur.KindBytes, myBytes
		}
		cols[i] = facteur.Column{Name: t.Name(), Kind: kind, DBType: name}
		if kind == facteur.KindDecimal {
			cols[i].Precision, cols[i].Scale = myDecimalDigits(t)
		}
		convs[i] = conv
	}
	return cols, convs
}

// myDecimalDigits returns the precision and scale of a DECIMAL column, 0, 0
// when the driver does not know them. The driver derives the precision from
// the column's display length, which counts a sign; the protocol does not
// tell an UNSIGNED DECIMAL (deprecated since MySQL 8.0.17) from a signed
// one, so an UNSIGNED DECIMAL(p,s) reads as precision p-1.
func myDecimalDigits(t *sql.ColumnType) (precision, scale int) {
	p, s, ok := t.DecimalSize()
	if !ok || p < 1 || s < 0 || s > p || p > 65 {
		return 0, 0
	}
	return int(p), int(s)
}

// myRows streams the rows of a MySQL query read as sql.RawBytes. Values
// whose text is canonical are handed on without a copy; the others are
// rewritten into a buffer per column.
type myRows struct {
	m      *MySQL
	parent context.Context
	s      *mySession
	rows   *sql.Rows
	cols   []facteur.Column
	convs  []myConv
	raw    []sql.RawBytes
	dest   []any
	row    [][]byte
	bufs   [][]byte
	err    error
	done   bool
	closed bool
}

func newMyRows(m *MySQL, parent context.Context, s *mySession, rows *sql.Rows) (*myRows, error) {
	types, err := rows.ColumnTypes()
	if err != nil {
		return nil, err
	}
	cols, convs := myColumns(types)
	r := &myRows{
		m: m, parent: parent, s: s, rows: rows, cols: cols, convs: convs,
		raw:  make([]sql.RawBytes, len(cols)),
		dest: make([]any, len(cols)),
		row:  make([][]byte, len(cols)),
		bufs: make([][]byte, len(cols)),
	}
	for i := range r.raw {
		r.dest[i] = &r.raw[i]
		if convs[i] != myAsIs {
			r.bufs[i] = make([]byte, 0, 64)
		}
	}
	return r, nil
}

// Columns returns the result columns.
func (r *myRows) Columns() []facteur.Column { return r.cols }

// Next reads the next row; it returns false at the end of the result or
// on an error, which Err then returns.
func (r *myRows) Next() bool {
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
	for i, v := range r.raw {
		if v == nil {
			r.row[i] = nil
			continue
		}
		if int64(len(v)) > r.m.opt.MaxCell {
			// Drop the connection rather than read the rest of the result.
			r.done = true
			r.s.cancel()
			r.rows.Close()
			r.s.close(true)
			r.err = cellError(r.cols[i].Name, r.m.opt.MaxCell)
			return false
		}
		if r.convs[i] == myAsIs {
			r.row[i] = v
			continue
		}
		r.bufs[i] = r.convert(r.bufs[i][:0], r.convs[i], v)
		r.row[i] = r.bufs[i]
	}
	return true
}

// convert appends the canonical text of v.
func (r *myRows) convert(dst []byte, conv myConv, v []byte) []byte {
	switch conv {
	case myFloat, myFloat32:
		bits := 64
		if conv == myFloat32 {
			bits = 32
		}
		f, err := strconv.ParseFloat(string(v), bits)
		if err != nil {
			return append(dst, v...)
		}
		return appendFloat(dst, f, bits)
	case myTimestamp:
		if t, ok := parseMySQLDateTime(v, r.s.session); ok {
			return appendInstant(dst, t, r.m.loc)
		}
		fallthrough // the zero date "0000-00-00 00:00:00" has no instant
	case myDateTime:
		if out, ok := appendDateTime(dst, v); ok {
			return out
		}
	case myTime:
		if out, ok := appendClock(dst, v); ok {
			return out
		}
	case myBit:
		var n uint64
		for _, b := range v {
			n = n<<8 | uint64(b)
		}
		return strconv.AppendUint(dst, n, 10)
	case myBytes:
		return appendBase64(dst, v)
	}
	return append(dst, v...)
}

// parseMySQLDateTime reads "YYYY-MM-DD HH:MM:SS[.ffffff]" in loc.
func parseMySQLDateTime(b []byte, loc *time.Location) (time.Time, bool) {
	if len(b) < 19 || b[4] != '-' || b[7] != '-' || b[10] != ' ' || b[13] != ':' || b[16] != ':' {
		return time.Time{}, false
	}
	for _, p := range [][2]int{{0, 4}, {5, 7}, {8, 10}, {11, 13}, {14, 16}, {17, 19}} {
		if !digits(b[p[0]:p[1]]) {
			return time.Time{}, false
		}
	}
	year, month, day := atoi(b[0:4]), atoi(b[5:7]), atoi(b[8:10])
	if month < 1 || month > 12 || day < 1 || day > 31 {
		return time.Time{}, false
	}
	nsec := 0
	if frac := b[19:]; len(frac) > 0 {
		if frac[0] != '.' || len(frac) > 10 || !digits(frac[1:]) {
			return time.Time{}, false
		}
		nsec = atoi(frac[1:])
		for i := len(frac) - 1; i < 9; i++ {
			nsec *= 10
		}
	}
	return time.Date(year, time.Month(month), day, atoi(b[11:13]), atoi(b[14:16]), atoi(b[17:19]), nsec, loc), true
}

// finish closes the result and the session, keeping err.
func (r *myRows) finish(err error) {
	r.done = true
	if err != nil {
		r.err = r.m.classify(r.parent, r.s.ctx, err, r.s.stmt)
	}
	r.rows.Close()
	r.s.close(err != nil)
}

// Row returns the current row; see facteur.Rows.
func (r *myRows) Row() [][]byte { return r.row }

// Err returns the error that ended the stream, if any.
func (r *myRows) Err() error { return r.err }

// Close releases the connection. Closing before the end of the result
// drops the connection rather than reading the rows left.
func (r *myRows) Close() error {
	if r.closed {
		return nil
	}
	r.closed = true
	if !r.done {
		r.done = true
		r.s.cancel()
		r.rows.Close()
		r.s.close(true)
	}
	return nil
}
