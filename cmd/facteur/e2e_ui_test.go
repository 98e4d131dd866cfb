package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/facteur/facteur"
	"github.com/facteur/facteur/mail/smtptest"
)

// browser starts a headless Chromium for one test and returns a context
// for its first tab. FACTEUR_TEST_CHROMIUM names the binary (default
// /usr/bin/chromium); "skip" skips the test.
func browser(t *testing.T) context.Context {
	t.Helper()
	return browserFor(t, 3*time.Minute)
}

// browserFor is browser for a test that may drive it for up to d.
func browserFor(t *testing.T, d time.Duration) context.Context {
	t.Helper()
	bin := os.Getenv("FACTEUR_TEST_CHROMIUM")
	if bin == "skip" {
		t.Skip("SKIPPED: FACTEUR_TEST_CHROMIUM=skip")
	}
	if bin == "" {
		bin = "/usr/bin/chromium"
	}
	if _, err := exec.LookPath(bin); err != nil {
		t.Fatalf("Chromium is not installed (%s): run scripts/test.sh, which installs Debian's chromium", bin)
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(bin),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 860),
	)
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancel)
	ctx, cancelTab := chromedp.NewContext(actx)
	t.Cleanup(cancelTab)
	ctx, cancelTime := context.WithTimeout(ctx, d)
	t.Cleanup(cancelTime)
	if err := chromedp.Do(ctx, chromedp.Navigate("about:blank")); err != nil {
		t.Fatalf("start Chromium: %v", err)
	}
	return ctx
}

// screenshot writes a PNG of the page to FACTEUR_SCREENSHOTS (if set) or
// to the test's temporary directory.
func screenshot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	dir := os.Getenv("FACTEUR_SCREENSHOTS")
	if dir == "" {
		dir = t.TempDir()
	}
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	if err := os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644); err != nil {
		t.Fatal(err)
	}
}

// uiLogin logs in through the login page.
func uiLogin(ctx context.Context, base, email, password string) error {
	return chromedp.Do(ctx,
		chromedp.Navigate(base+"/schedules"),
		chromedp.WaitVisible(css(`#email`)),
		chromedp.SendKeys(css(`#email`), email),
		chromedp.SendKeys(css(`#password`), password),
		chromedp.Submit(css(`#password`)),
		// The login page has a heading too: wait for what only a logged-in page has.
		chromedp.WaitVisible(css(`header .account`)),
	)
}

// tab is a browser tab of a test, with short names for what the journeys
// do; every failure fails the test.
type tab struct {
	t   *testing.T
	ctx context.Context
}

func css(sel string) chromedp.CSS { return chromedp.CSS(sel) }

func (b tab) do(steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	if err := chromedp.Do(b.ctx, steps...); err != nil {
		b.t.Fatal(err)
	}
}

func (b tab) text(sel string) string {
	b.t.Helper()
	s, err := chromedp.Run(b.ctx, chromedp.Text(css(sel)))
	if err != nil {
		b.t.Fatalf("text of %s: %v", sel, err)
	}
	return s
}

func (b tab) count(sel string) int {
	b.t.Helper()
	return eval[int](b, fmt.Sprintf("document.querySelectorAll(%q).length", sel))
}

// eval runs a script in the page, waiting for its promise if it returns one.
func eval[T any](b tab, js string) T {
	b.t.Helper()
	v, err := chromedp.Run(b.ctx, chromedp.Evaluate[T](js, chromedp.EvalAwaitPromise))
	if err != nil {
		b.t.Fatalf("%s: %v", js, err)
	}
	return v
}

// TestBrowserJourney drives Debian's Chromium through the UI of a real
// `facteur serve`: log in, see the schedules, Run now and watch the run
// succeed, view it, download its file, retry it, ignore a run, delete a
// schedule after confirming; a viewer sees no edit controls and cannot post
// edits.
func TestBrowserJourney(t *testing.T) {
	b := tab{t, browser(t)}
	n := startServe(t, t.TempDir())
	outbox := t.TempDir()
	var src, rep, dest, sc, other struct{ ID int64 }
	n.must(201, "POST", "/api/v1/sources", map[string]any{"name": "Help desk", "dsn": smallSQLiteSource(t)}, &src)
	n.must(201, "POST", "/api/v1/reports", map[string]any{"name": "Items", "source_id": src.ID, "sql": "select * from items order by id"}, &rep)
	n.must(201, "POST", "/api/v1/destinations", map[string]any{"name": "Partner drop", "kind": "folder", "config": map[string]any{"path": outbox}}, &dest)
	n.must(201, "POST", "/api/v1/schedules", map[string]any{"name": "Daily items", "report_id": rep.ID, "destination_id": dest.ID, "file_name": "items-{run_id}.csv",
		"format": map[string]any{"format": "csv"}, "calendar": map[string]any{"frequency": "daily", "days": []string{"weekdays"}, "at": "06:00", "time_zone": "Europe/Paris"}}, &sc)
	n.must(201, "POST", "/api/v1/schedules", map[string]any{"name": "Quarterly items", "report_id": rep.ID, "destination_id": dest.ID,
		"format": map[string]any{"format": "xlsx"}, "calendar": map[string]any{"frequency": "monthly", "day_of_month": 1, "months": []int{1, 4, 7, 10}, "at": "06:00", "time_zone": "Europe/Paris"}}, &other)
	n.must(201, "POST", "/api/v1/users", map[string]any{"email": "viewer@example.org", "role": "viewer", "password": "password of the viewer"}, nil)

	if err := uiLogin(b.ctx, n.base, testAdmin, testPassword); err != nil {
		t.Fatalf("login: %v\n%s", err, n.out)
	}
	b.do(chromedp.WaitVisible(css(`#schedules`)))
	if rows, listed := b.count("#schedules tbody tr"), b.text("#schedules"); rows != 2 || !strings.Contains(listed, "Weekdays at 06:00, Europe/Paris") || !strings.Contains(listed, "Partner drop") {
		t.Fatalf("schedules list: %d rows\n%s", rows, listed)
	}
	screenshot(t, b.ctx, "schedules")

	// Run now from the row menu; the history shows the run succeed.
	row := fmt.Sprintf(`tr[data-schedule="%d"]`, sc.ID)
	b.do(chromedp.Click(css(row + ` summary`)))
	b.follow(row+` button[data-action="run"]`, `.flash`)
	var runID int64
	if flash := b.text(".flash"); func() error { _, err := fmt.Sscanf(flash, "Run %d is queued.", &runID); return err }() != nil {
		t.Fatalf("flash after Run now: %q", flash)
	}
	n.waitRun(runID)
	runRow := fmt.Sprintf(`tr[data-run="%d"]`, runID)
	b.do(chromedp.Navigate(n.base+"/runs"), chromedp.WaitVisible(css(runRow+` .status.succeeded`)))

	// View: the numbers, the stage chart and the log.
	b.follow(runRow+` th a`, `dl.facts`)
	if facts, bars := b.text("dl.facts"), b.count(".stages progress"); !strings.Contains(facts, "succeeded") || !strings.Contains(facts, filepath.Join(outbox, fmt.Sprintf("items-%d.csv", runID))) || bars < 3 {
		t.Errorf("run page: %d stage bars\n%s", bars, facts)
	}
	screenshot(t, b.ctx, "run")

	// Download gives the file's bytes (the session's cookie is enough).
	if got := eval[string](b, fmt.Sprintf(`fetch("/api/v1/runs/%d/download").then(r => r.text())`, runID)); got != "id,label\n1,one\n2,two\n" {
		t.Errorf("download: %q", got)
	}

	// Retry delivers the same file again as a new run.
	b.follow(`button[data-action="retry"]`, `.flash`)
	var retryID int64
	if flash := b.text(".flash"); func() error { _, err := fmt.Sscanf(flash, "Retry queued as run %d.", &retryID); return err }() != nil {
		t.Fatalf("flash after Retry: %q", flash)
	}
	if r := n.waitRun(retryID); r.Status != facteur.RunSucceeded || r.RetryOf != runID {
		t.Fatalf("retry run: %+v", r.Run)
	}

	// The history charts the duration and size of the two runs.
	b.do(chromedp.Navigate(n.base+"/runs"), chromedp.WaitVisible(css(runRow)))
	if bars := b.count("svg.chart rect"); bars != 4 {
		t.Errorf("chart: %d bars, want 2 runs × duration and size", bars)
	}
	screenshot(t, b.ctx, "runs")

	// Ignore hides the first run from the history.
	b.follow(runRow+` button[data-action="ignore"]`, `.flash`)
	if b.count(runRow) != 0 {
		t.Errorf("the ignored run is still listed")
	}
	b.follow(`main .title-bar a`, `#runs`)
	b.follow(runRow+` button[data-action="unignore"]`, `.flash`)
	if flash := b.text(".flash"); flash != fmt.Sprintf("Run %d is back in the history.", runID) {
		t.Errorf("show again: %q", flash)
	}

	// Delete asks first, in the words users expect; dismissing keeps it.
	var mu sync.Mutex
	var asked []string
	accept := false
	dialogs := chromedp.Events(b.ctx, page.JavascriptDialogOpening)
	go func() {
		for ev, err := range dialogs {
			if err != nil {
				return
			}
			mu.Lock()
			asked = append(asked, ev.Message)
			yes := accept
			mu.Unlock()
			chromedp.Call(b.ctx, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: yes})
		}
	}()
	otherRow := fmt.Sprintf(`tr[data-schedule="%d"]`, other.ID)
	deleteIt := chromedp.Steps(
		chromedp.Navigate(n.base+"/schedules"),
		chromedp.WaitVisible(css(otherRow)),
		chromedp.Click(css(otherRow+` summary`)),
		chromedp.Click(css(otherRow+` button[data-action="delete"]`)),
		chromedp.Sleep(300*time.Millisecond),
	)
	b.do(deleteIt)
	if st := n.call("GET", fmt.Sprintf("/api/v1/schedules/%d", other.ID), nil, nil); st != 200 {
		t.Fatalf("dismissing the confirmation deleted the schedule: %d", st)
	}
	mu.Lock()
	accept = true
	mu.Unlock()
	b.do(deleteIt, chromedp.WaitVisible(css(`.flash`)))
	flash := b.text(".flash")
	mu.Lock()
	want := "Delete this schedule? This cannot be undone. All future deliveries of this report will stop."
	if len(asked) != 2 || asked[0] != want || flash != "Schedule deleted." {
		t.Errorf("confirmations %q, flash %q", asked, flash)
	}
	mu.Unlock()
	if st := n.call("GET", fmt.Sprintf("/api/v1/schedules/%d", other.ID), nil, nil); st != 404 {
		t.Errorf("the schedule is still there: %d", st)
	}

	// A viewer sees no edit controls, and a forged post is refused.
	b.follow(`header form button`, `#email`)
	if err := uiLogin(b.ctx, n.base, "viewer@example.org", "password of the viewer"); err != nil {
		t.Fatal(err)
	}
	b.do(chromedp.WaitVisible(css(`#schedules`)))
	menus := b.count("details.menu")
	b.do(chromedp.Navigate(n.base+"/runs"), chromedp.WaitVisible(css(`#runs`)))
	if buttons := b.count("#runs button, #runs a[data-action]"); menus != 0 || buttons != 0 {
		t.Errorf("the viewer sees %d menus and %d action controls", menus, buttons)
	}
	forged := eval[string](b, fmt.Sprintf(`(async () => {
		const me = await (await fetch("/api/v1/me")).json();
		const r = await fetch("/schedules/%d/run", {method: "POST", body: new URLSearchParams({csrf_token: me.csrf_token})});
		return r.status + " " + await r.text();
	})()`, sc.ID))
	if !strings.HasPrefix(forged, "403 ") || !strings.Contains(forged, "needs the editor role") {
		t.Errorf("a viewer's post: %.300s", forged)
	}
	// The retry delivered the same file under the same name.
	if files, _ := os.ReadDir(outbox); len(files) != 1 || files[0].Name() != fmt.Sprintf("items-%d.csv", runID) {
		t.Errorf("outbox holds %v", files)
	}
}

// follow clicks what leads to another page and waits until that page has
// loaded and shows waitSel: waiting for waitSel alone could find it on the
// page being left.
func (b tab) follow(sel, waitSel string) {
	b.t.Helper()
	eval[bool](b, `window.facteurLeaving = true`)
	b.do(chromedp.Click(css(sel)))
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		// During the navigation the page may have no context: try again.
		v, err := chromedp.Run(b.ctx, chromedp.Evaluate[bool](`window.facteurLeaving !== true && document.readyState === "complete"`))
		if err == nil && v {
			break
		}
		if time.Now().After(deadline) {
			b.t.Fatalf("clicking %s led to no new page", sel)
		}
	}
	b.do(chromedp.WaitVisible(css(waitSel)))
}

// set gives a form control a value as a user would, firing its events.
func (b tab) set(sel, value string) {
	b.t.Helper()
	eval[bool](b, fmt.Sprintf(`(() => { const el = document.querySelector(%q); el.value = %q;
		el.dispatchEvent(new Event("input", {bubbles: true})); el.dispatchEvent(new Event("change", {bubbles: true})); return true })()`, sel, value))
}

// waitText waits until the element's text contains want, and returns it.
func (b tab) waitText(sel, want string) string {
	b.t.Helper()
	var got string
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if got = eval[string](b, fmt.Sprintf(`(document.querySelector(%q) || {}).textContent || ""`, sel)); strings.Contains(got, want) {
			return got
		}
	}
	b.t.Fatalf("%s: %q, want it to contain %q", sel, got, want)
	return ""
}

// TestBrowserScheduleForm: a schedule is created in the form, in the
// order of its sections, with the live preview of the next runs and of the
// file name; a bad time zone is shown next to its field in the API's words;
// Send test works from the form; editing changes the calendar.
func TestBrowserScheduleForm(t *testing.T) {
	b := tab{t, browser(t)}
	n := startServe(t, t.TempDir())
	outbox := t.TempDir()
	var src, rep, dest struct{ ID int64 }
	n.must(201, "POST", "/api/v1/sources", map[string]any{"name": "Help desk", "dsn": smallSQLiteSource(t)}, &src)
	n.must(201, "POST", "/api/v1/reports", map[string]any{"name": "Items", "source_id": src.ID, "sql": "select * from items order by id",
		"fields": []map[string]any{{"name": "id"}, {"name": "label", "sensitive": true}}}, &rep)
	n.must(201, "POST", "/api/v1/destinations", map[string]any{"name": "Partner drop", "kind": "folder", "config": map[string]any{"path": outbox}}, &dest)
	if err := uiLogin(b.ctx, n.base, testAdmin, testPassword); err != nil {
		t.Fatal(err)
	}
	b.follow(`a[data-action="new"]`, `#schedule-form`)
	if hidden := eval[bool](b, `document.querySelector('[data-for-frequency="cron"]').hidden`); !hidden {
		t.Error("the cron field shows for a daily calendar")
	}
	b.set("#name", "Weekly items")
	b.set("#report_id", fmt.Sprint(rep.ID))
	b.set("#destination_id", fmt.Sprint(dest.ID))
	b.set("#format", "xlsx")
	b.set("#xlsx_dates", "text") // shown for xlsx only
	b.set("#frequency", "weekly")
	b.set("#weekday", "mon")
	b.set("#at", "07:30")
	b.set("#file_name", "{export_name}-{year}.{ext}")
	if ex := b.waitText("#file-example", ".xlsx"); !strings.HasPrefix(ex, "Items-20") {
		t.Errorf("file name example: %q", ex)
	}
	b.set("#time_zone", "Europe/Pari")
	b.waitText("#calendar-description", "Europe/Pari")
	b.do(chromedp.Click(css(`input[name="include_` + fmt.Sprint(rep.ID) + `"][value="label"]`)))

	// Save with the bad zone: the form comes back with the API's words by the field.
	b.follow(`button[data-action="save"]`, `[data-calendar-error]`)
	if msg := b.text("[data-calendar-error]"); !strings.HasPrefix(msg, "Time zone: ") || !strings.Contains(msg, "Europe/Pari") {
		t.Errorf("error shown: %q", msg)
	}
	if v := eval[string](b, `document.querySelector("#name").value`); v != "Weekly items" {
		t.Errorf("the form lost its input: name %q", v)
	}
	b.set("#time_zone", "Europe/Paris")
	if d := b.waitText("#calendar-description", "07:30"); !strings.Contains(d, "Monday") {
		t.Errorf("description: %q", d)
	}
	if runs := b.count("#next-runs li"); runs != 5 {
		t.Errorf("preview shows %d runs", runs)
	}
	screenshot(t, b.ctx, "schedule-form")

	// Send test from the form, then Save.
	b.follow(`button[data-action="test"]`, `fieldset .flash`)
	if msg := b.text("fieldset .flash"); !strings.Contains(msg, "Test delivered") {
		t.Errorf("send test: %q", msg)
	}
	b.follow(`button[data-action="save"]`, `#schedules`)
	if flash := b.text(".flash"); flash != `Schedule "Weekly items" saved.` {
		t.Errorf("flash: %q", flash)
	}
	var list []facteur.Schedule
	n.must(200, "GET", "/api/v1/schedules", nil, &list)
	if len(list) != 1 {
		t.Fatalf("schedules: %+v", list)
	}
	sc := list[0]
	if sc.Name != "Weekly items" || sc.Format.Format != "xlsx" || sc.Format.XLSXDates != "text" || sc.Calendar.Frequency != "weekly" || sc.Calendar.Weekday != "mon" ||
		sc.Calendar.At != "07:30" || sc.Calendar.TimeZone != "Europe/Paris" || strings.Join(sc.IncludeFields, ",") != "label" || sc.FileName != "{export_name}-{year}.{ext}" {
		t.Errorf("saved: %+v", sc)
	}

	// Edit: the quarterly calendar of PRODUCT E3.
	row := fmt.Sprintf(`tr[data-schedule="%d"]`, sc.ID)
	b.do(chromedp.Click(css(row + ` summary`)))
	b.follow(row+` a[data-action="edit"]`, `#schedule-form`)
	if v := eval[string](b, `document.querySelector("#name").value`); v != "Weekly items" {
		t.Errorf("edit form: name %q", v)
	}
	b.set("#frequency", "monthly")
	b.set("#day_of_month", "1")
	for _, m := range []string{"1", "4", "7", "10"} {
		b.do(chromedp.Click(css(`input[name="months"][value="` + m + `"]`)))
	}
	b.waitText("#calendar-description", "January, April, July and October")
	b.follow(`button[data-action="save"]`, `.flash, .error, .field-error`)
	if b.count("#schedules") == 0 {
		t.Fatalf("save after edit: %s", eval[string](b, `document.querySelector("main").innerText`))
	}
	var got facteur.Schedule
	n.must(200, "GET", fmt.Sprintf("/api/v1/schedules/%d", sc.ID), nil, &got)
	if got.Calendar.Frequency != "monthly" || got.Calendar.DayOfMonth != 1 || fmt.Sprint(got.Calendar.Months) != "[1 4 7 10]" || strings.Join(got.IncludeFields, ",") != "label" {
		t.Errorf("edited: %+v", got)
	}
}

// TestBrowserReports: a report is written in the SQL editor, its fields get
// their flags and order, its preview shows the first rows, a bad query is
// refused next to the SQL in the database's words, and Duplicate copies it.
func TestBrowserReports(t *testing.T) {
	b := tab{t, browser(t)}
	n := startServe(t, t.TempDir())
	var src struct{ ID int64 }
	n.must(201, "POST", "/api/v1/sources", map[string]any{"name": "Help desk", "dsn": smallSQLiteSource(t)}, &src)
	if err := uiLogin(b.ctx, n.base, testAdmin, testPassword); err != nil {
		t.Fatal(err)
	}
	b.do(chromedp.Navigate(n.base + "/reports"))
	b.follow(`a[data-action="new-report"]`, `#report-form`)
	b.set("#name", "Customers")
	b.set("#source_id", fmt.Sprint(src.ID))
	b.set("#sql", "select id, label from items order by id")
	b.follow(`button[data-action="save"]`, `#fields`)
	if flash := b.text(".flash"); flash != `Report "Customers" saved.` {
		t.Errorf("flash: %q", flash)
	}
	// label first, and sensitive.
	b.set(`input[name="pos_label"]`, "0")
	b.do(chromedp.Click(css(`input[name="sensitive_label"]`)))
	b.follow(`button[data-action="save"]`, `.flash`)
	var reps []facteur.Report
	n.must(200, "GET", "/api/v1/reports", nil, &reps)
	if len(reps) != 1 || fmt.Sprint(reps[0].Fields) != "[{label true false} {id false false}]" {
		t.Fatalf("saved fields: %+v", reps)
	}
	b.follow(`a[data-action="preview"]`, `#preview-table`)
	if rows, head := b.count("#preview-table tbody tr"), b.text("#preview-table thead"); rows != 2 || !strings.Contains(head, "label") {
		t.Errorf("preview: %d rows, head %q", rows, head)
	}
	screenshot(t, b.ctx, "report")

	b.set("#sql", "select nope from items")
	b.follow(`button[data-action="save"]`, `.field-error`)
	if msg := b.text(".field-error"); !strings.HasPrefix(msg, "sql: ") || !strings.Contains(msg, "nope") {
		t.Errorf("bad SQL: %q", msg)
	}
	if v := eval[string](b, `document.querySelector("#sql").value`); v != "select nope from items" {
		t.Errorf("the editor lost the SQL: %q", v)
	}

	b.do(chromedp.Navigate(n.base + "/reports"))
	b.follow(fmt.Sprintf(`tr[data-report="%d"] button[data-action="duplicate"]`, reps[0].ID), `#fields`)
	if flash := b.text(".flash"); flash != `Duplicated as "Customers (copy)".` {
		t.Errorf("duplicate: %q", flash)
	}
}

// TestBrowserConnections: a source is added and its connection tested; an
// SFTP destination is created with a password against the real sshd, Send
// test pins its host key, which the form then shows, while the password is
// only said to be set; a generated key pair shows the public key to give
// the partner.
func TestBrowserConnections(t *testing.T) {
	addr := os.Getenv("FACTEUR_TEST_SFTP_ADDR")
	if addr == "" {
		t.Fatal("FACTEUR_TEST_SFTP_ADDR is not set: run scripts/test.sh, or eval \"$(scripts/servers/sshd.sh)\"")
	}
	host, port, _ := strings.Cut(addr, ":")
	b := tab{t, browser(t)}
	n := startServe(t, t.TempDir())
	if err := uiLogin(b.ctx, n.base, testAdmin, testPassword); err != nil {
		t.Fatal(err)
	}
	b.do(chromedp.Navigate(n.base + "/sources"))
	b.follow(`a[data-action="new-source"]`, `#source-form`)
	b.set("#name", "Help desk")
	b.set("#dsn", smallSQLiteSource(t))
	b.follow(`button[data-action="save"]`, `#sources`)
	b.follow(`#sources button[data-action="test"]`, `.flash`)
	if flash := b.text(".flash"); flash != "Connected." {
		t.Errorf("test connection: %q", flash)
	}
	if dsn := b.text("#sources code"); !strings.HasPrefix(dsn, "sqlite:") {
		t.Errorf("DSN shown: %q", dsn)
	}

	b.do(chromedp.Navigate(n.base + "/destinations"))
	b.follow(`a[data-action="new-destination"]`, `#destination-form`)
	b.set("#name", "Partner SFTP")
	b.set("#kind", "sftp")
	if hidden := eval[bool](b, `document.querySelector('[data-for-kind="email"]').hidden`); !hidden {
		t.Error("the e-mail settings show for an SFTP destination")
	}
	for id, v := range map[string]string{"host": host, "port": port, "user": os.Getenv("FACTEUR_TEST_SFTP_USER"), "password": os.Getenv("FACTEUR_TEST_SFTP_PASSWORD"), "directory": os.Getenv("FACTEUR_TEST_SFTP_DIR")} {
		b.set(`[name="sftp.`+id+`"]`, v)
	}
	b.follow(`button[data-action="save"]`, `.flash`)
	if v := eval[string](b, `document.querySelector('[name="sftp.password"]').value`); v != "" {
		t.Errorf("the password is shown: %q", v)
	}
	if tag := b.text(`label[for="sftp.password"] .tag`); tag != "set" {
		t.Errorf("password tag: %q", tag)
	}
	b.follow(`button[data-action="test"]`, `.flash`)
	if flash := b.text(".flash"); !strings.HasPrefix(flash, "Test delivered: sftp://") {
		t.Fatalf("send test: %q", flash)
	}
	b.do(chromedp.Reload(), chromedp.WaitVisible(css(`#destination-form`)))
	if key := eval[string](b, `document.querySelector('[name="sftp.host_key"]').value`); !strings.HasPrefix(key, "ssh-ed25519 ") {
		t.Errorf("pinned host key: %q", key)
	}
	screenshot(t, b.ctx, "destination")

	b.do(chromedp.Navigate(n.base + "/destinations/new?kind=sftp"))
	b.do(chromedp.WaitVisible(css(`#destination-form`)))
	b.set("#name", "Partner key")
	for id, v := range map[string]string{"host": host, "port": port, "user": "partner", "directory": "/in"} {
		b.set(`[name="sftp.`+id+`"]`, v)
	}
	b.do(chromedp.Click(css(`input[name="generate_key"]`)))
	b.follow(`button[data-action="save"]`, `#public-key`)
	if pub := eval[string](b, `document.querySelector("#public-key").value`); !strings.HasPrefix(pub, "ssh-ed25519 ") {
		t.Errorf("public key: %q", pub)
	}
	b.do(chromedp.Navigate(n.base+"/destinations"), chromedp.WaitVisible(css(`#destinations`)))
	if rows := b.count("#destinations tbody tr"); rows != 2 {
		t.Errorf("destinations listed: %d", rows)
	}
}

// TestBrowserSettings: an administrator sets up mail and sends a test
// e-mail, switches export off and on, creates an account and changes its
// role, reads and downloads the audit log, and makes an API token that
// works.
func TestBrowserSettings(t *testing.T) {
	smtp := smtptest.Start(t, smtptest.Options{Users: map[string]string{"facteur": "mail-secret"}})
	b := tab{t, browser(t)}
	n := startServe(t, t.TempDir())
	if err := uiLogin(b.ctx, n.base, testAdmin, testPassword); err != nil {
		t.Fatal(err)
	}
	b.do(chromedp.Navigate(n.base+"/settings/mail"), chromedp.WaitVisible(css(`#mail-form`)))
	for id, v := range map[string]string{"host": smtp.Host, "port": fmt.Sprint(smtp.Port), "security": "none", "auth": "plain",
		"username": "facteur", "password": "mail-secret", "from": "Facteur <facteur@example.org>"} {
		b.set("#"+id, v)
	}
	b.follow(`button[data-action="save"]`, `.flash`)
	if tag := b.text(`label[for="password"] .tag`); tag != "set" {
		t.Errorf("password tag: %q", tag)
	}
	if v := eval[string](b, `document.querySelector("#password").value`); v != "" {
		t.Errorf("the mail password is shown")
	}
	b.set("#to", "ops@example.org")
	b.follow(`button[data-action="mail-test"]`, `.flash`)
	if got := smtp.WaitFor(1, 10*time.Second); len(got) != 1 || got[0].To[0] != "ops@example.org" {
		t.Fatalf("test mail: %+v", got)
	}
	screenshot(t, b.ctx, "settings-mail")

	b.do(chromedp.Navigate(n.base+"/settings/policy"), chromedp.WaitVisible(css(`#policy-form`)))
	b.do(chromedp.Click(css(`input[name="export_enabled"]`)))
	b.set("#allowed_email_domains", "example.org\npartner.example")
	b.follow(`button[data-action="save"]`, `.flash`)
	var policy facteur.Policy
	n.must(200, "GET", "/api/v1/settings/policy", nil, &policy)
	if !policy.ExportDisabled || fmt.Sprint(policy.AllowedDomains) != "[example.org partner.example]" {
		t.Errorf("policy: %+v", policy)
	}

	b.do(chromedp.Navigate(n.base+"/settings/users"), chromedp.WaitVisible(css(`#users`)))
	b.set("#email", "ana@example.org")
	b.set("#role", "editor")
	b.set("#upassword", "a long passphrase")
	b.follow(`button[data-action="create-user"]`, `.flash`)
	var users []facteur.User
	n.must(200, "GET", "/api/v1/users", nil, &users)
	if len(users) != 2 || users[1].Email != "ana@example.org" || users[1].Role != facteur.RoleEditor || !users[1].Active {
		t.Fatalf("users: %+v", users)
	}
	row := fmt.Sprintf(`tr[data-user="%d"]`, users[1].ID)
	b.set(row+` select[name="role"]`, "viewer")
	b.do(chromedp.Click(css(row + ` input[name="active"]`)))
	b.follow(row+` button[data-action="save-user"]`, `.flash`)
	n.must(200, "GET", fmt.Sprintf("/api/v1/users/%d", users[1].ID), nil, &users[1])
	if users[1].Role != facteur.RoleViewer || users[1].Active {
		t.Errorf("changed account: %+v", users[1])
	}
	screenshot(t, b.ctx, "users")

	b.do(chromedp.Navigate(n.base+"/settings/audit"), chromedp.WaitVisible(css(`#audit`)))
	if log := b.text("#audit"); !strings.Contains(log, "settings.mail") || !strings.Contains(log, "user.update") || !strings.Contains(log, "login") {
		t.Errorf("audit log page:\n%s", log)
	}
	if csv := eval[string](b, `fetch(document.querySelector('[data-action="audit-csv"]').href).then(r => r.text())`); !strings.HasPrefix(csv, "id,at,actor_id,actor,action") {
		t.Errorf("audit CSV: %.200q", csv)
	}

	b.do(chromedp.Click(css(`a.who`)), chromedp.WaitVisible(css(`#new-token-form`)))
	b.set("#tname", "nightly script")
	b.follow(`button[data-action="create-token"]`, `#new-token`)
	other := *n
	other.token = eval[string](b, `document.querySelector("#new-token").value`)
	var me struct{ User facteur.User }
	other.must(200, "GET", "/api/v1/me", nil, &me)
	if me.User.Email != testAdmin {
		t.Errorf("the new token acts as %q", me.User.Email)
	}

	// No page shows words another site put in its URL.
	b.do(chromedp.Navigate(n.base+"/schedules?done=Your+account+is+locked%2C+call+0800"), chromedp.WaitVisible(css(`main h1`)))
	if b.count(".flash") != 0 {
		t.Errorf("a message from the URL is shown: %q", b.text(".flash"))
	}

	// The password is changed under the account's name; the session ends.
	b.do(chromedp.Navigate(n.base+"/tokens"), chromedp.WaitVisible(css(`#password-form`)))
	b.set("#current_password", "not my password")
	b.set("#new_password", "a brand new passphrase")
	b.follow(`button[data-action="change-password"]`, `.error`)
	if msg := b.text(".error"); !strings.Contains(msg, "current_password") {
		t.Errorf("a wrong current password: %q", msg)
	}
	b.set("#current_password", testPassword)
	b.set("#new_password", "a brand new passphrase")
	b.follow(`button[data-action="change-password"]`, `#email`)
	if flash := b.text(".flash"); flash != "Password changed: log in with the new one." {
		t.Errorf("after the change: %q", flash)
	}
	if err := uiLogin(b.ctx, n.base, testAdmin, "a brand new passphrase"); err != nil {
		t.Fatalf("login with the new password: %v", err)
	}
}

// TestBrowserOneOffExport: a report is exported once for February from the
// one-off export page; the file is listed there and downloads with
// February's rows only.
func TestBrowserOneOffExport(t *testing.T) {
	b := tab{t, browser(t)}
	n := startServe(t, t.TempDir())
	var src, rep struct{ ID int64 }
	n.must(201, "POST", "/api/v1/sources", map[string]any{"name": "Help desk", "dsn": smallSQLiteSource(t)}, &src)
	n.must(201, "POST", "/api/v1/reports", map[string]any{"name": "Items", "source_id": src.ID, "created_column": "created",
		"sql": "select id, label, case id when 1 then '2026-01-15 10:00:00' else '2026-02-15 10:00:00' end as created from items order by id"}, &rep)
	if err := uiLogin(b.ctx, n.base, testAdmin, testPassword); err != nil {
		t.Fatal(err)
	}
	var charted struct{ ID int64 }
	n.must(201, "POST", "/api/v1/reports", map[string]any{"name": "Items chart", "source_id": src.ID, "sql": "select id, label from items order by id",
		"chart": map[string]any{"type": "bar", "x": "label", "y": []string{"id"}}}, &charted)
	b.do(chromedp.Navigate(n.base+"/exports"), chromedp.WaitVisible(css(`#export-form`)))
	// png is the report's chart: offered only for a report that has one.
	pngOff := `document.querySelector('#format option[value="png"]').disabled`
	b.set("#report_id", fmt.Sprint(charted.ID))
	if eval[bool](b, pngOff) {
		t.Error("png is disabled for a report with a chart")
	}
	b.set("#report_id", fmt.Sprint(rep.ID))
	if !eval[bool](b, pngOff) {
		t.Error("png is offered for a report without a chart")
	}
	b.set("#period_on", "created")
	b.set("#from", "2026-02-01")
	b.set("#to", "2026-03-01")
	b.follow(`button[data-action="export"]`, `.flash`)
	var runID int64
	if flash := b.text(".flash"); func() error { _, err := fmt.Sscanf(flash, "Export started (run %d)", &runID); return err }() != nil {
		t.Fatalf("flash: %q", flash)
	}
	n.waitRun(runID)
	b.do(chromedp.Navigate(n.base+"/exports"), chromedp.WaitVisible(css(fmt.Sprintf(`tr[data-run="%d"] a[data-action="download"]`, runID))))
	screenshot(t, b.ctx, "export")
	if got := eval[string](b, fmt.Sprintf(`fetch("/api/v1/runs/%d/download").then(r => r.text())`, runID)); got != "id,label,created\n2,two,2026-02-15 10:00:00\n" {
		t.Errorf("exported: %q", got)
	}
}

// unlabelled lists the form controls of the page that have no label a
// screen reader can read.
const unlabelled = `[...document.querySelectorAll("input:not([type=hidden]), select, textarea")]
	.filter(el => el.labels.length === 0 && !el.getAttribute("aria-label")).map(el => el.name || el.id).join(",")`

// TestBrowserLayout: every page an administrator reaches fits a laptop's
// half screen (720 px) without scrolling sideways, except the wide tables
// that scroll inside themselves, and every form control has a label; a
// folder destination is created from its form.
func TestBrowserLayout(t *testing.T) {
	b := tab{t, browser(t)}
	n := startServe(t, t.TempDir())
	var src, rep struct{ ID int64 }
	n.must(201, "POST", "/api/v1/sources", map[string]any{"name": "Help desk", "dsn": smallSQLiteSource(t)}, &src)
	n.must(201, "POST", "/api/v1/reports", map[string]any{"name": "Items", "source_id": src.ID, "sql": "select * from items order by id"}, &rep)
	if err := uiLogin(b.ctx, n.base, testAdmin, testPassword); err != nil {
		t.Fatal(err)
	}
	outbox := t.TempDir()
	b.do(chromedp.Navigate(n.base+"/destinations/new?kind=folder"), chromedp.WaitVisible(css(`#destination-form`)))
	b.set("#name", "Drop folder")
	b.set(`[name="folder.path"]`, outbox)
	b.follow(`button[data-action="save"]`, `.flash`)
	var dests []struct{ Kind, Name string }
	n.must(200, "GET", "/api/v1/destinations", nil, &dests)
	if len(dests) != 1 || dests[0].Kind != "folder" {
		t.Fatalf("destinations: %+v", dests)
	}

	b.do(chromedp.EmulateViewport(720, 900))
	for _, p := range []string{"/schedules", "/schedules/new", "/reports", fmt.Sprintf("/reports/%d/edit", rep.ID), "/runs", "/exports",
		"/destinations", "/destinations/new", "/groups", "/groups/new", "/sources", "/sources/new", "/settings/mail", "/settings/policy", "/settings/users", "/settings/audit", "/tokens"} {
		b.do(chromedp.Navigate(n.base+p), chromedp.WaitVisible(css(`main h1`)))
		if wide := eval[int](b, `document.documentElement.scrollWidth - window.innerWidth`); wide > 0 {
			t.Errorf("%s is %d px wider than a 720 px window", p, wide)
		}
		if missing := eval[string](b, unlabelled); missing != "" {
			t.Errorf("%s: controls without a label: %s", p, missing)
		}
		if errs := eval[string](b, `[...document.querySelectorAll(".error, .field-error")].map(e => e.textContent).join(" | ")`); errs != "" {
			t.Errorf("%s shows errors before anything was done: %s", p, errs)
		}
	}
	b.do(chromedp.Navigate(n.base + "/schedules/new"))
	screenshot(t, b.ctx, "narrow")
}
