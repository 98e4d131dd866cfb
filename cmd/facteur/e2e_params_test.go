package main

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/facteur/facteur"
)

// TestBrowserReportParams: parameters are added to a report and removed
// in its form, the preview asks for their values, the schedule form has
// one typed input per parameter whose refusal is shown next to it, and an
// account that may not edit sees the values read-only.
func TestBrowserReportParams(t *testing.T) {
	b := tab{t, browser(t)}
	n := startServe(t, t.TempDir())
	var src, dest struct{ ID int64 }
	n.must(201, "POST", "/api/v1/sources", map[string]any{"name": "Help desk", "dsn": smallSQLiteSource(t)}, &src)
	n.must(201, "POST", "/api/v1/destinations", map[string]any{"name": "Partner drop", "kind": "folder", "config": map[string]any{"path": t.TempDir()}}, &dest)
	if err := uiLogin(b.ctx, n.base, testAdmin, testPassword); err != nil {
		t.Fatal(err)
	}

	// A new report with one parameter, then a second one added.
	b.do(chromedp.Navigate(n.base+"/reports/new"), chromedp.WaitVisible(css(`#report-form`)))
	b.set("#name", "Items by label")
	b.set("#source_id", fmt.Sprint(src.ID))
	b.set("#sql", "select id, label from items where id >= :min order by id")
	b.set(`#parameters tbody tr:nth-child(1) input[name="param_name"]`, "min")
	b.set(`#parameters tbody tr:nth-child(1) select[name="param_type"]`, "integer")
	b.set(`#parameters tbody tr:nth-child(1) input[name="param_default"]`, "1")
	b.follow(`button[data-action="save"]`, `#fields`)
	b.set("#sql", "select id, label from items where id >= :min and label in (:labels) order by id")
	b.set(`#parameters tbody tr:nth-child(2) input[name="param_name"]`, "labels")
	b.set(`#parameters tbody tr:nth-child(2) select[name="param_type"]`, "list")
	b.set(`#parameters tbody tr:nth-child(2) input[name="param_label"]`, "Labels")
	b.follow(`button[data-action="save"]`, `#fields`)
	b.set(`#parameters tbody tr:nth-child(3) input[name="param_name"]`, "unused")
	b.follow(`button[data-action="save"]`, `#fields`)
	if got := b.count(`#parameters input[name="param_remove"]`); got != 3 {
		t.Fatalf("%d parameters can be removed, want 3", got)
	}
	b.do(chromedp.Click(css(`#parameters input[name="param_remove"][value="2"]`)))
	b.follow(`button[data-action="save"]`, `#fields`)
	var reps []facteur.Report
	n.must(200, "GET", "/api/v1/reports", nil, &reps)
	if len(reps) != 1 || len(reps[0].Parameters) != 2 || reps[0].Parameters[0].Name != "min" || reps[0].Parameters[0].Type != facteur.ParamInteger ||
		reps[0].Parameters[0].Default == nil || reps[0].Parameters[0].Default.Text != "1" || reps[0].Parameters[1].Label != "Labels" {
		t.Fatalf("saved parameters: %+v", reps)
	}
	rep := reps[0]

	// The preview asks for the values.
	if typ := b.attr("#p_min", "type"); typ != "number" {
		t.Errorf("the preview's min input is of type %q", typ)
	}
	b.set("#p_min", "2")
	b.set("#p_labels", "one,two")
	b.follow(`#preview-form button[data-action="preview"]`, `#preview-table`)
	if rows := b.text("#preview-table tbody"); b.count("#preview-table tbody tr") != 1 || !strings.Contains(rows, "two") {
		t.Errorf("preview rows: %q", rows)
	}
	if v := b.value("#p_labels"); v != "one,two" {
		t.Errorf("the preview forgot the values typed: %q", v)
	}
	screenshots(t, b.ctx, "report-params")

	// The schedule form: one typed input per parameter; a missing value is
	// refused next to its input.
	min, labels := fmt.Sprintf("#param_%d_min", rep.ID), fmt.Sprintf("#param_%d_labels", rep.ID)
	b.do(chromedp.Navigate(fmt.Sprintf("%s/schedules/new?report_id=%d", n.base, rep.ID)), chromedp.WaitVisible(css(labels)))
	if typ, ph := b.attr(min, "type"), b.attr(min, "placeholder"); typ != "number" || ph != "1" {
		t.Errorf("min input: type %q, placeholder %q", typ, ph)
	}
	b.set("#name", "Two only")
	b.set("#destination_id", fmt.Sprint(dest.ID))
	b.follow(`button[data-action="save"]:not([hidden])`, `#schedule-form`)
	if msg := b.text(labels + "-error"); !strings.Contains(msg, "give a value") {
		t.Errorf("message next to the labels input: %q", msg)
	}
	if inv := b.attr(labels, "aria-invalid"); inv != "true" {
		t.Errorf("labels input aria-invalid %q", inv)
	}
	b.set(labels, "two")
	b.follow(`button[data-action="save"]:not([hidden])`, `#schedules`)
	var list []facteur.Schedule
	n.must(200, "GET", "/api/v1/schedules", nil, &list)
	if len(list) != 1 || list[0].Params["labels"].Text != "two" || len(list[0].Params) != 1 {
		t.Fatalf("saved schedule: %+v", list)
	}

	// A one-off export asks for the values of the chosen report's parameters.
	b.do(chromedp.Navigate(n.base+"/exports"), chromedp.WaitVisible(css(`#export-form`)))
	b.set("#export-form #report_id", fmt.Sprint(rep.ID))
	if b.attr(labels, "type") != "text" || eval[bool](b, fmt.Sprintf(`document.querySelector(%q).closest("fieldset").hidden`, labels)) {
		t.Errorf("the export form hides the labels input of the chosen report")
	}
	b.set(labels, "one")
	b.follow(`button[data-action="export"]`, `#exports`)
	var runs []facteur.Run
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(200 * time.Millisecond) {
		n.must(200, "GET", "/api/v1/exports", nil, &runs)
		if len(runs) != 1 || runs[0].Status == facteur.RunSucceeded || runs[0].Status == facteur.RunFailed || time.Now().After(deadline) {
			break
		}
	}
	var used struct{ Params map[string]any }
	if len(runs) == 1 {
		if err := json.Unmarshal(runs[0].Definition, &used); err != nil {
			t.Fatal(err)
		}
	}
	if len(runs) != 1 {
		t.Fatalf("%d one-off exports", len(runs))
	}
	if runs[0].Status != facteur.RunSucceeded || runs[0].Rows != 1 || fmt.Sprint(used.Params) != "map[labels:[one] min:1]" {
		t.Errorf("one-off export: %s, %d rows, params %v", runs[0].Status, runs[0].Rows, used.Params)
	}

	// An account that may not edit the schedule sees the values read-only.
	n.addAccount("viewer@example.org", facteur.RoleViewer)
	v := tab{t, browser(t)}
	if err := uiLogin(v.ctx, n.base, "viewer@example.org", "password of viewer@example.org"); err != nil {
		t.Fatal(err)
	}
	v.do(chromedp.Navigate(fmt.Sprintf("%s/schedules/%d/edit", n.base, list[0].ID)), chromedp.WaitVisible(css(labels)))
	if got := v.value(labels); got != "two" || !eval[bool](v, fmt.Sprintf(`document.querySelector(%q).matches(":disabled")`, labels)) {
		t.Errorf("viewer sees labels %q, disabled %v", got, eval[bool](v, fmt.Sprintf(`document.querySelector(%q).matches(":disabled")`, labels)))
	}
	if v.count(`button[data-action="save"]`) != 0 {
		t.Error("the viewer is offered Save")
	}
	v.do(chromedp.Navigate(fmt.Sprintf("%s/reports/%d/edit", n.base, rep.ID)), chromedp.WaitVisible(css(`#parameters`)))
	if !eval[bool](v, `document.querySelector('#parameters input[name="param_name"]').matches(":disabled")`) {
		t.Error("the viewer may edit the report's parameters")
	}
}
