package main

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/facteur/facteur/internal/testdb"
)

// TestBrowserSourceRights: an administrator saves a MariaDB account with
// the FILE privilege; the form refuses it and names the right; ticking the
// acceptance saves it, and the list keeps warning with the right.
func TestBrowserSourceRights(t *testing.T) {
	dsn := testdb.MySQLUser(t, "GRANT FILE ON *.* TO {user}", "GRANT SELECT ON test.* TO {user}")
	b := tab{t, browser(t)}
	n := startServe(t, t.TempDir())
	if err := uiLogin(b.ctx, n.base, testAdmin, testPassword); err != nil {
		t.Fatal(err)
	}
	b.do(chromedp.Navigate(n.base + "/sources/new"))
	b.do(chromedp.WaitVisible(css(`#source-form`)))
	b.set("#name", "Files")
	b.set("#dsn", dsn)
	b.follow(`button[data-action="save"]`, `p.error`)
	if msg := b.text("p.error"); !strings.Contains(msg, "FILE on *.* (reads and writes the server's files)") || !strings.Contains(msg, "README") {
		t.Fatalf("refusal shown: %q", msg)
	}
	b.set("#dsn", dsn)
	b.do(chromedp.Click(css(`input[name="accept_extra_rights"]`)))
	b.follow(`button[data-action="save"]`, `#sources`)
	if warn := b.text(`#sources [data-rights="accepted"]`); warn != "Can do more than read (accepted): FILE on *.* (reads and writes the server's files)" {
		t.Errorf("the list's warning: %q", warn)
	}
	screenshot(t, b.ctx, "source-rights")
	b.follow(`#sources button[data-action="test"]`, `.flash`)
	if flash := b.text(".flash"); !strings.Contains(flash, "which an administrator accepted: FILE on *.*") {
		t.Errorf("test connection: %q", flash)
	}
}
