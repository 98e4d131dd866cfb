package format

import (
	"bytes"
	"encoding/csv"
	"strconv"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/facteur/facteur"
)

// formulaCases are cells a spreadsheet would run as formulas, and what a
// neutralised export holds instead.
var formulaCases = []struct{ in, want string }{
	{"=1+1", "'=1+1"},
	{"+33 1 23 45 67 89", "'+33 1 23 45 67 89"},
	{"-2+3", "'-2+3"},
	{"@SUM(A1:A2)", "'@SUM(A1:A2)"},
	{"\t=cmd|' /C calc'!A0", "'\t=cmd|' /C calc'!A0"},
	{"\r=1", "'\r=1"},
	{"＝1+1", "'＝1+1"}, // full-width forms
	{"＋1", "'＋1"},
	{"－1", "'－1"},
	{"＠A1", "'＠A1"},
	{"a=1", "a=1"}, // only the start counts
	{"'=already", "'=already"},
	{"", ""},
	{"plain", "plain"},
}

func TestCSVNeutralizesFormulas(t *testing.T) {
	cols := []facteur.Column{{Name: "text", Kind: facteur.KindText}, {Name: "n", Kind: facteur.KindInt}, {Name: "b64", Kind: facteur.KindBytes}}
	for _, neutral := range []bool{true, false} {
		var buf bytes.Buffer
		enc := NewCSVEncoder(&buf, cols, CSVOptions{Neutralize: neutral})
		for _, tc := range formulaCases {
			if err := enc.Write([][]byte{[]byte(tc.in), []byte("-5"), []byte("+AAA")}, nil); err != nil {
				t.Fatal(err)
			}
		}
		if err := enc.Close(); err != nil {
			t.Fatal(err)
		}
		recs, err := csv.NewReader(&buf).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		for i, tc := range formulaCases {
			want, wantB64 := tc.in, "+AAA"
			if neutral {
				want, wantB64 = tc.want, "'+AAA"
			}
			rec := recs[i+1]
			if rec[0] != want || rec[1] != "-5" || rec[2] != wantB64 {
				t.Errorf("neutralize=%v %q: got %q, want [%q -5 %q]", neutral, tc.in, rec, want, wantB64)
			}
		}
	}
}

func TestXLSXNeutralizesFormulas(t *testing.T) {
	cols := []facteur.Column{{Name: "text", Kind: facteur.KindText}, {Name: "n", Kind: facteur.KindInt}}
	var buf bytes.Buffer
	enc := NewXLSXEncoder(&buf, cols, XLSXOptions{Neutralize: true})
	for _, tc := range formulaCases {
		if err := enc.Write([][]byte{[]byte(tc.in), []byte("-5")}, nil); err != nil {
			t.Fatal(err)
		}
	}
	if err := enc.Close(); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for i, tc := range formulaCases {
		got, _ := f.GetCellValue("Sheet1", "A"+strconv.Itoa(i+2))
		if tc.in == "\r=1" {
			continue // excelize normalises the CR; the prefix is checked by the CSV test
		}
		if got != tc.want {
			t.Errorf("xlsx %q: got %q, want %q", tc.in, got, tc.want)
		}
		if n, _ := f.GetCellValue("Sheet1", "B"+strconv.Itoa(i+2)); n != "-5" {
			t.Errorf("number cell became %q", n)
		}
		if ff, _ := f.GetCellFormula("Sheet1", "A"+strconv.Itoa(i+2)); ff != "" {
			t.Errorf("cell %d has a formula %q", i+2, ff)
		}
	}
}

func TestNeutralizeAllocatesNothing(t *testing.T) {
	cols := []facteur.Column{{Name: "text", Kind: facteur.KindText}}
	enc := NewCSVEncoder(&bytes.Buffer{}, cols, CSVOptions{Neutralize: true})
	row := [][]byte{[]byte("=HYPERLINK(\"http://x\")")}
	enc.Write(row, nil)
	if n := testing.AllocsPerRun(1000, func() { enc.Write(row, nil) }); n > 0 {
		t.Errorf("%v allocations per neutralised row", n)
	}
}

// TestNeutralizesTextInNumberColumns: SQLite does not enforce declared
// types, so an INTEGER, REAL or BOOLEAN column can hold formula text; it is
// neutralised like any text, while the column's numbers and booleans (also
// a leading minus, NaN and ±Infinity) stay as they are, in CSV and XLSX.
func TestNeutralizesTextInNumberColumns(t *testing.T) {
	kinds := []facteur.Kind{facteur.KindInt, facteur.KindFloat, facteur.KindDecimal, facteur.KindBool}
	cases := []struct{ in, want string }{
		{"=1+1", "'=1+1"},
		{"@SUM(A1)", "'@SUM(A1)"},
		{"-2+3", "'-2+3"},
		{"+5", "'+5"},
		{"－1", "'－1"},
		{"-5", "-5"},
		{"-1.5e-07", "-1.5e-07"},
		{"-123456789012345678901234567890", "-123456789012345678901234567890"},
		{"-Infinity", "-Infinity"},
		{"NaN", "NaN"},
		{"true", "true"},
		{"12", "12"},
	}
	var cols []facteur.Column
	for _, k := range kinds {
		cols = append(cols, facteur.Column{Name: k.String(), Kind: k})
	}
	var csvBuf, xlsxBuf bytes.Buffer
	ce := NewCSVEncoder(&csvBuf, cols, CSVOptions{Neutralize: true})
	xe := NewXLSXEncoder(&xlsxBuf, cols, XLSXOptions{Neutralize: true})
	for _, tc := range cases {
		row := make([][]byte, len(cols))
		for i := range row {
			row[i] = []byte(tc.in)
		}
		if err := ce.Write(row, nil); err != nil {
			t.Fatal(err)
		}
		if err := xe.Write(row, nil); err != nil {
			t.Fatal(err)
		}
	}
	if err := ce.Close(); err != nil {
		t.Fatal(err)
	}
	if err := xe.Close(); err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(&csvBuf).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&xlsxBuf)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for r, tc := range cases {
		for c := range cols {
			if got := recs[r+1][c]; got != tc.want {
				t.Errorf("csv %s column, %q: got %q, want %q", cols[c].Name, tc.in, got, tc.want)
			}
			axis, _ := excelize.CoordinatesToCellName(c+1, r+2)
			got, _ := f.GetCellValue("Sheet1", axis)
			if tc.want != tc.in && got != tc.want {
				t.Errorf("xlsx %s column, %q: got %q, want %q", cols[c].Name, tc.in, got, tc.want)
			}
		}
	}
}
