package s3

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net/http"

	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/facteur/facteur"
	"github.com/facteur/facteur/deliver"
)

// errS3PreconditionFailed reports that a conditional upload found an object
// at its key: another delivery created it meanwhile.
var errS3PreconditionFailed = errors.New("s3: object created meanwhile")

// errS3NoConditionalWrites reports that the store does not implement
// conditional writes (If-None-Match).
var errS3NoConditionalWrites = errors.New("s3: conditional writes not implemented")

// s3NotImplemented reports whether the store refused a request for a
// feature it does not implement.
func s3NotImplemented(err error) bool {
	return s3Code(err) == "NotImplemented" || s3Status(err) == http.StatusNotImplemented
}

// s3Status returns the HTTP status of a failed S3 request, 0 if none came.
func s3Status(err error) int {
	var re interface{ HTTPStatusCode() int }
	if errors.As(err, &re) {
		return re.HTTPStatusCode()
	}
	return 0
}

// s3Code returns the S3 error code (such as "NoSuchBucket"), "" if the
// server sent none.
func s3Code(err error) string {
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) {
		return apiErr.ErrorCode()
	}
	return ""
}

// s3NotFound reports whether err says that an object does not exist.
func s3NotFound(err error) bool {
	switch s3Code(err) {
	case "NoSuchKey", "NotFound":
		return true
	case "NoSuchBucket":
		return false
	}
	return s3Status(err) == http.StatusNotFound
}

// s3PreconditionFailed reports whether a conditional write found an object
// already there.
func s3PreconditionFailed(err error) bool {
	return s3Code(err) == "PreconditionFailed" || s3Status(err) == http.StatusPreconditionFailed
}

// bucketError explains an error of HeadBucket, which has no body: a 404
// there means the bucket is missing, a 301 that it is in another region.
func (s *S3) bucketError(ctx context.Context, err error) error {
	if ctx.Err() == nil && s3Status(err) == http.StatusNotFound {
		return s.noSuchBucket(err)
	}
	return s.apiError(ctx, err)
}

// noSuchBucket is the error of a bucket that cannot be found.
func (s *S3) noSuchBucket(err error) error {
	return facteur.WrapError(facteur.EINVALID, err, "Bucket %s does not exist (or is in another region).", s.cfg.Bucket)
}

// apiError explains an error of an S3 request in words a user can act on,
// with the code that says whether trying again can help. It never includes
// the secret key: the SDK's errors do not carry it.
func (s *S3) apiError(ctx context.Context, err error) error {
	if fe := deliver.Refusal(err); fe != nil {
		return facteur.WrapError(facteur.EINVALID, err, "Cannot reach %s. %s", s.where(), fe.Message)
	}
	switch {
	case errors.Is(err, context.Canceled):
		return facteur.WrapError(facteur.ECANCELLED, err, "The delivery to bucket %s was cancelled.", s.cfg.Bucket)
	case errors.Is(err, context.DeadlineExceeded):
		return facteur.WrapError(facteur.EUNAVAILABLE, err, "The delivery to bucket %s took too long and was stopped.", s.cfg.Bucket)
	case ctx.Err() != nil:
		return s.apiError(ctx, ctx.Err())
	}

	status, code := s3Status(err), s3Code(err)
	switch code {
	case "NoSuchBucket":
		return s.noSuchBucket(err)
	case "AccessDenied", "InvalidAccessKeyId", "SignatureDoesNotMatch", "Forbidden",
		"AllAccessDisabled", "InvalidToken", "ExpiredToken", "AccountProblem":
		return facteur.WrapError(facteur.EUNAUTHORIZED, err, "Access denied: check the access key and secret.")
	case "PermanentRedirect", "AuthorizationHeaderMalformed", "IllegalLocationConstraintException":
		return s.wrongRegion(err)
	case "SlowDown", "RequestTimeout", "ServiceUnavailable", "InternalError",
		"OperationAborted", "BadDigest", "XAmzContentSHA256Mismatch":
		return s.unavailable(err)
	case "RequestTimeTooSkewed":
		return facteur.WrapError(facteur.EINVALID, err, "%s refused the request because the clock of the machine running Facteur is off; set it right (NTP).", s.where())
	}
	switch {
	case status == http.StatusForbidden || status == http.StatusUnauthorized:
		return facteur.WrapError(facteur.EUNAUTHORIZED, err, "Access denied: check the access key and secret.")
	case status == http.StatusMovedPermanently || status == http.StatusTemporaryRedirect:
		return s.wrongRegion(err)
	case status == http.StatusBadRequest && code == "BadRequest":
		// A HEAD request's error has no body, so no code: its usual cause
		// is a request signed for another region than the bucket's.
		return s.wrongRegion(err)
	case status >= 500, status == http.StatusTooManyRequests, status == http.StatusConflict, status == http.StatusRequestTimeout:
		return s.unavailable(err)
	case status != 0:
		return facteur.WrapError(facteur.EINVALID, err, "%s refused the request to bucket %s (HTTP %d %s).", s.where(), s.cfg.Bucket, status, code)
	}

	// No answer from the server: a certificate that is not trusted is a
	// setting to fix; anything else (refused, reset, timed out, DNS) may
	// pass.
	var unknownCA x509.UnknownAuthorityError
	var hostname x509.HostnameError
	var invalid x509.CertificateInvalidError
	var verify *tls.CertificateVerificationError
	if errors.As(err, &unknownCA) || errors.As(err, &hostname) || errors.As(err, &invalid) || errors.As(err, &verify) {
		return facteur.WrapError(facteur.EINVALID, err, "The TLS certificate of %s is not trusted; check the endpoint.", s.where())
	}
	return facteur.WrapError(facteur.EUNAVAILABLE, err, "Cannot reach %s; the delivery will be tried again.", s.where())
}

// unavailable is the error of a store that failed in a way that may pass.
func (s *S3) unavailable(err error) error {
	return facteur.WrapError(facteur.EUNAVAILABLE, err, "%s is unavailable (HTTP %d %s); the delivery will be tried again.", s.where(), s3Status(err), s3Code(err))
}

// wrongRegion is the error of a bucket that lives in another region than
// the configured one; S3 names the right one in a header.
func (s *S3) wrongRegion(err error) error {
	var re interface{ HTTPResponse() *smithyhttp.Response }
	if errors.As(err, &re) && re.HTTPResponse() != nil {
		if r := re.HTTPResponse().Header.Get("X-Amz-Bucket-Region"); r != "" && r != s.cfg.Region {
			return facteur.WrapError(facteur.EINVALID, err, "Bucket %s is in region %s, not %s: set \"region\" to %q.", s.cfg.Bucket, r, s.cfg.Region, r)
		}
	}
	return facteur.WrapError(facteur.EINVALID, err, "%s refused the request to bucket %s: check \"region\" (now %s); it must be the bucket's region.", s.where(), s.cfg.Bucket, s.cfg.Region)
}

// where names the store for messages: its endpoint, or Amazon S3.
func (s *S3) where() string {
	if s.cfg.Endpoint != "" {
		return s.cfg.Endpoint
	}
	return "Amazon S3 (" + s.cfg.Region + ")"
}
