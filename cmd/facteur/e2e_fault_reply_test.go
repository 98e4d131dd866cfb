package main

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/facteur/facteur"
	"github.com/facteur/facteur/mail/smtptest"
)

// firstRetry is the run's first backoff step (queue.Config's default).
const firstRetry = 10 * time.Second

// retryLine returns the time of the log line that says attempt failed and
// when the next one is due, and that time.
func retryLine(t *testing.T, r runView, attempt int) (logged, due time.Time) {
	t.Helper()
	for _, e := range r.Log {
		if !strings.HasPrefix(e.Message, fmt.Sprintf("Attempt %d of ", attempt)) {
			continue
		}
		i := strings.LastIndex(e.Message, " tried again at ")
		j := strings.Index(e.Message[max(i, 0):], " UTC")
		if i < 0 || j < 0 {
			break
		}
		at, err := time.Parse(time.DateTime, e.Message[i+len(" tried again at "):i+j])
		if err != nil {
			t.Fatalf("retry line %q: %v", e.Message, err)
		}
		return e.Time, at
	}
	t.Fatalf("no line says attempt %d failed and when the next is due: %+v", attempt, r.Log)
	return
}

// mailFaultNode starts a node whose mail goes to an SMTP test server that
// refuses as fail says, with a source and an e-mail destination to
// partner@example.org; it returns the node, the server and a schedule of
// the destination.
func mailFaultNode(t *testing.T, fail []smtptest.Failure) (*node, *smtptest.Server, int64) {
	t.Helper()
	smtp := smtptest.Start(t, smtptest.Options{FailWith: fail})
	n := startServe(t, t.TempDir())
	n.must(200, "PUT", "/api/v1/settings/mail", map[string]any{"host": smtp.Host, "port": smtp.Port, "security": "none",
		"from": "Facteur <facteur@example.org>"}, nil)
	n.must(200, "PUT", "/api/v1/settings/policy", map[string]any{"allowed_email_domains": []string{"example.org"}}, nil)
	var src, rep, dest, sc struct{ ID int64 }
	n.must(201, "POST", "/api/v1/sources", map[string]any{"name": "small", "dsn": smallSQLiteSource(t)}, &src)
	n.must(201, "POST", "/api/v1/reports", map[string]any{"name": "items", "source_id": src.ID, "sql": "select * from items order by id"}, &rep)
	n.must(201, "POST", "/api/v1/destinations", map[string]any{"name": "Partner mail", "kind": "email",
		"config": map[string]any{"to": []string{"partner@example.org"}}}, &dest)
	n.must(201, "POST", "/api/v1/schedules", map[string]any{"name": "Items by mail", "report_id": rep.ID, "destination_id": dest.ID, "enabled": false,
		"file_name": "items-{run_id}.csv", "format": map[string]any{"format": "csv"}, "calendar": map[string]any{"frequency": "daily"}}, &sc)
	return n, smtp, sc.ID
}

// mailsTo returns the mails the server accepted for addr.
func mailsTo(smtp *smtptest.Server, addr string) []smtptest.Received {
	var out []smtptest.Received
	for _, m := range smtp.Messages() {
		for _, to := range m.To {
			if strings.EqualFold(to, addr) {
				out = append(out, m)
			}
		}
	}
	return out
}

// TestSMTPDeferredThenRefused drives `facteur serve` against an SMTP
// server that answers with chosen codes. A 451 is retried after the run's
// first backoff step (10 s, not sooner, and not much later) and the mail
// then arrives once; a 550 fails the run at once, with the server's reply
// in its error, its log and the recipient's state, and the schedule's owner
// gets the failure alert; a 451 then a 550 is retried once and then fails
// without a third attempt.
func TestSMTPDeferredThenRefused(t *testing.T) {
	if testing.Short() {
		t.Skip("short mode: a case waits for a retry")
	}
	partner := "partner@example.org"
	for _, tc := range []struct {
		name     string
		fail     []smtptest.Failure
		status   string
		attempts int
	}{
		{"451 then accepted", []smtptest.Failure{{Stage: "DATA", Code: 451, Message: "Greylisted, try again later", Times: 1}}, facteur.RunSucceeded, 2},
		{"550", []smtptest.Failure{{Stage: "RCPT", Recipient: partner, Code: 550, Enhanced: [3]int{5, 1, 1}, Message: "No such mailbox here"}}, facteur.RunFailed, 1},
		{"451 then 550", []smtptest.Failure{
			{Stage: "RCPT", Recipient: partner, Code: 451, Message: "Greylisted, try again later", Times: 1},
			{Stage: "RCPT", Recipient: partner, Code: 550, Enhanced: [3]int{5, 1, 1}, Message: "No such mailbox here"}}, facteur.RunFailed, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			n, smtp, sc := mailFaultNode(t, tc.fail)
			var queued facteur.Run
			started := time.Now()
			n.must(202, "POST", fmt.Sprintf("/api/v1/schedules/%d/run", sc), nil, &queued)
			r := waitFinal(n, queued.ID, 90*time.Second)
			took := time.Since(started)
			if r.Status != tc.status || r.Attempt != tc.attempts {
				t.Fatalf("run: %s at attempt %d (%s), want %s at attempt %d; log %+v", r.Status, r.Attempt, r.Error, tc.status, tc.attempts, r.Log)
			}
			if tc.attempts == 2 {
				// Bounded backoff: attempt 2 comes after the first step, not
				// before, and soon after it is due.
				logged, due := retryLine(t, r, 1)
				if d := due.Sub(logged); d < firstRetry-time.Second || d > firstRetry+time.Second {
					t.Errorf("attempt 2 was due %s after attempt 1 failed, want %s", d, firstRetry)
				}
				if !logHas(r.Log, "451", "Greylisted") {
					t.Errorf("the log does not give the server's 451 reply: %+v", r.Log)
				}
				if took < firstRetry || took > firstRetry+30*time.Second {
					t.Errorf("the run took %s, want between %s and %s", took, firstRetry, firstRetry+30*time.Second)
				}
			}
			var rec struct {
				Recipients []*facteur.MailRecipient `json:"recipients"`
			}
			n.must(200, "GET", fmt.Sprintf("/api/v1/runs/%d", r.ID), nil, &rec)
			if tc.status == facteur.RunSucceeded {
				time.Sleep(2 * time.Second) // a second mail would come now, if any
				got := mailsTo(smtp, partner)
				if len(got) != 1 {
					t.Fatalf("the partner received %d mails, want 1", len(got))
				}
				if file := parseMail(t, got[0].Data).attachments[r.FileName]; string(file) != "id,label\n1,one\n2,two\n" {
					t.Errorf("attachment %s: %q", r.FileName, file)
				}
				return
			}
			// A permanent refusal: no attempt after it, the server's reply
			// where the owner looks, and the owner told.
			if tc.attempts == 1 && took > firstRetry {
				t.Errorf("a permanent refusal took %s to fail; it should not wait for a retry", took)
			}
			for _, where := range []string{r.Error, fmt.Sprint(r.Log)} {
				if !strings.Contains(where, "550") || !strings.Contains(where, "No such mailbox here") {
					t.Errorf("the server's reply (550 No such mailbox here) is missing from %q", where)
				}
			}
			if !logHas(r.Log, "Failed for good (the error is permanent)") {
				t.Errorf("the log does not say the error is permanent: %+v", r.Log)
			}
			if len(mailsTo(smtp, partner)) != 0 {
				t.Errorf("the refused partner received a mail")
			}
			found := false
			for _, x := range rec.Recipients {
				if x.Address == partner && x.Purpose == facteur.MailDelivery {
					found = x.State == facteur.MailFailed && strings.Contains(x.Reply, "550")
				}
			}
			if !found {
				t.Errorf("the recipient's state does not say it was refused with 550: %+v", rec.Recipients)
			}
			alerts := smtp.WaitFor(1, 30*time.Second)
			if len(alerts) != 1 || alerts[0].To[0] != testAdmin {
				t.Fatalf("the owner's alert: %d mails %+v", len(alerts), alerts)
			}
			m := parseMail(t, alerts[0].Data)
			if m.header.Get("Subject") != "Error with scheduled task Items by mail" || !strings.Contains(m.text, "No such mailbox here") {
				t.Errorf("the alert: %q\n%s", m.header.Get("Subject"), m.text)
			}
		})
	}
}

// waitFinal polls a run until it has finished, for at most limit.
func waitFinal(n *node, id int64, limit time.Duration) runView {
	n.t.Helper()
	for deadline := time.Now().Add(limit); ; time.Sleep(100 * time.Millisecond) {
		var r runView
		n.must(200, "GET", fmt.Sprintf("/api/v1/runs/%d", id), nil, &r)
		if facteur.RunFinished(r.Status) {
			return r
		}
		if time.Now().After(deadline) {
			n.t.Fatalf("run %d still %s after %s; log: %+v", id, r.Status, limit, r.Log)
		}
	}
}

// hit is one request a webhook receiver got.
type hit struct {
	at   time.Time
	key  string
	body int
}

// TestWebhookRetryAfter drives `facteur serve` against a receiver that
// answers 429 Too Many Requests with Retry-After. Asked to wait 25 s (more
// than the run's first backoff step, 10 s), the next attempt comes no
// sooner, and not much later; the file then arrives once, both requests
// under the same idempotency key. Asked to wait a day, the next attempt is
// due after the bound, an hour.
func TestWebhookRetryAfter(t *testing.T) {
	if testing.Short() {
		t.Skip("short mode: a case waits for a retry")
	}
	for _, tc := range []struct {
		name  string
		after string
		want  time.Duration
	}{
		{"25 s", "25", 25 * time.Second},
		{"a day", time.Now().Add(24 * time.Hour).UTC().Format(http.TimeFormat), facteur.MaxRetryAfter},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var mu sync.Mutex
			var hits []hit
			recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				body, _ := io.ReadAll(r.Body)
				mu.Lock()
				defer mu.Unlock()
				hits = append(hits, hit{time.Now(), r.Header.Get("Idempotency-Key"), len(body)})
				if len(hits) == 1 {
					w.Header().Set("Retry-After", tc.after)
					http.Error(w, "slow down", http.StatusTooManyRequests)
					return
				}
				w.WriteHeader(http.StatusNoContent)
			}))
			t.Cleanup(recv.Close)
			n := startServe(t, t.TempDir())
			var src, rep, dest struct{ ID int64 }
			n.must(201, "POST", "/api/v1/sources", map[string]any{"name": "small", "dsn": smallSQLiteSource(t)}, &src)
			n.must(201, "POST", "/api/v1/reports", map[string]any{"name": "items", "source_id": src.ID, "sql": "select * from items order by id"}, &rep)
			n.must(201, "POST", "/api/v1/destinations", map[string]any{"name": "Busy receiver", "kind": "webhook",
				"config": map[string]any{"url": recv.URL + "/in", "secret": "a-webhook-secret-of-32-characters"}}, &dest)
			var sc struct{ ID int64 }
			n.must(201, "POST", "/api/v1/schedules", map[string]any{"report_id": rep.ID, "destination_id": dest.ID, "enabled": false,
				"format": map[string]any{"format": "csv"}, "file_name": "items.csv", "calendar": map[string]any{"frequency": "daily"}}, &sc)
			var queued facteur.Run
			n.must(202, "POST", fmt.Sprintf("/api/v1/schedules/%d/run", sc.ID), nil, &queued)

			if tc.want == facteur.MaxRetryAfter {
				// The bound: the next attempt is due an hour after the 429.
				var r runView
				for deadline := time.Now().Add(30 * time.Second); r.Status != facteur.RunRetrying; time.Sleep(100 * time.Millisecond) {
					if time.Now().After(deadline) {
						t.Fatalf("run never retrying: %s %+v", r.Status, r.Log)
					}
					n.must(200, "GET", fmt.Sprintf("/api/v1/runs/%d", queued.ID), nil, &r)
				}
				logged, due := retryLine(t, r, 1)
				if d := due.Sub(logged); d < tc.want-2*time.Second || d > tc.want+time.Second {
					t.Errorf("attempt 2 is due %s after the 429, want %s (Retry-After %s, bounded)", d, tc.want, tc.after)
				}
				n.must(200, "POST", fmt.Sprintf("/api/v1/runs/%d/cancel", queued.ID), nil, nil)
				return
			}

			r := waitFinal(n, queued.ID, 90*time.Second)
			time.Sleep(time.Second) // a third request would come now, if any
			mu.Lock()
			defer mu.Unlock()
			if r.Status != facteur.RunSucceeded || r.Attempt != 2 || len(hits) != 2 {
				t.Fatalf("run: %s at attempt %d after %d requests; log %+v", r.Status, r.Attempt, len(hits), r.Log)
			}
			if d := hits[1].at.Sub(hits[0].at); d < tc.want || d > tc.want+15*time.Second {
				t.Errorf("the second request came %s after the 429, want at least %s (Retry-After) and at most %s", d, tc.want, tc.want+15*time.Second)
			}
			if hits[0].key == "" || hits[0].key != hits[1].key || hits[1].body != int(r.Bytes) {
				t.Errorf("requests: %+v; want the same idempotency key and the whole file (%d bytes)", hits, r.Bytes)
			}
			if !logHas(r.Log, "429", "asked to wait 25s") {
				t.Errorf("the log does not say what the receiver asked: %+v", r.Log)
			}
		})
	}
}
