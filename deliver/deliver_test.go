package deliver_test

import (
	"strings"
	"testing"

	"github.com/facteur/facteur"
	"github.com/facteur/facteur/deliver"
)

func TestValidateFileName(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		ok   bool
	}{
		{"tickets_20240331_0200.csv", true},
		{"Rapport été 2024 (final).xlsx", true},
		{".hidden.csv", true},
		{"a.b.c", true},
		{strings.Repeat("a", 255), true},
		{strings.Repeat("é", 127) + "a", true}, // 255 bytes
		{"", false},
		{".", false},
		{"..", false},
		{"../etc/passwd", false},
		{"..csv", false},
		{"a/b", false},
		{"/abs.csv", false},
		{`a\b`, false},
		{"a\x00b", false},
		{"a\tb", false},
		{"a\rb", false},
		{"a\u0085b", false}, // a C1 control character
		{"a\xffb", false},
		{strings.Repeat("a", 256), false},
		{strings.Repeat("é", 128), false}, // 256 bytes
	}
	for _, tc := range tests {
		err := deliver.ValidateFileName(tc.name)
		if tc.ok && err != nil {
			t.Errorf("ValidateFileName(%q): %v", tc.name, err)
		}
		if !tc.ok && (facteur.ErrorCode(err) != facteur.EINVALID || !strings.HasPrefix(facteur.ErrorMessage(err), "file_name: ")) {
			t.Errorf("ValidateFileName(%q): error %v, want EINVALID naming file_name", tc.name, err)
		}
	}
}
