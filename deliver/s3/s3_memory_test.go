package s3_test

import (
	"crypto/sha256"
	"encoding/hex"
	"io"
	"runtime"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awss3 "github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/facteur/facteur/deliver"
	"github.com/facteur/facteur/deliver/delivertest"
)

// s3MaxHeap is the heap (96 MiB) a 200 MB delivery may use: the multipart upload
// holds a few 8 MiB parts, never the file.
const s3MaxHeap = 96 << 20

// A 200 MB export is streamed with bounded memory: the process's heap in
// use, sampled every 10 ms, stays under s3MaxHeap, and the object that
// arrives has the file's bytes. Not parallel, so that no other test's
// memory is counted.
func TestS3LargeFileBoundedMemory(t *testing.T) {
	srv := testS3Server(t)
	bucket := srv.newBucket(t)
	a := delivertest.SpoolLarge(t, "export_200MB.csv", 200_000_000)
	d := newS3(t, srv.config(bucket, "big/", false), deliver.Env{})

	runtime.GC()
	var base runtime.MemStats
	runtime.ReadMemStats(&base)
	stop := delivertest.SampleHeap(10 * time.Millisecond)
	start := time.Now()
	_, err := d.Deliver(t.Context(), a)
	elapsed := time.Since(start)
	maxHeap := stop()
	if err != nil {
		t.Fatalf("Deliver: %v", err)
	}
	const mib = 1 << 20
	t.Logf("200 MB delivered in %v: %.1f MB/s; peak heap in use %.1f MiB (%.1f MiB before)",
		elapsed.Round(time.Millisecond), float64(a.Size)/1e6/elapsed.Seconds(), float64(maxHeap)/mib, float64(base.HeapInuse)/mib)
	if maxHeap >= s3MaxHeap {
		t.Errorf("peak heap in use %.1f MiB, want < %d MiB", float64(maxHeap)/mib, s3MaxHeap/mib)
	}

	// What arrived is the file, byte for byte (read streaming).
	out, err := srv.client().GetObject(t.Context(), &awss3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String("big/" + a.Name)})
	if err != nil {
		t.Fatal(err)
	}
	defer out.Body.Close()
	h := sha256.New()
	n, err := io.Copy(h, out.Body)
	if err != nil {
		t.Fatal(err)
	}
	if got := hex.EncodeToString(h.Sum(nil)); n != a.Size || got != a.SHA256 {
		t.Errorf("object holds %d bytes with SHA-256 %s, want %d bytes with %s", n, got, a.Size, a.SHA256)
	}
	if pending := srv.pendingUploads(t, bucket); len(pending) != 0 {
		t.Errorf("pending multipart uploads remain: %v", pending)
	}
}
