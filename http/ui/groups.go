package ui

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/facteur/facteur"
	"github.com/facteur/facteur/http/apitypes"
)

// Recipient groups: the list, and the form that creates, edits or (for
// accounts that may not change the group) shows one. Members are typed
// as addresses, one a line: the API keeps an account's address as the
// account.

// groupRow is a group as the pages show it.
type groupRow struct {
	apitypes.RecipientGroup
}

// Members returns the members' addresses: the accounts' (said
// deactivated when they are), then the others.
func (g groupRow) Members() []string {
	var out []string
	for _, a := range g.Accounts {
		switch {
		case a.Email == "":
			out = append(out, fmt.Sprintf("account %d", a.ID))
		case !a.Active:
			out = append(out, text("groups.inactive", a.Email))
		default:
			out = append(out, a.Email)
		}
	}
	return append(out, g.Addresses...)
}

// Count is the number of members.
func (g groupRow) Count() int { return len(g.AccountIDs) + len(g.Addresses) }

// Text is the members as the form's text: one address a line.
func (g groupRow) Text() string {
	var lines []string
	for _, a := range g.Accounts {
		if a.Email != "" {
			lines = append(lines, a.Email)
		}
	}
	return strings.Join(append(lines, g.Addresses...), "\n")
}

func (s *Server) groups(w http.ResponseWriter, r *http.Request, v view) error {
	var list []groupRow
	if err := s.call(r, "GET", "/api/v1/recipient-groups", nil, &list); err != nil {
		return err
	}
	v.Title, v.Section, v.Data = text("groups.title"), "groups", list
	s.render(w, http.StatusOK, "groups", v)
	return nil
}

// groupForm is the form of one group; Typed is the members' text of a
// refused form.
type groupForm struct {
	Group  groupRow
	Typed  *string
	Errors formErrors
}

// MembersText is the members' text shown: as typed, else as stored.
func (f groupForm) MembersText() string {
	if f.Typed != nil {
		return *f.Typed
	}
	return f.Group.Text()
}

func (s *Server) groupForm(w http.ResponseWriter, r *http.Request, v view) error {
	f := groupForm{Group: groupRow{apitypes.RecipientGroup{RecipientGroup: &facteur.RecipientGroup{}}}}
	if id := r.PathValue("id"); id != "" {
		if err := s.call(r, "GET", "/api/v1/recipient-groups/"+id, nil, &f.Group); err != nil {
			return err
		}
	} else if !v.CanEdit() {
		return &apiError{Status: http.StatusForbidden, Code: facteur.EFORBIDDEN, Message: text("groups.no_create")}
	}
	return s.renderGroupForm(w, v, f, http.StatusOK)
}

func (s *Server) renderGroupForm(w http.ResponseWriter, v view, f groupForm, status int) error {
	return s.renderEditor(w, v, editor{"group_form", "groups", "group.new", "group.edit"}, f.Group.ID, f.Group.Name, f, status)
}

// groupInputs maps the fields the API names to the form's inputs.
var groupInputs = map[string]fieldInput{
	"name":        {"name", "form.name"},
	"addresses":   {"members", "group.members"},
	"account_ids": {"members", "group.members"},
}

// splitAddresses reads addresses typed one a line (commas, semicolons and
// spaces separate them too).
func splitAddresses(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == '\n' || r == '\r' || r == ',' || r == ';' || r == ' ' || r == '\t' })
}

// saveGroup creates or updates a group from the form.
func (s *Server) saveGroup(w http.ResponseWriter, r *http.Request, v view) error {
	typed := r.PostFormValue("members")
	body := map[string]any{"name": strings.TrimSpace(r.PostFormValue("name")), "account_ids": []int64{}, "addresses": splitAddresses(typed)}
	id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
	f := groupForm{Group: groupRow{apitypes.RecipientGroup{RecipientGroup: &facteur.RecipientGroup{ID: id}}}}
	var err error
	if id == 0 {
		err = s.call(r, "POST", "/api/v1/recipient-groups", body, &f.Group)
	} else {
		err = s.call(r, "PUT", fmt.Sprintf("/api/v1/recipient-groups/%d", id), body, &f.Group)
	}
	if ae, ok := err.(*apiError); ok && ae.Status < 500 {
		if id != 0 && ae.Status != http.StatusNotFound {
			if gerr := s.call(r, "GET", fmt.Sprintf("/api/v1/recipient-groups/%d", id), nil, &f.Group); gerr != nil {
				return gerr
			}
		}
		f.Group.Name, f.Typed = r.PostFormValue("name"), &typed
		f.Errors.addAPI(ae.Message, groupInputs)
		return s.renderGroupForm(w, v, f, ae.Status)
	} else if err != nil {
		return err
	}
	redirectWith(w, r, "/groups", text("done.group", f.Group.Name))
	return nil
}

// deleteGroup deletes a group; a group in use is refused with the API's
// message, which names who uses it, on the list.
func (s *Server) deleteGroup(w http.ResponseWriter, r *http.Request, v view) error {
	err := s.call(r, "DELETE", "/api/v1/recipient-groups/"+r.PathValue("id"), nil, nil)
	if ae, ok := err.(*apiError); ok && ae.Status == http.StatusConflict {
		back(w, r, "/groups", ae.Message)
		return nil
	} else if err != nil {
		return err
	}
	redirectWith(w, r, "/groups", text("done.group_deleted"))
	return nil
}

// groupChoice is a recipient group a form offers to tick.
type groupChoice struct {
	ID    int64
	Name  string
	Count int
}

// groupChoices returns the groups the API lists.
func (s *Server) groupChoices(r *http.Request) ([]groupChoice, error) {
	var list []groupRow
	if err := s.call(r, "GET", "/api/v1/recipient-groups", nil, &list); err != nil {
		return nil, err
	}
	out := make([]groupChoice, 0, len(list))
	for _, g := range list {
		out = append(out, groupChoice{ID: g.ID, Name: g.Name, Count: g.Count()})
	}
	return out, nil
}

// groupIDs reads the ticked groups of the form's field name.
func groupIDs(values []string) []int64 {
	out := []int64{}
	for _, v := range values {
		// A value that is not an id is sent as 0, for the API to refuse.
		id, _ := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
		out = append(out, id)
	}
	return out
}
