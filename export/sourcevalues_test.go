package export_test

import (
	"context"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"math"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/facteur/facteur"
	"github.com/facteur/facteur/format/formattest"
	"github.com/facteur/facteur/source"
)

// The "source values" tests export awkward values from the real MariaDB and
// SQLite to every format and read each file back with readers independent
// of Facteur and of Go: Python's csv and json modules and openpyxl (Debian's
// python3-openpyxl, which scripts/test.sh installs), and those of the text
// formats (see tableReaders: Chromium, Python, xmllint). The values themselves
// come from independent readers too: the mariadb client with the server's
// own CAST and HEX, and Python's sqlite3. FACTEUR_TEST_OPENPYXL=skip skips
// them.

// python is Debian's Python, which has openpyxl (a pyenv python3 may not).
const python = "/usr/bin/python3"

// pyReaders reads the files of one export, given as format=path arguments,
// and prints for each format its data rows, each cell as [type, text]:
// CSV cells as the strings of the csv module ("str"); JSON values as
// "null", "bool", "num" (the number's own text, not through a float),
// "str" or "json" (an object or array, compact); XLSX cells, read by
// openpyxl in read-only mode as pandas does, as "null", "bool", "num"
// (repr of the int or float), "date" (yyyy-mm-dd hh:mm:ss.fff) or "str".
const pyReaders = `
import sys, csv, json, datetime, openpyxl

class Num(str):
    pass

def jcell(v):
    if v is None: return ["null", ""]
    if isinstance(v, bool): return ["bool", "true" if v else "false"]
    if isinstance(v, Num): return ["num", str(v)]
    if isinstance(v, str): return ["str", v]
    return ["json", json.dumps(v, separators=(",", ":"), ensure_ascii=False)]

def xcell(v):
    if v is None: return ["null", ""]
    if isinstance(v, bool): return ["bool", "true" if v else "false"]
    if isinstance(v, (int, float)): return ["num", repr(v)]
    if isinstance(v, datetime.datetime): return ["date", v.strftime("%Y-%m-%d %H:%M:%S.%f")[:-3]]
    return ["str", v]

def load(s):
    return json.loads(s, parse_float=Num, parse_int=Num)

out = {}
for arg in sys.argv[1:]:
    f, path = arg.split("=", 1)
    if f == "csv":
        with open(path, newline="", encoding="utf-8") as fh:
            out[f] = [[["str", c] for c in r] for r in list(csv.reader(fh))[1:]]
    elif f == "json":
        with open(path, encoding="utf-8") as fh:
            out[f] = [[jcell(v) for v in o.values()] for o in load(fh.read())]
    elif f == "ndjson":
        with open(path, encoding="utf-8") as fh:
            out[f] = [[jcell(v) for v in load(line).values()] for line in fh.read().split("\n") if line]
    elif f == "xlsx":
        wb = openpyxl.load_workbook(path, read_only=True)
        rows = list(wb.worksheets[0].iter_rows(values_only=True))[1:]
        out[f] = [[xcell(v) for v in r] for r in rows]
        wb.close()
print(json.dumps(out))
`

// pyCell is one cell as a Python reader returns it.
type pyCell [2]string

// valueFormats are the formats every awkward value is read back from.
var valueFormats = []string{facteur.FormatCSV, facteur.FormatJSON, facteur.FormatNDJSON, facteur.FormatXLSX, "html", "txt", "xml"}

// exportAndRead exports q from src in every format, as a scheduled run does
// (formula neutralisation on, date cells in UTC), and returns what the
// Python readers find in each file.
func exportAndRead(t *testing.T, src facteur.Querier, q facteur.Query) map[string][][]pyCell {
	t.Helper()
	if os.Getenv("FACTEUR_TEST_OPENPYXL") == "skip" {
		t.Skip("SKIPPED: FACTEUR_TEST_OPENPYXL=skip")
	}
	dir := t.TempDir()
	var args []string
	tables := map[string][][]pyCell{}
	for _, f := range valueFormats {
		e := runExport(t, src, q, nil, facteur.FormatOptions{Format: f, Neutralize: true})
		if _, ok := tableReaders[f]; ok {
			_, tables[f] = readTable(t, f, e.data)
			continue
		}
		path := filepath.Join(dir, "values."+f)
		if err := os.WriteFile(path, e.data, 0o600); err != nil {
			t.Fatal(err)
		}
		args = append(args, f+"="+path)
	}
	out, err := exec.Command(python, append([]string{"-c", pyReaders}, args...)...).Output()
	if err != nil {
		msg := ""
		if ee, ok := err.(*exec.ExitError); ok {
			msg = string(ee.Stderr)
		}
		t.Fatalf("the Python readers (Debian's python3 and python3-openpyxl, installed by scripts/test.sh) failed: %v\n%s", err, msg)
	}
	var got map[string][][]pyCell
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("Python readers' output: %v\n%s", err, out)
	}
	for f, rows := range tables {
		got[f] = rows
	}
	return got
}

// checkPDFValues exports q from src as PDF and checks with poppler
// (formattest.CheckPDF) that every value's text is on its pages: the text
// Python's json read of the JSON export (not neutralised, as PDF is not;
// nested JSON compared without its spaces), "" for NULL.
func checkPDFValues(t *testing.T, src facteur.Querier, q facteur.Query, json [][]pyCell) {
	t.Helper()
	rows := make([][][]byte, len(json))
	for i, r := range json {
		rows[i] = make([][]byte, len(r))
		for j, c := range r {
			if c[0] != "null" {
				rows[i][j] = []byte(c[1])
			}
		}
	}
	formattest.CheckPDF(t, runExport(t, src, q, nil, facteur.FormatOptions{Format: facteur.FormatPDF, Neutralize: true}).data, nil, rows)
}

// formulaLike reports whether a text cell starts the way a formula does,
// so that CSV and XLSX hold it with a leading apostrophe.
func formulaLike(s string) bool {
	if s == "" {
		return false
	}
	r, _ := utf8.DecodeRuneInString(s)
	return strings.ContainsRune("=+-@\t\r＝＋－＠", r)
}

// neutral is a text cell as a neutralised CSV, XLSX or HTML holds it.
func neutral(s string) string {
	if formulaLike(s) {
		return "'" + s
	}
	return s
}

// withoutXMLForbidden is text as a workbook can hold it: the C0 controls
// other than tab, LF and CR removed.
func withoutXMLForbidden(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 && r != '\t' && r != '\n' && r != '\r' {
			return -1
		}
		return r
	}, s)
}

// sameDouble reports whether the texts a and b read as the same double,
// the sign of zero included.
func sameDouble(a, b string) bool {
	x, err1 := strconv.ParseFloat(a, 64)
	y, err2 := strconv.ParseFloat(b, 64)
	return err1 == nil && err2 == nil && (x == y && math.Signbit(x) == math.Signbit(y) || math.IsNaN(x) && math.IsNaN(y))
}

// excelHolds reports whether a spreadsheet can hold the double f as a
// number: zero, or a magnitude from 1e-307 to below 1e308.
func excelHolds(f float64) bool {
	a := math.Abs(f)
	return a == 0 || a >= 1e-307 && a < 1e308
}

// checkCell compares one cell read back from format with what it must be,
// and reports it once per format and cell.
func checkCell(t *testing.T, where string, got pyCell, ok bool, want string) {
	t.Helper()
	if !ok {
		t.Errorf("%s: read %q, want %s", where, got, want)
	}
}

// sqliteRef runs stmts then query with Python's sqlite3 and returns each
// value as [class, value]: "null"; "int" and its digits; "float" and its
// repr; "text" and its bytes decoded as UTF-8, each invalid byte U+FFFD;
// "blob" and its bytes in hex.
const sqliteRef = `
import sys, json, sqlite3
db, stmts, query = sys.argv[1], json.loads(sys.argv[2]), sys.argv[3]
con = sqlite3.connect(db)
for s in stmts:
    con.execute(s)
con.commit()
class Text(bytes):
    pass
con.text_factory = Text
out = []
for row in con.execute(query):
    r = []
    for v in row:
        if v is None: r.append(["null", ""])
        elif isinstance(v, int): r.append(["int", str(v)])
        elif isinstance(v, float): r.append(["float", repr(v)])
        elif isinstance(v, Text): r.append(["text", bytes(v).decode("utf-8", "replace")])
        else: r.append(["blob", bytes(v).hex()])
    out.append(r)
print(json.dumps(out))
`

// TestSourceValuesSQLite: awkward SQLite values — NUL and invalid UTF-8 in
// text, the int64 extremes, ±0, subnormals, the largest double, blobs in
// typed and untyped columns, numbers in expressions and untyped columns,
// text that looks like a formula or a number — written to every format by
// Python's sqlite3 and read back by Python's readers. By storage class:
//
//	INTEGER  a number everywhere (CSV digits without apostrophe, a JSON
//	         number, an XLSX number up to 15 digits, text beyond)
//	REAL     the same double everywhere; XLSX text past Excel's range
//	         (5e-324, 1.7976931348623157e+308) and 0 for -0 (spreadsheets
//	         have no negative zero); NaN/Infinity as text
//	TEXT     the text, each byte that is not UTF-8 as U+FFFD in every
//	         format; NUL kept in CSV and JSON, dropped by XLSX (XML cannot
//	         hold it); a formula-like start takes an apostrophe in CSV and
//	         XLSX, even "-5" stored as text
//	BLOB     base64 everywhere (neutralised like text in CSV and XLSX)
func TestSourceValuesSQLite(t *testing.T) {
	t.Parallel()
	db := filepath.Join(t.TempDir(), "values.db")
	stmts := []string{
		`CREATE TABLE v (id INTEGER, txt TEXT, num, r REAL, b BLOB)`,
		`INSERT INTO v VALUES (1, 'a' || char(0) || 'b', 9223372036854775807, 0.0, x'00ff10')`,
		`INSERT INTO v VALUES (2, CAST(x'61ff62' AS TEXT), -9223372036854775808, -0.0, x'')`,
		`INSERT INTO v VALUES (3, '=1+1', -5, 5e-324, x'fbff')`,
		`INSERT INTO v VALUES (4, '-5', -2.5, 1.7976931348623157e308, NULL)`,
		`INSERT INTO v VALUES (5, 'é 日本 🎉', 'text in an untyped column', 2.2250738585072014e-308, x'41')`,
		`INSERT INTO v VALUES (6, NULL, x'00ff', -1.5, 'text in a BLOB column')`,
		`INSERT INTO v VALUES (7, 12345678901234567, 0.30000000000000004, 4.9406564584124654e-324, NULL)`,
	}
	query := `SELECT id, txt, num, r, b, -id AS neg, id * -0.5 AS half, -0.0 AS negzero, 1e308 * 10 AS inf,
		sum(r) OVER () AS total, typeof(num) AS class FROM v ORDER BY id`
	stmtsJSON, _ := json.Marshal(stmts)
	out, err := exec.Command(python, "-c", sqliteRef, db, string(stmtsJSON), query).Output()
	if err != nil {
		t.Fatalf("Python's sqlite3: %v", err)
	}
	var ref [][]pyCell
	if err := json.Unmarshal(out, &ref); err != nil {
		t.Fatal(err)
	}
	src := openSource(t, "sqlite:"+db, source.Options{})
	got := exportAndRead(t, src, facteur.Query{SQL: query})
	checkPDFValues(t, src, facteur.Query{SQL: query}, got[facteur.FormatJSON])
	for _, f := range valueFormats {
		if len(got[f]) != len(ref) {
			t.Fatalf("%s: %d rows, Python's sqlite3 read %d", f, len(got[f]), len(ref))
		}
		for i, row := range ref {
			for j, v := range row {
				where := f + " row " + strconv.Itoa(i+1) + " column " + strconv.Itoa(j+1) + " (" + v[0] + " " + strconv.Quote(v[1]) + ")"
				checkSQLiteCell(t, where, f, v, got[f][i][j])
			}
		}
	}
}

// checkSQLiteCell checks one cell against the value Python's sqlite3 read.
func checkSQLiteCell(t *testing.T, where, f string, v, c pyCell) {
	t.Helper()
	class, val := v[0], v[1]
	if class == "blob" {
		b, _ := hex.DecodeString(val)
		class, val = "base64", base64.StdEncoding.EncodeToString(b)
	}
	switch class {
	case "null":
		checkCell(t, where, c, c == nullCell(f), "no value")
	case "int":
		switch {
		case textual(f):
			checkCell(t, where, c, c == pyCell{"str", val}, "the digits "+val)
		case f == facteur.FormatXLSX && len(strings.TrimLeft(val, "-")) > 15:
			checkCell(t, where, c, c == pyCell{"str", val}, "text with every digit")
		default:
			checkCell(t, where, c, c == pyCell{"num", val}, "the number "+val)
		}
	case "float":
		x, _ := strconv.ParseFloat(val, 64)
		switch {
		case math.IsInf(x, 0) || math.IsNaN(x):
			word := map[bool]string{true: "Infinity", false: "-Infinity"}[x > 0]
			checkCell(t, where, c, c == pyCell{"str", word}, "the text "+word)
		case textual(f) || f == facteur.FormatXLSX && !excelHolds(x):
			checkCell(t, where, c, c[0] == "str" && sameDouble(c[1], val), "text of the double "+val)
		case f == facteur.FormatXLSX && x == 0:
			// Spreadsheets have no negative zero.
			checkCell(t, where, c, c[0] == "num" && sameDouble(c[1], "0"), "the number 0")
		default:
			checkCell(t, where, c, c[0] == "num" && sameDouble(c[1], val), "the number "+val)
		}
	case "text", "base64":
		want := val
		if f == facteur.FormatCSV || f == facteur.FormatXLSX || f == "html" {
			want = neutral(want)
		}
		if f == facteur.FormatXLSX {
			want = withoutXMLForbidden(want)
		}
		want = shown(f, map[string]facteur.Kind{"text": facteur.KindText, "base64": facteur.KindBytes}[class], want)
		checkCell(t, where, c, c == pyCell{"str", want}, strconv.Quote(want))
	}
}

// mariadbRef runs query with the mariadb client and returns its rows, each
// field as the client prints it (NULL for NULL).
func mariadbRef(t *testing.T, dsn, query string) [][]string {
	t.Helper()
	client, err := exec.LookPath("mariadb")
	if err != nil {
		if client, err = exec.LookPath("mysql"); err != nil {
			t.Fatal("the mariadb client is needed (apt-get install mariadb-client)")
		}
	}
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	port := u.Port()
	if port == "" {
		port = "3306"
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, client, "-h", u.Hostname(), "-P", port, "-u", u.User.Username(),
		"--default-character-set=utf8mb4", "-N", "-B", "-r", "-e", query, strings.TrimPrefix(u.Path, "/"))
	pw, _ := u.User.Password()
	cmd.Env = append(os.Environ(), "MYSQL_PWD="+pw)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("mariadb client: %v\n%s", err, out)
	}
	var rows [][]string
	for _, line := range strings.Split(strings.TrimRight(string(out), "\n"), "\n") {
		rows = append(rows, strings.Split(line, "\t"))
	}
	return rows
}

// mariadbValues are the awkward MariaDB columns: the declared type, the
// values of four rows, the expression whose text the mariadb client prints
// for each (the server's own CAST or HEX), and the rule that says what each
// format holds (see checkMariaDBCell).
var mariadbValues = []struct {
	name, decl string
	values     [4]string
	ref        string
	rule       string
}{
	{"d", "DECIMAL(65,30)", [4]string{"12345678901234567890123456789012345.123456789012345678901234567890", "-0.000000000000000000000000000001", "0", "-1.5"}, "CAST(d AS CHAR)", "exact"},
	{"bt", "BIT(64)", [4]string{"b'1111111111111111111111111111111111111111111111111111111111111111'", "b'0'", "b'101'", "NULL"}, "CAST(bt + 0 AS CHAR)", "exact"},
	{"ub", "BIGINT UNSIGNED", [4]string{"18446744073709551615", "0", "9007199254740993", "NULL"}, "CAST(ub AS CHAR)", "exact"},
	{"sb", "BIGINT", [4]string{"-9223372036854775808", "9223372036854775807", "-5", "NULL"}, "CAST(sb AS CHAR)", "exact"},
	{"y", "YEAR", [4]string{"2024", "0", "1901", "NULL"}, "CAST(y + 0 AS CHAR)", "exact"},
	{"zd", "DATE", [4]string{"'0000-00-00'", "'2024-02-29'", "'1899-12-31'", "'9999-12-31'"}, "CAST(zd AS CHAR)", "date"},
	{"zdt", "DATETIME(6)", [4]string{"'0000-00-00 00:00:00'", "'1000-01-01 00:00:00.000001'", "'2024-03-31 02:30:00.5'", "'2038-01-19 03:14:07.999999'"}, "CAST(zdt AS CHAR)", "date"},
	{"tm", "TIME(6)", [4]string{"'838:59:59'", "'-838:59:59'", "'25:00:00.5'", "'-00:00:00.000001'"}, "CAST(tm AS CHAR)", "time"},
	{"e", "ENUM('a','b c','=x')", [4]string{"'a'", "'b c'", "'=x'", "NULL"}, "CAST(e AS CHAR)", "text"},
	{"st", "SET('x','y')", [4]string{"'x,y'", "''", "'y'", "NULL"}, "CAST(st AS CHAR)", "text"},
	{"j", "JSON", [4]string{`'{"a": [1, 2.50]}'`, "'[]'", `'"-s"'`, "NULL"}, "CAST(j AS CHAR)", "text"},
	{"ip", "INET6", [4]string{"'::ffff:1.2.3.4'", "'::1'", "'2001:db8::1'", "NULL"}, "CAST(ip AS CHAR)", "text"},
	{"u", "UUID", [4]string{"'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'", "'00000000-0000-0000-0000-000000000000'", "'ffffffff-ffff-ffff-ffff-ffffffffffff'", "NULL"}, "CAST(u AS CHAR)", "text"},
	{"l", "VARCHAR(20) CHARACTER SET latin1", [4]string{"'café'", "'naïve ÿ'", "'-é'", "''"}, "HEX(CONVERT(l USING utf8mb4))", "hex"},
	{"f", "FLOAT", [4]string{"3.4028234e38", "1.1754944e-38", "1.4e-45", "-3.4028234e38"}, "CAST(f AS DOUBLE)", "float32"},
	{"dbl", "DOUBLE", [4]string{"1.7976931348623157e308", "2.2250738585072014e-308", "4.9406564584124654e-324", "0.30000000000000004"}, "CAST(dbl AS CHAR)", "float"},
}

// TestSourceValuesMariaDB: awkward MariaDB values written to every format
// and read back by Python's readers, compared with what the mariadb client
// prints for the server's own CAST or HEX of each. What each becomes:
//
//	DECIMAL, BIT, BIGINT (UNSIGNED), YEAR  a number with every digit in CSV
//	    and JSON; an XLSX number up to 15 digits, text beyond; the zero
//	    YEAR is the number 0
//	DATE, DATETIME  ISO text in CSV and JSON; XLSX date cells, except zero
//	    dates and days before 1 March 1900, which stay text
//	TIME  its text, hours past 24 and signs kept, in every format
//	ENUM, SET, JSON (MariaDB's is text), INET6, UUID, latin1 text  the text
//	    as UTF-8, a formula-like start neutralised in CSV and XLSX
//	FLOAT  the shortest text of the float32; DOUBLE that of the double;
//	    XLSX numbers inside Excel's range (±1e-307 to 1e308), text beyond
func TestSourceValuesMariaDB(t *testing.T) {
	t.Parallel()
	table := "facteur_values_" + suffix(t)
	dsn, admin := myAdmin(t, table)
	defs, refs := []string{"id INT"}, []string{"id"}
	for _, c := range mariadbValues {
		defs = append(defs, c.name+" "+c.decl)
		refs = append(refs, c.ref)
	}
	var rows []string
	for i := range 4 {
		vals := []string{strconv.Itoa(i + 1)}
		for _, c := range mariadbValues {
			vals = append(vals, c.values[i])
		}
		rows = append(rows, "("+strings.Join(vals, ", ")+")")
	}
	for _, stmt := range []string{"SET SESSION sql_mode = ''",
		"CREATE TABLE " + table + " (" + strings.Join(defs, ", ") + ") DEFAULT CHARSET utf8mb4",
		"INSERT INTO " + table + " VALUES " + strings.Join(rows, ", ")} {
		if _, err := admin.Exec(stmt); err != nil {
			t.Fatalf("%s: %v", stmt, err)
		}
	}
	ref := mariadbRef(t, dsn, "SELECT "+strings.Join(refs, ", ")+" FROM "+table+" ORDER BY id")
	src := openSource(t, dsn, source.Options{})
	got := exportAndRead(t, src, facteur.Query{SQL: "SELECT * FROM " + table + " ORDER BY id"})
	checkPDFValues(t, src, facteur.Query{SQL: "SELECT * FROM " + table + " ORDER BY id"}, got[facteur.FormatJSON])
	for _, f := range valueFormats {
		if len(got[f]) != len(ref) {
			t.Fatalf("%s: %d rows, the mariadb client read %d", f, len(got[f]), len(ref))
		}
		for i, row := range ref {
			for j, c := range mariadbValues {
				where := f + " row " + strconv.Itoa(i+1) + " column " + c.name + " " + c.decl + " (" + strconv.Quote(row[j+1]) + ")"
				checkMariaDBCell(t, where, f, c.rule, row[j+1], got[f][i][j+1])
			}
		}
	}
}

// checkMariaDBCell checks one cell against the text the mariadb client
// printed for it, by the column's rule.
func checkMariaDBCell(t *testing.T, where, f, rule, ref string, c pyCell) {
	t.Helper()
	if ref == "NULL" {
		checkCell(t, where, c, c == nullCell(f), "no value")
		return
	}
	switch rule {
	case "hex":
		b, _ := hex.DecodeString(ref)
		ref, rule = string(b), "text"
	case "time":
		ref, rule = trimFraction(ref), "text"
	}
	switch rule {
	case "text":
		want := ref
		if f == facteur.FormatCSV || f == facteur.FormatXLSX || f == "html" {
			want = neutral(want)
		}
		want = shown(f, facteur.KindText, want)
		checkCell(t, where, c, c == pyCell{"str", want}, strconv.Quote(want))
	case "exact":
		digits := len(strings.Trim(strings.NewReplacer("-", "", ".", "").Replace(ref), "0"))
		switch {
		case textual(f):
			checkCell(t, where, c, c == pyCell{"str", ref}, "the digits "+ref)
		case f == facteur.FormatXLSX && (digits > 15 || !jsonNumber.MatchString(ref)):
			checkCell(t, where, c, c == pyCell{"str", ref}, "text with every digit "+ref)
		case f == facteur.FormatXLSX:
			checkCell(t, where, c, c[0] == "num" && sameDouble(c[1], ref), "the number "+ref)
		case !jsonNumber.MatchString(ref):
			checkCell(t, where, c, c == pyCell{"str", ref}, "the string "+ref)
		default:
			checkCell(t, where, c, c == pyCell{"num", ref}, "the number "+ref+" digit for digit")
		}
	case "float32", "float":
		bits := 64
		if rule == "float32" {
			bits = 32
		}
		same := func(s string) bool {
			x, err1 := strconv.ParseFloat(s, bits)
			y, err2 := strconv.ParseFloat(ref, bits)
			return err1 == nil && err2 == nil && x == y
		}
		x, _ := strconv.ParseFloat(ref, 64)
		switch {
		case textual(f) || f == facteur.FormatXLSX && !excelHolds(x):
			checkCell(t, where, c, c[0] == "str" && same(c[1]), "the text of the same float")
		default:
			checkCell(t, where, c, c[0] == "num" && same(c[1]), "the number of the same float")
		}
	case "date":
		iso := strings.Replace(trimFraction(ref), " ", "T", 1)
		at, err := time.Parse("2006-01-02T15:04:05.999999", iso)
		if err != nil {
			at, err = time.Parse("2006-01-02", iso)
		}
		switch {
		case f == facteur.FormatXLSX && err == nil && !at.Before(time.Date(1900, 3, 1, 0, 0, 0, 0, time.UTC)):
			want := at.Truncate(time.Millisecond).Format("2006-01-02 15:04:05.000")
			checkCell(t, where, c, c == pyCell{"date", want}, "a date cell "+want)
		default:
			checkCell(t, where, c, c == pyCell{"str", iso}, strconv.Quote(iso))
		}
	}
}

// trimFraction removes the trailing zeros of a time's fractional seconds,
// and the point when none is left ("25:00:00.500000" is "25:00:00.5").
func trimFraction(s string) string {
	if i := strings.LastIndexByte(s, '.'); i >= 0 && i > strings.LastIndexByte(s, ':') {
		s = strings.TrimRight(s, "0")
		s = strings.TrimSuffix(s, ".")
	}
	return s
}
