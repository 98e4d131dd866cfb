package main

import (
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/facteur/facteur"
)

// TestBrowserConditions: in Chromium, the schedule form takes a condition
// and an expected window (a window out of bounds is refused next to its
// field, in its label's words, and what was typed stays); the history
// shows a skipped run distinctly, with its reason and without Retry, and
// filters on it; the schedule's page says its condition and window;
// another editor sees these controls disabled and no Save.
func TestBrowserConditions(t *testing.T) {
	b, n, rep, dest := scheduleSetup(t)
	b.set("#name", "Only changes")
	b.set("#report_id", fmt.Sprint(rep))
	b.set("#destination_id", fmt.Sprint(dest))
	b.set("#send_if", facteur.SendIfNewer)
	b.set("#expect_within", "4")
	b.follow(`button[data-action="save"]`, `#schedule-form`)
	if msg := b.text("#expect_within-error"); !strings.Contains(msg, "5 to 10080") || strings.Contains(msg, "options.") {
		t.Errorf("the window's error: %q", msg)
	}
	if b.attr("#expect_within", "aria-invalid") != "true" || b.value("#send_if") != facteur.SendIfNewer || b.value("#expect_within") != "4" {
		t.Errorf("after the error: invalid %q, send_if %q, window %q", b.attr("#expect_within", "aria-invalid"), b.value("#send_if"), b.value("#expect_within"))
	}
	b.set("#expect_within", "120")
	b.do(chromedp.Click(css(`input[name="alert_on_skip"]`)))
	screenshots(t, b.ctx, "schedule-form-conditions")
	b.follow(`button[data-action="save"]`, `#schedules`)

	var list []facteur.Schedule
	n.must(200, "GET", "/api/v1/schedules", nil, &list)
	if len(list) != 1 || list[0].Options.SendIf != facteur.SendIfNewer || list[0].Options.ExpectWithinMinutes != 120 || !list[0].Options.AlertOnSkip {
		t.Fatalf("saved: %+v", list)
	}
	id := list[0].ID
	var runs [2]runView
	for i := range runs {
		runs[i] = runAndWait(n, id)
	}
	wantRun(t, runs[0], facteur.RunSucceeded, "")
	wantRun(t, runs[1], facteur.RunSkipped, fmt.Sprintf("same data as run %d", runs[0].ID))

	// The history: the skipped run in its own style, with its reason,
	// without Retry; the filter offers skipped.
	b.do(chromedp.Navigate(fmt.Sprintf("%s/runs?schedule_id=%d", n.base, id)), chromedp.WaitVisible(css(`table.list`)))
	row := fmt.Sprintf(`tr[data-run="%d"]`, runs[1].ID)
	if got := b.text(row + " .status.skipped"); got != "skipped" {
		t.Errorf("skipped run's status: %q", got)
	}
	if got := b.text(row + " [data-skip-reason]"); got != fmt.Sprintf("Skipped: same data as run %d.", runs[0].ID) {
		t.Errorf("skipped run's reason: %q", got)
	}
	if c := eval[string](b, fmt.Sprintf(`getComputedStyle(document.querySelector(%q)).fontStyle`, row+" .status")); c != "italic" {
		t.Errorf("the skipped status is not set apart: font style %q", c)
	}
	if b.count(row+` [data-action="retry"]`) != 0 || b.count(fmt.Sprintf(`tr[data-run="%d"] [data-action="retry"]`, runs[0].ID)) != 1 {
		t.Errorf("Retry on the skipped run %d, on the delivered one %d", b.count(row+` [data-action="retry"]`),
			b.count(fmt.Sprintf(`tr[data-run="%d"] [data-action="retry"]`, runs[0].ID)))
	}
	screenshots(t, b.ctx, "runs-skipped")
	b.set(`select[name="status"]`, facteur.RunSkipped)
	b.follow(`#runs-filter button[data-action="filter"]`, `table.list`)
	if got := b.count(`tbody tr[data-run]`); got != 1 || b.count(row) != 1 {
		t.Errorf("filtered on skipped: %d rows", got)
	}
	b.do(chromedp.Navigate(fmt.Sprintf("%s/runs/%d", n.base, runs[1].ID)), chromedp.WaitVisible(css(`.status.skipped`)))
	if page := b.text("main"); !strings.Contains(page, "Skipped because") || strings.Contains(page, "Error\n") {
		t.Errorf("the skipped run's page: %.500s", page)
	}

	// The schedule's page and the edit form give back what was saved.
	b.do(chromedp.Navigate(fmt.Sprintf("%s/schedules/%d", n.base, id)), chromedp.WaitVisible(css(`main`)))
	page := b.text("main")
	for _, want := range []string{"Only if the data changed since the last delivery", "A delivery expected within 120 minutes of each slot", "Count a skipped run as nothing delivered"} {
		if !strings.Contains(page, want) {
			t.Errorf("the schedule's page does not say %q", want)
		}
	}
	b.do(chromedp.Navigate(fmt.Sprintf("%s/schedules/%d/edit", n.base, id)), chromedp.WaitVisible(css(`#schedule-form`)))
	if b.value("#send_if") != facteur.SendIfNewer || b.value("#expect_within") != "120" || !eval[bool](b, `document.querySelector('input[name="alert_on_skip"]').checked`) {
		t.Errorf("the edit form shows send_if %q, window %q", b.value("#send_if"), b.value("#expect_within"))
	}

	// Another editor: the controls are there, disabled, and no Save.
	n.addAccount("editor@example.org", facteur.RoleEditor)
	e := tab{t, browser(t)}
	if err := uiLogin(e.ctx, n.base, "editor@example.org", "password of editor@example.org"); err != nil {
		t.Fatal(err)
	}
	e.do(chromedp.Navigate(fmt.Sprintf("%s/schedules/%d/edit", n.base, id)), chromedp.WaitVisible(css(`#schedule-form`)))
	for _, sel := range []string{"#send_if", "#expect_within", `input[name="alert_on_skip"]`} {
		if !eval[bool](e, fmt.Sprintf(`document.querySelector(%q).matches(":disabled")`, sel)) {
			t.Errorf("%s is editable by another editor", sel)
		}
	}
	if e.count(`[data-action="save"]`) != 0 {
		t.Errorf("another editor sees Save")
	}
}
