// Package email delivers files by e-mail: attached, or as a download link
// when larger than the policy allows, to each recipient the way the
// destination says (D1).
package email

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"html"
	"net/mail"
	"os"
	"slices"
	"strings"

	"github.com/facteur/facteur"
	"github.com/facteur/facteur/deliver"
	"github.com/facteur/facteur/internal/faultpoint"
	fmail "github.com/facteur/facteur/mail"
)

// How an e-mail destination addresses its recipients.
const (
	// Separate sends each recipient a mail of their own (the default):
	// no recipient learns another's address.
	Separate = "separate"
	// Bcc sends one mail with every recipient in Bcc: none is named.
	Bcc = "bcc"
	// Together sends one mail with the organisation's recipients
	// together in To (they see each other), and each recipient outside the
	// organisation a mail of their own.
	Together = "together"
)

// Where the report goes in a mail.
const (
	// BodyAttachment attaches the file (the default), or links to it when
	// it is larger than the policy's attachment limit.
	BodyAttachment = "attachment"
	// BodyTable shows the report's first rows in the mail itself, as a
	// table, with no attachment; when rows are left out, the mail links to
	// the whole file.
	BodyTable = "table"
	// BodyBoth shows the table and attaches (or links) the file.
	BodyBoth = "both"
)

// Bounds of the rows a mail shows.
const (
	DefaultBodyRows = 1000
	MaxBodyRows     = 10_000
)

// Bounds of an e-mail destination's texts.
const (
	emailMaxSubject = 500      // bytes
	emailMaxMessage = 64 << 10 // bytes
)

// Config is the JSON config of an "email" destination (D1).
type Config struct {
	// To are the recipients. Each must be the owner's own address or in a
	// domain the server's policy approves (facteur.Policy.CheckRecipients,
	// applied by whoever saves, tests or runs the destination). At most
	// facteur.MaxRecipients.
	To []string `json:"to"`
	// Groups are recipient groups mailed besides To, their members read
	// at each delivery (facteur.RecipientGroup); at most
	// facteur.MaxGroupRefs. A member the policy no longer allows, or a
	// deactivated account, is left out and the run's log says so.
	Groups []int64 `json:"groups,omitempty"`
	// Recipients says how the recipients are addressed: Separate (the
	// default), Bcc or Together.
	Recipients string `json:"recipients,omitempty"`
	// Subject of the mail; {file_name} and {rows} are replaced. Default
	// "{file_name}".
	Subject string `json:"subject,omitempty"`
	// Message is the body; {file_name}, {rows} and {link} are replaced.
	// Default: a sentence naming the file.
	Message string `json:"message,omitempty"`
	// HTML sends Message as HTML, with a plain-text version made from it.
	HTML bool `json:"html,omitempty"`
	// Body says where the report goes: BodyAttachment (or empty, the
	// default), BodyTable or BodyBoth.
	Body string `json:"body,omitempty"`
	// BodyRows is the most rows a mail shows with BodyTable or BodyBoth:
	// 1 to MaxBodyRows, 0 for DefaultBodyRows.
	BodyRows int64 `json:"body_rows,omitempty"`
}

// Rows returns how many rows the mail shows in its text: 0 when the
// report is only attached.
func (c Config) Rows() int64 {
	if c.Body != BodyTable && c.Body != BodyBoth {
		return 0
	}
	if c.BodyRows == 0 {
		return DefaultBodyRows
	}
	return c.BodyRows
}

// ParseConfig decodes and validates an e-mail destination's config.
func ParseConfig(raw json.RawMessage) (Config, error) {
	var c Config
	if err := deliver.DecodeConfig(raw, &c, `an e-mail destination has "to", "groups", "recipients", "subject", "message", "html", "body" and "body_rows"`, nil); err != nil {
		return Config{}, err
	}
	return c, c.Validate()
}

// Validate checks the recipients' syntax and number and how they are
// addressed; the policy is checked on save and at every delivery.
func (c Config) Validate() error {
	switch {
	case len(c.To) == 0 && len(c.Groups) == 0:
		return facteur.Errorf(facteur.EINVALID, "to: give at least one recipient, or a recipient group")
	case len(c.To) > facteur.MaxRecipients:
		return facteur.Errorf(facteur.EINVALID, "to: at most %d recipients (this list has %d); use a mailing list for more", facteur.MaxRecipients, len(c.To))
	case len(c.Subject) > emailMaxSubject || strings.ContainsAny(c.Subject, "\r\n\x00"):
		return facteur.Errorf(facteur.EINVALID, "subject: one line of at most %d bytes", emailMaxSubject)
	case len(c.Message) > emailMaxMessage:
		return facteur.Errorf(facteur.EINVALID, "message: at most %d bytes (this one has %d)", emailMaxMessage, len(c.Message))
	case c.Body != "" && c.Body != BodyAttachment && c.Body != BodyTable && c.Body != BodyBoth:
		return facteur.Errorf(facteur.EINVALID, "body: use %q (the file attached), %q (the first rows in the mail) or %q (both)", BodyAttachment, BodyTable, BodyBoth)
	case c.BodyRows < 0 || c.BodyRows > MaxBodyRows:
		return facteur.Errorf(facteur.EINVALID, "body_rows: use a number of rows from 1 to %d, or 0 for %d", MaxBodyRows, DefaultBodyRows)
	}
	if err := facteur.CheckGroupRefs("groups", c.Groups); err != nil {
		return err
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
	switch c.Recipients {
	case "", Separate, Bcc, Together:
	default:
		return facteur.Errorf(facteur.EINVALID, "recipients: use %q (a mail to each recipient), %q (one mail, every recipient in Bcc) or %q (one mail to the organisation's recipients together, a mail of their own to the others)",
			Separate, Bcc, Together)
	}
	return nil
}

// Email delivers files by e-mail through the server's mail settings.
type Email struct {
	cfg Config
	env deliver.Env
}

var (
	_ facteur.Deliverer = (*Email)(nil)
)

// New returns an e-mail deliverer. env.Mail must be set.
func New(cfg Config, env deliver.Env) (*Email, error) {
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

// Deliver sends the file to the recipients, attached, or as a download
// link when it is larger than the policy's attachment limit; each mail
// goes to the recipients Config.Recipients says. Each recipient's
// state is recorded for the delivering run (env.Recipients): a recipient
// already sent by an earlier attempt is skipped, and a mail sent again
// (the server accepted it and the process died before recording it) keeps
// its Message-ID, made from the run, the file and the recipients.
func (e *Email) Deliver(ctx context.Context, a *facteur.Artifact) (facteur.Delivery, error) {
	p, err := e.policy(ctx)
	if err != nil {
		return facteur.Delivery{}, err
	}
	if err := deliver.CheckArtifact(a); err != nil {
		return facteur.Delivery{}, err
	}
	tmpl := fmail.Message{Subject: expand(e.cfg.Subject, "{file_name}", a, "", nil)}
	if a.Test {
		tmpl.Subject = "[Test] " + tmpl.Subject
	}
	tbl, err := e.table(a, p)
	if err != nil {
		return facteur.Delivery{}, err
	}
	attach := tbl == nil || e.cfg.Body == BodyBoth
	link := ""
	switch {
	case attach && a.Size > p.AttachmentLimit, !attach && tbl.leftOut > 0:
		// The file is too large to attach, or the mail shows part of it:
		// it links to the whole file.
		if e.env.Links == nil {
			if attach {
				return facteur.Delivery{}, facteur.Errorf(facteur.EINVALID, "The file (%d bytes) is larger than the attachment limit (%d bytes) and download links are not available.", a.Size, p.AttachmentLimit)
			}
			return facteur.Delivery{}, facteur.Errorf(facteur.EINVALID, "The mail shows %d of the %d rows and download links to the whole file are not available; show the rows in the mail and attach the file (body %q).", a.Rows-tbl.leftOut, a.Rows, BodyBoth)
		}
		if link, err = e.env.Links(a); err != nil {
			return facteur.Delivery{}, err
		}
	case attach:
		// The attachment is read as the mail is written, past the point
		// where a mismatch could stop it: the spooled file is checked first.
		if err := deliver.CheckSpooled(ctx, a); err != nil {
			return facteur.Delivery{}, err
		}
		tmpl.Attachments = []fmail.Attachment{{Name: a.Name, ContentType: deliver.ContentType(a), Path: a.Path}}
	}
	ttl := fmail.Duration(p.LinkTTL())
	if tbl != nil {
		tmpl.Text, tmpl.HTML = e.tableBody(a, tbl, link, ttl, attach)
		if tbl.chart != "" {
			tmpl.Images = []fmail.Image{{ContentID: chartID(a, e.host()), ContentType: "image/png", Path: tbl.chart}}
		}
	} else {
		tmpl.Text, tmpl.HTML = e.body(a, link, ttl)
	}
	to, err := e.recipients(ctx, a)
	if err != nil {
		return facteur.Delivery{}, err
	}
	groups, err := e.groups(ctx, p, to)
	if err != nil {
		return facteur.Delivery{}, err
	}
	if err := e.sendAll(ctx, a, tmpl, groups); err != nil {
		return facteur.Delivery{}, err
	}
	return facteur.Delivery{Location: mailto(to)}, nil
}

// recipients returns the addresses of To and of the members of Groups at
// this moment, once each; the members left out are written in the log of
// a's run (none for Send test, a nil a). No recipient at all is an
// error: the file would reach no one.
func (e *Email) recipients(ctx context.Context, a *facteur.Artifact) ([]string, error) {
	if len(e.cfg.Groups) == 0 {
		return e.cfg.To, nil
	}
	if e.env.RecipientGroups == nil {
		return nil, facteur.Errorf(facteur.EINVALID, "Recipient groups are not available on this server.")
	}
	res, err := e.env.RecipientGroups(ctx, e.cfg.Groups)
	if err != nil {
		return nil, err
	}
	if a != nil && e.env.RunLog != nil {
		run := a.DeliveringRun
		if run == 0 {
			run = a.RunID
		}
		for _, why := range res.Skipped {
			e.env.RunLog(ctx, run, "warn", "Not mailed: "+why+".")
		}
	}
	to := slices.Clone(e.cfg.To)
	for _, m := range res.Addresses {
		if !slices.ContainsFunc(to, func(x string) bool { return strings.EqualFold(x, m) }) {
			to = append(to, m)
		}
	}
	if len(to) == 0 {
		return nil, facteur.Errorf(facteur.EINVALID, "No recipient is left: the recipient groups of this destination have no member that may be mailed now (%s).", strings.Join(res.Skipped, "; "))
	}
	return to, nil
}

// maxLocation bounds the addresses a delivery's location names.
const maxLocation = 10

// mailto is the location of a delivery to the addresses to: the first
// maxLocation of them, and how many more.
func mailto(to []string) string {
	if len(to) <= maxLocation {
		return "mailto:" + strings.Join(to, ",")
	}
	return fmt.Sprintf("mailto:%s (and %d more)", strings.Join(to[:maxLocation], ","), len(to)-maxLocation)
}

// body returns the mail's text and, in HTML mode, its HTML: the
// configured message with {file_name}, {rows} and {link} replaced (each
// value escaped in the HTML), and the plain-text version made from the
// HTML.
func (e *Email) body(a *facteur.Artifact, link, ttl string) (text, htmlBody string) {
	msg := e.cfg.Message
	tooLarge := "The file is too large to attach. Download it (the link works for " + ttl + "):"
	switch {
	case msg == "" && link == "":
		msg = "Please find attached {file_name} ({rows} rows)."
	case msg == "":
		msg = "{file_name} ({rows} rows) is too large to attach. Download it (the link works for " + ttl + "):\n{link}"
		if e.cfg.HTML {
			msg = "<p>{file_name} ({rows} rows) is too large to attach. Download it (the link works for " + ttl + "):<br>\n<a href=\"{link}\">{link}</a></p>"
		}
	case link != "" && !strings.Contains(msg, "{link}") && e.cfg.HTML:
		msg += "\n<p>" + tooLarge + "<br>\n<a href=\"{link}\">{link}</a></p>"
	case link != "" && !strings.Contains(msg, "{link}"):
		msg += "\n\n" + tooLarge + "\n{link}"
	}
	if !e.cfg.HTML {
		return expand(msg, "", a, link, nil), ""
	}
	return expand(fmail.HTMLText(msg), "", a, link, nil), expand(msg, "", a, link, html.EscapeString)
}

// table is the report's first rows as a mail shows them.
type table struct {
	html, text string
	leftOut    int64  // rows of the file the table does not show
	chart      string // the chart's PNG file, "" when there is none
}

// table reads the rows the export wrote for the mail's text (see
// facteur.Artifact.Body), nil when the destination does not show them,
// when the export wrote none (a retry of a run exported before the
// destination asked for them), or when they are larger than the policy's
// attachment limit: the file is then attached, or linked, instead.
func (e *Email) table(a *facteur.Artifact, p facteur.Policy) (*table, error) {
	shown := e.cfg.Rows()
	if shown == 0 || a.Body == nil {
		return nil, nil
	}
	var parts [2][]byte
	for i, path := range []string{a.Body.HTMLPath, a.Body.TextPath} {
		fi, err := os.Stat(path)
		if err != nil {
			return nil, facteur.WrapError(facteur.EINTERNAL, err, "The rows of %s for the mail are missing from the spool; export it again.", a.Name)
		}
		if fi.Size() > p.AttachmentLimit/2 {
			return nil, nil
		}
		if parts[i], err = os.ReadFile(path); err != nil {
			return nil, facteur.WrapError(facteur.EINTERNAL, err, "The rows of %s for the mail cannot be read from the spool; export it again.", a.Name)
		}
	}
	t := &table{html: string(parts[0]), text: string(parts[1]), leftOut: max(0, a.Rows-shown)}
	if a.Body.ChartPath != "" {
		if fi, err := os.Stat(a.Body.ChartPath); err == nil && fi.Size() <= p.AttachmentLimit/4 {
			t.chart = a.Body.ChartPath
		}
	}
	return t, nil
}

// chartID is the Content-ID of the chart in the mails of a's run.
func chartID(a *facteur.Artifact, host string) string {
	return fmt.Sprintf("chart.run-%d@%s", a.RunID, host)
}

// tableBody returns the text and HTML of a mail showing t: the configured
// message (default: the file's name and rows), the table, and a link to
// the whole file when there is one; attached says the file is attached.
func (e *Email) tableBody(a *facteur.Artifact, t *table, link, ttl string, attached bool) (text, htmlBody string) {
	msg := e.cfg.Message
	if msg == "" {
		msg = "{file_name}: {rows} rows."
		if attached && link == "" {
			msg = "{file_name} ({rows} rows) is attached."
		}
	}
	var after string
	if link != "" {
		after = "The whole file (the link works for " + ttl + "):"
		if attached {
			after = "The file is too large to attach. Download it (the link works for " + ttl + "):"
		}
		if strings.Contains(msg, "{link}") {
			after = ""
		}
	}
	plain := expand(msg, "", a, link, nil)
	if e.cfg.HTML {
		plain = expand(fmail.HTMLText(msg), "", a, link, nil)
	}
	text = plain + "\n\n" + t.text
	if after != "" {
		text += "\n" + after + "\n" + link + "\n"
	}
	var b strings.Builder
	b.WriteString("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"></head><body>\n")
	if e.cfg.HTML {
		b.WriteString(expand(msg, "", a, link, html.EscapeString))
	} else {
		b.WriteString("<p>" + strings.ReplaceAll(html.EscapeString(expand(msg, "", a, link, nil)), "\n", "<br>\n") + "</p>")
	}
	if t.chart != "" {
		b.WriteString("\n<p><img src=\"cid:" + chartID(a, e.host()) + "\" alt=\"" + html.EscapeString("The chart of "+a.Name) + "\" style=\"max-width:100%;height:auto\" width=\"600\"></p>")
	}
	b.WriteString("\n" + t.html + "\n")
	if after != "" {
		b.WriteString("<p>" + html.EscapeString(after) + "<br>\n<a href=\"" + html.EscapeString(link) + "\">" + html.EscapeString(link) + "</a></p>\n")
	}
	b.WriteString("</body></html>\n")
	return text, b.String()
}

// group is one mail of a delivery and its recipients.
type group struct {
	to, bcc []string
}

// addresses are the group's recipients.
func (g group) addresses() []string { return append(append([]string{}, g.to...), g.bcc...) }

// groups divides the recipients to into mails as Config.Recipients says.
func (e *Email) groups(ctx context.Context, p facteur.Policy, to []string) ([]group, error) {
	var out []group
	switch e.cfg.Recipients {
	case Bcc:
		return []group{{bcc: to}}, nil
	case Together:
		var accounts []string
		if e.env.Accounts != nil {
			var err error
			if accounts, err = e.env.Accounts(ctx); err != nil {
				return nil, err
			}
		}
		var inside group
		for _, a := range to {
			if p.InOrganisation(a, accounts) {
				inside.to = append(inside.to, a)
			} else {
				out = append(out, group{to: []string{a}})
			}
		}
		if len(inside.to) > 0 {
			out = append([]group{inside}, out...)
		}
		return out, nil
	}
	for _, a := range to {
		out = append(out, group{to: []string{a}})
	}
	return out, nil
}

// sendAll sends one mail per group to the recipients not yet sent,
// recording each recipient's state. A permanent refusal of one mail does
// not stop the others; an error a retry may fix stops at once (the next
// attempt skips the recipients sent).
func (e *Email) sendAll(ctx context.Context, a *facteur.Artifact, tmpl fmail.Message, groups []group) error {
	run := a.DeliveringRun
	if run == 0 {
		run = a.RunID
	}
	sent := map[string]bool{}
	if e.env.Recipients != nil && run != 0 {
		done, err := e.env.Recipients.MailRecipients(ctx, run)
		if err != nil {
			return err
		}
		for _, r := range done {
			if r.Purpose == facteur.MailDelivery && r.State == facteur.MailSent {
				sent[strings.ToLower(r.Address)] = true
			}
		}
	}
	record := func(addrs []string, id string, state facteur.MailState, reply string) {
		if e.env.Recipients == nil || run == 0 {
			return
		}
		for _, addr := range addrs {
			r := &facteur.MailRecipient{RunID: run, Purpose: facteur.MailDelivery, Address: addr, State: state, Reply: reply, MessageID: id}
			if err := e.env.Recipients.SetMailRecipient(context.WithoutCancel(ctx), r); err != nil && e.env.Logger != nil {
				e.env.Logger.Warn("record mail recipient", "run", run, "to", addr, "err", err)
			}
		}
	}
	type pending struct {
		g  group
		id string
	}
	var todo []pending
	for _, g := range groups {
		g.to, g.bcc = unsent(g.to, sent), unsent(g.bcc, sent)
		if len(g.to)+len(g.bcc) == 0 {
			continue
		}
		id := e.messageID(a, groups, g)
		record(g.addresses(), id, facteur.MailQueued, "")
		todo = append(todo, pending{g, id})
	}
	var first error
	for _, p := range todo {
		m := tmpl
		m.ID, m.To, m.Bcc = p.id, p.g.to, p.g.bcc
		reply, err := e.send(ctx, m)
		if err != nil {
			record(p.g.addresses(), p.id, facteur.MailFailed, facteur.ErrorMessage(err))
			if facteur.Retryable(err) || ctx.Err() != nil {
				return err
			}
			if first == nil {
				first = err
			}
			continue
		}
		faultpoint.Reach(faultpoint.BeforeRename)
		record(p.g.addresses(), p.id, facteur.MailSent, reply)
	}
	return first
}

// unsent returns the addresses of list not in sent.
func unsent(list []string, sent map[string]bool) []string {
	var out []string
	for _, a := range list {
		if !sent[strings.ToLower(a)] {
			out = append(out, a)
		}
	}
	return out
}

// messageID is the Message-ID of one mail of a delivery: made from the
// run of the file, the file's SHA-256 and, when the delivery sends several
// mails, the mail's recipients, so that a mail sent again keeps it.
func (e *Email) messageID(a *facteur.Artifact, groups []group, g group) string {
	id := fmt.Sprintf("run-%d.%s", a.RunID, shortSHA(a.SHA256))
	if len(groups) > 1 {
		sum := sha256.Sum256([]byte(strings.ToLower(strings.Join(g.addresses(), ","))))
		id += "." + hex.EncodeToString(sum[:6])
	}
	return "<" + id + "@" + e.host() + ">"
}

// Test sends a short test mail to each recipient as a delivery would
// address them, saying which destination and which Facteur sent it, and
// who asked (RequestedBy).
func (e *Email) Test(ctx context.Context) (facteur.Delivery, error) {
	p, err := e.policy(ctx)
	if err != nil {
		return facteur.Delivery{}, err
	}
	to, err := e.recipients(ctx, nil)
	if err != nil {
		return facteur.Delivery{}, err
	}
	groups, err := e.groups(ctx, p, to)
	if err != nil {
		return facteur.Delivery{}, err
	}
	who := deliver.Requester(ctx)
	if who == "" {
		who = "a user"
	}
	name := e.env.DestinationName
	if name == "" {
		name = "(not saved yet)"
	}
	instance := e.env.PublicURL
	if instance == "" {
		instance = e.host()
	}
	text := fmt.Sprintf("This is a test e-mail from Facteur at %s: the e-mail destination %q can deliver files to you.\n\n%s pressed Send test.\n",
		instance, name, who)
	for _, g := range groups {
		m := fmail.Message{ID: fmail.NewMessageID(e.host()), To: g.to, Bcc: g.bcc,
			Subject: "Facteur test e-mail: " + name, Text: text}
		if _, err := e.send(ctx, m); err != nil {
			return facteur.Delivery{}, err
		}
	}
	return facteur.Delivery{Location: mailto(to)}, nil
}

func (e *Email) send(ctx context.Context, m fmail.Message) (string, error) {
	if e.env.Mail == nil {
		return "", facteur.Errorf(facteur.EINVALID, "Mail is not available on this server.")
	}
	return e.env.Mail(ctx, m)
}

func (e *Email) host() string {
	if e.env.MailHost != "" {
		return e.env.MailHost
	}
	return "facteur.local"
}

// expand replaces {file_name}, {rows} and {link} in s (or def when s is
// empty), each value passed through escape when it is not nil.
func expand(s, def string, a *facteur.Artifact, link string, escape func(string) string) string {
	if s == "" {
		s = def
	}
	if escape == nil {
		escape = func(s string) string { return s }
	}
	return strings.NewReplacer("{file_name}", escape(a.Name), "{rows}", fmt.Sprint(a.Rows), "{link}", escape(link)).Replace(s)
}

func shortSHA(s string) string {
	if len(s) > 16 {
		return s[:16]
	}
	return s
}
