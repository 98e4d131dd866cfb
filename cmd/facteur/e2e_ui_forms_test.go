package main

import (
	"context"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	cdpbrowser "github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// closedPort is a loopback port nothing listens on.
func closedPort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	_, port, _ := net.SplitHostPort(l.Addr().String())
	l.Close()
	return port
}

// screenshots writes the page at desktop width and at a phone's 375
// pixels (name-375.png).
func screenshots(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	screenshot(t, ctx, name)
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(375, 800)); err != nil {
		t.Fatal(err)
	}
	screenshot(t, ctx, name+"-375")
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1280, 860)); err != nil {
		t.Fatal(err)
	}
}

// attr is an attribute of the first element sel matches ("" without it).
func (b tab) attr(sel, name string) string {
	b.t.Helper()
	return eval[string](b, fmt.Sprintf(`(document.querySelector(%q) || {getAttribute: () => ""}).getAttribute(%q) || ""`, sel, name))
}

// value is the value of the form control sel matches.
func (b tab) value(sel string) string {
	b.t.Helper()
	return eval[string](b, fmt.Sprintf(`document.querySelector(%q).value`, sel))
}

// TestBrowserDestinationErrors: a Send test that fails and a refused Save
// show the destination form again, as typed, with the message next to the
// field it concerns in the words of its label, an error summary that has
// the focus and links to the field, and the field marked for assistive
// technology; stored secrets are said to be kept, a new destination's are
// not said to be stored, and an empty Recipients box stays empty.
func TestBrowserDestinationErrors(t *testing.T) {
	b := tab{t, browser(t)}
	n := startServe(t, t.TempDir())
	var dest struct{ ID int64 }
	n.must(201, "POST", "/api/v1/destinations", map[string]any{"name": "Partner SFTP", "kind": "sftp", "config": map[string]any{
		"host": "127.0.0.1", "port": atoi(closedPort(t)), "user": "partner", "password": "a password", "directory": "/in"}}, &dest)
	if err := uiLogin(b.ctx, n.base, testAdmin, testPassword); err != nil {
		t.Fatal(err)
	}
	b.do(chromedp.Navigate(fmt.Sprintf("%s/destinations/%d/edit", n.base, dest.ID)), chromedp.WaitVisible(css(`#destination-form`)))

	// Send test to a server that is not there: the form, not a dead end.
	b.set(`[name="sftp.directory"]`, "/incoming")
	b.follow(`button[data-action="test"]`, `#error-summary`)
	if h1 := b.text("h1"); h1 != "Destination Partner SFTP" {
		t.Errorf("after a failed Send test the page is %q", h1)
	}
	if summary := b.text("#error-summary"); !strings.Contains(summary, "127.0.0.1") {
		t.Errorf("summary: %q", summary)
	}
	if focus := eval[string](b, `document.activeElement.id`); focus != "error-summary" {
		t.Errorf("the focus is on %q", focus)
	}
	if dir, tag := b.value(`[name="sftp.directory"]`), b.text(`label[for="sftp.password"] .tag`); dir != "/incoming" || tag != "set" {
		t.Errorf("after the test: directory %q, password tag %q", dir, tag)
	}

	// Save with a bad port: the message is by the Port field, in its words.
	b.set(`[name="sftp.port"]`, "70000")
	b.set(`[name="sftp.user"]`, "partner2")
	b.follow(`button[data-action="save"]`, `#error-summary`)
	msg := b.text(`#sftp\.port-error`)
	if !strings.HasPrefix(msg, "Port: 70000 is not a port number") {
		t.Errorf("port message: %q", msg)
	}
	if got := b.text("#error-summary a"); got != msg || b.attr("#error-summary a", "href") != "#sftp.port" {
		t.Errorf("summary link %q to %q", got, b.attr("#error-summary a", "href"))
	}
	if inv, desc := b.attr(`#sftp\.port`, "aria-invalid"), b.attr(`#sftp\.port`, "aria-describedby"); inv != "true" || desc != "sftp.port-error" {
		t.Errorf("port input: aria-invalid %q, aria-describedby %q", inv, desc)
	}
	if user, port := b.value(`#sftp\.user`), b.value(`#sftp\.port`); user != "partner2" || port != "70000" {
		t.Errorf("typed values lost: user %q, port %q", user, port)
	}
	if tag, ph := b.text(`label[for="sftp.password"] .tag`), b.attr(`#sftp\.password`, "placeholder"); tag != "set, unchanged" || ph != "Leave empty to keep the stored value" {
		t.Errorf("stored password: tag %q, placeholder %q", tag, ph)
	}
	if focus := eval[string](b, `document.activeElement.id`); focus != "error-summary" {
		t.Errorf("the focus is on %q", focus)
	}
	b.do(chromedp.Click(css(`#error-summary a`)))
	if focus := eval[string](b, `document.activeElement.id`); focus != "sftp.port" {
		t.Errorf("the summary's link leads to %q", focus)
	}
	screenshots(t, b.ctx, "destination-errors")

	// A new e-mail destination without recipients.
	b.do(chromedp.Navigate(n.base+"/destinations/new?kind=email"), chromedp.WaitVisible(css(`#destination-form`)))
	b.set("#name", "Mail to nobody")
	b.follow(`button[data-action="save"]`, `#error-summary`)
	if msg := b.text(`#email\.to-error`); !strings.HasPrefix(msg, "Recipients: ") {
		t.Errorf("recipients message: %q", msg)
	}
	if to := b.value(`#email\.to`); to != "" {
		t.Errorf("the Recipients box holds %q", to)
	}
	b.set(`#email\.to`, "someone@example.org\nnot an address")
	b.follow(`button[data-action="save"]`, `#error-summary`)
	if msg := b.text(`#email\.to-error`); !strings.HasPrefix(msg, "Recipients, line 2: ") {
		t.Errorf("second recipient's message: %q", msg)
	}
	if to := b.value(`#email\.to`); to != "someone@example.org\nnot an address" {
		t.Errorf("the Recipients box holds %q", to)
	}

	// A new SFTP destination: nothing is stored, so nothing is kept.
	b.do(chromedp.Navigate(n.base+"/destinations/new?kind=sftp"), chromedp.WaitVisible(css(`#destination-form`)))
	b.set("#name", "New partner")
	for id, v := range map[string]string{"host": "127.0.0.1", "port": "70000", "user": "partner", "password": "typed secret", "directory": "/in"} {
		b.set(`[name="sftp.`+id+`"]`, v)
	}
	b.follow(`button[data-action="save"]`, `#error-summary`)
	if ph, tag, pw := b.attr(`#sftp\.password`, "placeholder"), b.text(`label[for="sftp.password"]`), b.value(`#sftp\.password`); strings.Contains(ph, "stored") || !strings.Contains(tag, "not saved: type it again") || pw != "" {
		t.Errorf("new destination's password: placeholder %q, label %q, value %q", ph, tag, pw)
	}
	if host := b.value(`#sftp\.host`); host != "127.0.0.1" {
		t.Errorf("host: %q", host)
	}
	screenshots(t, b.ctx, "destination-new-errors")
}

// TestBrowserCopyPublicKey: the SFTP public key has a Copy button that puts
// the key on the clipboard and says so.
func TestBrowserCopyPublicKey(t *testing.T) {
	b := tab{t, browser(t)}
	n := startServe(t, t.TempDir())
	var dest struct {
		ID        int64
		PublicKey string `json:"public_key"`
	}
	n.must(201, "POST", "/api/v1/destinations", map[string]any{"name": "Partner key", "kind": "sftp", "generate_key": true, "config": map[string]any{
		"host": "127.0.0.1", "port": 22, "user": "partner", "directory": "/in"}}, &dest)
	if !strings.HasPrefix(dest.PublicKey, "ssh-ed25519 ") {
		t.Fatalf("public key: %q", dest.PublicKey)
	}
	if _, err := chromedp.CallBrowser(b.ctx, cdpbrowser.SetPermission, cdpbrowser.SetPermissionParams{
		Permission: &cdpbrowser.PermissionDescriptor{Name: "clipboard-read"}, Setting: cdpbrowser.PermissionSettingGranted, Origin: n.base}); err != nil {
		t.Fatal(err)
	}
	if err := uiLogin(b.ctx, n.base, testAdmin, testPassword); err != nil {
		t.Fatal(err)
	}
	b.do(chromedp.Navigate(fmt.Sprintf("%s/destinations/%d/edit", n.base, dest.ID)), chromedp.WaitVisible(css(`button[data-copy="public-key"]`)))
	b.do(chromedp.Click(css(`button[data-copy="public-key"]`)))
	b.waitText(`[data-copy-status="public-key"]`, "Copied.")
	if got := eval[string](b, `navigator.clipboard.readText()`); strings.TrimSpace(got) != strings.TrimSpace(dest.PublicKey) {
		t.Errorf("clipboard: %q, want %q", got, dest.PublicKey)
	}
	screenshots(t, b.ctx, "destination-copy")
}

// scheduleSetup makes a source, a report and a folder destination, and
// opens the new-schedule form logged in as the administrator.
func scheduleSetup(t *testing.T) (tab, *node, int64, int64) {
	t.Helper()
	b := tab{t, browser(t)}
	n := startServe(t, t.TempDir())
	var src, rep, dest struct{ ID int64 }
	n.must(201, "POST", "/api/v1/sources", map[string]any{"name": "Help desk", "dsn": smallSQLiteSource(t)}, &src)
	n.must(201, "POST", "/api/v1/reports", map[string]any{"name": "Items", "source_id": src.ID, "sql": "select * from items order by id"}, &rep)
	n.must(201, "POST", "/api/v1/destinations", map[string]any{"name": "Partner drop", "kind": "folder", "config": map[string]any{"path": t.TempDir()}}, &dest)
	if err := uiLogin(b.ctx, n.base, testAdmin, testPassword); err != nil {
		t.Fatal(err)
	}
	b.do(chromedp.Navigate(n.base+"/schedules/new"), chromedp.WaitVisible(css(`#schedule-form`)))
	return b, n, rep.ID, dest.ID
}

// TestBrowserScheduleFormFollowsTyping: the summary follows what is
// chosen, and only the chosen frequency's fields count: a valid cron
// expression previews its next runs although the hidden Time field still
// holds 06:00, and the schedule is saved with the cron expression alone.
func TestBrowserScheduleFormFollowsTyping(t *testing.T) {
	b, n, rep, dest := scheduleSetup(t)
	b.set("#name", "Cron items")
	b.set("#report_id", fmt.Sprint(rep))
	b.set("#destination_id", fmt.Sprint(dest))
	b.set("#format", "xlsx")
	b.waitText("#summary", "Items → Partner drop (folder), xlsx")

	if at := b.value("#at"); at != "06:00" {
		t.Fatalf("the Time field holds %q", at)
	}
	b.set("#frequency", "cron")
	b.set("#cron", "30 6 * * 1-5")
	desc := b.waitText("#calendar-description", "Cron \"30 6 * * 1-5\"")
	if strings.Contains(desc, "calendar.") || strings.Contains(desc, "leave at empty") || b.count("#next-runs li") != 5 {
		t.Errorf("cron preview: %q, %d runs", desc, b.count("#next-runs li"))
	}
	if sum := b.text("#summary-calendar"); sum != desc {
		t.Errorf("summary's calendar %q, preview %q", sum, desc)
	}
	// A mistake says the field as its label does.
	b.set("#time_zone", "Europe/Pari")
	if msg := b.waitText("#calendar-description", "Time zone: "); !strings.Contains(msg, `"Europe/Pari"`) || strings.Contains(msg, "calendar.") {
		t.Errorf("preview error: %q", msg)
	}
	b.set("#time_zone", "Europe/Paris")
	b.waitText("#calendar-description", "Cron \"30 6 * * 1-5\"")
	screenshots(t, b.ctx, "schedule-form-cron")

	b.follow(`button[data-action="save"]`, `#schedules`)
	var list []struct {
		Name     string
		Calendar struct{ Frequency, Cron, At string }
	}
	n.must(200, "GET", "/api/v1/schedules", nil, &list)
	if len(list) != 1 || list[0].Calendar.Frequency != "cron" || list[0].Calendar.Cron != "30 6 * * 1-5" || list[0].Calendar.At != "" {
		t.Errorf("saved: %+v", list)
	}
}

// TestBrowserScheduleFormEnterSaves: Enter in a text field of the schedule
// form saves it, as the Save button does.
func TestBrowserScheduleFormEnterSaves(t *testing.T) {
	b, n, rep, dest := scheduleSetup(t)
	b.set("#report_id", fmt.Sprint(rep))
	b.set("#destination_id", fmt.Sprint(dest))
	b.do(chromedp.SendKeys(css("#name"), "Saved by Enter"))
	eval[bool](b, `window.facteurLeaving = true`)
	b.do(chromedp.SendKeys(css("#name"), kb.Enter))
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		v, err := chromedp.Run(b.ctx, chromedp.Evaluate[bool](`window.facteurLeaving !== true && document.readyState === "complete"`))
		if err == nil && v {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("Enter in the name field led to no new page")
		}
	}
	if b.count("#schedules") == 0 {
		t.Fatalf("after Enter the page is %q: %.300s", eval[string](b, `location.pathname`), eval[string](b, `document.querySelector("main").innerText`))
	}
	if flash := b.text(".flash"); flash != `Schedule "Saved by Enter" saved.` {
		t.Errorf("flash: %q", flash)
	}
	var list []struct{ Name string }
	n.must(200, "GET", "/api/v1/schedules", nil, &list)
	if len(list) != 1 || list[0].Name != "Saved by Enter" {
		t.Errorf("schedules after Enter: %+v", list)
	}
}

// TestBrowserSchedulesFollowRuns: after Run now, the message links to the
// run's page, and the row's last status follows the run to its end while
// the page stays open, without reloading it.
func TestBrowserSchedulesFollowRuns(t *testing.T) {
	b := tab{t, browser(t)}
	n := startServe(t, t.TempDir())
	var src, rep, dest, sc struct{ ID int64 }
	n.must(201, "POST", "/api/v1/sources", map[string]any{"name": "Help desk", "dsn": smallSQLiteSource(t)}, &src)
	// A query that takes a few seconds, so that the run is seen going.
	slow := "select * from items where (with recursive c(x) as (select 1 union all select x + 1 from c where x < 4000000) select count(*) from c) > 0 order by id"
	n.must(201, "POST", "/api/v1/reports", map[string]any{"name": "Items", "source_id": src.ID, "sql": slow}, &rep)
	n.must(201, "POST", "/api/v1/destinations", map[string]any{"name": "Partner drop", "kind": "folder", "config": map[string]any{"path": t.TempDir()}}, &dest)
	n.must(201, "POST", "/api/v1/schedules", map[string]any{"name": "Daily items", "report_id": rep.ID, "destination_id": dest.ID,
		"format": map[string]any{"format": "csv"}, "calendar": map[string]any{"frequency": "daily", "at": "06:00", "time_zone": "Europe/Paris"}}, &sc)
	if err := uiLogin(b.ctx, n.base, testAdmin, testPassword); err != nil {
		t.Fatal(err)
	}
	row := fmt.Sprintf(`tr[data-schedule="%d"]`, sc.ID)
	b.do(chromedp.WaitVisible(css(row)), chromedp.Click(css(row+` summary`)))
	b.follow(row+` button[data-action="run"]`, `.flash`)
	var runID int64
	if _, err := fmt.Sscanf(b.text(".flash a"), "Run %d is queued.", &runID); err != nil {
		t.Fatalf("flash after Run now: %q", b.text(".flash"))
	}
	if href := b.attr(".flash a", "href"); href != fmt.Sprintf("/runs/%d", runID) {
		t.Errorf("the message links to %q", href)
	}
	status := row + ` [data-last-run] .status`
	if st := b.text(status); st != "queued" && st != "running" {
		t.Fatalf("the row's last run is %q right after Run now", st)
	}
	eval[bool](b, `window.facteurSamePage = true`)
	// The run takes seconds on a busy machine: wait longer than waitText does.
	for deadline := time.Now().Add(40 * time.Second); b.text(status) != "succeeded"; time.Sleep(200 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the row's last run is still %q; the run is %+v", b.text(status), n.waitRun(runID).Run)
		}
	}
	if !eval[bool](b, `window.facteurSamePage === true`) {
		t.Error("the page was reloaded")
	}
	if href := b.attr(status, "href"); href != fmt.Sprintf("/runs/%d", runID) {
		t.Errorf("the status links to %q", href)
	}
	screenshots(t, b.ctx, "schedules-followed")
}

// TestBrowserTimesNameTheirZone: times are shown in the reader's zone and
// a schedule's next runs in the schedule's zone, each naming its zone,
// with the time in UTC on hover.
func TestBrowserTimesNameTheirZone(t *testing.T) {
	b := tab{t, browser(t)}
	n := startServe(t, t.TempDir())
	var src, rep, dest, sc struct{ ID int64 }
	n.must(201, "POST", "/api/v1/sources", map[string]any{"name": "Help desk", "dsn": smallSQLiteSource(t)}, &src)
	n.must(201, "POST", "/api/v1/reports", map[string]any{"name": "Items", "source_id": src.ID, "sql": "select * from items"}, &rep)
	n.must(201, "POST", "/api/v1/destinations", map[string]any{"name": "Partner drop", "kind": "folder", "config": map[string]any{"path": t.TempDir()}}, &dest)
	// Tokyo has no daylight saving time: 06:00 there is 21:00 UTC the day before.
	n.must(201, "POST", "/api/v1/schedules", map[string]any{"name": "Tokyo items", "report_id": rep.ID, "destination_id": dest.ID,
		"format": map[string]any{"format": "csv"}, "calendar": map[string]any{"frequency": "daily", "at": "06:00", "time_zone": "Asia/Tokyo"}}, &sc)
	// The reader is in New York.
	if _, err := chromedp.Call(b.ctx, emulation.SetTimezoneOverride, emulation.SetTimezoneOverrideParams{TimezoneID: "America/New_York"}); err != nil {
		t.Fatal(err)
	}
	if err := uiLogin(b.ctx, n.base, testAdmin, testPassword); err != nil {
		t.Fatal(err)
	}
	row := fmt.Sprintf(`tr[data-schedule="%d"]`, sc.ID)
	b.do(chromedp.WaitVisible(css(row)))
	next, created := row+` td:nth-of-type(6) time`, row+` td:nth-of-type(1) time`
	if got, title := b.text(next), b.attr(next, "title"); !strings.Contains(got, "6:00 AM GMT+9") || !strings.HasSuffix(title, " 21:00 UTC") {
		t.Errorf("next run: %q, title %q", got, title)
	}
	if got, title := b.text(created), b.attr(created, "title"); !(strings.HasSuffix(got, " EST") || strings.HasSuffix(got, " EDT")) || !strings.HasSuffix(title, " UTC") {
		t.Errorf("created: %q, title %q", got, title)
	}
	screenshots(t, b.ctx, "schedules-times")

	// The form's next runs: in the schedule's zone, live as it is edited.
	b.do(chromedp.Navigate(fmt.Sprintf("%s/schedules/%d/edit", n.base, sc.ID)), chromedp.WaitVisible(css(`#schedule-form`)))
	first := `#next-runs li:first-child time`
	if got, title := b.text(first), b.attr(first, "title"); !strings.Contains(got, "6:00 AM GMT+9") || !strings.HasSuffix(title, " 21:00 UTC") {
		t.Errorf("preview: %q, title %q", got, title)
	}
	b.set("#at", "07:15")
	if got := b.waitText(first, "7:15 AM GMT+9"); !strings.HasSuffix(b.attr(first, "title"), " 22:15 UTC") {
		t.Errorf("live preview: %q, title %q", got, b.attr(first, "title"))
	}
}
