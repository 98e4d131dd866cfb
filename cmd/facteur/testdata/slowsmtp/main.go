// Command slowsmtp is an SMTP server for tests that takes its time: each
// message costs -delay, part of it (1 - -last) before the server answers MAIL FROM (a
// slow server or link: a client killed then leaves nothing) and the rest (-last) once
// it has read the whole message, before it writes it to -dir (with the
// envelope's recipients in an X-Envelope-To header first) and accepts it:
// a client killed then leaves a message the server keeps, as a real
// server that has committed it does. It prints "listening on ADDR" once
// ready.
package main

import (
	"bytes"
	"crypto/rand"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/emersion/go-smtp"
)

type backend struct {
	dir          string
	before, last time.Duration // the waits before MAIL FROM is answered and after the message is read
}

func (b *backend) NewSession(*smtp.Conn) (smtp.Session, error) { return &session{b: b}, nil }

type session struct {
	b  *backend
	to []string
}

func (s *session) Mail(string, *smtp.MailOptions) error      { return nil }
func (s *session) Rcpt(to string, _ *smtp.RcptOptions) error { s.to = append(s.to, to); return nil }
func (s *session) Reset()                                    { s.to = nil }
func (s *session) Logout() error                             { return nil }

func (s *session) Data(r io.Reader) error {
	data, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	time.Sleep(s.b.last)
	var buf bytes.Buffer
	fmt.Fprintf(&buf, "X-Envelope-To: %s\r\n", strings.Join(s.to, ", "))
	buf.Write(data)
	name := fmt.Sprintf("%d-%s.eml", time.Now().UnixNano(), rand.Text()[:8])
	tmp := filepath.Join(s.b.dir, "."+name)
	if err := os.WriteFile(tmp, buf.Bytes(), 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, filepath.Join(s.b.dir, name))
}

func main() {
	dir := flag.String("dir", "", "folder the messages are written to")
	delay := flag.Duration("delay", 500*time.Millisecond, "how long each message takes")
	last := flag.Float64("last", 0.5, "the share of -delay spent once the whole message is read")
	flag.Parse()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	after := time.Duration(float64(*delay) * *last)
	srv := smtp.NewServer(&backend{dir: *dir, before: *delay - after, last: after})
	srv.Domain = "slow.test"
	srv.AllowInsecureAuth = true
	srv.ReadTimeout, srv.WriteTimeout = time.Minute, time.Minute
	fmt.Printf("listening on %s\n", ln.Addr())
	log.Fatal(srv.Serve(ln))
}
