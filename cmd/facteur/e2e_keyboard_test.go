package main

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// stop is where the keyboard's focus is: the element, and where it is
// drawn on the page.
type stop struct {
	Name   string  `json:"name"`
	Main   bool    `json:"main"`
	Top    float64 `json:"top"`
	Left   float64 `json:"left"`
	Bottom float64 `json:"bottom"`
}

// describeFocus names the focused element (id, name, link or text) and
// gives its box in page coordinates.
const describeFocus = `(() => {
	const el = document.activeElement;
	const r = el.getBoundingClientRect();
	const name = el === document.body ? "body" : el.tagName.toLowerCase() + " " + (el.id || el.getAttribute("name") || el.getAttribute("href") || el.textContent.trim().slice(0, 30));
	return {name, main: !!el.closest("main"), top: r.top + scrollY, left: r.left + scrollX, bottom: r.bottom + scrollY};
})()`

// clear empties an input, ready for SendKeys.
func (b tab) clear(sel string) {
	b.t.Helper()
	eval[bool](b, fmt.Sprintf(`(document.querySelector(%q).value = "", true)`, sel))
}

// press presses a key in the focused element.
func (b tab) press(key string) {
	b.t.Helper()
	b.do(chromedp.KeyEvent(key))
}

// pressAndLoad presses a key that must lead to a new page, and waits for it.
func (b tab) pressAndLoad(key string) {
	b.t.Helper()
	eval[bool](b, `window.facteurLeaving = true`)
	b.press(key)
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		v, err := chromedp.Run(b.ctx, chromedp.Evaluate[bool](`window.facteurLeaving !== true && document.readyState === "complete"`))
		if err == nil && v {
			return
		}
		if time.Now().After(deadline) {
			b.t.Fatalf("the key %q led to no new page", key)
		}
	}
}

// tabOrder loads path and presses Tab until the focus leaves the page or
// comes back to where it started, and returns each stop.
func (b tab) tabOrder(path string) []stop {
	b.t.Helper()
	b.do(chromedp.Navigate(path))
	var stops []stop
	for range 150 {
		b.press(kb.Tab)
		s := eval[stop](b, describeFocus)
		if s.Name == "body" || len(stops) > 0 && s.Name == stops[0].Name {
			break
		}
		// A time input's hours and minutes are stops of one element.
		if len(stops) > 0 && s == stops[len(stops)-1] {
			continue
		}
		stops = append(stops, s)
	}
	return stops
}

// checkTabOrder checks that the Tab key goes first to the skip link, and
// through the page's content in the order it is read: each stop below the
// one before, or on its line to its right; and that it reaches every
// control of the content.
func checkTabOrder(t *testing.T, b tab, stops []stop) {
	t.Helper()
	if len(stops) == 0 || !strings.HasPrefix(stops[0].Name, "a #content") {
		t.Fatalf("the first stop is not the skip link: %+v", stops)
	}
	var main []stop
	for _, s := range stops {
		if s.Main {
			main = append(main, s)
		}
	}
	for i := 1; i < len(main); i++ {
		a, s := main[i-1], main[i]
		below := s.Top >= a.Bottom-2
		right := s.Top < a.Bottom && s.Left > a.Left
		if !below && !right {
			t.Errorf("Tab goes from %s (top %.0f, left %.0f) back to %s (top %.0f, left %.0f)", a.Name, a.Top, a.Left, s.Name, s.Top, s.Left)
		}
	}
	reached := map[string]bool{}
	for _, s := range main {
		reached[s.Name] = true
	}
	controls := eval[[]string](b, `[...document.querySelectorAll("main a[href], main button, main input:not([type=hidden]), main select, main textarea, main summary, main [tabindex]")]
		.filter(el => el.tabIndex >= 0 && !el.disabled && el.getClientRects().length > 0 && getComputedStyle(el).visibility !== "hidden")
		.map(el => el.tagName.toLowerCase() + " " + (el.id || el.getAttribute("name") || el.getAttribute("href") || el.textContent.trim().slice(0, 30)))`)
	for _, c := range controls {
		if !reached[c] {
			t.Errorf("Tab never reaches %s", c)
		}
	}
	if len(main) < 5 {
		t.Errorf("only %d stops in the content: %+v", len(main), main)
	}
}

// checkRefused checks a form that came back refused: the focus is on the
// summary of errors, the invalid inputs are the wanted ones, each has
// aria-invalid and aria-describedby naming its shown message, and the
// summary links to it.
func checkRefused(t *testing.T, b tab, invalid ...string) {
	t.Helper()
	if focus := eval[string](b, `document.activeElement.id`); focus != "error-summary" {
		t.Errorf("after a refused save the focus is on %q, not on the error summary", focus)
	}
	got := eval[[]string](b, `[...document.querySelectorAll("[aria-invalid=true]")].map(el => el.id)`)
	if strings.Join(got, " ") != strings.Join(invalid, " ") {
		t.Errorf("invalid inputs %q, want %q", got, invalid)
	}
	for _, id := range invalid {
		problem := eval[string](b, fmt.Sprintf(`(() => {
			const el = document.getElementById(%q);
			const ids = (el.getAttribute("aria-describedby") || "").split(" ").filter(Boolean);
			const msgs = ids.map(id => document.getElementById(id)).filter(m => m && m.classList.contains("field-error") && m.textContent.trim() !== "" && m.getClientRects().length > 0);
			if (msgs.length !== 1) return "aria-describedby " + JSON.stringify(ids) + " names no shown error message";
			if (!document.querySelector('#error-summary a[href="#' + CSS.escape(el.id) + '"]')) return "the error summary does not link to it";
			return "";
		})()`, id))
		if problem != "" {
			t.Errorf("%s: %s", id, problem)
		}
	}
}

// contrastOf returns, for the focused element, the contrast of its focus
// outline, and of the border of the input of id border, each against the
// background behind it and the page's own (WCAG's ratio, 1 to 21).
const contrastOf = `((border) => {
	const lum = (c) => c.match(/[\d.]+/g).slice(0, 3).map(v => v / 255)
		.map(v => v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4)
		.reduce((s, v, i) => s + v * [0.2126, 0.7152, 0.0722][i], 0);
	const ratio = (a, b) => { const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p); return (x + 0.05) / (y + 0.05); };
	const bg = (el) => {
		for (; el; el = el.parentElement) {
			const c = getComputedStyle(el).backgroundColor;
			if (c !== "rgba(0, 0, 0, 0)" && c !== "transparent") return c;
		}
		return "rgb(255, 255, 255)";
	};
	const worst = (el, color) => Math.min(ratio(color, bg(el.parentElement)), ratio(color, bg(document.documentElement)));
	const f = document.activeElement, b = document.getElementById(border);
	const header = f.closest("header");
	return {
		outline: header ? ratio(getComputedStyle(f).outlineColor, bg(header)) : worst(f, getComputedStyle(f).outlineColor),
		border: worst(b, getComputedStyle(b).borderTopColor),
	};
})`

// TestBrowserKeyboard walks the schedule and destination forms with the
// keyboard only: Tab goes first to the skip link, whose Enter leads to the
// content, then through every control in the order they are read; Enter in
// a text field saves; a refused save puts the focus on the summary of
// errors, each invalid input tied to its message. On the schedules list,
// Escape closes a row's menu (⋯) and gives the focus back to its button.
func TestBrowserKeyboard(t *testing.T) {
	b := tab{t, browser(t)}
	f := newPagesFixture(t)
	n := f.n
	if err := uiLogin(b.ctx, n.base, testAdmin, testPassword); err != nil {
		t.Fatal(err)
	}
	b.do(chromedp.EmulateViewport(1280, 860))

	// The skip link: the first stop, on screen when focused; Enter on it
	// leads to the content.
	b.do(chromedp.Navigate(n.base + "/schedules"))
	b.press(kb.Tab)
	if s := eval[stop](b, describeFocus); !strings.HasPrefix(s.Name, "a #content") || eval[bool](b, `(() => { const r = document.activeElement.getBoundingClientRect(); return r.top >= 0 && r.bottom <= innerHeight && r.width > 20 && document.activeElement.textContent === "Skip to content"; })()`) != true {
		t.Errorf("the first stop is %s, or not seen", s.Name)
	}
	screenshot(t, b.ctx, "skip-link")
	b.press(kb.Enter)
	if focus := eval[string](b, `document.activeElement.id`); focus != "content" {
		t.Errorf("Enter on the skip link puts the focus on %q", focus)
	}
	b.press(kb.Tab)
	if s := eval[stop](b, describeFocus); !s.Main {
		t.Errorf("after the skip link, Tab goes to %s, outside the content", s.Name)
	}

	// Escape closes the row menu and gives the focus back to its button.
	menu := f.scheduleRow + " details.menu"
	b.do(chromedp.Focus(css(menu + " summary")))
	b.press(kb.Enter)
	if !eval[bool](b, fmt.Sprintf(`document.querySelector(%q).open`, menu)) {
		t.Fatal("Enter on the row menu's button does not open it")
	}
	b.press(kb.Tab)
	if s := eval[stop](b, describeFocus); !strings.Contains(s.Name, "/edit") {
		t.Errorf("Tab in the open menu goes to %s, not to its first item", s.Name)
	}
	b.press(kb.Escape)
	if open, focus := eval[bool](b, fmt.Sprintf(`document.querySelector(%q).open`, menu)), eval[bool](b, fmt.Sprintf(`document.activeElement === document.querySelector(%q)`, menu+" summary")); open || !focus {
		t.Errorf("after Escape the menu is open: %v; the focus is on its button: %v", open, focus)
	}

	// The schedule form, in the order it is read.
	edit := fmt.Sprintf("%s/schedules/%d/edit", n.base, f.sched.ID)
	checkTabOrder(t, b, b.tabOrder(edit))

	// The focus ring and the inputs' borders stand out from what is behind
	// them (3:1 at least): in the dark header, and on the form.
	type contrast struct{ Outline, Border float64 }
	b.do(chromedp.Navigate(edit))
	b.press(kb.Tab)
	b.press(kb.Tab)
	if c := eval[contrast](b, contrastOf+`("name")`); c.Outline < 3 || c.Border < 3 {
		t.Errorf("in the header (%s): focus ring %.2f:1, input border %.2f:1; want 3:1 at least", eval[stop](b, describeFocus).Name, c.Outline, c.Border)
	}
	b.do(chromedp.Focus(css("#name")))
	if c := eval[contrast](b, contrastOf+`("file_name")`); c.Outline < 3 || c.Border < 3 {
		t.Errorf("on the form: focus ring %.2f:1, input border %.2f:1; want 3:1 at least", c.Outline, c.Border)
	}

	// A refused save: the focus on the summary, each input tied to its message.
	b.do(chromedp.Navigate(edit))
	b.clear("#delimiter")
	b.do(chromedp.SendKeys(css("#delimiter"), "ab"), chromedp.Focus(css("#delimiter")))
	b.pressAndLoad(kb.Enter)
	checkRefused(t, b, "delimiter")
	var sc struct {
		Name   string
		Format struct{ Delimiter string }
	}
	n.must(200, "GET", fmt.Sprintf("/api/v1/schedules/%d", f.sched.ID), nil, &sc)
	if sc.Format.Delimiter != ";" {
		t.Errorf("a refused save stored the delimiter %q", sc.Format.Delimiter)
	}

	// Enter in a text field saves.
	b.do(chromedp.Navigate(edit))
	b.clear("#name")
	b.do(chromedp.SendKeys(css("#name"), "Renamed by keyboard"))
	b.pressAndLoad(kb.Enter)
	n.must(200, "GET", fmt.Sprintf("/api/v1/schedules/%d", f.sched.ID), nil, &sc)
	if sc.Name != "Renamed by keyboard" || b.count("#schedules") == 0 {
		t.Errorf("Enter in the name field: stored name %q, page %s", sc.Name, eval[string](b, "location.pathname"))
	}

	// The destination form, new and edit, in the order it is read.
	checkTabOrder(t, b, b.tabOrder(n.base+"/destinations/new"))
	checkTabOrder(t, b, b.tabOrder(fmt.Sprintf("%s/destinations/%d/edit", n.base, f.dest.ID)))

	// A refused save of a new destination, by Enter.
	b.do(chromedp.Navigate(n.base + "/destinations/new"))
	b.set("#kind", "folder")
	b.do(chromedp.SendKeys(css("#name"), "Drop by keyboard"), chromedp.SendKeys(css(`#folder\.path`), "relative/outbox"))
	b.pressAndLoad(kb.Enter)
	checkRefused(t, b, "folder.path")
	var dests []struct{ Name string }
	n.must(200, "GET", "/api/v1/destinations", nil, &dests)
	if len(dests) != 1 {
		t.Errorf("a refused save stored a destination: %+v", dests)
	}

	// Corrected, Enter saves it.
	b.clear(`#folder\.path`)
	b.do(chromedp.SendKeys(css(`#folder\.path`), t.TempDir()))
	b.pressAndLoad(kb.Enter)
	n.must(200, "GET", "/api/v1/destinations", nil, &dests)
	if len(dests) != 2 || dests[1].Name != "Drop by keyboard" || b.count("#error-summary") != 0 {
		t.Errorf("Enter in the path field: destinations %+v, page %s", dests, eval[string](b, "location.pathname"))
	}
}
