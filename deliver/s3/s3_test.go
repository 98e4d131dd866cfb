package s3_test

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awss3 "github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/facteur/facteur"
	"github.com/facteur/facteur/deliver"
	"github.com/facteur/facteur/deliver/delivertest"
	"github.com/facteur/facteur/deliver/s3"
)

// TestConformance runs the suite against the test S3 gateway, with and
// without a prefix.
func TestConformance(t *testing.T) {
	t.Parallel()
	kind := s3.Kind()
	srv := testS3Server(t)
	for _, tc := range []struct{ name, prefix, keyPrefix string }{
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
					Deliverer:   newS3(t, cfg, env),
					Files:       func(t *testing.T) map[string][]byte { return srv.files(t, bucket, tc.keyPrefix) },
					Secrets:     []string{cfg.SecretAccessKey},
					Logs:        logs,
					Unreachable: newS3(t, down, env),
				}
			})
		})
	}
}

// The location names the bucket and the whole key, with the prefix
// normalised, and the object carries the file's SHA-256 (as metadata, and
// as the checksum the server verified on a single PUT) and media type.
func TestS3LocationAndMetadata(t *testing.T) {
	t.Parallel()
	srv := testS3Server(t)
	bucket := srv.newBucket(t)
	content := []byte("id,name\n1,Ada\n")
	a := delivertest.NewArtifact(t, "agents.csv", content)
	a.ContentType = "text/csv; charset=utf-8" // the export's, from the registry of formats
	got, err := newS3(t, srv.config(bucket, "exports//partner", false), deliver.Env{}).Deliver(t.Context(), a)
	if err != nil {
		t.Fatal(err)
	}
	key := "exports/partner/agents.csv"
	if want := "s3://" + bucket + "/" + key; got.Location != want {
		t.Errorf("Location = %q, want %q", got.Location, want)
	}
	head, err := srv.client().HeadObject(t.Context(), &awss3.HeadObjectInput{
		Bucket: aws.String(bucket), Key: aws.String(key), ChecksumMode: types.ChecksumModeEnabled,
	})
	if err != nil {
		t.Fatal(err)
	}
	if head.Metadata["sha256"] != a.SHA256 {
		t.Errorf("x-amz-meta-sha256 = %q, want %q", head.Metadata["sha256"], a.SHA256)
	}
	if ct := aws.ToString(head.ContentType); ct != a.ContentType {
		t.Errorf("Content-Type = %q, want the artifact's %q", ct, a.ContentType)
	}
	sum := sha256.Sum256(content)
	if want := base64.StdEncoding.EncodeToString(sum[:]); aws.ToString(head.ChecksumSHA256) != want {
		t.Errorf("ChecksumSHA256 = %q, want %q: the server should have checked the whole file's SHA-256", aws.ToString(head.ChecksumSHA256), want)
	}
}

// Re-delivering the same file uploads nothing: the bytes written to the
// network are a fraction of the file's, and the object is not rewritten.
func TestS3RedeliverDoesNotUpload(t *testing.T) {
	t.Parallel()
	srv := testS3Server(t)
	bucket := srv.newBucket(t)
	var dialer s3CountingDialer
	d := newS3(t, srv.config(bucket, "", true), dialer.env())
	a := delivertest.NewArtifact(t, "tickets.csv", delivertest.Content(20<<20, 7)) // multipart
	if _, err := d.Deliver(t.Context(), a); err != nil {
		t.Fatal(err)
	}
	first := dialer.written.Load()
	etag := srv.etag(t, bucket, "tickets.csv")
	if _, err := d.Deliver(t.Context(), a); err != nil {
		t.Fatal(err)
	}
	second := dialer.written.Load() - first
	if first < a.Size {
		t.Errorf("first delivery wrote %d bytes, less than the file's %d", first, a.Size)
	}
	if second > 16<<10 {
		t.Errorf("re-delivery wrote %d bytes to the network; it should only look at the object", second)
	}
	if got := srv.etag(t, bucket, "tickets.csv"); got != etag {
		t.Errorf("re-delivery rewrote the object: ETag %s, then %s", etag, got)
	}
	t.Logf("first delivery wrote %d bytes, the re-delivery %d", first, second)
}

// etag returns the ETag of an object.
func (srv s3Server) etag(t *testing.T, bucket, key string) string {
	t.Helper()
	head, err := srv.client().HeadObject(t.Context(), &awss3.HeadObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
	if err != nil {
		t.Fatal(err)
	}
	return aws.ToString(head.ETag)
}

func TestS3WrongSecret(t *testing.T) {
	t.Parallel()
	srv := testS3Server(t)
	bucket := srv.newBucket(t)
	cfg := srv.config(bucket, "", false)
	cfg.SecretAccessKey = "wrong-secret-" + hex.EncodeToString([]byte(t.Name()))
	d := newS3(t, cfg, deliver.Env{})
	a := delivertest.NewArtifact(t, "a.csv", []byte("x\n"))
	_, derr := d.Deliver(t.Context(), a)
	_, terr := d.Test(t.Context())
	for what, err := range map[string]error{"Deliver": derr, "Test": terr, "Check": d.Check(t.Context())} {
		if facteur.ErrorCode(err) != facteur.EUNAUTHORIZED {
			t.Errorf("%s: error %v, want code %q", what, err, facteur.EUNAUTHORIZED)
			continue
		}
		if msg := facteur.ErrorMessage(err); msg != "Access denied: check the access key and secret." {
			t.Errorf("%s: message %q", what, msg)
		}
		if strings.Contains(err.Error(), cfg.SecretAccessKey) {
			t.Errorf("%s: the error shows the secret: %v", what, err)
		}
		if facteur.Retryable(err) {
			t.Errorf("%s: Retryable(%v) = true; refused credentials are permanent", what, err)
		}
	}
	if files := srv.files(t, bucket, ""); len(files) != 0 {
		t.Errorf("bucket holds %v", s3Names(files))
	}
}

func TestS3MissingBucket(t *testing.T) {
	t.Parallel()
	srv := testS3Server(t)
	d := newS3(t, srv.config("facteur-no-such-bucket-5e1f", "x/", false), deliver.Env{})
	_, derr := d.Deliver(t.Context(), delivertest.NewArtifact(t, "a.csv", []byte("x\n")))
	_, terr := d.Test(t.Context())
	for what, err := range map[string]error{"Deliver": derr, "Test": terr, "Check": d.Check(t.Context())} {
		if facteur.ErrorCode(err) != facteur.EINVALID {
			t.Errorf("%s: error %v, want code %q", what, err, facteur.EINVALID)
			continue
		}
		want := "Bucket facteur-no-such-bucket-5e1f does not exist (or is in another region)."
		if msg := facteur.ErrorMessage(err); msg != want {
			t.Errorf("%s: message %q, want %q", what, msg, want)
		}
	}
}

func TestS3ServerDown(t *testing.T) {
	t.Parallel()
	srv := testS3Server(t)
	cfg := srv.config("facteur-bucket", "", false)
	cfg.Endpoint = "http://" + delivertest.ClosedAddr(t)
	d := newS3(t, cfg, deliver.Env{})
	_, derr := d.Deliver(t.Context(), delivertest.NewArtifact(t, "a.csv", []byte("x\n")))
	_, terr := d.Test(t.Context())
	for what, err := range map[string]error{"Deliver": derr, "Test": terr} {
		if facteur.ErrorCode(err) != facteur.EUNAVAILABLE || !facteur.Retryable(err) {
			t.Errorf("%s: error %v (code %q), want a retryable %q", what, err, facteur.ErrorCode(err), facteur.EUNAVAILABLE)
		}
		if !strings.Contains(facteur.ErrorMessage(err), cfg.Endpoint) {
			t.Errorf("%s: message %q should name the endpoint", what, facteur.ErrorMessage(err))
		}
	}
}

// A multipart upload that fails on the way (the spooled file is shorter
// than its size, or the delivery is cancelled after some parts were sent)
// leaves no object and no pending upload.
func TestS3AbortLeavesNothing(t *testing.T) {
	t.Parallel()
	srv := testS3Server(t)
	content := delivertest.Content(40<<20, 8) // five parts

	t.Run("ShortArtifact", func(t *testing.T) {
		t.Parallel()
		bucket := srv.newBucket(t)
		a := delivertest.NewArtifact(t, "short.csv", content)
		a.Size++
		_, err := newS3(t, srv.config(bucket, "p/", true), deliver.Env{}).Deliver(t.Context(), a)
		if facteur.ErrorCode(err) != facteur.EINTERNAL {
			t.Fatalf("error %v, want code %q", err, facteur.EINTERNAL)
		}
		if files := srv.files(t, bucket, "p/"); len(files) != 0 {
			t.Errorf("after a failed delivery the bucket holds %v", s3Names(files))
		}
	})

	t.Run("CancelledMidUpload", func(t *testing.T) {
		t.Parallel()
		bucket := srv.newBucket(t)
		ctx, cancel := context.WithCancel(t.Context())
		defer cancel()
		dialer := s3CountingDialer{onWrite: func(total int64) {
			if total > 20<<20 {
				cancel()
			}
		}}
		a := delivertest.NewArtifact(t, "cancelled.csv", content)
		_, err := newS3(t, srv.config(bucket, "p/", true), dialer.env()).Deliver(ctx, a)
		if facteur.ErrorCode(err) != facteur.ECANCELLED {
			t.Fatalf("error %v, want code %q", err, facteur.ECANCELLED)
		}
		if w := dialer.written.Load(); w < 20<<20 {
			t.Fatalf("only %d bytes were sent before the cancel; the test wants a multipart upload under way", w)
		}
		if files := srv.files(t, bucket, "p/"); len(files) != 0 {
			t.Errorf("after a cancelled delivery the bucket holds %v", s3Names(files))
		}
	})
}

// Without overwrite, two deliveries of different files racing for one key
// never replace each other: one wins, the other fails with ECONFLICT (at
// once, or at its retry when the gateway cut its connection).
func TestS3ConcurrentConflict(t *testing.T) {
	t.Parallel()
	srv := testS3Server(t)
	bucket := srv.newBucket(t)
	d := newS3(t, srv.config(bucket, "", false), deliver.Env{})
	contents := [][]byte{delivertest.Content(3<<20, 10), delivertest.Content(3<<20, 11)}
	errs := make(chan error, 2)
	for _, c := range contents {
		a := delivertest.NewArtifact(t, "race.csv", c)
		go func() {
			_, err := d.Deliver(t.Context(), a)
			if facteur.Retryable(err) {
				// The gateway may cut the loser's connection instead of
				// answering 412; the run's retry then sees the winner's file.
				_, err = d.Deliver(t.Context(), a)
			}
			errs <- err
		}()
	}
	var ok, conflict int
	for range 2 {
		switch err := <-errs; facteur.ErrorCode(err) {
		case "":
			ok++
		case facteur.ECONFLICT:
			conflict++
		default:
			t.Errorf("Deliver: %v", err)
		}
	}
	if ok != 1 || conflict != 1 {
		t.Errorf("%d deliveries succeeded and %d failed with a conflict, want 1 and 1", ok, conflict)
	}
	got := srv.files(t, bucket, "")["race.csv"]
	if string(got) != string(contents[0]) && string(got) != string(contents[1]) {
		t.Errorf("race.csv holds %d bytes that are neither file", len(got))
	}
}

// s3Names lists the names of files.
func s3Names(files map[string][]byte) []string {
	var out []string
	for n := range files {
		out = append(out, n)
	}
	return out
}

// A region other than the bucket's is a setting to fix, and the message
// says which.
func TestS3WrongRegion(t *testing.T) {
	t.Parallel()
	srv := testS3Server(t)
	bucket := srv.newBucket(t)
	cfg := srv.config(bucket, "", false)
	cfg.Region = "eu-west-3"
	d := newS3(t, cfg, deliver.Env{})
	_, derr := d.Deliver(t.Context(), delivertest.NewArtifact(t, "a.csv", []byte("x\n")))
	for what, err := range map[string]error{"Deliver": derr, "Check": d.Check(t.Context())} {
		if facteur.ErrorCode(err) != facteur.EINVALID || facteur.Retryable(err) {
			t.Errorf("%s: error %v, want a permanent %q", what, err, facteur.EINVALID)
		}
		if msg := facteur.ErrorMessage(err); !strings.Contains(msg, `"region"`) || !strings.Contains(msg, "eu-west-3") {
			t.Errorf("%s: message %q should point at the region setting", what, msg)
		}
	}
}
