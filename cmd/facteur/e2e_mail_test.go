package main

import (
	"bytes"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/mail"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/facteur/facteur"
	"github.com/facteur/facteur/mail/smtptest"
)

// parsed is a received mail, decoded.
type parsed struct {
	header      mail.Header
	text        string
	html        string
	attachments map[string][]byte
	images      map[string][]byte // inline parts by Content-ID
}

func parseMail(t *testing.T, data []byte) parsed {
	t.Helper()
	m, err := mail.ReadMessage(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	p := parsed{header: m.Header, attachments: map[string][]byte{}, images: map[string][]byte{}}
	var walk func(ct string, body io.Reader, enc string)
	walk = func(ct string, body io.Reader, enc string) {
		mt, params, _ := mime.ParseMediaType(ct)
		if strings.HasPrefix(mt, "multipart/") {
			mr := multipart.NewReader(body, params["boundary"])
			for {
				part, err := mr.NextRawPart()
				if err != nil {
					return
				}
				walk(part.Header.Get("Content-Type"), part, part.Header.Get("Content-Transfer-Encoding"))
			}
		}
		b := decodeBody(t, body, enc)
		if part, ok := body.(*multipart.Part); ok && strings.HasPrefix(mt, "image/") && part.Header.Get("Content-Id") != "" {
			p.images[strings.Trim(part.Header.Get("Content-Id"), "<>")] = b
		} else if _, dp, err := mime.ParseMediaType(ctDisposition(ct, params)); err == nil && dp["name"] != "" {
			p.attachments[dp["name"]] = b
		} else if mt == "text/plain" {
			p.text += string(b)
		} else if mt == "text/html" {
			p.html += string(b)
		}
	}
	walk(m.Header.Get("Content-Type"), m.Body, m.Header.Get("Content-Transfer-Encoding"))
	return p
}

func ctDisposition(ct string, params map[string]string) string {
	if params["name"] != "" {
		return ct
	}
	return "x/none"
}

func decodeBody(t *testing.T, r io.Reader, enc string) []byte {
	t.Helper()
	b, _ := io.ReadAll(r)
	switch strings.ToLower(enc) {
	case "base64":
		out, err := io.ReadAll(newBase64(bytes.NewReader(b)))
		if err != nil {
			t.Fatal(err)
		}
		return out
	case "quoted-printable":
		out, _ := io.ReadAll(newQP(bytes.NewReader(b)))
		return out
	}
	return b
}

// TestMailThroughTheAPI: central SMTP settings with a test e-mail, the
// policy for e-mail destinations, a file delivered by mail as an
// attachment and, past the size limit, as a download link, and the alert
// mail of a run that fails for good.
func TestMailThroughTheAPI(t *testing.T) {
	smtp := smtptest.Start(t, smtptest.Options{Users: map[string]string{"facteur": "mail-secret"}})
	n := startServe(t, t.TempDir())

	settings := map[string]any{"host": smtp.Host, "port": smtp.Port, "security": "none", "auth": "plain",
		"username": "facteur", "password": "mail-secret", "from": "Facteur <facteur@example.org>"}
	var shown struct {
		Configured bool
		Settings   map[string]any
		SecretsSet []string `json:"secrets_set"`
	}
	n.must(200, "PUT", "/api/v1/settings/mail", settings, &shown)
	if !shown.Configured || shown.Settings["password"] != nil || len(shown.SecretsSet) != 1 {
		t.Fatalf("mail settings shown as %+v", shown)
	}
	n.must(200, "POST", "/api/v1/settings/mail/test", map[string]any{"to": "ops@example.org"}, nil)
	got := smtp.WaitFor(1, 10*time.Second)
	if len(got) != 1 || got[0].User != "facteur" || got[0].To[0] != "ops@example.org" ||
		parseMail(t, got[0].Data).header.Get("Subject") != "Facteur test e-mail" {
		t.Fatalf("test mail: %+v", got)
	}

	// Without an approved domain, e-mail goes only to its owner's address.
	var bad struct{ Error struct{ Message string } }
	if st := n.call("POST", "/api/v1/destinations", map[string]any{"name": "m", "kind": "email", "config": map[string]any{"to": []string{"partner@example.org"}}}, &bad); st != 403 || !strings.Contains(bad.Error.Message, "not the owner's address (admin@example.org), no other domain is approved") {
		t.Fatalf("email destination without policy: %d %+v", st, bad)
	}
	n.must(200, "PUT", "/api/v1/settings/policy", map[string]any{"allowed_email_domains": []string{"example.org"}, "attachment_limit_bytes": 30}, nil)
	if st := n.call("POST", "/api/v1/destinations", map[string]any{"name": "m", "kind": "email", "config": map[string]any{"to": []string{"x@elsewhere.com"}}}, &bad); st != 403 || !strings.Contains(bad.Error.Message, "nor in an approved domain (example.org)") {
		t.Fatalf("email destination outside the policy: %d %+v", st, bad)
	}
	var src, rep, dest struct{ ID int64 }
	n.must(201, "POST", "/api/v1/sources", map[string]any{"name": "small", "dsn": smallSQLiteSource(t)}, &src)
	n.must(201, "POST", "/api/v1/reports", map[string]any{"name": "items", "source_id": src.ID, "sql": "select * from items order by id"}, &rep)
	// A subject that would add a header is refused when saved (the mail
	// layer also neutralises one, see mail's TestHeaderInjection).
	if st := n.call("POST", "/api/v1/destinations", map[string]any{"name": "Partner mail", "kind": "email", "config": map[string]any{
		"to": []string{"partner@example.org"}, "subject": "Items: {file_name}\r\nBcc: evil@elsewhere.com"}}, &bad); st != 400 || !strings.HasPrefix(bad.Error.Message, "subject: ") {
		t.Fatalf("a subject with a line break: %d %+v", st, bad)
	}
	n.must(201, "POST", "/api/v1/destinations", map[string]any{"name": "Partner mail", "kind": "email", "config": map[string]any{
		"to": []string{"partner@example.org"}, "subject": "Items: {file_name}", "message": "Hello,\n{rows} rows attached."}}, &dest)
	var sc struct{ ID int64 }
	n.must(201, "POST", "/api/v1/schedules", map[string]any{"report_id": rep.ID, "destination_id": dest.ID, "enabled": false,
		"format": map[string]any{"format": "csv"}, "file_name": "items.csv", "calendar": map[string]any{"frequency": "daily"}}, &sc)

	const want = "id,label\n1,one\n2,two\n" // 21 bytes: under the 30-byte limit
	var run facteur.Run
	n.must(202, "POST", fmt.Sprintf("/api/v1/schedules/%d/run", sc.ID), nil, &run)
	if r := n.waitRun(run.ID); r.Status != facteur.RunSucceeded || r.Location != "mailto:partner@example.org" {
		t.Fatalf("mail run: %s %s %s", r.Status, r.Error, r.Location)
	}
	got = smtp.WaitFor(2, 10*time.Second)
	m := parseMail(t, got[1].Data)
	if len(got[1].To) != 1 || got[1].To[0] != "partner@example.org" || string(m.attachments["items.csv"]) != want ||
		!strings.Contains(m.text, "2 rows attached") || m.header.Get("Bcc") != "" || !strings.HasPrefix(m.header.Get("Subject"), "Items: items.csv") {
		t.Fatalf("delivered mail: to %v, header %v, text %q, attachments %q", got[1].To, m.header, m.text, m.attachments)
	}
	firstID := m.header.Get("Message-Id")

	// Past the attachment limit the mail carries a download link instead.
	n.must(200, "PUT", "/api/v1/settings/policy", map[string]any{"allowed_email_domains": []string{"example.org"}, "attachment_limit_bytes": 10}, nil)
	var retry facteur.Run
	n.must(202, "POST", fmt.Sprintf("/api/v1/runs/%d/retry", run.ID), nil, &retry)
	if r := n.waitRun(retry.ID); r.Status != facteur.RunSucceeded {
		t.Fatalf("retry: %s %s", r.Status, r.Error)
	}
	got = smtp.WaitFor(3, 10*time.Second)
	m = parseMail(t, got[2].Data)
	link := regexp.MustCompile(`http://\S+/download/\S+`).FindString(m.text)
	if len(m.attachments) != 0 || link == "" {
		t.Fatalf("mail over the limit: attachments %v, text %q", m.attachments, m.text)
	}
	if m.header.Get("Message-Id") != firstID {
		t.Errorf("a re-delivered mail changed its Message-ID: %s then %s", firstID, m.header.Get("Message-Id"))
	}
	resp, err := http.Get(link)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || string(body) != want {
		t.Fatalf("download link: %d %q", resp.StatusCode, body)
	}
	if resp, err := http.Get(link[:len(link)-2] + "xx"); err != nil || resp.StatusCode != 404 {
		t.Fatalf("forged link: %v %v", resp, err)
	}

	// A run that fails for good sends an alert to the chosen addresses.
	gone := filepath.Join(t.TempDir(), "gone")
	os.Mkdir(gone, 0o755)
	var folder, failing struct{ ID int64 }
	n.must(201, "POST", "/api/v1/destinations", map[string]any{"name": "Vanishing", "kind": "folder", "config": map[string]any{"path": gone}}, &folder)
	os.Remove(gone)
	n.must(201, "POST", "/api/v1/schedules", map[string]any{"name": "Nightly items", "report_id": rep.ID, "destination_id": folder.ID, "enabled": false,
		"options": map[string]any{"alert_emails": []string{"ops@example.org"}}, "format": map[string]any{"format": "csv"}, "calendar": map[string]any{"frequency": "daily"}}, &failing)
	n.must(202, "POST", fmt.Sprintf("/api/v1/schedules/%d/run", failing.ID), nil, &run)
	if r := n.waitRun(run.ID); r.Status != facteur.RunFailed {
		t.Fatalf("failing run: %s", r.Status)
	}
	// The owner (admin@example.org) and ops each get a mail of their own.
	got = smtp.WaitFor(5, 20*time.Second)
	alerted := map[string]bool{}
	for _, g := range got[3:] {
		m = parseMail(t, g.Data)
		if len(g.To) != 1 || m.header.Get("To") != "<"+g.To[0]+">" || m.header.Get("Subject") != "Error with scheduled task Nightly items" || !strings.Contains(m.text, "does not exist") ||
			!strings.Contains(m.text, fmt.Sprintf("%s/runs/%d\r\n", n.base, run.ID)) {
			t.Fatalf("alert mail to %v: %v %q", g.To, m.header, m.text)
		}
		alerted[g.To[0]] = true
	}
	if !alerted["ops@example.org"] || !alerted["admin@example.org"] {
		t.Fatalf("alerts to %v, want ops@ and the owner admin@", alerted)
	}
	// The run's page (its log) says the alert was queued, then sent.
	var log strings.Builder
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline) && strings.Count(log.String(), "Failure alert sent") < 2; time.Sleep(50 * time.Millisecond) {
		log.Reset()
		for _, e := range n.waitRun(run.ID).Log {
			log.WriteString(e.Message + "\n")
		}
	}
	if !strings.Contains(log.String(), "Failure alert queued for admin@example.org, ops@example.org (a mail to each).\n") ||
		!strings.Contains(log.String(), "Failure alert sent to ops@example.org (server said: 250 2.0.0 OK: queued).") {
		t.Errorf("run log:\n%s", log.String())
	}
}
