package format_test

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/facteur/facteur"
	"github.com/facteur/facteur/format"
)

// TestValueKinds: when a source says each value's kind (SQLite, whose
// untyped columns and expressions hold numbers), a number in a text column
// is a number in every format, with no formula apostrophe, and text in a
// number column is text, neutralised.
func TestValueKinds(t *testing.T) {
	t.Parallel()
	cols := []facteur.Column{{Name: "expr", Kind: facteur.KindText}, {Name: "n", Kind: facteur.KindInt}}
	rows := []struct {
		vals  [2]string
		kinds []facteur.Kind
		csv   [2]string
		json  string
		xlsx  [2]excelize.CellType
	}{
		{[2]string{"-5", "7"}, []facteur.Kind{facteur.KindInt, facteur.KindInt}, [2]string{"-5", "7"}, `{"expr":-5,"n":7}`,
			[2]excelize.CellType{excelize.CellTypeUnset, excelize.CellTypeUnset}},
		{[2]string{"-2.5", "=1+1"}, []facteur.Kind{facteur.KindFloat, facteur.KindText}, [2]string{"-2.5", "'=1+1"}, `{"expr":-2.5,"n":"=1+1"}`,
			[2]excelize.CellType{excelize.CellTypeUnset, excelize.CellTypeInlineString}},
		{[2]string{"-5", "-3"}, nil, [2]string{"'-5", "-3"}, `{"expr":"-5","n":-3}`, // the columns' kinds
			[2]excelize.CellType{excelize.CellTypeInlineString, excelize.CellTypeUnset}},
	}
	for _, f := range []string{facteur.FormatCSV, facteur.FormatJSON, facteur.FormatXLSX} {
		var buf bytes.Buffer
		enc, err := format.Builtin().New(&buf, format.Target{Cols: cols, Options: facteur.FormatOptions{Format: f, Neutralize: true}})
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range rows {
			if err := enc.Write([][]byte{[]byte(r.vals[0]), []byte(r.vals[1])}, r.kinds); err != nil {
				t.Fatalf("%s: %v", f, err)
			}
		}
		if err := enc.Write([][]byte{nil, nil}, []facteur.Kind{facteur.KindInt}); err == nil {
			t.Errorf("%s: a row with fewer kinds than columns was written", f)
		}
		if err := enc.Close(); err != nil {
			t.Fatal(err)
		}
		switch f {
		case facteur.FormatCSV:
			recs, err := csv.NewReader(&buf).ReadAll()
			if err != nil {
				t.Fatal(err)
			}
			for i, r := range rows {
				if got := recs[i+1]; got[0] != r.csv[0] || got[1] != r.csv[1] {
					t.Errorf("csv row %d: %q, want %q", i+1, got, r.csv)
				}
			}
		case facteur.FormatJSON:
			var objs []json.RawMessage
			if err := json.Unmarshal(buf.Bytes(), &objs); err != nil {
				t.Fatal(err)
			}
			for i, r := range rows {
				if string(objs[i]) != r.json {
					t.Errorf("json row %d: %s, want %s", i+1, objs[i], r.json)
				}
			}
		case facteur.FormatXLSX:
			x, err := excelize.OpenReader(&buf)
			if err != nil {
				t.Fatal(err)
			}
			for i, r := range rows {
				for j := range 2 {
					ref, _ := excelize.CoordinatesToCellName(j+1, i+2)
					if typ, _ := x.GetCellType("Sheet1", ref); typ != r.xlsx[j] {
						v, _ := x.GetCellValue("Sheet1", ref)
						t.Errorf("xlsx %s (%q): type %v, want %v", ref, v, typ, r.xlsx[j])
					}
				}
			}
			x.Close()
		}
	}
}
