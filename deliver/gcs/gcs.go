// Package gcs delivers files to a bucket of Google Cloud Storage (PRODUCT
// D7), with a streamed resumable upload of bounded memory.
package gcs

import (
	"context"
	"fmt"
	"time"

	"cloud.google.com/go/storage"
	"google.golang.org/api/option"

	"github.com/facteur/facteur"
	"github.com/facteur/facteur/deliver"
)

// Upload tuning.
const (
	// chunkSize is the part of a file the resumable upload holds in
	// memory and sends at once (a multiple of 256 KiB): the memory of one
	// upload. A smaller file goes in a single request.
	chunkSize = 8 << 20
	// checkTimeout bounds each request of Test's checks and of the
	// lookups of an object before and after its upload.
	checkTimeout = 30 * time.Second
	// cleanupTimeout bounds the removal of an object that does not hold
	// the file; it runs on a fresh context, since the delivery has failed.
	cleanupTimeout = 30 * time.Second
)

// Scope is the OAuth scope Facteur asks for: reading and writing objects.
const Scope = storage.ScopeReadWrite

// metaSHA256 is the custom metadata key (x-goog-meta-sha256) under which
// the hex SHA-256 of the whole file is stored on each object Facteur
// delivers, so that a re-delivery can tell the same file from another.
const metaSHA256 = "sha256"

// metaTest marks the object of Send test (x-goog-meta-facteur-test: true).
const metaTest = "facteur-test"

// GCS delivers artifacts as objects of a Cloud Storage bucket. Files are
// streamed with a resumable upload that holds one chunk in memory; Cloud
// Storage shows an object only once its upload is finalised, so nobody
// ever sees a partial file under the final name.
type GCS struct {
	cfg    Config
	client *storage.Client
	now    func() time.Time // the clock that names Test's file
}

var _ facteur.Deliverer = (*GCS)(nil)

// New returns the deliverer of a Cloud Storage destination. It fills
// cfg's defaults and fails with EINVALID when cfg is not valid; it does
// not connect, and without a key looks for the default credentials only
// at the first request. Every connection is opened through env.
func New(cfg Config, env deliver.Env) (*GCS, error) {
	cfg = cfg.withDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	ctx := context.Background()
	hc, err := HTTPClient(ctx, Auth{
		CredentialsJSON: cfg.CredentialsJSON,
		Anonymous:       cfg.Endpoint != "" && cfg.CredentialsJSON == "",
		Scopes:          []string{Scope},
	}, env)
	if err != nil {
		return nil, err
	}
	opts := []option.ClientOption{option.WithHTTPClient(hc), storage.WithJSONReads(), storage.WithDisabledClientMetrics()}
	if cfg.Endpoint != "" {
		opts = append(opts, option.WithEndpoint(cfg.Endpoint+"/storage/v1/"))
	}
	client, err := storage.NewClient(ctx, opts...)
	if err != nil {
		return nil, facteur.WrapError(facteur.EINVALID, err, "Cannot set up the Cloud Storage client; check the endpoint.")
	}
	// Few, quick retries: a run that fails on an unavailable store is
	// retried by Facteur with its own, longer backoff.
	client.SetRetry(storage.WithMaxAttempts(3), storage.WithBackoff(gaxBackoff()), storage.WithErrorFunc(shouldRetry))
	return &GCS{cfg: cfg, client: client, now: time.Now}, nil
}

// Deliver uploads the artifact to the object prefix + a.Name and returns
// its location, "gs://bucket/name". An object already there with the same
// size and SHA-256 is the same delivery: Deliver succeeds without
// uploading. An object with other content is replaced only when the
// destination allows overwriting; otherwise Deliver fails with ECONFLICT.
// A bad file name or a missing bucket fail with EINVALID, refused
// credentials with EUNAUTHORIZED, an unreachable or failing service with
// EUNAVAILABLE (facteur.Retryable reports true), a spooled file that does
// not match its size or SHA-256 with EINTERNAL, before anything is sent.
func (g *GCS) Deliver(ctx context.Context, a *facteur.Artifact) (facteur.Delivery, error) {
	p, err := deliver.ArtifactPayload(a)
	if err != nil {
		return facteur.Delivery{}, err
	}
	return g.put(ctx, p)
}

// Test delivers a small text file named "facteur-test-<UTC time>.txt"
// under the prefix, the same way as Deliver, which checks the bucket, the
// credentials and the permissions a delivery needs. It returns the
// object's location, or the error a delivery would meet.
func (g *GCS) Test(ctx context.Context) (facteur.Delivery, error) {
	return g.put(ctx, deliver.TestPayload(g.now(), fmt.Sprintf("gs://%s/%s", g.cfg.Bucket, g.cfg.Prefix)))
}

// Close releases the client's connections.
func (g *GCS) Close() error { return g.client.Close() }

// location returns the URL of an object, as a user would name it.
func (g *GCS) location(name string) string { return "gs://" + g.cfg.Bucket + "/" + name }
