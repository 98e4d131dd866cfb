package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/facteur/facteur"
	"github.com/facteur/facteur/obfuscate"
	"github.com/facteur/facteur/store"
)

// TestBrowserScheduleObfuscation (A4): in the schedule form, next to each
// field of the report, a select says how it is delivered. Choosing HMAC
// for the sensitive e-mail (not ticked for inclusion), a mask of the last
// 2 characters for the phone and typing the schedule's own key, then Save
// and Run now, delivers a file with OpenSSL's HMAC and the mask and no
// clear address; the form shows the choices again, the key's box empty;
// another editor sees the selects disabled.
func TestBrowserScheduleObfuscation(t *testing.T) {
	b := tab{t, browser(t)}
	n := startServe(t, t.TempDir())
	path := filepath.Join(t.TempDir(), "contacts.db")
	db, err := store.Open(context.Background(), store.Config{SQLitePath: path})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"CREATE TABLE contacts (id INTEGER PRIMARY KEY, email TEXT, phone TEXT, city TEXT)",
		"INSERT INTO contacts VALUES (1, 'ada@clear-example.org', '0612345678', 'Paris'), (2, 'zoë@clear-example.org', NULL, 'Lyon')"} {
		if _, err := db.SQL().Exec(s); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()
	outbox := t.TempDir()
	var src, rep, dest struct{ ID int64 }
	n.must(201, "POST", "/api/v1/sources", map[string]any{"name": "CRM", "dsn": "sqlite:" + path}, &src)
	n.must(201, "POST", "/api/v1/reports", map[string]any{"name": "Contacts", "source_id": src.ID, "sql": "select id, email, phone, city from contacts order by id",
		"fields": []map[string]any{{"name": "id"}, {"name": "email", "sensitive": true}, {"name": "phone", "sensitive": true}, {"name": "city"}}}, &rep)
	n.must(201, "POST", "/api/v1/destinations", map[string]any{"name": "Partner drop", "kind": "folder", "config": map[string]any{"path": outbox}}, &dest)
	if err := uiLogin(b.ctx, n.base, testAdmin, testPassword); err != nil {
		t.Fatal(err)
	}
	b.do(chromedp.Navigate(n.base+"/schedules/new"), chromedp.WaitVisible(css(`#schedule-form`)))
	b.set("#name", "Hashed contacts")
	b.set("#report_id", fmt.Sprint(rep.ID))
	b.set("#destination_id", fmt.Sprint(dest.ID))
	b.set("#file_name", "contacts.{ext}")
	// The fields of the chosen report: id, email, phone, city.
	emailSel, phoneSel, keep := fmt.Sprintf("#obf-%d-1", rep.ID), fmt.Sprintf("#obf-%d-2", rep.ID), fmt.Sprintf("#keep-%d-2", rep.ID)
	if got := eval[string](b, fmt.Sprintf(`document.querySelector('label[for="obf-%d-1"]').textContent`, rep.ID)); got != "email" {
		t.Fatalf("the second select's label is %q", got)
	}
	b.set(emailSel, "email=hmac")
	b.set(phoneSel, "phone=mask")
	// The N box shows for the mask only.
	if !eval[bool](b, fmt.Sprintf(`document.querySelector(%q).checkVisibility() && !document.querySelector("#keep-%d-1").checkVisibility()`, keep, rep.ID)) {
		t.Error("the N box is not shown for the mask alone")
	}
	b.set(keep, "2")
	const key = "browser-key-0123456789abcdef"
	b.do(chromedp.SendKeys(css("#hmac_key"), key))
	screenshots(t, b.ctx, "schedule-form-obfuscate")
	b.follow(`button[data-action="save"]`, `#schedules`)

	var list []struct {
		ID         int64
		Obfuscate  []facteur.FieldRule `json:"obfuscate"`
		HMACKeySet bool                `json:"hmac_key_set"`
	}
	n.must(200, "GET", "/api/v1/schedules", nil, &list)
	if len(list) != 1 || len(list[0].Obfuscate) != 2 || !list[0].HMACKeySet {
		t.Fatalf("saved: %+v", list)
	}
	var run facteur.Run
	n.must(202, "POST", fmt.Sprintf("/api/v1/schedules/%d/run", list[0].ID), nil, &run)
	if r := n.waitRun(run.ID); r.Status != facteur.RunSucceeded {
		t.Fatalf("run: %s %s", r.Status, r.Error)
	}
	data, err := os.ReadFile(filepath.Join(outbox, "contacts.csv"))
	if err != nil {
		t.Fatal(err)
	}
	got, err := csv.NewReader(bytes.NewReader(data)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{{"id", "email", "phone", "city"},
		{"1", openSSLHMAC(t, key, "ada@clear-example.org"), "••••••••78", "Paris"},
		{"2", openSSLHMAC(t, key, "zoë@clear-example.org"), "", "Lyon"}}
	if fmt.Sprint(got) != fmt.Sprint(want) || bytes.Contains(data, []byte("clear-example")) {
		t.Errorf("delivered %q, want %q", got, want)
	}
	if obfuscate.HMAC([]byte(key), []byte("ada@clear-example.org")) != want[1][1] {
		t.Error("package obfuscate and OpenSSL disagree")
	}

	// The form shows the choices again; the key's box stays empty.
	b.do(chromedp.Navigate(n.base+fmt.Sprintf("/schedules/%d/edit", list[0].ID)), chromedp.WaitVisible(css(`#schedule-form`)))
	if v := b.value(emailSel); v != "email=hmac" {
		t.Errorf("email's select shows %q", v)
	}
	if v, k := b.value(phoneSel), b.value(keep); v != "phone=mask" || k != "2" {
		t.Errorf("phone's select shows %q keeping %q", v, k)
	}
	if v := b.value("#hmac_key"); v != "" {
		t.Errorf("the key's box holds %q", v)
	}
	page := eval[string](b, `document.documentElement.outerHTML`)
	if strings.Contains(page, key) || !strings.Contains(page, "has a key of its own") {
		t.Errorf("the form shows the key, or does not say one is set")
	}

	// The schedule's page says how its fields go out.
	if detail := uiPage(t, uiSession(t, n, testAdmin), n.base+fmt.Sprintf("/schedules/%d", list[0].ID)); !strings.Contains(detail, "Obfuscates email (HMAC (keyed hash)), phone (masked but the last 2 characters)") {
		t.Errorf("the schedule's page does not list its rules")
	}

	// Another editor sees the choices, disabled.
	n.addAccount("editor@example.org", facteur.RoleEditor)
	form := uiPage(t, uiSession(t, n, "editor@example.org"), n.base+fmt.Sprintf("/schedules/%d/edit", list[0].ID))
	ro := strings.Index(form, `<fieldset class="read-only" disabled>`)
	sel := strings.Index(form, fmt.Sprintf(`id="obf-%d-1"`, rep.ID))
	if ro < 0 || sel < ro || !strings.Contains(form, `value="email=hmac" selected`) || strings.Contains(form, `data-action="save"`) {
		t.Errorf("another editor's form: read-only at %d, select at %d", ro, sel)
	}
}
