package format_test

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/facteur/facteur"
	"github.com/facteur/facteur/format"
)

// xlsxNotNumbers are the values of numeric columns in the tests that must be
// text cells: more than 15 significant digits, or not numbers. Every other
// value of an int, decimal or float column must be a numeric cell.
var xlsxNotNumbers = map[string]bool{
	"9007199254740993": true, "12345678901234567890123456789012345678": true,
	"NaN": true, "Infinity": true, "-Infinity": true, "+5": true, ".5": true, "007": true, "1.": true,
}

// xlsxDateShown returns how a date cell holding the canonical text v shows
// (yyyy-mm-dd, with hh:mm:ss and .000 when it has a time and milliseconds),
// an instant in loc, or false when v must stay text: not a date, or before
// 1 March 1900, or after 9999.
func xlsxDateShown(v string, loc *time.Location) (string, bool) {
	for _, layout := range []string{"2006-01-02T15:04:05.999999999Z07:00", "2006-01-02T15:04:05.999999999", "2006-01-02"} {
		at, err := time.Parse(layout, v)
		if err != nil || strings.HasSuffix(v, "Z") {
			continue
		}
		if layout[len(layout)-1] == '0' {
			at = at.In(loc)
		}
		if at.Before(time.Date(1900, 3, 1, 0, 0, 0, 0, at.Location())) || at.Year() > 9999 {
			return "", false
		}
		switch {
		case layout == "2006-01-02":
			return at.Format("2006-01-02"), true
		case at.Nanosecond()/1e6 != 0:
			return at.Format("2006-01-02 15:04:05.000"), true
		}
		return at.Format("2006-01-02 15:04:05"), true
	}
	return "", false
}

// xlsxText is what a text cell holding v shows: the characters XML 1.0
// forbids are gone and each invalid byte is U+FFFD.
func xlsxText(v string) string {
	var b strings.Builder
	for _, r := range v { // an invalid byte reads as U+FFFD
		if r < 0x20 && r != '\t' && r != '\n' && r != '\r' || r == 0xFFFE || r == 0xFFFF {
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

func TestXLSXGolden(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	encodeAll(t, format.NewXLSXEncoder(&buf, fixtureCols, format.XLSXOptions{}), fixtureBytes())
	golden(t, "fixture.xlsx.txt", dumpZip(t, buf.Bytes()))
	checkXLSX(t, buf.Bytes(), fixtureCols, fixtureRows, 1<<20)
	checkXMLParts(t, buf.Bytes())
}

// dumpZip lists the entries of a zip with their content, for a golden file
// a person can read.
func dumpZip(t *testing.T, b []byte) []byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatalf("archive/zip cannot read the workbook: %v", err)
	}
	var out bytes.Buffer
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		content, err := io.ReadAll(rc)
		if err != nil {
			t.Fatalf("%s: %v", f.Name, err)
		}
		fmt.Fprintf(&out, "=== %s (method %d)\n%s\n", f.Name, f.Method, content)
	}
	return out.Bytes()
}

// checkXMLParts parses every part of the workbook with encoding/xml, a
// reader that knows nothing of spreadsheets.
func checkXMLParts(t *testing.T, b []byte) {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		d := xml.NewDecoder(rc)
		for {
			if _, err = d.Token(); err != nil {
				break
			}
		}
		if err != io.EOF {
			t.Errorf("%s is not well-formed XML: %v", f.Name, err)
		}
	}
}

// checkXLSX opens the workbook with excelize and compares every cell with
// the rows written: sheets of maxRows rows, each starting with the header.
func checkXLSX(t *testing.T, b []byte, cols []facteur.Column, rows [][]string, maxRows int) {
	t.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("excelize cannot open the workbook: %v", err)
	}
	defer f.Close()
	perSheet := maxRows - 1
	nSheets := max(1, (len(rows)+perSheet-1)/perSheet)
	var wantSheets []string
	for i := 1; i <= nSheets; i++ {
		wantSheets = append(wantSheets, "Sheet"+strconv.Itoa(i))
	}
	if got := f.GetSheetList(); strings.Join(got, ",") != strings.Join(wantSheets, ",") {
		t.Fatalf("sheets %v, want %v", got, wantSheets)
	}
	for s, sheet := range wantSheets {
		data := rows[min(s*perSheet, len(rows)):min((s+1)*perSheet, len(rows))]
		panes, err := f.GetPanes(sheet)
		if err != nil || !panes.Freeze || panes.YSplit != 1 || panes.XSplit != 0 || panes.TopLeftCell != "A2" {
			t.Errorf("%s: panes %+v (%v), want row 1 frozen", sheet, panes, err)
		}
		got, err := f.GetRows(sheet, excelize.Options{RawCellValue: true})
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != len(data)+1 {
			t.Fatalf("%s: %d rows, want a header and %d", sheet, len(got), len(data))
		}
		for j, c := range cols {
			cell, _ := excelize.CoordinatesToCellName(j+1, 1)
			if v, _ := f.GetCellValue(sheet, cell); v != xlsxText(c.Name) {
				t.Errorf("%s!%s: header %q, want %q", sheet, cell, v, c.Name)
			}
			styleID, err := f.GetCellStyle(sheet, cell)
			if err != nil {
				t.Fatal(err)
			}
			if style, err := f.GetStyle(styleID); err != nil || style.Font == nil || !style.Font.Bold {
				t.Errorf("%s!%s: header is not bold (%+v, %v)", sheet, cell, style, err)
			}
		}
		for i, row := range data {
			for j, v := range row {
				cell, _ := excelize.CoordinatesToCellName(j+1, i+2)
				checkXLSXCell(t, f, sheet, cell, cols[j].Kind, v)
			}
		}
	}
}

// checkXLSXCell checks the type and the value of one cell.
func checkXLSXCell(t *testing.T, f *excelize.File, sheet, cell string, k facteur.Kind, v string) {
	t.Helper()
	typ, err := f.GetCellType(sheet, cell)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := f.GetCellValue(sheet, cell, excelize.Options{RawCellValue: true})
	if err != nil {
		t.Fatal(err)
	}
	wantType, wantRaw := excelize.CellTypeInlineString, xlsxText(v)
	switch {
	case v == null:
		wantType, wantRaw = excelize.CellTypeUnset, ""
	case k == facteur.KindBool:
		wantType, wantRaw = excelize.CellTypeBool, map[string]string{"true": "1", "false": "0"}[v]
	case !xlsxNotNumbers[v] && (k == facteur.KindInt || k == facteur.KindDecimal || k == facteur.KindFloat):
		wantType, wantRaw = excelize.CellTypeUnset, v // a number: no t attribute
	case k == facteur.KindDate || k == facteur.KindDateTime || k == facteur.KindTimestamp:
		if shown, ok := xlsxDateShown(v, time.UTC); ok {
			// A date cell: a number that excelize shows, through the cell's
			// number format, as the date and time in UTC.
			// excelize does not show milliseconds: they are read from the
			// serial number, the days since 1899-12-30.
			got, _ := f.GetCellValue(sheet, cell)
			if strings.Contains(shown, ".") {
				serial, _ := strconv.ParseFloat(raw, 64)
				ms := int64(math.Round(serial * 86_400_000))
				got = time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC).Add(time.Duration(ms) * time.Millisecond).Format("2006-01-02 15:04:05.000")
			}
			if typ != excelize.CellTypeUnset || got != shown {
				t.Errorf("%s!%s: type %v shows %q (raw %q), want a date cell showing %q", sheet, cell, typ, got, raw, shown)
			}
			return
		}
	}
	if typ != wantType || raw != wantRaw {
		t.Errorf("%s!%s: type %v value %q, want type %v value %q", sheet, cell, typ, raw, wantType, wantRaw)
	}
	if k == facteur.KindBool && v != null {
		if shown, _ := f.GetCellValue(sheet, cell); shown != strings.ToUpper(v) {
			t.Errorf("%s!%s shows %q, want %q", sheet, cell, shown, strings.ToUpper(v))
		}
	}
}

func TestXLSXSheets(t *testing.T) {
	t.Parallel()
	cols := []facteur.Column{{Name: "n", Kind: facteur.KindInt}, {Name: "s"}}
	rows := func(n int) [][]string {
		out := make([][]string, n)
		for i := range out {
			out[i] = []string{strconv.Itoa(i + 1), "row " + strconv.Itoa(i+1)}
		}
		return out
	}
	tests := []struct {
		maxRows, rows, sheets int
	}{
		{3, 0, 1}, // the header alone
		{3, 1, 1},
		{3, 2, 1}, // exactly full: no empty second sheet
		{3, 3, 2},
		{3, 7, 4},
		{2, 3, 3}, // one row a sheet
		{1, 2, 2}, // taken as 2
		{0, 5, 1}, // default
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("max%d_rows%d", tt.maxRows, tt.rows), func(t *testing.T) {
			t.Parallel()
			var buf bytes.Buffer
			data := rows(tt.rows)
			encodeAll(t, format.NewXLSXEncoder(&buf, cols, format.XLSXOptions{MaxRows: tt.maxRows}), toBytes(data))
			maxRows := tt.maxRows
			if maxRows == 0 {
				maxRows = 1 << 20
			} else if maxRows == 1 {
				maxRows = 2
			}
			checkXLSX(t, buf.Bytes(), cols, data, maxRows)
			checkXMLParts(t, buf.Bytes())
		})
	}
}

// TestXLSXFixtureOnSheets spreads the whole fixture over sheets of 3 rows.
func TestXLSXFixtureOnSheets(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	encodeAll(t, format.NewXLSXEncoder(&buf, fixtureCols, format.XLSXOptions{MaxRows: 3}), fixtureBytes())
	checkXLSX(t, buf.Bytes(), fixtureCols, fixtureRows, 3)
	zr, err := zip.NewReader(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range zr.File {
		names = append(names, f.Name)
	}
	want := "[Content_Types].xml _rels/.rels xl/worksheets/sheet1.xml xl/worksheets/sheet2.xml " +
		"xl/worksheets/sheet3.xml xl/worksheets/sheet4.xml xl/workbook.xml xl/_rels/workbook.xml.rels xl/styles.xml"
	if got := strings.Join(names, " "); got != want {
		t.Errorf("parts\n%s\nwant\n%s", got, want)
	}
}

// TestXLSXPython reads the workbook with Python's zipfile and ElementTree,
// a reader independent of Go, when python3 is installed.
func TestXLSXPython(t *testing.T) {
	t.Parallel()
	python, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("python3 is not installed: the Python cross-check is skipped (excelize still checks every cell)")
	}
	var buf bytes.Buffer
	encodeAll(t, format.NewXLSXEncoder(&buf, fixtureCols, format.XLSXOptions{MaxRows: 5}), fixtureBytes())
	const script = `
import sys, zipfile, io, xml.etree.ElementTree as ET
ns = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}
z = zipfile.ZipFile(io.BytesIO(sys.stdin.buffer.read()))
assert z.testzip() is None
wb = ET.fromstring(z.read("xl/workbook.xml"))
for s in wb.find("m:sheets", ns):
    n = s.get("sheetId")
    ws = ET.fromstring(z.read("xl/worksheets/sheet%s.xml" % n))
    for row in ws.find("m:sheetData", ns):
        cells = []
        for c in row:
            t = c.find("m:is/m:t", ns)
            v = c.find("m:v", ns)
            if t is None and v is None: continue # the empty last cell of a row ending in NULLs
            cells.append(c.get("r") + "=" + repr(t.text or "" if t is not None else v.text))
        print(s.get("name"), row.get("r"), " ".join(cells))
`
	cmd := exec.Command(python, "-c", script)
	cmd.Stdin = &buf
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("python3 cannot read the workbook: %v\n%s", err, out)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if len(lines) != len(fixtureRows)+2 { // two sheets, each with a header
		t.Fatalf("python3 read %d rows, want %d:\n%s", len(lines), len(fixtureRows)+2, out)
	}
	for _, want := range []string{
		"Sheet1 1 A1='id'",
		"Sheet1 2 A2='1' B2='Alice' C2='12.50'",
		"Sheet2 1 A1='id'",
		"Sheet2 2 A2='5' B2='é 日本 🎉'",
		"Sheet2 3 A3='-7' B3='  leading and trailing  '",
		`B5='line1\r\nline2\nline3'`,
		`L4='_x005F_x000D_ excel & <tag> ]]>'`,
	} {
		if !strings.Contains(string(out), want) {
			t.Errorf("python3 output lacks %q:\n%s", want, out)
		}
	}
}

// TestXLSXReadOnlyRowsSpanEveryColumn: openpyxl's read-only mode, which
// pandas uses, reads every row as wide as the header, rows that end in
// NULLs included, though the sheet streams without a <dimension>.
func TestXLSXReadOnlyRowsSpanEveryColumn(t *testing.T) {
	t.Parallel()
	cols := []facteur.Column{{Name: "a", Kind: facteur.KindInt}, {Name: "b", Kind: facteur.KindText}, {Name: "c", Kind: facteur.KindText}}
	rows := [][][]byte{{[]byte("1"), nil, nil}, {nil, nil, nil}, {[]byte("3"), []byte("x"), []byte("y")}, {nil, []byte("z"), nil}}
	var buf bytes.Buffer
	encodeAll(t, format.NewXLSXEncoder(&buf, cols, format.XLSXOptions{}), rows)
	path := filepath.Join(t.TempDir(), "rows.xlsx")
	if err := os.WriteFile(path, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	const script = `
import sys, openpyxl
wb = openpyxl.load_workbook(sys.argv[1], read_only=True)
for r in wb.worksheets[0].iter_rows(values_only=True):
    print(repr(list(r)))
`
	out, err := exec.Command("/usr/bin/python3", "-c", script, path).CombinedOutput()
	if err != nil {
		t.Fatalf("openpyxl (Debian's python3-openpyxl, installed by scripts/test.sh): %v\n%s", err, out)
	}
	want := "['a', 'b', 'c']\n[1, None, None]\n[None, None, None]\n[3, 'x', 'y']\n[None, 'z', None]\n"
	if string(out) != want {
		t.Errorf("openpyxl in read-only mode reads\n%swant\n%s", out, want)
	}
}
