package ui

import (
	"net/url"
	"reflect"
	"strings"
	"testing"

	"github.com/facteur/facteur"
)

func TestEncryptionFromForm(t *testing.T) {
	block := func(s string) string {
		return "-----BEGIN PGP PUBLIC KEY BLOCK-----\n\n" + s + "\n-----END PGP PUBLIC KEY BLOCK-----"
	}
	for _, tc := range []struct {
		method, text string
		want         *facteur.Encryption
	}{
		{"", "age1abc", nil},
		{"age", " age1abc \r\n\r\nage1def\n", &facteur.Encryption{Method: "age", Recipients: []string{"age1abc", "age1def"}}},
		{"age", "", &facteur.Encryption{Method: "age", Recipients: []string{}}},
		{"openpgp", block("AAA") + "\r\n" + block("BBB") + "\n", &facteur.Encryption{Method: "openpgp", Recipients: []string{block("AAA"), block("BBB")}}},
		{"openpgp", "my key\n" + block("AAA"), &facteur.Encryption{Method: "openpgp", Recipients: []string{"my key", block("AAA")}}},
	} {
		got := encryptionFromForm(url.Values{"encryption.method": {tc.method}, "encryption.recipients": {tc.text}})
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s %q: %+v, want %+v", tc.method, tc.text, got, tc.want)
		}
	}
}

// FuzzEncryptionFromForm: whatever is typed, the recipients read from the
// form hold all its non-blank text and nothing else, none of them blank.
func FuzzEncryptionFromForm(f *testing.F) {
	f.Add("openpgp", "x\n-----BEGIN PGP PUBLIC KEY BLOCK-----\nA\n-----END PGP PUBLIC KEY BLOCK-----\n-----BEGIN PGP")
	f.Add("age", "age1a\nage1b\r\n")
	f.Fuzz(func(t *testing.T, method, text string) {
		e := encryptionFromForm(url.Values{"encryption.method": {method}, "encryption.recipients": {text}})
		if method == "" {
			if e != nil {
				t.Fatal("encryption without a method")
			}
			return
		}
		kept := 0
		for _, r := range e.Recipients {
			if strings.TrimSpace(r) == "" || strings.TrimSpace(r) != r {
				t.Fatalf("recipient %q is blank or not trimmed", r)
			}
			kept += len(strings.Join(strings.Fields(r), ""))
		}
		if all := len(strings.Join(strings.Fields(strings.ReplaceAll(text, "\r\n", "\n")), "")); kept != all {
			t.Fatalf("%q: recipients %q hold %d non-blank bytes, the text %d", text, e.Recipients, kept, all)
		}
	})
}
