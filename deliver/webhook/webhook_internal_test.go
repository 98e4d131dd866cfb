package webhook

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/facteur/facteur"
)

// A spooled file that changed after it was signed is cut before its last
// byte: the receiver never gets a whole body that is not the signed file.
func TestWebhookVerifiedBody(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "artifact")
	content := make([]byte, 100_000)
	if err := os.WriteFile(path, content, 0o600); err != nil {
		t.Fatal(err)
	}
	sumOf := func(b []byte) string { return hashHex(t, b) }
	tests := []struct {
		name string
		size int64
		sha  string
		ok   bool
	}{
		{"same file", int64(len(content)), sumOf(content), true},
		{"other bytes", int64(len(content)), sumOf(append([]byte{1}, content[1:]...)), false},
		{"shorter than signed", int64(len(content)) + 1, sumOf(append(content, 0)), false},
		{"longer than signed", int64(len(content)) - 1, sumOf(content[1:]), false},
	}
	for _, tt := range tests {
		rc, err := openVerified(artifactAt(path, tt.size, tt.sha))
		if err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(rc)
		rc.Close()
		if tt.ok {
			if err != nil || len(got) != len(content) {
				t.Errorf("%s: read %d bytes, %v", tt.name, len(got), err)
			}
			continue
		}
		if !errors.Is(err, errWebhookChanged) || int64(len(got)) >= tt.size {
			t.Errorf("%s: read %d of %d bytes, %v; want errWebhookChanged before the last byte", tt.name, len(got), tt.size, err)
		}
	}
}

func hashHex(t *testing.T, b []byte) string {
	t.Helper()
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

func artifactAt(path string, size int64, sha string) *facteur.Artifact {
	return &facteur.Artifact{Path: path, Name: "a.csv", Size: size, SHA256: sha}
}
