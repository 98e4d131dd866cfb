package format_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	mrand "math/rand/v2"
	"os"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"

	"github.com/facteur/facteur"
	"github.com/facteur/facteur/format"
)

// pgConnect connects to the test PostgreSQL server named by
// FACTEUR_TEST_POSTGRES. It fails the test when the server cannot be
// reached; only FACTEUR_TEST_POSTGRES=skip skips it.
func pgConnect(t *testing.T) *pgx.Conn {
	t.Helper()
	dsn := os.Getenv("FACTEUR_TEST_POSTGRES")
	if dsn == "skip" {
		t.Skip("SKIPPED: FACTEUR_TEST_POSTGRES=skip, so the CSV output is NOT compared with PostgreSQL's COPY")
	}
	if dsn == "" {
		dsn = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatalf("PostgreSQL is not reachable at %s (set FACTEUR_TEST_POSTGRES to its DSN, or to skip to skip these tests): %v", dsn, err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

// pgCopyCSV stores rows (all text) in a temporary table whose columns are
// named cols, and returns what COPY … TO STDOUT (FORMAT csv) writes for it.
func pgCopyCSV(t *testing.T, conn *pgx.Conn, cols []string, rows [][]string, delim rune, header bool) []byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	suffix := make([]byte, 6)
	rand.Read(suffix)
	table := "format_copy_" + hex.EncodeToString(suffix)
	defs := make([]string, len(cols))
	names := make([]string, len(cols))
	for i, c := range cols {
		names[i] = pgx.Identifier{c}.Sanitize()
		defs[i] = names[i] + " text"
	}
	if _, err := conn.Exec(ctx, fmt.Sprintf("CREATE TEMP TABLE %s (ord int, %s)", table, strings.Join(defs, ", "))); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		conn.Exec(ctx, "DROP TABLE IF EXISTS "+table)
	})
	batch := &pgx.Batch{}
	params := make([]string, len(cols))
	for i := range cols {
		params[i] = fmt.Sprintf("$%d", i+2)
	}
	insert := fmt.Sprintf("INSERT INTO %s VALUES ($1, %s)", table, strings.Join(params, ", "))
	for i, r := range rows {
		args := []any{i}
		for _, v := range r {
			if v == null {
				args = append(args, nil)
			} else {
				args = append(args, v)
			}
		}
		batch.Queue(insert, args...)
	}
	if err := conn.SendBatch(ctx, batch).Close(); err != nil {
		t.Fatal(err)
	}
	opts := fmt.Sprintf("FORMAT csv, HEADER %v, DELIMITER '%c'", header, delim)
	var out bytes.Buffer
	sql := fmt.Sprintf("COPY (SELECT %s FROM %s ORDER BY ord) TO STDOUT (%s)", strings.Join(names, ", "), table, opts)
	if _, err := conn.PgConn().CopyTo(ctx, &out, sql); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

// storable reports whether PostgreSQL can hold v as text (UTF-8, no NUL).
func storable(v string) bool {
	return v == null || utf8.ValidString(v) && !strings.ContainsRune(v, 0)
}

// TestCSVMatchesPostgresCopy checks that the CSV of the fixture, and of
// random values made of the characters that matter to quoting, is byte for
// byte what PostgreSQL's COPY writes.
func TestCSVMatchesPostgresCopy(t *testing.T) {
	t.Parallel()
	conn := pgConnect(t)

	var rows [][]string
	for _, r := range fixtureRows {
		ok := true
		for _, v := range r {
			ok = ok && storable(v)
		}
		if ok {
			rows = append(rows, r)
		}
	}
	if len(rows) < len(fixtureRows)-2 {
		t.Fatalf("only %d fixture rows can be stored in PostgreSQL", len(rows))
	}
	rng := mrand.New(mrand.NewPCG(1, 2))
	pieces := []string{",", ";", "\t", "|", `"`, `""`, "\r", "\n", "\r\n", " ", `\`, `\.`, ".", "a", "é", "日本", "🎉", "'", "#", "\\N"}
	random := func() string {
		if rng.IntN(10) == 0 {
			return null
		}
		var b strings.Builder
		for range rng.IntN(5) {
			b.WriteString(pieces[rng.IntN(len(pieces))])
		}
		return b.String()
	}
	for range 500 {
		r := make([]string, len(fixtureCols))
		for j := range r {
			r[j] = random()
		}
		rows = append(rows, r)
	}

	names := make([]string, len(fixtureCols))
	cols := make([]facteur.Column, len(fixtureCols))
	for i, c := range fixtureCols {
		names[i] = c.Name
		cols[i] = facteur.Column{Name: c.Name} // text: COPY writes the text as it is
	}
	names[1] = "with;semicolon"
	names[2] = "with\ttab"
	names[3] = "with space "
	names[4] = `\.`
	cols[1].Name, cols[2].Name, cols[3].Name, cols[4].Name = names[1], names[2], names[3], names[4]

	for _, tt := range []struct {
		delim  rune
		header bool
	}{{',', true}, {';', true}, {'\t', true}, {'|', false}} {
		t.Run(fmt.Sprintf("%q header=%v", tt.delim, tt.header), func(t *testing.T) {
			want := pgCopyCSV(t, conn, names, rows, tt.delim, tt.header)
			var got bytes.Buffer
			enc := format.NewCSVEncoder(&got, cols, format.CSVOptions{Delimiter: tt.delim, NoHeader: !tt.header})
			encodeAll(t, enc, toBytes(rows))
			if !bytes.Equal(got.Bytes(), want) {
				gl, wl := strings.SplitAfter(got.String(), "\n"), strings.SplitAfter(string(want), "\n")
				for i := range min(len(gl), len(wl)) {
					if gl[i] != wl[i] {
						t.Fatalf("line %d differs from PostgreSQL's COPY:\nfacteur:    %q\npostgresql: %q", i+1, gl[i], wl[i])
					}
				}
				t.Fatalf("output has %d lines, PostgreSQL's COPY %d", len(gl), len(wl))
			}
		})
	}

	// With a single column, \. alone on a line is quoted; so is an empty
	// string, and NULL is an empty line.
	t.Run("one column", func(t *testing.T) {
		one := [][]string{{`\.`}, {null}, {""}, {`\.\.`}, {"a"}, {`"`}}
		want := pgCopyCSV(t, conn, []string{`\.`}, one, ',', true)
		var got bytes.Buffer
		encodeAll(t, format.NewCSVEncoder(&got, []facteur.Column{{Name: `\.`}}, format.CSVOptions{}), toBytes(one))
		if !bytes.Equal(got.Bytes(), want) {
			t.Errorf("facteur:\n%q\npostgresql:\n%q", got.String(), want)
		}
	})
}
