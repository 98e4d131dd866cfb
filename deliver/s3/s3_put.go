package s3

import (
	"context"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/s3/transfermanager"
	awss3 "github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/facteur/facteur"
	"github.com/facteur/facteur/deliver"
)

// s3Object is what HeadObject says about an object Facteur cares about.
type s3Object struct {
	size   int64
	sha256 string // from x-amz-meta-sha256; empty if the object has none
}

// same reports whether the object holds the file p.
func (o s3Object) same(p deliver.Payload) bool { return o.size == p.Size && o.sha256 == p.SHA256 }

// put delivers p under prefix + name: compare with what is there, upload,
// verify.
func (s *S3) put(ctx context.Context, p deliver.Payload) (facteur.Delivery, error) {
	key := s.cfg.Prefix + p.Name
	done := facteur.Delivery{Location: s.location(key)}

	// An object already there with the same content is the same delivery
	// (idempotent re-delivery); one with other content is a conflict
	// unless overwriting is allowed.
	obj, found, err := s.head(ctx, key)
	switch {
	case err != nil:
		return facteur.Delivery{}, err
	case found && obj.same(p):
		return done, nil
	case found && !s.cfg.Overwrite:
		return facteur.Delivery{}, s.conflict(key)
	}

	// Without overwrite, the upload is conditional (If-None-Match: *), so
	// that an object another delivery created meanwhile is not replaced.
	err = s.upload(ctx, key, p, !s.cfg.Overwrite)
	if errors.Is(err, errS3NoConditionalWrites) {
		// An older S3-compatible store: the check above has to do.
		err = s.upload(ctx, key, p, false)
	}
	if errors.Is(err, errS3PreconditionFailed) {
		switch obj, found, herr := s.head(ctx, key); {
		case herr != nil:
			return facteur.Delivery{}, herr
		case found && obj.same(p):
			return done, nil
		}
		return facteur.Delivery{}, s.conflict(key)
	}
	if err != nil {
		return facteur.Delivery{}, err
	}
	if err := s.verify(ctx, key, p); err != nil {
		return facteur.Delivery{}, err
	}
	return done, nil
}

// conflict is the error of a delivery that would replace another file.
func (s *S3) conflict(key string) error {
	return facteur.Errorf(facteur.ECONFLICT,
		"File %s already exists in bucket %s with different content. Set \"overwrite\" on the destination to replace it, or change the schedule's file name.",
		key, s.cfg.Bucket)
}

// head returns the size and SHA-256 metadata of the object at key; found is
// false when there is none.
func (s *S3) head(ctx context.Context, key string) (obj s3Object, found bool, err error) {
	out, err := s.client.HeadObject(ctx, &awss3.HeadObjectInput{Bucket: aws.String(s.cfg.Bucket), Key: aws.String(key)})
	if err != nil {
		if s3NotFound(err) {
			return s3Object{}, false, nil
		}
		return s3Object{}, false, s.apiError(ctx, err)
	}
	return s3Object{size: aws.ToInt64(out.ContentLength), sha256: out.Metadata[s3MetaSHA256]}, true, nil
}

// upload streams p to key with the transfer manager: one PUT below
// s3PartSize, a multipart upload above, aborted on failure. With
// ifNoneMatch, it fails with errS3PreconditionFailed when the key exists.
func (s *S3) upload(ctx context.Context, key string, p deliver.Payload, ifNoneMatch bool) error {
	src, err := p.Open()
	if err != nil {
		return facteur.WrapError(facteur.EINTERNAL, err, "Cannot read the exported file %s from the spool; export it again.", p.Name)
	}
	defer src.Close()

	body := deliver.NewVerifyingReader(src, p.Size, p.SHA256)
	in := &transfermanager.UploadObjectInput{
		Bucket:        aws.String(s.cfg.Bucket),
		Key:           aws.String(key),
		Body:          body,
		ContentLength: aws.Int64(p.Size),
		ContentType:   aws.String(p.ContentType),
		Metadata:      map[string]string{s3MetaSHA256: p.SHA256},
	}
	if p.Test {
		in.Metadata[s3MetaTest] = "true" // x-amz-meta-facteur-test
	}
	if p.Size < s3PartSize {
		// One PUT: the server checks the whole object against the
		// artifact's own SHA-256. (A multipart upload can only carry a
		// checksum of the parts' checksums; each part is checked instead.)
		sum, _ := hex.DecodeString(p.SHA256)
		in.ChecksumSHA256 = aws.String(base64.StdEncoding.EncodeToString(sum))
	}
	if ifNoneMatch {
		in.IfNoneMatch = aws.String("*")
	}
	_, err = s.tm.UploadObject(ctx, in)
	var failed transfermanager.MultipartUploadError
	if errors.As(err, &failed) && failed.UploadID() != "" {
		s.abortAgain(ctx, key, failed.UploadID())
	}
	switch {
	case err == nil:
		return nil
	case body.Mismatch() != nil && errors.Is(err, body.Mismatch()):
		return facteur.WrapError(facteur.EINTERNAL, body.Mismatch(), "The exported file %s does not match its size or SHA-256 in the spool; export it again.", p.Name)
	case s3PreconditionFailed(err):
		return errS3PreconditionFailed
	case ifNoneMatch && s3NotImplemented(err):
		return errS3NoConditionalWrites
	}
	return s.apiError(ctx, err)
}

// verify checks the uploaded object's size and SHA-256 metadata. An object
// that does not hold the file is deleted (best effort) and the delivery
// fails with EUNAVAILABLE, so that it is tried again.
func (s *S3) verify(ctx context.Context, key string, p deliver.Payload) error {
	obj, found, err := s.head(ctx, key)
	switch {
	case err != nil:
		return err
	case found && obj.same(p):
		return nil
	}
	what := "is missing after its upload"
	if found {
		what = fmt.Sprintf("holds %d bytes (SHA-256 %q) after its upload, not the %d bytes delivered", obj.size, obj.sha256, p.Size)
		dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s3AbortTimeout)
		defer cancel()
		_, _ = s.client.DeleteObject(dctx, &awss3.DeleteObjectInput{Bucket: aws.String(s.cfg.Bucket), Key: aws.String(key)})
	}
	return facteur.Errorf(facteur.EUNAVAILABLE, "Object %s %s; the delivery will be tried again.", s.location(key), what)
}

// s3AbortSettle is how long a second abort of a failed multipart upload
// waits: a part whose request was cancelled can still be written by the
// server after the first abort, which brings the upload back (S3's
// documentation says to abort again; versitygw shows it).
const s3AbortSettle = time.Second

// abortAgain aborts a failed multipart upload once more, after the parts
// cut off in flight have landed, so that no upload is left pending. It is
// best effort, on a context of its own: the delivery has failed already.
func (s *S3) abortAgain(ctx context.Context, key, uploadID string) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s3AbortTimeout)
	defer cancel()
	select {
	case <-time.After(s3AbortSettle):
	case <-ctx.Done():
		return
	}
	_, _ = s.client.AbortMultipartUpload(ctx, &awss3.AbortMultipartUploadInput{Bucket: aws.String(s.cfg.Bucket), Key: aws.String(key), UploadId: aws.String(uploadID)})
}
