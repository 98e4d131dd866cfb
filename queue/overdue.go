package queue

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/facteur/facteur"
	"github.com/facteur/facteur/calendar"
	"github.com/facteur/facteur/mail"
)

// The dead-man's switch (ScheduleOptions.ExpectWithinMinutes): the
// leader's tick looks, every WatchInterval, at each enabled schedule with
// an expected window W. Its slot to check is the latest slot S with
// S+W at or before now, and not before the schedule was created or last
// changed (a window just set does not alarm for the past). S is on time
// when a run of the schedule created at or after S (not Send test)
// succeeded — or was skipped by its condition, unless the schedule counts
// skips as nothing delivered (AlertOnSkip). Otherwise S is overdue: its
// record and its alert mails are written in one transaction, the record's
// key (schedule, slot) making it once-only whatever the nodes and
// restarts; the outbox sends the mails with retries. After a long
// downtime only the latest slot of each schedule is alerted.

// watchLookbacks are how far before a window's end the watch looks for
// the slot to check, shortest first, so that a frequent calendar is
// stepped through a few slots only. A slot older than the last one is
// left out: it was checked when its window ended, unless Facteur was down
// for days.
var watchLookbacks = []time.Duration{time.Hour, 24 * time.Hour, 8 * 24 * time.Hour, 32 * 24 * time.Hour}

// Watch checks every schedule's expected delivery window and alerts the
// overdue slots. It returns how many slots it found overdue and alerted
// for the first time.
func (q *Queue[TTx]) Watch(ctx context.Context) (int, error) {
	now := q.cfg.Now().UTC()
	all, err := q.store.Schedules(ctx)
	if err != nil {
		return 0, fmt.Errorf("watch: schedules: %w", err)
	}
	alerted := 0
	for _, s := range all {
		if !s.Enabled || s.Options.ExpectWithinMinutes <= 0 {
			continue
		}
		ok, err := q.watchSchedule(ctx, s, now)
		if err != nil {
			q.cfg.Logger.Error("check the expected delivery", "schedule", s.ID, "err", err)
			continue
		}
		if ok {
			alerted++
		}
	}
	return alerted, nil
}

// watchIfDue runs Watch when WatchInterval has passed since the last one
// on this node.
func (q *Queue[TTx]) watchIfDue(ctx context.Context) {
	now := q.cfg.Now()
	q.watchMu.Lock()
	due := q.lastWatch.IsZero() || now.Sub(q.lastWatch) >= q.cfg.WatchInterval
	if due {
		q.lastWatch = now
	}
	q.watchMu.Unlock()
	if due {
		if _, err := q.Watch(ctx); err != nil {
			q.cfg.Logger.Error("check the expected deliveries", "err", err)
		}
	}
}

// watchedSlot returns the slot of s whose window is the latest to have
// ended at now, false when there is none to check.
func watchedSlot(s *facteur.Schedule, now time.Time) (time.Time, bool) {
	cut := now.Add(-time.Duration(s.Options.ExpectWithinMinutes) * time.Minute)
	from := s.CreatedAt
	if s.UpdatedAt.After(from) {
		from = s.UpdatedAt
	}
	if !cut.After(from) {
		return time.Time{}, false
	}
	for _, back := range watchLookbacks {
		start := cut.Add(-back)
		if start.Before(from) {
			start = from
		}
		first, err := calendar.Next(s.Calendar, start.Add(-time.Nanosecond))
		if err != nil {
			return time.Time{}, false
		}
		if !first.After(cut) {
			return lastSlot(s.Calendar, first, cut), true
		}
		if !start.After(from) {
			break // nothing since the schedule was set
		}
	}
	return time.Time{}, false
}

// watchSchedule checks the expected window of s and alerts its slot when
// nothing was delivered for it; true when this call recorded the alert.
func (q *Queue[TTx]) watchSchedule(ctx context.Context, s *facteur.Schedule, now time.Time) (bool, error) {
	slot, ok := watchedSlot(s, now)
	if !ok {
		return false, nil
	}
	good := []string{facteur.RunSucceeded}
	if !s.Options.AlertOnSkip {
		good = append(good, facteur.RunSkipped)
	}
	for _, st := range good {
		runs, err := q.store.Runs(ctx, facteur.RunFilter{ScheduleID: s.ID, Status: st, From: slot, NoTests: true, IncludeIgnored: true, Limit: 1})
		if err != nil {
			return false, err
		}
		if len(runs) > 0 {
			return false, nil
		}
	}
	msgs, err := q.overdueMails(ctx, s, slot)
	if err != nil {
		return false, err
	}
	recorded := false
	err = q.store.InTx(ctx, func(tx facteur.Store, raw any) error {
		ok, err := tx.RecordOverdueAlert(ctx, s.ID, slot)
		if err != nil || !ok {
			return err
		}
		recorded = true
		if len(msgs) == 0 {
			return nil
		}
		rtx, ok := raw.(TTx)
		if !ok {
			return fmt.Errorf("job queue: transaction of type %T, want %T", raw, rtx)
		}
		for _, m := range msgs {
			if _, err := q.client.InsertTx(ctx, rtx, MailArgs{Message: m, Overdue: &OverdueSlot{ScheduleID: s.ID, Slot: slot}}, nil); err != nil {
				return fmt.Errorf("queue overdue alert: %w", err)
			}
		}
		return nil
	})
	if err != nil || !recorded {
		return false, err
	}
	to := make([]string, 0, len(msgs))
	for _, m := range msgs {
		to = append(to, m.To...)
	}
	q.cfg.Logger.Warn("nothing delivered within the expected window", "schedule", s.ID, "slot", slot, "alerted", strings.Join(to, ", "))
	return true, nil
}

// overdueMails returns the alert of an overdue slot of s, one mail per
// recipient: the owner (unless the schedule says not to) and the alert
// addresses the policy allows now. None when mail is not set up.
func (q *Queue[TTx]) overdueMails(ctx context.Context, s *facteur.Schedule, slot time.Time) ([]mail.Message, error) {
	var to []string
	if owner, err := q.store.User(ctx, s.OwnerID); err == nil && owner.Active && !s.Options.NoOwnerAlert {
		to = append(to, owner.Email)
	}
	alert := append(slices.Clone(s.Options.AlertEmails), q.groupMembers(ctx, s, func(why string) {
		q.cfg.Logger.Warn("no overdue alert to "+why, "schedule", s.ID)
	})...)
	allowed, err := q.policyAllowed(ctx, append(to, alert...), len(to), func(a string) {
		q.cfg.Logger.Warn("no overdue alert to an address the policy does not allow", "schedule", s.ID, "to", a)
	})
	if err != nil {
		return nil, err
	}
	if len(allowed) == 0 {
		return nil, nil
	}
	if why := q.cannotMail(ctx); why != "" {
		q.cfg.Logger.Warn("no overdue alert was sent: "+why, "schedule", s.ID)
		return nil, nil
	}
	text, err := q.overdueText(ctx, s, slot)
	if err != nil {
		return nil, err
	}
	out := make([]mail.Message, 0, len(allowed))
	for _, a := range allowed {
		sum := sha256.Sum256([]byte(a))
		out = append(out, mail.Message{
			ID:      fmt.Sprintf("<overdue-%d-%d.%s@%s>", s.ID, slot.Unix(), hex.EncodeToString(sum[:6]), q.cfg.MailHost),
			To:      []string{a},
			Subject: "Nothing delivered for scheduled task " + s.Name,
			Text:    text,
		})
	}
	return out, nil
}

// overdueText is the body of an overdue alert: the slot, the window, and
// what is known of the schedule's runs.
func (q *Queue[TTx]) overdueText(ctx context.Context, s *facteur.Schedule, slot time.Time) (string, error) {
	base := strings.TrimRight(q.cfg.PublicURL, "/")
	var b strings.Builder
	fmt.Fprintf(&b, "Nothing was delivered for the scheduled task %q within %s of its slot of %s.\n\n",
		s.Name, minutesText(s.Options.ExpectWithinMinutes), slotTime(slot, s.Calendar.TimeZone))
	last, err := q.store.Runs(ctx, facteur.RunFilter{ScheduleID: s.ID, Status: facteur.RunSucceeded, NoTests: true, IncludeIgnored: true, Limit: 1})
	if err != nil {
		return "", err
	}
	if len(last) > 0 {
		fmt.Fprintf(&b, "Last successful delivery: run %d, %s.\n", last[0].ID, runTime(last[0], s.Calendar.TimeZone))
	} else {
		b.WriteString("Last successful delivery: none.\n")
	}
	latest, err := q.store.Runs(ctx, facteur.RunFilter{ScheduleID: s.ID, NoTests: true, IncludeIgnored: true, Limit: 1})
	if err != nil {
		return "", err
	}
	if len(latest) > 0 {
		r := latest[0]
		fmt.Fprintf(&b, "Latest run: run %d, %s, %s", r.ID, r.Status, runTime(r, s.Calendar.TimeZone))
		if r.Error != "" {
			fmt.Fprintf(&b, ": %s", r.Error)
		}
		b.WriteString(".\n")
	} else {
		b.WriteString("Latest run: none; Facteur may not have been running at the slot.\n")
	}
	fmt.Fprintf(&b, "\nThe schedule and its history: %s/schedules/%d\n", base, s.ID)
	return b.String(), nil
}

// minutesText says a number of minutes in words.
func minutesText(m int) string {
	switch {
	case m%(24*60) == 0:
		return plural(m/(24*60), "day")
	case m%60 == 0:
		return plural(m/60, "hour")
	}
	return plural(m, "minute")
}

func plural(n int, unit string) string {
	if n == 1 {
		return "1 " + unit
	}
	return fmt.Sprintf("%d %ss", n, unit)
}

// slotTime shows t in the calendar's zone, with the zone's name.
func slotTime(t time.Time, zone string) string {
	if loc, err := time.LoadLocation(zone); err == nil {
		t = t.In(loc)
	}
	return t.Format("2006-01-02 15:04 MST")
}

// runTime says when run r finished, or was created when it has not.
func runTime(r *facteur.Run, zone string) string {
	if r.FinishedAt != nil {
		return "finished " + slotTime(*r.FinishedAt, zone)
	}
	return "created " + slotTime(r.CreatedAt, zone)
}

// overdueSent reports whether every recipient of an overdue alert was
// recorded as sent.
func (q *Queue[TTx]) overdueSent(ctx context.Context, o *OverdueSlot, to []string) bool {
	for _, a := range to {
		if sent, err := q.store.OverdueMailSent(ctx, o.ScheduleID, o.Slot, a); err != nil || !sent {
			return false
		}
	}
	return len(to) > 0
}

// recordOverdueSent records the recipients an overdue alert was sent to.
func (q *Queue[TTx]) recordOverdueSent(ctx context.Context, o *OverdueSlot, to []string, reply string) {
	for _, a := range to {
		if err := q.store.SetOverdueMailSent(ctx, o.ScheduleID, o.Slot, a); err != nil {
			q.cfg.Logger.Warn("record overdue alert sent", "schedule", o.ScheduleID, "to", a, "err", err)
		}
	}
	q.cfg.Logger.Info("overdue alert sent", "schedule", o.ScheduleID, "slot", o.Slot, "to", strings.Join(to, ", "), "reply", reply)
}
