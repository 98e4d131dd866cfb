package queue

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/riverqueue/river"

	"github.com/facteur/facteur"
	"github.com/facteur/facteur/auth"
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
	// Overdue is the slot this mail is the overdue alert of, if any: the
	// worker records each recipient sent, and a job taken up again after
	// a crash does not send to a recipient recorded.
	Overdue *OverdueSlot `json:"overdue,omitempty"`
}

// OverdueSlot names a slot of a schedule the dead-man's switch alerted.
type OverdueSlot struct {
	ScheduleID int64     `json:"schedule_id"`
	Slot       time.Time `json:"slot"`
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
			q.recordAlert(bg, job.Args.AlertOf, m, facteur.MailFailed, err.Message)
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
	if job.Args.AlertOf != 0 && q.alertSent(ctx, job.Args.AlertOf, m.To) {
		return nil // an interrupted attempt sent it and recorded so
	}
	if o := job.Args.Overdue; o != nil && q.overdueSent(ctx, o, m.To) {
		return nil // the same, for an overdue alert
	}
	if prev != nil && !prev.Released {
		q.cfg.Logger.Warn("sending again a mail whose sending was interrupted", "message_id", m.ID,
			"stopped_node", prev.Node, "attempt", job.Attempt)
	}
	reply, err := q.cfg.Mailer.Submit(ctx, m)
	if err == nil && job.Args.Overdue != nil {
		q.recordOverdueSent(bg, job.Args.Overdue, m.To, reply)
	}
	if err == nil {
		if job.Args.AlertOf != 0 {
			q.recordAlert(bg, job.Args.AlertOf, m, facteur.MailSent, reply)
			q.log(bg, job.Args.AlertOf, "info", fmt.Sprintf("Failure alert sent to %s (server said: %s).", to, reply))
		}
		return nil
	}
	q.cfg.Logger.Warn("send mail", "to", to, "subject", m.Subject, "attempt", job.Attempt, "err", err)
	final := !facteur.Retryable(err) || job.Attempt >= job.MaxAttempts
	if job.Args.AlertOf != 0 {
		if final {
			q.recordAlert(bg, job.Args.AlertOf, m, facteur.MailFailed, reason(err))
			q.log(bg, job.Args.AlertOf, "error", fmt.Sprintf("Failure alert to %s could not be sent: %s", to, reason(err)))
		} else {
			q.recordAlert(bg, job.Args.AlertOf, m, facteur.MailQueued, "Not sent yet: "+reason(err))
			q.log(bg, job.Args.AlertOf, "warn", fmt.Sprintf("Failure alert to %s not sent yet (attempt %d of %d, next at %s): %s",
				to, job.Attempt, job.MaxAttempts, w.NextRetry(job).UTC().Format(time.RFC3339), reason(err)))
		}
	}
	if !facteur.Retryable(err) {
		return river.JobCancel(err)
	}
	return err
}

// alertSent reports whether every recipient of an alert of run was
// recorded as sent.
func (q *Queue[TTx]) alertSent(ctx context.Context, run int64, to []string) bool {
	rs, err := q.store.MailRecipients(ctx, run)
	if err != nil {
		return false
	}
	sent := 0
	for _, r := range rs {
		if r.Purpose == facteur.MailAlert && r.State == facteur.MailSent && slices.ContainsFunc(to, func(a string) bool { return strings.EqualFold(a, r.Address) }) {
			sent++
		}
	}
	return len(to) > 0 && sent >= len(to)
}

// recordAlert records the state of an alert's recipients.
func (q *Queue[TTx]) recordAlert(ctx context.Context, run int64, m mail.Message, state facteur.MailState, reply string) {
	for _, a := range m.To {
		r := &facteur.MailRecipient{RunID: run, Purpose: facteur.MailAlert, Address: strings.ToLower(a), State: state, Reply: reply, MessageID: m.ID}
		if err := q.store.SetMailRecipient(ctx, r); err != nil {
			q.cfg.Logger.Warn("record alert recipient", "run", run, "to", a, "err", err)
		}
	}
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

// alertMail is one failure alert: one recipient, its own mail.
type alertMail struct {
	to  string
	msg mail.Message
}

// alerts returns the failure alerts of run (F3), one mail per recipient so
// that no recipient sees another: the schedule's owner (unless the
// schedule says not to), its alert addresses, and every active
// administrator when the run was refused because its owner lost the right
// to run it (G4). An alert address the policy no longer allows (neither an
// account nor in an approved domain) is left out, and the run's log says
// so. Text of the source stage, which may come from the database, reaches
// only administrators; the others read that the database failed. Without
// mail, it returns none and the run's log says why.
func (q *Queue[TTx]) alerts(ctx context.Context, run *facteur.Run, cause error) []alertMail {
	name := fmt.Sprintf("run %d", run.ID)
	var to []string
	if s, err := q.store.Schedule(ctx, run.ScheduleID); err == nil {
		name, to = s.Name, s.Options.AlertEmails
		if owner, err := q.store.User(ctx, s.OwnerID); err == nil && owner.Active && !s.Options.NoOwnerAlert {
			to = append([]string{owner.Email}, to...)
		}
		to = append(to, q.groupMembers(ctx, s, func(why string) {
			q.log(ctx, run.ID, "warn", "No failure alert to "+why+".")
		})...)
	}
	q.cfg.Logger.ErrorContext(ctx, "run failed", "run", run.ID, "schedule", run.ScheduleID, "schedule_name", name, "err", run.Error)
	to, err := q.allowed(ctx, run, to)
	if err != nil {
		q.cfg.Logger.Error("queue failure alert", "run", run.ID, "err", err)
		return nil
	}
	admins, others, err := q.splitAdmins(ctx, to, facteur.ErrorCode(cause) == facteur.EFORBIDDEN)
	if err != nil {
		q.cfg.Logger.Error("queue failure alert", "run", run.ID, "err", err)
		return nil
	}
	if len(admins)+len(others) == 0 {
		return nil
	}
	if why := q.cannotMail(ctx); why != "" {
		q.log(ctx, run.ID, "warn", "No failure alert was sent: "+why)
		return nil
	}
	reason := run.Error
	if facteur.ErrorStage(cause) == facteur.StageSource {
		reason = "The export failed while reading the source database. The database's own message is in the run's history, in Facteur."
	}
	var out []alertMail
	for _, g := range []struct {
		to     []string
		reason string
	}{{admins, run.Error}, {others, reason}} {
		for _, a := range g.to {
			out = append(out, alertMail{to: a, msg: q.alertMessage(run, name, a, g.reason)})
		}
	}
	return out
}

// groupMembers returns the addresses of the members of s's alert groups
// now; skipped is told why each member left out was.
func (q *Queue[TTx]) groupMembers(ctx context.Context, s *facteur.Schedule, skipped func(why string)) []string {
	res, err := auth.GroupRecipients(ctx, q.store, s.Options.AlertGroups)
	if err != nil {
		q.cfg.Logger.Error("read the schedule's alert groups", "schedule", s.ID, "err", err)
		skipped("the members of its recipient groups: they could not be read (" + reason(err) + ")")
		return nil
	}
	for _, why := range res.Skipped {
		skipped(why)
	}
	return res.Addresses
}

// allowed keeps the alert addresses the policy allows now, once each, and
// logs in the run's log those it leaves out.
func (q *Queue[TTx]) allowed(ctx context.Context, run *facteur.Run, to []string) ([]string, error) {
	return q.policyAllowed(ctx, to, 0, func(a string) {
		q.log(ctx, run.ID, "warn", fmt.Sprintf("No failure alert to %s: it is neither a Facteur account nor in an approved domain.", a))
	})
}

// policyAllowed keeps, once each and in lower case, the first trusted
// addresses of to and those of the others the policy allows as alert
// addresses now (a Facteur account, or an approved domain); it calls
// refused with each one it leaves out.
func (q *Queue[TTx]) policyAllowed(ctx context.Context, to []string, trusted int, refused func(string)) ([]string, error) {
	if len(to) == 0 {
		return nil, nil
	}
	p, err := auth.LoadPolicy(ctx, q.store)
	if err != nil {
		return nil, err
	}
	accounts, err := auth.AccountAddresses(ctx, q.store)
	if err != nil {
		return nil, err
	}
	var out []string
	for i, a := range to {
		a = strings.ToLower(strings.TrimSpace(a))
		switch {
		case slices.Contains(out, a):
		case i < trusted || p.AlertAllowed(a, accounts):
			out = append(out, a)
		default:
			refused(a)
		}
	}
	return out, nil
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
			isAdmin[strings.ToLower(u.Email)] = true
			if withAllAdmins {
				admins = append(admins, strings.ToLower(u.Email))
			}
		}
	}
	for _, a := range to {
		a = strings.ToLower(a)
		switch {
		case !isAdmin[a]:
			others = append(others, a)
		case !slices.Contains(admins, a):
			admins = append(admins, a)
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

// alertMessage is the failure alert of run to one recipient. Its
// Message-ID is made from the run and the recipient, so that the outbox
// holds one alert per recipient and a mail sent again keeps its ID.
func (q *Queue[TTx]) alertMessage(run *facteur.Run, name, to, reason string) mail.Message {
	link := fmt.Sprintf("%s/runs/%d", strings.TrimRight(q.cfg.PublicURL, "/"), run.ID)
	sum := sha256.Sum256([]byte(to))
	return mail.Message{
		ID:      fmt.Sprintf("<alert-%d.%s@%s>", run.ID, hex.EncodeToString(sum[:6]), q.cfg.MailHost),
		To:      []string{to},
		Subject: "Error with scheduled task " + name,
		Text: fmt.Sprintf("The scheduled task %q failed and will not be tried again.\n\nReason: %s\n\nRun %d, started %s, attempt %d.\nDetails and the step-by-step log: %s\n",
			name, reason, run.ID, started(run), run.Attempt, link),
	}
}

// failForGood records that run failed for good and puts its alerts in the
// outbox, in one transaction: a process that dies in between leaves
// neither a failed run without its alerts nor alerts of a run still
// running. Each alert's recipient is recorded as queued.
func (q *Queue[TTx]) failForGood(ctx context.Context, run *facteur.Run, cause error) error {
	alerts := q.alerts(ctx, run, cause)
	now := q.cfg.Now().UTC()
	err := q.store.InTx(ctx, func(tx facteur.Store, raw any) error {
		if err := tx.UpdateRun(ctx, run); err != nil {
			return err
		}
		if len(alerts) == 0 {
			return nil
		}
		rtx, ok := raw.(TTx)
		if !ok {
			return fmt.Errorf("job queue: transaction of type %T, want %T", raw, rtx)
		}
		var to []string
		for _, a := range alerts {
			if _, err := q.client.InsertTx(ctx, rtx, MailArgs{Message: a.msg, AlertOf: run.ID}, nil); err != nil {
				return fmt.Errorf("queue failure alert: %w", err)
			}
			if err := tx.SetMailRecipient(ctx, &facteur.MailRecipient{RunID: run.ID, Purpose: facteur.MailAlert,
				Address: a.to, State: facteur.MailQueued, MessageID: a.msg.ID}); err != nil {
				return err
			}
			to = append(to, a.to)
		}
		return tx.AppendRunLog(ctx, run.ID, facteur.LogEntry{Time: now, Level: "info",
			Message: "Failure alert queued for " + strings.Join(to, ", ") + " (a mail to each)."})
	})
	if err != nil {
		q.cfg.Logger.Error("record the failed run and its alerts", "run", run.ID, "err", err)
	}
	return err
}

func started(run *facteur.Run) string {
	if run.StartedAt == nil {
		return "-"
	}
	return run.StartedAt.UTC().Format("2006-01-02 15:04:05 UTC")
}
