package export

import (
	"strings"
	"testing"
	"time"

	"github.com/facteur/facteur"
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
