// Package delivertest is the conformance suite of destinations: every
// registered kind of destination (folder, SFTP, S3, webhook, e-mail, …)
// passes the same tests, each against a real server, and adds its own for
// what only it can do. What a test expects of a kind it reads from the
// kind's registration.
package delivertest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/facteur/facteur"
	"github.com/facteur/facteur/deliver"
)

// Destination is one fresh, empty destination under test.
type Destination struct {
	// Deliverer delivers to the destination.
	Deliverer facteur.Deliverer
	// Files returns every file now at the destination, hidden and
	// temporary ones included, by name: for e-mail, the attachments
	// received, and each mail without one under "mail: <subject>". It
	// fails the test on error.
	Files func(t *testing.T) map[string][]byte
	// Keys returns the idempotency key of each delivery received so far,
	// oldest first (a webhook's Idempotency-Key, a mail's Message-ID).
	// Nil for a destination where the file's name is the key.
	Keys func(t *testing.T) []string
	// Secrets are the destination's secret settings: no error, and nothing
	// logged, may contain one.
	Secrets []string
	// Logs returns what the deliverer logged; nil: it was given no logger.
	Logs func() string
	// Unreachable delivers with the same settings to a server that does not
	// answer: its errors must say a retry can help. Nil for a kind without
	// a server (a folder).
	Unreachable facteur.Deliverer
}

// NewFunc returns a fresh, empty destination. With overwrite, it replaces
// an existing file of the same name and different content; without, such
// a delivery fails with ECONFLICT.
type NewFunc func(t *testing.T, overwrite bool) Destination

// Run runs the conformance suite against the destinations of kind that
// newDest returns. A kind keeps files by name when it has an overwrite
// setting or writes to a partner's file storage; one that does not (e-mail)
// skips the tests of names (Conflict, Overwrite) and is not asked to name
// the file in its location.
func Run(t *testing.T, kind *deliver.Kind, newDest NewFunc) {
	t.Helper()
	named := kind.Overwrite || kind.FileStorage
	tests := []struct {
		name  string
		fn    func(*testing.T, NewFunc, bool)
		named bool // needs a destination that keeps files by name
	}{
		{"Bytes", testBytes, false},
		{"Empty", testEmpty, false},
		{"Redeliver", testRedeliver, false},
		{"NoPartialFile", testNoPartialFile, false},
		{"IdempotencyKey", testIdempotencyKey, false},
		{"Conflict", testConflict, true},
		{"Overwrite", testOverwrite, true},
		{"BadName", testBadName, false},
		{"ShortArtifact", testShortArtifact, false},
		{"WrongSHA256", testWrongSHA256, false},
		{"Cancelled", testCancelled, false},
		{"Unreachable", testUnreachable, false},
		{"Secrets", testSecrets, false},
		{"Test", testTest, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if tc.named && !named {
				t.Skipf("a %s destination keeps no file by name", kind.Name)
			}
			tc.fn(t, newDest, named)
		})
	}
}

// MailRecipients keeps recipients' states in memory, as the store does: a
// sent recipient stays sent.
type MailRecipients struct {
	mu   sync.Mutex
	rows []*facteur.MailRecipient
}

// SetMailRecipient records r; a sent recipient stays sent.
func (m *MailRecipients) SetMailRecipient(_ context.Context, r *facteur.MailRecipient) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, x := range m.rows {
		if x.RunID == r.RunID && x.Purpose == r.Purpose && x.Address == r.Address {
			if x.State != facteur.MailSent {
				*x = *r
			}
			return nil
		}
	}
	c := *r
	m.rows = append(m.rows, &c)
	return nil
}

// MailRecipients returns the recipients of a run.
func (m *MailRecipients) MailRecipients(_ context.Context, run int64) ([]*facteur.MailRecipient, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []*facteur.MailRecipient
	for _, x := range m.rows {
		if x.RunID == run {
			c := *x
			out = append(out, &c)
		}
	}
	return out, nil
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

// mustDeliver delivers a and fails the test on error.
func mustDeliver(t *testing.T, d facteur.Deliverer, a *facteur.Artifact) facteur.Delivery {
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

func testBytes(t *testing.T, newDest NewFunc, named bool) {
	dest := newDest(t, false)
	content := Content(3<<20+17, 1)
	name := "tickets_20240331_0200 é.csv"
	got := mustDeliver(t, dest.Deliverer, NewArtifact(t, name, content))
	if named && !strings.Contains(got.Location, name) {
		t.Errorf("Location = %q, want it to name the file %q", got.Location, name)
	}
	wantFiles(t, dest, map[string][]byte{name: content})
}

func testEmpty(t *testing.T, newDest NewFunc, named bool) {
	dest := newDest(t, false)
	mustDeliver(t, dest.Deliverer, NewArtifact(t, "empty.csv", nil))
	wantFiles(t, dest, map[string][]byte{"empty.csv": {}})
}

// testNoPartialFile: while a large file is being delivered, the
// destination never shows its final name with anything but the whole
// file (two-step delivery: a temporary name, then a rename, or a store
// whose writes are atomic). The destination is looked at over and over
// during the delivery, not only after it.
func testNoPartialFile(t *testing.T, newDest NewFunc, named bool) {
	dest := newDest(t, false)
	content := Content(7<<20, 9) // under the attachment limit of e-mail
	const name = "large.csv"
	a := NewArtifact(t, name, content)
	done := make(chan error, 1)
	go func() {
		_, err := dest.Deliverer.Deliver(t.Context(), a)
		done <- err
	}()
	looks := 0
	for {
		select {
		case err := <-done:
			if err != nil {
				t.Fatalf("Deliver(%s): %v", name, err)
			}
			t.Logf("%d looks at the destination during the delivery", looks)
			wantFiles(t, dest, map[string][]byte{name: content})
			return
		default:
		}
		looks++
		time.Sleep(time.Millisecond) // leave the delivery a share of the CPU
		for n, b := range dest.Files(t) {
			if n == name && string(b) != string(content) {
				t.Fatalf("look %d during the delivery: %q holds %d bytes of %d: a partial file under the final name", looks, name, len(b), len(content))
			}
		}
	}
}

func testRedeliver(t *testing.T, newDest NewFunc, named bool) {
	for _, overwrite := range []bool{false, true} {
		dest := newDest(t, overwrite)
		a := NewArtifact(t, "agents.csv", Content(1000, 2))
		a.RunID = 1 // the same run delivering again, as after a crash
		first := mustDeliver(t, dest.Deliverer, a)
		second := mustDeliver(t, dest.Deliverer, a)
		if first != second {
			t.Errorf("overwrite=%v: Location changed from %q to %q on re-delivery", overwrite, first.Location, second.Location)
		}
		wantFiles(t, dest, map[string][]byte{"agents.csv": Content(1000, 2)})
	}
}

func testConflict(t *testing.T, newDest NewFunc, named bool) {
	dest := newDest(t, false)
	mustDeliver(t, dest.Deliverer, NewArtifact(t, "agents.csv", []byte("first\n")))
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

func testOverwrite(t *testing.T, newDest NewFunc, named bool) {
	dest := newDest(t, true)
	mustDeliver(t, dest.Deliverer, NewArtifact(t, "agents.csv", []byte("a much longer first version\n")))
	mustDeliver(t, dest.Deliverer, NewArtifact(t, "agents.csv", []byte("second\n")))
	wantFiles(t, dest, map[string][]byte{"agents.csv": []byte("second\n")})
}

func testBadName(t *testing.T, newDest NewFunc, named bool) {
	dest := newDest(t, true)
	for _, name := range []string{"", ".", "..", "../x.csv", "a/b.csv", `a\b.csv`, "a..b.csv", "x\x00.csv", "x\n.csv", "x\x7f.csv", strings.Repeat("a", 256)} {
		_, err := dest.Deliverer.Deliver(t.Context(), NewArtifact(t, name, []byte("x")))
		if facteur.ErrorCode(err) != facteur.EINVALID {
			t.Errorf("Deliver(%q): error %v, want code %q", name, err, facteur.EINVALID)
		}
		wantFinal(t, err)
	}
	wantFiles(t, dest, nil)
}

func testShortArtifact(t *testing.T, newDest NewFunc, named bool) {
	dest := newDest(t, true)
	a := NewArtifact(t, "short.csv", Content(100_000, 3))
	a.Size++ // the spooled file lost its last byte
	_, err := dest.Deliverer.Deliver(t.Context(), a)
	if err == nil {
		t.Fatal("Deliver of an artifact shorter than its size succeeded")
	}
	wantFinal(t, err)
	wantFiles(t, dest, nil)
}

func testWrongSHA256(t *testing.T, newDest NewFunc, named bool) {
	dest := newDest(t, true)
	a := NewArtifact(t, "corrupt.csv", Content(100_000, 4))
	a.SHA256 = hex.EncodeToString(make([]byte, sha256.Size))
	_, err := dest.Deliverer.Deliver(t.Context(), a)
	if err == nil {
		t.Fatal("Deliver of an artifact that does not match its SHA-256 succeeded")
	}
	wantFinal(t, err)
	wantFiles(t, dest, nil)
}

func testCancelled(t *testing.T, newDest NewFunc, named bool) {
	dest := newDest(t, true)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := dest.Deliverer.Deliver(ctx, NewArtifact(t, "cancelled.csv", Content(1000, 5))); err == nil {
		t.Fatal("Deliver with a cancelled context succeeded")
	}
	wantFiles(t, dest, nil)
}

func testTest(t *testing.T, newDest NewFunc, named bool) {
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
		if named && (!strings.HasPrefix(name, "facteur-test-") || !strings.HasSuffix(name, ".txt")) {
			t.Errorf("test file named %q, want facteur-test-<time>.txt", name)
		}
		if named && !strings.Contains(got.Location, name) {
			t.Errorf("Location = %q, want it to name the file %q", got.Location, name)
		}
		if !strings.Contains(string(b), "Facteur") {
			t.Errorf("test file says %q; it should say it comes from Facteur", b)
		}
	}
}

// testIdempotencyKey: a retry of a run delivers the same file under the
// same idempotency key, so that the partner recognises it.
func testIdempotencyKey(t *testing.T, newDest NewFunc, named bool) {
	dest := newDest(t, false)
	if dest.Keys == nil {
		t.Skip("the file's name is its key: Redeliver checks it")
	}
	a := NewArtifact(t, "agents.csv", Content(1000, 6))
	a.RunID = 7
	mustDeliver(t, dest.Deliverer, a)
	retry := *a
	retry.DeliveringRun = 8 // a retry of run 7, delivering its file again
	mustDeliver(t, dest.Deliverer, &retry)
	keys := dest.Keys(t)
	if len(keys) == 0 || keys[0] == "" {
		t.Fatalf("keys received: %q; want one per delivery", keys)
	}
	for i, k := range keys {
		if k != keys[0] {
			t.Errorf("delivery %d came with key %q, the first with %q", i+1, k, keys[0])
		}
	}
	wantFiles(t, dest, map[string][]byte{"agents.csv": Content(1000, 6)})
}

// testUnreachable: a server that does not answer is an error a retry can
// fix, and nothing arrives.
func testUnreachable(t *testing.T, newDest NewFunc, named bool) {
	dest := newDest(t, false)
	if dest.Unreachable == nil {
		t.Skip("no server to be unreachable")
	}
	_, err := dest.Unreachable.Deliver(t.Context(), NewArtifact(t, "agents.csv", Content(1000, 7)))
	if err == nil {
		t.Fatal("Deliver to a server that does not answer succeeded")
	}
	if !facteur.Retryable(err) {
		t.Errorf("Retryable(%v) = false; a retry can help when the server is back", err)
	}
}

// testSecrets: the errors a user reads and what the deliverer logs never
// contain a secret setting.
func testSecrets(t *testing.T, newDest NewFunc, named bool) {
	dest := newDest(t, false)
	var errs []error
	try := func(d facteur.Deliverer, a *facteur.Artifact) {
		if _, err := d.Deliver(t.Context(), a); err != nil {
			errs = append(errs, err)
		}
	}
	try(dest.Deliverer, NewArtifact(t, "../agents.csv", []byte("x")))
	short := NewArtifact(t, "short.csv", Content(1000, 8))
	short.Size++
	try(dest.Deliverer, short)
	if dest.Unreachable != nil {
		try(dest.Unreachable, NewArtifact(t, "agents.csv", []byte("x")))
		if _, err := dest.Unreachable.Test(t.Context()); err != nil {
			errs = append(errs, err)
		}
	}
	var logs string
	if dest.Logs != nil {
		logs = dest.Logs()
	}
	for _, secret := range dest.Secrets {
		if secret == "" {
			continue
		}
		for _, err := range errs {
			if strings.Contains(err.Error(), secret) || strings.Contains(facteur.ErrorMessage(err), secret) {
				t.Errorf("error %q contains a secret setting", err)
			}
		}
		if strings.Contains(logs, secret) {
			t.Errorf("the log contains a secret setting: %s", logs)
		}
	}
}

// wantFinal checks that a retry of err cannot help: the file or its name
// must change first.
func wantFinal(t *testing.T, err error) {
	t.Helper()
	if facteur.Retryable(err) {
		t.Errorf("Retryable(%v) = true, want false: retrying the same file cannot help", err)
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
