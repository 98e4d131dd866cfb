package mail

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	gomail "github.com/wneessen/go-mail"
	"golang.org/x/oauth2"

	"github.com/facteur/facteur"
)

// Sender sends messages with Settings. Its methods may be called
// concurrently; it must not be copied after first use.
type Sender struct {
	// Settings says where and how to send.
	Settings Settings
	// OnToken is called with the account's OAuth settings holding new
	// tokens after a refresh, for the caller to store them. Nil: they are
	// not stored (this Sender still reuses them). When it fails, the mail
	// is not sent and Send returns its error.
	OnToken func(ctx context.Context, o OAuth) error
	// Dial opens every connection (SMTP and OAuth), so that the outbound
	// guard applies. Nil uses a net.Dialer; either way connecting is
	// bounded by Settings.Timeout.
	Dial func(ctx context.Context, network, addr string) (net.Conn, error)

	mu       sync.Mutex
	token    *oauth2.Token // the latest token, once refreshed
	tokenFor string        // the client ID and refresh token of Settings that token renews
}

// Send sends m and returns once the server has accepted it. Errors are
// *facteur.Error: EINVALID for bad settings, a bad message or a refusal by
// the server, EUNAUTHORIZED when the credentials were refused, and
// EUNAVAILABLE when trying again later may help (the server could not be
// reached, timed out or answered 4xx); see facteur.Retryable.
func (s *Sender) Send(ctx context.Context, m Message) error {
	_, err := s.Submit(ctx, m)
	return err
}

// Submit sends m like Send and returns the server's reply accepting it,
// such as "250 2.0.0 Ok: queued as 4F2A9", for a log to quote.
func (s *Sender) Submit(ctx context.Context, m Message) (reply string, err error) {
	st := s.Settings.withDefaults()
	if err := st.Validate(); err != nil {
		return "", err
	}
	b, err := build(m, st.From)
	if err != nil {
		return "", err
	}
	defer b.close()

	tlsConfig := &tls.Config{ServerName: st.Host, MinVersion: tls.VersionTLS12}
	if st.CACert != "" {
		if tlsConfig.RootCAs, err = certPool(st.CACert); err != nil {
			return "", err
		}
	}
	var conn net.Conn // the connection go-mail is using, closed when ctx ends
	var connMu sync.Mutex
	dial := func(dctx context.Context, network, addr string) (net.Conn, error) {
		c, err := s.dial(dctx, network, addr, st, tlsConfig)
		connMu.Lock()
		conn = c
		connMu.Unlock()
		return c, err
	}
	stop := context.AfterFunc(ctx, func() {
		connMu.Lock()
		defer connMu.Unlock()
		if conn != nil {
			conn.Close()
		}
	})
	defer stop()

	opts := []gomail.Option{
		gomail.WithPort(st.Port),
		gomail.WithTimeout(st.Timeout),
		gomail.WithDialContextFunc(dial),
		gomail.WithTLSConfig(tlsConfig),
		gomail.WithTLSPolicy(gomail.NoTLS), // none, or tls: the handshake is done by dial
	}
	if st.Security == SecurityStartTLS {
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSMandatory))
	}
	switch st.Auth {
	case AuthPlain, AuthLogin:
		mech := map[string]gomail.SMTPAuthType{AuthPlain: gomail.SMTPAuthPlain, AuthLogin: gomail.SMTPAuthLogin}[st.Auth]
		if st.Security == SecurityNone { // only allowed to a loopback host (Validate)
			mech = map[string]gomail.SMTPAuthType{AuthPlain: gomail.SMTPAuthPlainNoEnc, AuthLogin: gomail.SMTPAuthLoginNoEnc}[st.Auth]
		}
		opts = append(opts, gomail.WithSMTPAuth(mech), gomail.WithUsername(st.Username), gomail.WithPassword(st.Password))
	case AuthXOAuth2:
		token, err := s.accessToken(ctx, st)
		if err != nil {
			return "", err
		}
		opts = append(opts, gomail.WithSMTPAuth(gomail.SMTPAuthXOAUTH2), gomail.WithUsername(st.Username), gomail.WithPassword(token))
	}
	client, err := gomail.NewClient(st.Host, opts...)
	if err != nil {
		return "", facteur.WrapError(facteur.EINVALID, err, "smtp: cannot use these settings")
	}
	if err := client.DialAndSendWithContext(ctx, b.msg); err != nil {
		return "", sendError(ctx, st, err)
	}
	return strings.TrimSpace("250 " + b.msg.ServerResponse()), nil
}

// dial connects to the server through s.Dial, bounds every read and write
// by the timeout, and does the TLS handshake for implicit TLS.
func (s *Sender) dial(ctx context.Context, network, addr string, st Settings, tlsConfig *tls.Config) (net.Conn, error) {
	ctx, cancel := context.WithTimeout(ctx, st.Timeout)
	defer cancel()
	var raw net.Conn
	var err error
	if s.Dial != nil {
		raw, err = s.Dial(ctx, network, addr)
	} else {
		d := net.Dialer{Timeout: st.Timeout}
		raw, err = d.DialContext(ctx, network, addr)
	}
	if err != nil {
		return nil, err
	}
	conn := net.Conn(&idleConn{Conn: raw, timeout: st.Timeout})
	if st.Security == SecurityTLS {
		tc := tls.Client(conn, tlsConfig)
		if err := tc.HandshakeContext(ctx); err != nil {
			raw.Close()
			return nil, err
		}
		conn = tc
	}
	return conn, nil
}

// idleConn bounds each read and write by timeout rather than the whole
// session: go-mail sets one deadline for a whole message, which a large
// attachment on a slow link would exceed although it makes progress.
type idleConn struct {
	net.Conn
	timeout     time.Duration
	interrupted atomic.Bool // a deadline in the past was set: stop every read and write
}

func (c *idleConn) Read(p []byte) (int, error) {
	if !c.interrupted.Load() {
		if err := c.Conn.SetReadDeadline(time.Now().Add(c.timeout)); err != nil {
			return 0, err
		}
	}
	return c.Conn.Read(p)
}

func (c *idleConn) Write(p []byte) (int, error) {
	if !c.interrupted.Load() {
		if err := c.Conn.SetWriteDeadline(time.Now().Add(c.timeout)); err != nil {
			return 0, err
		}
	}
	return c.Conn.Write(p)
}

// SetDeadline ignores go-mail's whole-session deadlines (see idleConn) but
// passes on a deadline in the past, the usual way to interrupt blocked reads
// and writes.
func (c *idleConn) SetDeadline(t time.Time) error {
	if !t.IsZero() && !t.After(time.Now()) {
		c.interrupted.Store(true)
		return c.Conn.SetDeadline(t)
	}
	return nil
}

// SetReadDeadline: see SetDeadline.
func (c *idleConn) SetReadDeadline(t time.Time) error { return c.SetDeadline(t) }

// SetWriteDeadline: see SetDeadline.
func (c *idleConn) SetWriteDeadline(t time.Time) error { return c.SetDeadline(t) }

// accessToken returns a valid access token for XOAUTH2, refreshing it
// through the provider's token endpoint when it expires within
// refreshMargin, and reports a new token to OnToken.
func (s *Sender) accessToken(ctx context.Context, st Settings) (string, error) {
	o := *st.OAuth
	s.mu.Lock()
	defer s.mu.Unlock()
	cur := &oauth2.Token{AccessToken: o.AccessToken, RefreshToken: o.RefreshToken, Expiry: o.Expiry}
	key := o.ClientID + "\x00" + o.RefreshToken
	if s.token != nil && s.tokenFor == key && s.token.Expiry.After(cur.Expiry) {
		cur = s.token
	}
	if cur.AccessToken == "" && cur.RefreshToken == "" {
		return "", facteur.Errorf(facteur.EUNAUTHORIZED, "The mail account is not connected yet: connect it in Settings → Mail.")
	}
	// x/oauth2 refreshes 10 s before expiry; move the expiry earlier so
	// that it refreshes refreshMargin before.
	early := *cur
	if !early.Expiry.IsZero() {
		early.Expiry = early.Expiry.Add(-refreshMargin)
	}
	if early.AccessToken != "" && early.RefreshToken == "" && !early.Valid() {
		return "", facteur.Errorf(facteur.EUNAUTHORIZED, "The mail account's access has expired and cannot be renewed (no refresh token): connect the account again in Settings → Mail.")
	}
	hctx := HTTPContext(ctx, s.Dial, st.Timeout)
	tok, err := o.config("").TokenSource(hctx, &early).Token()
	if err != nil {
		return "", oauthError(ctx, err)
	}
	if tok.AccessToken == cur.AccessToken {
		return cur.AccessToken, nil
	}
	if s.OnToken != nil {
		if err := s.OnToken(ctx, o.withToken(tok)); err != nil {
			return "", fmt.Errorf("save the renewed mail token: %w", err)
		}
	}
	s.token, s.tokenFor = tok, key
	if s.token.RefreshToken == "" {
		s.token.RefreshToken = cur.RefreshToken
	}
	return tok.AccessToken, nil
}

// addr is the server's address for messages.
func (st Settings) addr() string { return net.JoinHostPort(st.Host, strconv.Itoa(st.Port)) }
