package main

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/facteur/facteur/mail/smtptest"
)

// fakeProvider is an OAuth 2.0 provider on loopback: it checks PKCE on the
// authorisation-code grant, answers "authorization_pending" once on the
// device grant, and issues the tokens it is told to.
type fakeProvider struct {
	*httptest.Server
	mu         sync.Mutex
	challenges map[string]string // code -> PKCE challenge
	devicePoll int
	grants     []string
	// prefix starts every token issued, so that a test can look for them.
	prefix string
}

func newFakeProvider(t *testing.T) *fakeProvider {
	p := &fakeProvider{challenges: map[string]string{}}
	mux := http.NewServeMux()
	mux.HandleFunc("/device", func(w http.ResponseWriter, r *http.Request) {
		json.NewEncoder(w).Encode(map[string]any{"device_code": "dev-1", "user_code": "WDJB-MJHT", "verification_uri": p.URL + "/verify", "expires_in": 60, "interval": 1})
	})
	mux.HandleFunc("/token", func(w http.ResponseWriter, r *http.Request) {
		r.ParseForm()
		p.mu.Lock()
		defer p.mu.Unlock()
		grant := r.Form.Get("grant_type")
		p.grants = append(p.grants, grant)
		w.Header().Set("Content-Type", "application/json")
		switch grant {
		case "authorization_code":
			sum := sha256.Sum256([]byte(r.Form.Get("code_verifier")))
			if p.challenges[r.Form.Get("code")] != base64.RawURLEncoding.EncodeToString(sum[:]) {
				w.WriteHeader(400)
				json.NewEncoder(w).Encode(map[string]string{"error": "invalid_grant"})
				return
			}
			json.NewEncoder(w).Encode(map[string]any{"access_token": p.prefix + "access-browser", "refresh_token": p.prefix + "refresh-1", "token_type": "Bearer", "expires_in": 3600})
		case "urn:ietf:params:oauth:grant-type:device_code":
			if p.devicePoll++; p.devicePoll == 1 {
				w.WriteHeader(400)
				json.NewEncoder(w).Encode(map[string]string{"error": "authorization_pending"})
				return
			}
			json.NewEncoder(w).Encode(map[string]any{"access_token": p.prefix + "access-device", "refresh_token": p.prefix + "refresh-2", "token_type": "Bearer", "expires_in": 3600})
		default:
			w.WriteHeader(400)
			json.NewEncoder(w).Encode(map[string]string{"error": "unsupported_grant_type"})
		}
	})
	p.Server = httptest.NewServer(mux)
	t.Cleanup(p.Close)
	return p
}

// TestMailOAuth: the mail account is connected through the browser flow
// (with PKCE, the redirect back to Facteur) and through the device flow,
// and mail then goes out with XOAUTH2.
func TestMailOAuth(t *testing.T) {
	provider := newFakeProvider(t)
	smtp := smtptest.Start(t, smtptest.Options{Tokens: map[string]string{"facteur@example.org": "access-browser"}})
	n := startServe(t, t.TempDir())
	n.must(200, "PUT", "/api/v1/settings/mail", map[string]any{"host": smtp.Host, "port": smtp.Port, "security": "none",
		"auth": "xoauth2", "username": "facteur@example.org", "from": "facteur@example.org",
		"oauth": map[string]any{"provider": "custom", "client_id": "facteur-app", "client_secret": "app-secret",
			"auth_url": provider.URL + "/authorize", "token_url": provider.URL + "/token", "device_url": provider.URL + "/device"}}, nil)

	var start struct {
		AuthURL     string `json:"auth_url"`
		RedirectURL string `json:"redirect_url"`
	}
	n.must(200, "POST", "/api/v1/settings/mail/oauth/authorize", nil, &start)
	u, err := url.Parse(start.AuthURL)
	if err != nil || !strings.HasPrefix(start.AuthURL, provider.URL+"/authorize?") || u.Query().Get("code_challenge_method") != "S256" || u.Query().Get("redirect_uri") != start.RedirectURL {
		t.Fatalf("authorize: %+v", start)
	}
	// The user consents; the provider sends the browser back with a code.
	provider.mu.Lock()
	provider.challenges["code-1"] = u.Query().Get("code_challenge")
	provider.mu.Unlock()
	if resp, _ := http.Get(start.RedirectURL + "?state=forged&code=code-1"); resp == nil || resp.StatusCode != 400 {
		t.Fatalf("a forged state was accepted: %v", resp)
	}
	resp, err := http.Get(start.RedirectURL + "?state=" + url.QueryEscape(u.Query().Get("state")) + "&code=code-1")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("callback: %v %v", resp, err)
	}
	var shown struct {
		Settings   map[string]any
		SecretsSet []string `json:"secrets_set"`
	}
	n.must(200, "GET", "/api/v1/settings/mail", nil, &shown)
	if b, _ := json.Marshal(shown); strings.Contains(string(b), "access-browser") || strings.Contains(string(b), "app-secret") || !strings.Contains(strings.Join(shown.SecretsSet, ","), "refresh_token") {
		t.Fatalf("settings after connecting: %s", b)
	}
	n.must(200, "POST", "/api/v1/settings/mail/test", map[string]any{"to": "ops@example.org"}, nil)
	if got := smtp.WaitFor(1, 10*time.Second); len(got) != 1 || got[0].User != "facteur@example.org" {
		t.Fatalf("XOAUTH2 mail: %+v", got)
	}

	// The device flow: show the code, wait for the user, store the tokens.
	var dev struct {
		Status   string
		UserCode string `json:"user_code"`
		Error    string
	}
	n.must(200, "POST", "/api/v1/settings/mail/oauth/device", nil, &dev)
	if dev.Status != "pending" || dev.UserCode != "WDJB-MJHT" {
		t.Fatalf("device: %+v", dev)
	}
	for deadline := time.Now().Add(20 * time.Second); dev.Status == "pending" && time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		n.must(200, "GET", "/api/v1/settings/mail/oauth/device", nil, &dev)
	}
	provider.mu.Lock()
	polls := provider.devicePoll
	provider.mu.Unlock()
	if dev.Status != "connected" || polls != 2 {
		t.Fatalf("device flow: %+v after %d polls", dev, polls)
	}
}
