package http

import (
	"net/http"
	"slices"
	"strings"

	"github.com/facteur/facteur"
	"github.com/facteur/facteur/auth"
	"github.com/facteur/facteur/http/apitypes"
)

// Recipient groups are seen by every account, created by editors, and
// changed or deleted only by their owner and administrators: a group is
// mailed by every destination and schedule that names it, like a report
// is sent by every schedule that uses it.

// groupInput is the body of create and update. An address of one of
// Facteur's accounts is kept as that account (it follows the account's
// address and stops when the account is deactivated).
type groupInput struct {
	Name       string   `json:"name"`
	AccountIDs []int64  `json:"account_ids"`
	Addresses  []string `json:"addresses"`
}

// maxGroupInput bounds the lists of a body before they are looked at: the
// group's own bound is checked once accounts and addresses are merged.
const maxGroupInput = 2 * facteur.MaxGroupMembers

// apply checks the input against the accounts and the policy and sets the
// group's name and members.
func (s *Server) applyGroup(r *http.Request, in groupInput, g *facteur.RecipientGroup) error {
	switch {
	case len(in.AccountIDs) > maxGroupInput:
		return facteur.Errorf(facteur.EINVALID, "account_ids: at most %d members in a group", facteur.MaxGroupMembers)
	case len(in.Addresses) > maxGroupInput:
		return facteur.Errorf(facteur.EINVALID, "addresses: at most %d members in a group", facteur.MaxGroupMembers)
	}
	users, err := s.Store.Users(r.Context())
	if err != nil {
		return err
	}
	byID, byEmail := map[int64]*facteur.User{}, map[string]*facteur.User{}
	var active []string
	for _, u := range users {
		byID[u.ID], byEmail[strings.ToLower(u.Email)] = u, u
		if u.Active {
			active = append(active, strings.ToLower(u.Email))
		}
	}
	g.Name = strings.TrimSpace(in.Name)
	g.AccountIDs, g.Addresses = append([]int64{}, in.AccountIDs...), []string{}
	for i, id := range in.AccountIDs {
		if id > 0 && byID[id] == nil {
			return facteur.Errorf(facteur.EINVALID, "account_ids[%d]: there is no account %d", i, id)
		}
	}
	// Addresses are checked (and lower-cased) first, then those of
	// accounts become account members.
	check := facteur.RecipientGroup{Name: g.Name, AccountIDs: g.AccountIDs, Addresses: append([]string{}, in.Addresses...)}
	if err := check.Validate(); err != nil {
		return err
	}
	p, err := s.policy(r)
	if err != nil {
		return err
	}
	for i, a := range check.Addresses {
		if u := byEmail[a]; u != nil {
			if !slices.Contains(g.AccountIDs, u.ID) {
				g.AccountIDs = append(g.AccountIDs, u.ID)
			}
			continue
		}
		if err := p.CheckGroupAddress(i, a, active); err != nil {
			return err
		}
		g.Addresses = append(g.Addresses, a)
	}
	return g.Validate()
}

// toGroupJSON adds to g its account members' addresses, from users (nil:
// read from the store).
func (s *Server) toGroupJSON(r *http.Request, g *facteur.RecipientGroup, users map[int64]*facteur.User) (apitypes.RecipientGroup, error) {
	if users == nil {
		var err error
		if users, err = s.usersByID(r); err != nil {
			return apitypes.RecipientGroup{}, err
		}
	}
	out := apitypes.RecipientGroup{RecipientGroup: g, Accounts: []apitypes.GroupAccount{}}
	for _, id := range g.AccountIDs {
		a := apitypes.GroupAccount{ID: id}
		if u := users[id]; u != nil {
			a.Email, a.Active = u.Email, u.Active
		}
		out.Accounts = append(out.Accounts, a)
	}
	return out, nil
}

// usersByID returns every account, by id.
func (s *Server) usersByID(r *http.Request) (map[int64]*facteur.User, error) {
	list, err := s.Store.Users(r.Context())
	if err != nil {
		return nil, err
	}
	out := make(map[int64]*facteur.User, len(list))
	for _, u := range list {
		out[u.ID] = u
	}
	return out, nil
}

func (s *Server) listGroups(r *http.Request) (int, any, error) {
	list, err := s.Store.ListRecipientGroups(r.Context())
	if err != nil {
		return 0, nil, err
	}
	users, err := s.usersByID(r)
	if err != nil {
		return 0, nil, err
	}
	out := make([]apitypes.RecipientGroup, 0, len(list))
	for _, g := range list {
		shown, err := s.toGroupJSON(r, g, users)
		if err != nil {
			return 0, nil, err
		}
		out = append(out, shown)
	}
	return http.StatusOK, out, nil
}

func (s *Server) getGroup(r *http.Request) (int, any, error) {
	g, err := byID(r, s.Store.RecipientGroup)
	if err != nil {
		return 0, nil, err
	}
	out, err := s.toGroupJSON(r, g, nil)
	if err != nil {
		return 0, nil, err
	}
	uses, err := s.Store.RecipientGroupUses(r.Context(), g.ID)
	if err != nil {
		return 0, nil, err
	}
	for _, u := range uses {
		if s.hiddenUse(r, u) {
			out.UsedByOthers++
		} else {
			out.UsedBy = append(out.UsedBy, u)
		}
	}
	return http.StatusOK, out, nil
}

// hiddenUse reports whether r's account may not see the destination or
// schedule u (file storage of another account).
func (s *Server) hiddenUse(r *http.Request, u facteur.GroupUse) bool {
	return !auth.CanSee(s.kinds(), user(r), u.OwnerID, u.DestinationKind)
}

func (s *Server) createGroup(r *http.Request) (int, any, error) {
	var in groupInput
	if err := decode(r, &in); err != nil {
		return 0, nil, err
	}
	g := &facteur.RecipientGroup{OwnerID: user(r).ID}
	if err := s.applyGroup(r, in, g); err != nil {
		return 0, nil, err
	}
	if err := s.Store.CreateRecipientGroup(r.Context(), g); err != nil {
		return 0, nil, err
	}
	out, err := s.toGroupJSON(r, g, nil)
	return http.StatusCreated, out, err
}

// ownedGroup loads the group {id} names for a change by r's account,
// which must own it or be an administrator.
func (s *Server) ownedGroup(r *http.Request) (*facteur.RecipientGroup, error) {
	g, err := byID(r, s.Store.RecipientGroup)
	if err != nil {
		return nil, err
	}
	return g, s.checkOwner(r, g.OwnerID, "recipient group", "change or delete it")
}

func (s *Server) updateGroup(r *http.Request) (int, any, error) {
	g, err := s.ownedGroup(r)
	if err != nil {
		return 0, nil, err
	}
	var in groupInput
	if err := decode(r, &in); err != nil {
		return 0, nil, err
	}
	if err := s.applyGroup(r, in, g); err != nil {
		return 0, nil, err
	}
	if err := s.Store.UpdateRecipientGroup(r.Context(), g); err != nil {
		return 0, nil, err
	}
	out, err := s.toGroupJSON(r, g, nil)
	return http.StatusOK, out, err
}

// deleteGroup deletes a group no destination or schedule names; otherwise
// 409 names them (those the account may not see by kind and id only).
func (s *Server) deleteGroup(r *http.Request) (int, any, error) {
	g, err := s.ownedGroup(r)
	if err != nil {
		return 0, nil, err
	}
	uses, err := s.Store.RecipientGroupUses(r.Context(), g.ID)
	if err != nil {
		return 0, nil, err
	}
	if len(uses) > 0 {
		return 0, nil, facteur.Errorf(facteur.ECONFLICT, "recipient group %q is used by %s; remove it from them first",
			g.Name, facteur.DescribeUses(uses, func(u facteur.GroupUse) bool { return s.hiddenUse(r, u) }))
	}
	info(r).detail = g.Name
	return http.StatusNoContent, nil, s.Store.DeleteRecipientGroup(r.Context(), g.ID)
}
