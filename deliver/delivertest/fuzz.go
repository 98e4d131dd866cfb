package delivertest

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/facteur/facteur"
)

// FuzzConfig runs a destination config parser on any JSON: it refuses
// with EINVALID and a message naming a field, or returns a config that
// validates, and that parses again to itself once encoded (as the store
// keeps it).
func FuzzConfig[C any](f *testing.F, parse func(json.RawMessage) (C, error), validate func(C) error, seeds ...string) {
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		c, err := parse(raw)
		if err != nil {
			msg := facteur.ErrorMessage(err)
			if facteur.ErrorCode(err) != facteur.EINVALID || !strings.Contains(msg, ": ") {
				t.Fatalf("%s: %v (code %s)", raw, err, facteur.ErrorCode(err))
			}
			return
		}
		if err := validate(c); err != nil {
			t.Fatalf("%s parsed, but does not validate: %v", raw, err)
		}
		b, err := json.Marshal(c)
		if err != nil {
			t.Fatal(err)
		}
		back, err := parse(b)
		if err != nil {
			t.Fatalf("%s parsed, its encoding %s does not: %v", raw, b, err)
		}
		if b2, _ := json.Marshal(back); string(b2) != string(b) {
			t.Fatalf("%s does not round-trip: %s", b, b2)
		}
	})
}
