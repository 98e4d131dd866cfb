package export_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/facteur/facteur"
	"github.com/facteur/facteur/export"
	"github.com/facteur/facteur/format/formattest"
	"github.com/facteur/facteur/source"
)

// pgText returns PostgreSQL's own text of every value of sql, in UTC, nil
// for NULL: the reference the Parquet files are compared with.
func pgText(t *testing.T, conn *pgx.Conn, sql string) [][]*string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := conn.Exec(ctx, "SET TimeZone = 'UTC'"); err != nil {
		t.Fatal(err)
	}
	rows, err := conn.Query(ctx, sql, pgx.QueryExecModeSimpleProtocol) // every value as the server's text
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out [][]*string
	for rows.Next() {
		var row []*string
		for _, raw := range rows.RawValues() {
			if raw == nil {
				row = append(row, nil)
				continue
			}
			s := string(raw)
			row = append(row, &s)
		}
		out = append(out, row)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// parquetCheck is what a column of a Parquet export must be: its type as
// DuckDB reads it, the logical type the file declares (a part of it), and
// how DuckDB's text of a value compares with PostgreSQL's.
type parquetCheck struct {
	duckdb, logical string
	same            func(duck, pg string) bool
}

func sameText(duck, pg string) bool { return duck == pg }

// sameFloat compares two texts as the floats of bits bits they read as.
func sameFloat(bits int) func(duck, pg string) bool {
	return func(duck, pg string) bool {
		a, err1 := strconv.ParseFloat(duck, bits)
		b, err2 := strconv.ParseFloat(pg, bits)
		return err1 == nil && err2 == nil && a == b
	}
}

// checkParquet exports query from src as Parquet with codec, reads the
// file back with DuckDB and compares each column's types and each value
// with PostgreSQL's text of ref, the same query with every value cast to
// text where PostgreSQL's text and DuckDB's differ in form (bytea as
// base64).
func checkParquet(t *testing.T, src facteur.Querier, conn *pgx.Conn, query, ref, codec string, cols map[string]parquetCheck) {
	t.Helper()
	e := runExport(t, src, facteur.Query{SQL: query}, nil, facteur.FormatOptions{Format: "parquet", Codec: codec})
	f := formattest.ReadParquet(t, e.data)
	want := pgText(t, conn, ref)
	if codecs := strings.ToUpper(codec); f.Meta.Codecs != codecs && !(codec == "" && f.Meta.Codecs == "ZSTD") {
		t.Errorf("DuckDB reads the codecs %q, want %s", f.Meta.Codecs, codecs)
	}
	if len(f.Columns) != len(cols) || len(f.Schema) != len(cols)+1 {
		t.Fatalf("DuckDB reads %d columns (%d schema elements), want %d", len(f.Columns), len(f.Schema), len(cols))
	}
	for i, c := range f.Columns {
		w, ok := cols[c.Name]
		switch el := f.Schema[i+1]; {
		case !ok:
			t.Errorf("column %d is %q, which the query does not have", i, c.Name)
			continue
		case c.Type != w.duckdb:
			t.Errorf("column %s: DuckDB reads %s, want %s", c.Name, c.Type, w.duckdb)
		case w.logical != "" && (el.LogicalType == nil || !strings.Contains(*el.LogicalType, w.logical)):
			t.Errorf("column %s: logical type %s, want %s", c.Name, show(el.LogicalType), w.logical)
		case el.RepetitionType == nil || *el.RepetitionType != "OPTIONAL":
			t.Errorf("column %s: repetition %s, want OPTIONAL (nullable)", c.Name, show(el.RepetitionType))
		}
	}
	if len(f.Rows) != len(want) {
		t.Fatalf("DuckDB reads %d rows, PostgreSQL has %d", len(f.Rows), len(want))
	}
	for r, row := range f.Rows {
		for i, got := range row {
			c := f.Columns[i]
			pg := want[r][i]
			switch {
			case got == nil && pg == nil:
			case got == nil || pg == nil:
				t.Errorf("row %d, %s: DuckDB reads %s, PostgreSQL %s", r+1, c.Name, show(got), show(pg))
			case !cols[c.Name].same(*got, *pg):
				t.Errorf("row %d, %s: DuckDB reads %q, PostgreSQL %q", r+1, c.Name, *got, *pg)
			}
		}
	}
}

func show(s *string) string {
	if s == nil {
		return "null"
	}
	return strconv.Quote(*s)
}

// TestParquetPostgres exports the awkward fixture from PostgreSQL as
// Parquet, with each codec, and reads it back with DuckDB: every column
// has the Parquet type of its PostgreSQL type (numeric(38,0) a
// DECIMAL(38,0), timestamptz a TIMESTAMP adjusted to UTC, timestamp one
// that is not) and every value is PostgreSQL's own.
func TestParquetPostgres(t *testing.T) {
	fx := pgFixture(t)
	table := strings.TrimPrefix(fx.query.SQL, "SELECT * FROM ")
	ref := `SELECT id, label, big, amount, ratio, at, at_local, day,
		translate(encode(payload, 'base64'), E'\n', ''), flag::text FROM ` + table
	cols := map[string]parquetCheck{
		"id":       {"BIGINT", "IntType(bitWidth=@, isSigned=1)", sameText},
		"label":    {"VARCHAR", "StringType", sameText},
		"big":      {"DECIMAL(38,0)", "DecimalType(scale=0, precision=38)", sameText},
		"amount":   {"DECIMAL(12,2)", "DecimalType(scale=2, precision=12)", sameText},
		"ratio":    {"DOUBLE", "", sameFloat(64)},
		"at":       {"TIMESTAMP WITH TIME ZONE", "TimestampType(isAdjustedToUTC=1, unit=TimeUnit(MILLIS=<null>, MICROS=MicroSeconds()", sameText},
		"at_local": {"TIMESTAMP", "TimestampType(isAdjustedToUTC=0, unit=TimeUnit(MILLIS=<null>, MICROS=MicroSeconds()", sameText},
		"day":      {"DATE", "DateType", sameText},
		"payload":  {"BLOB", "", sameText},
		"flag":     {"BOOLEAN", "", sameText},
	}
	for _, codec := range []string{"", facteur.CodecSnappy} {
		t.Run("codec "+codec, func(t *testing.T) {
			checkParquet(t, fx.src, fx.pg, fx.query.SQL, ref, codec, cols)
		})
	}

	// The types the fixture does not have: json, a numeric without a
	// precision (text, "NaN" included), time, smallint, real, uuid.
	// A VALUES list keeps no type modifier: the outer casts declare them.
	values := `SELECT id, jb, j, free, nan, t, s, r, u, small_dec::numeric(5,2) AS small_dec, mid_dec::numeric(19,4) AS mid_dec FROM (VALUES
		(1, '{"a": [1, 2.50, -0], "b": "x\"y"}'::jsonb, '{"k":  "v"}'::json, 12.5::numeric, 'NaN'::numeric, '23:59:59.125'::time,
		 '-32768'::smallint, 0.1::real, 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'::uuid, 5::numeric(5,2), -1.5::numeric(19,4)),
		(2, 'null'::jsonb, NULL, -0.000000000000000000000000000001::numeric, NULL, '24:00:00'::time,
		 NULL, 'Infinity'::real, NULL, -999.99::numeric(5,2), 999999999999999.9999::numeric(19,4)),
		(3, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)
	) AS v(id, jb, j, free, nan, t, s, r, u, small_dec, mid_dec) ORDER BY id`
	more := map[string]parquetCheck{
		"id":        {"BIGINT", "", sameText},
		"jb":        {"JSON", "JsonType", sameText},
		"j":         {"JSON", "JsonType", sameText},
		"free":      {"VARCHAR", "StringType", sameText},
		"nan":       {"VARCHAR", "StringType", sameText},
		"t":         {"TIME", "TimeType(isAdjustedToUTC=0, unit=TimeUnit(MILLIS=<null>, MICROS=MicroSeconds()", sameText},
		"s":         {"BIGINT", "", sameText},
		"r":         {"FLOAT", "", sameFloat(32)},
		"u":         {"VARCHAR", "StringType", sameText},
		"small_dec": {"DECIMAL(5,2)", "DecimalType(scale=2, precision=5)", sameText},
		"mid_dec":   {"DECIMAL(19,4)", "DecimalType(scale=4, precision=19)", sameText},
	}
	checkParquet(t, fx.src, fx.pg, values, values, "", more)
}

// TestParquetMariaDB: MariaDB's DECIMAL(p,s) columns are Parquet DECIMALs
// of the same precision and scale, holding the fixture's digits.
func TestParquetMariaDB(t *testing.T) {
	fx := myFixture(t)
	e := runExport(t, fx.src, fx.query, nil, facteur.FormatOptions{Format: "parquet"})
	f := formattest.ReadParquet(t, e.data)
	types := map[string]string{}
	for _, c := range f.Columns {
		types[c.Name] = c.Type
	}
	for name, want := range map[string]string{"id": "BIGINT", "big": "DECIMAL(38,0)", "amount": "DECIMAL(12,2)", "ratio": "DOUBLE",
		"at": "TIMESTAMP WITH TIME ZONE", "at_local": "TIMESTAMP", "day": "DATE", "payload": "BLOB", "label": "VARCHAR"} {
		if types[name] != want {
			t.Errorf("column %s: DuckDB reads %s, want %s", name, types[name], want)
		}
	}
	for i, r := range fixtureRows() {
		for j, want := range []any{r.big, r.amount} {
			got := f.Rows[i][2+j]
			if w, ok := want.(string); ok != (got != nil) || ok && *got != w {
				t.Errorf("row %d, %s: DuckDB reads %s, want %v", r.id, f.Columns[2+j].Name, show(got), want)
			}
		}
	}
}

// TestParquetSQLite: an SQLite column is typed from its declared type. A
// value of another form or storage class (an instant with an offset in a
// TIMESTAMP column, which is a date and time without zone; text in an
// INTEGER column) fails the export with a message naming the column and
// the row; a column without a declared type is text, whatever its values.
func TestParquetSQLite(t *testing.T) {
	fx := sqFixture(t)
	path := filepath.Join(t.TempDir(), "out.parquet")
	_, err := export.Run(context.Background(), export.Spec{Source: fx.src, Query: fx.query, Format: facteur.FormatOptions{Format: "parquet"}, Path: path})
	if msg := facteur.ErrorMessage(err); !strings.Contains(msg, `column "at", row 1: "2024-03-31T01:00:00+00:00" is not a TIMESTAMP`) || !strings.Contains(msg, "cast the column to text") {
		t.Errorf("an instant in an SQLite TIMESTAMP column: error %v, want one naming the column, the row and what to do", err)
	}

	q := facteur.Query{SQL: `SELECT id, label, amount, ratio, day, payload, flag, CASE WHEN id % 2 = 0 THEN id ELSE label END AS mixed FROM awkward ORDER BY id`}
	e := runExport(t, fx.src, q, nil, facteur.FormatOptions{Format: "parquet"})
	f := formattest.ReadParquet(t, e.data)
	var types []string
	for _, c := range f.Columns {
		types = append(types, c.Type)
	}
	// DECIMAL(12,2) in SQLite holds reals: its precision is not known, so text.
	if got := strings.Join(types, " "); got != "BIGINT VARCHAR VARCHAR DOUBLE DATE BLOB BOOLEAN VARCHAR" {
		t.Errorf("DuckDB reads the types %s", got)
	}
	for i, r := range fixtureRows() {
		want := r.label
		if r.id%2 == 0 {
			want = strconv.FormatInt(r.id, 10)
		}
		if got := f.Rows[i][7]; want == nil && got != nil || want != nil && (got == nil || *got != want.(string)) {
			t.Errorf("row %d, mixed: DuckDB reads %s, want %v", r.id, show(got), want)
		}
	}

	_, err = export.Run(context.Background(), export.Spec{Source: openSQLiteTable(t), Query: facteur.Query{SQL: "SELECT n FROM t ORDER BY rowid"}, Format: facteur.FormatOptions{Format: "parquet"}, Path: path})
	if msg := facteur.ErrorMessage(err); facteur.ErrorCode(err) != facteur.EINVALID || !strings.Contains(msg, `column "n", row 2: a text value ("x") in a column of int values`) {
		t.Errorf("text in an SQLite INTEGER column: error %v", err)
	}
}

// openSQLiteTable returns an SQLite source whose table t has an INTEGER
// column n holding 1, then the text 'x'.
func openSQLiteTable(t *testing.T) facteur.Querier {
	t.Helper()
	path := filepath.Join(t.TempDir(), "mixed.db")
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(`CREATE TABLE t (n INTEGER); INSERT INTO t VALUES (1), ('x')`); err != nil {
		t.Fatal(err)
	}
	return openSource(t, "sqlite:"+path, source.Options{})
}
