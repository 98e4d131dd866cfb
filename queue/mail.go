package queue

import (
	"context"
	"fmt"
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
	err := w.q.cfg.Mailer.Send(ctx, job.Args.Message)
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
// (F3). Without addresses or mail, it only logs.
func (q *Queue[TTx]) alert(ctx context.Context, run *facteur.Run) {
	name := fmt.Sprintf("run %d", run.ID)
	var to []string
	if s, err := q.store.Schedule(ctx, run.ScheduleID); err == nil {
		name, to = s.Name, s.Options.AlertEmails
	}
	q.cfg.Logger.Error("run failed", "run", run.ID, "schedule", name, "err", run.Error)
	if len(to) == 0 || q.cfg.Mailer == nil {
		return
	}
	link := fmt.Sprintf("%s/api/v1/runs/%d", strings.TrimRight(q.cfg.PublicURL, "/"), run.ID)
	m := mail.Message{
		ID:      mail.NewMessageID(q.cfg.MailHost),
		To:      to,
		Subject: "Error with scheduled task " + name,
		Text: fmt.Sprintf("The scheduled task %q failed and will not be tried again.\n\nReason: %s\n\nRun %d, started %s, attempt %d.\nDetails and the step-by-step log: %s\n",
			name, run.Error, run.ID, started(run), run.Attempt, link),
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
