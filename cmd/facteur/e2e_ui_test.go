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
)

// browser starts a headless Chromium for one test and returns a context
// for its first tab. FACTEUR_TEST_CHROMIUM names the binary (default
// /usr/bin/chromium); "skip" skips the test.
func browser(t *testing.T) context.Context {
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
	ctx, cancelTime := context.WithTimeout(ctx, 3*time.Minute)
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
		chromedp.WaitVisible(css(`main h1`)),
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
	b.do(chromedp.Click(css(row+` summary`)), chromedp.Click(css(row+` button[data-action="run"]`)), chromedp.WaitVisible(css(`.flash`)))
	var runID int64
	if flash := b.text(".flash"); func() error { _, err := fmt.Sscanf(flash, "Run %d is queued.", &runID); return err }() != nil {
		t.Fatalf("flash after Run now: %q", flash)
	}
	n.waitRun(runID)
	runRow := fmt.Sprintf(`tr[data-run="%d"]`, runID)
	b.do(chromedp.Navigate(n.base+"/runs"), chromedp.WaitVisible(css(runRow+` .status.succeeded`)))
	screenshot(t, b.ctx, "runs")

	// View: the numbers, the stage chart and the log.
	b.do(chromedp.Click(css(runRow+` th a`)), chromedp.WaitVisible(css(`dl.facts`)))
	if facts, bars := b.text("dl.facts"), b.count(".stages progress"); !strings.Contains(facts, "succeeded") || !strings.Contains(facts, filepath.Join(outbox, fmt.Sprintf("items-%d.csv", runID))) || bars < 3 {
		t.Errorf("run page: %d stage bars\n%s", bars, facts)
	}
	screenshot(t, b.ctx, "run")

	// Download gives the file's bytes (the session's cookie is enough).
	if got := eval[string](b, fmt.Sprintf(`fetch("/api/v1/runs/%d/download").then(r => r.text())`, runID)); got != "id,label\n1,one\n2,two\n" {
		t.Errorf("download: %q", got)
	}

	// Retry delivers the same file again as a new run.
	b.do(chromedp.Click(css(`button[data-action="retry"]`)), chromedp.WaitVisible(css(`.flash`)))
	var retryID int64
	if flash := b.text(".flash"); func() error { _, err := fmt.Sscanf(flash, "Retry queued as run %d.", &retryID); return err }() != nil {
		t.Fatalf("flash after Retry: %q", flash)
	}
	if r := n.waitRun(retryID); r.Status != facteur.RunSucceeded || r.RetryOf != runID {
		t.Fatalf("retry run: %+v", r.Run)
	}

	// Ignore hides the first run from the history.
	b.do(chromedp.Navigate(n.base+"/runs"), chromedp.WaitVisible(css(runRow)), chromedp.Click(css(runRow+` button[data-action="ignore"]`)), chromedp.WaitVisible(css(`.flash`)))
	if b.count(runRow) != 0 {
		t.Errorf("the ignored run is still listed")
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
	b.do(chromedp.Click(css(`header form button`)), chromedp.WaitVisible(css(`#email`)))
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
