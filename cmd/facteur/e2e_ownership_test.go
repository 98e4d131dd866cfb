package main

import (
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"path/filepath"
	"strings"
	"testing"

	"github.com/facteur/facteur"
)

// TestScheduleHandover: an editor cannot delete or run an administrator's
// folder schedule; an administrator hands it over to the editor, and from
// then on its runs execute with the editor's rights, which do not reach a
// folder: the run fails closed and nothing is written.
func TestScheduleHandover(t *testing.T) {
	n := startServe(t, t.TempDir())
	ed := n.addAccount("editor@example.org", facteur.RoleEditor)
	outbox := t.TempDir()
	var src, rep, dest, sc struct{ ID int64 }
	n.must(201, "POST", "/api/v1/sources", map[string]any{"name": "small", "dsn": smallSQLiteSource(t)}, &src)
	n.must(201, "POST", "/api/v1/reports", map[string]any{"name": "items", "source_id": src.ID, "sql": "select * from items order by id"}, &rep)
	n.must(201, "POST", "/api/v1/destinations", map[string]any{"name": "outbox", "kind": "folder", "config": map[string]any{"path": outbox}}, &dest)
	n.must(201, "POST", "/api/v1/schedules", map[string]any{"name": "Nightly", "report_id": rep.ID, "destination_id": dest.ID, "enabled": false,
		"file_name": "{run_id}.{ext}", "format": map[string]any{"format": "csv"}, "calendar": map[string]any{"frequency": "daily"}}, &sc)

	var e struct {
		Error struct{ Message string } `json:"error"`
	}
	path := fmt.Sprintf("/api/v1/schedules/%d", sc.ID)
	for _, c := range []struct{ method, path string }{{"DELETE", path}, {"POST", path + "/run"}} {
		if st := ed.call(c.method, c.path, nil, &e); st != 403 || !strings.Contains(e.Error.Message, "This schedule belongs to "+testAdmin+"; only its owner or an administrator can change it.") {
			t.Errorf("%s %s by an editor: %d %q", c.method, c.path, st, e.Error.Message)
		}
	}
	var run facteur.Run
	n.must(202, "POST", path+"/run", nil, &run)
	if r := n.waitRun(run.ID); r.Status != facteur.RunSucceeded {
		t.Fatalf("the administrator's run: %s %q", r.Status, r.Error)
	}
	first := run.ID

	// In the web UI the editor sees the schedule read-only: no row menu,
	// the form without Save or Send test, the run without Retry or
	// Download; its owner sees them.
	pages := map[string][]string{
		"/schedules":                             {`data-action="run"`, `data-action="delete"`},
		fmt.Sprintf("/schedules/%d/edit", sc.ID): {`data-action="save"`, `data-action="test"`},
		fmt.Sprintf("/runs/%d", first):           {`data-action="retry"`, `data-action="download"`},
	}
	editorUI, adminUI := uiSession(t, n, "editor@example.org"), uiSession(t, n, testAdmin)
	for page, actions := range pages {
		mine, theirs := uiPage(t, adminUI, n.base+page), uiPage(t, editorUI, n.base+page)
		for _, a := range actions {
			if !strings.Contains(mine, a) || strings.Contains(theirs, a) {
				t.Errorf("%s: %s shown to the owner %v, to another editor %v", page, a, strings.Contains(mine, a), strings.Contains(theirs, a))
			}
		}
	}
	if form := uiPage(t, editorUI, n.base+fmt.Sprintf("/schedules/%d/edit", sc.ID)); !strings.Contains(form, `<fieldset class="read-only" disabled>`) || !strings.Contains(form, "Read only") {
		t.Errorf("the form is not read-only for another editor")
	}

	var users []facteur.User
	n.must(200, "GET", "/api/v1/users", nil, &users)
	var editorID int64
	for _, u := range users {
		if u.Email == "editor@example.org" {
			editorID = u.ID
		}
	}
	if st := ed.call("PUT", path+"/owner", map[string]any{"owner_id": editorID}, &e); st != 403 {
		t.Errorf("an editor hands a schedule over: %d %q", st, e.Error.Message)
	}
	if st := n.call("PUT", path+"/owner", map[string]any{"owner_id": 999999}, &e); st != 400 || !strings.Contains(e.Error.Message, "owner_id") {
		t.Errorf("hand over to no account: %d %q", st, e.Error.Message)
	}
	var got facteur.Schedule
	n.must(200, "PUT", path+"/owner", map[string]any{"owner_id": editorID}, &got)
	if got.OwnerID != editorID {
		t.Fatalf("owner after the handover: %d, want %d", got.OwnerID, editorID)
	}
	var audit []facteur.AuditEntry
	n.must(200, "GET", "/api/v1/audit?action=schedule.transfer", nil, &audit)
	if len(audit) != 1 || audit[0].ObjectID != sc.ID || audit[0].Detail != "Nightly: from "+testAdmin+" to editor@example.org" {
		t.Errorf("audit of the handover: %+v", audit)
	}

	// The new owner may run it, and the run executes with the new owner's
	// rights: an editor may not deliver to a folder.
	ed.must(202, "POST", path+"/run", nil, &run)
	r := n.waitRun(run.ID)
	if r.Status != facteur.RunFailed || !strings.Contains(r.Error, "runs as editor@example.org") || !strings.Contains(r.Error, "folder destinations need the admin role; editor@example.org is an editor") {
		t.Errorf("run after the handover: %s %q", r.Status, r.Error)
	}
	files, _ := filepath.Glob(filepath.Join(outbox, "*"))
	if len(files) != 1 || filepath.Base(files[0]) != fmt.Sprintf("%d.csv", first) {
		t.Errorf("files in the folder: %v, want only the first run's", files)
	}
}

// uiSession logs email in through the UI's login form and returns a
// client that carries its session cookie.
func uiSession(t *testing.T, n *node, email string) *http.Client {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar}
	password := "password of " + email
	if email == testAdmin {
		password = testPassword
	}
	resp, err := c.PostForm(n.base+"/login", url.Values{"email": {email}, "password": {password}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("UI login as %s: %d", email, resp.StatusCode)
	}
	return c
}

// uiPage returns the HTML of a page of the UI.
func uiPage(t *testing.T, c *http.Client, u string) string {
	t.Helper()
	resp, err := c.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s: %d %s", u, resp.StatusCode, b)
	}
	return string(b)
}
