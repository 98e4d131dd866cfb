package mail_test

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	netmail "net/mail"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/facteur/facteur/mail"
	"github.com/facteur/facteur/mail/smtptest"
)

// part is one leaf of a received MIME tree, its body decoded.
type part struct {
	contentType string
	fileName    string // from Content-Disposition, RFC 2047 decoded
	disposition string
	data        []byte
}

// leaves walks a MIME entity and returns its leaf parts in order.
func leaves(t *testing.T, header map[string][]string, body io.Reader) []part {
	t.Helper()
	get := func(k string) string {
		if v := header[k]; len(v) > 0 {
			return v[0]
		}
		return ""
	}
	ct, params, err := mime.ParseMediaType(get("Content-Type"))
	if err != nil {
		t.Fatalf("Content-Type %q: %v", get("Content-Type"), err)
	}
	if strings.HasPrefix(ct, "multipart/") {
		var out []part
		mr := multipart.NewReader(body, params["boundary"])
		for {
			p, err := mr.NextRawPart()
			if err == io.EOF {
				return out
			}
			if err != nil {
				t.Fatalf("multipart: %v", err)
			}
			out = append(out, leaves(t, p.Header, p)...)
		}
	}
	switch strings.ToLower(get("Content-Transfer-Encoding")) {
	case "base64":
		body = base64.NewDecoder(base64.StdEncoding, body)
	case "quoted-printable":
		body = quotedprintable.NewReader(body)
	}
	data, err := io.ReadAll(body)
	if err != nil {
		t.Fatalf("read part: %v", err)
	}
	p := part{contentType: ct, data: data}
	if cd := get("Content-Disposition"); cd != "" {
		disp, dparams, err := mime.ParseMediaType(cd)
		if err != nil {
			t.Fatalf("Content-Disposition %q: %v", cd, err)
		}
		name, err := new(mime.WordDecoder).DecodeHeader(dparams["filename"])
		if err != nil {
			t.Fatalf("file name %q: %v", dparams["filename"], err)
		}
		p.disposition, p.fileName = disp, name
	}
	return []part{p}
}

// bodies returns the text and HTML bodies of a received mail.
func bodies(t *testing.T, msg *netmail.Message) (text, html string) {
	t.Helper()
	for _, p := range leaves(t, msg.Header, msg.Body) {
		switch {
		case p.disposition == "attachment":
		case p.contentType == "text/plain":
			text = string(p.data)
		case p.contentType == "text/html":
			html = string(p.data)
		}
	}
	return text, html
}

func TestAttachments(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	binary := make([]byte, 300<<10)
	rand.Read(binary)
	csv := []byte("id;name\r\n1;Zoë\r\n2;\"a;b\"\r\n")
	write := func(name string, data []byte) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	srv := smtptest.Start(t, smtptest.Options{Users: map[string]string{user: password}})
	m := testMessage()
	m.Attachments = []mail.Attachment{
		{Name: "tickets 2024-03 été.csv", ContentType: "text/csv; charset=utf-8", Path: write("spool-1", csv)},
		{Name: "export.zip", Path: write("spool-2", binary)},
	}
	if err := (&mail.Sender{Settings: plainSettings(srv)}).Send(t.Context(), m); err != nil {
		t.Fatal(err)
	}
	msg := parse(t, srv.WaitFor(1, 5*time.Second)[0])
	var got []part
	text := ""
	for _, p := range leaves(t, msg.Header, msg.Body) {
		switch {
		case p.disposition == "attachment":
			got = append(got, p)
		case p.contentType == "text/plain":
			text = string(p.data)
		}
	}
	if len(got) != 2 {
		t.Fatalf("%d attachments received, want 2", len(got))
	}
	want := []part{
		{contentType: "text/csv", fileName: "tickets 2024-03 été.csv", data: csv},
		{contentType: "application/zip", fileName: "export.zip", data: binary},
	}
	for i, w := range want {
		g := got[i]
		if g.fileName != w.fileName || g.contentType != w.contentType || !bytes.Equal(g.data, w.data) {
			t.Errorf("attachment %d = %q %s (%d bytes), want %q %s (%d bytes, same content)",
				i, g.fileName, g.contentType, len(g.data), w.fileName, w.contentType, len(w.data))
		}
	}
	if text != m.Text {
		t.Errorf("text = %q, want %q", text, m.Text)
	}
}

func TestHeaderInjection(t *testing.T) {
	t.Parallel()
	srv := smtptest.Start(t, smtptest.Options{Users: map[string]string{user: password}})
	path := filepath.Join(t.TempDir(), "spool")
	if err := os.WriteFile(path, []byte("a,b\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	m := testMessage()
	m.Subject = "x\r\nBcc: evil@example.com"
	m.To = []string{"\"Alice\r\nBcc: evil@example.com\" <alice@example.org>", "\"Bob\nCc: evil2@example.com\" <bob@example.org>"}
	m.From = "\"Reports\r\nBcc: evil3@example.com\" <reports@example.org>"
	m.Attachments = []mail.Attachment{{Name: "r.csv\r\nBcc: evil4@example.com", Path: path}}
	if err := (&mail.Sender{Settings: plainSettings(srv)}).Send(t.Context(), m); err != nil {
		t.Fatal(err)
	}
	got := srv.WaitFor(1, 5*time.Second)[0]
	if want := []string{"alice@example.org", "bob@example.org"}; !slices.Equal(got.To, want) {
		t.Errorf("RCPT TO = %q, want %q", got.To, want)
	}
	if got.From != "reports@example.org" {
		t.Errorf("MAIL FROM = %q", got.From)
	}
	msg := parse(t, got)
	for k := range msg.Header {
		if k == "Bcc" || k == "Cc" {
			t.Errorf("injected header %s: %q", k, msg.Header[k])
		}
	}
	if strings.Contains(strings.ToLower(string(got.Data)), "\nbcc:") {
		t.Errorf("a line starts with Bcc:\n%s", got.Data)
	}
	subject, _ := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
	if subject != "x  Bcc: evil@example.com" {
		t.Errorf("Subject = %q, want the text on one line", subject)
	}
	to, err := msg.Header.AddressList("To")
	if err != nil || len(to) != 2 || to[0].Name != "Alice  Bcc: evil@example.com" || to[0].Address != "alice@example.org" {
		t.Errorf("To = %v (%v)", to, err)
	}
	for _, p := range leaves(t, msg.Header, msg.Body) {
		if p.disposition == "attachment" && strings.ContainsAny(p.fileName, "\r\n") {
			t.Errorf("file name %q has a line break", p.fileName)
		}
	}
}

// TestAttachmentNameRFC2231 checks that a name that is not ASCII is sent
// as an RFC 2231 parameter with an ASCII fallback, never as an RFC 2047
// encoded-word inside a quoted string (which strict parsers flag).
func TestAttachmentNameRFC2231(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "spool")
	if err := os.WriteFile(path, []byte("a,b\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	srv := smtptest.Start(t, smtptest.Options{Users: map[string]string{user: password}})
	m := testMessage()
	m.Attachments = []mail.Attachment{{Name: "Données été & co.csv", ContentType: "text/csv", Path: path}}
	if err := (&mail.Sender{Settings: plainSettings(srv)}).Send(t.Context(), m); err != nil {
		t.Fatal(err)
	}
	raw := string(srv.WaitFor(1, 5*time.Second)[0].Data)
	for _, want := range []string{
		`Content-Disposition: attachment; filename*=utf-8''Donn%C3%A9es%20%C3%A9t%C3%A9%20&%20co.csv; filename="Donnees ete & co.csv"`,
		`Content-Type: text/csv; name*=utf-8''Donn%C3%A9es%20%C3%A9t%C3%A9%20&%20co.csv; name="Donnees ete & co.csv"`,
	} {
		if !strings.Contains(raw, want) {
			t.Errorf("the mail lacks %s:\n%s", want, raw)
		}
	}
	for _, line := range strings.Split(raw, "\n") {
		if strings.HasPrefix(line, "Content-") && strings.Contains(line, "=?") {
			t.Errorf("an RFC 2047 encoded-word in a MIME parameter: %s", line)
		}
	}
	msg := parse(t, srv.WaitFor(1, time.Second)[0])
	for _, p := range leaves(t, msg.Header, msg.Body) {
		if p.disposition == "attachment" && p.fileName != "Données été & co.csv" {
			t.Errorf("file name read back = %q", p.fileName)
		}
	}
}

// TestImages: a picture shown in the HTML part arrives inline, with the
// Content-ID its cid: URL names; an image without an HTML part, a bad
// Content-ID or a type that is not an image is refused before sending.
func TestImages(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "chart.png")
	pic := []byte("\x89PNG\r\n\x1a\n not really a picture")
	if err := os.WriteFile(path, pic, 0o600); err != nil {
		t.Fatal(err)
	}
	srv := smtptest.Start(t, smtptest.Options{Users: map[string]string{user: password}})
	m := testMessage()
	m.HTML = `<p>Chart:</p><img src="cid:chart.run-7@facteur.test">`
	m.Images = []mail.Image{{ContentID: "chart.run-7@facteur.test", ContentType: "image/png", Path: path}}
	if err := (&mail.Sender{Settings: plainSettings(srv)}).Send(t.Context(), m); err != nil {
		t.Fatal(err)
	}
	msg := parse(t, srv.WaitFor(1, 5*time.Second)[0])
	found := false
	for _, p := range leaves(t, msg.Header, msg.Body) {
		if p.contentType == "image/png" {
			found = bytes.Equal(p.data, pic) && p.disposition == "inline"
		}
	}
	if !found {
		t.Errorf("no inline image/png part with the picture's bytes: %v", leaves(t, msg.Header, msg.Body))
	}
	for _, bad := range []mail.Message{
		{ID: m.ID, To: m.To, Text: "x", Images: []mail.Image{{ContentID: "a@b", ContentType: "image/png", Path: path}}},
		{ID: m.ID, To: m.To, Text: "x", HTML: "<p>x</p>", Images: []mail.Image{{ContentID: "a b@c\r\nBcc: x", ContentType: "image/png", Path: path}}},
		{ID: m.ID, To: m.To, Text: "x", HTML: "<p>x</p>", Images: []mail.Image{{ContentID: "a@b", ContentType: "text/html", Path: path}}},
		{ID: m.ID, To: m.To, Text: "x", HTML: "<p>x</p>", Images: []mail.Image{{ContentID: "a@b", ContentType: "image/png", Path: path + ".gone"}}},
	} {
		if err := (&mail.Sender{Settings: plainSettings(srv)}).Send(t.Context(), bad); err == nil || !strings.Contains(err.Error(), "images[0]") {
			t.Errorf("images %+v: %v", bad.Images, err)
		}
	}
}
