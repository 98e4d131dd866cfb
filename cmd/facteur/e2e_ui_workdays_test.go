package main

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/facteur/facteur"
	"github.com/facteur/facteur/calendar"
)

// TestBrowserWorkingDays: in Chromium, an administrator keeps a closure
// list (a wrong line is refused by its number, and what was typed stays);
// the schedule form follows a region chosen in its picker, observes the
// list and moves a run off a closed day, and its live preview, the saved
// schedule, the schedules list and the schedule's page show the moved run
// with its cause; a viewer sees the closure days without an editor.
func TestBrowserWorkingDays(t *testing.T) {
	b, n, rep, dest := scheduleSetup(t)
	// A closed Wednesday, at least two days ahead.
	day := time.Now().UTC().AddDate(0, 0, 2)
	for day.Weekday() != time.Wednesday {
		day = day.AddDate(0, 0, 1)
	}
	closed := day.Format(time.DateOnly)

	b.do(chromedp.Navigate(n.base+"/closures"), chromedp.WaitVisible(css(`#new-closure-list`)))
	b.set("#name-new", "Office closures")
	b.set("#days-new", "2026-12-24..2026-12-31 Christmas break\n2026-13-01 Typo")
	b.follow(`button[data-action="create"]`, `#closure-error-0`)
	if msg := b.text("#closure-error-0"); !strings.HasPrefix(msg, "line 2: use a date YYYY-MM-DD") {
		t.Errorf("the wrong line's error: %q", msg)
	}
	if got := b.value("#days-new"); !strings.Contains(got, "2026-13-01 Typo") {
		t.Errorf("the refused form lost what was typed: %q", got)
	}
	b.set("#days-new", closed+" Inventory\n2026-12-24..2026-12-31 Christmas break")
	b.follow(`button[data-action="create"]`, `section[data-closure="Office closures"]`)
	var lists []facteur.ClosureList
	n.must(200, "GET", "/api/v1/closures", nil, &lists)
	if len(lists) != 1 || len(lists[0].Days) != 2 || lists[0].Days[0].Label != "Inventory" || lists[0].Days[1].To != "2026-12-31" {
		t.Fatalf("saved lists: %+v", lists)
	}

	b.do(chromedp.Navigate(n.base+"/schedules/new"), chromedp.WaitVisible(css(`#schedule-form`)))
	b.set("#name", "Wednesday items")
	b.set("#report_id", fmt.Sprint(rep))
	b.set("#destination_id", fmt.Sprint(dest))
	b.set("#frequency", "weekly")
	b.set("#weekday", "wed")
	b.set("#at", "06:00")
	b.set("#time_zone", "Europe/Paris")
	if eval[int](b, `document.querySelectorAll('#regions option').length`) < 7 || b.count(`#regions option[value="DE-BY"]`) != 1 {
		t.Errorf("the region picker offers %d regions", eval[int](b, `document.querySelectorAll('#regions option').length`))
	}
	b.set("#region", "fr")
	b.do(chromedp.Click(css(`input[name="closures"][value="Office closures"]`)))
	b.set("#on_closed", "next")
	b.waitText("#calendar-description", "French public holidays and 'Office closures' observed; on a non-working day, moved to the next working day")

	cal := facteur.Calendar{Frequency: facteur.Weekly, Weekday: "wed", At: "06:00", TimeZone: "Europe/Paris", Region: "FR",
		Closures: []string{"Office closures"}, OnClosed: facteur.OnClosedNext, ClosureLists: lists}
	slots, err := calendar.Explain(cal, time.Now(), 5)
	if err != nil {
		t.Fatal(err)
	}
	var want string
	for _, s := range slots {
		for _, note := range s.Notes {
			if strings.HasPrefix(note, day.Format("Mon 2 Jan 2006")+": 'Office closures' (Inventory) → ") {
				want = note
			}
		}
	}
	if want == "" {
		t.Fatalf("the calendar does not move %s: %+v", closed, slots)
	}
	b.waitText("#next-runs", want)
	if b.count("#next-runs .run-note") == 0 {
		t.Errorf("the preview's notes are not set apart")
	}
	screenshots(t, b.ctx, "schedule-form-working-days")
	b.follow(`button[data-action="save"]`, `#schedules`)

	var list []facteur.Schedule
	n.must(200, "GET", "/api/v1/schedules", nil, &list)
	if len(list) != 1 || list[0].Calendar.Region != "FR" || list[0].Calendar.OnClosed != "next" || strings.Join(list[0].Calendar.Closures, ",") != "Office closures" {
		t.Fatalf("saved: %+v", list)
	}
	if slots[0].Notes != nil && !strings.Contains(b.text("#schedules"), slots[0].Notes[0]) {
		t.Errorf("the schedules list does not say why the next run moved: %q", b.text("#schedules"))
	}
	b.do(chromedp.Navigate(fmt.Sprintf("%s/schedules/%d", n.base, list[0].ID)), chromedp.WaitVisible(css(`#schedule-when`)))
	if page := b.text("#schedule-when"); !strings.Contains(page, want) || !strings.Contains(page, "French public holidays") {
		t.Errorf("the schedule's page: %q", page)
	}
	b.do(chromedp.Navigate(fmt.Sprintf("%s/schedules/%d/edit", n.base, list[0].ID)), chromedp.WaitVisible(css(`#schedule-form`)))
	if b.value("#region") != "FR" || b.value("#on_closed") != "next" || !eval[bool](b, `document.querySelector('input[name="closures"]').checked`) {
		t.Errorf("the edit form shows region %q, on_closed %q", b.value("#region"), b.value("#on_closed"))
	}

	// The Nth working day: the form offers it and previews it.
	b.set("#frequency", "workday")
	b.set("#workday", "-1")
	b.set("#period", "quarter")
	b.waitText("#calendar-description", "The last working day of each quarter at 06:00, Europe/Paris")
	if b.count(`#on_closed:not([hidden])`) != 0 && eval[bool](b, `!document.querySelector('#on_closed').closest('[data-for-frequency]').hidden`) {
		t.Errorf("the non-working-day choice is offered for a working-day rule")
	}

	// A viewer sees the closure days, without an editor or buttons.
	n.addAccount("viewer@example.org", facteur.RoleViewer)
	v := tab{t, browser(t)}
	if err := uiLogin(v.ctx, n.base, "viewer@example.org", "password of viewer@example.org"); err != nil {
		t.Fatal(err)
	}
	v.do(chromedp.Navigate(n.base+"/closures"), chromedp.WaitVisible(css(`section[data-closure="Office closures"]`)))
	if page := v.text("main"); !strings.Contains(page, closed+": Inventory") || !strings.Contains(page, "2026-12-24 – 2026-12-31: Christmas break") {
		t.Errorf("the viewer's closure page: %q", page)
	}
	if v.count("textarea") != 0 || v.count("main button") != 0 || v.count("#new-closure-list") != 0 {
		t.Errorf("a viewer sees the editor: %d textareas, %d buttons", v.count("textarea"), v.count("main button"))
	}
}
