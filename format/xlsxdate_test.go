package format_test

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"strconv"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/facteur/facteur"
	"github.com/facteur/facteur/format"
)

// calcCols and calcRows are values people compute with in a spreadsheet:
// floats with every digit of a double, exact decimals, dates and instants.
var calcCols = []facteur.Column{
	{Name: "ratio", Kind: facteur.KindFloat},
	{Name: "amount", Kind: facteur.KindDecimal},
	{Name: "day", Kind: facteur.KindDate},
	{Name: "at", Kind: facteur.KindTimestamp},
	{Name: "local", Kind: facteur.KindDateTime},
}

var calcRows = [][]string{
	{"0.30000000000000004", "12345678901234567", "2024-03-31", "2024-03-31T01:30:00+00:00", "2024-03-31T02:30:00.1234"},
	{"0.14285714285714285", "1.5", "1900-02-28", "1999-12-31T23:59:59.999999-05:30", "1900-03-01T00:00:00"},
	{"1.7976931348623157e+308", "-0.05", "9999-12-31", "infinity", "2024-03-31T03:00:00+02:00"},
	{"5e-324", "0", "0001-01-01", "2024-10-27T00:30:00+00:00", "1899-12-31T12:00:00"},
	{"-1e+100", "1", "2024-02-29", "2024-10-27T01:30:00+00:00", "someday"},
}

// calcWant is what a spreadsheet reader finds in each cell of calcRows
// written in Europe/Paris: "n" and the number for a number cell, "d" and
// the date and time shown for a date cell, "s" and the text for text.
var calcWant = [][][2]string{
	{{"n", "0.30000000000000004"}, {"s", "12345678901234567"}, {"d", "2024-03-31 00:00:00.000"}, {"d", "2024-03-31 03:30:00.000"}, {"d", "2024-03-31 02:30:00.123"}},
	{{"n", "0.14285714285714285"}, {"n", "1.5"}, {"s", "1900-02-28"}, {"d", "2000-01-01 06:29:59.999"}, {"d", "1900-03-01 00:00:00.000"}},
	{{"s", "1.7976931348623157e+308"}, {"n", "-0.05"}, {"d", "9999-12-31 00:00:00.000"}, {"s", "infinity"}, {"d", "2024-03-31 03:00:00.000"}},
	{{"s", "5e-324"}, {"n", "0"}, {"s", "0001-01-01"}, {"d", "2024-10-27 02:30:00.000"}, {"s", "1899-12-31T12:00:00"}},
	{{"n", "-1e+100"}, {"n", "1"}, {"d", "2024-02-29 00:00:00.000"}, {"d", "2024-10-27 02:30:00.000"}, {"s", "someday"}},
}

// writeCalc writes calcRows as a workbook in Europe/Paris.
func writeCalc(t *testing.T, dates string) []byte {
	t.Helper()
	var buf bytes.Buffer
	enc, err := format.Builtin().New(&buf, format.Target{Cols: calcCols, Options: facteur.FormatOptions{Format: facteur.FormatXLSX, XLSXDates: dates, TimeZone: "Europe/Paris"}})
	if err != nil {
		t.Fatal(err)
	}
	encodeAll(t, enc, toBytes(calcRows))
	return buf.Bytes()
}

// TestXLSXFloatsAndDates: floats are number cells whatever their digits
// (within Excel's range), exact decimals past 15 digits stay text, and
// dates, date-times and instants are date cells in the export's time zone,
// checked with excelize here and with openpyxl in TestXLSXOpenpyxl.
func TestXLSXFloatsAndDates(t *testing.T) {
	t.Parallel()
	x, err := excelize.OpenReader(bytes.NewReader(writeCalc(t, "")))
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	for i, row := range calcWant {
		for j, want := range row {
			ref, _ := excelize.CoordinatesToCellName(j+1, i+2)
			typ, _ := x.GetCellType("Sheet1", ref)
			raw, _ := x.GetCellValue("Sheet1", ref, excelize.Options{RawCellValue: true})
			switch want[0] {
			case "s":
				if typ != excelize.CellTypeInlineString || raw != want[1] {
					t.Errorf("%s: type %v %q, want the text %q", ref, typ, raw, want[1])
				}
			case "n":
				if typ != excelize.CellTypeUnset || raw != calcRows[i][j] {
					t.Errorf("%s: type %v %q, want the number %s", ref, typ, raw, calcRows[i][j])
				}
			case "d":
				if typ != excelize.CellTypeUnset || !isNumber(raw) {
					t.Errorf("%s: type %v %q, want a date cell", ref, typ, raw)
				}
			}
		}
	}
	dvs, err := x.GetDataValidations("Sheet1")
	if err != nil {
		t.Fatal(err)
	}
	notes := map[string]string{}
	for _, dv := range dvs {
		notes[dv.Sqref] = *dv.Prompt
	}
	if notes["D1"] != "Dates and times in Europe/Paris." || len(notes) != 2 {
		t.Errorf("header notes %q, want the time zone on D1 and E1", notes)
	}

	x, err = excelize.OpenReader(bytes.NewReader(writeCalc(t, facteur.XLSXDatesText)))
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	for i, row := range calcRows {
		for j := 2; j < len(row); j++ {
			ref, _ := excelize.CoordinatesToCellName(j+1, i+2)
			typ, _ := x.GetCellType("Sheet1", ref)
			raw, _ := x.GetCellValue("Sheet1", ref)
			if typ != excelize.CellTypeInlineString || raw != row[j] {
				t.Errorf("xlsx_dates text, %s: type %v %q, want the text %q", ref, typ, raw, row[j])
			}
		}
	}
	if dvs, _ := x.GetDataValidations("Sheet1"); len(dvs) != 0 {
		t.Errorf("xlsx_dates text: %d header notes, want none", len(dvs))
	}
}

func isNumber(s string) bool {
	_, err := strconv.ParseFloat(s, 64)
	return err == nil
}

// openpyxlDump reads a workbook with openpyxl in read-only mode (as pandas
// does) and prints each cell as [type, value]: "n" and repr() of a number,
// "d" and a date cell's date and time to the millisecond, "s" and the text,
// "b" for a boolean; then the header notes.
const openpyxlDump = `
import sys, json, openpyxl, datetime
wb = openpyxl.load_workbook(sys.argv[1], read_only=True)
rows = []
for row in wb.worksheets[0].iter_rows(min_row=2):
    out = []
    for c in row:
        v = c.value
        if isinstance(v, datetime.datetime):
            out.append(["d", v.strftime("%Y-%m-%d %H:%M:%S.%f")[:-3]])
        elif isinstance(v, bool):
            out.append(["b", str(v)])
        elif isinstance(v, (int, float)):
            out.append(["n", repr(v)])
        elif v is None:
            out.append(["", ""])
        else:
            out.append(["s", v])
    rows.append(out)
wb.close()
ws = openpyxl.load_workbook(sys.argv[1]).worksheets[0]
notes = {str(dv.sqref): dv.prompt for dv in ws.data_validations.dataValidation}
print(json.dumps({"rows": rows, "notes": notes}))
`

// openpyxl returns the cells and header notes of a workbook as openpyxl
// reads them. Debian's python3-openpyxl is needed (scripts/test.sh installs
// it); FACTEUR_TEST_OPENPYXL=skip skips the tests that use it.
func openpyxl(t *testing.T, data []byte) (rows [][][2]string, notes map[string]string) {
	t.Helper()
	if os.Getenv("FACTEUR_TEST_OPENPYXL") == "skip" {
		t.Skip("SKIPPED: FACTEUR_TEST_OPENPYXL=skip")
	}
	path := t.TempDir() + "/book.xlsx"
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("/usr/bin/python3", "-c", openpyxlDump, path).CombinedOutput()
	if err != nil {
		t.Fatalf("openpyxl (Debian's python3-openpyxl, installed by scripts/test.sh) cannot read the workbook: %v\n%s", err, out)
	}
	var got struct {
		Rows  [][][2]string     `json:"rows"`
		Notes map[string]string `json:"notes"`
	}
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("openpyxl output: %v\n%s", err, out)
	}
	return got.Rows, got.Notes
}

// TestXLSXOpenpyxl reads the floats and dates with openpyxl: every float
// reads back as the same double, every date cell as the date and time in
// the export's zone, and the header notes name the zone.
func TestXLSXOpenpyxl(t *testing.T) {
	t.Parallel()
	rows, notes := openpyxl(t, writeCalc(t, ""))
	if len(rows) != len(calcWant) {
		t.Fatalf("openpyxl read %d rows, want %d", len(rows), len(calcWant))
	}
	for i, row := range calcWant {
		for j, want := range row {
			got := rows[i][j]
			if want[0] == "n" {
				g, err1 := strconv.ParseFloat(got[1], 64)
				w, err2 := strconv.ParseFloat(want[1], 64)
				if got[0] == "n" && err1 == nil && err2 == nil && g == w {
					continue
				}
			}
			if got != want {
				t.Errorf("row %d column %s (%q): openpyxl reads %q, want %q", i+2, calcCols[j].Name, calcRows[i][j], got, want)
			}
		}
	}
	if notes["D1"] != "Dates and times in Europe/Paris." || notes["E1"] == "" {
		t.Errorf("header notes %q", notes)
	}
	rows, _ = openpyxl(t, writeCalc(t, facteur.XLSXDatesText))
	for i, row := range calcRows {
		if got := rows[i][3]; got != [2]string{"s", row[3]} {
			t.Errorf("xlsx_dates text, row %d: openpyxl reads %q, want the text %q", i+2, got, row[3])
		}
	}
}
