package main

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/facteur/facteur"
)

// runOnce creates a schedule of report rep to dest and runs it now; it
// returns the finished run.
func runOnce(t *testing.T, n *node, rep, dest int64, fileName string) runView {
	t.Helper()
	var sc struct{ ID int64 }
	n.must(201, "POST", "/api/v1/schedules", map[string]any{"report_id": rep, "destination_id": dest, "enabled": false,
		"format": map[string]any{"format": "csv"}, "file_name": fileName, "calendar": map[string]any{"frequency": "daily"}}, &sc)
	var run facteur.Run
	n.must(202, "POST", fmt.Sprintf("/api/v1/schedules/%d/run", sc.ID), nil, &run)
	return n.waitRun(run.ID)
}

// s3Env returns the test S3 gateway's endpoint and credentials, and a
// client of it; it skips when FACTEUR_TEST_S3_ENDPOINT is "skip" and fails
// when it is not set.
func s3Env(t *testing.T) (endpoint, access, secret string, client *s3.Client) {
	t.Helper()
	endpoint = os.Getenv("FACTEUR_TEST_S3_ENDPOINT")
	if endpoint == "skip" {
		t.Skip("SKIPPED: FACTEUR_TEST_S3_ENDPOINT=skip")
	}
	if endpoint == "" {
		t.Fatal("FACTEUR_TEST_S3_ENDPOINT is not set: run scripts/test.sh, or eval \"$(scripts/servers/versitygw.sh)\"")
	}
	access, secret = os.Getenv("FACTEUR_TEST_S3_ACCESS_KEY"), os.Getenv("FACTEUR_TEST_S3_SECRET_KEY")
	client = s3.New(s3.Options{Region: "us-east-1", BaseEndpoint: aws.String(endpoint), UsePathStyle: true,
		Credentials:                credentials.NewStaticCredentialsProvider(access, secret, ""),
		RequestChecksumCalculation: aws.RequestChecksumCalculationWhenRequired, ResponseChecksumValidation: aws.ResponseChecksumValidationWhenRequired})
	return endpoint, access, secret, client
}

// TestS3ThroughTheAPI: an S3 destination on the versitygw gateway receives
// the file of Run now under its prefix; its secret is never shown.
func TestS3ThroughTheAPI(t *testing.T) {
	endpoint, access, secret, client := s3Env(t)
	b := make([]byte, 5)
	rand.Read(b)
	bucket := "facteur-e2e-" + hex.EncodeToString(b)
	ctx := context.Background()
	if _, err := client.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(bucket)}); err != nil {
		t.Fatal(err)
	}
	key := "partner/items.csv"
	t.Cleanup(func() {
		client.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
		client.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: aws.String(bucket)})
	})

	n := startServe(t, t.TempDir())
	var src, rep struct{ ID int64 }
	n.must(201, "POST", "/api/v1/sources", map[string]any{"name": "small", "dsn": smallSQLiteSource(t)}, &src)
	n.must(201, "POST", "/api/v1/reports", map[string]any{"name": "items", "source_id": src.ID, "sql": "select * from items order by id"}, &rep)
	var dest struct {
		ID     int64
		Config map[string]any
	}
	n.must(201, "POST", "/api/v1/destinations", map[string]any{"name": "Bucket", "kind": "s3", "config": map[string]any{
		"bucket": bucket, "prefix": "partner/", "endpoint": endpoint, "access_key_id": access, "secret_access_key": secret}}, &dest)
	if dest.Config["secret_access_key"] != nil {
		t.Fatalf("the S3 secret is shown: %v", dest.Config)
	}
	r := runOnce(t, n, rep.ID, dest.ID, "items.csv")
	if r.Status != facteur.RunSucceeded || r.Location != "s3://"+bucket+"/"+key {
		t.Fatalf("S3 run: %s %s %s", r.Status, r.Error, r.Location)
	}
	obj, err := client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(obj.Body)
	obj.Body.Close()
	if string(got) != "id,label\n1,one\n2,two\n" {
		t.Fatalf("object: %q", got)
	}
}

// TestWebhookThroughTheAPI: a webhook receiver gets the file of Run now,
// signed with the destination's secret, which the API never shows.
func TestWebhookThroughTheAPI(t *testing.T) {
	const secret = "a-webhook-secret-of-32-characters"
	var mu sync.Mutex
	var bodies [][]byte
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		ts := r.Header.Get("Facteur-Timestamp")
		m := hmac.New(sha256.New, []byte(secret))
		m.Write([]byte(ts + "."))
		m.Write(body)
		if !hmac.Equal([]byte(r.Header.Get("Facteur-Signature")), []byte("sha256="+hex.EncodeToString(m.Sum(nil)))) {
			http.Error(w, "bad signature", http.StatusUnauthorized)
			return
		}
		var sec int64
		fmt.Sscan(ts, &sec)
		if d := time.Since(time.Unix(sec, 0)); d > 5*time.Minute || d < -5*time.Minute {
			http.Error(w, "stale", http.StatusUnauthorized)
			return
		}
		mu.Lock()
		bodies = append(bodies, body)
		mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(recv.Close)

	n := startServe(t, t.TempDir())
	var src, rep struct{ ID int64 }
	n.must(201, "POST", "/api/v1/sources", map[string]any{"name": "small", "dsn": smallSQLiteSource(t)}, &src)
	n.must(201, "POST", "/api/v1/reports", map[string]any{"name": "items", "source_id": src.ID, "sql": "select * from items order by id"}, &rep)
	var dest struct {
		ID     int64
		Config map[string]any
	}
	n.must(201, "POST", "/api/v1/destinations", map[string]any{"name": "Hook", "kind": "webhook", "config": map[string]any{"url": recv.URL + "/in", "secret": secret}}, &dest)
	if dest.Config["secret"] != nil {
		t.Fatalf("the webhook secret is shown: %v", dest.Config)
	}
	r := runOnce(t, n, rep.ID, dest.ID, "items.csv")
	mu.Lock()
	defer mu.Unlock()
	if r.Status != facteur.RunSucceeded || len(bodies) != 1 || string(bodies[0]) != "id,label\n1,one\n2,two\n" {
		t.Fatalf("webhook run: %s %s; received %q", r.Status, r.Error, bodies)
	}
}
