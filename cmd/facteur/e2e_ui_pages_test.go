package main

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/facteur/facteur"
)

// pagesFixture is a served Facteur with a source, a report, a folder
// destination and a schedule, weekdays at 06:00 in Paris.
type pagesFixture struct {
	n                      *node
	outbox                 string
	src, rep, dest, sched  struct{ ID int64 }
	group                  struct{ ID int64 }
	reportName, schedName  string
	scheduleRow, schedPage string
}

func newPagesFixture(t *testing.T) pagesFixture {
	t.Helper()
	f := pagesFixture{n: startServe(t, t.TempDir()), outbox: t.TempDir(), reportName: "Items", schedName: "Daily items"}
	n := f.n
	n.must(200, "PUT", "/api/v1/settings/policy", map[string]any{"allowed_email_domains": []string{"example.org"}}, nil)
	n.must(201, "POST", "/api/v1/sources", map[string]any{"name": "Help desk", "dsn": smallSQLiteSource(t)}, &f.src)
	n.must(201, "POST", "/api/v1/reports", map[string]any{"name": f.reportName, "source_id": f.src.ID, "sql": "select * from items order by id"}, &f.rep)
	n.must(201, "POST", "/api/v1/destinations", map[string]any{"name": "Partner drop", "kind": "folder", "config": map[string]any{"path": f.outbox}}, &f.dest)
	n.must(201, "POST", "/api/v1/schedules", map[string]any{"name": f.schedName, "report_id": f.rep.ID, "destination_id": f.dest.ID,
		"file_name": "items-{run_id}.{ext}", "format": map[string]any{"format": "csv", "delimiter": ";"},
		"options":  map[string]any{"alert_emails": []string{"ops@example.org"}},
		"calendar": map[string]any{"frequency": "daily", "days": []string{"weekdays"}, "at": "06:00", "time_zone": "Europe/Paris"}}, &f.sched)
	n.must(201, "POST", "/api/v1/recipient-groups", map[string]any{"name": "Operations", "addresses": []string{"ops@example.org", testAdmin}}, &f.group)
	f.scheduleRow = fmt.Sprintf(`tr[data-schedule="%d"]`, f.sched.ID)
	f.schedPage = fmt.Sprintf("%s/schedules/%d", n.base, f.sched.ID)
	return f
}

// TestBrowserSchedulePage: the schedule's name in the list leads to its
// page, which shows the calendar in words, the next five runs in the
// calendar's zone, the report, the destination and where it writes, the
// format, the file name, the options, the owner and the last runs with
// their status; Run now, Pause and Resume work from it and from the list,
// and what is stored follows; a viewer sees the page without actions.
func TestBrowserSchedulePage(t *testing.T) {
	b := tab{t, browser(t)}
	f := newPagesFixture(t)
	n := f.n
	n.must(201, "POST", "/api/v1/users", map[string]any{"email": "viewer@example.org", "role": "viewer", "password": "password of the viewer"}, nil)
	if err := uiLogin(b.ctx, n.base, testAdmin, testPassword); err != nil {
		t.Fatal(err)
	}
	b.do(chromedp.WaitVisible(css(`#schedules`)))
	b.follow(f.scheduleRow+` th a`, `#schedule-when`)
	if u := eval[string](b, `location.pathname`); u != fmt.Sprintf("/schedules/%d", f.sched.ID) {
		t.Errorf("the name leads to %s", u)
	}
	if h := b.text("h1"); h != f.schedName {
		t.Errorf("heading %q", h)
	}
	when := b.text("#schedule-when")
	if !strings.Contains(when, "Weekdays at 06:00, Europe/Paris") {
		t.Errorf("calendar in words: %q", when)
	}
	next := eval[[]string](b, `[...document.querySelectorAll("#schedule-when ol.next-runs li")].map(li => li.textContent)`)
	if len(next) != 5 {
		t.Fatalf("next runs: %q", next)
	}
	for _, s := range next {
		// Times of a calendar are shown on its zone's clock, with the offset
		// (Paris is GMT+1 in winter, GMT+2 in summer); a weekday at 06:00.
		if !(strings.HasSuffix(s, " 6:00 AM GMT+1") || strings.HasSuffix(s, " 6:00 AM GMT+2")) || strings.HasPrefix(s, "Sat") || strings.HasPrefix(s, "Sun") {
			t.Errorf("next run %q: want a weekday at 06:00 Paris time, with its zone", s)
		}
	}
	what := b.text("#schedule-what")
	for _, want := range []string{f.reportName, "Partner drop", "folder", f.outbox, "csv", "items-{run_id}.{ext}", `";"`, "ops@example.org", testAdmin} {
		if !strings.Contains(strings.ToLower(what), strings.ToLower(want)) {
			t.Errorf("the schedule page lacks %q:\n%s", want, what)
		}
	}

	// Run now from the page: the run is listed among the last runs, with its status.
	b.follow(`.detail-actions button[data-action="run"]`, `.flash`)
	var runID int64
	if _, err := fmt.Sscanf(b.text(".flash"), "Run %d is queued.", &runID); err != nil {
		t.Fatalf("flash after Run now: %q", b.text(".flash"))
	}
	n.waitRun(runID)
	b.do(chromedp.Navigate(f.schedPage), chromedp.WaitVisible(css(fmt.Sprintf(`#schedule-runs tr[data-run="%d"] .status.succeeded`, runID))))
	if href := eval[string](b, fmt.Sprintf(`document.querySelector('#schedule-runs tr[data-run="%d"] a').getAttribute("href")`, runID)); href != fmt.Sprintf("/runs/%d", runID) {
		t.Errorf("the run links to %q", href)
	}
	screenshot(t, b.ctx, "schedule-page")

	// Pause: the page and the list say so, the schedule has no next run.
	b.follow(`.detail-actions button[data-action="pause"]`, `.flash`)
	if flash := b.text(".flash"); !strings.Contains(flash, "paused") {
		t.Errorf("flash after Pause: %q", flash)
	}
	var sc facteur.Schedule
	n.must(200, "GET", fmt.Sprintf("/api/v1/schedules/%d", f.sched.ID), nil, &sc)
	if sc.Enabled || sc.NextRunAt != nil {
		t.Errorf("after Pause: enabled %v, next %v", sc.Enabled, sc.NextRunAt)
	}
	if tag, runs := b.text("h1 .paused"), b.count("#schedule-when ol.next-runs li"); tag != "Paused" || runs != 0 {
		t.Errorf("paused page: tag %q, %d next runs", tag, runs)
	}
	screenshot(t, b.ctx, "schedule-page-paused")
	b.do(chromedp.Navigate(n.base+"/schedules"), chromedp.WaitVisible(css(f.scheduleRow)))
	if next := b.text(f.scheduleRow + ` td[data-label="Next run"]`); next != "Paused" {
		t.Errorf("the list's next run of a paused schedule: %q", next)
	}
	// Run now still works while paused.
	var manual facteur.Run
	n.must(202, "POST", fmt.Sprintf("/api/v1/schedules/%d/run", f.sched.ID), nil, &manual)
	if r := n.waitRun(manual.ID); r.Status != facteur.RunSucceeded {
		t.Errorf("Run now of a paused schedule: %s %s", r.Status, r.Error)
	}

	// Resume from the list's row menu: the next run is the next slot after now.
	before := time.Now()
	b.do(chromedp.Click(css(f.scheduleRow + ` summary`)))
	b.follow(f.scheduleRow+` button[data-action="resume"]`, `.flash`)
	n.must(200, "GET", fmt.Sprintf("/api/v1/schedules/%d", f.sched.ID), nil, &sc)
	if !sc.Enabled || sc.NextRunAt == nil || !sc.NextRunAt.After(before) || sc.NextRunAt.After(before.Add(4*24*time.Hour)) {
		t.Errorf("after Resume: enabled %v, next %v", sc.Enabled, sc.NextRunAt)
	}
	if b.count(f.scheduleRow+` .paused`) != 0 {
		t.Errorf("the list still says paused")
	}

	// A viewer sees the page, and no action.
	b.follow(`header form button`, `#email`)
	if err := uiLogin(b.ctx, n.base, "viewer@example.org", "password of the viewer"); err != nil {
		t.Fatal(err)
	}
	b.do(chromedp.Navigate(f.schedPage), chromedp.WaitVisible(css(`#schedule-what`)))
	if actions := b.count(`main button, main a[data-action]`); actions != 0 {
		t.Errorf("the viewer sees %d actions on the schedule page", actions)
	}
	if !strings.Contains(b.text("#schedule-what"), "Partner drop") {
		t.Errorf("the viewer's page: %s", b.text("#schedule-what"))
	}
}

// TestBrowserRunFilters: the history's filters (schedule, status, dates)
// are in the URL, work by submitting the form without any script, and
// select in the store; Older and Newer page through the result.
func TestBrowserRunFilters(t *testing.T) {
	b := tab{t, browser(t)}
	f := newPagesFixture(t)
	n := f.n
	var badDest, other struct{ ID int64 }
	gone := filepath.Join(t.TempDir(), "gone")
	if err := os.Mkdir(gone, 0o755); err != nil {
		t.Fatal(err)
	}
	n.must(201, "POST", "/api/v1/destinations", map[string]any{"name": "Gone", "kind": "folder", "config": map[string]any{"path": gone}}, &badDest)
	os.Remove(gone)
	n.must(201, "POST", "/api/v1/schedules", map[string]any{"name": "Broken", "report_id": f.rep.ID, "destination_id": badDest.ID,
		"format": map[string]any{"format": "csv"}, "calendar": map[string]any{"frequency": "daily", "at": "06:00"}}, &other)
	var failed facteur.Run
	n.must(202, "POST", fmt.Sprintf("/api/v1/schedules/%d/run", other.ID), nil, &failed)
	if r := n.waitRun(failed.ID); r.Status != facteur.RunFailed {
		t.Fatalf("the broken schedule's run: %s", r.Status)
	}
	// 52 runs of the daily schedule: more than a page of 50.
	var ok []int64
	for range 52 {
		var r facteur.Run
		n.must(202, "POST", fmt.Sprintf("/api/v1/schedules/%d/run", f.sched.ID), nil, &r)
		ok = append(ok, r.ID)
	}
	for _, id := range ok {
		n.waitRun(id)
	}

	// The page works without a script: the form's GET carries the filters.
	b.do(chromedp.Navigate("about:blank"))
	if err := uiLogin(b.ctx, n.base, testAdmin, testPassword); err != nil {
		t.Fatal(err)
	}
	b.do(chromedp.Navigate(n.base+"/runs"), chromedp.WaitVisible(css(`#runs-filter`)))
	b.set(`#runs-filter select[name="status"]`, "failed")
	b.follow(`#runs-filter button[data-action="filter"]`, `#runs`)
	u, _ := url.Parse(eval[string](b, `location.href`))
	if u.Query().Get("status") != "failed" {
		t.Errorf("the filter is not in the URL: %s", u)
	}
	if rows := eval[[]string](b, `[...document.querySelectorAll("#runs tbody tr")].map(tr => tr.dataset.run)`); len(rows) != 1 || rows[0] != fmt.Sprint(failed.ID) {
		t.Errorf("failed runs listed: %v, want [%d]", rows, failed.ID)
	}
	screenshot(t, b.ctx, "runs-filtered")

	// A shared URL: one schedule, today (UTC) only, succeeded.
	today := time.Now().UTC().Format(time.DateOnly)
	share := fmt.Sprintf("%s/runs?schedule_id=%d&status=succeeded&from=%s&to=%s", n.base, f.sched.ID, today, today)
	b.do(chromedp.Navigate(share), chromedp.WaitVisible(css(`#runs`)))
	first := eval[[]string](b, `[...document.querySelectorAll("#runs tbody tr")].map(tr => tr.dataset.run)`)
	if len(first) != 50 || first[0] != fmt.Sprint(ok[51]) || first[49] != fmt.Sprint(ok[2]) {
		t.Fatalf("first page: %d runs %v", len(first), first)
	}
	if sel := eval[string](b, `document.querySelector('#runs-filter select[name="schedule_id"]').value`); sel != fmt.Sprint(f.sched.ID) {
		t.Errorf("the form does not show the URL's schedule: %q", sel)
	}
	if b.count(`a[data-page="newer"]`) != 0 {
		t.Errorf("the newest page offers newer runs")
	}
	b.follow(`a[data-page="older"]`, `#runs`)
	older := eval[[]string](b, `[...document.querySelectorAll("#runs tbody tr")].map(tr => tr.dataset.run)`)
	if len(older) != 2 || older[0] != fmt.Sprint(ok[1]) || older[1] != fmt.Sprint(ok[0]) {
		t.Errorf("older page: %v", older)
	}
	if q, _ := url.Parse(eval[string](b, `location.href`)); q.Query().Get("status") != "succeeded" || q.Query().Get("from") != today {
		t.Errorf("paging lost the filters: %s", q)
	}
	b.follow(`a[data-page="newer"]`, `#runs`)
	if back := eval[[]string](b, `[...document.querySelectorAll("#runs tbody tr")].map(tr => tr.dataset.run)`); len(back) != 50 || back[0] != fmt.Sprint(ok[51]) {
		t.Errorf("newer page: %d runs, first %v", len(back), back[:min(1, len(back))])
	}

	// Yesterday has no run; a bad date is refused in the API's words.
	yesterday := time.Now().UTC().AddDate(0, 0, -1).Format(time.DateOnly)
	b.do(chromedp.Navigate(n.base+"/runs?to="+yesterday), chromedp.WaitVisible(css(`main .empty`)))
	if msg := b.text("main .empty"); msg != "No run matches these filters." {
		t.Errorf("empty range: %q", msg)
	}
	b.do(chromedp.Navigate(n.base+"/runs?from=tomorrow"), chromedp.WaitVisible(css(`main .error`)))
	if msg := b.text("main .error"); !strings.HasPrefix(msg, "from:") {
		t.Errorf("bad date: %q", msg)
	}
}

// TestBrowserCardLabels: at 720 and 375 pixels wide, where lists become
// cards, every value of every list carries its column's label.
func TestBrowserCardLabels(t *testing.T) {
	b := tab{t, browser(t)}
	f := newPagesFixture(t)
	n := f.n
	var run, exp facteur.Run
	n.must(202, "POST", fmt.Sprintf("/api/v1/schedules/%d/run", f.sched.ID), nil, &run)
	n.must(202, "POST", "/api/v1/exports", map[string]any{"report_id": f.rep.ID, "format": map[string]any{"format": "csv"}}, &exp)
	n.waitRun(run.ID)
	n.waitRun(exp.ID)
	n.must(201, "POST", "/api/v1/users", map[string]any{"email": "viewer@example.org", "role": "viewer", "password": "password of the viewer"}, nil)
	if err := uiLogin(b.ctx, n.base, testAdmin, testPassword); err != nil {
		t.Fatal(err)
	}
	// For each cell of the list, its label as shown, and the column's heading.
	const cells = `[...document.querySelectorAll("table.list tbody tr")].flatMap(tr => [...tr.children].map((c, i) => {
		const head = c.closest("table").querySelectorAll("thead th")[i].textContent.trim();
		const before = getComputedStyle(c, "::before").content;
		return {head, shown: before === "none" ? "" : before.replace(/^"|"$/g, ""), actions: head === "Actions"};
	}))`
	type cell struct {
		Head, Shown string
		Actions     bool
	}
	pages := []string{"/schedules", "/runs", "/reports", "/sources", "/destinations", "/groups", "/settings/users", "/tokens", "/exports", "/settings/audit", fmt.Sprintf("/schedules/%d", f.sched.ID)}
	for _, width := range []int64{720, 375} {
		b.do(chromedp.EmulateViewport(width, 900))
		for _, p := range pages {
			b.do(chromedp.Navigate(n.base+p), chromedp.WaitVisible(css(`table.list tbody tr`)))
			got := eval[[]cell](b, cells)
			if len(got) == 0 {
				t.Errorf("%s at %dpx: no cell", p, width)
			}
			for _, c := range got {
				if c.Actions {
					continue
				}
				if c.Shown != c.Head {
					t.Errorf("%s at %dpx: a value of column %q is labelled %q", p, width, c.Head, c.Shown)
				}
			}
			if width == 375 && (p == "/schedules" || p == "/runs" || p == "/settings/users" || p == pages[len(pages)-1]) {
				screenshot(t, b.ctx, "cards-"+strings.ReplaceAll(strings.Trim(p, "/"), "/", "-"))
			}
		}
	}
	b.do(chromedp.EmulateViewport(1280, 860))
	b.do(chromedp.Navigate(n.base+"/schedules"), chromedp.WaitVisible(css(`#schedules`)))
	if shown := eval[string](b, `getComputedStyle(document.querySelector("#schedules tbody td"), "::before").content`); shown != "none" {
		t.Errorf("at desktop width the table shows labels in its cells: %s", shown)
	}
}

// TestBrowserSendTest: Send test on the schedule's page delivers the
// first 100 rows of the report, in the schedule's format, under its file
// name with TEST_ in front, to its destination; the history keeps it as a
// test run; the calendar does not move and the list's last status is not
// the test's. To a webhook, the request says Facteur-Test: true.
func TestBrowserSendTest(t *testing.T) {
	b := tab{t, browser(t)}
	f := newPagesFixture(t)
	n := f.n
	const many = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 250) SELECT x AS id, 'row ' || x AS label FROM c"
	n.must(200, "PUT", fmt.Sprintf("/api/v1/reports/%d", f.rep.ID), map[string]any{"name": f.reportName, "source_id": f.src.ID, "sql": many}, nil)
	var before facteur.Schedule
	n.must(200, "GET", fmt.Sprintf("/api/v1/schedules/%d", f.sched.ID), nil, &before)

	if err := uiLogin(b.ctx, n.base, testAdmin, testPassword); err != nil {
		t.Fatal(err)
	}
	b.do(chromedp.Navigate(f.schedPage), chromedp.WaitVisible(css(`#schedule-what`)))
	b.follow(`.detail-actions button[data-action="test"]`, `dl.facts`)
	var runID int64
	if _, err := fmt.Sscanf(eval[string](b, `location.pathname`), "/runs/%d", &runID); err != nil {
		t.Fatalf("Send test led to %s", eval[string](b, `location.pathname`))
	}
	if flash := b.text(".flash"); !strings.Contains(flash, "Test run") {
		t.Errorf("flash: %q", flash)
	}
	r := n.waitRun(runID)
	name := fmt.Sprintf("TEST_items-%d.csv", runID)
	if r.Status != facteur.RunSucceeded || r.Trigger != facteur.TriggerTest || r.Rows != 100 || r.FileName != name {
		t.Fatalf("test run: %s %s, %d rows, %q: %s", r.Status, r.Trigger, r.Rows, r.FileName, r.Error)
	}
	got, err := os.ReadFile(filepath.Join(f.outbox, name))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(string(got), "\n"), "\n")
	if len(lines) != 101 || lines[0] != "id;label" || lines[100] != "100;row 100" {
		t.Errorf("the test file has %d lines, %q … %q", len(lines), lines[0], lines[len(lines)-1])
	}
	if files, _ := os.ReadDir(f.outbox); len(files) != 1 {
		t.Errorf("outbox holds %v", files)
	}
	b.do(chromedp.Reload(), chromedp.WaitVisible(css(`dl.facts .status.succeeded`)))
	if facts := b.text("dl.facts"); !strings.Contains(facts, "test") {
		t.Errorf("the run page does not say it is a test:\n%s", facts)
	}
	screenshot(t, b.ctx, "send-test-run")

	// The calendar did not move, and the list's last status is not the test.
	var after facteur.Schedule
	n.must(200, "GET", fmt.Sprintf("/api/v1/schedules/%d", f.sched.ID), nil, &after)
	if before.NextRunAt == nil || after.NextRunAt == nil || !after.NextRunAt.Equal(*before.NextRunAt) {
		t.Errorf("next run moved: %v -> %v", before.NextRunAt, after.NextRunAt)
	}
	b.do(chromedp.Navigate(n.base+"/schedules"), chromedp.WaitVisible(css(f.scheduleRow)))
	if last := b.text(f.scheduleRow + ` td[data-label="Last status"]`); last != "—" {
		t.Errorf("the list's last status after only a test: %q", last)
	}

	// To a webhook: the request is marked as a test.
	type hit struct {
		test, name string
		lines      int
	}
	hits := make(chan hit, 4)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		hits <- hit{r.Header.Get("Facteur-Test"), r.Header.Get("Facteur-File-Name"), strings.Count(string(body), "\n")}
	}))
	defer srv.Close()
	var hook, hooked struct{ ID int64 }
	n.must(201, "POST", "/api/v1/destinations", map[string]any{"name": "Partner hook", "kind": "webhook",
		"config": map[string]any{"url": srv.URL, "secret": "a long enough shared secret"}}, &hook)
	n.must(201, "POST", "/api/v1/schedules", map[string]any{"name": "Hooked", "report_id": f.rep.ID, "destination_id": hook.ID,
		"file_name": "items.{ext}", "format": map[string]any{"format": "csv"}, "calendar": map[string]any{"frequency": "daily", "at": "06:00"}}, &hooked)
	var run facteur.Run
	n.must(202, "POST", fmt.Sprintf("/api/v1/schedules/%d/test", hooked.ID), nil, &run)
	if r := n.waitRun(run.ID); r.Status != facteur.RunSucceeded {
		t.Fatalf("webhook test: %s %s", r.Status, r.Error)
	}
	select {
	case h := <-hits:
		if h.test != "true" || h.name != "TEST_items.csv" || h.lines != 101 {
			t.Errorf("webhook got Facteur-Test %q, file %q, %d lines", h.test, h.name, h.lines)
		}
	default:
		t.Error("the webhook got nothing")
	}
}
