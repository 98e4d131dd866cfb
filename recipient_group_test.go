package facteur_test

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/facteur/facteur"
)

// FuzzRecipientGroup: a group's members, as typed (one address a line,
// account ids as numbers), are refused with EINVALID naming the field, or
// come out lower-cased, each at most MaxEmailLen bytes, none twice, at
// most MaxGroupMembers in all; validating them again changes nothing.
// ConfigGroups reads any config without failing.
func FuzzRecipientGroup(f *testing.F) {
	for _, s := range []struct{ name, addrs, ids string }{
		{"Finance", "cfo@example.org\nAP@Example.org", "1 2"},
		{"", "a@example.org", ""},
		{"x", "a@example.org\na@EXAMPLE.org", ""},
		{"x", "Ann <a@example.org>", "0"},
		{"x", "\"a b\"@example.org", "-3 3 3"},
		{"x", strings.Repeat("m@example.org\n", 3), "9223372036854775807"},
	} {
		f.Add(s.name, s.addrs, s.ids)
	}
	f.Fuzz(func(t *testing.T, name, addrs, ids string) {
		g := facteur.RecipientGroup{Name: name, Addresses: strings.Split(addrs, "\n")}
		for _, w := range strings.Fields(ids) {
			var id int64
			if _, err := fmt.Sscan(w, &id); err == nil {
				g.AccountIDs = append(g.AccountIDs, id)
			}
		}
		err := g.Validate()
		if err != nil {
			msg := facteur.ErrorMessage(err)
			if facteur.ErrorCode(err) != facteur.EINVALID || !(strings.HasPrefix(msg, "name: ") || strings.HasPrefix(msg, "addresses") || strings.HasPrefix(msg, "account_ids")) {
				t.Fatalf("Validate(%q, %q, %q): %v", name, addrs, ids, err)
			}
			return
		}
		if n := len(g.Addresses) + len(g.AccountIDs); n == 0 || n > facteur.MaxGroupMembers {
			t.Fatalf("Validate accepted %d members", n)
		}
		seen := map[string]bool{}
		for _, a := range g.Addresses {
			if a != strings.ToLower(a) || len(a) > facteur.MaxEmailLen || seen[a] || !strings.Contains(a, "@") {
				t.Fatalf("Validate kept the address %q (of %q)", a, addrs)
			}
			seen[a] = true
		}
		for _, id := range g.AccountIDs {
			if id <= 0 {
				t.Fatalf("Validate kept the account id %d", id)
			}
		}
		again := g
		again.Addresses = append([]string{}, g.Addresses...)
		if err := again.Validate(); err != nil || !reflect.DeepEqual(again.Addresses, g.Addresses) {
			t.Fatalf("validating again: %v, %q then %q", err, g.Addresses, again.Addresses)
		}
		_ = facteur.ConfigGroups(json.RawMessage(addrs))
	})
}

// TestResolveGroups: the members of groups as a mail reads them: active
// accounts by their address of the day, addresses the policy allows now,
// once each, in order; a deactivated or missing account, an address
// outside the approved domains and a missing group are left out and said.
func TestResolveGroups(t *testing.T) {
	users := map[int64]*facteur.User{
		1: {ID: 1, Email: "Ana@Example.org", Active: true},
		2: {ID: 2, Email: "bob@other.net", Active: false},
		3: {ID: 3, Email: "carl@other.net", Active: true},
	}
	groups := map[int64]*facteur.RecipientGroup{
		10: {ID: 10, Name: "Finance", AccountIDs: []int64{1, 2, 9}, Addresses: []string{"cfo@example.org", "x@partner.com", "carl@other.net"}},
		11: {ID: 11, Name: "Ops", AccountIDs: []int64{3}, Addresses: []string{"cfo@example.org"}},
	}
	p := facteur.Policy{AllowedDomains: []string{"example.org"}}
	got := facteur.ResolveGroups([]int64{10, 11, 12}, groups, users, p)
	want := facteur.GroupRecipients{
		Addresses: []string{"ana@example.org", "cfo@example.org", "carl@other.net"},
		Skipped: []string{
			`bob@other.net of group "Finance": the account is deactivated`,
			`account 9 of group "Finance" no longer exists`,
			`x@partner.com of group "Finance": it is neither a Facteur account nor in an approved domain now`,
			`recipient group 12 no longer exists`,
		},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("ResolveGroups:\n got %q\nwant %q", got, want)
	}
}
