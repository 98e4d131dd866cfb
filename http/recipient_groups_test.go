package http_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/facteur/facteur"
)

// createGroup creates a group through the API as token and returns it.
func (e *env) createGroup(token, body string) map[string]any {
	e.t.Helper()
	status, answer := e.do(token, "POST", "/api/v1/recipient-groups", body)
	if status != 201 {
		e.t.Fatalf("create group %s: %d %s", body, status, answer)
	}
	var g map[string]any
	must(e.t, json.Unmarshal([]byte(answer), &g))
	return g
}

// TestRecipientGroupsAPI: an editor creates a group of accounts and
// addresses (an account's address is kept as the account); bad members,
// addresses outside the approved domains, too many members, a name
// taken and unknown fields are refused with 4xx saying what to fix and
// nothing saved; another editor sees the group but may not change or
// delete it; the owner and an administrator may; every change is audited.
func TestRecipientGroupsAPI(t *testing.T) {
	e := newEnv(t)
	editor, viewer := e.tokens[facteur.RoleEditor], e.tokens[facteur.RoleViewer]
	g := e.createGroup(editor, fmt.Sprintf(`{"name":"Finance","account_ids":[%d],"addresses":["CFO@example.org","Viewer@Example.org"]}`, e.users[facteur.RoleAdmin].ID))
	id := int64(g["id"].(float64))
	want := fmt.Sprintf(`[%d,%d]`, e.users[facteur.RoleAdmin].ID, e.users[facteur.RoleViewer].ID)
	if ids, _ := json.Marshal(g["account_ids"]); string(ids) != want || fmt.Sprint(g["addresses"]) != "[cfo@example.org]" {
		t.Fatalf("group = %v: want accounts %s (the viewer's address kept as the account) and the address cfo@example.org", g, want)
	}
	if accts := fmt.Sprint(g["accounts"]); !strings.Contains(accts, "viewer@example.org") || !strings.Contains(accts, "admin@example.org") {
		t.Errorf("accounts of the answer = %s", accts)
	}

	big := make([]string, facteur.MaxGroupMembers+1)
	for i := range big {
		big[i] = fmt.Sprintf("m%d@example.org", i)
	}
	bigJSON, _ := json.Marshal(big)
	for _, c := range []struct {
		body   string
		status int
		msg    string
	}{
		{`{"name":"Partners","addresses":["buyer@partner.com"]}`, 400, "addresses[0]: buyer@partner.com is not the address of a Facteur account, nor in an approved domain (example.org)"},
		{`{"name":"Bad","addresses":["a@example.org","not an address"]}`, 400, `addresses[1]: \"not an address\" is not an e-mail address`},
		{`{"name":"Named","addresses":["Ana <ana@example.org>"]}`, 400, "addresses[0]"},
		{`{"name":"Empty"}`, 400, "at least one member"},
		{`{"name":"","addresses":["a@example.org"]}`, 400, "name: a recipient group needs a name"},
		{`{"name":"Ghost","account_ids":[9999]}`, 400, "account_ids[0]: there is no account 9999"},
		{`{"name":"Twice","account_ids":[1,1]}`, 400, "account_ids[1]: account 1 is listed twice"},
		{`{"name":"Big","addresses":` + string(bigJSON) + `}`, 400, "at most 500 members"},
		{`{"name":"Finance","addresses":["a@example.org"]}`, 409, `already a recipient group called \"Finance\"`},
		{`{"name":"Extra","addresses":["a@example.org"],"owner_id":1}`, 400, "owner_id"},
		{`{"name":"Long","addresses":["` + strings.Repeat("a", 250) + `@example.org"]}`, 400, "addresses[0]"},
	} {
		status, answer := e.do(editor, "POST", "/api/v1/recipient-groups", c.body)
		if status != c.status || !strings.Contains(answer, c.msg) {
			t.Errorf("create %.80s: %d %s, want %d saying %q", c.body, status, answer, c.status, c.msg)
		}
	}
	if status, answer := e.do(viewer, "GET", "/api/v1/recipient-groups", ""); status != 200 || strings.Count(answer, `"name"`) != 1 {
		t.Fatalf("list as a viewer: %d %s, want the one group", status, answer)
	}
	if status, answer := e.do(viewer, "POST", "/api/v1/recipient-groups", `{"name":"V","addresses":["a@example.org"]}`); status != 403 {
		t.Errorf("create as a viewer: %d %s", status, answer)
	}

	path := fmt.Sprintf("/api/v1/recipient-groups/%d", id)
	if status, answer := e.do(e.otherEditor, "PUT", path, `{"name":"Mine now","addresses":["a@example.org"]}`); status != 403 || !strings.Contains(answer, "belongs to editor@example.org") {
		t.Errorf("update by another editor: %d %s", status, answer)
	}
	if status, answer := e.do(e.otherEditor, "DELETE", path, ""); status != 403 {
		t.Errorf("delete by another editor: %d %s", status, answer)
	}
	if status, answer := e.do(editor, "PUT", path, `{"name":"Finance","addresses":["controller@example.org"]}`); status != 200 || !strings.Contains(answer, "controller@example.org") || strings.Contains(answer, "cfo@") {
		t.Errorf("update by its owner: %d %s", status, answer)
	}
	if status, answer := e.do(e.tokens[facteur.RoleAdmin], "PUT", path, `{"name":"Finance team","addresses":["controller@example.org"]}`); status != 200 {
		t.Errorf("update by an administrator: %d %s", status, answer)
	}
	if status, answer := e.do(editor, "GET", "/api/v1/recipient-groups/0", ""); status != 404 {
		t.Errorf("group 0: %d %s", status, answer)
	}
	list, err := e.db.Audit(context.Background(), facteur.AuditFilter{Action: "recipient_group."})
	must(t, err)
	if len(list) != 3 || list[0].Action != "recipient_group.update" || list[2].Action != "recipient_group.create" || list[2].Detail != "Finance" || list[2].ObjectID != id {
		t.Fatalf("audit = %+v, want create and two updates of group %d", list, id)
	}
	if status, _ := e.do(editor, "DELETE", path, ""); status != 204 {
		t.Fatalf("delete by its owner: %d", status)
	}
	if status, _ := e.do(editor, "GET", path, ""); status != 404 {
		t.Errorf("deleted group still answers: %d", status)
	}
}

// TestRecipientGroupReferences: e-mail destinations (config.groups) and
// schedules (options.alert_groups) name groups that exist, within bounds;
// a group in use cannot be deleted and the 409 names who uses it (a
// schedule the account may not see by its id only).
func TestRecipientGroupReferences(t *testing.T) {
	e := newEnv(t)
	editor, filer := e.tokens[facteur.RoleEditor], e.tokens[facteur.RoleFileScheduler]
	g := e.createGroup(editor, `{"name":"Ops","addresses":["ops@example.org"]}`)
	id := int64(g["id"].(float64))

	for _, c := range []struct{ body, msg string }{
		{`{"name":"m","kind":"email","config":{"groups":[999]}}`, "config.groups[0]: there is no recipient group 999"},
		{fmt.Sprintf(`{"name":"m","kind":"email","config":{"groups":[%d,%d]}}`, id, id), "groups[1]: group " + fmt.Sprint(id) + " is named twice"},
		{`{"name":"m","kind":"email","config":{"groups":[0]}}`, "groups[0]: 0 is not a recipient group's id"},
		{`{"name":"m","kind":"email","config":{}}`, "to: give at least one recipient, or a recipient group"},
		{`{"name":"m","kind":"email","config":{"groups":[1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21]}}`, "groups: at most 20 groups"},
	} {
		if status, answer := e.do(editor, "POST", "/api/v1/destinations", c.body); status != 400 || !strings.Contains(answer, c.msg) {
			t.Errorf("destination %s: %d %s, want 400 saying %q", c.body, status, answer, c.msg)
		}
	}
	status, answer := e.do(editor, "POST", "/api/v1/destinations", fmt.Sprintf(`{"name":"Ops mail","kind":"email","config":{"groups":[%d]}}`, id))
	if status != 201 || !strings.Contains(answer, `"where": "1 recipient group"`) {
		t.Fatalf("destination to a group: %d %s", status, answer)
	}
	var dest struct{ ID int64 }
	must(t, json.Unmarshal([]byte(answer), &dest))

	sched := func(token string, destID int64, groups string) (int, string) {
		return e.do(token, "POST", "/api/v1/schedules", fmt.Sprintf(`{"report_id":%d,"destination_id":%d,"calendar":{"frequency":"daily","at":"07:00","time_zone":"UTC"},"options":{"alert_groups":%s}}`, e.report.ID, destID, groups))
	}
	if status, answer := sched(editor, e.email.ID, "[998]"); status != 400 || !strings.Contains(answer, "options.alert_groups[0]: there is no recipient group 998") {
		t.Errorf("schedule alerting a missing group: %d %s", status, answer)
	}
	if status, answer := sched(editor, e.email.ID, fmt.Sprintf("[%d,-1]", id)); status != 400 || !strings.Contains(answer, "options.alert_groups[1]") {
		t.Errorf("schedule alerting group -1: %d %s", status, answer)
	}
	status, answer = sched(editor, e.email.ID, fmt.Sprintf("[%d]", id))
	if status != 201 {
		t.Fatalf("schedule alerting the group: %d %s", status, answer)
	}
	var sc struct{ ID int64 }
	must(t, json.Unmarshal([]byte(answer), &sc))
	if status, answer := sched(filer, e.sftp.ID, fmt.Sprintf("[%d]", id)); status != 201 {
		t.Fatalf("the file scheduler's SFTP schedule alerting the group: %d %s", status, answer)
	}

	status, answer = e.do(editor, "DELETE", fmt.Sprintf("/api/v1/recipient-groups/%d", id), "")
	for _, want := range []string{`recipient group \"Ops\" is used by`, fmt.Sprintf(`destination %d \"Ops mail\"`, dest.ID), fmt.Sprintf(`schedule %d \"items\"`, sc.ID), "(of another account)", "remove it from them first"} {
		if status != 409 || !strings.Contains(answer, want) {
			t.Errorf("delete a group in use: %d %s, want 409 saying %s", status, answer, want)
		}
	}
	if strings.Contains(answer, "partner sftp") {
		t.Errorf("the refusal names the file scheduler's private schedule: %s", answer)
	}
	status, answer = e.do(editor, "GET", fmt.Sprintf("/api/v1/recipient-groups/%d", id), "")
	if status != 200 || !strings.Contains(answer, `"used_by_others": 1`) || !strings.Contains(answer, `"Ops mail"`) {
		t.Errorf("group with its uses: %d %s", status, answer)
	}
	if _, err := e.db.RecipientGroup(context.Background(), id); err != nil {
		t.Fatalf("the group in use is gone: %v", err)
	}
}
