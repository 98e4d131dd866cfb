// Package delivertest is the conformance suite of destinations: every
// facteur.Deliverer of package deliver passes the same tests (folder, SFTP,
// S3, …), each against a real server, and adds its own for what only it can
// do.
package delivertest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/facteur/facteur"
)

// Destination is one fresh, empty destination under test.
type Destination struct {
	// Deliverer delivers to the destination.
	Deliverer facteur.Deliverer
	// Files returns every file now at the destination, hidden and
	// temporary ones included, by name. It fails the test on error.
	Files func(t *testing.T) map[string][]byte
}

// NewFunc returns a fresh, empty destination. With overwrite, it replaces
// an existing file of the same name and different content; without, such
// a delivery fails with ECONFLICT.
type NewFunc func(t *testing.T, overwrite bool) Destination

// Run runs the conformance suite against the destinations newDest returns.
func Run(t *testing.T, newDest NewFunc) {
	t.Helper()
	tests := []struct {
		name string
		fn   func(*testing.T, NewFunc)
	}{
		{"Bytes", testBytes},
		{"Empty", testEmpty},
		{"Redeliver", testRedeliver},
		{"Conflict", testConflict},
		{"Overwrite", testOverwrite},
		{"BadName", testBadName},
		{"ShortArtifact", testShortArtifact},
		{"WrongSHA256", testWrongSHA256},
		{"Cancelled", testCancelled},
		{"Test", testTest},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.fn(t, newDest)
		})
	}
}

// NewArtifact spools content to a file of a fresh temporary directory and
// returns it as an artifact to deliver under name, with its size and
// SHA-256.
func NewArtifact(t testing.TB, name string, content []byte) *facteur.Artifact {
	t.Helper()
	path := filepath.Join(t.TempDir(), "artifact")
	if err := os.WriteFile(path, content, 0o600); err != nil {
		t.Fatalf("spool artifact: %v", err)
	}
	sum := sha256.Sum256(content)
	return &facteur.Artifact{Path: path, Name: name, Size: int64(len(content)), SHA256: hex.EncodeToString(sum[:])}
}

// Content returns n bytes of every value, in a deterministic order that
// differs with seed, so that a file delivered with an error (a byte
// dropped, doubled or re-encoded) does not compare equal.
func Content(n int, seed byte) []byte {
	b := make([]byte, n)
	x := uint32(seed) + 1
	for i := range b {
		x ^= x << 13
		x ^= x >> 17
		x ^= x << 5
		b[i] = byte(x)
	}
	return b
}

// deliver delivers a and fails the test on error.
func deliver(t *testing.T, d facteur.Deliverer, a *facteur.Artifact) facteur.Delivery {
	t.Helper()
	got, err := d.Deliver(t.Context(), a)
	if err != nil {
		t.Fatalf("Deliver(%s): %v", a.Name, err)
	}
	if got.Location == "" {
		t.Errorf("Deliver(%s): empty Location", a.Name)
	}
	return got
}

// wantFiles checks that the destination holds exactly want.
func wantFiles(t *testing.T, dest Destination, want map[string][]byte) {
	t.Helper()
	got := dest.Files(t)
	for name, b := range got {
		w, ok := want[name]
		switch {
		case !ok:
			t.Errorf("unexpected file %q (%d bytes) at the destination", name, len(b))
		case string(b) != string(w):
			t.Errorf("file %q: %d bytes that differ from the %d bytes delivered", name, len(b), len(w))
		}
	}
	for name := range want {
		if _, ok := got[name]; !ok {
			t.Errorf("file %q is missing at the destination", name)
		}
	}
}

// wantCode checks the code of err.
func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	if got := facteur.ErrorCode(err); got != code {
		t.Fatalf("error code = %q, want %q (error: %v)", got, code, err)
	}
}

func testBytes(t *testing.T, newDest NewFunc) {
	dest := newDest(t, false)
	content := Content(3<<20+17, 1)
	name := "tickets_20240331_0200 é.csv"
	got := deliver(t, dest.Deliverer, NewArtifact(t, name, content))
	if !strings.Contains(got.Location, name) {
		t.Errorf("Location = %q, want it to name the file %q", got.Location, name)
	}
	wantFiles(t, dest, map[string][]byte{name: content})
}

func testEmpty(t *testing.T, newDest NewFunc) {
	dest := newDest(t, false)
	deliver(t, dest.Deliverer, NewArtifact(t, "empty.csv", nil))
	wantFiles(t, dest, map[string][]byte{"empty.csv": {}})
}

func testRedeliver(t *testing.T, newDest NewFunc) {
	for _, overwrite := range []bool{false, true} {
		dest := newDest(t, overwrite)
		a := NewArtifact(t, "agents.csv", Content(1000, 2))
		first := deliver(t, dest.Deliverer, a)
		second := deliver(t, dest.Deliverer, a)
		if first != second {
			t.Errorf("overwrite=%v: Location changed from %q to %q on re-delivery", overwrite, first.Location, second.Location)
		}
		wantFiles(t, dest, map[string][]byte{"agents.csv": Content(1000, 2)})
	}
}

func testConflict(t *testing.T, newDest NewFunc) {
	dest := newDest(t, false)
	deliver(t, dest.Deliverer, NewArtifact(t, "agents.csv", []byte("first\n")))
	_, err := dest.Deliverer.Deliver(t.Context(), NewArtifact(t, "agents.csv", []byte("second\n")))
	wantCode(t, err, facteur.ECONFLICT)
	if facteur.Retryable(err) {
		t.Errorf("Retryable(%v) = true, want false: retrying cannot help", err)
	}
	msg := facteur.ErrorMessage(err)
	if !strings.Contains(msg, "agents.csv") || !strings.Contains(msg, "overwrite") {
		t.Errorf("message %q should name the file and say how to fix it", msg)
	}
	wantFiles(t, dest, map[string][]byte{"agents.csv": []byte("first\n")})
}

func testOverwrite(t *testing.T, newDest NewFunc) {
	dest := newDest(t, true)
	deliver(t, dest.Deliverer, NewArtifact(t, "agents.csv", []byte("a much longer first version\n")))
	deliver(t, dest.Deliverer, NewArtifact(t, "agents.csv", []byte("second\n")))
	wantFiles(t, dest, map[string][]byte{"agents.csv": []byte("second\n")})
}

func testBadName(t *testing.T, newDest NewFunc) {
	dest := newDest(t, true)
	for _, name := range []string{"", ".", "..", "../x.csv", "a/b.csv", `a\b.csv`, "a..b.csv", "x\x00.csv", "x\n.csv", "x\x7f.csv", strings.Repeat("a", 256)} {
		_, err := dest.Deliverer.Deliver(t.Context(), NewArtifact(t, name, []byte("x")))
		if facteur.ErrorCode(err) != facteur.EINVALID {
			t.Errorf("Deliver(%q): error %v, want code %q", name, err, facteur.EINVALID)
		}
	}
	wantFiles(t, dest, nil)
}

func testShortArtifact(t *testing.T, newDest NewFunc) {
	dest := newDest(t, true)
	a := NewArtifact(t, "short.csv", Content(100_000, 3))
	a.Size++ // the spooled file lost its last byte
	if _, err := dest.Deliverer.Deliver(t.Context(), a); err == nil {
		t.Fatal("Deliver of an artifact shorter than its size succeeded")
	}
	wantFiles(t, dest, nil)
}

func testWrongSHA256(t *testing.T, newDest NewFunc) {
	dest := newDest(t, true)
	a := NewArtifact(t, "corrupt.csv", Content(100_000, 4))
	a.SHA256 = hex.EncodeToString(make([]byte, sha256.Size))
	if _, err := dest.Deliverer.Deliver(t.Context(), a); err == nil {
		t.Fatal("Deliver of an artifact that does not match its SHA-256 succeeded")
	}
	wantFiles(t, dest, nil)
}

func testCancelled(t *testing.T, newDest NewFunc) {
	dest := newDest(t, true)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := dest.Deliverer.Deliver(ctx, NewArtifact(t, "cancelled.csv", Content(1000, 5))); err == nil {
		t.Fatal("Deliver with a cancelled context succeeded")
	}
	wantFiles(t, dest, nil)
}

func testTest(t *testing.T, newDest NewFunc) {
	dest := newDest(t, false)
	got, err := dest.Deliverer.Test(t.Context())
	if err != nil {
		t.Fatalf("Test: %v", err)
	}
	files := dest.Files(t)
	if len(files) != 1 {
		t.Fatalf("after Test the destination holds %d files, want 1: %v", len(files), names(files))
	}
	for name, b := range files {
		if !strings.HasPrefix(name, "facteur-test-") || !strings.HasSuffix(name, ".txt") {
			t.Errorf("test file named %q, want facteur-test-<time>.txt", name)
		}
		if !strings.Contains(got.Location, name) {
			t.Errorf("Location = %q, want it to name the file %q", got.Location, name)
		}
		if !strings.Contains(string(b), "Facteur") {
			t.Errorf("test file says %q; it should say it comes from Facteur", b)
		}
	}
}

// names lists the names of files.
func names(files map[string][]byte) []string {
	var out []string
	for n := range files {
		out = append(out, n)
	}
	return out
}
