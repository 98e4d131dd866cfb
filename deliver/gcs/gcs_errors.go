package gcs

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net/http"
	"strings"
	"time"

	"cloud.google.com/go/storage"
	"github.com/googleapis/gax-go/v2"
	"golang.org/x/oauth2"
	"google.golang.org/api/googleapi"

	"github.com/facteur/facteur"
	"github.com/facteur/facteur/deliver"
)

// errPreconditionFailed reports that a conditional upload found another
// object than expected: another delivery wrote it meanwhile.
var errPreconditionFailed = errors.New("gcs: object changed meanwhile")

// gaxBackoff is the wait between the client's own few retries.
func gaxBackoff() gax.Backoff {
	return gax.Backoff{Initial: 200 * time.Millisecond, Max: 2 * time.Second, Multiplier: 2}
}

// shouldRetry is the client's retry rule, less the errors that no retry
// can fix: an address the outbound guard refuses stays refused.
func shouldRetry(err error) bool {
	return deliver.Refusal(err) == nil && storage.ShouldRetry(err)
}

// status returns the HTTP status of a failed Google API request, 0 if no
// answer came.
func status(err error) int {
	var ge *googleapi.Error
	if errors.As(err, &ge) {
		return ge.Code
	}
	return 0
}

// GoogleError explains an error of a Google API request (Cloud Storage,
// BigQuery, or the token endpoint) in words a user can act on, with the
// code that says whether trying again can help. what names the resource
// ("bucket exports"), who the account ("service account x@y" or "the
// default credentials"), roles what to ask the project's administrator
// for. It handles neither "not found" nor preconditions: callers do. The
// messages never include the key.
func GoogleError(ctx context.Context, err error, what, who, roles string) error {
	if fe := deliver.Refusal(err); fe != nil {
		return facteur.WrapError(facteur.EINVALID, err, "Cannot reach Google Cloud for %s. %s", what, fe.Message)
	}
	var fe *facteur.Error
	if errors.As(err, &fe) {
		return fe // already said in words (no default credentials)
	}
	switch {
	case errors.Is(err, context.Canceled):
		return facteur.WrapError(facteur.ECANCELLED, err, "The delivery to %s was cancelled.", what)
	case errors.Is(err, context.DeadlineExceeded):
		return facteur.WrapError(facteur.EUNAVAILABLE, err, "The delivery to %s took too long and was stopped; it will be tried again.", what)
	case ctx.Err() != nil:
		return GoogleError(ctx, ctx.Err(), what, who, roles)
	}

	// The token endpoint refused the key.
	var re *oauth2.RetrieveError
	if errors.As(err, &re) {
		code := 0
		if re.Response != nil {
			code = re.Response.StatusCode
		}
		switch {
		case re.ErrorCode == "invalid_grant" || re.ErrorCode == "invalid_client" || re.ErrorCode == "unauthorized_client" || code == http.StatusBadRequest || code == http.StatusUnauthorized:
			return facteur.WrapError(facteur.EUNAUTHORIZED, err, "Google refused the key of %s (%s): the key may have been deleted or disabled, or the account removed. Create a new JSON key for the service account and paste it in credentials_json.", who, oauthReason(re))
		case code >= 500 || code == http.StatusTooManyRequests:
			return facteur.WrapError(facteur.EUNAVAILABLE, err, "Google's token service is unavailable (HTTP %d); the delivery will be tried again.", code)
		}
		return facteur.WrapError(facteur.EUNAUTHORIZED, err, "Google refused the key of %s (%s).", who, oauthReason(re))
	}

	var ge *googleapi.Error
	if errors.As(err, &ge) {
		msg := truncate(strings.TrimSpace(ge.Message), 300)
		switch {
		case ge.Code == http.StatusUnauthorized:
			return facteur.WrapError(facteur.EUNAUTHORIZED, err, "Google refused the credentials of %s for %s: the key is invalid or was revoked. Create a new JSON key for the service account (Google said: %s).", who, what, msg)
		case ge.Code == http.StatusForbidden && forbiddenQuota(ge):
			return facteur.WrapError(facteur.EUNAVAILABLE, err, "Google Cloud limits the requests to %s for now (%s); the delivery will be tried again.", what, msg)
		case ge.Code == http.StatusForbidden:
			return facteur.WrapError(facteur.EUNAUTHORIZED, err, "Permission denied: %s may not write to %s. Ask the administrator of the Google Cloud project to grant it %s (Google said: %s).", who, what, roles, msg)
		case ge.Code >= 500 || ge.Code == http.StatusTooManyRequests || ge.Code == http.StatusRequestTimeout:
			return facteur.WrapError(facteur.EUNAVAILABLE, err, "Google Cloud is unavailable for %s (HTTP %d: %s); the delivery will be tried again.", what, ge.Code, msg)
		}
		return facteur.WrapError(facteur.EINVALID, err, "Google Cloud refused the request to %s (HTTP %d: %s).", what, ge.Code, msg)
	}

	// No answer from the server: a certificate that is not trusted is a
	// setting to fix; anything else (refused, reset, timed out, DNS) may
	// pass.
	var unknownCA x509.UnknownAuthorityError
	var hostname x509.HostnameError
	var invalid x509.CertificateInvalidError
	var verify *tls.CertificateVerificationError
	if errors.As(err, &unknownCA) || errors.As(err, &hostname) || errors.As(err, &invalid) || errors.As(err, &verify) {
		return facteur.WrapError(facteur.EINVALID, err, "The TLS certificate of the server of %s is not trusted; check the endpoint.", what)
	}
	return facteur.WrapError(facteur.EUNAVAILABLE, err, "Cannot reach Google Cloud for %s; the delivery will be tried again.", what)
}

// forbiddenQuota reports whether a 403 is a rate or quota limit rather
// than a missing permission.
func forbiddenQuota(ge *googleapi.Error) bool {
	for _, e := range ge.Errors {
		switch e.Reason {
		case "rateLimitExceeded", "userRateLimitExceeded", "quotaExceeded":
			return true
		}
	}
	return false
}

// oauthReason is the token endpoint's reason, for a message.
func oauthReason(re *oauth2.RetrieveError) string {
	r := re.ErrorCode
	if re.ErrorDescription != "" {
		r += ": " + re.ErrorDescription
	}
	if r == "" {
		r = "no reason given"
	}
	return truncate(r, 200)
}

// roles is what a Cloud Storage destination's service account needs.
const roles = "roles/storage.objectCreator and roles/storage.objectViewer on the bucket (roles/storage.objectUser when \"overwrite\" is set)"

// apiError explains an error of a Cloud Storage request.
func (g *GCS) apiError(ctx context.Context, err error) error {
	if ctx.Err() == nil && (errors.Is(err, storage.ErrBucketNotExist) || status(err) == http.StatusNotFound) {
		return g.noSuchBucket(err)
	}
	return GoogleError(ctx, err, "bucket "+g.cfg.Bucket, g.who(), roles)
}

// noSuchBucket is the error of a bucket that cannot be found.
func (g *GCS) noSuchBucket(err error) error {
	return facteur.WrapError(facteur.EINVALID, err, "Bucket %s does not exist; check its name, or ask the administrator of the Google Cloud project to create it.", g.cfg.Bucket)
}

// who names the account the destination acts as.
func (g *GCS) who() string {
	if k, err := ParseKey(g.cfg.CredentialsJSON); err == nil {
		return "service account " + k.ClientEmail
	}
	return "the account of Facteur's default credentials"
}
