package export

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestSpoolWriter writes pieces of every size, from one byte to several
// buffers, through an asyncWriter into a spoolFile, and checks that the
// file holds them in order and that the size and SHA-256 are those of the
// file.
func TestSpoolWriter(t *testing.T) {
	t.Parallel()
	f, err := os.Create(filepath.Join(t.TempDir(), "spool"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	spool := newSpoolFile(f)
	w := newAsyncWriter(spool, spoolBuffer)
	rng := rand.New(rand.NewPCG(5, 6))
	fill := rand.NewChaCha8([32]byte{7})
	var want bytes.Buffer
	for i := range 400 {
		n := rng.IntN(1 << uint(i%21)) // up to 1 MiB, four spool buffers
		p := make([]byte, n)
		fill.Read(p)
		want.Write(p)
		if k, err := w.Write(p); k != n || err != nil {
			t.Fatalf("Write(%d bytes) = %d, %v", n, k, err)
		}
		clear(p) // the writer must have copied p
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	got, err := os.ReadFile(f.Name())
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want.Bytes()) {
		t.Fatalf("the file differs from what was written (%d bytes, want %d)", len(got), want.Len())
	}
	sum := sha256.Sum256(got)
	if n, h := spool.sum(); n != int64(len(got)) || h != hex.EncodeToString(sum[:]) {
		t.Errorf("sum() = %d, %s; want %d, %x", n, h, len(got), sum)
	}
}

// TestSpoolWriterError: a write that fails stops the writer; the error
// comes back from a later Write and from Close.
func TestSpoolWriterError(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "spool")
	if err := os.WriteFile(path, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path) // read only: every write fails
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	w := newAsyncWriter(newSpoolFile(f), spoolBuffer)
	p := make([]byte, spoolBuffer)
	var werr error
	for range 100 {
		if _, werr = w.Write(p); werr != nil {
			break
		}
	}
	if werr == nil || !strings.Contains(werr.Error(), "write spool file") {
		t.Errorf("Write after a failed write: %v, want the write error", werr)
	}
	if err := w.Close(); err == nil || !strings.Contains(err.Error(), "write spool file") {
		t.Errorf("Close: %v, want the write error", err)
	}
}
