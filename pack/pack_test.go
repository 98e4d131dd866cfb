package pack_test

import (
	"bytes"
	"crypto/rand"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/facteur/facteur"
	"github.com/facteur/facteur/pack"
)

// need skips the test when a referee tool is missing (scripts/test.sh
// installs them).
func need(t *testing.T, tools ...string) {
	t.Helper()
	for _, tool := range tools {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s is not installed (Debian packages age and gnupg); scripts/test.sh installs it", tool)
		}
	}
}

func run(t *testing.T, env []string, stdin []byte, name string, args ...string) []byte {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdin = bytes.NewReader(stdin)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, stderr.String())
	}
	return out
}

// ageKey makes an age identity with age-keygen and returns the identity
// file and its recipient.
func ageKey(t *testing.T) (identity, recipient string) {
	t.Helper()
	identity = filepath.Join(t.TempDir(), "key.txt")
	run(t, nil, nil, "age-keygen", "-o", identity)
	return identity, strings.TrimSpace(string(run(t, nil, nil, "age-keygen", "-y", identity)))
}

// gpgHome is a temporary GNUPGHOME.
type gpgHome struct {
	t   *testing.T
	dir string
}

func newGPG(t *testing.T) *gpgHome {
	t.Helper()
	// A short path: gpg-agent's socket must fit in a sun_path.
	dir, err := os.MkdirTemp("", "gpg")
	if err != nil {
		t.Fatal(err)
	}
	os.Chmod(dir, 0o700)
	g := &gpgHome{t, dir}
	t.Cleanup(func() {
		exec.Command("gpgconf", "--homedir", dir, "--kill", "all").Run()
		os.RemoveAll(dir)
	})
	return g
}

func (g *gpgHome) gpg(stdin []byte, args ...string) []byte {
	g.t.Helper()
	return run(g.t, []string{"GNUPGHOME=" + g.dir}, stdin, "gpg", append([]string{"--batch", "--yes", "--no-tty", "--pinentry-mode", "loopback", "--passphrase", ""}, args...)...)
}

// key generates a key (gpg --quick-gen-key uid algo usage expire) and
// returns it exported, armoured.
func (g *gpgHome) key(uid, algo, usage, expire string, extra ...string) string {
	g.t.Helper()
	g.gpg(nil, append(extra, "--quick-gen-key", uid, algo, usage, expire)...)
	return string(g.gpg(nil, "--armor", "--export", uid))
}

func TestAgeDecryptsWithAgeTool(t *testing.T) {
	need(t, "age", "age-keygen")
	id1, r1 := ageKey(t)
	id2, r2 := ageKey(t)
	idOther, _ := ageKey(t)
	plain := make([]byte, 3<<20+17) // several of age's 64 KiB chunks, and a partial one
	rand.Read(plain)
	enc := &facteur.Encryption{Method: facteur.EncryptAge, Recipients: []string{r1, " " + r2 + "\n"}}
	keys, err := pack.Check(enc, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if len(keys) != 2 || keys[0].Fingerprint != r1 || keys[1].Fingerprint != r2 || enc.Recipients[1] != r2 {
		t.Fatalf("Check = %+v, recipients %q", keys, enc.Recipients)
	}
	var buf bytes.Buffer
	w, err := pack.Encrypt(&buf, enc, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	for p := plain; len(p) > 0; p = p[min(len(p), 1000):] { // many small writes, like an encoder's
		w.Write(p[:min(len(p), 1000)])
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "f.csv.age")
	os.WriteFile(file, buf.Bytes(), 0o600)
	for _, id := range []string{id1, id2} {
		if got := run(t, nil, nil, "age", "-d", "-i", id, file); !bytes.Equal(got, plain) {
			t.Fatalf("age -d -i %s: %d bytes, want the %d plain bytes", id, len(got), len(plain))
		}
	}
	if out, err := exec.Command("age", "-d", "-i", idOther, file).CombinedOutput(); err == nil {
		t.Fatalf("age -d with another identity decrypted the file: %d bytes", len(out))
	}
}

func TestOpenPGPDecryptsWithGPG(t *testing.T) {
	need(t, "gpg", "gpgconf")
	partner, other := newGPG(t), newGPG(t)
	k1 := partner.key("Partner One <one@partner.example>", "future-default", "default", "never")
	k2 := partner.key("Partner Two <two@partner.example>", "rsa3072", "sign,encr", "2y")
	kOther := other.key("Someone Else <else@example.com>", "future-default", "default", "never")
	enc := &facteur.Encryption{Method: facteur.EncryptOpenPGP, Recipients: []string{k1, k2}}
	keys, err := pack.Check(enc, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	fp := strings.Fields(string(partner.gpg(nil, "--with-colons", "--fingerprint", "one@partner.example")))
	if keys[0].UserID != "Partner One <one@partner.example>" || !strings.Contains(strings.Join(fp, " "), "fpr:::::::::"+keys[0].Fingerprint+":") {
		t.Fatalf("Check = %+v; gpg says %s", keys, fp)
	}
	if keys[1].Expires == nil || keys[0].Expires != nil {
		t.Fatalf("expiry: %+v", keys)
	}
	plain := make([]byte, 1<<20+3)
	rand.Read(plain)
	var buf bytes.Buffer
	w, err := pack.Encrypt(&buf, enc, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	w.Write(plain)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if got := partner.gpg(buf.Bytes(), "--decrypt"); !bytes.Equal(got, plain) {
		t.Fatalf("gpg --decrypt: %d bytes, want the %d plain bytes", len(got), len(plain))
	}
	// Another key cannot read it.
	cmd := exec.Command("gpg", "--batch", "--no-tty", "--pinentry-mode", "loopback", "--passphrase", "", "--decrypt")
	cmd.Env = append(os.Environ(), "GNUPGHOME="+other.dir)
	cmd.Stdin = bytes.NewReader(buf.Bytes())
	if out, err := cmd.Output(); err == nil {
		t.Fatalf("gpg --decrypt with another key's home decrypted %d bytes", len(out))
	}
	_ = kOther
}

// TestCheckRefuses is the table of recipients refused when a destination
// is saved, each with what to ask the partner for.
func TestCheckRefuses(t *testing.T) {
	need(t, "age-keygen", "gpg", "gpgconf")
	idFile, _ := ageKey(t)
	identity := ""
	for _, l := range strings.Split(string(must(os.ReadFile(idFile))), "\n") {
		if strings.HasPrefix(l, "AGE-SECRET-KEY-") {
			identity = l
		}
	}
	g := newGPG(t)
	expired := g.key("Old <old@example.com>", "future-default", "default", "1y", "--faked-system-time", "20200101T000000!")
	weak := g.key("Weak <weak@example.com>", "rsa1024", "default", "never")
	dsa := g.key("Dsa <dsa@example.com>", "dsa2048", "sign", "never")
	signOnly := g.key("Signer <sign@example.com>", "ed25519", "sign", "never")
	g.key("Revoked <revoked@example.com>", "future-default", "default", "never")
	revs, _ := filepath.Glob(filepath.Join(g.dir, "openpgp-revocs.d", "*.rev"))
	if len(revs) == 0 {
		t.Fatal("gpg made no revocation certificate")
	}
	for _, rev := range revs {
		cert := strings.ReplaceAll(string(must(os.ReadFile(rev))), ":-----BEGIN", "-----BEGIN")
		if strings.Contains(string(g.gpg(nil, "--with-colons", "--list-keys", "revoked@example.com")), strings.TrimSuffix(filepath.Base(rev), ".rev")) {
			g.gpg([]byte(cert), "--import")
		}
	}
	revoked := string(g.gpg(nil, "--armor", "--export", "revoked@example.com"))
	private := string(g.gpg(nil, "--armor", "--export-secret-keys", "weak@example.com"))
	good := g.key("Good <good@example.com>", "future-default", "default", "never")

	age := func(r ...string) *facteur.Encryption {
		return &facteur.Encryption{Method: facteur.EncryptAge, Recipients: r}
	}
	pgp := func(r ...string) *facteur.Encryption {
		return &facteur.Encryption{Method: facteur.EncryptOpenPGP, Recipients: r}
	}
	many := make([]string, facteur.MaxEncryptionRecipients+1)
	for i := range many {
		_, many[i] = ageKey(t)
	}
	for _, tc := range []struct {
		name string
		enc  *facteur.Encryption
		want string
	}{
		{"method", &facteur.Encryption{Method: "rot13", Recipients: []string{"x"}}, "encryption.method: use"},
		{"none", age(), "encryption.recipients: give at least one recipient: ask the partner for their age recipient"},
		{"too many", age(many...), "at most 10 recipients"},
		{"age garbage", age("hello"), "encryption.recipients[0]: not an age X25519 recipient (it does not start with age1)"},
		{"age bad checksum", age("age1qyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqs3290gp"), "not an age X25519 recipient"},
		{"age identity", age(identity), "encryption.recipients[0]: this is an age identity, a PRIVATE key"},
		{"ssh key", age("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl"), "an SSH key"},
		{"pgp garbage", pgp("hello"), "not an armoured OpenPGP public key"},
		{"pgp broken", pgp("-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nAAAA\n-----END PGP PUBLIC KEY BLOCK-----\n"), "does not read"},
		{"expired", pgp(expired), "(Old <old@example.com>) has expired; ask the partner to extend it"},
		{"revoked", pgp(revoked), "is revoked; ask the partner for their current public key"},
		{"rsa1024", pgp(weak), "is too weak (RSA of 1024 bits, under 2048)"},
		{"dsa", pgp(dsa), "is too weak (DSA)"},
		{"sign only", pgp(signOnly), "has no key fit to encrypt with"},
		{"private", pgp(private), "this is an OpenPGP PRIVATE key"},
		{"two keys in one", pgp(good + weak), "holds 2 armoured blocks; give each key as a recipient of its own"},
		{"twice", pgp(good, good), "encryption.recipients[1]: the same key as encryption.recipients[0]"},
		{"too long", pgp(strings.Repeat("x", facteur.MaxRecipientKey+1)), "longer than 64 KiB"},
		{"age key as pgp", age(good), "an OpenPGP key; choose the openpgp method"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := pack.Check(tc.enc, time.Now())
			if facteur.ErrorCode(err) != facteur.EINVALID || !strings.Contains(facteur.ErrorMessage(err), tc.want) {
				t.Fatalf("Check: %v (%s), want EINVALID with %q", err, facteur.ErrorCode(err), tc.want)
			}
			if _, err := pack.Encrypt(new(bytes.Buffer), tc.enc, time.Now()); facteur.ErrorCode(err) != facteur.EINVALID {
				t.Fatalf("Encrypt: %v, want the same refusal", err)
			}
		})
	}
	// A key that was valid when saved and expired since is shown with its
	// problem.
	shown := pack.Describe(pgp(good, expired), time.Now())
	if shown[0].Problem != "" || shown[1].Problem == "" || len(shown[1].Fingerprint) != 40 {
		t.Fatalf("Describe = %+v", shown)
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}
