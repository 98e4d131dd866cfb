package queue_test

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"io"
	"mime/quotedprintable"
	"strings"
	"sync/atomic"
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

// watching returns a queue on f's store whose clock reads *now, with mail
// to smtp.
func watching(t *testing.T, f fixture, now *atomic.Pointer[time.Time]) *queue.Queue[*sql.Tx] {
	t.Helper()
	dest, err := folder.New(folder.Config{Path: f.outbox})
	must(t, err)
	q, err := queue.New(riversqlite.New(f.db.SQL()), f.db, runner(f.db, t.TempDir(), dest), queue.Config{
		PollInterval: 20 * time.Millisecond, TickInterval: time.Hour, Mailer: &mail.Service{Store: f.db}, PublicURL: publicURL,
		Now: func() time.Time { return *now.Load() }})
	must(t, err)
	must(t, q.Start(context.Background()))
	t.Cleanup(func() { q.Stop(context.Background()) })
	return q
}

// TestOverdueAlertOncePerSlot: the dead-man's switch alerts a slot with
// nothing delivered once, to the owner and the alert addresses, after
// its window and not before; checking again, or from a queue started
// again, sends nothing more. A delivery, or a skip (unless the schedule
// counts skips as nothing delivered), keeps a slot quiet.
func TestOverdueAlertOncePerSlot(t *testing.T) {
	ctx := context.Background()
	smtp := smtptest.Start(t, smtptest.Options{})
	f := newFixture(t, store.Config{})
	must(t, f.db.PutSetting(ctx, facteur.PolicyKey, json.RawMessage(`{"allowed_email_domains":["example.org"]}`)))
	raw, err := json.Marshal(mail.Settings{Host: smtp.Host, Port: smtp.Port, Security: mail.SecurityNone, From: "Facteur <facteur@example.org>", Timeout: 5 * time.Second})
	must(t, err)
	must(t, f.db.PutSetting(ctx, mail.SettingsKey, raw))

	// Four schedules, daily at 06:00 UTC, expecting a delivery within 2
	// hours: one with nothing, one delivered, one skipped, one skipped
	// that counts skips as nothing delivered.
	base := *f.schedule
	setup := func(name string, alertOnSkip bool) *facteur.Schedule {
		s := base
		s.ID, s.Name, s.Enabled = 0, name, true
		s.Options = facteur.ScheduleOptions{ExpectWithinMinutes: 120, AlertOnSkip: alertOnSkip, AlertEmails: []string{"ops@example.org"}}
		must(t, f.db.CreateSchedule(ctx, &s))
		return &s
	}
	nothing, delivered, skipped, strict := setup("nothing", false), setup("delivered", false), setup("skipped", false), setup("strict", true)
	slot := time.Date(nothing.CreatedAt.Year(), nothing.CreatedAt.Month(), nothing.CreatedAt.Day()+1, 6, 0, 0, 0, time.UTC)
	for _, r := range []struct {
		s      *facteur.Schedule
		status string
	}{{delivered, facteur.RunSucceeded}, {skipped, facteur.RunSkipped}, {strict, facteur.RunSkipped}} {
		must(t, f.db.CreateRun(ctx, &facteur.Run{ScheduleID: r.s.ID, ReportID: r.s.ReportID, DestinationID: r.s.DestinationID,
			Trigger: facteur.TriggerSchedule, ScheduledFor: &slot, Status: r.status, CreatedAt: slot.Add(time.Minute)}))
	}
	// A Send test after the slot delivers nothing that counts.
	must(t, f.db.CreateRun(ctx, &facteur.Run{ScheduleID: nothing.ID, ReportID: nothing.ReportID, DestinationID: nothing.DestinationID,
		Trigger: facteur.TriggerTest, Status: facteur.RunSucceeded, CreatedAt: slot.Add(time.Minute)}))

	var now atomic.Pointer[time.Time]
	early := slot.Add(119 * time.Minute)
	now.Store(&early)
	q := watching(t, f, &now)
	if n, err := q.Watch(ctx); err != nil || n != 0 {
		t.Fatalf("before the window ended: %d alerts, %v", n, err)
	}
	late := slot.Add(121 * time.Minute)
	now.Store(&late)
	if n, err := q.Watch(ctx); err != nil || n != 2 {
		t.Fatalf("after the window: %d alerts, %v; want nothing and strict", n, err)
	}
	if n, err := q.Watch(ctx); err != nil || n != 0 {
		t.Fatalf("checked again: %d alerts, %v", n, err)
	}
	must(t, q.Stop(ctx))
	q = watching(t, f, &now)
	if n, err := q.Watch(ctx); err != nil || n != 0 {
		t.Fatalf("after a restart: %d alerts, %v", n, err)
	}

	// The owner and ops, for each of the two schedules: four mails.
	smtp.WaitFor(4, 20*time.Second)
	time.Sleep(500 * time.Millisecond) // let a wrongful fifth arrive
	got := smtp.Messages()
	to := map[string]int{}
	for _, m := range got {
		body, err := io.ReadAll(quotedprintable.NewReader(bytes.NewReader(m.Data)))
		must(t, err)
		text := string(body)
		name := "nothing"
		if strings.Contains(text, "Subject: Nothing delivered for scheduled task strict") {
			name = "strict"
		} else if !strings.Contains(text, "Subject: Nothing delivered for scheduled task nothing") {
			t.Fatalf("unexpected mail:\n%s", text)
		}
		to[name+" "+strings.Join(m.To, ",")]++
		for _, want := range []string{"within 2 hours of its slot of " + slot.Format("2006-01-02") + " 06:00 UTC",
			"Last successful delivery: none", "/schedules/"} {
			if !strings.Contains(text, want) {
				t.Errorf("the alert does not say %q:\n%s", want, text)
			}
		}
	}
	want := map[string]int{"nothing owner@example.org": 1, "nothing ops@example.org": 1, "strict owner@example.org": 1, "strict ops@example.org": 1}
	if len(got) != 4 || len(to) != len(want) {
		t.Fatalf("mails: %v, want %v", to, want)
	}
	for k, n := range want {
		if to[k] != n {
			t.Errorf("mails: %v, want %v", to, want)
		}
	}
	alerts, err := f.db.LatestOverdueAlerts(ctx)
	must(t, err)
	if len(alerts) != 2 {
		t.Fatalf("recorded alerts: %+v", alerts)
	}
	for _, a := range alerts {
		if !a.Slot.Equal(slot) || (a.ScheduleID != nothing.ID && a.ScheduleID != strict.ID) {
			t.Errorf("recorded alert %+v, want the slot %v of nothing and strict", a, slot)
		}
	}
}
