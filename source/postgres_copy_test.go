package source

import (
	"bytes"
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/facteur/facteur"
	"github.com/facteur/facteur/format"
)

// csvFromRows builds, from the rows Query returns, the CSV that CopyCSV
// must write.
func csvFromRows(t *testing.T, src facteur.Querier, q facteur.Query, columns []string, delim byte) ([]byte, int64) {
	t.Helper()
	rows, err := src.Query(context.Background(), q)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	idx, err := selectColumns(rows.Columns(), columns)
	if err != nil {
		t.Fatal(err)
	}
	var out []byte
	var n int64
	cells := make([][]byte, len(idx))
	for rows.Next() {
		for j, i := range idx {
			cells[j] = rows.Row()[i]
		}
		out = appendCSV(out, cells, delim)
		n++
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out, n
}

// pgCopyTable is pgEveryType with more rows of what CSV must quote.
func pgCopyTable(t *testing.T) (dsn, table string) {
	t.Helper()
	dsn, table, admin := pgEveryType(t)
	pgExec(t, admin, `INSERT INTO `+table+` (id, b, t, vc, tz, ts, by, j) VALUES
		(4, NULL, 'x', E'\\.', '2024-07-01 12:00:00.123456+05:30', '2024-07-01 12:00:00.1', 'plain', '"quoted, text"'),
		(5, true, E'semi;colon|pipe\ttab', 'say "hi"', '2024-01-01 00:00:00-03:30', '0044-03-15 12:00:00 BC', '\xdeadbeef', 'null'),
		(6, false, '', NULL, '0044-03-15 12:00:00+00 BC', '12024-01-01 00:00:00', E'\\x0a', '[]'),
		(7, true, E'line\nbreak', E'cr\rhere', '1999-12-31 23:59:59.999999+14', NULL, NULL, NULL)`)
	return dsn, table
}

func TestPostgresCopyCSV(t *testing.T) {
	t.Parallel()
	dsn, table := pgCopyTable(t)
	q := facteur.Query{SQL: "SELECT * FROM " + table + " ORDER BY id;"}
	for _, zone := range []string{"Europe/Paris", "Asia/Kolkata", "America/St_Johns"} {
		src := open(t, dsn, Options{TimeZone: zone})
		copier, ok := src.(CSVCopier)
		if !ok {
			t.Fatal("the PostgreSQL querier is not a CSVCopier")
		}
		for _, delim := range []byte{',', ';', '\t', '|'} {
			for _, cols := range [][]string{nil, {"tz", "id", "t", "b", "by", "ts", "vc"}, {"vc"}} {
				want, wantRows := csvFromRows(t, src, q, cols, delim)
				var got bytes.Buffer
				n, err := copier.CopyCSV(context.Background(), q, cols, delim, &got)
				if err != nil {
					t.Fatalf("%s %q: CopyCSV: %v", zone, delim, err)
				}
				if n != wantRows || n != 7 {
					t.Errorf("%s %q: CopyCSV wrote %d records, Query read %d, want 7", zone, delim, n, wantRows)
				}
				if !bytes.Equal(got.Bytes(), want) {
					t.Errorf("%s %q %v: CopyCSV output differs from the rows:\n%s", zone, delim, cols, firstDiff(got.Bytes(), want))
				}
			}
		}
	}
}

// TestPostgresCopyCSVMatchesFormat checks the contract of CSVCopier against
// package format's CSV writer itself.
func TestPostgresCopyCSVMatchesFormat(t *testing.T) {
	t.Parallel()
	dsn, table := pgCopyTable(t)
	src := open(t, dsn, Options{TimeZone: "Asia/Kolkata"})
	q := facteur.Query{SQL: "SELECT * FROM " + table + " ORDER BY id"}
	for _, delim := range []byte{',', ';', '\t'} {
		for _, cols := range [][]string{nil, {"vc"}} {
			rows, err := src.Query(context.Background(), q)
			if err != nil {
				t.Fatal(err)
			}
			idx, err := selectColumns(rows.Columns(), cols)
			if err != nil {
				t.Fatal(err)
			}
			sel := make([]facteur.Column, len(idx))
			for j, i := range idx {
				sel[j] = rows.Columns()[i]
			}
			var want bytes.Buffer
			enc := format.NewCSVEncoder(&want, sel, format.CSVOptions{NoHeader: true, Delimiter: rune(delim)})
			cells := make([][]byte, len(idx))
			for rows.Next() {
				for j, i := range idx {
					cells[j] = rows.Row()[i]
				}
				if err := enc.Write(cells, nil); err != nil {
					t.Fatal(err)
				}
			}
			if err := rows.Err(); err != nil {
				t.Fatal(err)
			}
			rows.Close()
			if err := enc.Close(); err != nil {
				t.Fatal(err)
			}
			var got bytes.Buffer
			if _, err := src.(CSVCopier).CopyCSV(context.Background(), q, cols, delim, &got); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got.Bytes(), want.Bytes()) {
				t.Errorf("%q %v: CopyCSV differs from format's CSV writer:\n%s", delim, cols, firstDiff(got.Bytes(), want.Bytes()))
			}
		}
	}
}

// firstDiff shows the first line where got and want differ.
func firstDiff(got, want []byte) string {
	g, w := strings.Split(string(got), "\n"), strings.Split(string(want), "\n")
	for i := range max(len(g), len(w)) {
		var a, b string
		if i < len(g) {
			a = g[i]
		}
		if i < len(w) {
			b = w[i]
		}
		if a != b {
			return "line " + strconv.Itoa(i+1) + ":\n got  " + strings.ReplaceAll(a, "\r", `\r`) + "\n want " + strings.ReplaceAll(b, "\r", `\r`)
		}
	}
	return ""
}

func TestPostgresCopyCSVSingleColumn(t *testing.T) {
	t.Parallel()
	dsn := pgDSN(t)
	src := open(t, dsn, Options{})
	var got bytes.Buffer
	q := facteur.Query{SQL: `SELECT x FROM (VALUES ('\.'), (''), (NULL), ('a')) v(x)`}
	if _, err := src.(CSVCopier).CopyCSV(context.Background(), q, nil, ',', &got); err != nil {
		t.Fatal(err)
	}
	if want := "\"\\.\"\n\"\"\n\na\n"; got.String() != want {
		t.Errorf("CopyCSV = %q, want %q", got.String(), want)
	}
}

func TestPostgresCopyCSVErrors(t *testing.T) {
	t.Parallel()
	dsn := pgDSN(t)
	src := open(t, dsn, Options{Timeout: 300 * time.Millisecond})
	copier := src.(CSVCopier)
	ctx := context.Background()
	q := facteur.Query{SQL: "SELECT 1 AS a"}
	for _, d := range []byte{'"', '\n', '\r', 0, 0xa7} {
		_, err := copier.CopyCSV(ctx, q, nil, d, &bytes.Buffer{})
		wantCode(t, err, facteur.EINVALID, "delimiter:")
	}
	_, err := copier.CopyCSV(ctx, q, []string{"b"}, ',', &bytes.Buffer{})
	wantCode(t, err, facteur.EINVALID, `columns: the query returns no column "b"`)
	_, err = copier.CopyCSV(ctx, facteur.Query{SQL: "SELECT * FROM facteur_no_such_table"}, nil, ',', &bytes.Buffer{})
	wantCode(t, err, facteur.EINVALID, "sql:", "does not exist")
	_, err = copier.CopyCSV(ctx, facteur.Query{SQL: "SELECT pg_sleep(10)"}, nil, ',', &bytes.Buffer{})
	wantCode(t, err, facteur.EINVALID, "timeout")
	// A statement that changes data cannot even be wrapped in COPY.
	_, err = copier.CopyCSV(ctx, facteur.Query{SQL: "DELETE FROM pg_class RETURNING oid"}, nil, ',', &bytes.Buffer{})
	wantCode(t, err, facteur.EINVALID, "sql:")

	// A writer that fails stops the copy with its own error.
	boom := errors.New("disk full")
	_, err = copier.CopyCSV(ctx, facteur.Query{SQL: "SELECT g FROM generate_series(1, 100000) g"}, nil, ',', failingWriter{boom})
	if !errors.Is(err, boom) {
		t.Errorf("CopyCSV with a failing writer: %v, want %v", err, boom)
	}
}

type failingWriter struct{ err error }

func (w failingWriter) Write([]byte) (int, error) { return 0, w.err }
