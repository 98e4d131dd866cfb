package webhook

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"hash"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/facteur/facteur"
	"github.com/facteur/facteur/deliver"
)

// webhookRequest is one signed POST to a webhook.
type webhookRequest struct {
	name        string // the file name
	sha256      string // hex SHA-256 of the file
	rows        int64
	test        bool // a Test request, not a file
	testFile    bool // the file of Send test: Facteur-Test: true
	contentType string
	timestamp   string // Facteur-Timestamp
	signature   string // hex HMAC of timestamp + "." + body
	size        int64  // Content-Length
	open        func() (io.ReadCloser, error)
}

// setBody makes b the request's body.
func (r *webhookRequest) setBody(b []byte) {
	r.size = int64(len(b))
	r.open = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil }
}

// sign returns the hex HMAC-SHA-256 of timestamp + "." + body.
func (w *Webhook) sign(timestamp string, body []byte) string {
	m := hmac.New(sha256.New, []byte(w.cfg.Secret))
	m.Write([]byte(timestamp + "."))
	m.Write(body)
	return hex.EncodeToString(m.Sum(nil))
}

// signFile reads the spooled artifact once: it checks its size and SHA-256
// and returns the signature of timestamp + "." + its bytes.
func (w *Webhook) signFile(ctx context.Context, timestamp string, a *facteur.Artifact) (string, error) {
	f, err := a.Open()
	if err != nil {
		return "", webhookSpoolError(a.Name, err)
	}
	defer f.Close()
	h := sha256.New()
	m := hmac.New(sha256.New, []byte(w.cfg.Secret))
	m.Write([]byte(timestamp + "."))
	n, err := io.CopyBuffer(io.MultiWriter(h, m), deliver.ContextReader(ctx, f), make([]byte, deliver.CopyBufferSize))
	switch {
	case ctx.Err() != nil:
		return "", w.netError(ctx, ctx.Err())
	case err != nil:
		return "", webhookSpoolError(a.Name, err)
	case n != a.Size:
		return "", facteur.Errorf(facteur.EINTERNAL, "The exported file %s should be %d bytes but the spool holds %d; export it again.", a.Name, a.Size, n)
	}
	if sum := hex.EncodeToString(h.Sum(nil)); sum != strings.ToLower(a.SHA256) {
		return "", facteur.Errorf(facteur.EINTERNAL, "The exported file %s does not match its SHA-256 (got %s, want %s); export it again.", a.Name, sum, a.SHA256)
	}
	return hex.EncodeToString(m.Sum(nil)), nil
}

// post sends r and reads the answer. Its watchdog cancels the request when
// the receiver makes it wait longer than the configured timeout at any
// step: connecting, taking the next part of the body, answering.
func (w *Webhook) post(ctx context.Context, r webhookRequest) error {
	timeout := w.cfg.timeout()
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	watchdog := time.AfterFunc(timeout, func() { cancel(errWebhookStalled) })
	defer watchdog.Stop()
	kick := func() { watchdog.Reset(timeout) }

	open := func() (io.ReadCloser, error) {
		rc, err := r.open()
		if err != nil {
			return nil, err
		}
		return progressReader{rc, kick}, nil
	}
	var body io.ReadCloser = http.NoBody
	if r.size > 0 {
		var err error
		if body, err = open(); err != nil {
			return webhookSpoolError(r.name, err)
		}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.cfg.URL, body)
	if err != nil {
		body.Close()
		return facteur.WrapError(facteur.EINVALID, err, "url: %s is not a URL Facteur can post to.", w.cfg.URL)
	}
	req.ContentLength = r.size
	if r.size > 0 {
		req.GetBody = open // lets the client send the body again on a new connection
	}
	w.setHeaders(req.Header, r)
	if r.size > webhookExpectContinue {
		// A receiver that refuses the request (a wrong secret, a file too
		// large) can say so before a large body is sent for nothing.
		req.Header.Set("Expect", "100-continue")
	}

	resp, err := w.client.Do(req)
	if err != nil {
		return w.sendError(ctx, r, err)
	}
	defer resp.Body.Close()
	kick()
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return nil
	}
	snippet, _ := io.ReadAll(io.LimitReader(resp.Body, 200))
	return w.statusError(resp, r, snippet)
}

// webhookExpectContinue is the body size above which a request waits for
// the receiver's "100 Continue" (at most a second) before sending it.
const webhookExpectContinue = 64 << 10

// setHeaders sets the headers of a request: the configured ones first, so
// that Facteur's own win (Validate refuses them anyway).
func (w *Webhook) setHeaders(h http.Header, r webhookRequest) {
	for name, value := range w.cfg.Headers {
		h.Set(name, value)
	}
	name := url.PathEscape(r.name)
	h.Set("User-Agent", "Facteur")
	h.Set("Content-Type", r.contentType)
	h.Set("Facteur-Timestamp", r.timestamp)
	h.Set("Facteur-Signature", "sha256="+r.signature)
	h.Set("Facteur-File-Name", name)
	h.Set("Facteur-SHA256", r.sha256)
	h.Set("Idempotency-Key", r.sha256+"-"+name)
	if r.test {
		h.Set("Facteur-Test", "true")
		return
	}
	h.Set("Facteur-Rows", strconv.FormatInt(r.rows, 10))
	if r.testFile {
		h.Set("Facteur-Test", "true")
	}
	if w.cfg.Mode == ModeFile {
		h.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": r.name}))
	}
}

// errWebhookChanged stops an upload whose bytes are not those that were
// signed: the spooled file changed between the two passes.
var errWebhookChanged = errors.New("the spooled file changed while it was sent")

// openVerified opens the spooled artifact as a request body that checks
// its bytes against the artifact's size and SHA-256 on the way, and fails
// before giving its last byte if they do not match: the receiver never gets
// a whole body that is not the signed file.
func openVerified(a *facteur.Artifact) (io.ReadCloser, error) {
	f, err := a.Open()
	if err != nil {
		return nil, err
	}
	return &verifiedBody{f: f, h: sha256.New(), size: a.Size, want: strings.ToLower(a.SHA256)}, nil
}

// verifiedBody reads a spooled file and checks it as it goes.
type verifiedBody struct {
	f       io.ReadCloser
	h       hash.Hash
	n, size int64
	want    string
	checked bool
}

// Read reads the file. It returns errWebhookChanged instead of the bytes
// that would complete a body that is not the signed file.
func (v *verifiedBody) Read(p []byte) (int, error) {
	n, err := v.f.Read(p)
	if err != nil && err != io.EOF {
		return 0, deliver.SpoolError{Err: err}
	}
	v.h.Write(p[:n])
	v.n += int64(n)
	switch {
	case v.n > v.size:
		return 0, errWebhookChanged
	case v.n == v.size && !v.checked:
		v.checked = true
		if hex.EncodeToString(v.h.Sum(nil)) != v.want {
			return 0, errWebhookChanged
		}
	case err == io.EOF && v.n < v.size:
		return 0, errWebhookChanged
	}
	return n, err
}

// Close closes the file.
func (v *verifiedBody) Close() error { return v.f.Close() }

// progressReader tells the watchdog that the upload moves on.
type progressReader struct {
	io.ReadCloser
	kick func()
}

// Read reads and resets the watchdog.
func (p progressReader) Read(b []byte) (int, error) {
	p.kick()
	return p.ReadCloser.Read(b)
}
