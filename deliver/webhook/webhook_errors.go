package webhook

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"syscall"
	"time"
	"unicode"

	"github.com/facteur/facteur"
	"github.com/facteur/facteur/deliver"
)

// errWebhookStalled is the cause of a request the watchdog stopped.
var errWebhookStalled = errors.New("the webhook stalled")

// host names the webhook's server in messages.
func (w *Webhook) host() string {
	if u, err := url.Parse(w.cfg.URL); err == nil && u.Host != "" {
		return u.Host
	}
	return w.cfg.URL
}

// statusError explains an answer other than 2xx. snippet is the start of
// the answer's body.
func (w *Webhook) statusError(resp *http.Response, r webhookRequest, snippet []byte) error {
	code := resp.StatusCode
	status := fmt.Sprintf("%d %s", code, http.StatusText(code))
	said := ""
	if s := printable(snippet); s != "" {
		said = fmt.Sprintf(" (%q)", s)
	}
	what := r.name
	if r.test {
		what = "the test request"
	}
	switch {
	case code >= 300 && code < 400:
		to := resp.Header.Get("Location")
		if loc, err := resp.Location(); err == nil {
			to = loc.Redacted()
		}
		if to == "" {
			to = "another address"
		}
		return facteur.Errorf(facteur.EINVALID, "The webhook answered with a redirect to %s (%s); Facteur does not follow redirects. Use the final URL.", to, status)
	case code == http.StatusUnauthorized || code == http.StatusForbidden:
		return facteur.Errorf(facteur.EUNAUTHORIZED, "The webhook at %s refused %s with %s%s. Check the secret and the headers the receiver expects.", w.host(), what, status, said)
	case code == http.StatusConflict:
		return facteur.Errorf(facteur.ECONFLICT, "The webhook at %s refused %s with %s%s: the receiver already has a different file of that name. Change the file name template, or ask the receiver's owner to let a new file overwrite an old one.", w.host(), what, status, said)
	case code == http.StatusRequestTimeout, code == http.StatusTooEarly, code == http.StatusTooManyRequests, code >= 500:
		err := facteur.Errorf(facteur.EUNAVAILABLE, "The webhook at %s answered %s%s to %s; trying again later may succeed.", w.host(), status, said, what)
		if wait, ok := retryAfter(resp.Header.Get("Retry-After"), w.now()); ok {
			err.Message = fmt.Sprintf("The webhook at %s answered %s%s to %s and asked to wait %s before trying again.", w.host(), status, said, what, wait)
			return &facteur.RetryAfterError{Wait: wait, Err: err}
		}
		return err
	case code == http.StatusRequestEntityTooLarge:
		return facteur.Errorf(facteur.EINVALID, "The webhook at %s refused %s with %s%s: the file is too large for the receiver. Ask for a higher limit, or use the \"json\" mode to send a download link.", w.host(), what, status, said)
	case code >= 400 && code < 500:
		return facteur.Errorf(facteur.EINVALID, "The webhook at %s refused %s with %s%s. Check the URL and the receiver's settings.", w.host(), what, status, said)
	}
	return facteur.Errorf(facteur.EUNAVAILABLE, "The webhook at %s answered %s to %s, which is not a success.", w.host(), status, what)
}

// sendError explains a request that got no answer.
func (w *Webhook) sendError(ctx context.Context, r webhookRequest, err error) error {
	var fe *facteur.Error
	var certErr *tls.CertificateVerificationError
	var recordErr tls.RecordHeaderError
	var unknownAuth x509.UnknownAuthorityError
	var hostErr x509.HostnameError
	var invalidCert x509.CertificateInvalidError
	switch {
	case errors.As(err, new(deliver.SpoolError)):
		return webhookSpoolError(r.name, err)
	case errors.Is(err, errWebhookChanged):
		return facteur.WrapError(facteur.EINTERNAL, err, "The exported file %s changed while it was sent; the upload was stopped before its end. Export it again.", r.name)
	case errors.As(err, &fe):
		// The outbound guard refused the address.
		return facteur.WrapError(fe.Code, err, "The webhook at %s cannot be reached: %s", w.host(), fe.Message)
	case ctx.Err() != nil:
		return w.netError(ctx, err)
	case errors.As(err, &certErr), errors.As(err, &unknownAuth), errors.As(err, &hostErr), errors.As(err, &invalidCert):
		return facteur.WrapError(facteur.EINVALID, err, "The webhook at %s has a TLS certificate that cannot be trusted: %s. Ask the receiver to fix its certificate.", w.host(), tlsReason(err))
	case errors.As(err, &recordErr), strings.Contains(err.Error(), "server gave HTTP response to HTTPS client"):
		return facteur.WrapError(facteur.EINVALID, err, "The webhook at %s does not speak HTTPS. Check the URL: it may need http:// instead of https://.", w.host())
	}
	return facteur.WrapError(facteur.EUNAVAILABLE, err, "The webhook at %s cannot be reached: %s.", w.host(), netReason(err))
}

// netError explains a request stopped by its context: by the caller, by
// the caller's deadline or by the watchdog.
func (w *Webhook) netError(ctx context.Context, err error) error {
	switch cause := context.Cause(ctx); {
	case errors.Is(cause, errWebhookStalled):
		return facteur.WrapError(facteur.EUNAVAILABLE, err, "The webhook at %s did not answer within %d s; trying again later may succeed.", w.host(), w.cfg.Timeout)
	case errors.Is(cause, context.DeadlineExceeded), errors.Is(err, context.DeadlineExceeded):
		return facteur.WrapError(facteur.EUNAVAILABLE, err, "The delivery to the webhook at %s took too long and was stopped.", w.host())
	}
	return facteur.WrapError(facteur.ECANCELLED, err, "The delivery to the webhook at %s was cancelled.", w.host())
}

// webhookSpoolError is the error of a spooled file that cannot be read.
func webhookSpoolError(name string, err error) error {
	return facteur.WrapError(facteur.EINTERNAL, err, "Cannot read the exported file %s from the spool; export it again.", name)
}

// netReason says in a few words why a connection failed.
func netReason(err error) string {
	var dnsErr *net.DNSError
	switch {
	case errors.As(err, &dnsErr) && dnsErr.IsNotFound:
		return "its host name does not resolve; check the URL"
	case errors.As(err, &dnsErr):
		return "its host name cannot be resolved now"
	case errors.Is(err, syscall.ECONNREFUSED):
		return "the connection was refused; is the receiver running?"
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE):
		return "the connection was cut"
	case errors.Is(err, syscall.EHOSTUNREACH), errors.Is(err, syscall.ENETUNREACH):
		return "the network does not reach it"
	case errors.Is(err, context.DeadlineExceeded):
		return "the connection timed out"
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	return err.Error()
}

// tlsReason says why a certificate is refused.
func tlsReason(err error) string {
	var unknownAuth x509.UnknownAuthorityError
	var hostErr x509.HostnameError
	switch {
	case errors.As(err, &unknownAuth):
		return "it is not signed by an authority this machine trusts"
	case errors.As(err, &hostErr):
		return "it is for another host name (" + hostErr.Error() + ")"
	}
	var certErr *tls.CertificateVerificationError
	if errors.As(err, &certErr) && certErr.Err != nil {
		return certErr.Err.Error()
	}
	return err.Error()
}

// printable returns the start of a receiver's answer as one line of
// printable text.
func printable(b []byte) string {
	s := strings.ToValidUTF8(string(b), "�")
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, s)
	return strings.Join(strings.Fields(s), " ")
}

// retryAfter reads an HTTP Retry-After header (RFC 9110 10.2.3): a number
// of seconds or an HTTP date, as a wait from now, bounded by
// facteur.MaxRetryAfter; a date in the past is no wait. ok is false when
// the header is empty or is neither.
func retryAfter(h string, now time.Time) (wait time.Duration, ok bool) {
	h = strings.TrimSpace(h)
	if h == "" || len(h) > 64 {
		return 0, false
	}
	if h[0] >= '0' && h[0] <= '9' { // delay-seconds; a date begins with its day's name
		secs, err := strconv.ParseUint(h, 10, 64)
		switch {
		case errors.Is(err, strconv.ErrRange), err == nil && secs > uint64(facteur.MaxRetryAfter/time.Second):
			return facteur.MaxRetryAfter, true
		case err != nil:
			return 0, false
		}
		return time.Duration(secs) * time.Second, true
	}
	at, err := http.ParseTime(h)
	if err != nil {
		return 0, false
	}
	return min(max(at.Sub(now), 0).Round(time.Second), facteur.MaxRetryAfter), true
}
