package export

import (
	"strings"
	"testing"
	"time"

	"github.com/facteur/facteur"
	"github.com/facteur/facteur/deliver"
)

func TestRenderFileName(t *testing.T) {
	paris, _ := time.LoadLocation("Europe/Paris")
	at := time.Date(2026, 3, 9, 6, 5, 0, 0, paris)
	v := NameVars{Label: "Daily tickets", ExportName: "tickets", Time: at, RunID: 42, Ext: "csv"}
	tests := []struct {
		tmpl, want string
	}{
		{facteur.DefaultFileName, "tickets_20260309_0605.csv"},
		{"{label}-{run_id}.{ext}", "Daily tickets-42.csv"},
		{"{year}/{month}/{day}.{ext}", "2026_03_09.csv"},
		{"../../etc/passwd", "_._etc_passwd"},
		{"..\\..\\boot.ini", "_._boot.ini"},
		{"/abs/path.{ext}", "_abs_path.csv"},
		{".hidden.{ext}", "hidden.csv"},
		{"a\x00b\r\nc.{ext}", "a_b__c.csv"},
		{"rapport é 日本.{ext}", "rapport é 日本.csv"},
		{"x\u202egpj.{ext}", "x_gpj.csv"}, // right-to-left override
		{"name. ", "name"},
	}
	for _, tt := range tests {
		got, err := RenderFileName(tt.tmpl, v)
		if err != nil {
			t.Errorf("RenderFileName(%q): %v", tt.tmpl, err)
			continue
		}
		if got != tt.want {
			t.Errorf("RenderFileName(%q) = %q, want %q", tt.tmpl, got, tt.want)
		}
	}
}

func TestRenderFileNameVariablesAreSanitized(t *testing.T) {
	v := NameVars{Label: "../../x", ExportName: "a/b\\c\x00", Time: time.Now(), Ext: "csv"}
	got, err := RenderFileName("{label}_{export_name}.{ext}", v)
	if err != nil {
		t.Fatal(err)
	}
	if strings.ContainsAny(got, "/\\\x00") || strings.HasPrefix(got, ".") {
		t.Fatalf("unsafe name %q", got)
	}
}

func TestRenderFileNameLong(t *testing.T) {
	v := NameVars{Label: strings.Repeat("é", 300), Ext: "csv"}
	got, err := RenderFileName("{label}.{ext}", v)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) > 255 || !strings.HasSuffix(got, "é.csv") {
		t.Fatalf("long name: %d bytes, %q...", len(got), got[len(got)-10:])
	}
}

func TestRenderFileNameErrors(t *testing.T) {
	for _, tmpl := range []string{"{nope}.csv", "{label", "", "..", " . "} {
		_, err := RenderFileName(tmpl, NameVars{Ext: "csv"})
		if facteur.ErrorCode(err) != facteur.EINVALID {
			t.Errorf("RenderFileName(%q): got %v, want EINVALID", tmpl, err)
		}
	}
}

// TestRenderFileNameCut: the 255-byte cut never ends the name's base on a
// dot or a space, so it never makes ".." with the extension's dot nor a
// name a destination refuses.
func TestRenderFileNameCut(t *testing.T) {
	for _, tmpl := range []string{
		strings.Repeat("a", 250) + ". .{ext}",
		strings.Repeat("a", 250) + ".x.{ext}",
		strings.Repeat("a", 251) + " x{ext}.{ext}",
		strings.Repeat("a", 249) + ". . . .{ext}",
	} {
		got, err := RenderFileName(tmpl, NameVars{Ext: "csv"})
		if err != nil {
			t.Errorf("%q: %v", tmpl, err)
			continue
		}
		if err := deliver.ValidateFileName(got); err != nil || strings.Contains(got, "..") || strings.HasSuffix(strings.TrimSuffix(got, ".csv"), " ") {
			t.Errorf("%q gives %q (%v)", tmpl, got[len(got)-12:], err)
		}
	}
}

// FuzzRenderFileName: whatever the template and the values, a name is
// either refused with EINVALID naming file_name, or a plain base name of
// at most 255 bytes that every destination accepts, not hidden; and the
// same template gives the same name again.
func FuzzRenderFileName(f *testing.F) {
	f.Add("{export_name}_{year}{month}{day}.{ext}", "Daily", "tickets", "csv")
	f.Add(strings.Repeat("a", 250)+". .{ext}", "", "", "csv")
	f.Add("../{label}/..", "../../etc", "x\x00y", "csv")
	f.Add("{label", "", "", "")
	f.Add("{label}.{ext}", strings.Repeat("é", 200), "", "csv.gz")
	at := time.Date(2026, 3, 9, 6, 5, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, tmpl, label, report, ext string) {
		v := NameVars{Label: label, ExportName: report, Time: at, RunID: 7, Ext: ext}
		got, err := RenderFileName(tmpl, v)
		if err != nil {
			if facteur.ErrorCode(err) != facteur.EINVALID || !strings.HasPrefix(facteur.ErrorMessage(err), "file_name: ") {
				t.Fatalf("RenderFileName(%q): %v, want EINVALID on file_name", tmpl, err)
			}
			return
		}
		if err := deliver.ValidateFileName(got); err != nil || strings.HasPrefix(got, ".") || len(got) > 255 {
			t.Fatalf("RenderFileName(%q) = %q: %v", tmpl, got, err)
		}
		if again, _ := RenderFileName(tmpl, v); again != got {
			t.Fatalf("RenderFileName(%q) gave %q, then %q", tmpl, got, again)
		}
	})
}
