package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestBrowserDestinationEncryption: the destination form's Encryption
// section refuses an age identity pasted by mistake next to the field,
// saying it is a private key, keeps what was typed, and once saved shows
// each recipient by its fingerprint (OpenPGP: with its user id); Send test
// then delivers a .gpg file that gpg decrypts. A viewer sees the section
// disabled, with the fingerprints and without the buttons.
func TestBrowserDestinationEncryption(t *testing.T) {
	ageTo, pgpKey, _, gpgDecrypt := encReferees(t)
	b := tab{t, browser(t)}
	n := startServe(t, t.TempDir())
	n.must(201, "POST", "/api/v1/users", map[string]any{"email": "viewer@example.org", "role": "viewer", "password": "password of the viewer"}, nil)
	if err := uiLogin(b.ctx, n.base, testAdmin, testPassword); err != nil {
		t.Fatal(err)
	}
	drop := t.TempDir()
	b.do(chromedp.Navigate(n.base+"/destinations/new?kind=folder"), chromedp.WaitVisible(css(`#destination-form`)))
	b.set("#name", "Partner drop")
	b.set(`[name="folder.path"]`, drop)
	b.set(`#encryption\.method`, "age")
	identity := "AGE-SECRET-KEY-1QQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQ"
	b.set(`#encryption\.recipients`, ageTo+"\n"+identity)
	b.follow(`button[data-action="save"]`, `#error-summary`)
	if msg := b.text(`#encryption\.recipients-error`); !strings.Contains(msg, "line 2") || !strings.Contains(msg, "PRIVATE key") {
		t.Errorf("identity refused with %q", msg)
	}
	if inv := b.attr(`#encryption\.recipients`, "aria-invalid"); inv != "true" {
		t.Errorf("recipients aria-invalid %q", inv)
	}
	if m, typed := b.value(`#encryption\.method`), b.value(`#encryption\.recipients`); m != "age" || typed != ageTo+"\n"+identity {
		t.Errorf("typed values lost: %q %q", m, typed)
	}

	// Saved with the recipient alone: shown by itself.
	b.set(`#encryption\.recipients`, ageTo)
	b.follow(`button[data-action="save"]`, `.encryption-keys`)
	if got := b.text(`.encryption-keys code`); got != ageTo {
		t.Errorf("age recipient shown as %q", got)
	}

	// OpenPGP: the fingerprint and the user id.
	b.set(`#encryption\.method`, "openpgp")
	b.set(`#encryption\.recipients`, pgpKey)
	b.follow(`button[data-action="save"]`, `.encryption-keys`)
	shown := b.text(`.encryption-keys li`)
	if !regexp.MustCompile(`^[0-9A-F]{40} Partner <data@partner\.example>$`).MatchString(shown) {
		t.Errorf("OpenPGP key shown as %q", shown)
	}
	if v := b.value(`#encryption\.recipients`); !strings.HasPrefix(v, "-----BEGIN PGP PUBLIC KEY BLOCK-----") {
		t.Errorf("stored key shown as %q", v)
	}
	screenshots(t, b.ctx, "destination-encryption")

	// Send test: an encrypted test file.
	b.follow(`button[data-action="test"]`, `#destination-form`)
	files, _ := filepath.Glob(filepath.Join(drop, "facteur-test-*.txt.gpg"))
	if len(files) != 1 {
		t.Fatalf("Send test delivered %v", files)
	}
	body, _ := os.ReadFile(files[0])
	if plain, err := gpgDecrypt(body); err != nil || !strings.HasPrefix(string(plain), "This is a test file") {
		t.Errorf("test file decrypts to %q, %v", plain, err)
	}

	path := eval[string](b, `location.pathname`)
	// The list says which destinations encrypt.
	b.do(chromedp.Navigate(n.base+"/destinations"), chromedp.WaitVisible(css(`#destinations`)))
	if tag := b.text(`[data-encryption="openpgp"]`); tag != "encrypted, .gpg" {
		t.Errorf("the list's tag: %q", tag)
	}
	b.do(chromedp.Navigate(n.base+path), chromedp.WaitVisible(css(`#destination-form`)))

	// A viewer: read-only.
	b.follow(`header form button`, `#email`) // log out
	if err := uiLogin(b.ctx, n.base, "viewer@example.org", "password of the viewer"); err != nil {
		t.Fatal(err)
	}
	b.do(chromedp.Navigate(n.base+path), chromedp.WaitVisible(css(`#destination-form`)))
	if dis := eval[bool](b, `document.querySelector("#encryption").disabled`); !dis {
		t.Error("the viewer's Encryption section is not disabled")
	}
	if got := b.text(`.encryption-keys li`); got != shown {
		t.Errorf("the viewer sees %q", got)
	}
	if buttons := eval[int](b, `document.querySelectorAll("#destination-form button").length`); buttons != 0 {
		t.Errorf("the viewer sees %d buttons", buttons)
	}
}
