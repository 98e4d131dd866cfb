package main

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/facteur/facteur"
	"github.com/facteur/facteur/store"
)

// TestBrowserIncremental: in Chromium, the schedule form makes a schedule
// incremental: an overlap out of bounds, then a report without a time
// column, are refused next to their fields in words that say what to do,
// and what was typed stays. Saved with a first-run start, its first run
// sends the rows created since then and shows its window on its page;
// the schedule's page shows the watermark; an administrator resets it to
// "all" (recorded in the audit log) and the next run sends every row;
// another editor sees neither the reset nor an editable control.
func TestBrowserIncremental(t *testing.T) {
	b, n, items, dest := scheduleSetup(t)
	path := filepath.Join(t.TempDir(), "events.db")
	db, err := store.Open(context.Background(), store.Config{SQLitePath: path})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"CREATE TABLE events (id INTEGER PRIMARY KEY, kind TEXT, created_at TEXT)",
		"INSERT INTO events VALUES (1, 'old', '2025-06-01 10:00:00'), (2, 'new', '2026-02-01 10:00:00'), (3, 'new', '2026-02-02 10:00:00')"} {
		if _, err := db.SQL().Exec(s); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()
	var src, events struct{ ID int64 }
	n.must(201, "POST", "/api/v1/sources", map[string]any{"name": "Events", "dsn": "sqlite:" + path}, &src)
	n.must(201, "POST", "/api/v1/reports", map[string]any{"name": "Events", "source_id": src.ID, "sql": "select * from events order by id",
		"created_column": "created_at"}, &events)

	b.set("#name", "New events")
	b.set("#report_id", fmt.Sprint(items))
	b.set("#destination_id", fmt.Sprint(dest))
	b.do(chromedp.Click(css("#incremental_on")))
	b.set("#incremental_since", "2026-01-01")
	b.set("#overlap_minutes", "2000")
	b.follow(`button[data-action="save"]`, `#schedule-form`)
	if msg := b.text("#overlap_minutes-error"); !strings.Contains(msg, "0 to 1440 minutes") || strings.Contains(msg, "options.") {
		t.Errorf("the overlap's error: %q", msg)
	}
	if b.attr("#overlap_minutes", "aria-invalid") != "true" || b.value("#incremental_since") != "2026-01-01" || !eval[bool](b, `document.querySelector("#incremental_on").checked`) {
		t.Errorf("after the error: invalid %q, since %q", b.attr("#overlap_minutes", "aria-invalid"), b.value("#incremental_since"))
	}
	b.set("#overlap_minutes", "")
	b.follow(`button[data-action="save"]`, `#schedule-form`)
	if msg := b.text("#incremental_on-error"); !strings.Contains(msg, `report "Items" has no created_column or updated_column; an editor sets`) {
		t.Errorf("the report's error: %q", msg)
	}
	b.set("#report_id", fmt.Sprint(events.ID))
	screenshots(t, b.ctx, "schedule-form-incremental")
	b.follow(`button[data-action="save"]`, `#schedules`)

	var list []facteur.Schedule
	n.must(200, "GET", "/api/v1/schedules", nil, &list)
	if len(list) != 1 || list[0].Options.Incremental == nil || list[0].Options.Incremental.Since != "2026-01-01" {
		t.Fatalf("saved: %+v", list)
	}
	id := list[0].ID
	loc, err := time.LoadLocation(list[0].Calendar.TimeZone)
	if err != nil {
		t.Fatal(err)
	}
	since := time.Date(2026, 1, 1, 0, 0, 0, 0, loc) // midnight in the calendar's zone
	first := runAndWait(n, id)
	if first.Status != facteur.RunSucceeded || first.Rows != 2 || first.Window == nil || first.Window.From == nil || !first.Window.From.Equal(since) {
		t.Fatalf("first run: %s, %d rows, window %+v; log %+v", first.Status, first.Rows, first.Window, first.Log)
	}
	b.do(chromedp.Navigate(fmt.Sprintf("%s/runs/%d", n.base, first.ID)), chromedp.WaitVisible(css(`[data-window]`)))
	if w := b.text("[data-window]"); !strings.Contains(w, "2026") || !strings.Contains(w, "–") {
		t.Errorf("the run's window on its page: %q", w)
	}
	b.do(chromedp.Navigate(fmt.Sprintf("%s/schedules/%d", n.base, id)), chromedp.WaitVisible(css(`#schedule-watermark`)))
	if page := b.text("main"); !strings.Contains(page, "Only the rows created or updated since the last successful delivery (first run: 2026-01-01") {
		t.Errorf("the schedule's page does not describe the option: %.800s", page)
	}
	if w := b.text("[data-watermark]"); strings.Contains(w, "Nothing delivered yet") || w == "" {
		t.Errorf("the watermark after a delivery: %q", w)
	}
	screenshots(t, b.ctx, "schedule-watermark")
	b.set("#watermark_at", "all")
	eval[bool](b, `(window.confirm = () => true, true)`)
	b.follow(`button[data-action="reset-watermark"]`, `#schedule-watermark`)
	if w := b.text("[data-watermark]"); !strings.Contains(w, "Nothing delivered yet") {
		t.Errorf("the watermark after the reset: %q", w)
	}
	var audit []facteur.AuditEntry
	n.must(200, "GET", "/api/v1/audit?action=schedule.watermark", nil, &audit)
	found := false
	for _, a := range audit {
		found = found || (a.Action == "schedule.watermark" && strings.Contains(a.Detail, "New events: watermark reset to the schedule's start"))
	}
	if !found {
		t.Errorf("the reset is not in the audit log: %+v", audit)
	}
	// The first-run start is still 2026-01-01: the reset sends its rows again.
	again := runAndWait(n, id)
	if again.Status != facteur.RunSucceeded || again.Rows != 2 {
		t.Fatalf("run after the reset: %s, %d rows; log %+v", again.Status, again.Rows, again.Log)
	}

	// Another editor sees the watermark, not its reset, and the form's
	// incremental controls disabled.
	n.addAccount("editor@example.org", facteur.RoleEditor)
	e := tab{t, browser(t)}
	if err := uiLogin(e.ctx, n.base, "editor@example.org", "password of editor@example.org"); err != nil {
		t.Fatal(err)
	}
	e.do(chromedp.Navigate(fmt.Sprintf("%s/schedules/%d", n.base, id)), chromedp.WaitVisible(css(`#schedule-watermark`)))
	if e.count(`#watermark-reset`) != 0 {
		t.Errorf("an editor sees the watermark's reset")
	}
	e.do(chromedp.Navigate(fmt.Sprintf("%s/schedules/%d/edit", n.base, id)), chromedp.WaitVisible(css(`#schedule-form`)))
	for _, sel := range []string{"#incremental_on", "#incremental_since", "#overlap_minutes", "#settle_seconds"} {
		if !eval[bool](e, fmt.Sprintf(`document.querySelector(%q).matches(":disabled")`, sel)) {
			t.Errorf("%s is editable by another editor", sel)
		}
	}
}
