package queue_test

import (
	"context"
	"encoding/json"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/facteur/facteur"
	"github.com/facteur/facteur/mail"
	"github.com/facteur/facteur/mail/smtptest"
	"github.com/facteur/facteur/store"
)

// TestOverdueAlertToGroup: the dead-man's switch mails the members of the
// schedule's alert groups as they are when the alert goes (the group was
// edited after the schedule named it), one mail each, besides its alert
// address; a member the policy does not allow any more is left out.
func TestOverdueAlertToGroup(t *testing.T) {
	ctx := context.Background()
	smtp := smtptest.Start(t, smtptest.Options{})
	f := newFixture(t, store.Config{})
	must(t, f.db.PutSetting(ctx, facteur.PolicyKey, json.RawMessage(`{"allowed_email_domains":["example.org","example.com"]}`)))
	raw, err := json.Marshal(mail.Settings{Host: smtp.Host, Port: smtp.Port, Security: mail.SecurityNone, From: "Facteur <facteur@example.org>", Timeout: 5 * time.Second})
	must(t, err)
	must(t, f.db.PutSetting(ctx, mail.SettingsKey, raw))

	g := &facteur.RecipientGroup{Name: "On call", Addresses: []string{"first@example.org"}}
	must(t, f.db.CreateRecipientGroup(ctx, g))
	s := *f.schedule
	s.ID, s.Name, s.Enabled = 0, "watched", true
	s.Options = facteur.ScheduleOptions{ExpectWithinMinutes: 60, NoOwnerAlert: true, AlertEmails: []string{"ops@example.org"}, AlertGroups: []int64{g.ID}}
	must(t, f.db.CreateSchedule(ctx, &s))
	g.Addresses = []string{"second@example.org", "third@example.com", "ops@example.org"}
	must(t, f.db.UpdateRecipientGroup(ctx, g))
	must(t, f.db.PutSetting(ctx, facteur.PolicyKey, json.RawMessage(`{"allowed_email_domains":["example.org"]}`)))

	slot := time.Date(s.CreatedAt.Year(), s.CreatedAt.Month(), s.CreatedAt.Day()+1, 6, 0, 0, 0, time.UTC)
	var now atomic.Pointer[time.Time]
	late := slot.Add(61 * time.Minute)
	now.Store(&late)
	q := watching(t, f, &now)
	if n, err := q.Watch(ctx); err != nil || n != 1 {
		t.Fatalf("after the window: %d alerts, %v", n, err)
	}
	smtp.WaitFor(2, 20*time.Second)
	time.Sleep(500 * time.Millisecond) // a wrongful third would arrive now
	var to []string
	for _, m := range smtp.Messages() {
		to = append(to, m.To...)
	}
	slices.Sort(to)
	if want := []string{"ops@example.org", "second@example.org"}; !slices.Equal(to, want) {
		t.Fatalf("the overdue alert went to %v, want %v (first@ left the group, third@ is outside the policy now)", to, want)
	}
}
