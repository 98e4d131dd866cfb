package webhook

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"

	"github.com/facteur/facteur"
	"github.com/facteur/facteur/deliver"
)

// Webhook delivers artifacts by POSTing them to a partner's HTTP(S)
// endpoint (PRODUCT D6).
//
// Every request carries (besides Content-Type, Content-Length, and in
// "file" mode a Content-Disposition with the file name):
//
//	Facteur-Timestamp: <unix seconds>
//	Facteur-Signature: sha256=<hex HMAC-SHA-256(secret, timestamp + "." + body)>
//	Facteur-File-Name: <file name, percent-encoded UTF-8>
//	Facteur-SHA256:    <hex SHA-256 of the file>
//	Facteur-Rows:      <rows in the file>
//	Idempotency-Key:   <sha256>-<file name, percent-encoded>
//
// and a Test request also Facteur-Test: true. A receiver checks the
// signature with its copy of the secret, refuses a timestamp more than a
// few minutes older than the start of the request (a replay), and uses the
// Idempotency-Key to recognise a delivery it already has: a retried
// delivery of the same file sends the same key.
//
// The signature covers the body, and headers go before the body: so the
// spooled file is read twice. A first pass hashes it (SHA-256, checked
// against the artifact, and the HMAC); the second streams it as the body
// with its Content-Length, checking on the way that it is still the same
// file: if not, the upload is cut before its last byte, and the receiver
// sees an incomplete request, never a whole wrong file. The timestamp is
// taken before the first pass, so it is older than the request by the time
// it takes to read the file (about a second per GB from a local disk).
//
// This is the webhook's two-step delivery (C5): the receiver acts only on
// a complete body whose SHA-256 and signature match. In "json" mode the
// body is a Payload, and Facteur-SHA256 is still the file's.
//
// The receiver's answer decides: 2xx is delivered. Redirects are not
// followed. 401 and 403 fail with EUNAUTHORIZED, 409 with ECONFLICT, other
// 3xx and 4xx with EINVALID (permanent); 408, 425, 429, 5xx, timeouts and
// connection failures with EUNAVAILABLE, which the run retries.
type Webhook struct {
	cfg    Config
	env    deliver.Env
	links  func(a *facteur.Artifact) (string, error)
	client *http.Client
	now    func() time.Time
}

var _ facteur.Deliverer = (*Webhook)(nil)

// New returns the deliverer of a webhook destination. It fills the
// config's defaults and fails with EINVALID when it is not valid.
// Connections are opened through env's dialer (the outbound guard, once
// wired), never through a proxy.
//
// links, when not nil, gives the download link of an artifact; in "json"
// mode its result is the payload's download_url. When links is nil, or
// returns "", download_url is left out. An error from links fails the
// delivery.
func New(cfg Config, env deliver.Env, links func(a *facteur.Artifact) (string, error)) (*Webhook, error) {
	cfg = cfg.withDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	w := &Webhook{cfg: cfg, env: env, links: links, now: time.Now}
	w.client = &http.Client{
		Transport: &http.Transport{
			Proxy:                 nil, // a proxy would connect where the guard cannot see
			DialContext:           env.DialContext,
			TLSHandshakeTimeout:   cfg.timeout(),
			ExpectContinueTimeout: time.Second,
			DisableKeepAlives:     true, // one request per delivery; no idle connection outlives it
			ForceAttemptHTTP2:     true,
		},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	return w, nil
}

// Payload is the body of a "json" mode delivery: what the file is
// and, when Facteur serves it, where to download it.
type Payload struct {
	FileName string `json:"file_name"`
	Rows     int64  `json:"rows"`
	Bytes    int64  `json:"bytes"`
	SHA256   string `json:"sha256"`
	// RunID is the run that produced the file; left out when unknown.
	RunID int64 `json:"run_id,omitempty"`
	// DownloadURL is a link to the file that expires. It is filled when
	// the webhook was made with a links function (New) that returns
	// one, and left out otherwise.
	DownloadURL string `json:"download_url,omitempty"`
}

// Deliver POSTs the artifact (or, in "json" mode, its description) to the
// webhook and returns the URL it went to, with the file name. A bad file
// name fails with EINVALID and a spooled file that does not match its size
// or SHA-256 with EINTERNAL, both before anything is sent; the receiver's
// refusals and network failures are classified as documented on Webhook.
func (w *Webhook) Deliver(ctx context.Context, a *facteur.Artifact) (facteur.Delivery, error) {
	if err := deliver.ValidateFileName(a.Name); err != nil {
		return facteur.Delivery{}, err
	}
	if a.Size < 0 || !deliver.ValidSHA256(a.SHA256) {
		return facteur.Delivery{}, facteur.Errorf(facteur.EINTERNAL, "The exported file %s has no valid size or SHA-256; export it again.", a.Name)
	}
	if err := ctx.Err(); err != nil {
		return facteur.Delivery{}, w.netError(ctx, err)
	}
	ts := w.timestamp()
	req := webhookRequest{
		name:      a.Name,
		sha256:    a.SHA256,
		rows:      a.Rows,
		testFile:  a.Test,
		timestamp: ts,
	}
	// The first pass: check the spooled file and sign it (in "json" mode,
	// only the check matters: the receiver may download the file).
	mac, err := w.signFile(ctx, ts, a)
	if err != nil {
		return facteur.Delivery{}, err
	}
	switch w.cfg.Mode {
	case ModeJSON:
		body, err := w.jsonPayload(a)
		if err != nil {
			return facteur.Delivery{}, err
		}
		req.contentType = "application/json"
		req.setBody(body)
		req.signature = w.sign(ts, body)
	default:
		req.contentType = deliver.ContentType(a)
		req.size = a.Size
		req.open = func() (io.ReadCloser, error) { return openVerified(a) }
		req.signature = mac
	}
	if err := w.post(ctx, req); err != nil {
		return facteur.Delivery{}, err
	}
	return facteur.Delivery{Location: w.location(a.Name)}, nil
}

// Test posts a small signed JSON payload, {"test": true, …}, the same way
// as a delivery, and returns the URL it went to with the test's file name
// (facteur-test-<UTC time>.txt, also sent as Facteur-File-Name). It fails
// as a delivery would.
func (w *Webhook) Test(ctx context.Context) (facteur.Delivery, error) {
	now := w.now().UTC()
	name := "facteur-test-" + now.Format("20060102T150405Z") + ".txt"
	body, err := json.Marshal(struct {
		Test     bool   `json:"test"`
		Message  string `json:"message"`
		FileName string `json:"file_name"`
		SentAt   string `json:"sent_at"`
	}{true, "This is a test request sent by Facteur to check that it can deliver files to this webhook. Files will be signed the same way.",
		name, now.Format(time.RFC3339)})
	if err != nil {
		return facteur.Delivery{}, fmt.Errorf("encode test payload: %w", err)
	}
	sum := sha256.Sum256(body)
	ts := w.timestamp()
	req := webhookRequest{
		name:        name,
		sha256:      hex.EncodeToString(sum[:]),
		contentType: "application/json",
		timestamp:   ts,
		signature:   w.sign(ts, body),
		test:        true,
	}
	req.setBody(body)
	if err := w.post(ctx, req); err != nil {
		return facteur.Delivery{}, err
	}
	return facteur.Delivery{Location: w.location(name)}, nil
}

// jsonPayload is the body of a "json" mode delivery of a.
func (w *Webhook) jsonPayload(a *facteur.Artifact) ([]byte, error) {
	p := Payload{FileName: a.Name, Rows: a.Rows, Bytes: a.Size, SHA256: a.SHA256, RunID: a.RunID}
	if w.links != nil {
		link, err := w.links(a)
		if err != nil {
			return nil, fmt.Errorf("download link of %s: %w", a.Name, err)
		}
		p.DownloadURL = link
	}
	body, err := json.Marshal(p)
	if err != nil {
		return nil, fmt.Errorf("encode webhook payload: %w", err)
	}
	return body, nil
}

// location is what the run history shows: the URL without its query (it
// may hold a token), and the file name.
func (w *Webhook) location(name string) string {
	u, err := url.Parse(w.cfg.URL)
	if err != nil {
		return name
	}
	u.RawQuery, u.Fragment, u.RawFragment = "", "", ""
	return u.String() + " (" + name + ")"
}

// timestamp is the Facteur-Timestamp of a request sent now.
func (w *Webhook) timestamp() string { return fmt.Sprint(w.now().Unix()) }
