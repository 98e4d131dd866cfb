package filewrite

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
)

// size is the buffer size of the tests' writers.
const size = 256 << 10

// TestAsyncHashed writes pieces of every size, from one byte to several
// buffers, through an Async into a Hashed file, and checks that the file
// holds them in order and that the size and SHA-256 are those of the file.
func TestAsyncHashed(t *testing.T) {
	t.Parallel()
	f, err := os.Create(filepath.Join(t.TempDir(), "file"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	spool := NewHashed(f)
	w := NewAsync(spool, size)
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
	if n, h := spool.Sum(); n != int64(len(got)) || h != hex.EncodeToString(sum[:]) {
		t.Errorf("sum() = %d, %s; want %d, %x", n, h, len(got), sum)
	}
}

// TestAsyncError: a write that fails stops the writer; the error comes
// back from a later Write and from Close.
func TestAsyncError(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(path, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path) // read only: every write fails
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	w := NewAsync(NewHashed(f), size)
	p := make([]byte, size)
	var werr error
	for range 100 {
		if _, werr = w.Write(p); werr != nil {
			break
		}
	}
	var pe *fs.PathError
	if !errors.As(werr, &pe) || pe.Op != "write" {
		t.Errorf("Write after a failed write: %v, want the write error", werr)
	}
	if err := w.Close(); !errors.As(err, &pe) || pe.Op != "write" {
		t.Errorf("Close: %v, want the write error", err)
	}
}
