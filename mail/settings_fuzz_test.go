package mail

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/facteur/facteur"
)

// FuzzParseSettings: mail settings as an administrator sends them are
// refused with EINVALID naming an smtp field, or validate, are within
// their bounds, and parse again to themselves once stored.
func FuzzParseSettings(f *testing.F) {
	for _, s := range []string{
		`{"host":"smtp.example.org","from":"Facteur <facteur@example.org>"}`,
		`{"host":"smtp.example.org","port":465,"security":"tls","username":"u","password":"p","from":"f@example.org"}`,
		`{"host":"127.0.0.1","security":"none","auth":"none","from":"f@example.org","timeout_ns":9223372036854775807}`,
		`{"host":"smtp.example.org","auth":"xoauth2","username":"u@example.org","from":"f@example.org","oauth":{"provider":"google","client_id":"c"}}`,
		`{"host":"-x","from":"f@example.org"}`, `{"host":"h","from":"not an address"}`, `{"host":"h","from":"f@example.org","ca_cert":"nope"}`,
		`{"host":"h","from":"f@example.org","port":-1}`, `{"nope":1}`, ``,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		s, err := ParseSettings(raw)
		if err != nil {
			if facteur.ErrorCode(err) != facteur.EINVALID || !strings.HasPrefix(facteur.ErrorMessage(err), "smtp") {
				t.Fatalf("%s: %v (code %s)", raw, err, facteur.ErrorCode(err))
			}
			return
		}
		if s.Timeout < 0 || s.Timeout > MaxTimeout {
			t.Fatalf("accepted the timeout %s", s.Timeout)
		}
		b, _ := json.Marshal(s)
		back, err := ParseSettings(b)
		if err != nil {
			t.Fatalf("%s parsed, its encoding %s does not: %v", raw, b, err)
		}
		if b2, _ := json.Marshal(back); string(b2) != string(b) {
			t.Fatalf("%s does not round-trip: %s", b, b2)
		}
	})
}
