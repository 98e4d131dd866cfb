package source

import (
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
func (p *Postgres) CopyCSV(ctx context.Context, q facteur.Query, columns []string, delim byte, w io.Writer) (int64, error) {
	if delim == '"' || delim == '\r' || delim == '\n' || delim == 0 || delim >= 0x80 {
		return 0, facteur.Errorf(facteur.EINVALID, "delimiter: COPY cannot use %q; use one ASCII character other than a quote or a line break", delim)
	}
	if len(q.Params) > 0 {
		// COPY takes no bind parameters, and a value is never written into the SQL.
		return 0, facteur.Errorf(facteur.EINVALID, "params: COPY cannot bind parameters; read the rows with Query")
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
	ew := &errWriter{w: w}
	tag, err := s.conn.CopyTo(s.ctx, ew, copySQL(s, idx, delim))
	if ew.err != nil {
		return 0, fmt.Errorf("write csv: %w", ew.err)
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

// errWriter passes writes to w and remembers w's first error, to tell it
// from an error of the database.
type errWriter struct {
	w   io.Writer
	err error
}

// Write implements io.Writer.
func (e *errWriter) Write(p []byte) (int, error) {
	n, err := e.w.Write(p)
	if err != nil && e.err == nil {
		e.err = err
	}
	return n, err
}
