package main

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/facteur/facteur"
	"github.com/facteur/facteur/mail/smtptest"
)

// groupRun is a run with what became of each recipient of its mails.
type groupRun struct {
	runView
	Recipients []facteur.MailRecipient `json:"recipients"`
}

// mailedSince waits until the SMTP server has received want mails after
// the first from of them, and returns the recipients of those mails,
// sorted.
func mailedSince(t *testing.T, smtp *smtptest.Server, from, want int) []string {
	t.Helper()
	got := smtp.WaitFor(from+want, 20*time.Second)
	if len(got) < from+want {
		t.Fatalf("the SMTP server received %d mails, want %d after the first %d", len(got), want, from)
	}
	time.Sleep(300 * time.Millisecond) // a mail too many would arrive now
	got = smtp.Messages()
	var to []string
	for _, m := range got[from:] {
		to = append(to, m.To...)
	}
	slices.Sort(to)
	return to
}

// runGroupNow is Run now of a schedule; it returns the run's id.
func runGroupNow(n *node, schedule int64) int64 {
	n.t.Helper()
	var run facteur.Run
	n.must(202, "POST", fmt.Sprintf("/api/v1/schedules/%d/run", schedule), nil, &run)
	return run.ID
}

// recipientsOf returns the addresses a run recorded as sent for purpose,
// sorted.
func recipientsOf(n *node, id int64, purpose string) ([]string, string) {
	var r groupRun
	n.must(200, "GET", fmt.Sprintf("/api/v1/runs/%d", id), nil, &r)
	var out []string
	for _, x := range r.Recipients {
		if x.Purpose == purpose && x.State == facteur.MailSent {
			out = append(out, x.Address)
		}
	}
	slices.Sort(out)
	var log strings.Builder
	for _, e := range r.Log {
		log.WriteString(e.Message + "\n")
	}
	return out, log.String()
}

// TestRecipientGroupsEndToEnd, through facteur serve and a real SMTP
// server: a schedule mailing a recipient group reaches exactly the group's
// members (an account of another domain among them), and its run records
// them; after the group is edited and one of its accounts deactivated, the
// next run mails the new members only and its log says who was left out;
// when the policy narrows, an address outside it is skipped and the log
// says so; a failure alert to a group reaches its members; a group in use
// cannot be deleted.
func TestRecipientGroupsEndToEnd(t *testing.T) {
	smtp := smtptest.Start(t, smtptest.Options{})
	n := startServe(t, t.TempDir())
	n.must(200, "PUT", "/api/v1/settings/mail", map[string]any{"host": smtp.Host, "port": smtp.Port, "security": "none",
		"from": "Facteur <facteur@example.org>"}, nil)
	n.must(200, "PUT", "/api/v1/settings/policy", map[string]any{"allowed_email_domains": []string{"example.org", "example.com"}}, nil)
	var carl struct{ ID int64 }
	n.must(201, "POST", "/api/v1/users", map[string]any{"email": "carl@other.net", "role": "viewer", "password": "password of carl"}, &carl)

	// An outside address of a domain the policy does not approve is
	// refused; an account of that domain is a member like any account.
	var bad struct{ Error struct{ Message string } }
	if st := n.call("POST", "/api/v1/recipient-groups", map[string]any{"name": "Finance", "addresses": []string{"cfo@example.org", "x@other.net"}}, &bad); st != 400 ||
		!strings.Contains(bad.Error.Message, "addresses[1]: x@other.net is not the address of a Facteur account") {
		t.Fatalf("group with an unapproved address: %d %+v", st, bad)
	}
	var g struct {
		ID         int64
		AccountIDs []int64 `json:"account_ids"`
	}
	n.must(201, "POST", "/api/v1/recipient-groups", map[string]any{"name": "Finance",
		"addresses": []string{"cfo@example.org", "ap@example.org", "Carl@Other.net"}}, &g)
	if len(g.AccountIDs) != 1 || g.AccountIDs[0] != carl.ID {
		t.Fatalf("carl's address was not kept as his account: %+v", g)
	}

	var src, rep, dest, sc struct{ ID int64 }
	n.must(201, "POST", "/api/v1/sources", map[string]any{"name": "small", "dsn": smallSQLiteSource(t)}, &src)
	n.must(201, "POST", "/api/v1/reports", map[string]any{"name": "items", "source_id": src.ID, "sql": "select * from items order by id"}, &rep)
	n.must(201, "POST", "/api/v1/destinations", map[string]any{"name": "Finance mail", "kind": "email",
		"config": map[string]any{"groups": []int64{g.ID}, "subject": "Items {file_name}"}}, &dest)
	n.must(201, "POST", "/api/v1/schedules", map[string]any{"name": "Items to finance", "report_id": rep.ID, "destination_id": dest.ID, "enabled": false,
		"format": map[string]any{"format": "csv"}, "file_name": "items.csv", "calendar": map[string]any{"frequency": "daily"}}, &sc)

	run1 := runGroupNow(n, sc.ID)
	if r := n.waitRun(run1); r.Status != facteur.RunSucceeded {
		t.Fatalf("run to the group: %s %s", r.Status, r.Error)
	}
	want := []string{"ap@example.org", "carl@other.net", "cfo@example.org"}
	if got := mailedSince(t, smtp, 0, 3); !slices.Equal(got, want) {
		t.Fatalf("the group's mails went to %v, want exactly %v", got, want)
	}
	for _, m := range smtp.Messages() {
		if p := parseMail(t, m.Data); string(p.attachments["items.csv"]) != "id,label\n1,one\n2,two\n" {
			t.Fatalf("mail to %v holds %q", m.To, p.attachments)
		}
	}
	if got, _ := recipientsOf(n, run1, facteur.MailDelivery); !slices.Equal(got, want) {
		t.Fatalf("run %d recorded its recipients as %v, want %v", run1, got, want)
	}

	// Edit the group (ap out, dora in) and deactivate carl: the next run
	// mails the new members only.
	n.must(200, "PUT", fmt.Sprintf("/api/v1/recipient-groups/%d", g.ID), map[string]any{"name": "Finance",
		"account_ids": []int64{carl.ID}, "addresses": []string{"cfo@example.org", "dora@example.com"}}, nil)
	n.must(200, "PUT", fmt.Sprintf("/api/v1/users/%d", carl.ID), map[string]any{"active": false}, nil)
	run2 := runGroupNow(n, sc.ID)
	if r := n.waitRun(run2); r.Status != facteur.RunSucceeded {
		t.Fatalf("run after the edit: %s %s", r.Status, r.Error)
	}
	want = []string{"cfo@example.org", "dora@example.com"}
	if got := mailedSince(t, smtp, 3, 2); !slices.Equal(got, want) {
		t.Fatalf("after the edit, mails went to %v, want exactly %v", got, want)
	}
	got, log := recipientsOf(n, run2, facteur.MailDelivery)
	if !slices.Equal(got, want) || !strings.Contains(log, `Not mailed: carl@other.net of group "Finance": the account is deactivated.`) {
		t.Fatalf("run %d: recipients %v, log:\n%s", run2, got, log)
	}

	// The policy narrows to example.com: cfo@example.org is skipped, and
	// the run's log says so.
	n.must(200, "PUT", "/api/v1/settings/policy", map[string]any{"allowed_email_domains": []string{"example.com"}}, nil)
	run3 := runGroupNow(n, sc.ID)
	if r := n.waitRun(run3); r.Status != facteur.RunSucceeded {
		t.Fatalf("run after the policy narrowed: %s %s", r.Status, r.Error)
	}
	if got := mailedSince(t, smtp, 5, 1); !slices.Equal(got, []string{"dora@example.com"}) {
		t.Fatalf("after the policy narrowed, mails went to %v, want only dora@example.com", got)
	}
	if _, log := recipientsOf(n, run3, facteur.MailDelivery); !strings.Contains(log, `Not mailed: cfo@example.org of group "Finance": it is neither a Facteur account nor in an approved domain now.`) {
		t.Fatalf("run %d's log does not say cfo@example.org was skipped:\n%s", run3, log)
	}

	// A failure alert to the group reaches its members (not the owner,
	// who asked not to be told).
	n.must(200, "PUT", "/api/v1/settings/policy", map[string]any{"allowed_email_domains": []string{"example.org", "example.com"}}, nil)
	gone := filepath.Join(t.TempDir(), "gone")
	if err := os.Mkdir(gone, 0o755); err != nil {
		t.Fatal(err)
	}
	var folder, failing struct{ ID int64 }
	n.must(201, "POST", "/api/v1/destinations", map[string]any{"name": "Vanishing", "kind": "folder", "config": map[string]any{"path": gone}}, &folder)
	if err := os.Remove(gone); err != nil {
		t.Fatal(err)
	}
	n.must(201, "POST", "/api/v1/schedules", map[string]any{"name": "Nightly items", "report_id": rep.ID, "destination_id": folder.ID, "enabled": false,
		"options": map[string]any{"alert_groups": []int64{g.ID}, "no_owner_alert": true}, "format": map[string]any{"format": "csv"}, "calendar": map[string]any{"frequency": "daily"}}, &failing)
	run4 := runGroupNow(n, failing.ID)
	if r := n.waitRun(run4); r.Status != facteur.RunFailed {
		t.Fatalf("failing run: %s", r.Status)
	}
	if got := mailedSince(t, smtp, 6, 2); !slices.Equal(got, want) {
		t.Fatalf("the failure alert went to %v, want the group's members %v", got, want)
	}
	for _, m := range smtp.Messages()[6:] {
		if !strings.Contains(string(m.Data), "Subject: Error with scheduled task Nightly items") {
			t.Fatalf("not an alert: %s", m.Data)
		}
	}
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		got, log := recipientsOf(n, run4, facteur.MailAlert)
		if slices.Equal(got, want) {
			if !strings.Contains(log, "carl@other.net") {
				t.Errorf("the alert's log does not say carl was left out:\n%s", log)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("run %d recorded its alert recipients as %v, want %v", run4, got, want)
		}
	}

	// A group in use cannot be deleted; the refusal names who uses it.
	st := n.call("DELETE", fmt.Sprintf("/api/v1/recipient-groups/%d", g.ID), nil, &bad)
	if st != 409 || !strings.Contains(bad.Error.Message, fmt.Sprintf(`destination %d "Finance mail"`, dest.ID)) ||
		!strings.Contains(bad.Error.Message, fmt.Sprintf(`schedule %d "Nightly items"`, failing.ID)) {
		t.Fatalf("delete a group in use: %d %+v", st, bad)
	}
}
