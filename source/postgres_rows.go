package source

import (
	"bytes"
	"context"
	"encoding/hex"
	"fmt"
	"strconv"

	"github.com/facteur/facteur"
	"github.com/jackc/pgx/v5/pgconn"
)

// pgRows streams the rows of a PostgreSQL query. Values whose PostgreSQL
// text is canonical are handed on as they arrived, without a copy; the
// others, and those that came in binary format, are written into a buffer
// per column. Both are valid until the next call to Next.
type pgRows struct {
	p      *Postgres
	parent context.Context
	s      *pgSession
	rr     *pgconn.ResultReader
	convs  []pgConv
	bins   []pgBinary // s.bins
	row    [][]byte
	bufs   [][]byte
	raw    []byte // decoded bytea
	err    error
	done   bool // the result was read to its end, or failed
	closed bool
}

func newPgRows(p *Postgres, parent context.Context, s *pgSession, rr *pgconn.ResultReader) *pgRows {
	n := len(s.cols)
	r := &pgRows{
		p: p, parent: parent, s: s, rr: rr,
		convs: make([]pgConv, n),
		bins:  s.bins,
		row:   make([][]byte, n),
		bufs:  make([][]byte, n),
	}
	for i, t := range s.types {
		r.convs[i] = t.conv
		if t.conv != pgAsIs || s.bins[i] != pgText {
			r.bufs[i] = make([]byte, 0, 64)
		}
	}
	return r
}

// Columns returns the result columns.
func (r *pgRows) Columns() []facteur.Column { return r.s.cols }

// Next reads the next row; it returns false at the end of the result or
// on an error, which Err then returns.
func (r *pgRows) Next() bool {
	if r.done || r.closed {
		return false
	}
	if !r.rr.NextRow() {
		r.finish()
		return false
	}
	for i, v := range r.rr.Values() {
		if v == nil {
			r.row[i] = nil
			continue
		}
		if int64(len(v)) > r.p.opt.MaxCell {
			r.done = true
			r.s.close()
			r.err = cellError(r.s.cols[i].Name, r.p.opt.MaxCell)
			return false
		}
		if b := r.bins[i]; b != pgText {
			var ok bool
			if r.bufs[i], ok = appendPgBinary(r.bufs[i][:0], v, b, r.p.loc); !ok {
				r.fail(fmt.Errorf("column %q: %d bytes is not a binary %s", r.s.cols[i].Name, len(v), r.s.types[i].name))
				return false
			}
			r.row[i] = r.bufs[i]
			continue
		}
		switch r.convs[i] {
		case pgAsIs:
			r.row[i] = v
		case pgBool:
			r.bufs[i] = strconv.AppendBool(r.bufs[i][:0], len(v) > 0 && v[0] == 't')
			r.row[i] = r.bufs[i]
		case pgBytea:
			var err error
			if r.raw, err = hex.AppendDecode(r.raw[:0], bytes.TrimPrefix(v, []byte(`\x`))); err != nil {
				r.fail(fmt.Errorf("decode bytea of column %q: %w", r.s.cols[i].Name, err))
				return false
			}
			r.bufs[i] = appendBase64(r.bufs[i][:0], r.raw)
			r.row[i] = r.bufs[i]
		case pgTimestamptz:
			r.bufs[i] = appendPgTimestamp(r.bufs[i][:0], v, true)
			r.row[i] = r.bufs[i]
		case pgTimestamp:
			r.bufs[i] = appendPgTimestamp(r.bufs[i][:0], v, false)
			r.row[i] = r.bufs[i]
		}
	}
	return true
}

// finish reads the end of the result, keeps its error and releases the
// connection.
func (r *pgRows) finish() {
	_, err := r.rr.Close()
	r.done = true
	if err != nil {
		r.err = r.p.classify(r.parent, r.s.ctx, err, r.s.stmt)
	}
	r.s.close()
}

// fail stops the stream with err.
func (r *pgRows) fail(err error) {
	r.done = true
	r.s.close()
	r.err = facteur.WrapError(facteur.EINTERNAL, err, "The database sent a value Facteur cannot read.")
}

// Row returns the current row; see facteur.Rows.
func (r *pgRows) Row() [][]byte { return r.row }

// Err returns the error that ended the stream, if any.
func (r *pgRows) Err() error { return r.err }

// Close releases the connection. Closing before the end of the result
// drops the connection rather than reading the rows left.
func (r *pgRows) Close() error {
	if r.closed {
		return nil
	}
	r.closed = true
	if !r.done {
		r.done = true
		r.s.close()
	}
	return nil
}

// appendPgTimestamp appends PostgreSQL's ISO text of a timestamp (with its
// zone when withZone) in the canonical form, which is also what to_json
// prints: a 'T' between date and time, and an offset always ±HH:MM (or
// ±HH:MM:SS). "infinity", "-infinity" and a " BC" suffix are kept.
func appendPgTimestamp(dst, src []byte, withZone bool) []byte {
	sp := bytes.IndexByte(src, ' ')
	if sp < 0 || src[0] < '0' || src[0] > '9' {
		return append(dst, src...)
	}
	dst = append(dst, src[:sp]...)
	dst = append(dst, 'T')
	rest := src[sp+1:]
	bc := bytes.HasSuffix(rest, []byte(" BC"))
	if bc {
		rest = rest[:len(rest)-3]
	}
	dst = append(dst, rest...)
	if withZone {
		if j := bytes.LastIndexAny(rest, "+-"); j > 0 && len(rest)-j == 3 {
			dst = append(dst, ":00"...)
		}
	}
	if bc {
		dst = append(dst, " BC"...)
	}
	return dst
}
