package storetest

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/facteur/facteur"
)

// testRecipientGroups: a group is recorded with its members normalised,
// read back, listed by name, updated (its version checked) and deleted;
// bad members, too many members and a name taken are refused, and nothing
// of a refused write is kept.
func testRecipientGroups(t *testing.T, newDB NewDatabase) {
	ctx, s := testContext(t), Open(t, newDB(t))
	before := time.Now()
	g := &facteur.RecipientGroup{Name: "Finance", AccountIDs: []int64{2, 1}, Addresses: []string{" CFO@Example.org ", "ap@example.org"}, OwnerID: 1}
	must(t, s.CreateRecipientGroup(ctx, g))
	checkStamps(t, before, g.CreatedAt, g.UpdatedAt)
	got, err := s.RecipientGroup(ctx, g.ID)
	must(t, err)
	if !reflect.DeepEqual(got.AccountIDs, []int64{2, 1}) || !reflect.DeepEqual(got.Addresses, []string{"cfo@example.org", "ap@example.org"}) || got.OwnerID != 1 || got.Name != "Finance" {
		t.Fatalf("group read back = %s", js(got))
	}

	for _, bad := range []struct {
		g    facteur.RecipientGroup
		code string
		msg  string
	}{
		{facteur.RecipientGroup{Name: "Finance", Addresses: []string{"x@example.org"}}, facteur.ECONFLICT, "already a recipient group called"},
		{facteur.RecipientGroup{Name: "Empty"}, facteur.EINVALID, "at least one member"},
		{facteur.RecipientGroup{Name: " ", Addresses: []string{"x@example.org"}}, facteur.EINVALID, "name:"},
		{facteur.RecipientGroup{Name: "Bad", Addresses: []string{"not an address"}}, facteur.EINVALID, "addresses[0]"},
		{facteur.RecipientGroup{Name: "Named", Addresses: []string{"Ana <ana@example.org>"}}, facteur.EINVALID, "addresses[0]"},
		{facteur.RecipientGroup{Name: "Twice", Addresses: []string{"a@example.org", "A@example.org"}}, facteur.EINVALID, "addresses[1]: a@example.org is listed twice"},
		{facteur.RecipientGroup{Name: "Ids", AccountIDs: []int64{1, 0}}, facteur.EINVALID, "account_ids[1]"},
		{facteur.RecipientGroup{Name: "Big", Addresses: addresses(facteur.MaxGroupMembers + 1)}, facteur.EINVALID, "at most 500 members"},
	} {
		err := s.CreateRecipientGroup(ctx, &bad.g)
		wantCode(t, err, bad.code)
		if !strings.Contains(facteur.ErrorMessage(err), bad.msg) {
			t.Errorf("create %q: %q, want it to say %q", bad.g.Name, facteur.ErrorMessage(err), bad.msg)
		}
	}
	full := &facteur.RecipientGroup{Name: "Everyone", Addresses: addresses(facteur.MaxGroupMembers)}
	must(t, s.CreateRecipientGroup(ctx, full))
	list, err := s.ListRecipientGroups(ctx)
	must(t, err)
	if len(list) != 2 || list[0].Name != "Everyone" || list[1].Name != "Finance" || len(list[0].Addresses) != facteur.MaxGroupMembers {
		t.Fatalf("list = %d groups, want Everyone (500 members) then Finance", len(list))
	}

	stale := *got
	got.Name, got.AccountIDs, got.Addresses = "Finance team", []int64{3}, []string{"controller@example.org"}
	must(t, s.UpdateRecipientGroup(ctx, got))
	stale.Addresses = []string{"late@example.org"}
	wantCode(t, s.UpdateRecipientGroup(ctx, &stale), facteur.ECONFLICT)
	again, err := s.RecipientGroup(ctx, g.ID)
	must(t, err)
	if again.Name != "Finance team" || !reflect.DeepEqual(again.AccountIDs, []int64{3}) || !reflect.DeepEqual(again.Addresses, []string{"controller@example.org"}) {
		t.Fatalf("after update = %s", js(again))
	}
	again.Name = "Everyone"
	wantCode(t, s.UpdateRecipientGroup(ctx, again), facteur.ECONFLICT)

	byID, err := s.RecipientGroupsByID(ctx, []int64{g.ID, 999})
	must(t, err)
	if len(byID) != 1 || byID[g.ID] == nil {
		t.Fatalf("by id = %s, want only group %d", js(byID), g.ID)
	}
	must(t, s.DeleteRecipientGroup(ctx, full.ID))
	wantCode(t, s.DeleteRecipientGroup(ctx, full.ID), facteur.ENOTFOUND)
	_, err = s.RecipientGroup(ctx, full.ID)
	wantCode(t, err, facteur.ENOTFOUND)
}

// testRecipientGroupUses: destinations (through their config's "groups")
// and schedules (options.alert_groups) record the groups they name; a
// group that does not exist is refused with the field named and nothing
// saved; a group in use cannot be deleted, and the refusal names who uses
// it; once no one names it, it can.
func testRecipientGroupUses(t *testing.T, newDB NewDatabase) {
	ctx, s := testContext(t), Open(t, newDB(t))
	f := seed(t, ctx, s)
	g := &facteur.RecipientGroup{Name: "Ops", Addresses: []string{"ops@example.org"}}
	must(t, s.CreateRecipientGroup(ctx, g))

	missing := &facteur.Destination{Name: "nobody", Kind: facteur.DestinationEmail, Config: json.RawMessage(fmt.Sprintf(`{"groups":[%d,999]}`, g.ID))}
	err := s.CreateDestination(ctx, missing)
	wantCode(t, err, facteur.EINVALID)
	if msg := facteur.ErrorMessage(err); msg != "config.groups[1]: there is no recipient group 999" {
		t.Errorf("destination naming a missing group: %q", msg)
	}
	if list, _ := s.Destinations(ctx); len(list) != 1 {
		t.Fatalf("a refused destination was kept: %d destinations", len(list))
	}

	mail := &facteur.Destination{Name: "Ops mail", Kind: facteur.DestinationEmail, Config: json.RawMessage(fmt.Sprintf(`{"to":["a@example.org"],"groups":[%d]}`, g.ID))}
	must(t, s.CreateDestination(ctx, mail))
	sc := f.schedule(t, ctx, s, "Daily tickets", nil)
	sc.Options.AlertGroups = []int64{g.ID, 998}
	err = s.UpdateSchedule(ctx, sc)
	wantCode(t, err, facteur.EINVALID)
	if msg := facteur.ErrorMessage(err); msg != "options.alert_groups[1]: there is no recipient group 998" {
		t.Errorf("schedule naming a missing group: %q", msg)
	}
	stored, err := s.Schedule(ctx, sc.ID)
	must(t, err)
	if len(stored.Options.AlertGroups) != 0 {
		t.Fatalf("a refused update was kept: %s", js(stored.Options))
	}
	stored.Options.AlertGroups = []int64{g.ID}
	must(t, s.UpdateSchedule(ctx, stored))

	uses, err := s.RecipientGroupUses(ctx, g.ID)
	must(t, err)
	want := []facteur.GroupUse{{Kind: "destination", ID: mail.ID, Name: "Ops mail", DestinationKind: facteur.DestinationEmail},
		{Kind: "schedule", ID: sc.ID, Name: "Daily tickets", DestinationKind: facteur.DestinationFolder}}
	if !reflect.DeepEqual(uses, want) {
		t.Fatalf("uses = %+v, want %+v", uses, want)
	}
	err = s.DeleteRecipientGroup(ctx, g.ID)
	wantCode(t, err, facteur.ECONFLICT)
	wantMsg := fmt.Sprintf(`this recipient group is used by destination %d "Ops mail", schedule %d "Daily tickets"; remove it from them first`, mail.ID, sc.ID)
	if msg := facteur.ErrorMessage(err); msg != wantMsg {
		t.Errorf("delete in use: %q, want %q", msg, wantMsg)
	}

	// Changing the destination's config drops its use; deleting the
	// schedule drops the other.
	mail.Config = json.RawMessage(`{"to":["a@example.org"]}`)
	must(t, s.UpdateDestination(ctx, mail))
	must(t, s.DeleteSchedule(ctx, sc.ID))
	if uses, err := s.RecipientGroupUses(ctx, g.ID); err != nil || len(uses) != 0 {
		t.Fatalf("uses after removal = %+v, %v", uses, err)
	}
	must(t, s.DeleteRecipientGroup(ctx, g.ID))
}

// addresses returns n distinct addresses.
func addresses(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("member%d@example.org", i)
	}
	return out
}
