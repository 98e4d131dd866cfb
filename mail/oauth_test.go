package mail_test

import (
	"context"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/facteur/facteur"
	"github.com/facteur/facteur/mail"
	"github.com/facteur/facteur/mail/smtptest"
)

// oauthSettings returns XOAUTH2 settings for srv using the provider p.
func oauthSettings(srv *smtptest.Server, o *mail.OAuth) mail.Settings {
	return mail.Settings{
		Host: srv.Host, Port: srv.Port, Security: mail.SecurityStartTLS, CACert: srv.CertPEM(),
		Username: user, Auth: mail.AuthXOAuth2, OAuth: o, From: user, Timeout: 5 * time.Second,
	}
}

func TestXOAuth2Refresh(t *testing.T) {
	t.Parallel()
	srv := smtptest.Start(t, smtptest.Options{Tokens: map[string]string{user: "fresh-1"}, TLS: true})
	tests := []struct {
		name   string
		expiry time.Time
	}{
		{"expired", time.Now().Add(-time.Hour)},
		{"expires within a minute", time.Now().Add(50 * time.Second)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := newProvider(t) // counts refreshes from 0
			o := p.oauth()
			o.AccessToken, o.RefreshToken, o.Expiry = "old", "refresh-1", tc.expiry
			var mu sync.Mutex
			var saved []mail.OAuth
			s := &mail.Sender{Settings: oauthSettings(srv, o), OnToken: func(ctx context.Context, o mail.OAuth) error {
				mu.Lock()
				defer mu.Unlock()
				saved = append(saved, o)
				return nil
			}}
			for range 2 {
				if err := s.Send(t.Context(), testMessage()); err != nil {
					t.Fatal(err)
				}
			}
			if n := p.refreshCount(); n != 1 {
				t.Errorf("%d refreshes for two mails, want 1", n)
			}
			if len(saved) != 1 {
				t.Fatalf("OnToken called %d times, want 1", len(saved))
			}
			got := saved[0]
			if got.AccessToken != "fresh-1" || got.RefreshToken != "refresh-1" || time.Until(got.Expiry) < 50*time.Minute {
				t.Errorf("saved token %q refresh %q expiring in %v; want fresh-1, refresh-1, about 1h",
					got.AccessToken, got.RefreshToken, time.Until(got.Expiry).Round(time.Minute))
			}
			if got.ClientID != clientID || got.TokenURL != o.TokenURL {
				t.Errorf("saved settings lost the client: %+v", got)
			}
		})
	}
	for _, r := range srv.Messages() {
		if r.User != user || !r.TLS {
			t.Errorf("mail sent as %q, TLS %v", r.User, r.TLS)
		}
	}
	if n := len(srv.Messages()); n != 4 {
		t.Errorf("%d mails arrived, want 4", n)
	}
}

func TestXOAuth2ValidTokenNotRefreshed(t *testing.T) {
	t.Parallel()
	p := newProvider(t)
	srv := smtptest.Start(t, smtptest.Options{Tokens: map[string]string{user: "current"}, TLS: true})
	o := p.oauth()
	o.AccessToken, o.RefreshToken, o.Expiry = "current", "refresh-1", time.Now().Add(time.Hour)
	s := &mail.Sender{Settings: oauthSettings(srv, o), OnToken: func(context.Context, mail.OAuth) error {
		t.Error("OnToken called for a valid token")
		return nil
	}}
	if err := s.Send(t.Context(), testMessage()); err != nil {
		t.Fatal(err)
	}
	if n := p.refreshCount(); n != 0 {
		t.Errorf("%d refreshes, want 0", n)
	}
}

func TestXOAuth2Revoked(t *testing.T) {
	t.Parallel()
	p := newProvider(t)
	p.revoked["refresh-revoked"] = true
	srv := smtptest.Start(t, smtptest.Options{Tokens: map[string]string{user: "fresh-1"}, TLS: true})
	o := p.oauth()
	o.AccessToken, o.RefreshToken, o.Expiry = "old", "refresh-revoked", time.Now().Add(-time.Minute)
	err := (&mail.Sender{Settings: oauthSettings(srv, o)}).Send(t.Context(), testMessage())
	wantError(t, err, facteur.EUNAUTHORIZED, false,
		"The mail account's authorisation was revoked or expired: connect the account again in Settings → Mail.")
	if n := len(srv.Messages()); n != 0 {
		t.Errorf("%d mails arrived", n)
	}

	o.RefreshToken = "refresh-1"
	o.ClientSecret = "wrong"
	err = (&mail.Sender{Settings: oauthSettings(srv, o)}).Send(t.Context(), testMessage())
	wantError(t, err, facteur.EUNAUTHORIZED, false, "check the client ID and secret")
}

func TestXOAuth2TokenRefused(t *testing.T) {
	t.Parallel()
	p := newProvider(t)
	srv := smtptest.Start(t, smtptest.Options{Tokens: map[string]string{user: "the-right-one"}, TLS: true})
	o := p.oauth()
	o.AccessToken, o.RefreshToken, o.Expiry = "not-valid-at-server", "refresh-1", time.Now().Add(time.Hour)
	err := (&mail.Sender{Settings: oauthSettings(srv, o)}).Send(t.Context(), testMessage())
	wantError(t, err, facteur.EUNAUTHORIZED, false, "SMTP authentication failed: the server refused the OAuth token for "+user)

	o.AccessToken, o.RefreshToken = "", ""
	err = (&mail.Sender{Settings: oauthSettings(srv, o)}).Send(t.Context(), testMessage())
	wantError(t, err, facteur.EUNAUTHORIZED, false, "not connected yet")
}

func TestDeviceFlow(t *testing.T) {
	t.Parallel()
	p := newProvider(t)
	p.pending = 2
	o := *p.oauth()
	da, err := mail.DeviceAuth(t.Context(), o)
	if err != nil {
		t.Fatal(err)
	}
	if da.UserCode != "WDJB-MJHT" || da.VerificationURI != p.URL+"/activate" {
		t.Errorf("device code %q at %q", da.UserCode, da.VerificationURI)
	}
	got, err := mail.DeviceWait(t.Context(), o, da)
	if err != nil {
		t.Fatal(err)
	}
	if got.AccessToken != "device-access" || got.RefreshToken != "device-refresh" || got.ClientID != clientID {
		t.Errorf("DeviceWait = %+v", got)
	}
	p.mu.Lock()
	polls := p.polls
	p.polls, p.pending = 0, 1000
	p.mu.Unlock()
	if polls != 3 {
		t.Errorf("%d polls, want 3 (two pending, then the token)", polls)
	}

	// The user leaves: the context ends the wait.
	ctx, cancel := context.WithTimeout(t.Context(), 1500*time.Millisecond)
	defer cancel()
	_, err = mail.DeviceWait(ctx, o, da)
	wantError(t, err, facteur.ECANCELLED, false, "start connecting the account again")

	// The code expires before the user enters it.
	da.Expiry = time.Now().Add(1500 * time.Millisecond)
	_, err = mail.DeviceWait(t.Context(), o, da)
	wantError(t, err, facteur.EINVALID, false, "The code was not entered in time")
}

func TestAuthCodePKCE(t *testing.T) {
	t.Parallel()
	p := newProvider(t)
	o := *p.oauth()
	const redirect = "http://127.0.0.1:8080/api/v1/mail/oauth/callback"
	authURL, verifier := mail.AuthCodeURL(o, redirect, "state-42")
	u, err := url.Parse(authURL)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	if u.Scheme+"://"+u.Host+u.Path != p.URL+"/auth" || q.Get("client_id") != clientID || q.Get("state") != "state-42" ||
		q.Get("redirect_uri") != redirect || q.Get("response_type") != "code" || q.Get("code_challenge_method") != "S256" ||
		q.Get("scope") != "https://mail.google.com/" || q.Get("code_challenge") == "" || verifier == "" {
		t.Fatalf("authorisation URL %s", authURL)
	}

	// The user consents; the provider redirects back with a code bound to the challenge.
	p.mu.Lock()
	p.codes["code-1"], p.codes["code-2"], p.redirect = q.Get("code_challenge"), q.Get("code_challenge"), redirect
	p.mu.Unlock()

	_, err = mail.Exchange(t.Context(), o, redirect, "code-1", "a-verifier-that-does-not-match-the-challenge-at-all")
	wantError(t, err, facteur.EUNAUTHORIZED, false, "connect the account again")

	got, err := mail.Exchange(t.Context(), o, redirect, "code-2", verifier)
	if err != nil {
		t.Fatal(err)
	}
	if got.AccessToken != "code-access" || got.RefreshToken != "code-refresh" || time.Until(got.Expiry) < 50*time.Minute {
		t.Errorf("Exchange = %+v", got)
	}

	g := mail.OAuth{Provider: mail.ProviderGoogle, ClientID: "id"}
	gu, _ := mail.AuthCodeURL(g, redirect, "s")
	gq, _ := url.Parse(gu)
	if gq.Host != "accounts.google.com" || gq.Query().Get("access_type") != "offline" || gq.Query().Get("prompt") != "consent" ||
		gq.Query().Get("scope") != "https://mail.google.com/" {
		t.Errorf("Google authorisation URL %s", gu)
	}
	ms := mail.OAuth{Provider: mail.ProviderMicrosoft, ClientID: "id", TenantID: "contoso.onmicrosoft.com"}
	mu, _ := mail.AuthCodeURL(ms, redirect, "s")
	mq, _ := url.Parse(mu)
	if mq.Host != "login.microsoftonline.com" || mq.Path != "/contoso.onmicrosoft.com/oauth2/v2.0/authorize" ||
		mq.Query().Get("scope") != "https://outlook.office.com/SMTP.Send offline_access" {
		t.Errorf("Microsoft authorisation URL %s", mu)
	}
}
