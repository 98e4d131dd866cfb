package main

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/facteur/facteur"
	"github.com/facteur/facteur/internal/faultproxy"
	"github.com/facteur/facteur/mail/smtptest"
	"github.com/facteur/facteur/store"
)

// netCutBytes is where the proxy cuts the first upload: past the
// protocols' handshakes, in the middle of the file.
const netCutBytes = 1 << 20

// wideSQLiteSource writes an SQLite database of n rows of about 70 bytes
// of CSV each and returns its DSN.
func wideSQLiteSource(t *testing.T, n int) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "wide.db")
	db, err := store.Open(context.Background(), store.Config{SQLitePath: path})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, s := range []string{"CREATE TABLE items (id INTEGER PRIMARY KEY, label TEXT)",
		fmt.Sprintf(`WITH RECURSIVE g(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM g WHERE i < %d)
			INSERT INTO items SELECT i, 'item ' || i || ' ' || hex(randomblob(24)) FROM g`, n)} {
		if _, err := db.SQL().Exec(s); err != nil {
			t.Fatal(err)
		}
	}
	return "sqlite:" + path
}

// netFault is one destination behind a proxy that cuts the first upload.
type netFault struct {
	config func(proxy string) map[string]any // the destination's config, through proxy ("host:port")
	target string                            // what the proxy forwards to
	// setup, when not nil, readies the server: the mail server's
	// settings point at the proxy.
	setup func(n *node, proxy string)
	// inAttempt: the client retries a cut request itself (the S3 SDK),
	// so the first attempt may succeed.
	inAttempt bool
	// arrived returns the delivered file's bytes and the names, other than
	// the file's, that the delivery left at the destination.
	arrived func(t *testing.T, name string) (file []byte, others []string)
}

// TestNetworkCutMidUpload cuts the connection to an SFTP server, an S3
// gateway, a webhook receiver and an SMTP server after 1 MiB of a 4 MB
// file: the attempt fails and is retried (10 s later; the S3 client
// retries the request itself, within the attempt), and the whole file is
// delivered once; nothing partial is left at the destination, the run's
// SHA-256 is that of what arrived, and the proxy saw exactly one cut.
func TestNetworkCutMidUpload(t *testing.T) {
	if testing.Short() {
		t.Skip("short mode: each case waits for a retry")
	}
	src := wideSQLiteSource(t, 60_000)
	token := make([]byte, 4)
	rand.Read(token)
	tag := hex.EncodeToString(token)

	cases := map[string]netFault{"sftp": sftpFault(t), "s3": s3Fault(t, tag), "webhook": webhookFault(t), "email": emailFault(t)}
	for kind, c := range cases {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			proxy, err := faultproxy.Start(c.target)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { proxy.Close() })
			proxy.CutAfter(netCutBytes, 1)
			n := startServe(t, t.TempDir())
			if c.setup != nil {
				c.setup(n, proxy.Addr())
			}
			var s, rep, dest struct{ ID int64 }
			n.must(201, "POST", "/api/v1/sources", map[string]any{"name": "wide", "dsn": src}, &s)
			n.must(201, "POST", "/api/v1/reports", map[string]any{"name": "items", "source_id": s.ID, "sql": "select * from items order by id"}, &rep)
			n.must(201, "POST", "/api/v1/destinations", map[string]any{"name": "Partner " + kind, "kind": kind, "config": c.config(proxy.Addr())}, &dest)
			name := fmt.Sprintf("cut-%s-%s.csv", tag, kind)
			r := runOnce(t, n, rep.ID, dest.ID, name)
			if r.Status != facteur.RunSucceeded || r.Rows != 60_000 || r.Attempt > 2 || (r.Attempt == 1 && !c.inAttempt) {
				t.Fatalf("run: %s attempt %d, %d rows, %s; log %+v", r.Status, r.Attempt, r.Rows, r.Error, r.Log)
			}
			if r.Attempt == 2 && !logHas(r.Log, "Attempt 1 of") {
				t.Errorf("the log does not say the first attempt failed: %+v", r.Log)
			}
			file, others := c.arrived(t, name)
			sum := sha256.Sum256(file)
			if hex.EncodeToString(sum[:]) != r.SHA256 || int64(len(file)) != r.Bytes || r.Bytes < 3*netCutBytes {
				t.Errorf("arrived %d bytes, sha-256 %x; the run says %d bytes, %s", len(file), sum, r.Bytes, r.SHA256)
			}
			if len(others) > 0 {
				t.Errorf("left at the destination besides the file: %q", others)
			}
			if proxy.Cut() != 1 || proxy.Accepted() < 2 {
				t.Errorf("the proxy took %d connections and cut %d; want one cut and a new connection", proxy.Accepted(), proxy.Cut())
			}
		})
	}
}

func sftpFault(t *testing.T) netFault {
	addr, user, password, dir := sftpEnv(t)
	return netFault{
		target: addr,
		config: func(proxy string) map[string]any {
			host, port, _ := strings.Cut(proxy, ":")
			p, _ := strconv.Atoi(port)
			return map[string]any{"host": host, "port": p, "user": user, "password": password, "directory": dir}
		},
		arrived: func(t *testing.T, name string) ([]byte, []string) {
			t.Cleanup(func() { os.Remove(filepath.Join(dir, name)) })
			file, err := os.ReadFile(filepath.Join(dir, name))
			if err != nil {
				t.Fatal(err)
			}
			entries, _ := os.ReadDir(dir)
			var others []string
			for _, e := range entries {
				if e.Name() != name && strings.Contains(e.Name(), strings.TrimSuffix(name, ".csv")) {
					others = append(others, e.Name())
				}
			}
			return file, others
		},
	}
}

func s3Fault(t *testing.T, tag string) netFault {
	endpoint, access, secret, client := s3Env(t)
	bucket := "facteur-cut-" + tag
	ctx := context.Background()
	if _, err := client.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(bucket)}); err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(endpoint)
	return netFault{
		target: u.Host,
		config: func(proxy string) map[string]any {
			return map[string]any{"bucket": bucket, "endpoint": "http://" + proxy, "access_key_id": access, "secret_access_key": secret}
		},
		inAttempt: true,
		arrived: func(t *testing.T, name string) ([]byte, []string) {
			t.Cleanup(func() {
				client.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(bucket), Key: aws.String(name)})
				client.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: aws.String(bucket)})
			})
			obj, err := client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(name)})
			if err != nil {
				t.Fatal(err)
			}
			defer obj.Body.Close()
			file, err := io.ReadAll(obj.Body)
			if err != nil {
				t.Fatal(err)
			}
			var others []string
			list, err := client.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String(bucket)})
			if err != nil {
				t.Fatal(err)
			}
			for _, o := range list.Contents {
				if aws.ToString(o.Key) != name {
					others = append(others, aws.ToString(o.Key))
				}
			}
			ups, err := client.ListMultipartUploads(ctx, &s3.ListMultipartUploadsInput{Bucket: aws.String(bucket)})
			if err != nil {
				t.Fatal(err)
			}
			for _, up := range ups.Uploads {
				others = append(others, "unfinished upload of "+aws.ToString(up.Key))
			}
			return file, others
		},
	}
}

func webhookFault(t *testing.T) netFault {
	const secret = "a-webhook-secret-of-32-characters"
	var mu sync.Mutex
	var whole [][]byte
	keys := map[string]int{}
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		mu.Lock()
		defer mu.Unlock()
		keys[r.Header.Get("Idempotency-Key")]++
		if err != nil {
			return // the upload was cut: nothing was received
		}
		whole = append(whole, body)
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(recv.Close)
	u, _ := url.Parse(recv.URL)
	return netFault{
		target: u.Host,
		config: func(proxy string) map[string]any {
			return map[string]any{"url": "http://" + proxy + "/in", "secret": secret}
		},
		arrived: func(t *testing.T, name string) ([]byte, []string) {
			mu.Lock()
			defer mu.Unlock()
			if len(whole) != 1 {
				t.Fatalf("the receiver got %d whole bodies; want 1", len(whole))
			}
			if len(keys) != 1 {
				t.Errorf("the attempts carried %d idempotency keys (%v); want one, the same", len(keys), keys)
			}
			return whole[0], nil
		},
	}
}

func emailFault(t *testing.T) netFault {
	smtp := smtptest.Start(t, smtptest.Options{Users: map[string]string{"facteur": "mail-secret"}})
	return netFault{
		target: smtp.Addr,
		setup: func(n *node, proxy string) {
			host, port, _ := strings.Cut(proxy, ":")
			p, _ := strconv.Atoi(port)
			n.must(200, "PUT", "/api/v1/settings/mail", map[string]any{"host": host, "port": p, "security": "none", "auth": "plain",
				"username": "facteur", "password": "mail-secret", "from": "facteur@example.org"}, nil)
			n.must(200, "PUT", "/api/v1/settings/policy", map[string]any{"allowed_email_domains": []string{"example.org"}}, nil)
		},
		config: func(string) map[string]any {
			return map[string]any{"to": []string{"partner@example.org"}}
		},
		arrived: func(t *testing.T, name string) ([]byte, []string) {
			smtp.WaitFor(1, 30*time.Second)
			time.Sleep(2 * time.Second) // a second mail would come now, if any
			got := smtp.Messages()
			if len(got) != 1 {
				t.Fatalf("the SMTP server received %d mails; want 1", len(got))
			}
			m := parseMail(t, got[0].Data)
			file, ok := m.attachments[name]
			if !ok {
				t.Fatalf("the mail has no attachment %q", name)
			}
			return file, nil
		},
	}
}
