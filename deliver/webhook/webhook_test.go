package webhook_test

import (
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/facteur/facteur"
	"github.com/facteur/facteur/deliver"
	"github.com/facteur/facteur/deliver/delivertest"
	"github.com/facteur/facteur/deliver/webhook"
)

// newWebhook returns a webhook deliverer and fails the test on error.
func newWebhook(t *testing.T, cfg webhook.Config, env deliver.Env, links func(*facteur.Artifact) (string, error)) *webhook.Webhook {
	t.Helper()
	if cfg.Secret == "" {
		cfg.Secret = testSecret
	}
	w, err := webhook.New(cfg, env, links)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return w
}

// TestConformance runs the suite against a receiver that keeps the files
// it accepts: what a partner would see.
func TestConformance(t *testing.T) {
	t.Parallel()
	kind := webhook.Kind()
	delivertest.Run(t, &kind, func(t *testing.T, overwrite bool) delivertest.Destination {
		rc := startReceiver(t, overwrite)
		env, logs := delivertest.LogEnv()
		headers := map[string]string{"Authorization": "Bearer partner-token-3141"}
		return delivertest.Destination{
			Deliverer: newWebhook(t, webhook.Config{URL: rc.URL(), Headers: headers}, env, nil),
			Files:     rc.Files,
			Keys: func(*testing.T) []string {
				var keys []string
				for _, r := range rc.Requests() {
					keys = append(keys, r.header.Get("Idempotency-Key"))
				}
				return keys
			},
			Secrets:     []string{testSecret, "partner-token-3141"},
			Logs:        logs,
			Unreachable: newWebhook(t, webhook.Config{URL: "http://" + delivertest.ClosedAddr(t) + "/in", Headers: headers, Timeout: 5}, env, nil),
		}
	})
}

// What the receiver gets: the bytes, and headers that let it check them,
// name them and recognise a delivery it already has.
func TestWebhookRequest(t *testing.T) {
	t.Parallel()
	rc := startReceiver(t, false)
	w := newWebhook(t, webhook.Config{URL: rc.URL(), Headers: map[string]string{"Authorization": "Bearer partner-token", "X-Partner": "acme"}}, deliver.Env{}, nil)
	content := delivertest.Content(1<<20, 7)
	a := delivertest.NewArtifact(t, "tickets 2024 é.csv", content)
	a.Rows = 12345
	a.ContentType = "text/csv; charset=utf-8" // the export's, from the registry of formats
	got, err := w.Deliver(t.Context(), a)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(got.Location, "do-not-show") || !strings.HasPrefix(got.Location, rc.srv.URL+"/in") || !strings.Contains(got.Location, a.Name) {
		t.Errorf("Location = %q, want the URL without its query, and the file name", got.Location)
	}
	reqs := rc.Requests()
	if len(reqs) != 1 {
		t.Fatalf("the receiver got %d requests, want 1", len(reqs))
	}
	r := reqs[0]
	if !r.verified {
		t.Error("the receiver could not verify the signature")
	}
	if string(r.body) != string(content) {
		t.Errorf("the body is %d bytes that differ from the %d bytes of the file", len(r.body), len(content))
	}
	for name, want := range map[string]string{
		"Content-Type":        "text/csv; charset=utf-8",
		"Content-Length":      strconv.Itoa(len(content)),
		"Content-Disposition": `attachment; filename*=utf-8''tickets%202024%20%C3%A9.csv`,
		"Facteur-File-Name":   "tickets%202024%20%C3%A9.csv",
		"Facteur-SHA256":      a.SHA256,
		"Facteur-Rows":        "12345",
		"Idempotency-Key":     a.SHA256 + "-tickets%202024%20%C3%A9.csv",
		"Authorization":       "Bearer partner-token",
		"X-Partner":           "acme",
		"User-Agent":          "Facteur",
	} {
		if got := r.header.Get(name); got != want {
			t.Errorf("header %s = %q, want %q", name, got, want)
		}
	}
	if r.header.Get("Transfer-Encoding") != "" {
		t.Errorf("Transfer-Encoding %q: the body should have a Content-Length", r.header.Get("Transfer-Encoding"))
	}
}

// TestWebhookContentTypeIsTheArtifacts: the file goes with the media type
// the export gave the artifact, whatever its name says, and as
// application/octet-stream when it has none: there is no second table of
// media types in the destinations.
func TestWebhookContentTypeIsTheArtifacts(t *testing.T) {
	t.Parallel()
	rc := startReceiver(t, false)
	w := newWebhook(t, webhook.Config{URL: rc.URL()}, deliver.Env{}, nil)
	for _, tt := range []struct{ name, contentType, want string }{
		{"report.tsv", "text/tab-separated-values", "text/tab-separated-values"},
		{"report.csv", "", "application/octet-stream"},
	} {
		a := delivertest.NewArtifact(t, tt.name, []byte("id\tname\n1\tAda\n"))
		a.ContentType = tt.contentType
		if _, err := w.Deliver(t.Context(), a); err != nil {
			t.Fatal(err)
		}
		reqs := rc.Requests()
		if got := reqs[len(reqs)-1].header.Get("Content-Type"); got != tt.want {
			t.Errorf("%s with content type %q: the receiver got Content-Type %q, want %q", tt.name, tt.contentType, got, tt.want)
		}
	}
}

// A retried delivery sends the same bytes under the same idempotency key,
// freshly signed; the receiver keeps one file.
func TestWebhookRetryIsIdempotent(t *testing.T) {
	t.Parallel()
	rc := startReceiver(t, false)
	var calls atomic.Int32
	rc.setRespond(func(w http.ResponseWriter, _ *http.Request, _ []byte) bool {
		if calls.Add(1) == 1 {
			http.Error(w, "busy, try later", http.StatusServiceUnavailable)
			return true
		}
		return false
	})
	w := newWebhook(t, webhook.Config{URL: rc.URL()}, deliver.Env{}, nil)
	a := delivertest.NewArtifact(t, "agents.csv", delivertest.Content(5000, 8))
	_, err := w.Deliver(t.Context(), a)
	if facteur.ErrorCode(err) != facteur.EUNAVAILABLE || !facteur.Retryable(err) {
		t.Fatalf("first attempt: %v, want a retryable EUNAVAILABLE", err)
	}
	if !strings.Contains(facteur.ErrorMessage(err), "503 Service Unavailable") || !strings.Contains(facteur.ErrorMessage(err), "busy, try later") {
		t.Errorf("message %q should quote the status and the receiver's answer", facteur.ErrorMessage(err))
	}
	for range 2 {
		if _, err := w.Deliver(t.Context(), a); err != nil {
			t.Fatalf("retry: %v", err)
		}
	}
	reqs := rc.Requests()
	if len(reqs) != 3 {
		t.Fatalf("%d requests, want 3", len(reqs))
	}
	for i, r := range reqs {
		if !r.verified || string(r.body) != string(delivertest.Content(5000, 8)) {
			t.Errorf("request %d: verified=%v, %d bytes", i, r.verified, len(r.body))
		}
		if k := r.header.Get("Idempotency-Key"); k != reqs[0].header.Get("Idempotency-Key") || k == "" {
			t.Errorf("request %d: Idempotency-Key %q, want the first one's %q", i, k, reqs[0].header.Get("Idempotency-Key"))
		}
	}
	if files := rc.Files(t); len(files) != 1 {
		t.Errorf("the receiver keeps %d files, want 1", len(files))
	}
}

// In "json" mode the receiver gets a description of the file and, when
// Facteur serves it, a download link.
func TestWebhookJSONMode(t *testing.T) {
	t.Parallel()
	content := []byte("id,city\n1,Lyon\n")
	a := delivertest.NewArtifact(t, "cities.csv", content)
	a.Rows = 1
	a.RunID = 42
	link := func(got *facteur.Artifact) (string, error) {
		if got != a {
			t.Errorf("links called with %+v", got)
		}
		return "https://facteur.example.org/download/42/1700000000/sig", nil
	}
	tests := []struct {
		name  string
		links func(*facteur.Artifact) (string, error)
		want  string
	}{
		{"with link", link, `{"file_name":"cities.csv","rows":1,"bytes":15,"sha256":"` + a.SHA256 + `","run_id":42,"download_url":"https://facteur.example.org/download/42/1700000000/sig"}`},
		{"without link", nil, `{"file_name":"cities.csv","rows":1,"bytes":15,"sha256":"` + a.SHA256 + `","run_id":42}`},
	}
	for _, tt := range tests {
		rc := startReceiverMode(t, false, true)
		w := newWebhook(t, webhook.Config{URL: rc.URL(), Mode: webhook.ModeJSON}, deliver.Env{}, tt.links)
		if _, err := w.Deliver(t.Context(), a); err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		reqs := rc.Requests()
		if len(reqs) != 1 {
			t.Fatalf("%s: %d requests", tt.name, len(reqs))
		}
		r := reqs[0]
		if string(r.body) != tt.want {
			t.Errorf("%s: body\n%s\nwant\n%s", tt.name, r.body, tt.want)
		}
		if !r.verified || r.header.Get("Content-Type") != "application/json" ||
			r.header.Get("Idempotency-Key") != a.SHA256+"-cities.csv" || r.header.Get("Facteur-SHA256") != a.SHA256 {
			t.Errorf("%s: verified=%v headers %v", tt.name, r.verified, r.header)
		}
	}

	// A link that cannot be made fails the delivery before anything is sent.
	rc := startReceiver(t, false)
	broken := func(*facteur.Artifact) (string, error) { return "", errors.New("no signing key") }
	w := newWebhook(t, webhook.Config{URL: rc.URL(), Mode: webhook.ModeJSON}, deliver.Env{}, broken)
	if _, err := w.Deliver(t.Context(), a); err == nil || !strings.Contains(err.Error(), "no signing key") {
		t.Errorf("Deliver with a broken links func: %v", err)
	}
	if n := len(rc.Requests()); n != 0 {
		t.Errorf("%d requests sent, want none", n)
	}
}

// Test posts a small signed JSON payload.
func TestWebhookTest(t *testing.T) {
	t.Parallel()
	rc := startReceiver(t, false)
	w := newWebhook(t, webhook.Config{URL: rc.URL()}, deliver.Env{}, nil)
	if _, err := w.Test(t.Context()); err != nil {
		t.Fatal(err)
	}
	r := rc.Requests()[0]
	var body struct {
		Test     bool   `json:"test"`
		Message  string `json:"message"`
		FileName string `json:"file_name"`
	}
	if err := json.Unmarshal(r.body, &body); err != nil || !body.Test || !strings.Contains(body.Message, "Facteur") {
		t.Errorf("test payload %s (%v), want {\"test\":true, \"message\": …}", r.body, err)
	}
	if !r.verified || r.header.Get("Facteur-Test") != "true" || r.header.Get("Content-Type") != "application/json" || r.header.Get("Facteur-File-Name") != body.FileName {
		t.Errorf("verified=%v headers %v", r.verified, r.header)
	}

	// A wrong secret is what Test is for.
	rc.setSecret("another-secret-entirely")
	_, err := w.Test(t.Context())
	if facteur.ErrorCode(err) != facteur.EUNAUTHORIZED || !strings.Contains(facteur.ErrorMessage(err), "401 Unauthorized") ||
		!strings.Contains(facteur.ErrorMessage(err), "bad signature") || !strings.Contains(facteur.ErrorMessage(err), "secret") {
		t.Errorf("Test with a wrong secret: %v", err)
	}
}

// Redirects are never followed: a redirect could lead anywhere, past the
// outbound guard's check of the saved URL.
func TestWebhookRedirectRefused(t *testing.T) {
	t.Parallel()
	target := startReceiver(t, false)
	for _, code := range []int{http.StatusMovedPermanently, http.StatusFound, http.StatusTemporaryRedirect, http.StatusPermanentRedirect} {
		rc := startReceiver(t, false)
		rc.setRespond(func(w http.ResponseWriter, r *http.Request, _ []byte) bool {
			http.Redirect(w, r, target.URL(), code)
			return true
		})
		w := newWebhook(t, webhook.Config{URL: rc.URL()}, deliver.Env{}, nil)
		_, err := w.Deliver(t.Context(), delivertest.NewArtifact(t, "a.csv", []byte("x\n")))
		msg := facteur.ErrorMessage(err)
		if facteur.ErrorCode(err) != facteur.EINVALID || facteur.Retryable(err) ||
			!strings.Contains(msg, "The webhook answered with a redirect to "+target.srv.URL+"/in") ||
			!strings.Contains(msg, "Facteur does not follow redirects. Use the final URL.") {
			t.Errorf("%d: %v", code, err)
		}
	}
	if n := len(target.Requests()); n != 0 {
		t.Errorf("the redirect's target got %d requests", n)
	}
}

// The receiver's answer says whether a retry can help.
func TestWebhookStatusCodes(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("x", 190) + "0123456789END"
	tests := []struct {
		status int
		code   string
		text   string
	}{
		{http.StatusBadRequest, facteur.EINVALID, "400 Bad Request"},
		{http.StatusUnauthorized, facteur.EUNAUTHORIZED, "401 Unauthorized"},
		{http.StatusForbidden, facteur.EUNAUTHORIZED, "403 Forbidden"},
		{http.StatusNotFound, facteur.EINVALID, "404 Not Found"},
		{http.StatusConflict, facteur.ECONFLICT, "409 Conflict"},
		{http.StatusRequestEntityTooLarge, facteur.EINVALID, "413 Request Entity Too Large"},
		{http.StatusUnprocessableEntity, facteur.EINVALID, "422 Unprocessable Entity"},
		{http.StatusRequestTimeout, facteur.EUNAVAILABLE, "408 Request Timeout"},
		{http.StatusTooManyRequests, facteur.EUNAVAILABLE, "429 Too Many Requests"},
		{http.StatusInternalServerError, facteur.EUNAVAILABLE, "500 Internal Server Error"},
		{http.StatusBadGateway, facteur.EUNAVAILABLE, "502 Bad Gateway"},
		{http.StatusServiceUnavailable, facteur.EUNAVAILABLE, "503 Service Unavailable"},
		{http.StatusGatewayTimeout, facteur.EUNAVAILABLE, "504 Gateway Timeout"},
	}
	for _, tt := range tests {
		rc := startReceiver(t, false)
		rc.setRespond(func(w http.ResponseWriter, _ *http.Request, _ []byte) bool {
			w.WriteHeader(tt.status)
			io.WriteString(w, "\r\n  "+long)
			return true
		})
		w := newWebhook(t, webhook.Config{URL: rc.URL()}, deliver.Env{}, nil)
		_, err := w.Deliver(t.Context(), delivertest.NewArtifact(t, "a.csv", []byte("x\n")))
		msg := facteur.ErrorMessage(err)
		if got := facteur.ErrorCode(err); got != tt.code || facteur.Retryable(err) != (tt.code == facteur.EUNAVAILABLE) {
			t.Errorf("%d: code %q retryable %v, want %q (%v)", tt.status, got, facteur.Retryable(err), tt.code, err)
		}
		if !strings.Contains(msg, tt.text) || !strings.Contains(msg, strings.Repeat("x", 190)+"012345") || strings.Contains(msg, "6789END") || strings.ContainsAny(msg, "\r\n") {
			t.Errorf("%d: message %q should quote the status and the first 200 bytes of the answer on one line", tt.status, msg)
		}
	}
}

// A receiver that stops answering, or stops reading the upload, is given
// up after the timeout, and the delivery is retried later.
func TestWebhookTimeout(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	slow := func(readFirst int64) *httptest.Server {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if readFirst >= 0 {
				io.CopyN(io.Discard, r.Body, readFirst)
			} else {
				io.Copy(io.Discard, r.Body)
			}
			select {
			case <-r.Context().Done():
			case <-release:
			}
		}))
		t.Cleanup(srv.Close)
		return srv
	}
	defer close(release) // before the servers close: they wait for their handlers
	tests := []struct {
		name      string
		readFirst int64 // bytes the receiver reads before it stalls; -1: the whole body
	}{
		{"no answer", -1},
		{"upload stalls", 1024},
	}
	for _, tt := range tests {
		srv := slow(tt.readFirst)
		w := newWebhook(t, webhook.Config{URL: srv.URL, Timeout: 1}, deliver.Env{}, nil)
		start := time.Now()
		_, err := w.Deliver(t.Context(), delivertest.NewArtifact(t, "big.csv", delivertest.Content(32<<20, 9)))
		took := time.Since(start)
		if facteur.ErrorCode(err) != facteur.EUNAVAILABLE || !facteur.Retryable(err) || !strings.Contains(facteur.ErrorMessage(err), "did not answer within 1 s") {
			t.Errorf("%s: %v, want a retryable EUNAVAILABLE saying it did not answer within 1 s", tt.name, err)
		}
		if took > 20*time.Second {
			t.Errorf("%s: gave up after %v; the timeout is 1 s", tt.name, took)
		}
	}
}

// Network failures are retryable; a cancelled delivery is not.
func TestWebhookNetworkErrors(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://" + ln.Addr().String() + "/in"
	ln.Close()
	w := newWebhook(t, webhook.Config{URL: closed}, deliver.Env{}, nil)
	_, err = w.Deliver(t.Context(), delivertest.NewArtifact(t, "a.csv", []byte("x\n")))
	if facteur.ErrorCode(err) != facteur.EUNAVAILABLE || !facteur.Retryable(err) || !strings.Contains(facteur.ErrorMessage(err), "connection was refused") {
		t.Errorf("closed port: %v, want a retryable EUNAVAILABLE saying the connection was refused", err)
	}

	// An https:// URL to a plain HTTP server.
	rc := startReceiver(t, false)
	w = newWebhook(t, webhook.Config{URL: strings.Replace(rc.URL(), "http://", "https://", 1)}, deliver.Env{}, nil)
	_, err = w.Deliver(t.Context(), delivertest.NewArtifact(t, "a.csv", []byte("x\n")))
	if facteur.ErrorCode(err) != facteur.EINVALID || !strings.Contains(facteur.ErrorMessage(err), "does not speak HTTPS") {
		t.Errorf("https to http: %v", err)
	}

	// A certificate nobody signed.
	tlsSrv := httptest.NewTLSServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	t.Cleanup(tlsSrv.Close)
	w = newWebhook(t, webhook.Config{URL: tlsSrv.URL}, deliver.Env{}, nil)
	_, err = w.Deliver(t.Context(), delivertest.NewArtifact(t, "a.csv", []byte("x\n")))
	if facteur.ErrorCode(err) != facteur.EINVALID || !strings.Contains(facteur.ErrorMessage(err), "TLS certificate") {
		t.Errorf("untrusted certificate: %v", err)
	}
}
