package main

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/chromedp/chromedp"
)

// axeScript returns axe-core's script, from FACTEUR_TEST_AXE or the cache
// folder scripts/test.sh installs it into; "skip" skips the test loudly.
func axeScript(t *testing.T) string {
	t.Helper()
	path := os.Getenv("FACTEUR_TEST_AXE")
	if path == "skip" {
		t.Skip("SKIPPED: FACTEUR_TEST_AXE=skip; the accessibility check did NOT run")
	}
	if path == "" {
		home, _ := os.UserHomeDir()
		path = filepath.Join(home, ".cache", "facteur-referees", "node_modules", "axe-core", "axe.min.js")
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("axe-core is needed (scripts/test.sh installs it): %v", err)
	}
	return string(b)
}

// TestBrowserAxe runs axe-core (WCAG 2.1 A and AA rules) on the pages this
// project's latest work added or changed — the schedules list, a
// schedule's page and form, the run history with filters, a run, the
// destination forms and the sources list — at desktop width and at a
// phone's 375 px, and fails on any critical or serious violation.
func TestBrowserAxe(t *testing.T) {
	axe := axeScript(t)
	b := tab{t, browser(t)}
	f := newPagesFixture(t)
	n := f.n
	var run struct{ ID int64 }
	n.must(202, "POST", fmt.Sprintf("/api/v1/schedules/%d/run", f.sched.ID), nil, &run)
	n.waitRun(run.ID)
	if err := uiLogin(b.ctx, n.base, testAdmin, testPassword); err != nil {
		t.Fatal(err)
	}
	pages := []string{"/schedules", fmt.Sprintf("/schedules/%d", f.sched.ID), fmt.Sprintf("/schedules/%d/edit", f.sched.ID),
		"/runs?status=succeeded&from=2020-01-01", fmt.Sprintf("/runs/%d", run.ID), fmt.Sprintf("/destinations/%d/edit", f.dest.ID),
		"/destinations/new", "/sources", "/settings/policy"}
	for _, width := range []int64{1280, 375} {
		b.do(chromedp.EmulateViewport(width, 900))
		for _, p := range pages {
			b.do(chromedp.Navigate(n.base + p))
			eval[bool](b, axe+";true")
			found := eval[string](b, `(async () => {
				const r = await axe.run(document, {runOnly: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]});
				if (r.passes.length === 0) return "axe checked nothing";
				const bad = r.violations.filter(v => v.impact === "critical" || v.impact === "serious");
				return bad.length ? JSON.stringify(bad.map(v => ({id: v.id, impact: v.impact, nodes: v.nodes.map(n => n.target.join(" ")).slice(0, 4)}))) : "";
			})()`)
			if found != "" {
				t.Errorf("%d px %s: %s", width, p, found)
			}
		}
	}
}
