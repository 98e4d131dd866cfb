package main

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/facteur/facteur"
)

// TestBrowserRecipientGroups: in Chromium, an editor creates a recipient
// group on its page (a member outside the approved domains is refused
// next to the members' field, in its label's words, with what was typed
// kept), chooses it in an e-mail destination's form and in a schedule's
// alerts, and what is stored names it; deleting it while it is used says
// who uses it. Another editor sees the group read-only, without Save nor
// Delete; a viewer has no New group.
func TestBrowserRecipientGroups(t *testing.T) {
	b, n, rep, _ := scheduleSetup(t)
	n.must(200, "PUT", "/api/v1/settings/policy", map[string]any{"allowed_email_domains": []string{"example.org"}}, nil)
	n.addAccount("editor@example.org", facteur.RoleEditor)
	n.addAccount("other@example.org", facteur.RoleEditor)
	n.addAccount("viewer@example.org", facteur.RoleViewer)
	b = tab{t, browser(t)}
	if err := uiLogin(b.ctx, n.base, "editor@example.org", "password of editor@example.org"); err != nil {
		t.Fatal(err)
	}

	b.do(chromedp.Navigate(n.base+"/groups"), chromedp.WaitVisible(css(`[data-action="new-group"]`)))
	b.follow(`[data-action="new-group"]`, `#group-form`)
	b.set("#name", "Finance")
	b.set("#members", "cfo@example.org\nbuyer@partner.com")
	b.follow(`#group-form [data-action="save"]`, `#group-form`)
	if msg := b.text("#members-error"); !strings.HasPrefix(msg, "Members, line 2: buyer@partner.com is not the address of a Facteur account") {
		t.Errorf("the members' error: %q", msg)
	}
	if b.attr("#members", "aria-invalid") != "true" || b.value("#members") != "cfo@example.org\nbuyer@partner.com" || b.value("#name") != "Finance" {
		t.Errorf("after the refusal: invalid %q, members %q, name %q", b.attr("#members", "aria-invalid"), b.value("#members"), b.value("#name"))
	}
	b.set("#members", "cfo@example.org\nviewer@example.org")
	screenshots(t, b.ctx, "group-form")
	b.follow(`#group-form [data-action="save"]`, `#groups`)
	var groups []struct {
		ID         int64
		Name       string
		AccountIDs []int64  `json:"account_ids"`
		Addresses  []string `json:"addresses"`
	}
	n.must(200, "GET", "/api/v1/recipient-groups", nil, &groups)
	if len(groups) != 1 || groups[0].Name != "Finance" || len(groups[0].AccountIDs) != 1 || !slices.Equal(groups[0].Addresses, []string{"cfo@example.org"}) {
		t.Fatalf("saved groups: %+v", groups)
	}
	g := groups[0].ID
	row := fmt.Sprintf(`tr[data-group="%d"]`, g)
	if got := b.text(row); !strings.Contains(got, "viewer@example.org") || !strings.Contains(got, "cfo@example.org") || !strings.Contains(got, "2") {
		t.Errorf("the group's row: %q", got)
	}
	screenshots(t, b.ctx, "groups")

	// An e-mail destination to the group, chosen by its box.
	b.do(chromedp.Navigate(n.base+"/destinations/new?kind=email"), chromedp.WaitVisible(css(`#destination-form`)))
	b.set("#name", "Finance mail")
	box := fmt.Sprintf(`input[name="email.groups"][value="%d"]`, g)
	if got := b.text(`fieldset#email\.groups`); b.count(box) != 1 || !strings.Contains(got, "Finance") || !strings.Contains(got, "(2 members)") {
		t.Fatalf("the destination form offers no box for the group: %q", b.text(`#destination-form`))
	}
	b.do(chromedp.Click(css(box)))
	b.follow(`#destination-form [data-action="save"]`, `#destination-form`)
	var dests []struct {
		ID     int64
		Name   string
		Config map[string]any
	}
	n.must(200, "GET", "/api/v1/destinations", nil, &dests)
	var dest int64
	for _, d := range dests {
		if d.Name == "Finance mail" {
			dest = d.ID
			if fmt.Sprint(d.Config["groups"]) != fmt.Sprintf("[%d]", g) {
				t.Fatalf("the destination names groups %v", d.Config["groups"])
			}
		}
	}
	if dest == 0 || !eval[bool](b, fmt.Sprintf(`document.querySelector(%q).checked`, box)) {
		t.Fatalf("the destination was not saved with its group ticked: %+v", dests)
	}

	// A schedule alerting the group.
	b.do(chromedp.Navigate(n.base+"/schedules/new"), chromedp.WaitVisible(css(`#schedule-form`)))
	b.set("#name", "Items to finance")
	b.set("#report_id", fmt.Sprint(rep))
	b.set("#destination_id", fmt.Sprint(dest))
	alertBox := fmt.Sprintf(`input[name="alert_groups"][value="%d"]`, g)
	b.do(chromedp.Click(css(alertBox)))
	b.follow(`#schedule-form .buttons [data-action="save"]`, `#schedules`)
	var list []facteur.Schedule
	n.must(200, "GET", "/api/v1/schedules", nil, &list)
	if len(list) != 1 || !slices.Equal(list[0].Options.AlertGroups, []int64{g}) {
		t.Fatalf("saved schedules: %+v", list)
	}
	b.do(chromedp.Navigate(fmt.Sprintf("%s/schedules/%d/edit", n.base, list[0].ID)), chromedp.WaitVisible(css(`#schedule-form`)))
	if !eval[bool](b, fmt.Sprintf(`document.querySelector(%q).checked`, alertBox)) {
		t.Errorf("the edit form does not tick the alert group")
	}

	// Deleting the group in use is refused, naming its users.
	b.do(chromedp.Navigate(n.base+"/groups"), chromedp.WaitVisible(css(row)))
	eval[bool](b, `window.confirm = () => true; true`)
	b.follow(row+` [data-action="delete"]`, `.flash`)
	if msg := b.text(".flash"); !strings.Contains(msg, fmt.Sprintf(`destination %d "Finance mail"`, dest)) || !strings.Contains(msg, `"Items to finance"`) {
		t.Errorf("deleting a group in use: %q", msg)
	}
	if st := n.call("GET", fmt.Sprintf("/api/v1/recipient-groups/%d", g), nil, nil); st != 200 {
		t.Fatalf("the group in use was deleted: %d", st)
	}

	// Another editor: the group read-only, no Save, no Delete.
	o := tab{t, browser(t)}
	if err := uiLogin(o.ctx, n.base, "other@example.org", "password of other@example.org"); err != nil {
		t.Fatal(err)
	}
	o.do(chromedp.Navigate(n.base+"/groups"), chromedp.WaitVisible(css(row)))
	if o.count(row+` [data-action="delete"]`) != 0 || o.count(`[data-action="new-group"]`) != 1 {
		t.Errorf("another editor: %d Delete buttons, %d New group", o.count(row+` [data-action="delete"]`), o.count(`[data-action="new-group"]`))
	}
	o.follow(row+` th a`, `#group-form`)
	if !eval[bool](o, `document.querySelector("#members").matches(":disabled")`) || o.count(`[data-action="save"]`) != 0 || o.count("#read-only") != 1 {
		t.Errorf("another editor may edit the group: disabled %v, Save %d", eval[bool](o, `document.querySelector("#members").matches(":disabled")`), o.count(`[data-action="save"]`))
	}
	if used := o.text("#used-by"); !strings.Contains(used, "Finance mail") || !strings.Contains(used, "Items to finance") {
		t.Errorf("the group's users: %q", used)
	}
	v := tab{t, browser(t)}
	if err := uiLogin(v.ctx, n.base, "viewer@example.org", "password of viewer@example.org"); err != nil {
		t.Fatal(err)
	}
	v.do(chromedp.Navigate(n.base+"/groups"), chromedp.WaitVisible(css(row)))
	if v.count(`[data-action="new-group"]`) != 0 || v.count(`[data-action="delete"]`) != 0 {
		t.Errorf("a viewer sees New group or Delete")
	}
	v.do(chromedp.Navigate(n.base+"/groups/new"), chromedp.WaitVisible(css(`main`)))
	if v.count(`#group-form`) != 0 {
		t.Errorf("a viewer gets the form of a new group")
	}
}
