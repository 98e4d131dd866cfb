package main

import (
	"fmt"
	"net"
	"strings"
	"testing"

	cdpbrowser "github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"
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
	screenshot(t, b.ctx, "destination-errors")

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
	screenshot(t, b.ctx, "destination-new-errors")
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
	screenshot(t, b.ctx, "destination-copy")
}
