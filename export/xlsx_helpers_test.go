package export_test

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

// xlsxCell is one cell as excelize reads it back.
type xlsxCell struct {
	kind  string // "" (no cell: NULL), "number", "date", "text", "bool"
	value string // the raw value: a number's own text, "1"/"0" for a bool, a date's serial number
	bold  bool
}

// xlsxSheet is one worksheet read back by excelize.
type xlsxSheet struct {
	name   string
	panes  excelize.Panes
	header []xlsxCell
	rows   [][]xlsxCell // data rows, one cell per header column
}

// readXLSX opens a workbook with excelize and reads every cell of every
// sheet: its type, its raw value and whether it is bold.
func readXLSX(t testing.TB, data []byte) []xlsxSheet {
	t.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("excelize cannot open the workbook: %v", err)
	}
	defer f.Close()
	var sheets []xlsxSheet
	for _, name := range f.GetSheetList() {
		grid, err := f.GetRows(name, excelize.Options{RawCellValue: true})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if len(grid) == 0 {
			t.Fatalf("%s: no header row", name)
		}
		panes, err := f.GetPanes(name)
		if err != nil {
			t.Fatal(err)
		}
		s := xlsxSheet{name: name, panes: panes}
		ncols := len(grid[0])
		for r := range grid {
			row := make([]xlsxCell, ncols)
			for c := range ncols {
				row[c] = readCell(t, f, name, c+1, r+1)
			}
			if r == 0 {
				s.header = row
			} else {
				s.rows = append(s.rows, row)
			}
		}
		sheets = append(sheets, s)
	}
	return sheets
}

// readCell reads the cell at column col and row of sheet.
func readCell(t testing.TB, f *excelize.File, sheet string, col, row int) xlsxCell {
	t.Helper()
	ref, err := excelize.CoordinatesToCellName(col, row)
	if err != nil {
		t.Fatal(err)
	}
	typ, err := f.GetCellType(sheet, ref)
	if err != nil {
		t.Fatalf("%s!%s: %v", sheet, ref, err)
	}
	v, err := f.GetCellValue(sheet, ref, excelize.Options{RawCellValue: true})
	if err != nil {
		t.Fatalf("%s!%s: %v", sheet, ref, err)
	}
	var c xlsxCell
	switch typ {
	case excelize.CellTypeUnset, excelize.CellTypeNumber:
		// A numeric cell has no type attribute either; only a missing cell
		// has no value.
		if v != "" {
			c.kind = "number"
		}
	case excelize.CellTypeInlineString, excelize.CellTypeSharedString:
		c.kind = "text"
	case excelize.CellTypeBool:
		c.kind = "bool"
	default:
		t.Fatalf("%s!%s: unexpected cell type %v", sheet, ref, typ)
	}
	c.value = v
	if style, err := f.GetCellStyle(sheet, ref); err == nil && style != 0 {
		st, err := f.GetStyle(style)
		if err != nil {
			t.Fatal(err)
		}
		c.bold = st.Font != nil && st.Font.Bold
		if c.kind == "number" && st.CustomNumFmt != nil && strings.HasPrefix(*st.CustomNumFmt, "yyyy-mm-dd") {
			c.kind = "date" // a number shown as a date
		}
	}
	return c
}

// dumpXLSX is a golden file a person can read: each sheet with its frozen
// panes, then every cell of every row with its type and value. A cell that
// does not exist (NULL) shows as "-".
func dumpXLSX(sheets []xlsxSheet) []byte {
	var b strings.Builder
	cell := func(ref string, c xlsxCell) {
		bold := ""
		if c.bold {
			bold = " bold"
		}
		switch c.kind {
		case "":
			fmt.Fprintf(&b, "%s -%s\n", ref, bold)
		case "text":
			fmt.Fprintf(&b, "%s text%s %q\n", ref, bold, c.value)
		case "bool":
			fmt.Fprintf(&b, "%s bool%s %s\n", ref, bold, map[string]string{"1": "TRUE", "0": "FALSE"}[c.value])
		case "date":
			at, _ := serialTime(c.value)
			fmt.Fprintf(&b, "%s date%s %s (%s)\n", ref, bold, at.Format("2006-01-02 15:04:05.000"), c.value)
		default:
			fmt.Fprintf(&b, "%s %s%s %s\n", ref, c.kind, bold, c.value)
		}
	}
	for _, s := range sheets {
		fmt.Fprintf(&b, "=== %s: %d data rows, freeze=%v split=%d,%d top-left %s\n",
			s.name, len(s.rows), s.panes.Freeze, s.panes.XSplit, s.panes.YSplit, s.panes.TopLeftCell)
		for c, h := range s.header {
			ref, _ := excelize.CoordinatesToCellName(c+1, 1)
			cell(ref, h)
		}
		for r, row := range s.rows {
			fmt.Fprintf(&b, "--- row %d\n", r+2)
			for c, v := range row {
				ref, _ := excelize.CoordinatesToCellName(c+1, r+2)
				cell(ref, v)
			}
		}
	}
	return []byte(b.String())
}
