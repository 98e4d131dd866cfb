package mail_test

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"

	"github.com/facteur/facteur/mail"
)

// provider is a local OAuth 2.0 authorisation server: a token endpoint
// (refresh, authorisation code with PKCE, device code) and a device
// authorisation endpoint, speaking RFC 6749, 7636 and 8628 over HTTP.
type provider struct {
	URL string

	mu        sync.Mutex
	refreshes int               // successful refreshes
	revoked   map[string]bool   // refresh tokens that get invalid_grant
	codes     map[string]string // authorisation code -> PKCE challenge
	redirect  string            // the redirect_uri codes were issued for
	pending   int               // device polls to answer authorization_pending
	polls     int               // device polls seen
	requests  []string          // grant types, in order
}

const (
	clientID     = "facteur-test"
	clientSecret = "s3cret"
	deviceCode   = "dev-123"
)

func newProvider(t *testing.T) *provider {
	t.Helper()
	p := &provider{revoked: map[string]bool{}, codes: map[string]string{}}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /token", p.token)
	mux.HandleFunc("POST /device", p.device)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	p.URL = srv.URL
	return p
}

// oauth returns the settings of a "custom" provider pointing here.
func (p *provider) oauth() *mail.OAuth {
	return &mail.OAuth{
		Provider: mail.ProviderCustom, ClientID: clientID, ClientSecret: clientSecret,
		AuthURL: p.URL + "/auth", TokenURL: p.URL + "/token", DeviceURL: p.URL + "/device",
		Scopes: []string{"https://mail.google.com/"},
	}
}

func (p *provider) refreshCount() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.refreshes
}

func oauthReply(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

func oauthFail(w http.ResponseWriter, code, desc string) {
	oauthReply(w, http.StatusBadRequest, map[string]string{"error": code, "error_description": desc})
}

func (p *provider) token(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		oauthFail(w, "invalid_request", err.Error())
		return
	}
	id, secret, ok := r.BasicAuth()
	if !ok {
		id, secret = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	grant := r.PostForm.Get("grant_type")
	p.requests = append(p.requests, grant)
	if id != clientID || (secret != clientSecret && grant != "urn:ietf:params:oauth:grant-type:device_code") {
		oauthReply(w, http.StatusUnauthorized, map[string]string{"error": "invalid_client"})
		return
	}
	switch grant {
	case "refresh_token":
		rt := r.PostForm.Get("refresh_token")
		if rt == "" || p.revoked[rt] {
			oauthFail(w, "invalid_grant", "Token has been expired or revoked.")
			return
		}
		p.refreshes++
		oauthReply(w, http.StatusOK, map[string]any{
			"access_token": "fresh-" + strconv.Itoa(p.refreshes), "token_type": "Bearer", "expires_in": 3600,
		})
	case "authorization_code":
		challenge, ok := p.codes[r.PostForm.Get("code")]
		sum := sha256.Sum256([]byte(r.PostForm.Get("code_verifier")))
		if !ok || r.PostForm.Get("redirect_uri") != p.redirect ||
			base64.RawURLEncoding.EncodeToString(sum[:]) != challenge {
			oauthFail(w, "invalid_grant", "code, redirect_uri or code_verifier mismatch")
			return
		}
		delete(p.codes, r.PostForm.Get("code"))
		oauthReply(w, http.StatusOK, map[string]any{
			"access_token": "code-access", "refresh_token": "code-refresh", "token_type": "Bearer", "expires_in": 3600,
		})
	case "urn:ietf:params:oauth:grant-type:device_code":
		if r.PostForm.Get("device_code") != deviceCode {
			oauthFail(w, "invalid_grant", "unknown device code")
			return
		}
		p.polls++
		if p.polls <= p.pending {
			oauthFail(w, "authorization_pending", "")
			return
		}
		oauthReply(w, http.StatusOK, map[string]any{
			"access_token": "device-access", "refresh_token": "device-refresh", "token_type": "Bearer", "expires_in": 3600,
		})
	default:
		oauthFail(w, "unsupported_grant_type", grant)
	}
}

func (p *provider) device(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil || r.PostForm.Get("client_id") != clientID {
		oauthReply(w, http.StatusUnauthorized, map[string]string{"error": "invalid_client"})
		return
	}
	oauthReply(w, http.StatusOK, map[string]any{
		"device_code": deviceCode, "user_code": "WDJB-MJHT", "verification_uri": p.URL + "/activate",
		"expires_in": 60, "interval": 1,
	})
}
