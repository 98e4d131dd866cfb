package format_test

import (
	"bytes"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/facteur/facteur"
	"github.com/facteur/facteur/format"
)

// TestSheetName: a report's name becomes a sheet name Excel accepts:
// at most 31 characters, none of []:*?/\, no apostrophe at either end,
// unique regardless of case.
func TestSheetName(t *testing.T) {
	used := map[string]bool{}
	for _, c := range []struct{ in, want string }{
		{"agents", "agents"},
		{"Agents", "Agents (2)"},
		{"a/b:c*d?e[f]g\\h", "a_b_c_d_e_f_g_h"},
		{"'quoted'", "quoted"},
		{"", "Sheet"},
		{"   ", "Sheet (2)"},
		{"History", "Sheet (3)"},
		{"tab\there", "tabhere"},
		{strings.Repeat("é", 40), strings.Repeat("é", 31)},
		{strings.Repeat("é", 40), strings.Repeat("é", 27) + " (2)"},
		{"messages (2)", "messages (2)"},
	} {
		got := format.SheetName(c.in, used)
		if got != c.want {
			t.Errorf("SheetName(%q) = %q, want %q", c.in, got, c.want)
		}
		if utf8.RuneCountInString(got) > 31 || strings.ContainsAny(got, `[]:*?/\`) {
			t.Errorf("SheetName(%q) = %q: not a valid sheet name", c.in, got)
		}
	}
}

// FuzzSheetName: whatever a report is called, its sheet's name is valid
// and never one taken already.
func FuzzSheetName(f *testing.F) {
	for _, s := range []string{"agents", "", "'", "[]", strings.Repeat("x", 40), "a\x00b", "\xff"} {
		f.Add(s, s)
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		used := map[string]bool{}
		x, y := format.SheetName(a, used), format.SheetName(b, used)
		for _, n := range []string{x, y} {
			if n == "" || utf8.RuneCountInString(n) > 31 || strings.ContainsAny(n, `[]:*?/\`) || !utf8.ValidString(n) ||
				strings.HasPrefix(n, "'") || strings.HasSuffix(n, "'") {
				t.Fatalf("%q, %q: invalid sheet name %q", a, b, n)
			}
		}
		if strings.EqualFold(x, y) {
			t.Fatalf("%q and %q both named %q", a, b, x)
		}
	})
}

// TestXLSXWorkbook: two reports' sheets in one workbook, named after the
// reports, the second continuing on a sheet of its own past the rows a
// sheet holds; closing the workbook before its last sheet fails.
func TestXLSXWorkbook(t *testing.T) {
	var buf bytes.Buffer
	book := format.NewXLSXWorkbook(&buf, format.XLSXOptions{MaxRows: 3})
	a, err := book.Sheet("agents", []facteur.Column{{Name: "id", Kind: facteur.KindInt}})
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Write([][]byte{[]byte("1")}, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := book.Sheet("cases", nil); err == nil {
		t.Fatal("a second sheet while the first is open")
	}
	a.Close()
	c, _ := book.Sheet("cases", []facteur.Column{{Name: "subject", Kind: facteur.KindText}})
	for _, v := range []string{"one", "two", "three"} {
		if err := c.Write([][]byte{[]byte(v)}, nil); err != nil {
			t.Fatal(err)
		}
	}
	if err := book.Close(); err == nil {
		t.Fatal("closing the workbook before its last sheet succeeded")
	}
	c.Close()
	if err := book.Close(); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(book.Sheets(), ","); got != "agents,cases,cases (2)" {
		t.Errorf("sheets %s", got)
	}
}
