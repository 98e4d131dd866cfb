package export_test

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/facteur/facteur"
	"github.com/facteur/facteur/source"
)

// sameBothPaths exports q as CSV once through PostgreSQL's COPY and once
// row by row, and asserts that the two files are byte-identical and that
// Run reports the same rows and columns. It returns the file.
func sameBothPaths(t *testing.T, src facteur.Querier, q facteur.Query, fields []string, o facteur.FormatOptions) []byte {
	t.Helper()
	fast := runExport(t, src, q, fields, o)
	slow := runExport(t, rowsOnly{src}, q, fields, o)
	what := fmt.Sprintf("delimiter %q, header %v, bom %v, fields %q", o.Delimiter, !o.NoHeader, o.BOM, fields)
	if !fast.res.FastPath || slow.res.FastPath {
		t.Fatalf("%s: FastPath %v and %v, want the COPY path and the row path", what, fast.res.FastPath, slow.res.FastPath)
	}
	if fast.res.Rows != slow.res.Rows || !slices.Equal(fast.res.Columns, slow.res.Columns) {
		t.Errorf("%s: COPY path %d rows %v, row path %d rows %v", what, fast.res.Rows, fast.res.Columns, slow.res.Rows, slow.res.Columns)
	}
	if fast.res.SHA256 != slow.res.SHA256 || !bytes.Equal(fast.data, slow.data) {
		fl, sl := strings.SplitAfter(string(fast.data), "\n"), strings.SplitAfter(string(slow.data), "\n")
		for i := range min(len(fl), len(sl)) {
			if fl[i] != sl[i] {
				t.Fatalf("%s: line %d differs:\nCOPY path: %q\nrow path:  %q", what, i+1, fl[i], sl[i])
			}
		}
		t.Fatalf("%s: COPY path %d lines, row path %d", what, len(fl), len(sl))
	}
	return fast.data
}

// TestCopyPathMatchesRowPath checks that the CSV PostgreSQL's COPY writes
// for the awkward fixture and for the table of every type is byte-identical
// to what the row path writes, whatever the header, delimiter, projection
// and time zone.
func TestCopyPathMatchesRowPath(t *testing.T) {
	t.Parallel()
	fx := pgFixture(t)
	projections := [][]string{
		nil,
		fixtureFields,
		{"flag", "at_local", "label", "ratio", "big", "amount"},
		{"label"}, // one column: `\.` alone on its line is quoted
	}
	var withHeader []byte
	for _, delim := range []string{"", ";", "\t", "|", ".", `\`, "'", "e", " "} {
		for _, noHeader := range []bool{false, true} {
			for _, fields := range projections {
				o := facteur.FormatOptions{Format: facteur.FormatCSV, Delimiter: delim, NoHeader: noHeader}
				got := sameBothPaths(t, fx.src, fx.query, fields, o)
				if delim == "" && !noHeader && fields == nil {
					withHeader = got
				}
			}
		}
	}
	bom := sameBothPaths(t, fx.src, fx.query, nil, facteur.FormatOptions{Format: facteur.FormatCSV, BOM: true})
	if !bytes.Equal(bom, append([]byte("\uFEFF"), withHeader...)) {
		t.Errorf("with a BOM the file is not the BOM followed by the same CSV")
	}

	one := sameBothPaths(t, fx.src, fx.query, []string{"label"}, facteur.FormatOptions{Format: facteur.FormatCSV})
	if !bytes.Contains(one, []byte("\n\"\\.\"\n")) {
		t.Errorf("a single column holding \\. is not quoted:\n%s", one)
	}

	// Every type, with instants in several zones (Kathmandu is +05:45; 1900
	// in Paris is local mean time, +00:09:21).
	dsn, schema, admin := pgSchema(t)
	q := facteur.Query{SQL: createAllTypes(t, admin, schema)}
	for _, zone := range []string{"UTC", "Europe/Paris", "Asia/Kathmandu", "America/St_Johns"} {
		src := openSource(t, dsn, source.Options{TimeZone: zone})
		for _, delim := range []string{",", ";", "\t", "|"} {
			sameBothPaths(t, src, q, nil, facteur.FormatOptions{Format: facteur.FormatCSV, Delimiter: delim})
		}
	}
}

// TestCopyPathDuplicateColumnNames exports a query whose result has two
// columns of the same name, which SQL allows. The whole result must be
// exported as it is, and a field naming the duplicated column must pick the
// same column (the first, as source.CSVCopier documents) on both paths.
func TestCopyPathDuplicateColumnNames(t *testing.T) {
	t.Parallel()
	dsn, _, _ := pgSchema(t)
	src := openSource(t, dsn, source.Options{})
	q := facteur.Query{SQL: "SELECT 1 AS a, 2 AS a, 3 AS b"}
	csv := facteur.FormatOptions{Format: facteur.FormatCSV}
	if got := sameBothPaths(t, src, q, nil, csv); string(got) != "a,a,b\n1,2,3\n" {
		t.Errorf("whole result: %q, want %q", got, "a,a,b\n1,2,3\n")
	}
	if got := sameBothPaths(t, src, q, []string{"b", "a"}, csv); string(got) != "b,a\n3,1\n" {
		t.Errorf("fields b, a: %q, want %q", got, "b,a\n3,1\n")
	}
}

// TestParamsTakeTheRowPath exports a query with parameters: COPY cannot
// bind them, so the export reads rows, and the file is byte-identical to
// the one COPY writes for the same query with the values written in.
func TestParamsTakeTheRowPath(t *testing.T) {
	t.Parallel()
	fx := pgFixture(t)
	table := strings.TrimSuffix(strings.TrimPrefix(fx.query.SQL, "SELECT * FROM "), " ORDER BY id")
	o := facteur.FormatOptions{Format: facteur.FormatCSV}
	withParams := runExport(t, fx.src, facteur.Query{
		SQL:    "SELECT * FROM " + table + " WHERE id > :min AND label <> :label ORDER BY id",
		Params: []facteur.BoundParam{{Name: "min", Type: facteur.ParamInteger, Int: 2, Text: "2"}, {Name: "label", Type: facteur.ParamText, Text: "x' OR '1'='1"}},
	}, nil, o)
	literal := runExport(t, fx.src, facteur.Query{SQL: "SELECT * FROM " + table + " WHERE id > 2 AND label <> 'x'' OR ''1''=''1' ORDER BY id"}, nil, o)
	if withParams.res.FastPath || !literal.res.FastPath {
		t.Fatalf("FastPath %v with parameters and %v without; want the row path, then COPY", withParams.res.FastPath, literal.res.FastPath)
	}
	if !bytes.Equal(withParams.data, literal.data) || withParams.res.Rows == 0 || withParams.res.Rows >= int64(len(fixtureRows())) {
		t.Fatalf("%d rows with parameters, %d with literals:\n%s\n%s", withParams.res.Rows, literal.res.Rows, withParams.data, literal.data)
	}
}
