package source

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/facteur/facteur"
)

// CopyCSV writes the rows of q to w as CSV made by PostgreSQL's COPY, which
// is several times faster than reading rows one by one. See CSVCopier for
// the format. The statement is prepared first, in the read-only
// transaction, to learn its columns; the columns whose PostgreSQL text is
// not canonical are converted by the server:
//
//	boolean                 CASE WHEN c THEN 'true' WHEN NOT c THEN 'false' END
//	timestamp(tz)           to_json(c) #>> '{}'   (ISO 8601 with 'T', offset ±HH:MM)
//	bytea                   translate(encode(c, 'base64'), E'\n', '')
//
// A field that is exactly `\.` is quoted here, as COPY quotes it only when
// a row has a single column.
func (p *Postgres) CopyCSV(ctx context.Context, q facteur.Query, columns []string, delim byte, w io.Writer) (int64, error) {
	if delim == '"' || delim == '\r' || delim == '\n' || delim == 0 || delim >= 0x80 {
		return 0, facteur.Errorf(facteur.EINVALID, "delimiter: COPY cannot use %q; use one ASCII character other than a quote or a line break", delim)
	}
	if columns != nil && len(columns) == 0 {
		return 0, facteur.Errorf(facteur.EINVALID, "columns: choose at least one column")
	}
	s, err := p.open(ctx, q)
	if err != nil {
		return 0, err
	}
	defer s.close()
	idx, err := selectColumns(s.cols, columns)
	if err != nil {
		return 0, err
	}
	guard := &csvGuard{w: w, delim: delim, atStart: true}
	tag, err := s.conn.CopyTo(s.ctx, guard, copySQL(s, idx, delim))
	if err == nil {
		err = guard.flush()
	}
	if guard.err != nil {
		return 0, fmt.Errorf("write csv: %w", guard.err)
	}
	if err != nil {
		return 0, p.classify(ctx, s.ctx, err, s.stmt)
	}
	return tag.RowsAffected(), nil
}

// selectColumns returns the indexes of the columns named, in their order;
// nil names every column. A name the result has twice selects the first.
func selectColumns(cols []facteur.Column, names []string) ([]int, error) {
	if names == nil {
		idx := make([]int, len(cols))
		for i := range idx {
			idx[i] = i
		}
		return idx, nil
	}
	idx := make([]int, len(names))
next:
	for j, n := range names {
		for i, c := range cols {
			if c.Name == n {
				idx[j] = i
				continue next
			}
		}
		return nil, facteur.Errorf(facteur.EINVALID, "columns: the query returns no column %q", n)
	}
	return idx, nil
}

// copySQL builds the COPY statement. The query's columns are renamed c1,
// c2, … by position, so that duplicate or odd names do not matter.
func copySQL(s *pgSession, idx []int, delim byte) string {
	var b strings.Builder
	b.WriteString("COPY (SELECT ")
	for j, i := range idx {
		if j > 0 {
			b.WriteString(", ")
		}
		c := "q.c" + strconv.Itoa(i+1)
		switch s.types[i].conv {
		case pgBool:
			b.WriteString("CASE WHEN " + c + " THEN 'true' WHEN NOT " + c + " THEN 'false' END")
		case pgTimestamptz, pgTimestamp:
			b.WriteString("pg_catalog.to_json(" + c + ") #>> '{}'")
		case pgBytea:
			b.WriteString("pg_catalog.translate(pg_catalog.encode(" + c + ", 'base64'), E'\\n', '')")
		default:
			b.WriteString(c)
		}
	}
	b.WriteString(" FROM (\n")
	b.WriteString(s.stmt.sql)
	b.WriteString("\n) AS q(")
	for i := range s.cols {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString("c" + strconv.Itoa(i+1))
	}
	b.WriteString(")) TO STDOUT (FORMAT csv, DELIMITER " + quoteLiteral(string(delim)) + ")")
	return b.String()
}

// csvGuard passes PostgreSQL's CSV through to w, quoting every field that
// is exactly `\.` (the end-of-data marker of COPY FROM), which COPY leaves
// bare unless the row has a single column. It follows the quoting across
// writes; a chunk without a backslash goes through untouched.
type csvGuard struct {
	w       io.Writer
	delim   byte
	inQuote bool // inside a quoted field
	atStart bool // at the start of a field
	held    int  // bytes of a possible `\.` field held back: 0, 1 (`\`) or 2 (`\.`)
	buf     []byte
	err     error // the first error of w
}

// Write implements io.Writer.
func (g *csvGuard) Write(p []byte) (int, error) {
	if g.held == 0 && bytes.IndexByte(p, '\\') < 0 {
		if err := g.write(p); err != nil {
			return 0, err
		}
		if len(p) > 0 {
			if bytes.Count(p, []byte{'"'})%2 == 1 {
				g.inQuote = !g.inQuote
			}
			last := p[len(p)-1]
			g.atStart = !g.inQuote && (last == g.delim || last == '\n')
		}
		return len(p), nil
	}
	g.buf = g.buf[:0]
	for _, c := range p {
		switch g.held {
		case 1:
			if c == '.' {
				g.held = 2
				continue
			}
			g.held = 0
			g.buf = append(g.buf, '\\')
		case 2:
			g.held = 0
			if c == g.delim || c == '\n' {
				g.buf = append(g.buf, `"\."`...)
				g.buf = append(g.buf, c)
				g.atStart = true
				continue
			}
			g.buf = append(g.buf, '\\', '.')
		}
		switch {
		case g.inQuote:
			g.inQuote = c != '"' // a doubled quote closes and reopens
		case c == '"':
			g.inQuote, g.atStart = true, false
		case c == g.delim || c == '\n':
			g.atStart = true
		case c == '\\' && g.atStart:
			g.held, g.atStart = 1, false
			continue
		default:
			g.atStart = false
		}
		g.buf = append(g.buf, c)
	}
	if err := g.write(g.buf); err != nil {
		return 0, err
	}
	return len(p), nil
}

// flush writes the bytes held back at the end of the data.
func (g *csvGuard) flush() error {
	defer func() { g.held = 0 }()
	switch g.held {
	case 1:
		return g.write([]byte{'\\'})
	case 2:
		return g.write([]byte(`"\."`))
	}
	return nil
}

// write writes b to w, remembering w's first error.
func (g *csvGuard) write(b []byte) error {
	if g.err != nil {
		return g.err
	}
	if len(b) == 0 {
		return nil
	}
	if _, err := g.w.Write(b); err != nil {
		g.err = err
		return err
	}
	return nil
}
