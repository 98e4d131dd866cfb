package webhook_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"sync"
	"testing"
	"time"
)

// testSecret is the webhook secret of the tests.
const testSecret = "0123456789abcdef-test-secret"

// receiver is a partner's webhook endpoint, as a partner would write one:
// it checks the signature with its own HMAC code, refuses stale
// timestamps, checks the body against Facteur-SHA256, and keeps one file
// per name (a second file of that name is refused with 409 unless it
// accepts overwriting; the same file again is acknowledged, not stored
// twice).
type receiver struct {
	srv       *httptest.Server
	secret    string
	overwrite bool
	jsonMode  bool // the body describes the file: Facteur-SHA256 is not the body's

	mu       sync.Mutex
	files    map[string][]byte
	requests []received
	// respond, when set, answers a request instead of the logic above.
	respond func(w http.ResponseWriter, r *http.Request, body []byte) bool
}

// received is one request the receiver got.
type received struct {
	header   http.Header
	body     []byte
	verified bool // signature and timestamp valid
}

// startReceiver starts a receiver of files on a loopback port until the
// test ends.
func startReceiver(t *testing.T, overwrite bool) *receiver {
	t.Helper()
	return startReceiverMode(t, overwrite, false)
}

// startReceiverMode starts a receiver of files, or of JSON descriptions
// of files, until the test ends.
func startReceiverMode(t *testing.T, overwrite, jsonMode bool) *receiver {
	t.Helper()
	rc := &receiver{secret: testSecret, overwrite: overwrite, jsonMode: jsonMode, files: map[string][]byte{}}
	rc.srv = httptest.NewServer(http.HandlerFunc(rc.serve))
	t.Cleanup(rc.srv.Close)
	return rc
}

// URL is the address to configure, with a query that must not reach the
// run history.
func (rc *receiver) URL() string { return rc.srv.URL + "/in?token=do-not-show" }

func (rc *receiver) serve(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return // an aborted upload is not a delivery
	}
	rc.mu.Lock()
	verified := rc.verify(r.Header, body)
	rc.requests = append(rc.requests, received{r.Header.Clone(), body, verified})
	respond, jsonMode := rc.respond, rc.jsonMode
	rc.mu.Unlock()
	if respond != nil && respond(w, r, body) {
		return
	}
	if r.Method != http.MethodPost || !verified {
		http.Error(w, "bad signature", http.StatusUnauthorized)
		return
	}
	name, err := url.PathUnescape(r.Header.Get("Facteur-File-Name"))
	sum := sha256.Sum256(body)
	if err != nil || name == "" || (!jsonMode && hex.EncodeToString(sum[:]) != r.Header.Get("Facteur-SHA256")) ||
		r.Header.Get("Idempotency-Key") != r.Header.Get("Facteur-SHA256")+"-"+url.PathEscape(name) {
		http.Error(w, "bad file headers", http.StatusBadRequest)
		return
	}
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if old, ok := rc.files[name]; ok && string(old) != string(body) && !rc.overwrite {
		http.Error(w, "a different file named "+name+" is already here", http.StatusConflict)
		return
	}
	rc.files[name] = body
	w.WriteHeader(http.StatusNoContent)
}

// verify (called with mu held) checks a request's signature and timestamp the way a receiver
// should: HMAC-SHA-256 of timestamp "." body, compared in constant time,
// timestamp within five minutes.
func (rc *receiver) verify(h http.Header, body []byte) bool {
	ts := h.Get("Facteur-Timestamp")
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || time.Since(time.Unix(sec, 0)).Abs() > 5*time.Minute {
		return false
	}
	m := hmac.New(sha256.New, []byte(rc.secret))
	m.Write([]byte(ts + "." + string(body)))
	want := "sha256=" + hex.EncodeToString(m.Sum(nil))
	return hmac.Equal([]byte(want), []byte(h.Get("Facteur-Signature")))
}

// setRespond makes f answer the requests from now on.
func (rc *receiver) setRespond(f func(w http.ResponseWriter, r *http.Request, body []byte) bool) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	rc.respond = f
}

// setSecret changes the secret the receiver checks signatures with.
func (rc *receiver) setSecret(s string) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	rc.secret = s
}

// Files returns the files the receiver keeps, by name.
func (rc *receiver) Files(*testing.T) map[string][]byte {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return maps.Clone(rc.files)
}

// Requests returns every request received so far.
func (rc *receiver) Requests() []received {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]received(nil), rc.requests...)
}
