package source

import (
	"context"
	"io"
	"testing"

	"github.com/facteur/facteur"
)

// benchQueries generate 1,000,000 rows: "mixed" has the kinds an export
// holds, among them timestamptz and boolean, which COPY has to convert;
// "plain" only kinds whose PostgreSQL text is already canonical.
var benchQueries = []struct{ name, sql string }{
	{"mixed", `SELECT g AS id, 'customer ' || g AS name, g * 0.01 AS amount, g::float8 / 7 AS ratio,
	timestamptz '2024-01-01' + g * interval '1 second' AS at, g % 2 = 0 AS even, date '2024-01-01' + g % 365 AS day
	FROM generate_series(1, 1000000) g`},
	{"plain", `SELECT g AS id, 'customer ' || g AS name, g * 0.01 AS amount, g::float8 / 7 AS ratio,
	'2024-01-01'::date + g % 365 AS day, 'label "' || g % 10 || '", done' AS note
	FROM generate_series(1, 1000000) g`},
}

// countingWriter counts the bytes written to it.
type countingWriter struct{ n int64 }

func (w *countingWriter) Write(p []byte) (int, error) { w.n += int64(len(p)); return len(p), nil }

// BenchmarkPostgresCSV compares reading 1,000,000 rows with Query and
// writing them as CSV row by row, with CopyCSV; MB/s is of CSV written.
func BenchmarkPostgresCSV(b *testing.B) {
	dsn := pgDSN(b)
	src := open(b, dsn, Options{TimeZone: "Europe/Paris"})
	ctx := context.Background()
	for _, bq := range benchQueries {
		q := facteur.Query{SQL: bq.sql}
		b.Run(bq.name+"/Query", func(b *testing.B) {
			for b.Loop() {
				rows, err := src.Query(ctx, q)
				if err != nil {
					b.Fatal(err)
				}
				w := &countingWriter{}
				buf := make([]byte, 0, 64<<10)
				for rows.Next() {
					buf = appendCSV(buf, rows.Row(), ',')
					if len(buf) > 60<<10 {
						w.Write(buf)
						buf = buf[:0]
					}
				}
				w.Write(buf)
				if err := rows.Err(); err != nil {
					b.Fatal(err)
				}
				rows.Close()
				b.SetBytes(w.n)
			}
		})
		b.Run(bq.name+"/CopyCSV", func(b *testing.B) {
			for b.Loop() {
				w := &countingWriter{}
				if _, err := src.(CSVCopier).CopyCSV(ctx, q, nil, ',', w); err != nil {
					b.Fatal(err)
				}
				b.SetBytes(w.n)
			}
		})
	}
}

var _ io.Writer = (*countingWriter)(nil)
