package export_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"math"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/facteur/facteur"
	"github.com/facteur/facteur/format/formattest"
	"github.com/facteur/facteur/source"
)

// allTypesColumns are the columns of the PostgreSQL table of every common
// type, with the rule that maps PostgreSQL's own COPY text of each to what
// Facteur writes.
var allTypesColumns = []struct{ name, sqlType, rule string }{
	{"id", "integer", "number"},
	{"c_int2", "int2", "number"},
	{"c_int4", "int4", "number"},
	{"c_int8", "int8", "number"},
	{"c_numeric", "numeric", "number"},
	{"c_numeric38", "numeric(38,0)", "number"},
	{"c_numeric12", "numeric(12,2)", "number"},
	{"c_float4", "real", "number"},
	{"c_float8", "double precision", "number"},
	{"c_text", "text", "text"},
	{"c_varchar", "varchar(40)", "text"},
	{"c_bool", "boolean", "bool"},
	{"c_date", "date", "text"},
	{"c_time", "time", "text"},
	{"c_ts", "timestamp", "timestamp"},
	{"c_tstz", "timestamptz", "timestamptz"},
	{"c_bytea", "bytea", "bytes"},
	{"c_json", "json", "json"},
	{"c_jsonb", "jsonb", "json"},
	{"c_uuid", "uuid", "text"},
	{"c_interval", "interval", "text"},
	{"c_array", "text[]", "text"},
}

// allTypesRows are SQL literals, one row a line, in the order of
// allTypesColumns.
var allTypesRows = []string{
	`1, -32768, -2147483648, -9223372036854775808, 'NaN', 12345678901234567890123456789012345678, 12.50, 'Infinity', 0.1,
	 E'a,b "q"\r\nz', 'é 日本 🎉', true, '2024-03-31', '14:30:00.25', '2024-03-31 02:30:00.125', '2024-03-31 03:00:00.5+02',
	 '\x00ff10', '{"a": [1, 2], "b": "x y"}', '{"b": 1, "a": [true, null]}', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11',
	 '1 year 2 mons 3 days 04:05:06.5', '{a,"b c",NULL,"\"q\""}'`,
	`2, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL`,
	`3, 32767, 2147483647, 9223372036854775807, -0.000001, -99999999999999999999999999999999999999, -0.05, '-Infinity', 1e100,
	 '', '', false, '0001-01-01', '00:00:00', '1999-12-31 23:59:59.999999', '1999-12-31 23:59:59.999999-05:30',
	 '\x', '[]', 'null', '00000000-0000-0000-0000-000000000000', '-1 days +00:00:01', '{}'`,
	`4, 0, 0, 0, 'Infinity', 0, 0.00, 'NaN', '-0', '\.', '   leading spaces', false, 'infinity', '24:00:00', 'infinity', '-infinity',
	 '\xdeadbeef', '  {"k":  [1, 2.50, 1e400], "s": "a\u00e9\n"}  ', '{"nested": {"k": [1, 2.50]}, "e": ""}',
	 'ffffffff-ffff-ffff-ffff-ffffffffffff', '00:00:00', '{"a,b",""}'`,
	`5, 1, 1, 1, '-Infinity', 1, 1.00, 3.4028235e+38, 5e-324, 'tab	and;semi|pipe', 'trailing ', true, '2024-02-29', '23:59:59.999999',
	 '0044-03-15 12:00:00 BC', '2000-01-01 00:00:00+14', '\x0a0d22', '"just a string"', '12.50',
	 '123e4567-e89b-12d3-a456-426614174000', '3 days', '{NULL}'`,
	`6, -1, -1, -1, 0.1000, 100000000000000000000000000000000000, 99999999.99, 1.1, 1.7976931348623157e+308, '\N', 'x', false,
	 '1000-01-01', '12:00:00.000001', '2024-10-27 02:30:00.000001', '2024-10-27 02:30:00.000001+01', '\xefbbbf', 'true', 'false',
	 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a12', '-00:00:00.000001', '{"\\"}'`,
	`7, 2, 2, 9007199254740993, 123456789012345.678901, 123456789012345, 0.01, -0, 0.30000000000000004, 'é', E'\u2028', true,
	 '2038-01-19', '03:14:07', '2038-01-19 03:14:07', '1900-01-01 00:00:00+00:09:21', '\x7f', '{}', '[1, "two", {"3": [4]}]',
	 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a13', '1 mon', '{"{}"}'`,
}

// createAllTypes creates the table of every type in schema and returns the
// query that reads it in order.
func createAllTypes(t testing.TB, admin *pgx.Conn, schema string) string {
	t.Helper()
	table := schema + ".alltypes"
	defs := make([]string, len(allTypesColumns))
	for i, c := range allTypesColumns {
		defs[i] = c.name + " " + c.sqlType
	}
	pgExec(t, admin, "CREATE TABLE "+table+" ("+strings.Join(defs, ", ")+")",
		"INSERT INTO "+table+" VALUES ("+strings.Join(allTypesRows, "), (")+")")
	return "SELECT * FROM " + table + " ORDER BY id"
}

// pgCopyReference returns the header and records of PostgreSQL's own
// COPY … TO STDOUT (FORMAT csv) of query, in a session in UTC with
// PostgreSQL's default output styles.
func pgCopyReference(t *testing.T, admin *pgx.Conn, q string) ([]csvField, [][]csvField) {
	t.Helper()
	pgExec(t, admin, "SET TimeZone = 'UTC'", "SET DateStyle = 'ISO, MDY'", "SET IntervalStyle = 'postgres'",
		"SET extra_float_digits = 1", "SET bytea_output = 'hex'")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var out bytes.Buffer
	if _, err := admin.PgConn().CopyTo(ctx, &out, "COPY ("+q+") TO STDOUT (FORMAT csv, HEADER true)"); err != nil {
		t.Fatalf("COPY: %v", err)
	}
	recs := parseCSV(t, out.Bytes(), ',')
	return recs[0], recs[1:]
}

// TestEveryFormatCarriesPostgresCopyValues checks that facteur export of a
// PostgreSQL table of every common type reproduces PostgreSQL's own COPY
// values in every format, cell by cell, under the documented mapping: bool
// t/f -> true/false, bytea \x hex -> base64 of the same bytes, timestamptz
// -> the same instant in RFC 3339, timestamp ' ' -> 'T', numbers digit for
// digit, NULL -> an empty unquoted CSV field, JSON null, no XLSX cell, an
// empty HTML or text cell, xsi:nil in XML.
func TestEveryFormatCarriesPostgresCopyValues(t *testing.T) {
	t.Parallel()
	dsn, schema, admin := pgSchema(t)
	query := createAllTypes(t, admin, schema)
	header, want := pgCopyReference(t, admin, query)
	if len(want) != len(allTypesRows) || len(header) != len(allTypesColumns) {
		t.Fatalf("COPY gave %d records of %d fields", len(want), len(header))
	}
	src := openSource(t, dsn, source.Options{})
	q := facteur.Query{SQL: query}

	check := func(format string, got [][]csvField) {
		t.Helper()
		if len(got) != len(want)+1 {
			t.Fatalf("%s: %d records, want %d and a header", format, len(got), len(want)+1)
		}
		for j, h := range got[0] {
			if h.text != header[j].text {
				t.Errorf("%s: header %d is %q, COPY's %q", format, j, h.text, header[j].text)
			}
		}
		for i, rec := range got[1:] {
			for j, f := range rec {
				checkText(t, format, i, j, want[i][j], f)
			}
		}
	}

	csv := runExport(t, src, q, nil, facteur.FormatOptions{Format: facteur.FormatCSV})
	if !csv.res.FastPath {
		t.Error("CSV from PostgreSQL did not take the COPY path")
	}
	check("csv (COPY)", parseCSV(t, csv.data, ','))
	rows := parseCSV(t, runExport(t, rowsOnly{src}, q, nil, facteur.FormatOptions{Format: facteur.FormatCSV}).data, ',')
	check("csv (rows)", rows)
	// PDF: every value's text, as the rows' CSV holds it, found by pdftotext.
	cols := make([]facteur.Column, len(header))
	for j, h := range header {
		cols[j].Name = h.text
	}
	var texts [][][]byte
	for _, rec := range rows[1:] {
		row := make([][]byte, len(rec))
		for j, f := range rec {
			if !f.null {
				row[j] = []byte(f.text)
			}
		}
		texts = append(texts, row)
	}
	formattest.CheckPDF(t, runExport(t, src, q, nil, facteur.FormatOptions{Format: facteur.FormatPDF}).data, cols, texts)
	_, inner := unzipOne(t, runExport(t, src, q, nil, facteur.FormatOptions{Format: facteur.FormatCSVZip}).data)
	check("csv.zip", parseCSV(t, inner, ','))

	for _, f := range []string{facteur.FormatJSON, facteur.FormatNDJSON} {
		objs := parseObjects(t, runExport(t, src, q, nil, facteur.FormatOptions{Format: f}).data, f == facteur.FormatJSON)
		if len(objs) != len(want) {
			t.Fatalf("%s: %d objects, want %d", f, len(objs), len(want))
		}
		for i, o := range objs {
			for j, m := range o {
				if m.key != header[j].text {
					t.Errorf("%s row %d: key %d is %q, want %q", f, i+1, j, m.key, header[j].text)
				}
				checkJSON(t, f, i, j, want[i][j], m.raw)
			}
		}
	}

	for _, f := range []string{"html", "txt", "xml"} {
		names, rows := readTable(t, f, runExport(t, src, q, nil, facteur.FormatOptions{Format: f}).data)
		if len(rows) != len(want) || len(names) != len(header) {
			t.Fatalf("%s: %d rows of %d columns, want %d of %d", f, len(rows), len(names), len(want), len(header))
		}
		for j, n := range names {
			if n != header[j].text {
				t.Errorf("%s: column %d is %q, COPY's %q", f, j, n, header[j].text)
			}
		}
		for i, row := range rows {
			for j, c := range row {
				checkTableCell(t, f, i, j, want[i][j], c)
			}
		}
	}

	sheets := readXLSX(t, runExport(t, src, q, nil, facteur.FormatOptions{Format: facteur.FormatXLSX}).data)
	if len(sheets) != 1 || len(sheets[0].rows) != len(want) {
		t.Fatalf("xlsx: %d sheets, want 1 with %d rows", len(sheets), len(want))
	}
	for j, h := range sheets[0].header {
		if h.kind != "text" || h.value != header[j].text || !h.bold {
			t.Errorf("xlsx: header cell %d is %+v, want bold text %q", j, h, header[j].text)
		}
	}
	for i, row := range sheets[0].rows {
		for j, c := range row {
			checkXLSXCell(t, i, j, want[i][j], c)
		}
	}
}

// jsonNumber matches the JSON grammar of a number.
var jsonNumber = regexp.MustCompile(`^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?$`)

// rfc3339UTC matches the text of an instant in UTC: fractional seconds
// without trailing zeros, and the offset +00:00.
var rfc3339UTC = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d*[1-9])?\+00:00$`)

// copyText is the text Facteur writes for a non-NULL COPY value of column
// j, for every rule but timestamptz, which checkInstant compares.
func copyText(t *testing.T, j int, v string) string {
	t.Helper()
	switch allTypesColumns[j].rule {
	case "bool":
		return map[string]string{"t": "true", "f": "false"}[v]
	case "bytes":
		b, err := hex.DecodeString(strings.TrimPrefix(v, `\x`))
		if err != nil {
			t.Fatalf("COPY bytea %q: %v", v, err)
		}
		return base64.StdEncoding.EncodeToString(b)
	case "timestamp":
		return strings.Replace(v, " ", "T", 1)
	}
	return v
}

// checkInstant asserts that got is the instant COPY printed as v, written
// in RFC 3339 in UTC; infinities are kept as words.
func checkInstant(t *testing.T, where, v, got string) {
	t.Helper()
	if v == "infinity" || v == "-infinity" {
		if got != v {
			t.Errorf("%s: %q, COPY %q", where, got, v)
		}
		return
	}
	want, err := time.Parse("2006-01-02 15:04:05.999999999-07", v)
	if err != nil {
		t.Fatalf("%s: COPY timestamptz %q: %v", where, v, err)
	}
	at, err := time.Parse(time.RFC3339Nano, got)
	if err != nil || !rfc3339UTC.MatchString(got) || !at.Equal(want) {
		t.Errorf("%s: %q, want the instant of COPY's %q (%s) in RFC 3339 with +00:00", where, got, v, want.Format(time.RFC3339Nano))
	}
}

// checkText compares one CSV field with COPY's.
func checkText(t *testing.T, format string, i, j int, want, got csvField) {
	t.Helper()
	where := format + " row " + strconv.Itoa(i+1) + " column " + allTypesColumns[j].name
	switch {
	case want.null || got.null:
		if want.null != got.null {
			t.Errorf("%s: %+v, COPY %+v (NULL must be an empty unquoted field)", where, got, want)
		}
	case allTypesColumns[j].rule == "timestamptz":
		checkInstant(t, where, want.text, got.text)
	case got.text != copyText(t, j, want.text):
		t.Errorf("%s: %q, want %q (COPY %q)", where, got.text, copyText(t, j, want.text), want.text)
	}
}

// checkJSON compares one JSON value with COPY's field.
func checkJSON(t *testing.T, format string, i, j int, want csvField, raw json.RawMessage) {
	t.Helper()
	where := format + " row " + strconv.Itoa(i+1) + " column " + allTypesColumns[j].name
	if want.null {
		if string(raw) != "null" {
			t.Errorf("%s: %s, want null", where, raw)
		}
		return
	}
	rule := allTypesColumns[j].rule
	switch {
	case rule == "number" && jsonNumber.MatchString(want.text):
		if string(raw) != want.text {
			t.Errorf("%s: %s, want the number %s digit for digit", where, raw, want.text)
		}
		return
	case rule == "bool":
		if string(raw) != copyText(t, j, want.text) {
			t.Errorf("%s: %s, want %s", where, raw, copyText(t, j, want.text))
		}
		return
	case rule == "json":
		var compact bytes.Buffer
		if err := json.Compact(&compact, []byte(want.text)); err != nil {
			t.Fatalf("%s: COPY's document %q: %v", where, want.text, err)
		}
		if string(raw) != compact.String() {
			t.Errorf("%s: %s, want the document %s", where, raw, compact.String())
		}
		return
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		t.Errorf("%s: %s, want a string: %v", where, raw, err)
		return
	}
	if rule == "timestamptz" {
		checkInstant(t, where, want.text, s)
	} else if s != copyText(t, j, want.text) {
		t.Errorf("%s: %q, want %q (COPY %q)", where, s, copyText(t, j, want.text), want.text)
	}
}

// copyKinds are the kinds of the rules, for what a text table cuts.
var copyKinds = map[string]facteur.Kind{"number": facteur.KindDecimal, "text": facteur.KindText, "bool": facteur.KindBool,
	"timestamp": facteur.KindDateTime, "timestamptz": facteur.KindTimestamp, "bytes": facteur.KindBytes, "json": facteur.KindJSON}

// checkTableCell compares one cell of an HTML, text or XML file with COPY's
// field: the same text as CSV's, as the format shows it.
func checkTableCell(t *testing.T, f string, i, j int, want csvField, c pyCell) {
	t.Helper()
	where := f + " row " + strconv.Itoa(i+1) + " column " + allTypesColumns[j].name
	rule := allTypesColumns[j].rule
	switch {
	case want.null:
		if c != nullCell(f) {
			t.Errorf("%s: %q, want no value", where, c)
		}
	case rule == "timestamptz":
		checkInstant(t, where, want.text, c[1])
	case c != pyCell{"str", shown(f, copyKinds[rule], copyText(t, j, want.text))}:
		t.Errorf("%s: %q, want %q (COPY %q)", where, c, shown(f, copyKinds[rule], copyText(t, j, want.text)), want.text)
	}
}

// checkXLSXCell compares one cell with COPY's field.
func checkXLSXCell(t *testing.T, i, j int, want csvField, c xlsxCell) {
	t.Helper()
	where := "xlsx row " + strconv.Itoa(i+1) + " column " + allTypesColumns[j].name
	if want.null {
		if c.kind != "" {
			t.Errorf("%s: %+v, want no cell for NULL", where, c)
		}
		return
	}
	if at, ok := copyDate(j, want.text); ok {
		// A date, timestamp or instant a spreadsheet can hold is a date
		// cell: its serial number is the same time in UTC, the export's
		// zone, to the millisecond.
		if got, err := serialTime(c.value); c.kind != "date" || err != nil || !got.Equal(at.UTC().Truncate(time.Millisecond)) {
			t.Errorf("%s: %+v (%v), want a date cell for COPY's %q", where, c, got, want.text)
		}
		return
	}
	switch rule := allTypesColumns[j].rule; {
	case rule == "bool":
		if c.kind != "bool" || c.value != map[string]string{"t": "1", "f": "0"}[want.text] {
			t.Errorf("%s: %+v, want a boolean cell for COPY's %q", where, c, want.text)
		}
	case rule == "number" && isFloat(j):
		// A binary float is a number cell whatever its digits, unless it
		// is not a number or is past Excel's range (±1e307): then text.
		f, err := strconv.ParseFloat(want.text, 64)
		inRange := err == nil && jsonNumber.MatchString(want.text) && (f == 0 || math.Abs(f) >= 1e-307 && math.Abs(f) < 1e308)
		if c.value != want.text || inRange != (c.kind == "number") || c.kind != "number" && c.kind != "text" {
			t.Errorf("%s: %+v, want %q as a number cell when Excel can hold it, else text", where, c, want.text)
		}
	case rule == "number":
		// The number's own text, digit for digit, whether the cell is a number
		// or text; never a number cell for what is not a JSON number or has
		// more significant digits than Excel keeps.
		sig := strings.Trim(strings.Map(func(r rune) rune {
			if r >= '0' && r <= '9' {
				return r
			}
			return -1
		}, strings.Split(strings.ToLower(want.text), "e")[0]), "0")
		switch {
		case c.value != want.text:
			t.Errorf("%s: %+v, want %q digit for digit", where, c, want.text)
		case c.kind != "number" && c.kind != "text":
			t.Errorf("%s: %+v, want a number or a text cell", where, c)
		case c.kind == "number" && (!jsonNumber.MatchString(want.text) || len(sig) > 15):
			t.Errorf("%s: %q is a number cell; Excel would change it", where, want.text)
		}
	case c.kind != "text":
		t.Errorf("%s: %+v, want a text cell", where, c)
	case rule == "timestamptz":
		checkInstant(t, where, want.text, c.value)
	case c.value != copyText(t, j, want.text):
		t.Errorf("%s: %q, want %q (COPY %q)", where, c.value, copyText(t, j, want.text), want.text)
	}
}

// isFloat reports whether column j is a binary floating-point type.
func isFloat(j int) bool {
	return allTypesColumns[j].sqlType == "real" || allTypesColumns[j].sqlType == "double precision"
}

// copyDate returns the time of COPY's text v of a date, timestamp or
// timestamptz column j, and false when the column holds no dates or the
// value is not one a spreadsheet holds (infinity, BC, before 1 March 1900
// in UTC, after 9999).
func copyDate(j int, v string) (time.Time, bool) {
	layout := map[string]string{"date": "2006-01-02", "timestamp": "2006-01-02 15:04:05.999999999",
		"timestamptz": "2006-01-02 15:04:05.999999999-07"}[allTypesColumns[j].sqlType]
	if layout == "" {
		return time.Time{}, false
	}
	at, err := time.Parse(layout, v)
	if err != nil {
		return time.Time{}, false
	}
	at = at.UTC()
	return at, !at.Before(time.Date(1900, 3, 1, 0, 0, 0, 0, time.UTC)) && at.Year() <= 9999
}

// serialTime reads the serial number of a date cell (days since 1899-12-30,
// the time of day as the fraction) to the millisecond.
func serialTime(v string) (time.Time, error) {
	serial, err := strconv.ParseFloat(v, 64)
	if err != nil {
		return time.Time{}, err
	}
	ms := int64(math.Round(serial * 86_400_000))
	return time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC).Add(time.Duration(ms) * time.Millisecond), nil
}
