package pack

import (
	"testing"
	"time"

	"github.com/facteur/facteur"
)

// FuzzCheck feeds the recipient parsers (age and OpenPGP) arbitrary text:
// they refuse it with EINVALID or accept it, and never panic; what they
// accept, Encrypt accepts too.
func FuzzCheck(f *testing.F) {
	f.Add("age", "age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p")
	f.Add("age", "AGE-SECRET-KEY-1GFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPQ4EGAEX")
	f.Add("age", "ssh-ed25519 AAAA")
	f.Add("openpgp", "-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nmDMEZ\n-----END PGP PUBLIC KEY BLOCK-----\n")
	f.Add("openpgp", "-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nxjMEZ/8AARYJKwYBBAHaRw8BAQdA\n=AAAA\n-----END PGP PUBLIC KEY BLOCK-----\n")
	f.Add("openpgp", "-----BEGIN PGP PRIVATE KEY BLOCK-----\n")
	f.Fuzz(func(t *testing.T, method, recipient string) {
		e := &facteur.Encryption{Method: method, Recipients: []string{recipient}}
		_, err := Check(e, time.Now())
		if err != nil {
			if facteur.ErrorCode(err) != facteur.EINVALID {
				t.Fatalf("Check(%q): %v, want EINVALID", recipient, err)
			}
			return
		}
		Describe(e, time.Now())
		if _, err := Encrypt(discard{}, e, time.Now()); err != nil {
			t.Fatalf("Check accepted %q, Encrypt refused: %v", recipient, err)
		}
	})
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }
