package gcs_test

import (
	"bytes"
	"crypto/md5"
	"hash/crc32"
	"strings"
	"testing"

	"github.com/facteur/facteur"
	"github.com/facteur/facteur/deliver"
	"github.com/facteur/facteur/deliver/delivertest"
	"github.com/facteur/facteur/deliver/gcs"
)

// TestConformance runs the suite against fake-gcs-server, with and
// without a prefix.
func TestConformance(t *testing.T) {
	t.Parallel()
	kind := gcs.Kind()
	srv := testGCSServer(t)
	for _, tc := range []struct{ name, prefix, objPrefix string }{
		{"NoPrefix", "", ""},
		{"Prefix", "/exports//partner", "exports/partner/"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			delivertest.Run(t, &kind, func(t *testing.T, overwrite bool) delivertest.Destination {
				bucket := srv.newBucket(t)
				cfg := srv.config(bucket, tc.prefix, overwrite)
				env, logs := delivertest.LogEnv()
				down := cfg
				down.Endpoint = "http://" + delivertest.ClosedAddr(t)
				return delivertest.Destination{
					Deliverer:   newGCS(t, cfg, env),
					Files:       func(t *testing.T) map[string][]byte { return srv.files(t, bucket, tc.objPrefix) },
					Logs:        logs,
					Unreachable: newGCS(t, down, env),
				}
			})
		})
	}
}

// The location names the bucket and the whole object name, with the
// prefix normalised; the object carries the file's SHA-256 as metadata,
// its media type, and the CRC32C and MD5 of the bytes delivered, which
// the server checked against those the client declared.
func TestGCSLocationAndChecksums(t *testing.T) {
	t.Parallel()
	srv := testGCSServer(t)
	bucket := srv.newBucket(t)
	content := delivertest.Content(9<<20+5, 11) // more than one chunk
	a := delivertest.NewArtifact(t, "agents.csv", content)
	a.ContentType = "text/csv; charset=utf-8"
	got, err := newGCS(t, srv.config(bucket, "exports//partner", false), deliver.Env{}).Deliver(t.Context(), a)
	if err != nil {
		t.Fatal(err)
	}
	name := "exports/partner/agents.csv"
	if want := "gs://" + bucket + "/" + name; got.Location != want {
		t.Errorf("Location = %q, want %q", got.Location, want)
	}
	attrs := srv.attrs(t, bucket, name)
	if attrs.Metadata["sha256"] != a.SHA256 {
		t.Errorf("metadata sha256 = %q, want %q", attrs.Metadata["sha256"], a.SHA256)
	}
	if attrs.ContentType != a.ContentType {
		t.Errorf("Content-Type = %q, want %q", attrs.ContentType, a.ContentType)
	}
	if want := crc32.Checksum(content, crc32.MakeTable(crc32.Castagnoli)); attrs.CRC32C != want {
		t.Errorf("stored CRC32C = %08x, want %08x", attrs.CRC32C, want)
	}
	if want := md5.Sum(content); !bytes.Equal(attrs.MD5, want[:]) {
		t.Errorf("stored MD5 = %x, want %x", attrs.MD5, want)
	}
	if b := srv.read(t, bucket, name); !bytes.Equal(b, content) {
		t.Errorf("object holds %d bytes that differ from the %d delivered", len(b), len(content))
	}
}

// A missing bucket is a setting to fix, said in words, and not retried.
func TestGCSMissingBucket(t *testing.T) {
	t.Parallel()
	srv := testGCSServer(t)
	d := newGCS(t, srv.config("no-such-bucket-here", "", false), deliver.Env{})
	for _, call := range []func() error{
		func() error {
			_, err := d.Deliver(t.Context(), delivertest.NewArtifact(t, "agents.csv", []byte("x\n")))
			return err
		},
		func() error { _, err := d.Test(t.Context()); return err },
	} {
		err := call()
		if facteur.ErrorCode(err) != facteur.EINVALID || facteur.Retryable(err) {
			t.Fatalf("error %v (code %s), want a final EINVALID", err, facteur.ErrorCode(err))
		}
		if msg := facteur.ErrorMessage(err); !strings.Contains(msg, "Bucket no-such-bucket-here does not exist") {
			t.Errorf("message %q should say the bucket does not exist", msg)
		}
	}
}

// Send test's file lies under the prefix, and a file marked as a test
// carries x-goog-meta-facteur-test: true; an ordinary delivery does not.
func TestGCSMarksTestFiles(t *testing.T) {
	t.Parallel()
	srv := testGCSServer(t)
	bucket := srv.newBucket(t)
	d := newGCS(t, srv.config(bucket, "in", false), deliver.Env{})
	got, err := d.Test(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if name := strings.TrimPrefix(got.Location, "gs://"+bucket+"/"); !strings.HasPrefix(name, "in/facteur-test-") {
		t.Fatalf("Location %q: want gs://%s/in/facteur-test-…", got.Location, bucket)
	}
	for _, test := range []bool{true, false} {
		a := delivertest.NewArtifact(t, map[bool]string{true: "TEST_agents.csv", false: "agents.csv"}[test], []byte("id\n1\n"))
		a.Test = test
		if _, err := d.Deliver(t.Context(), a); err != nil {
			t.Fatal(err)
		}
		if got, want := srv.attrs(t, bucket, "in/"+a.Name).Metadata["facteur-test"], map[bool]string{true: "true"}[test]; got != want {
			t.Errorf("%s: metadata facteur-test = %q, want %q", a.Name, got, want)
		}
	}
}

// A re-delivery of the same file sends nothing: the object keeps its
// generation.
func TestGCSRedeliverDoesNotUpload(t *testing.T) {
	t.Parallel()
	srv := testGCSServer(t)
	bucket := srv.newBucket(t)
	for _, overwrite := range []bool{false, true} {
		d := newGCS(t, srv.config(bucket, "", overwrite), deliver.Env{})
		a := delivertest.NewArtifact(t, "same.csv", []byte("id\n1\n"))
		if _, err := d.Deliver(t.Context(), a); err != nil {
			t.Fatal(err)
		}
		gen := srv.attrs(t, bucket, "same.csv").Generation
		if _, err := d.Deliver(t.Context(), a); err != nil {
			t.Fatal(err)
		}
		if again := srv.attrs(t, bucket, "same.csv").Generation; again != gen {
			t.Errorf("overwrite=%v: generation %d became %d: the same file was uploaded again", overwrite, gen, again)
		}
	}
}
