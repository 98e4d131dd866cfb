package facteur

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// Bounds of recipient groups.
const (
	// MaxGroupMembers bounds the members of one group, accounts and
	// addresses together.
	MaxGroupMembers = 500
	// MaxGroupRefs bounds the groups one e-mail destination, or the alerts
	// of one schedule, name.
	MaxGroupRefs = 20
)

// RecipientGroup is a named list of people that e-mail destinations and
// a schedule's alerts can mail: accounts of Facteur, by id, and addresses
// outside Facteur, which must be in a domain the policy approves. Its
// members are read when a mail is sent, so that editing a group changes
// every destination and schedule that names it from their next mail on.
type RecipientGroup struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
	// AccountIDs are members that are Facteur's accounts: the mail goes to
	// the account's address of the day; a deactivated account gets none.
	AccountIDs []int64 `json:"account_ids"`
	// Addresses are members outside Facteur's accounts, lower-cased, each
	// in a domain the policy approves when the group is saved.
	Addresses []string `json:"addresses"`
	// OwnerID is the account that created it: only it and administrators
	// change or delete it.
	OwnerID   int64     `json:"owner_id"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// Validate checks the group's name and members, naming the field, and
// normalises them: addresses trimmed and lower-cased, no member twice, at
// most MaxGroupMembers in all, at least one. Whether the accounts exist
// and the addresses' domains are approved needs the store and the
// policy: see CheckGroupAddresses.
func (g *RecipientGroup) Validate() error {
	if err := CheckName("recipient group", g.Name); err != nil {
		return err
	}
	switch n := len(g.AccountIDs) + len(g.Addresses); {
	case n == 0:
		return Errorf(EINVALID, "account_ids: a group needs at least one member: an account or an address")
	case n > MaxGroupMembers:
		return Errorf(EINVALID, "addresses: at most %d members in a group (this one has %d); make several groups", MaxGroupMembers, n)
	}
	seenID := make(map[int64]bool, len(g.AccountIDs))
	for i, id := range g.AccountIDs {
		switch {
		case id <= 0:
			return Errorf(EINVALID, "account_ids[%d]: %d is not an account id", i, id)
		case seenID[id]:
			return Errorf(EINVALID, "account_ids[%d]: account %d is listed twice", i, id)
		}
		seenID[id] = true
	}
	seen := make(map[string]bool, len(g.Addresses))
	for i, a := range g.Addresses {
		addr, err := NormalizeEmail(a)
		if err != nil {
			return Errorf(EINVALID, "addresses[%d]: %q is not an e-mail address (write it as name@example.org, without a name)", i, shorten(a, MaxEmailLen))
		}
		if seen[addr] {
			return Errorf(EINVALID, "addresses[%d]: %s is listed twice", i, addr)
		}
		seen[addr], g.Addresses[i] = true, addr
	}
	if g.AccountIDs == nil {
		g.AccountIDs = []int64{}
	}
	if g.Addresses == nil {
		g.Addresses = []string{}
	}
	return nil
}

// CheckGroupAddress refuses addresses[i] of a group when it is neither
// an account's address (accounts) nor in a domain the policy approves:
// the rule of alert addresses, since a group is mailed by alerts and
// e-mail destinations alike.
func (p Policy) CheckGroupAddress(i int, address string, accounts []string) error {
	if p.AlertAllowed(address, accounts) {
		return nil
	}
	return Errorf(EINVALID, "addresses[%d]: %s is not the address of a Facteur account, %s; remove it, or ask an administrator to approve its domain", i, shorten(address, MaxEmailLen), p.approvedDomains())
}

// DescribeUses names the objects of uses for a message ("destination 3
// "Finance", schedule 7 "Daily""), at most five of them; hidden, when not
// nil, tells which to name only by their kind and id.
func DescribeUses(uses []GroupUse, hidden func(GroupUse) bool) string {
	var parts []string
	for i, u := range uses {
		if i == 5 {
			parts = append(parts, fmt.Sprintf("and %d more", len(uses)-5))
			break
		}
		if hidden != nil && hidden(u) {
			parts = append(parts, fmt.Sprintf("%s %d (of another account)", u.Kind, u.ID))
			continue
		}
		parts = append(parts, fmt.Sprintf("%s %d %q", u.Kind, u.ID, u.Name))
	}
	return strings.Join(parts, ", ")
}

// CheckGroupRefs checks a list of group ids named by field
// ("config.groups", "options.alert_groups"): at most MaxGroupRefs, each
// a positive id named once. Whether each group exists is the store's to
// say.
func CheckGroupRefs(field string, ids []int64) error {
	if len(ids) > MaxGroupRefs {
		return Errorf(EINVALID, "%s: at most %d groups (this list has %d)", field, MaxGroupRefs, len(ids))
	}
	seen := make(map[int64]bool, len(ids))
	for i, id := range ids {
		switch {
		case id <= 0:
			return Errorf(EINVALID, "%s[%d]: %d is not a recipient group's id", field, i, id)
		case seen[id]:
			return Errorf(EINVALID, "%s[%d]: group %d is named twice", field, i, id)
		}
		seen[id] = true
	}
	return nil
}

// ConfigGroups returns the recipient groups a destination's config names
// under "groups" (e-mail destinations), or nil. Every kind that mails
// names its groups there, so that the store can keep which destinations
// use a group without knowing the kinds.
func ConfigGroups(config json.RawMessage) []int64 {
	var c struct {
		Groups []int64 `json:"groups"`
	}
	if len(config) == 0 || json.Unmarshal(config, &c) != nil {
		return nil
	}
	return c.Groups
}

// GroupUse is an object that names a recipient group.
type GroupUse struct {
	// Kind is "destination" or "schedule".
	Kind string `json:"kind"`
	ID   int64  `json:"id"`
	Name string `json:"name"`
	// OwnerID is the object's owner, and DestinationKind the kind of the
	// destination it is or delivers to, for the caller to tell whether an
	// account may see it.
	OwnerID         int64  `json:"-"`
	DestinationKind string `json:"-"`
}

// RecipientGroups keeps the recipient groups. Destinations and schedules
// that name a group are recorded with them, so that a group in use cannot
// be deleted (ECONFLICT) and one that does not exist cannot be named
// (EINVALID, naming the field).
type RecipientGroups interface {
	// CreateRecipientGroup validates g, records it and sets its ID and
	// timestamps; a name already taken fails with ECONFLICT.
	CreateRecipientGroup(ctx context.Context, g *RecipientGroup) error
	// RecipientGroup returns the group id, or ENOTFOUND.
	RecipientGroup(ctx context.Context, id int64) (*RecipientGroup, error)
	// RecipientGroupsByID returns the groups of ids that exist, by id.
	RecipientGroupsByID(ctx context.Context, ids []int64) (map[int64]*RecipientGroup, error)
	// ListRecipientGroups returns every group, by name.
	ListRecipientGroups(ctx context.Context) ([]*RecipientGroup, error)
	// UpdateRecipientGroup saves g's name and members (ECONFLICT when it
	// changed since it was read, or the name is taken).
	UpdateRecipientGroup(ctx context.Context, g *RecipientGroup) error
	// DeleteRecipientGroup deletes a group no destination or schedule
	// names; ECONFLICT naming them otherwise.
	DeleteRecipientGroup(ctx context.Context, id int64) error
	// RecipientGroupUses returns the destinations and schedules that name
	// group id, destinations first, each by id.
	RecipientGroupUses(ctx context.Context, id int64) ([]GroupUse, error)
}

// GroupRecipients are the addresses a list of groups gives at one
// moment, and why members were left out.
type GroupRecipients struct {
	// Addresses are the members' addresses, lower-cased, once each, in
	// the order of the groups and of their members.
	Addresses []string
	// Skipped says, for each member or group left out, why: a
	// deactivated or missing account, an address the policy no longer
	// allows, a group that no longer exists.
	Skipped []string
}

// ResolveGroups returns the addresses of the groups ids (as found in
// groups), with users the accounts by id and p the policy now: an active
// account's address, and each address the policy still allows (an
// account's address, or in an approved domain). Left out, and said why:
// deactivated or missing accounts, addresses outside the approved
// domains, groups that do not exist.
func ResolveGroups(ids []int64, groups map[int64]*RecipientGroup, users map[int64]*User, p Policy) GroupRecipients {
	var out GroupRecipients
	var accounts []string
	for _, u := range users {
		if u.Active {
			accounts = append(accounts, strings.ToLower(u.Email))
		}
	}
	seen := map[string]bool{}
	add := func(a string) {
		a = strings.ToLower(strings.TrimSpace(a))
		if !seen[a] {
			seen[a] = true
			out.Addresses = append(out.Addresses, a)
		}
	}
	for _, id := range ids {
		g, ok := groups[id]
		if !ok {
			out.Skipped = append(out.Skipped, fmt.Sprintf("recipient group %d no longer exists", id))
			continue
		}
		for _, uid := range g.AccountIDs {
			u, ok := users[uid]
			switch {
			case !ok:
				out.Skipped = append(out.Skipped, fmt.Sprintf("account %d of group %q no longer exists", uid, g.Name))
			case !u.Active:
				out.Skipped = append(out.Skipped, fmt.Sprintf("%s of group %q: the account is deactivated", u.Email, g.Name))
			default:
				add(u.Email)
			}
		}
		for _, a := range g.Addresses {
			if !p.AlertAllowed(a, accounts) {
				out.Skipped = append(out.Skipped, fmt.Sprintf("%s of group %q: it is neither a Facteur account nor in an approved domain now", a, g.Name))
				continue
			}
			add(a)
		}
	}
	return out
}
