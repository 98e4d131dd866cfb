package auth

import (
	"context"
	"encoding/json"
	"strings"

	"github.com/facteur/facteur"
	"github.com/facteur/facteur/deliver"
)

// CanSee reports whether u may see an object owned by ownerID that
// delivers to a destination of the given kind: destinations of a kind
// registered as file storage (SFTP, S3, webhook), and their schedules and
// runs, are visible only to their owner and administrators (G3).
func CanSee(kinds *deliver.Registry, u *facteur.User, ownerID int64, kind string) bool {
	return u.Role == facteur.RoleAdmin || !kinds.FileStorage(kind) || ownerID == u.ID
}

// CanTarget refuses a destination kind the account's role may not create
// or schedule to: the least role comes from the kind's registration.
func CanTarget(kinds *deliver.Registry, u *facteur.User, kind string) error {
	if _, err := kinds.Lookup(kind); err != nil && u.Role != facteur.RoleAdmin {
		return err // an unknown kind: say which there are
	}
	if need := kinds.LeastRole(kind); !u.Role.AtLeast(need) {
		return facteur.Errorf(facteur.EFORBIDDEN, "%s destinations need the %s role; %s is %s", kind, need, u.Email, u.Role.Noun())
	}
	return nil
}

// CheckDelivery decides whether owner may export to d now: the account is
// active and may export under the policy, its role may target d's kind,
// and an e-mail destination sends only to the owner or approved domains.
// It is checked when a schedule is saved, tested or run (G4).
func CheckDelivery(kinds *deliver.Registry, owner *facteur.User, d *facteur.Destination, p facteur.Policy) error {
	if err := p.CheckExporter(owner); err != nil {
		return err
	}
	return CheckTarget(kinds, owner, owner, d, p)
}

// CheckTarget decides whether actor may create or schedule to d for a
// schedule of owner: actor's role may target d's kind, and an e-mail
// destination sends only to owner or approved domains. Saving does not
// export, so it is CheckDelivery without the export checks.
func CheckTarget(kinds *deliver.Registry, actor, owner *facteur.User, d *facteur.Destination, p facteur.Policy) error {
	if err := CanTarget(kinds, actor, d.Kind); err != nil {
		return err
	}
	to, err := kinds.Recipients(d)
	if err != nil {
		return err
	}
	return p.CheckRecipients(owner, to)
}

// LoadPolicy returns the server's policy from the store, with defaults
// where it sets nothing.
func LoadPolicy(ctx context.Context, st facteur.Store) (facteur.Policy, error) {
	var p facteur.Policy
	raw, err := st.Setting(ctx, facteur.PolicyKey)
	if facteur.ErrorCode(err) == facteur.ENOTFOUND {
		return p.WithDefaults(), nil
	} else if err != nil {
		return p, err
	}
	if err := json.Unmarshal(raw, &p); err != nil {
		return p, err
	}
	return p.WithDefaults(), nil
}

// RunAsOwner checks, at run time, that the owner of a run may still
// deliver to d (G4), or for a one-off export (d nil) may still export.
// The owner is the schedule's owner at run time, so a run queued before a
// handover executes with the new owner's rights; a run whose schedule is
// gone keeps the owner it was queued with. A run without an owner, or
// whose owner was deleted, fails closed.
func RunAsOwner(ctx context.Context, st facteur.Store, kinds *deliver.Registry, run *facteur.Run, d *facteur.Destination) error {
	ownerID := run.OwnerID
	if run.ScheduleID != 0 {
		sc, err := st.Schedule(ctx, run.ScheduleID)
		if err == nil {
			ownerID = sc.OwnerID
		} else if facteur.ErrorCode(err) != facteur.ENOTFOUND {
			return err
		}
	}
	if ownerID == 0 {
		return facteur.Errorf(facteur.EFORBIDDEN, "this run has no owner, so no account's rights allow it; an administrator can hand the schedule over to an account")
	}
	owner, err := st.User(ctx, ownerID)
	if facteur.ErrorCode(err) == facteur.ENOTFOUND {
		return facteur.Errorf(facteur.EFORBIDDEN, "the owner of this schedule (account %d) no longer exists", ownerID)
	} else if err != nil {
		return err
	}
	p, err := LoadPolicy(ctx, st)
	if err != nil {
		return err
	}
	check := func() error { return p.CheckExporter(owner) }
	if d != nil {
		check = func() error { return CheckDelivery(kinds, owner, d, p) }
	}
	if err := check(); err != nil {
		return facteur.Errorf(facteur.EFORBIDDEN, "The schedule runs as %s, who may not make this delivery now: %s", owner.Email, facteur.ErrorMessage(err))
	}
	return nil
}

// AccountAddresses returns the addresses of the active accounts: the
// organisation's people, who may always receive a schedule's alerts.
func AccountAddresses(ctx context.Context, st facteur.Store) ([]string, error) {
	users, err := st.Users(ctx)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, u := range users {
		if u.Active {
			out = append(out, strings.ToLower(u.Email))
		}
	}
	return out, nil
}

// GroupRecipients returns the addresses of the members of the recipient
// groups ids now, under the policy now, and why members were left out
// (facteur.ResolveGroups): every mail to a group reads it at send time, so
// that an edited group is mailed as it is.
func GroupRecipients(ctx context.Context, st facteur.Store, ids []int64) (facteur.GroupRecipients, error) {
	if len(ids) == 0 {
		return facteur.GroupRecipients{}, nil
	}
	groups, err := st.RecipientGroupsByID(ctx, ids)
	if err != nil {
		return facteur.GroupRecipients{}, err
	}
	users, err := st.Users(ctx)
	if err != nil {
		return facteur.GroupRecipients{}, err
	}
	byID := make(map[int64]*facteur.User, len(users))
	for _, u := range users {
		byID[u.ID] = u
	}
	p, err := LoadPolicy(ctx, st)
	if err != nil {
		return facteur.GroupRecipients{}, err
	}
	return facteur.ResolveGroups(ids, groups, byID, p), nil
}
