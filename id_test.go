package facteur_test

import (
	"testing"

	"github.com/facteur/facteur"
)

func TestParseID(t *testing.T) {
	for _, s := range []string{"", "0", "-1", "+1", "01", " 1", "1 ", "1e0", "0x1", "1.0", "abc", "9223372036854775808", "١"} {
		if id, ok := facteur.ParseID(s); ok {
			t.Errorf("ParseID(%q) = %d, want refused", s, id)
		}
	}
	for s, want := range map[string]int64{"1": 1, "42": 42, "9223372036854775807": 9223372036854775807} {
		if id, ok := facteur.ParseID(s); !ok || id != want {
			t.Errorf("ParseID(%q) = %d, %v; want %d", s, id, ok, want)
		}
	}
}

// FuzzParseID checks that an accepted id is written back exactly as read.
func FuzzParseID(f *testing.F) {
	for _, s := range []string{"1", "+1", "01", " 1", "1e0", "0", "-0", "9223372036854775807"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		id, ok := facteur.ParseID(s)
		if ok && (id <= 0 || len(s) == 0 || s[0] < '1' || s[0] > '9') {
			t.Fatalf("ParseID(%q) = %d accepted", s, id)
		}
	})
}
