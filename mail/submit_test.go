package mail_test

import (
	"testing"
	"time"

	"github.com/facteur/facteur/mail"
	"github.com/facteur/facteur/mail/smtptest"
)

// Submit returns the server's reply to the mail, code included, for the
// logs that say a mail was sent.
func TestSubmitReturnsTheReply(t *testing.T) {
	t.Parallel()
	srv := smtptest.Start(t, smtptest.Options{Users: map[string]string{user: password}})
	reply, err := (&mail.Sender{Settings: plainSettings(srv)}).Submit(t.Context(), testMessage())
	if err != nil || reply != "250 2.0.0 OK: queued" {
		t.Fatalf("Submit = %q, %v; want the server's reply 250 2.0.0 OK: queued", reply, err)
	}
	if got := srv.WaitFor(1, 5*time.Second); len(got) != 1 {
		t.Fatalf("the server received %d mails", len(got))
	}
}
