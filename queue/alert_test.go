package queue_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/riverqueue/river/riverdriver/riversqlite"

	"github.com/facteur/facteur"
	"github.com/facteur/facteur/deliver/folder"
	"github.com/facteur/facteur/mail"
	"github.com/facteur/facteur/mail/smtptest"
	"github.com/facteur/facteur/queue"
	"github.com/facteur/facteur/store"
)

const publicURL = "https://facteur.example.org"

// alerting returns a started queue whose schedule alerts ops@example.org
// and whose runs fail for good: their source table is gone (a source
// error) or, with sourceOK, their destination refuses the credentials.
// smtp, when not nil, is the mail server of the mail settings; nil leaves
// mail unset.
func alerting(t *testing.T, smtp *smtptest.Server, sourceOK bool) (fixture, *queue.Queue[*sql.Tx]) {
	t.Helper()
	ctx := context.Background()
	f := newFixture(t, store.Config{})
	f.schedule.Options.AlertEmails = []string{"ops@example.org"}
	f.schedule.Options.NoOwnerAlert = true // these tests follow the alert to ops
	must(t, f.db.UpdateSchedule(ctx, f.schedule))
	must(t, f.db.PutSetting(ctx, facteur.PolicyKey, json.RawMessage(`{"allowed_email_domains":["example.org"]}`)))
	if !sourceOK {
		rep, err := f.db.Report(ctx, f.schedule.ReportID)
		must(t, err)
		rep.Table = "gone"
		must(t, f.db.UpdateReport(ctx, rep))
	}
	if smtp != nil {
		raw, err := json.Marshal(mail.Settings{Host: smtp.Host, Port: smtp.Port, Security: mail.SecurityNone, From: "Facteur <facteur@example.org>", Timeout: 5 * time.Second})
		must(t, err)
		must(t, f.db.PutSetting(ctx, mail.SettingsKey, raw))
	}
	dest, err := folder.New(folder.Config{Path: f.outbox})
	must(t, err)
	d := &flaky{folder: dest, failures: 100, err: facteur.Errorf(facteur.EUNAUTHORIZED, "Validation failed. Check your credentials.")}
	q, err := queue.New(riversqlite.New(f.db.SQL()), f.db, runner(f.db, t.TempDir(), d), queue.Config{
		Backoff: []time.Duration{50 * time.Millisecond}, PollInterval: 20 * time.Millisecond,
		Mailer: &mail.Service{Store: f.db}, PublicURL: publicURL + "/"})
	must(t, err)
	must(t, q.Start(ctx))
	t.Cleanup(func() { q.Stop(context.Background()) })
	return f, q
}

// waitLog waits until the run's log has a line containing want.
func waitLog(t *testing.T, db *store.DB, id int64, want string) string {
	t.Helper()
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if log := logText(t, db, id); strings.Contains(log, want) {
			return log
		}
	}
	t.Fatalf("the log of run %d never said %q:\n%s", id, want, logText(t, db, id))
	return ""
}

// A failing run's alert is first queued, then sent: the run's log says
// both, with the server's reply, and the mail links to the run's page.
// Only a source error gets the "database" wording.
func TestAlertQueuedThenSent(t *testing.T) {
	for _, tt := range []struct {
		name     string
		sourceOK bool
		reason   string
	}{
		{"source error", false, "Reason: The export failed while reading the source database."},
		{"delivery error", true, "Reason: Validation failed. Check your credentials."},
	} {
		t.Run(tt.name, func(t *testing.T) {
			smtp := smtptest.Start(t, smtptest.Options{})
			f, q := alerting(t, smtp, tt.sourceOK)
			run, err := q.RunNow(context.Background(), f.schedule.ID, f.owner.ID)
			must(t, err)
			if got := waitDone(t, f.db, run.ID); got.Status != facteur.RunFailed {
				t.Fatalf("run %s", got.Status)
			}
			log := waitLog(t, f.db, run.ID, "Failure alert sent to ops@example.org (server said: 250 2.0.0 OK: queued).")
			queued := strings.Index(log, "info: Failure alert queued for ops@example.org (a mail to each).")
			if queued < 0 || queued > strings.Index(log, "Failure alert sent to") {
				t.Errorf("the log does not say the alert was queued before it was sent:\n%s", log)
			}
			got := smtp.WaitFor(1, 10*time.Second)
			text := string(got[0].Data)
			link := fmt.Sprintf("%s/runs/%d\r\n", publicURL, run.ID)
			if len(got) != 1 || got[0].To[0] != "ops@example.org" || !strings.Contains(text, link) || strings.Contains(text, "/api/") ||
				!strings.Contains(text, tt.reason) {
				t.Errorf("alert mail to %v, want the link %q and %q:\n%s", got[0].To, link, tt.reason, text)
			}
		})
	}
}

// Without mail settings the run's log says at once that no alert was sent,
// and why.
func TestAlertWithoutMail(t *testing.T) {
	f, q := alerting(t, nil, true)
	run, err := q.RunNow(context.Background(), f.schedule.ID, f.owner.ID)
	must(t, err)
	waitDone(t, f.db, run.ID)
	log := waitLog(t, f.db, run.ID, "warn: No failure alert was sent: mail is not set up (Settings → Mail).")
	if strings.Contains(log, "Failure alert queued") || strings.Contains(log, "Failure alert sent") {
		t.Errorf("the log claims an alert:\n%s", log)
	}
}

// A mail server that refuses the alert: the run's log says it could not
// be sent, and why.
func TestAlertRefused(t *testing.T) {
	smtp := smtptest.Start(t, smtptest.Options{FailWith: []smtptest.Failure{{Stage: "RCPT", Code: 550, Enhanced: [3]int{5, 1, 1}, Message: "No such user"}}})
	f, q := alerting(t, smtp, true)
	run, err := q.RunNow(context.Background(), f.schedule.ID, f.owner.ID)
	must(t, err)
	waitDone(t, f.db, run.ID)
	log := waitLog(t, f.db, run.ID, "error: Failure alert to ops@example.org could not be sent: The mail server refused the recipient <ops@example.org>: 550 5.1.1 No such user. Check the address.")
	if strings.Contains(log, "Failure alert sent") {
		t.Errorf("the log claims the alert was sent:\n%s", log)
	}
}

// A mail server that defers the alert once: the run's log says it is not
// sent yet and will be tried again, then that it was sent.
func TestAlertDeferredThenSent(t *testing.T) {
	smtp := smtptest.Start(t, smtptest.Options{FailWith: []smtptest.Failure{{Stage: "RCPT", Code: 451, Enhanced: [3]int{4, 3, 0}, Message: "Try later", Times: 1}}})
	f, q := alerting(t, smtp, true)
	run, err := q.RunNow(context.Background(), f.schedule.ID, f.owner.ID)
	must(t, err)
	waitDone(t, f.db, run.ID)
	log := waitLog(t, f.db, run.ID, "Failure alert sent to ops@example.org (server said: 250 2.0.0 OK: queued).")
	if !regexp.MustCompile(`warn: Failure alert to ops@example\.org not sent yet \(attempt 1 of 5, next at [0-9T:Z-]+\): The mail server deferred the mail \(451 4\.3\.0 Try later\); it will be tried again\.\n`).MatchString(log) {
		t.Errorf("the log does not say the alert was deferred:\n%s", log)
	}
}

// A run stopped by a limit fails at once, and its alert says which limit,
// its value and how to change it.
func TestAlertSaysWhichLimit(t *testing.T) {
	smtp := smtptest.Start(t, smtptest.Options{})
	f, q := alerting(t, smtp, true)
	f.schedule.Options.Limits.MaxRows = 1
	must(t, f.db.UpdateSchedule(context.Background(), f.schedule))
	run, err := q.RunNow(context.Background(), f.schedule.ID, f.owner.ID)
	must(t, err)
	const want = "stopped after 1 row: the run's row limit set by its schedule"
	if got := waitDone(t, f.db, run.ID); got.Status != facteur.RunFailed || got.Attempt != 1 || !strings.HasPrefix(got.Error, want) {
		t.Fatalf("run %s after %d attempts: %q", got.Status, got.Attempt, got.Error)
	}
	waitLog(t, f.db, run.ID, "Failure alert sent to ops@example.org")
	if got := smtp.WaitFor(1, 10*time.Second); len(got) != 1 || !strings.Contains(string(got[0].Data), "Reason: "+want) {
		t.Errorf("the alert does not say which limit stopped the run:\n%s", got[0].Data)
	}
}

// A failing run alerts its owner by default and its alert addresses, each
// in a mail of their own (no recipient sees another); an address the
// policy does not allow (saved before the policy changed) is left out and
// the run's log says so; the run records each recipient as sent with the
// server's reply.
func TestAlertRecipients(t *testing.T) {
	smtp := smtptest.Start(t, smtptest.Options{})
	f, q := alerting(t, smtp, true)
	ctx := context.Background()
	colleague := &facteur.User{Email: "colleague@partner.test", Role: facteur.RoleViewer, Active: true}
	must(t, f.db.CreateUser(ctx, colleague))
	f.schedule.Options.NoOwnerAlert = false
	f.schedule.Options.AlertEmails = []string{"ops@example.org", "Colleague@partner.test", "attacker@evil.test", "ops@example.org"}
	must(t, f.db.UpdateSchedule(ctx, f.schedule))
	run, err := q.RunNow(ctx, f.schedule.ID, f.owner.ID)
	must(t, err)
	waitDone(t, f.db, run.ID)
	want := []string{"owner@example.org", "ops@example.org", "colleague@partner.test"}
	smtp.WaitFor(len(want), 20*time.Second)
	time.Sleep(300 * time.Millisecond) // nothing more arrives
	got := smtp.Messages()
	if len(got) != len(want) {
		t.Fatalf("%d alert mails, want %d", len(got), len(want))
	}
	ids := map[string]bool{}
	for _, m := range got {
		to := ""
		for _, line := range strings.Split(string(m.Data), "\r\n") {
			if strings.HasPrefix(line, "To: ") {
				to = strings.TrimPrefix(line, "To: ")
			}
		}
		if len(m.To) != 1 || to != "<"+m.To[0]+">" {
			t.Errorf("alert mail to %v with To: %q, want one recipient named alone", m.To, to)
		}
		ids[regexp.MustCompile(`(?mi)^Message-Id: (\S+)`).FindString(string(m.Data))] = true
	}
	if len(ids) != len(want) {
		t.Errorf("Message-IDs %v, want one per mail", ids)
	}
	log := waitLog(t, f.db, run.ID, "Failure alert sent to colleague@partner.test")
	if !strings.Contains(log, "warn: No failure alert to attacker@evil.test: it is neither a Facteur account nor in an approved domain.") {
		t.Errorf("the log does not say the outside address was left out:\n%s", log)
	}
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		rs, err := f.db.MailRecipients(ctx, run.ID)
		must(t, err)
		sent := 0
		for _, r := range rs {
			if r.Purpose == facteur.MailAlert && r.State == facteur.MailSent && strings.HasPrefix(r.Reply, "250 ") {
				sent++
			}
		}
		if sent == len(want) && len(rs) == len(want) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("recipients of the run: %+v", rs)
		}
	}
}
