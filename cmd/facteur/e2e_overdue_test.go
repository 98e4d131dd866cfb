package main

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/facteur/facteur/mail/smtptest"
	"github.com/facteur/facteur/store"
)

// overdueMails returns the overdue alerts smtp received for the schedule
// called name.
func overdueMails(smtp *smtptest.Server, name string) []smtptest.Received {
	var out []smtptest.Received
	for _, m := range smtp.Messages() {
		if strings.Contains(string(m.Data), "Subject: Nothing delivered for scheduled task "+name+"\r\n") {
			out = append(out, m)
		}
	}
	return out
}

// TestOverdueAlertAcrossRestarts: a schedule whose slot passed, with its
// expected window, while Facteur was stopped gets one alert mail for the
// slot when Facteur starts again, received by the SMTP server; the
// schedules list says it is overdue. Killing the node (SIGKILL) and
// starting it again, or stopping and starting it, sends no second alert.
// A delivery ends the overdue state.
func TestOverdueAlertAcrossRestarts(t *testing.T) {
	pg := postgresURL(t)
	smtp := smtptest.Start(t, smtptest.Options{})
	data := t.TempDir()
	n := startServe(t, data)
	n.must(200, "PUT", "/api/v1/settings/mail", map[string]any{"host": smtp.Host, "port": smtp.Port, "security": "none",
		"from": "Facteur <facteur@example.org>"}, nil)
	_, rep, dest, _ := conditionsSetup(t, n, pg)

	// Daily at the minute an hour ago: today's slot is past, and so is its
	// window of 5 minutes.
	slot := time.Now().UTC().Add(-time.Hour).Truncate(time.Minute)
	var sc struct {
		ID      int64
		Overdue *struct{ Slot time.Time }
	}
	n.must(201, "POST", "/api/v1/schedules", map[string]any{"name": "nightly", "report_id": rep, "destination_id": dest,
		"format": map[string]any{"format": "csv"}, "catch_up": "skip",
		"options":  map[string]any{"expect_within_minutes": 5},
		"calendar": map[string]any{"frequency": "daily", "at": slot.Format("15:04"), "time_zone": "UTC"}}, &sc)
	n.stop()

	// The schedule was there two days ago: Facteur was down at its slot.
	db, err := store.Open(context.Background(), store.Config{SQLitePath: filepath.Join(data, "facteur.db")})
	if err != nil {
		t.Fatal(err)
	}
	then := time.Now().Add(-48 * time.Hour).UnixMicro()
	if _, err := db.SQL().Exec(`UPDATE schedules SET created_at = ?, updated_at = ? WHERE id = ?`, then, then, sc.ID); err != nil {
		t.Fatal(err)
	}
	db.Close()

	n = startServe(t, data)
	for deadline := time.Now().Add(30 * time.Second); len(overdueMails(smtp, "nightly")) == 0 && time.Now().Before(deadline); {
		time.Sleep(100 * time.Millisecond)
	}
	got := overdueMails(smtp, "nightly")
	if len(got) != 1 || len(got[0].To) != 1 || got[0].To[0] != testAdmin {
		t.Fatalf("overdue alerts: %+v\n%s", got, n.out)
	}
	text := strings.ReplaceAll(string(got[0].Data), "=\r\n", "")
	for _, want := range []string{"within 5 minutes of its slot of " + slot.Format("2006-01-02 15:04") + " UTC",
		"Last successful delivery: none.", "Latest run: none"} {
		if !strings.Contains(text, want) {
			t.Errorf("the alert does not say %q:\n%s", want, text)
		}
	}
	n.must(200, "GET", fmt.Sprintf("/api/v1/schedules/%d", sc.ID), nil, &sc)
	if sc.Overdue == nil || !sc.Overdue.Slot.Equal(slot) {
		t.Fatalf("the schedule's overdue state: %+v, want the slot %v", sc.Overdue, slot)
	}

	// A crash once the server accepted the mail and it was recorded
	// sent, and a restart; then a stop and a start: no second alert.
	for deadline := time.Now().Add(10 * time.Second); !strings.Contains(n.out.String(), "overdue alert sent") && time.Now().Before(deadline); {
		time.Sleep(20 * time.Millisecond)
	}
	kill9(n)
	n = startServe(t, data)
	time.Sleep(3 * time.Second) // the watch runs at start: let a wrongful mail arrive
	n.stop()
	n = startServe(t, data)
	time.Sleep(3 * time.Second)
	if got := overdueMails(smtp, "nightly"); len(got) != 1 {
		t.Fatalf("%d overdue alerts after restarts, want 1", len(got))
	}

	// The schedules list of the web UI says so.
	ui := uiSession(t, n, testAdmin)
	if page := uiPage(t, ui, n.base+"/schedules"); !strings.Contains(page, `<span class="state overdue" data-overdue>overdue</span>`) {
		t.Errorf("the schedules list does not say overdue")
	}

	// A delivery ends the overdue state.
	wantRun(t, runAndWait(n, sc.ID), "succeeded", "")
	if page := uiPage(t, ui, n.base+"/schedules"); strings.Contains(page, "data-overdue>") {
		t.Errorf("the schedules list still says overdue after a delivery")
	}
	var list []struct {
		ID      int64
		Overdue *struct{ Slot time.Time }
	}
	n.must(200, "GET", "/api/v1/schedules", nil, &list)
	if len(list) != 1 || list[0].Overdue != nil {
		t.Fatalf("after a delivery, the list says %+v", list)
	}
}
