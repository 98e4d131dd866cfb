// Package smtptest runs a real SMTP server in the test process, built on
// github.com/emersion/go-smtp and listening on 127.0.0.1, for tests of
// anything that sends mail: it speaks the protocol over TCP, offers PLAIN,
// LOGIN and XOAUTH2, STARTTLS or implicit TLS with a self-signed
// certificate, can refuse or defer chosen commands, and keeps every mail it
// accepts, envelope and raw bytes.
package smtptest

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// Options configure a Server. The zero value accepts every mail without
// authentication or TLS.
type Options struct {
	// Users are the accounts for PLAIN and LOGIN: user name -> password.
	Users map[string]string
	// Tokens are the accounts for XOAUTH2: user name -> the one valid
	// access token. When Users or Tokens is set, mail is accepted only
	// after authentication.
	Tokens map[string]string
	// TLS offers STARTTLS, with a self-signed certificate for 127.0.0.1
	// and localhost (see CertPEM).
	TLS bool
	// ImplicitTLS speaks TLS from the first byte, as on port 465.
	ImplicitTLS bool
	// FailWith are replies to give instead of accepting a command; see Failure.
	FailWith []Failure
}

// Failure makes the server refuse a command with a reply of its choosing.
type Failure struct {
	// Stage is the command refused: "MAIL", "RCPT" or "DATA" (after the
	// mail was read).
	Stage string
	// Recipient, for RCPT, refuses only this address; empty refuses any.
	Recipient string
	// Code and Message make the reply, such as 550 and "no such user";
	// the enhanced status code is Code's class (5.0.0) unless Enhanced is set.
	Code     int
	Enhanced [3]int
	Message  string
	// Times is how many times to give the reply; 0 means always.
	Times int
}

// Received is one mail the server accepted.
type Received struct {
	From string   // envelope sender (MAIL FROM)
	To   []string // envelope recipients (RCPT TO), in order
	Data []byte   // the message as received, headers and body, CRLF line ends
	User string   // the account that authenticated, if any
	TLS  bool     // whether the session was encrypted
}

// Server is a running SMTP server, stopped when the test ends.
type Server struct {
	// Host and Port are where it listens: "127.0.0.1" and a free port.
	Host string
	Port int
	// Addr is Host:Port.
	Addr string

	t       testing.TB
	opts    Options
	certPEM string
	pool    *x509.CertPool

	mu       sync.Mutex
	changed  chan struct{} // closed and replaced whenever a mail arrives
	received []Received
	used     []int // how many times each Failure was given
}

// Start starts a server on a free loopback port and stops it in t.Cleanup.
func Start(t testing.TB, opts Options) *Server {
	t.Helper()
	s := &Server{t: t, opts: opts, changed: make(chan struct{}), used: make([]int, len(opts.FailWith))}
	srv := smtp.NewServer(smtp.BackendFunc(s.newSession))
	srv.Domain = "localhost"
	srv.AllowInsecureAuth = true // PLAIN without TLS, for the tests that do not need TLS
	srv.ReadTimeout = 30 * time.Second
	srv.WriteTimeout = 30 * time.Second
	srv.MaxMessageBytes = 256 << 20
	srv.MaxRecipients = 100
	logger := &testLogger{t: t}
	srv.ErrorLog = logger

	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("smtptest: listen: %v", err)
	}
	if opts.TLS || opts.ImplicitTLS {
		cert, certPEM, err := selfSigned()
		if err != nil {
			l.Close()
			t.Fatalf("smtptest: certificate: %v", err)
		}
		s.certPEM = certPEM
		s.pool = x509.NewCertPool()
		s.pool.AppendCertsFromPEM([]byte(certPEM))
		cfg := &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
		if opts.ImplicitTLS {
			l = tls.NewListener(l, cfg)
		} else {
			srv.TLSConfig = cfg
		}
	}
	addr := l.Addr().(*net.TCPAddr)
	s.Host, s.Port, s.Addr = "127.0.0.1", addr.Port, l.Addr().String()

	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := srv.Serve(l); err != nil && !errors.Is(err, smtp.ErrServerClosed) && !errors.Is(err, net.ErrClosed) {
			t.Errorf("smtptest: serve: %v", err)
		}
	}()
	t.Cleanup(func() {
		srv.Close()
		l.Close() // Close may run before Serve has registered l
		<-done
		logger.closed.Store(true)
	})
	return s
}

// CertPEM returns the PEM text of the server's self-signed certificate,
// to trust it (mail.Settings.CACert); "" without TLS.
func (s *Server) CertPEM() string { return s.certPEM }

// RootCAs returns a pool holding the server's certificate; nil without TLS.
func (s *Server) RootCAs() *x509.CertPool { return s.pool }

// Messages returns the mails accepted so far, oldest first.
func (s *Server) Messages() []Received {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.received)
}

// WaitFor waits until at least n mails have been accepted and returns them;
// it fails the test after timeout.
func (s *Server) WaitFor(n int, timeout time.Duration) []Received {
	s.t.Helper()
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		s.mu.Lock()
		got, changed := slices.Clone(s.received), s.changed
		s.mu.Unlock()
		if len(got) >= n {
			return got
		}
		select {
		case <-changed:
		case <-deadline.C:
			s.t.Fatalf("smtptest: %d mails received after %v, want %d", len(got), timeout, n)
			return got
		}
	}
}

// fail returns the reply configured for stage (and rcpt), if any is due,
// and counts it.
func (s *Server) fail(stage, rcpt string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, f := range s.opts.FailWith {
		if f.Stage != stage || (f.Recipient != "" && f.Recipient != rcpt) || (f.Times > 0 && s.used[i] >= f.Times) {
			continue
		}
		s.used[i]++
		return &smtp.SMTPError{Code: f.Code, EnhancedCode: smtp.EnhancedCode(f.Enhanced), Message: f.Message}
	}
	return nil
}

// add records an accepted mail.
func (s *Server) add(r Received) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.received = append(s.received, r)
	close(s.changed)
	s.changed = make(chan struct{})
}

func (s *Server) newSession(c *smtp.Conn) (smtp.Session, error) {
	_, isTLS := c.TLSConnectionState()
	return &session{srv: s, conn: c, tls: isTLS}, nil
}

// session is one SMTP connection.
type session struct {
	srv  *Server
	conn *smtp.Conn
	tls  bool
	user string
	from string
	to   []string
}

var errAuthRequired = &smtp.SMTPError{Code: 530, EnhancedCode: smtp.EnhancedCode{5, 7, 0}, Message: "Authentication required"}

func (ss *session) authRequired() bool {
	return ss.user == "" && (len(ss.srv.opts.Users) > 0 || len(ss.srv.opts.Tokens) > 0)
}

// AuthMechanisms lists PLAIN and LOGIN when there are Users, XOAUTH2 when
// there are Tokens.
func (ss *session) AuthMechanisms() []string {
	var m []string
	if len(ss.srv.opts.Users) > 0 {
		m = append(m, sasl.Plain, sasl.Login)
	}
	if len(ss.srv.opts.Tokens) > 0 {
		m = append(m, "XOAUTH2")
	}
	return m
}

// Auth checks the credentials of a mechanism against Options.
func (ss *session) Auth(mech string) (sasl.Server, error) {
	checkPassword := func(user, pass string) error {
		if want, ok := ss.srv.opts.Users[user]; ok && want == pass && len(ss.srv.opts.Users) > 0 {
			ss.user = user
			return nil
		}
		return smtp.ErrAuthFailed
	}
	switch mech {
	case sasl.Plain:
		return sasl.NewPlainServer(func(identity, user, pass string) error {
			if identity != "" && identity != user {
				return smtp.ErrAuthFailed
			}
			return checkPassword(user, pass)
		}), nil
	case sasl.Login:
		return &loginServer{check: checkPassword}, nil
	case "XOAUTH2":
		return &xoauth2Server{check: func(user, token string) bool {
			if want, ok := ss.srv.opts.Tokens[user]; ok && want == token {
				ss.user = user
				return true
			}
			return false
		}}, nil
	}
	return nil, smtp.ErrAuthUnknownMechanism
}

func (ss *session) Mail(from string, _ *smtp.MailOptions) error {
	if ss.authRequired() {
		return errAuthRequired
	}
	if err := ss.srv.fail("MAIL", from); err != nil {
		return err
	}
	ss.from = from
	return nil
}

func (ss *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	if ss.authRequired() {
		return errAuthRequired
	}
	if err := ss.srv.fail("RCPT", to); err != nil {
		return err
	}
	ss.to = append(ss.to, to)
	return nil
}

func (ss *session) Data(r io.Reader) error {
	data, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	if err := ss.srv.fail("DATA", ""); err != nil {
		return err
	}
	ss.srv.add(Received{From: ss.from, To: slices.Clone(ss.to), Data: data, User: ss.user, TLS: ss.tls || ss.isTLS()})
	return nil
}

// isTLS reports whether the session was upgraded with STARTTLS.
func (ss *session) isTLS() bool {
	_, ok := ss.conn.TLSConnectionState()
	return ok
}

func (ss *session) Reset() { ss.from, ss.to = "", nil }

func (ss *session) Logout() error { return nil }

// testLogger sends go-smtp's error log to the test log while the test runs.
type testLogger struct {
	t      testing.TB
	closed atomic.Bool
}

func (l *testLogger) Printf(format string, v ...any) {
	if !l.closed.Load() {
		l.t.Logf("smtptest: "+format, v...)
	}
}

func (l *testLogger) Println(v ...any) {
	if !l.closed.Load() {
		l.t.Log(append([]any{"smtptest:"}, v...)...)
	}
}

// String describes the server for logs.
func (s *Server) String() string { return "smtp://" + s.Host + ":" + strconv.Itoa(s.Port) }
