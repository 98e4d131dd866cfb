package s3_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"io"
	"net"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	awss3 "github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/facteur/facteur/deliver"
	"github.com/facteur/facteur/deliver/s3"
)

// s3Server is the S3-compatible server the tests run against (versitygw,
// started by scripts/servers/versitygw.sh).
type s3Server struct {
	endpoint, accessKey, secretKey, region string
}

// testS3Server returns the server named by the FACTEUR_TEST_S3_* variables.
// It fails the test when they are unset, and skips it (loudly) only when
// FACTEUR_TEST_S3_ENDPOINT is "skip".
func testS3Server(t *testing.T) s3Server {
	t.Helper()
	srv := s3Server{
		endpoint:  os.Getenv("FACTEUR_TEST_S3_ENDPOINT"),
		accessKey: os.Getenv("FACTEUR_TEST_S3_ACCESS_KEY"),
		secretKey: os.Getenv("FACTEUR_TEST_S3_SECRET_KEY"),
		region:    os.Getenv("FACTEUR_TEST_S3_REGION"),
	}
	if srv.endpoint == "skip" {
		t.Skip("S3 TESTS SKIPPED: FACTEUR_TEST_S3_ENDPOINT=skip")
	}
	if srv.endpoint == "" || srv.accessKey == "" || srv.secretKey == "" {
		t.Fatal("no S3 server for the tests: FACTEUR_TEST_S3_ENDPOINT, FACTEUR_TEST_S3_ACCESS_KEY and FACTEUR_TEST_S3_SECRET_KEY are unset. " +
			"Run ./scripts/test.sh, or eval \"$(scripts/servers/versitygw.sh)\" before go test (FACTEUR_TEST_S3_ENDPOINT=skip skips these tests).")
	}
	if srv.region == "" {
		srv.region = s3.DefaultRegion
	}
	return srv
}

// client returns an S3 client of the server with the root credentials,
// for setting up and looking at buckets the way a user would.
func (srv s3Server) client() *awss3.Client {
	return awss3.New(awss3.Options{
		Region:                     srv.region,
		BaseEndpoint:               aws.String(srv.endpoint),
		UsePathStyle:               true,
		Credentials:                credentials.NewStaticCredentialsProvider(srv.accessKey, srv.secretKey, ""),
		RequestChecksumCalculation: aws.RequestChecksumCalculationWhenRequired,
		ResponseChecksumValidation: aws.ResponseChecksumValidationWhenRequired,
	})
}

// config returns the config of a destination of bucket on the server.
func (srv s3Server) config(bucket, prefix string, overwrite bool) s3.Config {
	return s3.Config{
		Bucket: bucket, Prefix: prefix, Region: srv.region, Endpoint: srv.endpoint,
		AccessKeyID: srv.accessKey, SecretAccessKey: srv.secretKey, Overwrite: overwrite,
	}
}

// newBucket creates a bucket with a unique name and removes it, with
// everything in it, when the test ends.
func (srv s3Server) newBucket(t *testing.T) string {
	t.Helper()
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	bucket := "facteur-test-" + hex.EncodeToString(b)
	c := srv.client()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := c.CreateBucket(ctx, &awss3.CreateBucketInput{Bucket: aws.String(bucket)}); err != nil {
		t.Fatalf("create bucket %s on %s: %v", bucket, srv.endpoint, err)
	}
	t.Cleanup(func() { srv.removeBucket(t, bucket) })
	return bucket
}

// removeBucket aborts the bucket's uploads, deletes its objects and the
// bucket.
func (srv s3Server) removeBucket(t *testing.T, bucket string) {
	t.Helper()
	c := srv.client()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	ups, err := c.ListMultipartUploads(ctx, &awss3.ListMultipartUploadsInput{Bucket: aws.String(bucket)})
	if err == nil {
		for _, u := range ups.Uploads {
			_, _ = c.AbortMultipartUpload(ctx, &awss3.AbortMultipartUploadInput{Bucket: aws.String(bucket), Key: u.Key, UploadId: u.UploadId})
		}
	}
	for page := awss3.NewListObjectsV2Paginator(c, &awss3.ListObjectsV2Input{Bucket: aws.String(bucket)}); page.HasMorePages(); {
		out, err := page.NextPage(ctx)
		if err != nil {
			break
		}
		for _, o := range out.Contents {
			_, _ = c.DeleteObject(ctx, &awss3.DeleteObjectInput{Bucket: aws.String(bucket), Key: o.Key})
		}
	}
	if _, err := c.DeleteBucket(ctx, &awss3.DeleteBucketInput{Bucket: aws.String(bucket)}); err != nil {
		t.Logf("remove bucket %s: %v", bucket, err)
	}
}

// files returns every object of the bucket by name (its key without the
// prefix), and every multipart upload still pending as
// "pending-upload:<key>": a delivery that failed must leave neither. An
// object outside the prefix is named "outside-prefix:<key>".
func (srv s3Server) files(t *testing.T, bucket, prefix string) map[string][]byte {
	t.Helper()
	c := srv.client()
	ctx := t.Context()
	files := map[string][]byte{}
	for page := awss3.NewListObjectsV2Paginator(c, &awss3.ListObjectsV2Input{Bucket: aws.String(bucket)}); page.HasMorePages(); {
		out, err := page.NextPage(ctx)
		if err != nil {
			t.Fatalf("list bucket %s: %v", bucket, err)
		}
		for _, o := range out.Contents {
			key := aws.ToString(o.Key)
			name, ok := strings.CutPrefix(key, prefix)
			if !ok {
				name = "outside-prefix:" + key
			}
			files[name] = srv.read(t, bucket, key)
		}
	}
	for name := range srv.pendingUploads(t, bucket) {
		files["pending-upload:"+name] = nil
	}
	return files
}

// pendingUploads returns the keys of the bucket's unfinished multipart
// uploads.
func (srv s3Server) pendingUploads(t *testing.T, bucket string) map[string]bool {
	t.Helper()
	out, err := srv.client().ListMultipartUploads(t.Context(), &awss3.ListMultipartUploadsInput{Bucket: aws.String(bucket)})
	if err != nil {
		t.Fatalf("list multipart uploads of %s: %v", bucket, err)
	}
	keys := map[string]bool{}
	for _, u := range out.Uploads {
		keys[aws.ToString(u.Key)] = true
	}
	return keys
}

// read returns the bytes of an object.
func (srv s3Server) read(t *testing.T, bucket, key string) []byte {
	t.Helper()
	out, err := srv.client().GetObject(t.Context(), &awss3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
	if err != nil {
		t.Fatalf("get s3://%s/%s: %v", bucket, key, err)
	}
	defer out.Body.Close()
	b, err := io.ReadAll(out.Body)
	if err != nil {
		t.Fatalf("read s3://%s/%s: %v", bucket, key, err)
	}
	return b
}

// newS3 returns the deliverer of cfg and fails the test on error.
func newS3(t *testing.T, cfg s3.Config, env deliver.Env) *s3.S3 {
	t.Helper()
	d, err := s3.New(cfg, env)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return d
}

// s3CountingDialer dials plain TCP and counts the bytes written on every
// connection it opened; onWrite, if set, is called with the running total.
type s3CountingDialer struct {
	written atomic.Int64
	onWrite func(total int64)
}

// env returns a deliver.Env that dials through d.
func (d *s3CountingDialer) env() deliver.Env {
	return deliver.Env{Dial: func(ctx context.Context, network, addr string) (net.Conn, error) {
		var nd net.Dialer
		c, err := nd.DialContext(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		return &s3CountingConn{Conn: c, d: d}, nil
	}}
}

type s3CountingConn struct {
	net.Conn
	d *s3CountingDialer
}

func (c *s3CountingConn) Write(b []byte) (int, error) {
	n, err := c.Conn.Write(b)
	total := c.d.written.Add(int64(n))
	if c.d.onWrite != nil {
		c.d.onWrite(total)
	}
	return n, err
}
