package mail_test

import (
	"bytes"
	"context"
	"errors"
	"mime"
	"net"
	netmail "net/mail"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/facteur/facteur"
	"github.com/facteur/facteur/mail"
	"github.com/facteur/facteur/mail/smtptest"
)

const (
	user     = "facteur@example.org"
	password = "correct horse"
)

// plainSettings returns settings for srv with PLAIN over an unencrypted
// loopback connection.
func plainSettings(srv *smtptest.Server) mail.Settings {
	return mail.Settings{
		Host: srv.Host, Port: srv.Port, Security: mail.SecurityNone,
		Username: user, Password: password, From: "Facteur <facteur@example.org>",
		Timeout: 5 * time.Second,
	}
}

func testMessage() mail.Message {
	return mail.Message{
		ID:      mail.NewMessageID("example.org"),
		To:      []string{"Alice Martin <alice@example.org>"},
		Subject: "Weekly tickets — semaine 12",
		Text:    "Bonjour,\r\nthe export is attached.\r\n",
	}
}

// parse parses a received mail with net/mail.
func parse(t *testing.T, r smtptest.Received) *netmail.Message {
	t.Helper()
	m, err := netmail.ReadMessage(bytes.NewReader(r.Data))
	if err != nil {
		t.Fatalf("received mail does not parse: %v\n%s", err, r.Data)
	}
	return m
}

// wantError checks an error's code, whether it is retryable, and that its
// message contains want.
func wantError(t *testing.T, err error, code string, retry bool, want string) {
	t.Helper()
	if err == nil {
		t.Fatalf("got no error, want %s %q", code, want)
	}
	if got := facteur.ErrorCode(err); got != code {
		t.Errorf("code = %s, want %s (error: %v)", got, code, err)
	}
	if got := facteur.Retryable(err); got != retry {
		t.Errorf("Retryable = %v, want %v (error: %v)", got, retry, err)
	}
	if msg := facteur.ErrorMessage(err); !strings.Contains(msg, want) {
		t.Errorf("message = %q, want it to contain %q", msg, want)
	}
}

func TestSendPlain(t *testing.T) {
	t.Parallel()
	srv := smtptest.Start(t, smtptest.Options{Users: map[string]string{user: password}})
	s := &mail.Sender{Settings: plainSettings(srv)}
	m := testMessage()
	m.HTML = "<p>Bonjour, the export is attached.</p>"
	if err := s.Send(t.Context(), m); err != nil {
		t.Fatal(err)
	}
	got := srv.WaitFor(1, 5*time.Second)[0]
	if got.From != user || !slices.Equal(got.To, []string{"alice@example.org"}) || got.User != user {
		t.Errorf("envelope = from %q to %q as %q", got.From, got.To, got.User)
	}
	msg := parse(t, got)
	dec := new(mime.WordDecoder)
	subject, err := dec.DecodeHeader(msg.Header.Get("Subject"))
	if err != nil || subject != m.Subject {
		t.Errorf("Subject = %q (%v), want %q", subject, err, m.Subject)
	}
	if id := msg.Header.Get("Message-Id"); id != m.ID {
		t.Errorf("Message-ID = %q, want %q", id, m.ID)
	}
	from, _ := msg.Header.AddressList("From")
	if len(from) != 1 || from[0].Address != user || from[0].Name != "Facteur" {
		t.Errorf("From = %v", from)
	}
	if msg.Header.Get("Date") == "" {
		t.Error("no Date header")
	}
	text, html := bodies(t, msg)
	if text != m.Text || html != m.HTML {
		t.Errorf("bodies = %q, %q; want %q, %q", text, html, m.Text, m.HTML)
	}
}

func TestSendLogin(t *testing.T) {
	t.Parallel()
	srv := smtptest.Start(t, smtptest.Options{Users: map[string]string{user: password}})
	st := plainSettings(srv)
	st.Auth = mail.AuthLogin
	if err := (&mail.Sender{Settings: st}).Send(t.Context(), testMessage()); err != nil {
		t.Fatal(err)
	}
	if got := srv.WaitFor(1, 5*time.Second)[0]; got.User != user {
		t.Errorf("authenticated as %q", got.User)
	}
}

func TestSendWrongPassword(t *testing.T) {
	t.Parallel()
	srv := smtptest.Start(t, smtptest.Options{Users: map[string]string{user: password}})
	st := plainSettings(srv)
	st.Password = "wrong"
	err := (&mail.Sender{Settings: st}).Send(t.Context(), testMessage())
	wantError(t, err, facteur.EUNAUTHORIZED, false, "SMTP authentication failed: check the user name and password.")
	if n := len(srv.Messages()); n != 0 {
		t.Errorf("%d mails arrived", n)
	}
}

func TestSendSTARTTLS(t *testing.T) {
	t.Parallel()
	srv := smtptest.Start(t, smtptest.Options{Users: map[string]string{user: password}, TLS: true})
	st := plainSettings(srv)
	st.Security = mail.SecurityStartTLS
	st.CACert = srv.CertPEM()
	if err := (&mail.Sender{Settings: st}).Send(t.Context(), testMessage()); err != nil {
		t.Fatal(err)
	}
	if got := srv.WaitFor(1, 5*time.Second)[0]; !got.TLS || got.User != user {
		t.Errorf("received with TLS=%v as %q, want TLS as %q", got.TLS, got.User, user)
	}

	// The same server without trusting its certificate.
	st.CACert = ""
	err := (&mail.Sender{Settings: st}).Send(t.Context(), testMessage())
	wantError(t, err, facteur.EINVALID, false, "TLS: the certificate of 127.0.0.1 is not signed by a trusted authority")
}

func TestSendImplicitTLS(t *testing.T) {
	t.Parallel()
	srv := smtptest.Start(t, smtptest.Options{Users: map[string]string{user: password}, ImplicitTLS: true})
	st := plainSettings(srv)
	st.Security = mail.SecurityTLS
	st.CACert = srv.CertPEM()
	if err := (&mail.Sender{Settings: st}).Send(t.Context(), testMessage()); err != nil {
		t.Fatal(err)
	}
	if got := srv.WaitFor(1, 5*time.Second)[0]; !got.TLS {
		t.Error("mail not received over TLS")
	}
}

func TestSendTLSMismatch(t *testing.T) {
	t.Parallel()
	plain := smtptest.Start(t, smtptest.Options{Users: map[string]string{user: password}})
	st := plainSettings(plain)
	st.Security = mail.SecurityStartTLS
	err := (&mail.Sender{Settings: st}).Send(t.Context(), testMessage())
	wantError(t, err, facteur.EINVALID, false, "does not offer STARTTLS")

	st.Security = mail.SecurityTLS
	err = (&mail.Sender{Settings: st}).Send(t.Context(), testMessage())
	wantError(t, err, facteur.EINVALID, false, "TLS: ")
}

func TestSendDeferred(t *testing.T) {
	t.Parallel()
	for _, stage := range []string{"MAIL", "RCPT", "DATA"} {
		t.Run(stage, func(t *testing.T) {
			t.Parallel()
			srv := smtptest.Start(t, smtptest.Options{
				Users:    map[string]string{user: password},
				FailWith: []smtptest.Failure{{Stage: stage, Code: 451, Message: "Try again later", Times: 1}},
			})
			s := &mail.Sender{Settings: plainSettings(srv)}
			m := testMessage()
			err := s.Send(t.Context(), m)
			wantError(t, err, facteur.EUNAVAILABLE, true, "451")
			if err := s.Send(t.Context(), m); err != nil {
				t.Fatalf("retry: %v", err)
			}
			if n := len(srv.WaitFor(1, 5*time.Second)); n != 1 {
				t.Errorf("%d mails arrived, want 1", n)
			}
		})
	}
}

func TestSendRefused(t *testing.T) {
	t.Parallel()
	srv := smtptest.Start(t, smtptest.Options{
		Users: map[string]string{user: password},
		FailWith: []smtptest.Failure{
			{Stage: "RCPT", Recipient: "nobody@example.org", Code: 550, Enhanced: [3]int{5, 1, 1}, Message: "No such user"},
			{Stage: "DATA", Code: 554, Enhanced: [3]int{5, 6, 0}, Message: "Message rejected as spam"},
		},
	})
	s := &mail.Sender{Settings: plainSettings(srv)}
	m := testMessage()
	m.To = []string{"nobody@example.org"}
	wantError(t, s.Send(t.Context(), m), facteur.EINVALID, false, "refused the recipient <nobody@example.org>: 550 5.1.1 No such user. Check the address.")

	wantError(t, s.Send(t.Context(), testMessage()), facteur.EINVALID, false, "refused the mail: 554 5.6.0 Message rejected as spam.")
}

func TestSendUnreachable(t *testing.T) {
	t.Parallel()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	st := mail.Settings{Host: "127.0.0.1", Port: port, Security: mail.SecurityNone, From: user, Timeout: 2 * time.Second}
	err = (&mail.Sender{Settings: st}).Send(t.Context(), testMessage())
	wantError(t, err, facteur.EUNAVAILABLE, true, "connection was refused")
}

func TestSendTimeout(t *testing.T) {
	t.Parallel()
	// A server that accepts the connection and never says hello.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			t.Cleanup(func() { c.Close() })
		}
	}()
	st := mail.Settings{Host: "127.0.0.1", Port: l.Addr().(*net.TCPAddr).Port, Security: mail.SecurityNone, From: user, Timeout: 300 * time.Millisecond}
	start := time.Now()
	err = (&mail.Sender{Settings: st}).Send(t.Context(), testMessage())
	wantError(t, err, facteur.EUNAVAILABLE, true, "did not answer in time")
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("gave up after %v, want about 300ms", d)
	}

	ctx, cancel := context.WithCancel(t.Context())
	time.AfterFunc(100*time.Millisecond, cancel)
	st.Timeout = time.Minute
	err = (&mail.Sender{Settings: st}).Send(ctx, testMessage())
	wantError(t, err, facteur.ECANCELLED, false, "cancelled")
}

func TestSendDial(t *testing.T) {
	t.Parallel()
	srv := smtptest.Start(t, smtptest.Options{Users: map[string]string{user: password}})
	var dialed []string
	guard := facteur.Errorf(facteur.EINVALID, "smtp.host: this address is not allowed")
	s := &mail.Sender{Settings: plainSettings(srv), Dial: func(ctx context.Context, network, addr string) (net.Conn, error) {
		dialed = append(dialed, addr)
		return nil, guard
	}}
	err := s.Send(t.Context(), testMessage())
	if !errors.Is(err, guard) {
		t.Errorf("Send = %v, want the dialer's error", err)
	}
	if !slices.Equal(dialed, []string{srv.Addr}) {
		t.Errorf("dialed %q, want %q", dialed, srv.Addr)
	}
}

func TestMessageIDKept(t *testing.T) {
	t.Parallel()
	srv := smtptest.Start(t, smtptest.Options{})
	st := plainSettings(srv)
	st.Auth, st.Password = mail.AuthNone, ""
	s := &mail.Sender{Settings: st}
	m := testMessage()
	for range 2 {
		if err := s.Send(t.Context(), m); err != nil {
			t.Fatal(err)
		}
	}
	got := srv.WaitFor(2, 5*time.Second)
	a, b := parse(t, got[0]).Header.Get("Message-Id"), parse(t, got[1]).Header.Get("Message-Id")
	if a != m.ID || b != m.ID {
		t.Errorf("Message-IDs = %q, %q; want %q twice", a, b, m.ID)
	}
}

func TestSendBadMessage(t *testing.T) {
	t.Parallel()
	srv := smtptest.Start(t, smtptest.Options{})
	st := plainSettings(srv)
	st.Auth, st.Password = mail.AuthNone, ""
	s := &mail.Sender{Settings: st}
	tests := []struct {
		name  string
		edit  func(*mail.Message)
		field string
	}{
		{"no id", func(m *mail.Message) { m.ID = "" }, "message.id:"},
		{"id with CRLF", func(m *mail.Message) { m.ID = "<a@b>\r\nBcc: evil@example.com" }, "message.id:"},
		{"no recipient", func(m *mail.Message) { m.To = nil }, "message.to:"},
		{"two addresses in one", func(m *mail.Message) { m.To = []string{"alice@example.org, evil@example.com"} }, "message.to:"},
		{"address with CRLF", func(m *mail.Message) { m.To = []string{"alice@example.org>\r\nRCPT TO:<evil@example.com"} }, "message.to:"},
		{"unquoted name with CRLF", func(m *mail.Message) { m.To = []string{"Bob\r\nBcc: evil@example.com <bob@example.org>"} }, "message.to:"},
		{"not an address", func(m *mail.Message) { m.To = []string{"alice"} }, "message.to:"},
		{"bad from", func(m *mail.Message) { m.From = "facteur@" }, "message.from:"},
		{"no body", func(m *mail.Message) { m.Text = "" }, "message.text:"},
		{"missing file", func(m *mail.Message) {
			m.Attachments = []mail.Attachment{{Name: "a.csv", Path: "/nonexistent/a.csv"}}
		}, "message.attachments:"},
		{"bad content type", func(m *mail.Message) {
			m.Attachments = []mail.Attachment{{Name: "a.csv", Path: "/dev/null", ContentType: "text/csv\r\nBcc: evil@example.com"}}
		}, "message.attachments:"},
	}
	for _, tc := range tests {
		m := testMessage()
		tc.edit(&m)
		err := s.Send(t.Context(), m)
		wantError(t, err, facteur.EINVALID, false, tc.field)
	}
	if n := len(srv.Messages()); n != 0 {
		t.Errorf("%d mails arrived", n)
	}
}
