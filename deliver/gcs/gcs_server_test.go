package gcs_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync/atomic"
	"testing"

	"cloud.google.com/go/storage"
	"github.com/fsouza/fake-gcs-server/fakestorage"
	"google.golang.org/api/iterator"
	"google.golang.org/api/option"

	"github.com/facteur/facteur/deliver"
	"github.com/facteur/facteur/deliver/gcs"
)

// gcsServer is a Cloud Storage server speaking the JSON API over HTTP:
// fake-gcs-server, started by scripts/servers/fake-gcs.sh
// (FACTEUR_TEST_GCS_ENDPOINT), or else its library serving on a loopback
// port of this process.
type gcsServer struct {
	endpoint string
	client   *storage.Client
}

var bucketSeq atomic.Int64

func testGCSServer(t *testing.T) gcsServer {
	t.Helper()
	endpoint := os.Getenv("FACTEUR_TEST_GCS_ENDPOINT")
	if endpoint == "" {
		srv, err := fakestorage.NewServerWithOptions(fakestorage.Options{Scheme: "http", Host: "127.0.0.1", Port: 0, NoListener: false})
		if err != nil {
			t.Fatalf("start fake-gcs-server: %v", err)
		}
		t.Cleanup(srv.Stop)
		endpoint = srv.URL()
	}
	client, err := storage.NewClient(context.Background(), option.WithEndpoint(endpoint+"/storage/v1/"), option.WithoutAuthentication(), storage.WithJSONReads(), storage.WithDisabledClientMetrics())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { client.Close() })
	return gcsServer{endpoint: endpoint, client: client}
}

// config returns the settings of a destination of bucket on the server.
func (srv gcsServer) config(bucket, prefix string, overwrite bool) gcs.Config {
	return gcs.Config{Bucket: bucket, Prefix: prefix, Endpoint: srv.endpoint, Overwrite: overwrite}
}

// newBucket creates an empty bucket of a name no other test uses.
func (srv gcsServer) newBucket(t *testing.T) string {
	t.Helper()
	name := fmt.Sprintf("facteur-test-%d-%d", os.Getpid(), bucketSeq.Add(1))
	if err := srv.client.Bucket(name).Create(t.Context(), "test-project", nil); err != nil {
		t.Fatalf("create bucket %s: %v", name, err)
	}
	return name
}

// files returns the objects under prefix, by name less the prefix.
func (srv gcsServer) files(t *testing.T, bucket, prefix string) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	it := srv.client.Bucket(bucket).Objects(context.Background(), &storage.Query{Prefix: prefix})
	for {
		a, err := it.Next()
		if errors.Is(err, iterator.Done) {
			break
		}
		if err != nil {
			t.Fatalf("list bucket %s: %v", bucket, err)
		}
		out[strings.TrimPrefix(a.Name, prefix)] = srv.read(t, bucket, a.Name)
	}
	return out
}

// read returns the content of an object, or nil when it went meanwhile.
func (srv gcsServer) read(t *testing.T, bucket, name string) []byte {
	t.Helper()
	r, err := srv.client.Bucket(bucket).Object(name).NewReader(context.Background())
	if errors.Is(err, storage.ErrObjectNotExist) {
		return nil
	}
	if err != nil {
		t.Fatalf("read %s: %v", name, err)
	}
	defer r.Close()
	b, err := io.ReadAll(r)
	if err != nil {
		t.Fatalf("read %s: %v", name, err)
	}
	return b
}

// attrs returns what the server says of an object.
func (srv gcsServer) attrs(t *testing.T, bucket, name string) *storage.ObjectAttrs {
	t.Helper()
	a, err := srv.client.Bucket(bucket).Object(name).Attrs(t.Context())
	if err != nil {
		t.Fatalf("attrs of %s: %v", name, err)
	}
	return a
}

// newGCS opens a destination and closes it at the end of the test.
func newGCS(t *testing.T, cfg gcs.Config, env deliver.Env) *gcs.GCS {
	t.Helper()
	d, err := gcs.New(cfg, env)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}
