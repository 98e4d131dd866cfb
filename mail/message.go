package mail

import (
	"crypto/rand"
	"fmt"
	"mime"
	"net/mail"
	"os"
	"path/filepath"
	"strings"

	gomail "github.com/wneessen/go-mail"

	"github.com/facteur/facteur"
)

// Message is one mail to send.
type Message struct {
	// ID is the Message-ID, "<random@host>" (see NewMessageID). Required:
	// it is made once and kept across retries, so that a mail sent twice is
	// recognisably the same mail.
	ID string
	// From overrides Settings.From when set.
	From string
	// To holds the recipients, each "addr@example.org" or "Name <addr@example.org>".
	// At least one recipient in To or Bcc.
	To []string
	// Bcc holds recipients that receive the mail without being named in
	// it: no recipient sees them.
	Bcc []string
	// Subject is one line; line breaks are replaced with spaces.
	Subject string
	// Text is the plain-text body; HTML, when set, is sent as an alternative.
	Text string
	HTML string
	// Attachments are streamed from disk when the mail is sent.
	Attachments []Attachment
	// Images are shown inside the HTML part (<img src="cid:ID">), not
	// offered as attachments; only with HTML.
	Images []Image
}

// Image is a picture shown inside a Message's HTML part.
type Image struct {
	// ContentID is what the HTML's src="cid:…" names: "id@host", without
	// the angle brackets.
	ContentID string
	// ContentType is the picture's media type ("image/png").
	ContentType string
	// Path is the file on disk to read when sending.
	Path string
}

// Attachment is a file attached to a Message.
type Attachment struct {
	// Name is the file name the recipient sees (control characters and
	// path separators are replaced).
	Name string
	// ContentType defaults to the type of Name's extension, else
	// application/octet-stream.
	ContentType string
	// Path is the file on disk to read when sending.
	Path string
}

// NewMessageID returns a new random Message-ID "<random@host>" for a mail
// that host (the sender's domain, or "facteur.invalid" when empty) sends.
func NewMessageID(host string) string {
	host = strings.Trim(strings.ToLower(host), "<>@ ")
	if host == "" || strings.ContainsFunc(host, func(r rune) bool { return r <= ' ' || r > '~' || strings.ContainsRune("<>@()[],;:\\\"", r) }) {
		host = "facteur.invalid"
	}
	return "<" + strings.ToLower(rand.Text()) + "@" + host + ">"
}

// messageID checks a Message-ID and returns it without its angle brackets.
func messageID(id string) (string, error) {
	inner, ok := strings.CutPrefix(id, "<")
	if ok {
		inner, ok = strings.CutSuffix(inner, ">")
	}
	left, right, at := strings.Cut(inner, "@")
	if !ok || !at || left == "" || right == "" ||
		strings.ContainsFunc(inner, func(r rune) bool { return r <= ' ' || r > '~' || r == '<' || r == '>' }) ||
		strings.Contains(right, "@") {
		return "", facteur.Errorf(facteur.EINVALID, "message.id: %q is not a Message-ID such as <random@example.org>; make one with NewMessageID and keep it across retries", id)
	}
	return inner, nil
}

// oneLine replaces line breaks and other control characters with spaces,
// so that a value cannot end its header and start another.
func oneLine(s string) string {
	return strings.Map(func(r rune) rune {
		if r < ' ' || r == 0x7f || r == '\u2028' || r == '\u2029' || r == '\u0085' {
			return ' '
		}
		return r
	}, s)
}

// fileName cleans an attachment's name: one line, no directories.
func fileName(name string) string {
	name = strings.TrimSpace(oneLine(name))
	name = strings.Map(func(r rune) rune {
		if r == '/' || r == '\\' || r == '"' {
			return '_'
		}
		return r
	}, name)
	if name == "" || name == "." || name == ".." {
		name = "attachment"
	}
	return name
}

// contentType checks or guesses an attachment's media type.
func contentType(a Attachment, name string) (string, error) {
	if a.ContentType == "" {
		if t := mime.TypeByExtension(filepath.Ext(name)); t != "" {
			return t, nil
		}
		return "application/octet-stream", nil
	}
	t, params, err := mime.ParseMediaType(a.ContentType)
	if err != nil || strings.ContainsAny(a.ContentType, "\r\n") {
		return "", facteur.Errorf(facteur.EINVALID, "message.attachments: %q is not a content type such as text/csv", a.ContentType)
	}
	return mime.FormatMediaType(t, params), nil
}

// built is a message ready to send, with the attachment files it holds open.
type built struct {
	msg   *gomail.Msg
	files []*os.File
}

// close closes the attachment files.
func (b *built) close() {
	for _, f := range b.files {
		f.Close()
	}
}

// build turns m into a go-mail message. Every address is parsed (after line
// breaks are replaced) and refused with EINVALID when invalid; the subject,
// names and file names are kept on one line; attachment files are opened
// now, so that a missing file fails before anything is sent, and are read
// only while the mail is written to the server.
func build(m Message, defaultFrom string) (*built, error) {
	id, err := messageID(m.ID)
	if err != nil {
		return nil, err
	}
	fromText := m.From
	if fromText == "" {
		fromText = defaultFrom
	}
	from, err := parseAddress(fromText)
	if err != nil {
		return nil, facteur.WrapError(facteur.EINVALID, err, "message.from: %q is not a valid address", fromText)
	}
	if len(m.To)+len(m.Bcc) == 0 {
		return nil, facteur.Errorf(facteur.EINVALID, "message.to: give at least one recipient")
	}
	to, err := parseAddresses("to", m.To)
	if err != nil {
		return nil, err
	}
	bcc, err := parseAddresses("bcc", m.Bcc)
	if err != nil {
		return nil, err
	}
	if m.Text == "" && m.HTML == "" {
		return nil, facteur.Errorf(facteur.EINVALID, "message.text: write a message")
	}

	msg := gomail.NewMsg(gomail.WithNoDefaultUserAgent())
	msg.FromMailAddress(from)
	if len(to) > 0 {
		msg.ToMailAddress(to...)
	}
	if len(bcc) > 0 {
		msg.BccMailAddress(bcc...)
	}
	msg.Subject(strings.TrimSpace(oneLine(m.Subject)))
	msg.SetMessageIDWithValue(id)
	msg.SetDate()
	msg.SetUserAgent("Facteur")
	if m.Text != "" {
		msg.SetBodyString(gomail.TypeTextPlain, m.Text)
		if m.HTML != "" {
			msg.AddAlternativeString(gomail.TypeTextHTML, m.HTML)
		}
	} else {
		msg.SetBodyString(gomail.TypeTextHTML, m.HTML)
	}

	b := &built{msg: msg}
	for i, img := range m.Images {
		if m.HTML == "" || !validContentID(img.ContentID) || !strings.HasPrefix(img.ContentType, "image/") {
			b.close()
			return nil, facteur.Errorf(facteur.EINVALID, "message.images[%d]: an image needs an HTML part, a content id (id@host) and an image/* type", i)
		}
		f, err := os.Open(img.Path)
		if err != nil {
			b.close()
			return nil, facteur.WrapError(facteur.EINVALID, err, "message.images[%d]: cannot read the image's file", i)
		}
		b.files = append(b.files, f)
		msg.EmbedReadSeeker(img.ContentID, f, gomail.WithFileContentID("<"+img.ContentID+">"), gomail.WithFileContentType(gomail.ContentType(img.ContentType)))
	}
	for _, a := range m.Attachments {
		name := fileName(a.Name)
		if a.Name == "" {
			name = fileName(filepath.Base(a.Path))
		}
		ct, err := contentType(a, name)
		if err != nil {
			b.close()
			return nil, err
		}
		f, err := os.Open(a.Path)
		if err != nil {
			b.close()
			return nil, facteur.WrapError(facteur.EINVALID, err, "message.attachments: cannot read the file of %q", name)
		}
		b.files = append(b.files, f)
		msg.AttachReadSeeker(name, f, fileHeaders(name, ct))
	}
	return b, nil
}

// validContentID reports whether id can be a Content-ID ("id@host") and
// the HTML's cid: URL as it is: letters, digits and ".-_" around one "@".
func validContentID(id string) bool {
	local, host, ok := strings.Cut(id, "@")
	valid := func(s string) bool {
		return s != "" && len(s) <= 100 && !strings.ContainsFunc(s, func(r rune) bool {
			return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune(".-_", r))
		})
	}
	return ok && valid(local) && valid(host)
}

// parseAddresses parses the addresses of one header, field naming it in
// errors.
func parseAddresses(field string, list []string) ([]*mail.Address, error) {
	out := make([]*mail.Address, 0, len(list))
	for _, s := range list {
		a, err := parseAddress(s)
		if err != nil {
			return nil, facteur.WrapError(facteur.EINVALID, err, "message.%s: %q is not a valid address", field, s)
		}
		out = append(out, a)
	}
	return out, nil
}

// fileHeaders sets an attachment's Content-Type and Content-Disposition
// with its name as RFC 2231 parameters (name*= with the UTF-8 bytes percent-encoded), which every MIME
// parser reads, rather than go-mail's RFC 2047 encoded-words inside a
// quoted string, which strict parsers flag. A name that is not plain
// ASCII also gets an ASCII fallback (name="…") after it, for old readers.
func fileHeaders(name, contentType string) gomail.FileOption {
	return func(f *gomail.File) {
		f.ContentType = gomail.ContentType(contentType)
		t, params, _ := mime.ParseMediaType(contentType) // checked by contentType
		params["name"] = name
		f.Header.Set("Content-Type", withFallback(t, params, "name", name))
		f.Header.Set("Content-Disposition", withFallback("attachment", map[string]string{"filename": name}, "filename", name))
	}
}

// withFallback formats a media type whose parameter key holds name; when
// name is not plain ASCII it is written twice: key*= with the UTF-8 bytes
// percent-encoded (RFC 2231), which readers that know it prefer, then
// key="ASCII fallback" for those that do not.
func withFallback(t string, params map[string]string, key, name string) string {
	full := mime.FormatMediaType(t, params)
	ascii := asciiName(name)
	if ascii == name {
		return full
	}
	// The encoded name first: readers that know RFC 2231 but take the
	// first of two values of a parameter (Python's email) then read it.
	encoded := strings.TrimPrefix(mime.FormatMediaType("x", map[string]string{key: name}), "x; ")
	delete(params, key)
	head := mime.FormatMediaType(t, params) + "; " + encoded
	return head + "; " + strings.TrimPrefix(mime.FormatMediaType("x", map[string]string{key: ascii}), "x; ")
}

// asciiName replaces the letters of name that are not ASCII with their
// base letter where there is one (é → e), else with '_'.
func asciiName(name string) string {
	return strings.Map(func(r rune) rune {
		if r >= ' ' && r < 0x7f {
			return r
		}
		if b, ok := baseLetters[r]; ok {
			return b
		}
		return '_'
	}, name)
}

// baseLetters are the accented letters of Western European languages and
// their base letters.
var baseLetters = func() map[rune]rune {
	m := map[rune]rune{}
	for base, accented := range map[rune]string{
		'a': "àáâãäå", 'A': "ÀÁÂÃÄÅ", 'c': "ç", 'C': "Ç", 'e': "èéêë", 'E': "ÈÉÊË",
		'i': "ìíîï", 'I': "ÌÍÎÏ", 'n': "ñ", 'N': "Ñ", 'o': "òóôõöø", 'O': "ÒÓÔÕÖØ",
		'u': "ùúûü", 'U': "ÙÚÛÜ", 'y': "ýÿ", 'Y': "Ý",
	} {
		for _, r := range accented {
			m[r] = base
		}
	}
	return m
}()

// String describes the message for logs: its ID and recipients.
func (m Message) String() string {
	return fmt.Sprintf("mail %s to %s", m.ID, strings.Join(m.To, ", "))
}
