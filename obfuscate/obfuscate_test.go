package obfuscate_test

import (
	"bytes"
	"os/exec"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/facteur/facteur"
	"github.com/facteur/facteur/obfuscate"
)

// values are what the referees hash: e-mails, Unicode, spaces, a newline.
var values = []string{"ada@example.com", "Zoë Ångström", "+33 6 12 34 56 78", "a", "line one\nline two", "日本語のテキスト", ""}

// The HMAC is what OpenSSL computes for the same key and bytes.
func TestHMACMatchesOpenSSL(t *testing.T) {
	if _, err := exec.LookPath("openssl"); err != nil {
		t.Fatal("openssl is the referee of the HMAC and is not installed: apt-get install openssl")
	}
	key := "k3y-for-the-partner-0123456789"
	v, err := obfuscate.New(facteur.FieldRule{Field: "f", Method: "hmac"}, []byte(key))
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range values {
		cmd := exec.Command("openssl", "dgst", "-sha256", "-hmac", key, "-r")
		cmd.Stdin = strings.NewReader(s)
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("openssl: %v", err)
		}
		want := strings.Fields(string(out))[0]
		if got := string(v.Apply([]byte(s))); got != want {
			t.Errorf("hmac(%q) = %s, openssl says %s", s, got, want)
		}
		if got := obfuscate.HMAC([]byte(key), []byte(s)); got != want {
			t.Errorf("HMAC(%q) = %s, openssl says %s", s, got, want)
		}
	}
}

// The hash is what sha256sum prints.
func TestHashMatchesSHA256Sum(t *testing.T) {
	v, err := obfuscate.New(facteur.FieldRule{Field: "f", Method: "hash"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range values {
		cmd := exec.Command("sha256sum")
		cmd.Stdin = strings.NewReader(s)
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("sha256sum: %v", err)
		}
		want := strings.Fields(string(out))[0]
		if got := string(v.Apply([]byte(s))); got != want {
			t.Errorf("hash(%q) = %s, sha256sum says %s", s, got, want)
		}
	}
}

func TestMask(t *testing.T) {
	for _, tt := range []struct {
		in   string
		keep int
		want string
	}{
		{"0612345678", 4, "••••••5678"},
		{"ada@example.com", 4, "•••@example.com"},
		{"ada.lovelace@example.com", 2, "••••••••••••@example.com"},
		{"Zoë@exämple.fr", 4, "•••@exämple.fr"}, // runes, not bytes
		{"Ångström", 3, "•••••röm"},
		{"日本語のテキスト", 2, "••••••スト"},
		{"abcd", 4, "••••"}, // as long as keep: masked whole
		{"ab", 4, "••"},     // shorter than keep: masked whole
		{"", 4, ""},
		{"abcdef", 1, "•••••f"},
		{"a@b", 4, "•••"},                   // no dot after the @: not an e-mail
		{"user@", 4, "•ser@"},               // nothing after the @
		{"@example.com", 4, "••••••••.com"}, // nothing before the @
		{"x@example.com.", 4, "••••••••••com."},
		{"two words@example.com", 4, "•••••••••@example.com"},
		{"a@b c.com", 3, "••••••com"},
		{"\xff\xfeab", 2, "••ab"}, // bytes that are not UTF-8 count one each
	} {
		if got := obfuscate.Mask([]byte(tt.in), tt.keep); got != tt.want {
			t.Errorf("Mask(%q, %d) = %q, want %q", tt.in, tt.keep, got, tt.want)
		}
	}
}

// NULL stays NULL for every method, and null makes every value NULL.
func TestNullStaysNull(t *testing.T) {
	for _, m := range []string{"hash", "hmac", "mask", "null"} {
		v, err := obfuscate.New(facteur.FieldRule{Field: "f", Method: m}, []byte("0123456789abcdef"))
		if err != nil {
			t.Fatal(err)
		}
		if got := v.Apply(nil); got != nil {
			t.Errorf("%s(NULL) = %q, want NULL", m, got)
		}
		if got := v.Apply([]byte("x")); (m == "null") != (got == nil) {
			t.Errorf("%s(x) = %q", m, got)
		}
		if got := v.Apply([]byte{}); m != "null" && got == nil {
			t.Errorf("%s(\"\") is NULL; an empty text is not NULL", m)
		}
	}
	if _, err := obfuscate.New(facteur.FieldRule{Field: "f", Method: "hmac"}, nil); facteur.ErrorCode(err) != facteur.EINVALID {
		t.Errorf("hmac without a key: %v", err)
	}
}

func TestParseRules(t *testing.T) {
	got, err := obfuscate.ParseRules(" email=hmac, phone=mask:6,notes=null,name=hash,city=mask")
	if err != nil {
		t.Fatal(err)
	}
	want := []facteur.FieldRule{{Field: "email", Method: "hmac"}, {Field: "phone", Method: "mask", Keep: 6}, {Field: "notes", Method: "null"}, {Field: "name", Method: "hash"}, {Field: "city", Method: "mask"}}
	if len(got) != len(want) {
		t.Fatalf("got %v", got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("rule %d = %+v, want %+v", i, got[i], want[i])
		}
	}
	for spec, msg := range map[string]string{
		"email":          "write field=method",
		"email=rot13":    "--obfuscate[0].method",
		"email=hash:3":   "only mask takes",
		"phone=mask:0":   "mask:N keeps 1 to 64",
		"phone=mask:65":  "mask:N keeps 1 to 64",
		"phone=mask:x":   "mask:N keeps 1 to 64",
		"a=hash,a=mask":  "--obfuscate[1].field",
		"=hash":          "--obfuscate[0].field",
		"a=hash,,b=hash": "rule 2",
	} {
		if _, err := obfuscate.ParseRules(spec); facteur.ErrorCode(err) != facteur.EINVALID || !strings.Contains(err.Error(), msg) {
			t.Errorf("ParseRules(%q): %v, want %q", spec, err, msg)
		}
	}
	if r, err := obfuscate.ParseRules("  "); err != nil || r != nil {
		t.Errorf("empty spec: %v, %v", r, err)
	}
}

func FuzzParseRules(f *testing.F) {
	for _, s := range []string{"email=hmac", "phone=mask:4,email=hash", "a=null,b=mask", "x=mask:99", "=", ",", "a=b=c", "é=mask:1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, spec string) {
		rules, err := obfuscate.ParseRules(spec)
		if err != nil {
			if facteur.ErrorCode(err) != facteur.EINVALID {
				t.Fatalf("ParseRules(%q): %v is not EINVALID", spec, err)
			}
			return
		}
		if err := facteur.ValidateFieldRules("obfuscate", rules); err != nil {
			t.Fatalf("ParseRules(%q) gave rules that do not validate: %v", spec, err)
		}
		for _, r := range rules {
			if _, err := obfuscate.New(r, []byte("0123456789abcdef")); err != nil {
				t.Fatalf("rule %+v: %v", r, err)
			}
		}
	})
}

func FuzzMask(f *testing.F) {
	for _, s := range []string{"0612345678", "ada@example.com", "Zoë@exämple.fr", "日本語", "", "\xff@a.b", "@.", "a@b.c."} {
		f.Add(s, 4)
	}
	f.Fuzz(func(t *testing.T, s string, keep int) {
		keep = min(max(keep, -2), 70)
		got := obfuscate.AppendMask(nil, []byte(s), keep)
		in := []byte(s)
		if at := bytes.LastIndexByte(in, '@'); at > 0 && bytes.HasSuffix(got, in[at:]) && bytes.Count(got[:len(got)-len(in)+at], []byte("•")) == utf8.RuneCount(in[:at]) {
			return // an e-mail: the local part masked whole, the domain kept
		}
		n := utf8.RuneCount(in)
		if n <= keep {
			if string(got) != strings.Repeat("•", n) {
				t.Fatalf("Mask(%q, %d) = %q: a short value must be masked whole", s, keep, got)
			}
			return
		}
		k := max(keep, 0)
		tail := in
		for i := 0; i < n-k; i++ {
			_, size := utf8.DecodeRune(tail)
			tail = tail[size:]
		}
		if string(got) != strings.Repeat("•", n-k)+string(tail) {
			t.Fatalf("Mask(%q, %d) = %q", s, keep, got)
		}
	})
}
