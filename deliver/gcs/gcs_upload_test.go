package gcs_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net"
	"os"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/facteur/facteur"
	"github.com/facteur/facteur/deliver"
	"github.com/facteur/facteur/deliver/delivertest"
)

// maxHeap is the heap (48 MiB) a 200 MB delivery may use: the resumable
// upload holds one 8 MiB chunk, never the file.
const maxHeap = 48 << 20

// A 200 MB export is streamed with bounded memory: the process's heap in
// use, sampled every 10 ms, stays under maxHeap, and the object that
// arrives has the file's bytes. The server must run in a process of its
// own (scripts/servers/fake-gcs.sh), since fake-gcs-server keeps objects
// in memory. Not parallel, so that no other test's memory is counted.
func TestGCSLargeFileBoundedMemory(t *testing.T) {
	if os.Getenv("FACTEUR_TEST_GCS_ENDPOINT") == "" {
		t.Skip("SKIPPED: set FACTEUR_TEST_GCS_ENDPOINT (eval \"$(scripts/servers/fake-gcs.sh)\") to measure the memory of a 200 MB upload against a server in another process")
	}
	srv := testGCSServer(t)
	bucket := srv.newBucket(t)
	a := delivertest.SpoolLarge(t, "export_200MB.csv", 200_000_000)
	d := newGCS(t, srv.config(bucket, "big/", false), deliver.Env{})

	runtime.GC()
	var base runtime.MemStats
	runtime.ReadMemStats(&base)
	stop := delivertest.SampleHeap(10 * time.Millisecond)
	start := time.Now()
	_, err := d.Deliver(t.Context(), a)
	elapsed := time.Since(start)
	peak := stop()
	if err != nil {
		t.Fatalf("Deliver: %v", err)
	}
	const mib = 1 << 20
	t.Logf("200 MB delivered in %v: %.1f MB/s; peak heap in use %.1f MiB (%.1f MiB before)",
		elapsed.Round(time.Millisecond), float64(a.Size)/1e6/elapsed.Seconds(), float64(peak)/mib, float64(base.HeapInuse)/mib)
	if peak >= maxHeap {
		t.Errorf("peak heap in use %.1f MiB, want < %d MiB", float64(peak)/mib, maxHeap/mib)
	}

	r, err := srv.client.Bucket(bucket).Object("big/" + a.Name).NewReader(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	h := sha256.New()
	n, err := io.Copy(h, r)
	if err != nil {
		t.Fatal(err)
	}
	if got := hex.EncodeToString(h.Sum(nil)); n != a.Size || got != a.SHA256 {
		t.Errorf("object holds %d bytes with SHA-256 %s, want %d bytes with %s", n, got, a.Size, a.SHA256)
	}
}

// An upload cut off midway (the run cancelled after 20 MiB of 40 were
// sent, in several chunks) leaves no object: Cloud Storage finalises an
// object only with its last chunk.
func TestGCSInterruptedUploadLeavesNothing(t *testing.T) {
	t.Parallel()
	srv := testGCSServer(t)
	bucket := srv.newBucket(t)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	var written atomic.Int64
	env := deliver.Env{Dial: func(ctx context.Context, network, addr string) (net.Conn, error) {
		var nd net.Dialer
		c, err := nd.DialContext(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		return &countingConn{Conn: c, onWrite: func(n int) {
			if written.Add(int64(n)) > 20<<20 {
				cancel()
			}
		}}, nil
	}}
	a := delivertest.NewArtifact(t, "cancelled.csv", delivertest.Content(40<<20, 8))
	_, err := newGCS(t, srv.config(bucket, "p/", true), env).Deliver(ctx, a)
	if facteur.ErrorCode(err) != facteur.ECANCELLED {
		t.Fatalf("error %v, want code %q", err, facteur.ECANCELLED)
	}
	if w := written.Load(); w < 20<<20 {
		t.Fatalf("only %d bytes were sent before the cancel; the test wants an upload under way", w)
	}
	if files := srv.files(t, bucket, "p/"); len(files) != 0 {
		t.Errorf("after a cancelled delivery the bucket holds %d objects", len(files))
	}
}

type countingConn struct {
	net.Conn
	onWrite func(n int)
}

func (c *countingConn) Write(b []byte) (int, error) {
	n, err := c.Conn.Write(b)
	c.onWrite(n)
	return n, err
}
