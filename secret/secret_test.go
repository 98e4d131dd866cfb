package secret

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func newKey(t *testing.T) []byte {
	t.Helper()
	k := make([]byte, KeySize)
	rand.Read(k)
	return k
}

func TestSealOpen(t *testing.T) {
	old, cur := newKey(t), newKey(t)
	ring, err := New(cur, old)
	if err != nil {
		t.Fatal(err)
	}
	plain := []byte("postgres://reader:s3cret-canary@db/crm")
	sealed, err := ring.Seal(plain)
	if err != nil {
		t.Fatal(err)
	}
	if !IsSealed(sealed) || strings.Contains(sealed, "s3cret") || !ring.SealedWithPrimary(sealed) {
		t.Fatalf("sealed %q", sealed)
	}
	if again, _ := ring.Seal(plain); again == sealed {
		t.Fatal("two seals of one value are identical: the data key or nonce is reused")
	}
	got, err := ring.Open(sealed)
	if err != nil || !bytes.Equal(got, plain) {
		t.Fatalf("Open = %q, %v", got, err)
	}

	// A value sealed under the previous key opens, and is due for rotation.
	oldRing, _ := New(old)
	fromOld, _ := oldRing.Seal(plain)
	if got, err := ring.Open(fromOld); err != nil || !bytes.Equal(got, plain) || ring.SealedWithPrimary(fromOld) {
		t.Fatalf("previous key: %q %v", got, err)
	}
	// Another key entirely is recognised as such.
	other, _ := New(newKey(t))
	if _, err := other.Open(sealed); !errors.Is(err, ErrWrongKey) {
		t.Fatalf("wrong key: %v", err)
	}
	// Any altered byte is refused.
	raw, _ := base64.RawURLEncoding.DecodeString(strings.TrimPrefix(sealed, Prefix))
	for _, i := range []int{9, 20, 60, len(raw) - 1} {
		bad := append([]byte(nil), raw...)
		bad[i] ^= 1
		if _, err := ring.Open(Prefix + base64.RawURLEncoding.EncodeToString(bad)); !errors.Is(err, ErrDamaged) {
			t.Errorf("byte %d altered: %v", i, err)
		}
	}
	if _, err := ring.Open(Prefix + "AAAA"); !errors.Is(err, ErrDamaged) {
		t.Errorf("truncated: %v", err)
	}
	// Values written before encryption read as they are.
	if got, err := ring.Open("plain text"); err != nil || string(got) != "plain text" {
		t.Errorf("unsealed: %q %v", got, err)
	}
	if _, err := New([]byte("short")); err == nil {
		t.Error("a short key was accepted")
	}
}

func TestLoadKey(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "keys", "secret.key")
	k1, created, err := LoadKey("", path)
	if err != nil || !created || len(k1) != KeySize {
		t.Fatalf("first start: %v %v", created, err)
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o600 {
		t.Fatalf("key file mode %o", fi.Mode().Perm())
	}
	k2, created, err := LoadKey("", path)
	if err != nil || created || !bytes.Equal(k1, k2) {
		t.Fatalf("second start: %v %v", created, err)
	}
	os.Chmod(path, 0o644)
	if _, _, err := LoadKey("", path); err == nil || !strings.Contains(err.Error(), "chmod 600") {
		t.Fatalf("readable key file: %v", err)
	}
	env := base64.StdEncoding.EncodeToString(k1)
	if k, _, err := LoadKey(env, filepath.Join(dir, "unused")); err != nil || !bytes.Equal(k, k1) {
		t.Fatalf("key from the environment: %v", err)
	}
	for _, bad := range []string{"not base64!", base64.StdEncoding.EncodeToString([]byte("short"))} {
		if _, _, err := LoadKey(bad, path); err == nil || !strings.Contains(err.Error(), EnvKey) {
			t.Errorf("bad env key %q: %v", bad, err)
		}
	}
}
