package sftp_test

import (
	"crypto/sha256"
	"encoding/hex"
	"io"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/facteur/facteur"
	"github.com/facteur/facteur/deliver"
	"github.com/facteur/facteur/deliver/delivertest"
)

// bigArtifact spools size bytes to a file, a mebibyte at a time, so that
// the test itself does not hold the file in memory.
func bigArtifact(t *testing.T, name string, size int) *facteur.Artifact {
	t.Helper()
	p := filepath.Join(t.TempDir(), "artifact")
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	h := sha256.New()
	w := io.MultiWriter(f, h)
	for i := 0; i < size; i += 1 << 20 {
		chunk := delivertest.Content(min(1<<20, size-i), byte(i>>20))
		if _, err := w.Write(chunk); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return &facteur.Artifact{Path: p, Name: name, Size: int64(size), SHA256: hex.EncodeToString(h.Sum(nil))}
}

// heapSampler records the process's peak heap while it runs.
type heapSampler struct {
	stop chan struct{}
	wg   sync.WaitGroup
	peak uint64 // HeapInuse, bytes
}

// sampleHeap starts sampling every few milliseconds.
func sampleHeap() *heapSampler {
	s := &heapSampler{stop: make(chan struct{})}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		tick := time.NewTicker(5 * time.Millisecond)
		defer tick.Stop()
		var m runtime.MemStats
		for {
			runtime.ReadMemStats(&m)
			s.peak = max(s.peak, m.HeapInuse)
			select {
			case <-s.stop:
				return
			case <-tick.C:
			}
		}
	}()
	return s
}

// done stops sampling and returns the peak in bytes.
func (s *heapSampler) done() uint64 {
	close(s.stop)
	s.wg.Wait()
	return s.peak
}

// A 200 MB export streams to the server with bounded memory. Not parallel:
// the heap is the whole process's.
func TestSFTPThroughput200MB(t *testing.T) {
	if testing.Short() {
		t.Skip("200 MB upload skipped in -short mode")
	}
	srv := testSFTPServer(t)
	dir := srv.newRemoteDir(t)
	const size = 200 << 20
	a := bigArtifact(t, "big.csv", size)
	d := newSFTP(t, srv.config(t, dir), deliver.Env{})

	runtime.GC()
	heap := sampleHeap()
	start := time.Now()
	if _, err := d.Deliver(t.Context(), a); err != nil {
		heap.done()
		t.Fatal(err)
	}
	took := time.Since(start)
	peak := heap.done()
	t.Logf("SFTP: 200 MB in %s = %.0f MB/s over loopback; peak heap in use %.1f MB",
		took.Round(time.Millisecond), float64(size)/1e6/took.Seconds(), float64(peak)/(1<<20))
	if peak >= 64<<20 {
		t.Errorf("peak heap %.1f MB, want < 64 MB: the upload is not streamed", float64(peak)/(1<<20))
	}

	f, err := srv.client(t).Open(path.Join(dir, a.Name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	h := sha256.New()
	n, err := f.WriteTo(h)
	if err != nil {
		t.Fatal(err)
	}
	if n != size || hex.EncodeToString(h.Sum(nil)) != a.SHA256 {
		t.Errorf("the server holds %d bytes with SHA-256 %x, want %d bytes with %s", n, h.Sum(nil), size, a.SHA256)
	}
}

// A retried delivery of a large file that did arrive (the answer to the
// rename was lost) succeeds without uploading it again, even without
// overwrite.
func TestSFTPRedeliverLargeFile(t *testing.T) {
	t.Parallel()
	srv := testSFTPServer(t)
	dir := srv.newRemoteDir(t)
	a := bigArtifact(t, "large.csv", 65<<20)
	d := newSFTP(t, srv.keyConfig(dir), deliver.Env{})
	if _, err := d.Deliver(t.Context(), a); err != nil {
		t.Fatal(err)
	}
	c := srv.client(t)
	before, err := c.Stat(path.Join(dir, a.Name))
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(1100 * time.Millisecond) // SFTP times have one-second resolution
	if _, err := d.Deliver(t.Context(), a); err != nil {
		t.Fatalf("re-delivery: %v", err)
	}
	after, err := c.Stat(path.Join(dir, a.Name))
	if err != nil {
		t.Fatal(err)
	}
	if !after.ModTime().Equal(before.ModTime()) || after.Size() != a.Size {
		t.Errorf("the file was rewritten: mtime %s -> %s, size %d", before.ModTime(), after.ModTime(), after.Size())
	}
	if entries, _ := c.ReadDir(dir); len(entries) != 1 {
		t.Errorf("the directory holds %d files, want 1", len(entries))
	}
}
