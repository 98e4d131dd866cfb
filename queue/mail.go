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

// Mailer sends one mail; mail.Service is the real one.
type Mailer interface {
	Send(ctx context.Context, m mail.Message) error
}

// MailArgs is a job of the durable outbox: one mail, sent with retries.
// The message, its Message-ID included, is in the job, so a crash while
// sending loses nothing and a retried mail keeps its Message-ID.
type MailArgs struct {
	Message mail.Message `json:"message"`
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
func (w *mailWorker[TTx]) Work(ctx context.Context, job *river.Job[MailArgs]) error {
	if w.q.cfg.Mailer == nil {
		return river.JobCancel(facteur.Errorf(facteur.EINVALID, "mail is not configured on this node"))
	}
	ctx, prev, release, err := w.q.hold(ctx, job.ID, 0, job.Attempt)
	if facteur.ErrorCode(err) == facteur.ECONFLICT {
		return river.JobSnooze(w.q.cfg.LeaseTTL) // another attempt is sending it
	} else if err != nil {
		return err
	}
	defer release()
	if prev != nil && !prev.Released {
		w.q.cfg.Logger.Warn("sending again a mail whose sending was interrupted", "message_id", job.Args.Message.ID,
			"stopped_node", prev.Node, "attempt", job.Attempt)
	}
	err = w.q.cfg.Mailer.Send(ctx, job.Args.Message)
	if err != nil {
		w.q.cfg.Logger.Warn("send mail", "to", strings.Join(job.Args.Message.To, ", "), "subject", job.Args.Message.Subject,
			"attempt", job.Attempt, "err", err)
		if !facteur.Retryable(err) {
			return river.JobCancel(err)
		}
	}
	return err
}

// SendMail puts a mail in the durable outbox.
func (q *Queue[TTx]) SendMail(ctx context.Context, m mail.Message) error {
	if _, err := q.client.Insert(ctx, MailArgs{Message: m}, nil); err != nil {
		return fmt.Errorf("queue mail: %w", err)
	}
	return nil
}

// alert tells the schedule's alert addresses that a run failed for good
// (F3). Text from the source database reaches only the addresses of
// administrators; the others read that the database failed. A run refused
// because its owner lost the right to run it (G4) also alerts every
// administrator. Without addresses or mail, it only logs.
func (q *Queue[TTx]) alert(ctx context.Context, run *facteur.Run, cause error) {
	name := fmt.Sprintf("run %d", run.ID)
	var to []string
	if s, err := q.store.Schedule(ctx, run.ScheduleID); err == nil {
		name, to = s.Name, s.Options.AlertEmails
	}
	q.cfg.Logger.Error("run failed", "run", run.ID, "schedule", name, "err", run.Error)
	if q.cfg.Mailer == nil {
		return
	}
	admins, others, err := q.splitAdmins(ctx, to, facteur.ErrorCode(cause) == facteur.EFORBIDDEN)
	if err != nil {
		q.cfg.Logger.Error("queue failure alert", "run", run.ID, "err", err)
		return
	}
	reason := run.Error
	if facteur.IsDatabaseError(cause) {
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

// sendAlert puts one failure alert in the outbox.
func (q *Queue[TTx]) sendAlert(ctx context.Context, run *facteur.Run, name string, to []string, reason string) {
	link := fmt.Sprintf("%s/api/v1/runs/%d", strings.TrimRight(q.cfg.PublicURL, "/"), run.ID)
	m := mail.Message{
		ID:      mail.NewMessageID(q.cfg.MailHost),
		To:      to,
		Subject: "Error with scheduled task " + name,
		Text: fmt.Sprintf("The scheduled task %q failed and will not be tried again.\n\nReason: %s\n\nRun %d, started %s, attempt %d.\nDetails and the step-by-step log: %s\n",
			name, reason, run.ID, started(run), run.Attempt, link),
	}
	if err := q.SendMail(ctx, m); err != nil {
		q.cfg.Logger.Error("queue failure alert", "run", run.ID, "err", err)
		return
	}
	q.log(ctx, run.ID, "info", "Failure alert sent to "+strings.Join(to, ", ")+".")
}

func started(run *facteur.Run) string {
	if run.StartedAt == nil {
		return "-"
	}
	return run.StartedAt.UTC().Format("2006-01-02 15:04:05 UTC")
}
