package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

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

// layout is a window the pages are looked at in.
type layout struct {
	name          string
	width, height int64
	scale         float64
}

// layouts: a desktop, a phone, and the desktop at 200 % zoom, which is what
// a browser's zoom does: a 1280 × 860 window shows a 640 × 430 CSS-pixel
// page drawn at twice the scale.
var layouts = []layout{{"1280 px", 1280, 860, 1}, {"375 px", 375, 812, 1}, {"200 % zoom", 640, 430, 2}}

// a11yCheck is one page the accessibility test looks at, as some roles.
// With fill, a script changes the page (fills a form wrongly, picks a
// kind); with submit, the button of that selector is then clicked and the
// page must come back refused, with its errors shown.
type a11yCheck struct {
	name   string
	path   string
	roles  []string // nil: admin, editor and viewer
	fill   string
	submit string
	// assert is a script that returns what is wrong on this page, or "".
	assert string
}

// noCheck turns off the browser's own checks of a form, so that the
// server's refusal is what is shown.
const noCheck = `for (const f of document.forms) f.noValidate = true;`

// a11yChecks lists every page and form of the UI: lists, forms new and
// edit (a destination of each kind, a recipient group), a schedule and a run, the settings,
// the tokens, the one-off export, the login page, error pages, and each
// form after a refused save.
func a11yChecks(f pagesFixture, runID int64, dests map[string]int64) []a11yCheck {
	sc, rep, src := f.sched.ID, f.rep.ID, f.src.ID
	both := []string{"admin", "editor"}
	admin := []string{"admin"}
	cs := []a11yCheck{
		{name: "schedules", path: "/schedules"},
		{name: "schedule", path: fmt.Sprintf("/schedules/%d", sc)},
		{name: "new schedule", path: "/schedules/new"},
		{name: "schedule form", path: fmt.Sprintf("/schedules/%d/edit", sc)},
		{name: "reports", path: "/reports"},
		{name: "new report", path: "/reports/new"},
		{name: "report form with its preview", path: fmt.Sprintf("/reports/%d/edit?preview=1", rep)},
		{name: "runs", path: "/runs"},
		{name: "runs, filtered", path: "/runs?status=succeeded&from=2020-01-01"},
		{name: "run", path: fmt.Sprintf("/runs/%d", runID), assert: stageTimesAsText},
		{name: "one-off export", path: "/exports"},
		{name: "destinations", path: "/destinations"},
		{name: "new destination", path: "/destinations/new", assert: noKeptSecret},
		{name: "recipient groups", path: "/groups"},
		{name: "new recipient group", path: "/groups/new", roles: both},
		{name: "recipient group form", path: fmt.Sprintf("/groups/%d/edit", f.group.ID)},
		{name: "sources", path: "/sources"},
		{name: "new source", path: "/sources/new"},
		{name: "source form", path: fmt.Sprintf("/sources/%d/edit", src)},
		{name: "mail settings", path: "/settings/mail", roles: admin, assert: noKeptSecret},
		{name: "mail settings", path: "/settings/mail", roles: []string{"editor", "viewer"}},
		{name: "policy settings", path: "/settings/policy"},
		{name: "users", path: "/settings/users"},
		{name: "audit log", path: "/settings/audit"},
		{name: "tokens and password", path: "/tokens"},
		{name: "closure days", path: "/closures"},
		{name: "page not found", path: "/schedules/987654"},
		{name: "unknown path", path: "/no-such-page"},

		{name: "schedule form refused", path: "/schedules/new", roles: both, fill: noCheck + `document.getElementById("name").value = "x".repeat(300);`, submit: `#schedule-form .buttons [data-action="save"]`},
		{name: "schedule form refused, edit", path: fmt.Sprintf("/schedules/%d/edit", sc), roles: admin, fill: noCheck + `document.getElementById("delimiter").value = "ab"; document.getElementById("alert_emails").value = "not a mail";`, submit: `#schedule-form .buttons [data-action="save"]`},
		{name: "destination form refused", path: "/destinations/new", roles: both, fill: noCheck + `document.getElementById("name").value = "";`, submit: `#destination-form [data-action="save"]`},
		{name: "recipient group refused", path: "/groups/new", roles: both, fill: noCheck + `document.getElementById("members").value = "not a mail";`, submit: `#group-form [data-action="save"]`},
		{name: "report form refused", path: "/reports/new", roles: both, fill: noCheck, submit: `#report-form [data-action="save"]`},
		{name: "source form refused", path: "/sources/new", roles: admin, fill: noCheck, submit: `#source-form [data-action="save"]`},
		{name: "one-off export refused", path: "/exports", roles: both, fill: noCheck, submit: `#export-form [data-action="export"]`},
		{name: "policy refused", path: "/settings/policy", roles: admin, fill: `document.getElementById("link_ttl_hours").value = "-4";`, submit: `#policy-form [data-action="save"]`},
		{name: "new user refused", path: "/settings/users", roles: admin, fill: noCheck + `document.getElementById("email").value = "not a mail"; document.getElementById("upassword").value = "short";`, submit: `#new-user [data-action="create-user"]`},
		{name: "mail settings refused", path: "/settings/mail", roles: admin, fill: `document.getElementById("host").value = "smtp.example.org"; document.getElementById("port").value = "99999";`, submit: `[data-action="save"]`},
		{name: "closure list refused", path: "/closures", roles: admin, fill: `document.getElementById("name-new").value = "Office"; document.getElementById("days-new").value = "2026-13-01";`, submit: `#new-closure-list [data-action="create"]`},
		{name: "new token refused", path: "/tokens", fill: noCheck + `document.getElementById("expires").value = "-3";`, submit: `#new-token-form [data-action="create-token"]`},
		{name: "password change refused", path: "/tokens", fill: noCheck + `document.getElementById("current_password").value = "wrong password";`, submit: `#password-form [data-action="change-password"]`},

		{name: "login", path: "/login", roles: []string{"anonymous"}},
		{name: "login refused", path: "/login", roles: []string{"anonymous"}, fill: `document.getElementById("email").value = "admin@example.org"; document.getElementById("password").value = "wrong password";`, submit: `.login button[type="submit"]`},
	}
	// A stored secret is said to be kept when left empty.
	cs = append(cs, a11yCheck{name: "destination form, a stored secret", path: fmt.Sprintf("/destinations/%d/edit", dests["sftp"]), roles: admin,
		assert: `document.getElementById("sftp.password").placeholder === "Leave empty to keep the stored value" ? "" : "the stored password is not said to be kept"`})
	for _, kind := range []string{"folder", "sftp", "s3", "webhook", "email"} {
		cs = append(cs,
			a11yCheck{name: "destination form, " + kind, path: fmt.Sprintf("/destinations/%d/edit", dests[kind])},
			a11yCheck{name: "new destination, " + kind, path: "/destinations/new", roles: both, assert: noKeptSecret,
				fill: fmt.Sprintf(`const k = document.getElementById("kind"); k.value = %q; k.dispatchEvent(new Event("change"));`, kind)})
	}
	return cs
}

// stageTimesAsText: the run's chart of the time per stage is also a table
// of each stage's duration, which a screen reader reads.
const stageTimesAsText = `(() => {
	const bars = document.querySelectorAll(".stages .stage").length;
	const rows = [...document.querySelectorAll("table#stage-times tbody tr")].map(tr => tr.textContent);
	if (bars === 0 || rows.length !== bars) return "the stage chart has " + bars + " bars and its table " + rows.length + " rows";
	if (document.querySelector("table#stage-times caption").textContent !== "Time per stage") return "the stage table has no caption";
	return rows.every(r => /\d/.test(r)) ? "" : "a stage's row has no duration: " + JSON.stringify(rows);
})()`

// noKeptSecret: where nothing is stored, no secret field says that
// leaving it empty keeps the stored value.
const noKeptSecret = `[...document.querySelectorAll("input, textarea")].filter(el => el.placeholder.includes("keep")).map(el => el.id + " says " + JSON.stringify(el.placeholder)).join(", ")`

// a11yScript checks the page as it is now and returns what is wrong:
// axe-core's critical and serious violations of WCAG 2.1 A and AA, heading
// levels that skip (a "moderate" rule for axe), and a skip link that is
// not the first stop of the keyboard or is not seen when focused.
const a11yScript = `(async () => {
	const problems = [];
	// Closed parts (the run's definition, the row menus) are checked open.
	for (const d of document.querySelectorAll("details")) d.open = true;
	const r = await axe.run(document, {runOnly: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]});
	if (r.passes.length === 0) problems.push("axe checked nothing");
	for (const v of r.violations.filter(v => v.impact === "critical" || v.impact === "serious")) {
		problems.push(v.impact + " " + v.id + ": " + v.nodes.map(n => n.target.join(" ")).slice(0, 4).join(", "));
	}
	const shown = (el) => el.getClientRects().length > 0 && !el.closest('[aria-hidden="true"]');
	let level = 0;
	for (const h of [...document.querySelectorAll("h1, h2, h3, h4, h5, h6")].filter(shown)) {
		const l = Number(h.tagName[1]);
		if (l > level + 1) problems.push("heading level skipped: " + h.tagName + " " + JSON.stringify(h.textContent.trim()) + " after " + (level ? "h" + level : "the page's start"));
		level = l;
	}
	const sub = document.querySelector("nav.subnav");
	if (sub) {
		const current = [...sub.querySelectorAll("a[aria-current='page']")].map(a => a.getAttribute("href"));
		if (current.length !== 1 || current[0] !== location.pathname) problems.push("the sub-menu marks " + JSON.stringify(current) + " as the current page");
	}
	if (document.querySelector("[tabindex]:not([tabindex='0']):not([tabindex^='-'])")) problems.push("a tabindex above 0 changes the keyboard's order");
	const first = [...document.querySelectorAll("a[href], button, input:not([type=hidden]), select, textarea, summary, [tabindex]")]
		.find(el => el.tabIndex >= 0 && !el.disabled && el.getClientRects().length > 0);
	if (!first || !first.matches("a.skip[href='#content']")) {
		problems.push("the first keyboard stop is " + (first ? first.outerHTML.slice(0, 80) : "nothing") + ", not the skip link");
	} else {
		window.scrollTo(0, 0);
		first.focus();
		const b = first.getBoundingClientRect();
		if (!(b.top >= 0 && b.left >= 0 && b.bottom <= innerHeight && b.right <= innerWidth && b.width > 20)) problems.push("the focused skip link is not on screen: " + JSON.stringify(b));
		first.blur();
	}
	return problems;
})()`

// TestBrowserAxe runs axe-core (WCAG 2.1 A and AA rules) on every page and
// form of the UI — lists, forms new and edit, a destination form of each
// kind, a schedule, a run, the settings, the tokens, the one-off export,
// the login page, error pages and each form after a refused save — as an
// administrator, an editor and a viewer (and logged out for the login
// page), at desktop width, at a phone's 375 px and at 200 % zoom. It fails
// on any critical or serious violation, on a heading level that skips, and
// on a page whose first keyboard stop is not a skip link seen when focused.
func TestBrowserAxe(t *testing.T) {
	axe := axeScript(t)
	start := time.Now()
	first := tab{t, browserFor(t, 15*time.Minute)}
	f := newPagesFixture(t)
	n := f.n
	var run struct{ ID int64 }
	n.must(202, "POST", fmt.Sprintf("/api/v1/schedules/%d/run", f.sched.ID), nil, &run)
	n.waitRun(run.ID)
	dests := map[string]int64{"folder": f.dest.ID}
	for kind, config := range map[string]map[string]any{
		"sftp":    {"host": "127.0.0.1", "port": 2222, "user": "partner", "password": "a stored password", "directory": "/in"},
		"s3":      {"bucket": "reports", "endpoint": "http://127.0.0.1:7070", "access_key_id": "key", "secret_access_key": "a stored secret"},
		"webhook": {"url": "https://hooks.example.org/in", "secret": "a stored webhook secret"},
		"email":   {"to": []string{testAdmin}},
	} {
		var d struct{ ID int64 }
		n.must(201, "POST", "/api/v1/destinations", map[string]any{"name": "Partner " + kind, "kind": kind, "config": config}, &d)
		dests[kind] = d.ID
	}
	passwords := map[string]string{"admin": testPassword, "editor": "password of the editor", "viewer": "password of the viewer"}
	emails := map[string]string{"admin": testAdmin, "editor": "editor@example.org", "viewer": "viewer@example.org"}
	for _, role := range []string{"editor", "viewer"} {
		n.must(201, "POST", "/api/v1/users", map[string]any{"email": emails[role], "role": role, "password": passwords[role]}, nil)
	}
	checks := a11yChecks(f, run.ID, dests)
	var count atomic.Int64
	// One browser; each role in its own browser context (its own cookies),
	// the roles side by side.
	t.Run("roles", func(t *testing.T) {
		for _, role := range []string{"admin", "editor", "viewer", "anonymous"} {
			t.Run(role, func(t *testing.T) {
				t.Parallel()
				ctx, cancel := chromedp.NewContext(context.WithoutCancel(first.ctx), chromedp.WithNewBrowserContext())
				defer cancel()
				ctx, cancelTime := context.WithTimeout(ctx, 12*time.Minute)
				defer cancelTime()
				b := tab{t, ctx}
				if role != "anonymous" {
					if err := uiLogin(ctx, n.base, emails[role], passwords[role]); err != nil {
						t.Fatal(err)
					}
				}
				for _, c := range checks {
					if c.roles == nil && role == "anonymous" || c.roles != nil && !slices.Contains(c.roles, role) {
						continue
					}
					// The page is loaded once; each layout is a new size of
					// the window, which the style sheet's media queries follow.
					b.do(chromedp.EmulateViewport(layouts[0].width, layouts[0].height), chromedp.Navigate(n.base+c.path))
					if c.fill != "" {
						eval[bool](b, c.fill+";true")
					}
					if c.submit != "" {
						b.follow(c.submit, "main")
						if eval[int](b, `document.querySelectorAll("#error-summary, main .error, .field-error, [aria-invalid=true]").length`) == 0 {
							t.Errorf("%s, %s: the form did not come back refused (at %s)", role, c.name, eval[string](b, "location.pathname"))
						}
					}
					if c.assert != "" {
						if problem := eval[string](b, c.assert); problem != "" {
							t.Errorf("%s, %s: %s", role, c.name, problem)
						}
					}
					eval[bool](b, axe+";true")
					for _, l := range layouts {
						b.do(chromedp.EmulateViewport(l.width, l.height, chromedp.EmulateScale(l.scale)))
						if problems := eval[[]string](b, a11yScript); len(problems) > 0 {
							t.Errorf("%s, %s, %s (%s):\n  %s", role, l.name, c.name, c.path, strings.Join(problems, "\n  "))
						}
						count.Add(1)
					}
				}
			})
		}
	})
	t.Logf("%d page checks (%d pages and forms, 3 roles and logged out, 3 layouts) in %s", count.Load(), len(checks), time.Since(start).Round(time.Second))
}
