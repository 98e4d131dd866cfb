package http

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"html"
	"net/http"
	"sync"
	"time"

	"github.com/facteur/facteur"
	"github.com/facteur/facteur/http/apitypes"
	"github.com/facteur/facteur/mail"
)

// oauthPendingKey keeps the state and PKCE verifier of an authorisation in
// progress in the store, so that the provider may redirect to any node.
const oauthPendingKey = "mail_oauth_pending"

// callbackPath is where the provider sends the browser back.
const callbackPath = "/api/v1/settings/mail/oauth/callback"

type oauthPending struct {
	State    string    `json:"state"`
	Verifier string    `json:"verifier"`
	Expires  time.Time `json:"expires"`
}

// deviceStatus is the state of the device authorisation this node runs.
type deviceStatus struct {
	mu sync.Mutex
	apitypes.DeviceStatus
}

// oauthClient returns the stored settings, which must name an OAuth client.
func (s *Server) oauthClient(ctx context.Context) (mail.Settings, error) {
	st, err := s.Mail.Settings(ctx)
	if err != nil {
		return st, err
	}
	if st.OAuth == nil {
		return st, facteur.Errorf(facteur.EINVALID, "smtp.oauth: set the OAuth client (provider, client_id, client_secret) in the mail settings first")
	}
	return st, nil
}

func (s *Server) redirectURL() string { return s.PublicURL + callbackPath }

// oauthContext carries the HTTP client the OAuth calls use: through the
// outbound guard, with a timeout.
func (s *Server) oauthContext(ctx context.Context) context.Context {
	return mail.HTTPContext(ctx, s.Mail.Dial, 30*time.Second)
}

// startOAuth starts connecting the mail account through the browser: it
// returns the provider's URL to open; the provider sends the browser back
// to the callback.
func (s *Server) startOAuth(r *http.Request) (int, any, error) {
	st, err := s.oauthClient(r.Context())
	if err != nil {
		return 0, nil, err
	}
	buf := make([]byte, 24)
	rand.Read(buf)
	state := base64.RawURLEncoding.EncodeToString(buf)
	authURL, verifier := mail.AuthCodeURL(*st.OAuth, s.redirectURL(), state)
	raw, _ := json.Marshal(oauthPending{State: state, Verifier: verifier, Expires: time.Now().Add(15 * time.Minute)})
	if err := s.Store.PutSetting(r.Context(), oauthPendingKey, raw); err != nil {
		return 0, nil, err
	}
	return http.StatusOK, apitypes.OAuthStart{AuthURL: authURL, RedirectURL: s.redirectURL()}, nil
}

// oauthCallback completes the browser flow: it checks the state, trades the
// code for tokens and stores them.
func (s *Server) oauthCallback(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if e := q.Get("error"); e != "" {
		s.oauthPage(w, http.StatusBadRequest, "The provider did not connect the account: "+e+" "+q.Get("error_description"))
		return
	}
	var p oauthPending
	raw, err := s.Store.Setting(r.Context(), oauthPendingKey)
	if err == nil {
		err = json.Unmarshal(raw, &p)
	}
	if err != nil || p.State == "" || subtle.ConstantTimeCompare([]byte(p.State), []byte(q.Get("state"))) != 1 || time.Now().After(p.Expires) {
		s.oauthPage(w, http.StatusBadRequest, "This authorisation is unknown or has expired. Start connecting the account again from Settings → Mail.")
		return
	}
	st, err := s.oauthClient(r.Context())
	if err == nil {
		var o mail.OAuth
		if o, err = mail.Exchange(s.oauthContext(r.Context()), *st.OAuth, s.redirectURL(), q.Get("code"), p.Verifier); err == nil {
			err = s.saveOAuth(r.Context(), o)
		}
	}
	if err != nil {
		s.oauthPage(w, http.StatusBadGateway, facteur.ErrorMessage(err))
		return
	}
	_ = s.Store.PutSetting(r.Context(), oauthPendingKey, json.RawMessage(`{}`))
	s.oauthPage(w, http.StatusOK, "The mail account is connected. You can close this page.")
}

// saveOAuth stores new tokens in the current mail settings.
func (s *Server) saveOAuth(ctx context.Context, o mail.OAuth) error {
	st, err := s.Mail.Settings(ctx)
	if err != nil {
		return err
	}
	st.OAuth = &o
	if st.Auth == "" || st.Auth == mail.AuthNone {
		st.Auth = mail.AuthXOAuth2
	}
	return s.Mail.Save(ctx, st)
}

func (s *Server) oauthPage(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	fmt.Fprintf(w, "<!doctype html><meta charset=utf-8><title>Facteur</title><p>%s</p>\n", html.EscapeString(msg))
}

// startDevice starts the device authorisation grant: the answer holds the
// code to enter at the provider's address; this node waits for it in the
// background and stores the tokens (see getDevice).
func (s *Server) startDevice(r *http.Request) (int, any, error) {
	st, err := s.oauthClient(r.Context())
	if err != nil {
		return 0, nil, err
	}
	da, err := mail.DeviceAuth(s.oauthContext(r.Context()), *st.OAuth)
	if err != nil {
		return 0, nil, err
	}
	d := &s.device
	d.mu.Lock()
	d.Status, d.Error, d.UserCode, d.VerificationURI, d.Expires = "pending", "", da.UserCode, da.VerificationURI, da.Expiry
	d.mu.Unlock()
	ctx, cancel := context.WithDeadline(s.context(), da.Expiry)
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		defer cancel()
		o, err := mail.DeviceWait(s.oauthContext(ctx), *st.OAuth, da)
		if err == nil {
			err = s.saveOAuth(context.WithoutCancel(ctx), o)
		}
		d.mu.Lock()
		defer d.mu.Unlock()
		if err != nil {
			d.Status, d.Error = "failed", facteur.ErrorMessage(err)
			return
		}
		d.Status = "connected"
	}()
	return s.getDevice(r)
}

// getDevice reports the device authorisation started on this node.
func (s *Server) getDevice(r *http.Request) (int, any, error) {
	d := &s.device
	d.mu.Lock()
	defer d.mu.Unlock()
	out := apitypes.DeviceStatus{Status: d.Status, Error: d.Error}
	if d.Status == "" {
		out.Status = "none"
	}
	if d.Status == "pending" {
		out.UserCode, out.VerificationURI, out.Expires = d.UserCode, d.VerificationURI, d.Expires
	}
	return http.StatusOK, out, nil
}
