package main

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/facteur/facteur"
	"github.com/facteur/facteur/obfuscate"
)

// TestBrowserScheduleBundle (A6, C4): in the schedule form, the reports
// ticked under "Dashboard" are sent with the chosen one; ticking one shows
// its fields, whose obfuscation is its own. Saved as separate files with
// a text confirmation file, the schedules list says Dashboard, Run now
// delivers the three files and the confirmation file, and the run's page
// lists each file with its rows, size and SHA-256. A template without
// {export_name} is refused next to the field, saying to add it.
func TestBrowserScheduleBundle(t *testing.T) {
	b := tab{t, browser(t)}
	n := startServe(t, t.TempDir())
	dsn := smallSQLiteSource(t)
	outbox := t.TempDir()
	var src, dest struct{ ID int64 }
	n.must(201, "POST", "/api/v1/sources", map[string]any{"name": "desk", "dsn": dsn}, &src)
	n.must(201, "POST", "/api/v1/destinations", map[string]any{"name": "Partner drop", "kind": "folder", "config": map[string]any{"path": outbox}}, &dest)
	var reps []int64
	for _, name := range []string{"agents", "cases", "messages"} {
		var rep struct{ ID int64 }
		n.must(201, "POST", "/api/v1/reports", map[string]any{"name": name, "source_id": src.ID, "sql": "select id, label from items order by id"}, &rep)
		reps = append(reps, rep.ID)
	}
	if err := uiLogin(b.ctx, n.base, testAdmin, testPassword); err != nil {
		t.Fatal(err)
	}
	b.do(chromedp.Navigate(n.base+"/schedules/new"), chromedp.WaitVisible(css(`#schedule-form`)))
	b.set("#name", "Night desk")
	b.set("#report_id", fmt.Sprint(reps[0]))
	b.set("#destination_id", fmt.Sprint(dest.ID))
	b.set("#file_name", "{export_name}.{ext}")
	visible := func(sel string) bool {
		return eval[bool](b, fmt.Sprintf(`(() => { const el = document.querySelector(%q); return !!el && el.checkVisibility() })()`, sel))
	}
	if visible(fmt.Sprintf(`[data-bundle-choice="%d"]`, reps[0])) || !visible(fmt.Sprintf(`[data-bundle-choice="%d"]`, reps[1])) {
		t.Error("the dashboard offers the chosen report, or hides the others")
	}
	casesLabel := fmt.Sprintf("#obf-%d-1", reps[1])
	if visible(casesLabel) {
		t.Error("the fields of a report not sent are shown")
	}
	b.do(chromedp.Click(css(fmt.Sprintf(`input[name=bundle_report][value="%d"]`, reps[1]))), chromedp.Click(css(fmt.Sprintf(`input[name=bundle_report][value="%d"]`, reps[2]))))
	if !visible(casesLabel) {
		t.Fatal("ticking a report does not show its fields")
	}
	b.set(casesLabel, "label=hash")
	b.set("#bundle_packaging", "files")
	b.do(chromedp.Click(css(`input[name=confirmation]`)))
	b.set("#confirmation_format", "text")
	b.set("#confirmation_name", "{label}.done")
	screenshots(t, b.ctx, "schedule-form-bundle")
	b.follow(`button[data-action="save"]`, `#schedules`)
	if got := b.text(`#schedules [data-type="dashboard"]`); got != "Dashboard (3 reports)" {
		t.Errorf("the schedules list's type says %q", got)
	}

	var list []facteur.Schedule
	n.must(200, "GET", "/api/v1/schedules", nil, &list)
	if len(list) != 1 || list[0].Bundle == nil || list[0].Bundle.Packaging != "files" || len(list[0].Bundle.Reports) != 2 ||
		list[0].Bundle.Reports[0].ReportID != reps[1] || fmt.Sprint(list[0].Bundle.Reports[0].Obfuscate) != fmt.Sprint([]facteur.FieldRule{{Field: "label", Method: "hash"}}) ||
		list[0].Bundle.Reports[1].ReportID != reps[2] || list[0].Obfuscate != nil || list[0].Options.ConfirmationFile == nil || list[0].Options.ConfirmationFile.Format != "text" {
		t.Fatalf("saved: %+v", list)
	}
	var run facteur.Run
	n.must(202, "POST", fmt.Sprintf("/api/v1/schedules/%d/run", list[0].ID), nil, &run)
	r := n.waitRun(run.ID)
	if r.Status != facteur.RunSucceeded {
		t.Fatalf("run: %s %s", r.Status, r.Error)
	}
	if got := files(t, outbox); !slices.Equal(got, []string{"Night desk.done", "agents.csv", "cases.csv", "messages.csv"}) {
		t.Fatalf("outbox holds %v", got)
	}
	plain := "id,label\n1,one\n2,two\n"
	hashed := fmt.Sprintf("id,label\n1,%s\n2,%s\n", obfuscate.Hash([]byte("one")), obfuscate.Hash([]byte("two")))
	for name, want := range map[string]string{"agents.csv": plain, "cases.csv": hashed, "messages.csv": plain} {
		if got, _ := os.ReadFile(filepath.Join(outbox, name)); string(got) != want {
			t.Errorf("%s: %q, want %q", name, got, want)
		}
	}

	// The run's page lists each file.
	b.do(chromedp.Navigate(n.base+fmt.Sprintf("/runs/%d", run.ID)), chromedp.WaitVisible(css(`#run-files`)))
	if c := b.count(`#run-files tbody tr`); c != 3 {
		t.Fatalf("the run's page lists %d files", c)
	}
	row := b.text(`#run-files tr[data-file="cases.csv"]`)
	if !strings.Contains(row, "cases") || !strings.Contains(row, r.Files[1].SHA256) || !strings.Contains(row, "2") {
		t.Errorf("the run's page shows cases.csv as %q", row)
	}
	if b.count(`a[data-action="download"]`) != 0 {
		t.Error("a run of separate files offers one file to download")
	}

	// A template that gives the three files one name is refused.
	b.do(chromedp.Navigate(n.base+fmt.Sprintf("/schedules/%d/edit", list[0].ID)), chromedp.WaitVisible(css(`#schedule-form`)))
	if !eval[bool](b, fmt.Sprintf(`document.querySelector('input[name=bundle_report][value="%d"]').checked`, reps[2])) || b.value("#bundle_packaging") != "files" || b.value(casesLabel) != "label=hash" {
		t.Error("the form does not show the dashboard again")
	}
	b.set("#file_name", "daily.{ext}")
	b.follow(`button[data-action="save"]`, `#schedule-form`)
	if msg := b.text(`.error-summary`); !strings.Contains(msg, "{export_name}") {
		t.Errorf("the refusal says %q", msg)
	}
}
