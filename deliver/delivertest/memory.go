package delivertest

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/facteur/facteur"
)

// SampleHeap samples the heap in use every interval, from a goroutine it
// owns, until stop is called; stop returns the largest sample.
func SampleHeap(interval time.Duration) (stop func() uint64) {
	var (
		wg   sync.WaitGroup
		peak uint64
		done = make(chan struct{})
	)
	sample := func() {
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		peak = max(peak, m.HeapInuse)
	}
	wg.Go(func() {
		tick := time.NewTicker(interval)
		defer tick.Stop()
		for {
			sample()
			select {
			case <-done:
				return
			case <-tick.C:
			}
		}
	})
	return func() uint64 {
		close(done)
		wg.Wait()
		sample()
		return peak
	}
}

// SpoolLarge writes size bytes of test content to a spooled file, 1 MiB at
// a time, and returns it as an artifact.
func SpoolLarge(t testing.TB, name string, size int64) *facteur.Artifact {
	t.Helper()
	path := filepath.Join(t.TempDir(), "artifact")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	h := sha256.New()
	w := bufio.NewWriter(io.MultiWriter(f, h))
	chunk := Content(1<<20, 42)
	for left := size; left > 0; {
		n := min(left, int64(len(chunk)))
		chunk[0]++ // no two chunks alike
		if _, err := w.Write(chunk[:n]); err != nil {
			t.Fatal(err)
		}
		left -= n
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return &facteur.Artifact{Path: path, Name: name, Size: size, SHA256: hex.EncodeToString(h.Sum(nil))}
}
