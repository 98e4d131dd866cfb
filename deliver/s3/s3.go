package s3

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/feature/s3/transfermanager"
	tmtypes "github.com/aws/aws-sdk-go-v2/feature/s3/transfermanager/types"
	awss3 "github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/facteur/facteur"
	"github.com/facteur/facteur/deliver"
)

// Upload tuning. Memory held by one upload is about s3PartSize ×
// (s3Concurrency + 2): the part buffers of the transfer manager's pool plus
// the first part, read before it knows whether one PUT is enough.
const (
	s3PartSize    = 8 << 20 // bytes per part; also the single-PUT threshold
	s3Concurrency = 3       // parts in flight at once

	// s3RequestTimeout bounds one HTTP request, body included: a part of
	// 8 MiB, shared with the other parts in flight, at 1 Mbit/s.
	s3RequestTimeout = 10 * time.Minute
	// s3HeaderTimeout bounds the wait for response headers once a request
	// is sent; completing a large multipart upload can take a while.
	s3HeaderTimeout = 2 * time.Minute
	// s3AbortTimeout bounds the abort of a failed multipart upload; it runs
	// on a fresh context so that a cancelled delivery still cleans up.
	s3AbortTimeout = 30 * time.Second
	// s3CheckTimeout bounds each request of Check.
	s3CheckTimeout = 30 * time.Second
)

// s3MetaSHA256 is the user metadata key (x-amz-meta-sha256) under which the
// hex SHA-256 of the whole file is stored on each object Facteur delivers,
// so that a re-delivery can tell the same file from a different one.
const s3MetaSHA256 = "sha256"

// s3MetaTest marks the object of Send test (x-amz-meta-facteur-test: true).
const s3MetaTest = "facteur-test"

// S3 delivers artifacts as objects of an Amazon S3 or S3-compatible bucket
// (PRODUCT D4). Files are streamed with a multipart upload of bounded
// memory; S3 shows an object only once its upload is complete, and a failed
// upload is aborted, so nobody ever sees a partial file under the final key.
type S3 struct {
	cfg    Config
	client *awss3.Client
	tm     *transfermanager.Client
	now    func() time.Time // the clock that names Test's file
}

var (
	_ facteur.Deliverer = (*S3)(nil)
)

// New returns the deliverer of an S3 destination. It fills cfg's
// defaults and fails with EINVALID when cfg is not valid; it does not
// connect (see Check). Every connection is opened through env.
func New(cfg Config, env deliver.Env) (*S3, error) {
	cfg = cfg.withDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	httpClient := &http.Client{
		Transport: &http.Transport{
			DialContext:           env.DialContext,
			ForceAttemptHTTP2:     true,
			MaxIdleConnsPerHost:   s3Concurrency + 1,
			IdleConnTimeout:       90 * time.Second,
			TLSHandshakeTimeout:   10 * time.Second,
			ResponseHeaderTimeout: s3HeaderTimeout,
			ExpectContinueTimeout: time.Second,
		},
		Timeout: s3RequestTimeout,
		// S3 answers a wrong region with a redirect; report it rather than
		// follow it somewhere the outbound guard has not seen.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	opts := awss3.Options{
		Region:                     cfg.Region,
		Credentials:                aws.NewCredentialsCache(credentials.NewStaticCredentialsProvider(cfg.AccessKeyID, cfg.SecretAccessKey, "")),
		HTTPClient:                 httpClient,
		RequestChecksumCalculation: aws.RequestChecksumCalculationWhenRequired,
		ResponseChecksumValidation: aws.ResponseChecksumValidationWhenRequired,
		// Few, quick retries: a run that fails on an unavailable store is
		// retried by Facteur with its own, longer backoff.
		Retryer: retry.NewStandard(func(o *retry.StandardOptions) {
			o.MaxAttempts = 3
			o.MaxBackoff = 2 * time.Second
			// An address the outbound guard refuses stays refused.
			o.Retryables = append([]retry.IsErrorRetryable{retry.IsErrorRetryableFunc(func(err error) aws.Ternary {
				if deliver.Refusal(err) != nil {
					return aws.FalseTernary
				}
				return aws.UnknownTernary
			})}, o.Retryables...)
		}),
	}
	if cfg.Endpoint != "" {
		opts.BaseEndpoint = aws.String(cfg.Endpoint)
		opts.UsePathStyle = true
	}
	client := awss3.New(opts)
	tm := transfermanager.New(client, func(o *transfermanager.Options) {
		o.PartSizeBytes = s3PartSize
		o.MultipartUploadThreshold = s3PartSize
		o.Concurrency = s3Concurrency
		o.FailTimeout = s3AbortTimeout
		o.RequestChecksumCalculation = aws.RequestChecksumCalculationWhenRequired
		// Each part carries its SHA-256, which the server checks on
		// receipt; a part damaged on the way is refused.
		o.ChecksumAlgorithm = tmtypes.ChecksumAlgorithmSha256
	})
	return &S3{cfg: cfg, client: client, tm: tm, now: time.Now}, nil
}

// Deliver uploads the artifact to the key prefix + a.Name and returns its
// location, "s3://bucket/key". An object already there with the same size
// and SHA-256 is the same delivery: Deliver succeeds without uploading. An
// object with other content is replaced only when the destination allows
// overwriting; otherwise Deliver fails with ECONFLICT. A bad file name, a
// missing bucket or a bad endpoint fail with EINVALID, refused credentials
// with EUNAUTHORIZED, an unreachable or failing store with EUNAVAILABLE
// (facteur.Retryable reports true), a spooled file that does not match its
// size or SHA-256 with EINTERNAL. On failure no object appears and the
// multipart upload is aborted.
func (s *S3) Deliver(ctx context.Context, a *facteur.Artifact) (facteur.Delivery, error) {
	p, err := deliver.ArtifactPayload(a)
	if err != nil {
		return facteur.Delivery{}, err
	}
	return s.put(ctx, p)
}

// Test checks the bucket and credentials (Check) and delivers a small text
// file named "facteur-test-<UTC time>.txt" under the prefix, the same way
// as Deliver. It returns the object's location, or the error a delivery
// would meet.
func (s *S3) Test(ctx context.Context) (facteur.Delivery, error) {
	if err := s.Check(ctx); err != nil {
		return facteur.Delivery{}, err
	}
	return s.put(ctx, deliver.TestPayload(s.now(), fmt.Sprintf("s3://%s/%s", s.cfg.Bucket, s.cfg.Prefix)))
}

// Check reports whether the bucket exists and the credentials are
// accepted, without writing anything: HeadBucket, then HeadObject of a key
// under the prefix that does not exist (the same permission Deliver needs
// to recognise a re-delivery).
func (s *S3) Check(ctx context.Context) error {
	hctx, cancel := context.WithTimeout(ctx, s3CheckTimeout)
	defer cancel()
	if _, err := s.client.HeadBucket(hctx, &awss3.HeadBucketInput{Bucket: aws.String(s.cfg.Bucket)}); err != nil {
		return s.bucketError(ctx, err)
	}
	octx, cancel := context.WithTimeout(ctx, s3CheckTimeout)
	defer cancel()
	if _, _, err := s.head(octx, s.cfg.Prefix+".facteur-check"); err != nil {
		return err
	}
	return nil
}

// location returns the URL of an object, as a user would name it.
func (s *S3) location(key string) string { return "s3://" + s.cfg.Bucket + "/" + key }
