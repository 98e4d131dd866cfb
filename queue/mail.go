package queue

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/riverqueue/river"

	"github.com/facteur/facteur"
	"github.com/facteur/facteur/mail"
)

// Mailer sends one mail and returns the server's reply accepting it;
// mail.Service is the real one.
type Mailer interface {
	Submit(ctx context.Context, m mail.Message) (reply string, err error)
}

// MailArgs is a job of the durable outbox: one mail, sent with retries.
// The message, its Message-ID included, is in the job, so a crash while
// sending loses nothing and a retried mail keeps its Message-ID.
type MailArgs struct {
	Message mail.Message `json:"message"`
	// AlertOf is the run this mail is the failure alert of, if any: the
	// worker writes in that run's log whether the alert was sent.
	AlertOf int64 `json:"alert_of,omitempty"`
}

// Kind names the job in River's table.
func (MailArgs) Kind() string { return "facteur_mail" }

// InsertOpts makes a mail unique by its content and Message-ID.
func (MailArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{UniqueOpts: river.UniqueOpts{ByArgs: true}}
}

type mailWorker[TTx any] struct {
	river.WorkerDefaults[MailArgs]
	q *Queue[TTx]
}

// Timeout bounds one attempt at sending.
func (w *mailWorker[TTx]) Timeout(*river.Job[MailArgs]) time.Duration { return 5 * time.Minute }

// NextRetry waits according to the configured backoff.
func (w *mailWorker[TTx]) NextRetry(job *river.Job[MailArgs]) time.Time {
	b := w.q.cfg.Backoff
	return time.Now().Add(b[min(max(job.Attempt-1, 0), len(b)-1)])
}

// Work sends the mail; errors a retry cannot fix cancel the job at once.
// The log of the run an alert is about says what became of it.
func (w *mailWorker[TTx]) Work(ctx context.Context, job *river.Job[MailArgs]) error {
	q, m := w.q, job.Args.Message
	to := strings.Join(m.To, ", ")
	bg := context.WithoutCancel(ctx)
	if q.cfg.Mailer == nil {
		err := facteur.Errorf(facteur.EINVALID, "mail is not configured on this node")
		if job.Args.AlertOf != 0 {
			q.log(bg, job.Args.AlertOf, "error", fmt.Sprintf("Failure alert to %s could not be sent: %s.", to, err.Message))
		}
		return river.JobCancel(err)
	}
	ctx, prev, release, err := q.hold(ctx, job.ID, 0, job.Attempt)
	if facteur.ErrorCode(err) == facteur.ECONFLICT {
		return river.JobSnooze(q.cfg.LeaseTTL) // another attempt is sending it
	} else if err != nil {
		return err
	}
	defer release()
	if prev != nil && !prev.Released {
		q.cfg.Logger.Warn("sending again a mail whose sending was interrupted", "message_id", m.ID,
			"stopped_node", prev.Node, "attempt", job.Attempt)
	}
	reply, err := q.cfg.Mailer.Submit(ctx, m)
	if err == nil {
		if job.Args.AlertOf != 0 {
			q.log(bg, job.Args.AlertOf, "info", fmt.Sprintf("Failure alert sent to %s (server said: %s).", to, reply))
		}
		return nil
	}
	q.cfg.Logger.Warn("send mail", "to", to, "subject", m.Subject, "attempt", job.Attempt, "err", err)
	final := !facteur.Retryable(err) || job.Attempt >= job.MaxAttempts
	if job.Args.AlertOf != 0 {
		if final {
			q.log(bg, job.Args.AlertOf, "error", fmt.Sprintf("Failure alert to %s could not be sent: %s", to, reason(err)))
		} else {
			q.log(bg, job.Args.AlertOf, "warn", fmt.Sprintf("Failure alert to %s not sent yet (attempt %d of %d, next at %s): %s",
				to, job.Attempt, job.MaxAttempts, w.NextRetry(job).UTC().Format(time.RFC3339), reason(err)))
		}
	}
	if !facteur.Retryable(err) {
		return river.JobCancel(err)
	}
	return err
}

// reason is what a run's log says of err: its message for users, or its
// whole text when it has none.
func reason(err error) string {
	if msg := facteur.ErrorMessage(err); msg != "Internal error." {
		return msg
	}
	return err.Error()
}

// SendMail puts a mail in the durable outbox.
func (q *Queue[TTx]) SendMail(ctx context.Context, m mail.Message) error {
	if _, err := q.client.Insert(ctx, MailArgs{Message: m}, nil); err != nil {
		return fmt.Errorf("queue mail: %w", err)
	}
	return nil
}

// alert tells the schedule's alert addresses that a run failed for good
// (F3). Text of the source stage, which may come from the database,
// reaches only the addresses of administrators; the others read that the
// database failed. A run refused
// because its owner lost the right to run it (G4) also alerts every
// administrator. Without addresses it only logs; without mail, the run's
// log says that no alert was sent and why.
func (q *Queue[TTx]) alert(ctx context.Context, run *facteur.Run, cause error) {
	name := fmt.Sprintf("run %d", run.ID)
	var to []string
	if s, err := q.store.Schedule(ctx, run.ScheduleID); err == nil {
		name, to = s.Name, s.Options.AlertEmails
	}
	q.cfg.Logger.Error("run failed", "run", run.ID, "schedule", name, "err", run.Error)
	admins, others, err := q.splitAdmins(ctx, to, facteur.ErrorCode(cause) == facteur.EFORBIDDEN)
	if err != nil {
		q.cfg.Logger.Error("queue failure alert", "run", run.ID, "err", err)
		return
	}
	if len(admins)+len(others) == 0 {
		return
	}
	if why := q.cannotMail(ctx); why != "" {
		q.log(ctx, run.ID, "warn", "No failure alert was sent: "+why)
		return
	}
	reason := run.Error
	if facteur.ErrorStage(cause) == facteur.StageSource {
		reason = "The export failed while reading the source database. The database's own message is in the run's history, in Facteur."
	}
	for _, m := range []struct {
		to     []string
		reason string
	}{{admins, run.Error}, {others, reason}} {
		if len(m.to) > 0 {
			q.sendAlert(ctx, run, name, m.to, m.reason)
		}
	}
}

// splitAdmins divides alert addresses between active administrators'
// accounts and the others; withAllAdmins adds every active administrator.
func (q *Queue[TTx]) splitAdmins(ctx context.Context, to []string, withAllAdmins bool) (admins, others []string, err error) {
	users, err := q.store.Users(ctx)
	if err != nil {
		return nil, nil, err
	}
	isAdmin := make(map[string]bool)
	for _, u := range users {
		if u.Active && u.Role == facteur.RoleAdmin {
			isAdmin[u.Email] = true
			if withAllAdmins {
				admins = append(admins, u.Email)
			}
		}
	}
	for _, a := range to {
		switch {
		case !isAdmin[strings.ToLower(a)]:
			others = append(others, a)
		case !slices.Contains(admins, strings.ToLower(a)):
			admins = append(admins, strings.ToLower(a))
		}
	}
	return admins, others, nil
}

// cannotMail says why no mail can be sent (mail was never set up), or "".
// Settings that are there but wrong are found out by the mail job, which
// writes the error in the run's log.
func (q *Queue[TTx]) cannotMail(ctx context.Context) string {
	if q.cfg.Mailer == nil {
		return "mail is not configured on this node."
	}
	if _, err := q.store.Setting(ctx, mail.SettingsKey); facteur.ErrorCode(err) == facteur.ENOTFOUND {
		return "mail is not set up (Settings → Mail)."
	}
	return ""
}

// sendAlert puts one failure alert in the outbox; the mail job writes in
// the run's log whether it was sent.
func (q *Queue[TTx]) sendAlert(ctx context.Context, run *facteur.Run, name string, to []string, reason string) {
	link := fmt.Sprintf("%s/runs/%d", strings.TrimRight(q.cfg.PublicURL, "/"), run.ID)
	m := mail.Message{
		ID:      mail.NewMessageID(q.cfg.MailHost),
		To:      to,
		Subject: "Error with scheduled task " + name,
		Text: fmt.Sprintf("The scheduled task %q failed and will not be tried again.\n\nReason: %s\n\nRun %d, started %s, attempt %d.\nDetails and the step-by-step log: %s\n",
			name, reason, run.ID, started(run), run.Attempt, link),
	}
	if _, err := q.client.Insert(ctx, MailArgs{Message: m, AlertOf: run.ID}, nil); err != nil {
		q.cfg.Logger.Error("queue failure alert", "run", run.ID, "err", err)
		q.log(ctx, run.ID, "error", "No failure alert was sent to "+strings.Join(to, ", ")+": it could not be queued.")
		return
	}
	q.log(ctx, run.ID, "info", "Failure alert queued for "+strings.Join(to, ", ")+".")
}

func started(run *facteur.Run) string {
	if run.StartedAt == nil {
		return "-"
	}
	return run.StartedAt.UTC().Format("2006-01-02 15:04:05 UTC")
}
