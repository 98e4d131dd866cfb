package email_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"io"
	"mime"
	"mime/multipart"
	netmail "net/mail"
	"strings"
	"testing"
	"time"

	"github.com/facteur/facteur"
	"github.com/facteur/facteur/deliver"
	"github.com/facteur/facteur/deliver/delivertest"
	"github.com/facteur/facteur/deliver/email"
	"github.com/facteur/facteur/mail"
	"github.com/facteur/facteur/mail/smtptest"
)

// TestConformance runs the suite against the in-process SMTP server: the
// files that arrive are the attachments it receives.
func TestConformance(t *testing.T) {
	t.Parallel()
	kind := email.Kind()
	delivertest.Run(t, &kind, func(t *testing.T, overwrite bool) delivertest.Destination {
		smtp := smtptest.Start(t, smtptest.Options{})
		env, logs := delivertest.LogEnv()
		env.Mail = (&mail.Sender{Settings: mail.Settings{Host: smtp.Host, Port: smtp.Port, Security: mail.SecurityNone, From: "facteur@example.org"}}).Submit
		env.Recipients = &delivertest.MailRecipients{}
		env.MailHost = "facteur.test"
		env.Policy = func(context.Context) (facteur.Policy, error) {
			return facteur.Policy{AttachmentLimit: 8 << 20}, nil
		}
		down := env
		host, port, _ := delivertest.SplitPort(t, delivertest.ClosedAddr(t))
		down.Mail = (&mail.Sender{Settings: mail.Settings{Host: host, Port: port, Security: mail.SecurityNone, From: "facteur@example.org", Timeout: 5 * time.Second}}).Submit
		down.Recipients = &delivertest.MailRecipients{}
		cfg := email.Config{To: []string{"partner@example.org"}}
		return delivertest.Destination{
			Deliverer: newEmail(t, cfg, env),
			Files:     func(t *testing.T) map[string][]byte { return mailFiles(t, smtp.Messages()) },
			Keys: func(t *testing.T) []string {
				var ids []string
				for _, m := range smtp.Messages() {
					ids = append(ids, parseMail(t, m.Data).Header.Get("Message-Id"))
				}
				return ids
			},
			Logs:        logs,
			Unreachable: newEmail(t, cfg, down),
		}
	})
}

// newEmail returns an e-mail deliverer and fails the test on error.
func newEmail(t *testing.T, cfg email.Config, env deliver.Env) *email.Email {
	t.Helper()
	e, err := email.New(cfg, env)
	if err != nil {
		t.Fatalf("NewEmail: %v", err)
	}
	return e
}

// parseMail parses a received mail and fails the test on error.
func parseMail(t *testing.T, data []byte) *netmail.Message {
	t.Helper()
	m, err := netmail.ReadMessage(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("parse received mail: %v", err)
	}
	return m
}

// mailFiles returns the attachments of the mails received, by file name,
// and each mail without an attachment under "mail: <subject>" with its
// text: what a recipient finds in the mailbox.
func mailFiles(t *testing.T, received []smtptest.Received) map[string][]byte {
	t.Helper()
	files := map[string][]byte{}
	for _, r := range received {
		m := parseMail(t, r.Data)
		var text []byte
		attached := false
		var walk func(h map[string][]string, body io.Reader)
		walk = func(h map[string][]string, body io.Reader) {
			header := netmail.Header(h)
			mediaType, params, err := mime.ParseMediaType(header.Get("Content-Type"))
			if err != nil {
				mediaType = "text/plain"
			}
			if strings.HasPrefix(mediaType, "multipart/") {
				mr := multipart.NewReader(body, params["boundary"])
				for {
					p, err := mr.NextPart()
					if err == io.EOF {
						return
					} else if err != nil {
						t.Fatalf("read mail part: %v", err)
					}
					walk(p.Header, p)
				}
			}
			b, err := io.ReadAll(body)
			if err != nil {
				t.Fatalf("read mail part: %v", err)
			}
			if strings.EqualFold(header.Get("Content-Transfer-Encoding"), "base64") {
				if b, err = base64.StdEncoding.DecodeString(strings.NewReplacer("\r", "", "\n", "").Replace(string(b))); err != nil {
					t.Fatalf("decode base64 part: %v", err)
				}
			}
			if disp, dp, err := mime.ParseMediaType(header.Get("Content-Disposition")); err == nil && disp == "attachment" {
				files[dp["filename"]] = b
				attached = true
				return
			}
			text = append(text, b...)
		}
		walk(m.Header, m.Body)
		if !attached {
			subject, _ := new(mime.WordDecoder).DecodeHeader(m.Header.Get("Subject"))
			files["mail: "+subject] = text
		}
	}
	return files
}
