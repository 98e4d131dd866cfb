package export_test

import (
	"archive/zip"
	"bytes"
	"encoding/base64"
	"encoding/json"
	"math/big"
	"strconv"
	"testing"
	"time"

	"github.com/facteur/facteur"
)

// formatVariant is one way of writing the fixture, and the extension of its
// golden file. The golden file of a csv.zip is the CSV inside it: the zip
// entry is dated when the export starts, so its bytes change from one run
// to the next. That of an xlsx is a dump of its cells as excelize reads
// them: a workbook's parts carry no date (two exports give the same bytes,
// which the test checks), but its bytes depend on the Deflate compressor
// and cannot be reviewed by eye.
type formatVariant struct {
	name string
	ext  string
	opts facteur.FormatOptions
}

var formatVariants = []formatVariant{
	{"csv", "csv", facteur.FormatOptions{Format: facteur.FormatCSV}},
	{"csv_noheader", "csv", facteur.FormatOptions{Format: facteur.FormatCSV, NoHeader: true}},
	{"csv_semicolon", "csv", facteur.FormatOptions{Format: facteur.FormatCSV, Delimiter: ";"}},
	{"csv_tab", "tsv", facteur.FormatOptions{Format: facteur.FormatCSV, Delimiter: "\t"}},
	{"csv_bom", "csv", facteur.FormatOptions{Format: facteur.FormatCSV, BOM: true}},
	{"csvzip", "csv", facteur.FormatOptions{Format: facteur.FormatCSVZip}},
	{"json", "json", facteur.FormatOptions{Format: facteur.FormatJSON}},
	{"ndjson", "ndjson", facteur.FormatOptions{Format: facteur.FormatNDJSON}},
	{"xlsx", "txt", facteur.FormatOptions{Format: facteur.FormatXLSX}},
}

// readable returns what the golden file of an export holds: the file itself,
// the CSV inside a csv.zip, or the cells of a workbook. It also checks what
// makes the raw bytes of the zip formats reproducible or not.
func readable(t *testing.T, v formatVariant, e exported) []byte {
	t.Helper()
	switch v.opts.Format {
	case facteur.FormatCSVZip:
		f, inner := unzipOne(t, e.data)
		if f.Name != "export.csv" || f.Method != zip.Deflate {
			t.Errorf("csv.zip entry %q, method %d; want export.csv, Deflate (8)", f.Name, f.Method)
		}
		// The entry is dated when the export started: two exports of the same
		// rows differ in these bytes, so the golden file is the inner CSV.
		if d := f.Modified.Sub(e.at); d < -2*time.Second || d > e.took+2*time.Second {
			t.Errorf("csv.zip entry dated %v, the export started at %v", f.Modified, e.at)
		}
		return inner
	case facteur.FormatXLSX:
		return dumpXLSX(readXLSX(t, e.data))
	}
	return e.data
}

// TestGoldenEverySourceEveryFormat exports the awkward fixture from
// PostgreSQL, MariaDB and SQLite, whole and through a projection, in every
// format, and compares each file with its golden file under testdata/golden/
// (go test ./export/ -update rewrites them). The projection keeps only
// columns whose values every database stores alike, so its files must also
// be byte-identical across the three sources; the whole-table JSON is
// compared value by value across sources in TestSameValuesEverySource.
func TestGoldenEverySourceEveryFormat(t *testing.T) {
	t.Parallel()
	sources := allFixtures(t)
	for _, proj := range []struct {
		prefix string
		fields []string
	}{{"", nil}, {"fields_", fixtureFields}} {
		for _, v := range formatVariants {
			byDB := make(map[string][]byte)
			for _, s := range sources {
				e := runExport(t, s.src, s.query, proj.fields, v.opts)
				if e.res.Rows != int64(len(fixtureRows())) {
					t.Errorf("%s %s%s: Result.Rows = %d, want %d", s.name, proj.prefix, v.name, e.res.Rows, len(fixtureRows()))
				}
				got := readable(t, v, e)
				golden(t, s.name+"_"+proj.prefix+v.name+"."+v.ext, got)
				byDB[s.name] = got
				if v.opts.Format == facteur.FormatXLSX {
					// The parts of a workbook carry no date: the same rows give
					// the same bytes.
					again := runExport(t, s.src, s.query, proj.fields, v.opts)
					if !bytes.Equal(again.data, e.data) {
						t.Errorf("%s %s%s: two exports of the same rows give different workbooks", s.name, proj.prefix, v.name)
					}
				}
			}
			if proj.fields != nil {
				for _, db := range []string{"mariadb", "sqlite"} {
					if !bytes.Equal(byDB[db], byDB["postgres"]) {
						t.Errorf("%s%s: %s and postgres differ; the projected columns must read the same everywhere:\n%s:\n%s\npostgres:\n%s",
							proj.prefix, v.name, db, db, byDB[db], byDB["postgres"])
					}
				}
			}
		}
	}
}

// TestSameValuesEverySource parses the JSON export of the whole fixture from
// each database and checks, value by value, what must be identical across
// sources — and the few documented differences.
func TestSameValuesEverySource(t *testing.T) {
	t.Parallel()
	rows := fixtureRows()
	parsed := make(map[string][][]jsonMember)
	for _, s := range allFixtures(t) {
		e := runExport(t, s.src, s.query, nil, facteur.FormatOptions{Format: facteur.FormatJSON})
		objs := parseObjects(t, e.data, true)
		if len(objs) != len(rows) {
			t.Fatalf("%s: %d objects, want %d", s.name, len(objs), len(rows))
		}
		for i, o := range objs {
			if len(o) != len(fixtureColumns) {
				t.Fatalf("%s %s: %d keys, want %d", s.name, describeRow(i), len(o), len(fixtureColumns))
			}
			for j, m := range o {
				if m.key != fixtureColumns[j] {
					t.Fatalf("%s %s: key %d is %q, want %q", s.name, describeRow(i), j, m.key, fixtureColumns[j])
				}
			}
		}
		parsed[s.name] = objs
	}
	pg, my, sq := parsed["postgres"], parsed["mariadb"], parsed["sqlite"]

	for i, r := range rows {
		cell := func(objs [][]jsonMember, col int) string { return string(objs[i][col].raw) }
		// Identical JSON text in the three sources.
		for _, col := range []int{0, 1, 4, 5, 6, 7, 8} {
			if p, m, s := cell(pg, col), cell(my, col), cell(sq, col); p != m || p != s {
				t.Errorf("%s column %s: postgres %s, mariadb %s, sqlite %s", describeRow(i), fixtureColumns[col], p, m, s)
			}
		}
		// And those values are the fixture's.
		want := wantJSON(t, r)
		for col, w := range want {
			if got := cell(pg, col); got != w {
				t.Errorf("%s column %s: %s, want %s", describeRow(i), fixtureColumns[col], got, w)
			}
		}
		// big: the same digits, a number from PostgreSQL and MariaDB, a
		// string from SQLite's TEXT column.
		wantBig, wantBigSQLite := "null", "null"
		if b, ok := r.big.(string); ok {
			wantBig, wantBigSQLite = b, strconv.Quote(b)
		}
		if p, m, s := cell(pg, 2), cell(my, 2), cell(sq, 2); p != wantBig || m != wantBig || s != wantBigSQLite {
			t.Errorf("%s column big: postgres %s, mariadb %s, sqlite %s; want %s, %s, %s", describeRow(i), p, m, s, wantBig, wantBig, wantBigSQLite)
		}
		// amount: every digit from PostgreSQL and MariaDB ("12.50"); SQLite
		// keeps a DECIMAL as a REAL, so the same number without its trailing
		// zeros ("12.5").
		if a, ok := r.amount.(string); ok {
			if p, m := cell(pg, 3), cell(my, 3); p != a || m != a {
				t.Errorf("%s column amount: postgres %s, mariadb %s, want %s", describeRow(i), p, m, a)
			}
			ws, _ := new(big.Rat).SetString(a)
			gs, ok := new(big.Rat).SetString(cell(sq, 3))
			if !ok || gs.Cmp(ws) != 0 {
				t.Errorf("%s column amount: sqlite %s, want the number %s", describeRow(i), cell(sq, 3), a)
			}
		} else if p, m, s := cell(pg, 3), cell(my, 3), cell(sq, 3); p != "null" || m != "null" || s != "null" {
			t.Errorf("%s column amount: postgres %s, mariadb %s, sqlite %s, want null", describeRow(i), p, m, s)
		}
		// flag: a boolean from PostgreSQL and SQLite's BOOLEAN, the integer
		// 1 or 0 from MariaDB's TINYINT(1).
		wantFlag, wantMy := "null", "null"
		if f, ok := r.flag.(bool); ok {
			wantFlag, wantMy = strconv.FormatBool(f), map[bool]string{false: "0", true: "1"}[f]
		}
		if p, m, s := cell(pg, 9), cell(my, 9), cell(sq, 9); p != wantFlag || s != wantFlag || m != wantMy {
			t.Errorf("%s column flag: postgres %s, mariadb %s, sqlite %s; want %s, %s, %s", describeRow(i), p, m, s, wantFlag, wantMy, wantFlag)
		}
	}
}

// wantJSON returns, by column index, the JSON text Facteur must write for
// the columns of r that read the same from every database.
func wantJSON(t *testing.T, r fixtureRow) map[int]string {
	t.Helper()
	str := func(v any, text func(any) string) string {
		if v == nil {
			return "null"
		}
		var b bytes.Buffer
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(text(v)); err != nil {
			t.Fatal(err)
		}
		return string(bytes.TrimSuffix(b.Bytes(), []byte("\n")))
	}
	ident := func(v any) string { return v.(string) }
	return map[int]string{
		0: strconv.FormatInt(r.id, 10),
		1: str(r.label, ident),
		4: pgFloat(t, r.ratio),
		5: str(r.at, func(v any) string { return canonicalInstant(v.(time.Time)) }),
		6: str(r.atLocal, func(v any) string { return isoLocal(v.(string)) }),
		7: str(r.day, ident),
		8: str(r.payload, func(v any) string { return base64.StdEncoding.EncodeToString(v.([]byte)) }),
	}
}

// pgFloat is the text PostgreSQL prints for the fixture's floats, which
// every source must write: positional up to 15 integer digits, exponent
// notation for 1e100 and below 1e-4.
func pgFloat(t *testing.T, v any) string {
	t.Helper()
	if v == nil {
		return "null"
	}
	text, ok := map[float64]string{0.1: "0.1", -1.5: "-1.5", 0: "0", 1e100: "1e+100", 123456.789: "123456.789",
		2.5: "2.5", -0.000001: "-1e-06"}[v.(float64)]
	if !ok {
		t.Fatalf("no expected text for the float %v: add it to pgFloat", v)
	}
	return text
}

// isoLocal turns "2024-03-31 02:30:00.250" into the canonical
// "2024-03-31T02:30:00.25": a T, and no trailing zeros in the fraction.
func isoLocal(s string) string {
	t, err := time.Parse("2006-01-02 15:04:05.999999999", s)
	if err != nil {
		panic(err)
	}
	return t.Format("2006-01-02T15:04:05.999999999")
}
