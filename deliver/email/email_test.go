package email_test

import (
	"context"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/facteur/facteur"
	"github.com/facteur/facteur/deliver"
	"github.com/facteur/facteur/deliver/delivertest"
	"github.com/facteur/facteur/deliver/email"
	"github.com/facteur/facteur/mail"
)

// mailEnv is an Env whose mails are kept in sent; fail, when set, decides
// a recipient's error.
func mailEnv(sent *[]mail.Message, rec facteur.MailRecipients, fail func(m mail.Message) error) deliver.Env {
	return deliver.Env{
		Mail: func(ctx context.Context, m mail.Message) (string, error) {
			if fail != nil {
				if err := fail(m); err != nil {
					return "", err
				}
			}
			*sent = append(*sent, m)
			return "250 2.0.0 Ok: queued as " + strings.Join(append(m.To, m.Bcc...), "+"), nil
		},
		Policy: func(ctx context.Context) (facteur.Policy, error) {
			return facteur.Policy{AttachmentLimit: 1 << 20, AccountDomains: []string{"example.org"}}, nil
		},
		Links: func(a *facteur.Artifact) (string, error) {
			return "https://facteur.example.org/download/1?a=1&b=2", nil
		},
		Recipients: rec,
		Accounts:   func(ctx context.Context) ([]string, error) { return []string{"boss@holding.example"}, nil },
	}
}

// How the recipients are addressed: a mail to each by default, one mail
// in Bcc, or the organisation together and a mail to each outsider.
func TestEmailRecipientsModes(t *testing.T) {
	to := []string{"a@example.org", "partner@elsewhere.example", "boss@holding.example", "b@example.org"}
	for _, tt := range []struct {
		mode string
		want [][2][]string // To, Bcc of each mail
	}{
		{"", [][2][]string{{{"a@example.org"}}, {{"partner@elsewhere.example"}}, {{"boss@holding.example"}}, {{"b@example.org"}}}},
		{email.Bcc, [][2][]string{{nil, to}}},
		{email.Together, [][2][]string{{{"a@example.org", "boss@holding.example", "b@example.org"}}, {{"partner@elsewhere.example"}}}},
	} {
		var sent []mail.Message
		e, err := email.New(email.Config{To: to, Recipients: tt.mode}, mailEnv(&sent, nil, nil))
		if err != nil {
			t.Fatal(err)
		}
		a := delivertest.NewArtifact(t, "orders.csv", []byte("id\n1\n"))
		if _, err := e.Deliver(t.Context(), a); err != nil {
			t.Fatal(err)
		}
		if len(sent) != len(tt.want) {
			t.Fatalf("%q: %d mails, want %d", tt.mode, len(sent), len(tt.want))
		}
		ids := map[string]bool{}
		for i, w := range tt.want {
			if !slices.Equal(sent[i].To, w[0]) || !slices.Equal(sent[i].Bcc, w[1]) {
				t.Errorf("%q: mail %d To %v Bcc %v, want %v %v", tt.mode, i, sent[i].To, sent[i].Bcc, w[0], w[1])
			}
			ids[sent[i].ID] = true
		}
		if len(ids) != len(sent) {
			t.Errorf("%q: Message-IDs are not one per mail: %v", tt.mode, ids)
		}
	}
	if _, err := email.ParseConfig([]byte(`{"to":["a@example.org"],"recipients":"cc"}`)); facteur.ErrorCode(err) != facteur.EINVALID || !strings.HasPrefix(facteur.ErrorMessage(err), "recipients: ") {
		t.Errorf("recipients cc: %v", err)
	}
	many := `{"to":[` + strings.Repeat(`"a@example.org",`, facteur.MaxRecipients) + `"b@example.org"]}`
	if _, err := email.ParseConfig([]byte(many)); facteur.ErrorCode(err) != facteur.EINVALID || !strings.HasPrefix(facteur.ErrorMessage(err), "to: at most") {
		t.Errorf("%d recipients: %v", facteur.MaxRecipients+1, err)
	}
}

// A resumed delivery skips the recipients already sent; a recipient
// refused for good does not stop the others; each recipient's state is
// recorded with the server's reply or the reason; a mail sent again keeps
// its Message-ID.
func TestEmailResumeSkipsSent(t *testing.T) {
	rec := &delivertest.MailRecipients{}
	var sent []mail.Message
	down := true
	e, err := email.New(email.Config{To: []string{"a@example.org", "b@example.org", "c@example.org", "gone@example.org"}},
		mailEnv(&sent, rec, func(m mail.Message) error {
			switch {
			case m.To[0] == "gone@example.org":
				return facteur.Errorf(facteur.EINVALID, "The mail server refused the recipient <gone@example.org>: 550 5.1.1 No such user.")
			case m.To[0] == "c@example.org" && down:
				return facteur.Errorf(facteur.EUNAVAILABLE, "The mail server could not be reached.")
			}
			return nil
		}))
	if err != nil {
		t.Fatal(err)
	}
	a := delivertest.NewArtifact(t, "orders.csv", []byte("id\n1\n"))
	a.RunID, a.DeliveringRun = 7, 7
	if _, err := e.Deliver(t.Context(), a); !facteur.Retryable(err) {
		t.Fatalf("first attempt: %v, want a retryable error", err)
	}
	first := map[string]string{}
	for _, m := range sent {
		first[m.To[0]] = m.ID
	}
	down = false
	sent = nil
	if _, err := e.Deliver(t.Context(), a); facteur.ErrorCode(err) != facteur.EINVALID {
		t.Fatalf("second attempt: %v, want the refusal of gone@", err)
	}
	if len(sent) != 1 || sent[0].To[0] != "c@example.org" {
		t.Fatalf("second attempt sent %v, want only c@example.org", sent)
	}
	rs, _ := rec.MailRecipients(t.Context(), 7)
	states := map[string]string{}
	for _, r := range rs {
		states[r.Address] = string(r.State) + " " + r.Reply
	}
	want := map[string]string{
		"a@example.org":    "sent 250 2.0.0 Ok: queued as a@example.org",
		"b@example.org":    "sent 250 2.0.0 Ok: queued as b@example.org",
		"c@example.org":    "sent 250 2.0.0 Ok: queued as c@example.org",
		"gone@example.org": "failed The mail server refused the recipient <gone@example.org>: 550 5.1.1 No such user.",
	}
	for addr, w := range want {
		if states[addr] != w {
			t.Errorf("%s: %q, want %q", addr, states[addr], w)
		}
	}
	for _, r := range rs {
		if id, ok := first[r.Address]; ok && id != r.MessageID {
			t.Errorf("%s: Message-ID %s then %s", r.Address, id, r.MessageID)
		}
	}
}

// In HTML mode the file name and link are escaped in the HTML, the text
// alternative is the message's own text, and the link's lifetime is
// written as people do.
func TestEmailHTML(t *testing.T) {
	var sent []mail.Message
	env := mailEnv(&sent, nil, nil)
	env.Policy = func(ctx context.Context) (facteur.Policy, error) { return facteur.Policy{AttachmentLimit: 1}, nil }
	e, err := email.New(email.Config{To: []string{"a@example.org"}, HTML: true,
		Message: "<p>Hello,</p><p>here is <b>{file_name}</b> with {rows} rows.</p>"}, env)
	if err != nil {
		t.Fatal(err)
	}
	a := delivertest.NewArtifact(t, "Sales & co <2024>.csv", []byte("id\n1\n"))
	a.Rows = 1
	if _, err := e.Deliver(t.Context(), a); err != nil {
		t.Fatal(err)
	}
	m := sent[0]
	for _, want := range []string{"<b>Sales &amp; co &lt;2024&gt;.csv</b>", `<a href="https://facteur.example.org/download/1?a=1&amp;b=2">`, "the link works for 3 days"} {
		if !strings.Contains(m.HTML, want) {
			t.Errorf("HTML lacks %q:\n%s", want, m.HTML)
		}
	}
	wantText := "Hello,\n\nhere is Sales & co <2024>.csv with 1 rows.\n\nThe file is too large to attach. Download it (the link works for 3 days):\nhttps://facteur.example.org/download/1?a=1&b=2\n"
	if m.Text != wantText {
		t.Errorf("text = %q, want %q", m.Text, wantText)
	}
}

// The Send test mail says which destination and which Facteur sent it,
// and who asked.
func TestEmailTestSaysWho(t *testing.T) {
	var sent []mail.Message
	env := mailEnv(&sent, nil, nil)
	env.DestinationName, env.PublicURL = "Partner mail", "https://facteur.example.org"
	e, err := email.New(email.Config{To: []string{"a@example.org", "b@example.org"}}, env)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.Test(deliver.WithRequester(t.Context(), "alice@example.org")); err != nil {
		t.Fatal(err)
	}
	if len(sent) != 2 {
		t.Fatalf("%d test mails, want one per recipient", len(sent))
	}
	for _, want := range []string{`"Partner mail"`, "https://facteur.example.org", "alice@example.org pressed Send test"} {
		if !strings.Contains(sent[0].Text, want) {
			t.Errorf("test mail lacks %q:\n%s", want, sent[0].Text)
		}
	}
	if sent[0].Subject != "Facteur test e-mail: Partner mail" {
		t.Errorf("subject %q", sent[0].Subject)
	}
}

// bodyArtifact is an artifact of rows CSV rows whose export wrote the
// mail's tables (html, text) beside it.
func bodyArtifact(t *testing.T, rows int64, html, text string) *facteur.Artifact {
	t.Helper()
	a := delivertest.NewArtifact(t, "agents.csv", []byte("id\n1\n"))
	a.Rows = rows
	a.Body = &facteur.Body{HTMLPath: a.Path + ".body.html", TextPath: a.Path + ".body.txt"}
	if err := os.WriteFile(a.Body.HTMLPath, []byte(html), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(a.Body.TextPath, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return a
}

// TestEmailBody: where the report goes in the mail, and what happens when
// the table cannot be shown.
func TestEmailBody(t *testing.T) {
	const table, text = "<table><tr><td>1</td></tr></table>", " id\n 1\n"
	big := strings.Repeat("<tr><td>x</td></tr>", 40_000) // larger than half the 1 MiB attachment limit
	for _, tt := range []struct {
		name     string
		cfg      email.Config
		a        *facteur.Artifact
		attached bool
		link     bool
		html     string // in the HTML part; "" for no HTML part
		text     string // in the text part
	}{
		{"attachment", email.Config{}, bodyArtifact(t, 1, table, text), true, false, "", "Please find attached agents.csv (1 rows)."},
		{"table", email.Config{Body: email.BodyTable}, bodyArtifact(t, 1, table, text), false, false, table, "agents.csv: 1 rows.\n\n" + text},
		{"table past its rows", email.Config{Body: email.BodyTable, BodyRows: 1}, bodyArtifact(t, 3, table, text), false, true, table, "The whole file (the link works for"},
		{"both", email.Config{Body: email.BodyBoth, Message: "Hi <b>team</b>", HTML: true}, bodyArtifact(t, 1, table, text), true, false, "Hi <b>team</b>\n" + table, "Hi team"},
		{"table not exported", email.Config{Body: email.BodyTable}, delivertest.NewArtifact(t, "agents.csv", []byte("id\n1\n")), true, false, "", "Please find attached"},
		{"table too large", email.Config{Body: email.BodyTable}, bodyArtifact(t, 1, big, text), true, false, "", "Please find attached"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var sent []mail.Message
			tt.cfg.To = []string{"a@example.org"}
			e, err := email.New(tt.cfg, mailEnv(&sent, nil, nil))
			if err != nil {
				t.Fatal(err)
			}
			if _, err := e.Deliver(t.Context(), tt.a); err != nil {
				t.Fatal(err)
			}
			m := sent[0]
			if (len(m.Attachments) == 1) != tt.attached {
				t.Errorf("attachments %v, want attached=%v", m.Attachments, tt.attached)
			}
			if strings.Contains(m.Text, "https://facteur.example.org/download/") != tt.link {
				t.Errorf("text %q, want a link: %v", m.Text, tt.link)
			}
			if !strings.Contains(m.Text, tt.text) {
				t.Errorf("text %q lacks %q", m.Text, tt.text)
			}
			if tt.html == "" && m.HTML != "" || !strings.Contains(m.HTML, tt.html) {
				t.Errorf("HTML %q, want %q", m.HTML, tt.html)
			}
		})
	}
	for _, c := range []string{`{"to":["a@example.org"],"body":"inline"}`, `{"to":["a@example.org"],"body_rows":10001}`, `{"to":["a@example.org"],"body_rows":-5}`} {
		if _, err := email.ParseConfig([]byte(c)); facteur.ErrorCode(err) != facteur.EINVALID || !strings.HasPrefix(facteur.ErrorMessage(err), "body") {
			t.Errorf("%s: %v", c, err)
		}
	}
}

// The mail of Send test has a subject starting with [Test]; an ordinary
// delivery's subject is the configured one.
func TestEmailMarksTestFiles(t *testing.T) {
	var sent []mail.Message
	env := deliver.Env{
		Mail: func(ctx context.Context, m mail.Message) (string, error) {
			sent = append(sent, m)
			return "250 OK", nil
		},
		Policy: func(ctx context.Context) (facteur.Policy, error) {
			return facteur.Policy{AttachmentLimit: 1 << 20}, nil
		},
	}
	e, err := email.New(email.Config{To: []string{"partner@example.org"}, Subject: "Orders {file_name}"}, env)
	if err != nil {
		t.Fatal(err)
	}
	for _, test := range []bool{true, false} {
		a := delivertest.NewArtifact(t, "orders.csv", []byte("id\n1\n"))
		a.Test = test
		if _, err := e.Deliver(t.Context(), a); err != nil {
			t.Fatal(err)
		}
	}
	if len(sent) != 2 || sent[0].Subject != "[Test] Orders orders.csv" || sent[1].Subject != "Orders orders.csv" {
		for _, m := range sent {
			t.Errorf("subject %q", m.Subject)
		}
	}
}
