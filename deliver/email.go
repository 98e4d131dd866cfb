package deliver

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/mail"
	"strings"

	"github.com/facteur/facteur"
	fmail "github.com/facteur/facteur/mail"
)

// Bounds of an e-mail destination's texts.
const (
	emailMaxSubject = 500      // bytes
	emailMaxMessage = 64 << 10 // bytes
)

// EmailConfig is the JSON config of an "email" destination (D1).
type EmailConfig struct {
	// To are the recipients. Each must be the owner's own address or in a
	// domain the server's policy approves (facteur.Policy.CheckRecipients,
	// applied by whoever saves, tests or runs the destination).
	To []string `json:"to"`
	// Subject of the mail; {file_name} and {rows} are replaced. Default
	// "{file_name}".
	Subject string `json:"subject,omitempty"`
	// Message is the body; {file_name}, {rows} and {link} are replaced.
	// Default: a sentence naming the file.
	Message string `json:"message,omitempty"`
	// HTML sends Message as HTML (with a plain-text copy) instead of text.
	HTML bool `json:"html,omitempty"`
}

// ParseEmailConfig decodes and validates an e-mail destination's config.
func ParseEmailConfig(raw json.RawMessage) (EmailConfig, error) {
	var c EmailConfig
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil {
		return c, configError(err)
	}
	return c, c.Validate()
}

// Validate checks the recipients' syntax; the policy is checked on save
// and at every delivery.
func (c EmailConfig) Validate() error {
	switch {
	case len(c.To) == 0:
		return facteur.Errorf(facteur.EINVALID, "to: give at least one recipient")
	case len(c.To) > facteur.MaxRecipients:
		return facteur.Errorf(facteur.EINVALID, "to: at most %d recipients (this list has %d); use a mailing list for more", facteur.MaxRecipients, len(c.To))
	case len(c.Subject) > emailMaxSubject || strings.ContainsAny(c.Subject, "\r\n\x00"):
		return facteur.Errorf(facteur.EINVALID, "subject: one line of at most %d bytes", emailMaxSubject)
	case len(c.Message) > emailMaxMessage:
		return facteur.Errorf(facteur.EINVALID, "message: at most %d bytes (this one has %d)", emailMaxMessage, len(c.Message))
	}
	for i, a := range c.To {
		if len(a) > facteur.MaxEmailLen {
			return facteur.Errorf(facteur.EINVALID, "to[%d]: at most %d characters (this one has %d)", i, facteur.MaxEmailLen, len(a))
		}
		addr, err := mail.ParseAddress(a)
		if err != nil || addr.Name != "" || strings.ContainsAny(a, "\r\n") {
			return facteur.Errorf(facteur.EINVALID, "to[%d]: %q is not an e-mail address", i, a)
		}
	}
	return nil
}

// Email delivers files by e-mail through the server's mail settings.
type Email struct {
	cfg EmailConfig
	env Env
}

var (
	_ facteur.Deliverer = (*Email)(nil)
)

// NewEmail returns an e-mail deliverer. env.Mail must be set.
func NewEmail(cfg EmailConfig, env Env) (*Email, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return &Email{cfg: cfg, env: env}, nil
}

func (e *Email) policy(ctx context.Context) (facteur.Policy, error) {
	var p facteur.Policy
	if e.env.Policy != nil {
		var err error
		if p, err = e.env.Policy(ctx); err != nil {
			return p, err
		}
	}
	return p.WithDefaults(), nil
}

// Deliver sends the file to the recipients: attached, or as a download link
// when it is larger than the policy's attachment limit. The Message-ID is
// derived from the run and the file, so a retried delivery keeps it.
func (e *Email) Deliver(ctx context.Context, a *facteur.Artifact) (facteur.Delivery, error) {
	p, err := e.policy(ctx)
	if err != nil {
		return facteur.Delivery{}, err
	}
	if err := ValidateFileName(a.Name); err != nil {
		return facteur.Delivery{}, err
	}
	m := fmail.Message{
		ID:      fmt.Sprintf("<run-%d.%s@%s>", a.RunID, shortSHA(a.SHA256), e.host()),
		To:      e.cfg.To,
		Subject: e.expand(e.cfg.Subject, "{file_name}", a, ""),
	}
	if a.Test {
		m.Subject = "[Test] " + m.Subject
	}
	link := ""
	if a.Size > p.AttachmentLimit {
		if e.env.Links == nil {
			return facteur.Delivery{}, facteur.Errorf(facteur.EINVALID, "The file (%d bytes) is larger than the attachment limit (%d bytes) and download links are not available.", a.Size, p.AttachmentLimit)
		}
		if link, err = e.env.Links(a); err != nil {
			return facteur.Delivery{}, err
		}
	} else {
		m.Attachments = []fmail.Attachment{{Name: a.Name, ContentType: ContentType(a.Name), Path: a.Path}}
	}
	body := e.cfg.Message
	if body == "" {
		body = "Please find attached {file_name} ({rows} rows)."
		if link != "" {
			body = "{file_name} ({rows} rows) is too large to attach. Download it (the link works for " + p.LinkTTL().String() + "):\n{link}"
		}
	} else if link != "" && !strings.Contains(body, "{link}") {
		body += "\n\nThe file is too large to attach. Download it (the link works for " + p.LinkTTL().String() + "):\n{link}"
	}
	body = e.expand(body, "", a, link)
	if e.cfg.HTML {
		m.HTML, m.Text = body, "This message is in HTML."
	} else {
		m.Text = body
	}
	if err := e.send(ctx, m); err != nil {
		return facteur.Delivery{}, err
	}
	return facteur.Delivery{Location: "mailto:" + strings.Join(e.cfg.To, ",")}, nil
}

// Test sends a short test mail to the recipients.
func (e *Email) Test(ctx context.Context) (facteur.Delivery, error) {
	if _, err := e.policy(ctx); err != nil {
		return facteur.Delivery{}, err
	}
	m := fmail.Message{
		ID:      fmail.NewMessageID(e.host()),
		To:      e.cfg.To,
		Subject: "Facteur test e-mail",
		Text:    "This is a test e-mail from Facteur: this destination can deliver files to you.\n",
	}
	if err := e.send(ctx, m); err != nil {
		return facteur.Delivery{}, err
	}
	return facteur.Delivery{Location: "mailto:" + strings.Join(e.cfg.To, ",")}, nil
}

func (e *Email) send(ctx context.Context, m fmail.Message) error {
	if e.env.Mail == nil {
		return facteur.Errorf(facteur.EINVALID, "Mail is not available on this server.")
	}
	return e.env.Mail(ctx, m)
}

func (e *Email) host() string {
	if e.env.MailHost != "" {
		return e.env.MailHost
	}
	return "facteur.local"
}

// expand replaces {file_name}, {rows} and {link} in s (or def when s is empty).
func (e *Email) expand(s, def string, a *facteur.Artifact, link string) string {
	if s == "" {
		s = def
	}
	return strings.NewReplacer("{file_name}", a.Name, "{rows}", fmt.Sprint(a.Rows), "{link}", link).Replace(s)
}

func shortSHA(s string) string {
	if len(s) > 16 {
		return s[:16]
	}
	return s
}
