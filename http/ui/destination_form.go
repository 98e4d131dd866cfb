package ui

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/facteur/facteur"
	"github.com/facteur/facteur/http/apitypes"
)

// The destination form: Save and Send test post the same form, so that a
// refusal or a failed test shows the form again as it was typed, with the
// message next to the field it concerns. Secrets are never sent back to
// the browser: a secret typed in a refused form must be typed again, and
// a stored one is said to be kept.

type destinationForm struct {
	Destination destination
	Kinds       []formKind
	Errors      formErrors
	// Typed is the posted form when it comes back refused; its values
	// are shown instead of the stored ones.
	Typed url.Values
	// Groups are the recipient groups a kind that mails may name.
	Groups []groupChoice
}

// GroupChecked reports whether the recipient group id is ticked for
// kind: as typed in a refused form, else as stored.
func (f destinationForm) GroupChecked(kind string, id int64) bool {
	chosen := facteur.ConfigGroups(f.Destination.Config)
	if f.Typed != nil {
		chosen = groupIDs(f.Typed[kind+".groups"])
	} else if kind != f.Destination.Kind {
		return false
	}
	return slices.Contains(chosen, id)
}

// Value is the shown value of a kind's field: as typed in a refused form,
// else as stored. Secrets are never shown.
func (f destinationForm) Value(kind string, c configField) string {
	if c.Secret {
		return ""
	}
	if f.Typed != nil {
		return f.Typed.Get(kind + "." + c.Name)
	}
	v := ""
	if kind == f.Destination.Kind {
		v = f.Destination.Value(c)
	}
	if v == "" && c.Type == "select" && len(c.Options) > 0 {
		v = c.Options[0] // the default, shown as chosen
	}
	return v
}

// Checked is the state of a kind's checkbox, as typed or as stored.
func (f destinationForm) Checked(kind string, c configField) bool {
	if f.Typed != nil {
		return f.Typed.Get(kind+"."+c.Name) != ""
	}
	return kind == f.Destination.Kind && f.Destination.Checked(c)
}

// Stored reports whether the destination has a stored value of the secret.
func (f destinationForm) Stored(kind string, c configField) bool {
	return kind == f.Destination.Kind && f.Destination.IsSet(c)
}

// Retype reports whether a secret was typed in a refused form: it was not
// kept and must be typed again.
func (f destinationForm) Retype(kind string, c configField) bool {
	return f.Typed != nil && c.Secret && strings.TrimSpace(f.Typed.Get(kind+"."+c.Name)) != ""
}

// Generate reports whether "Generate a new key pair" was ticked in a
// refused form.
func (f destinationForm) Generate() bool { return f.Typed.Get("generate_key") != "" }

// EncryptionMethod is the encryption method shown: as typed in a refused
// form, else as stored ("" for none).
func (f destinationForm) EncryptionMethod() string {
	if f.Typed != nil {
		return f.Typed.Get("encryption.method")
	}
	if f.Destination.Encryption == nil {
		return ""
	}
	return f.Destination.Encryption.Method
}

// EncryptionRecipients is the recipients' text shown: as typed in a
// refused form, else the stored recipients one after the other.
func (f destinationForm) EncryptionRecipients() string {
	if f.Typed != nil {
		return f.Typed.Get("encryption.recipients")
	}
	if f.Destination.Encryption == nil {
		return ""
	}
	return strings.Join(f.Destination.Encryption.Recipients, "\n")
}

// encryptionFromForm reads the Encryption section: nil for files in clear.
// age recipients are one per line; OpenPGP keys are the armoured blocks
// pasted one after the other (text outside any block is passed on as a
// recipient, for the API to say what is wrong with it).
func encryptionFromForm(form url.Values) *facteur.Encryption {
	method := form.Get("encryption.method")
	if method == "" {
		return nil
	}
	text := strings.ReplaceAll(form.Get("encryption.recipients"), "\r\n", "\n")
	e := &facteur.Encryption{Method: method, Recipients: []string{}}
	if method != facteur.EncryptOpenPGP {
		for _, l := range strings.Split(text, "\n") {
			if l = strings.TrimSpace(l); l != "" {
				e.Recipients = append(e.Recipients, l)
			}
		}
		return e
	}
	const begin = "-----BEGIN PGP"
	parts := strings.Split(text, begin)
	if first := strings.TrimSpace(parts[0]); first != "" {
		e.Recipients = append(e.Recipients, first)
	}
	for _, p := range parts[1:] {
		e.Recipients = append(e.Recipients, strings.TrimSpace(begin+p))
	}
	return e
}

// destinationInputs maps the fields the API names to the form's inputs:
// the name, the kind and the settings of kind.
func destinationInputs(kinds []formKind, kind string) map[string]fieldInput {
	in := map[string]fieldInput{"name": {"name", "form.name"}, "kind": {"kind", "col.kind"},
		"encryption.method": {"encryption.method", "destination.encryption_method"}, "encryption.recipients": {"encryption.recipients", "destination.encryption_to"}}
	for _, k := range kinds {
		if k.Kind == kind {
			for _, c := range k.Fields {
				in[c.Name] = fieldInput{kind + "." + c.Name, c.Label} // relabel looks the label up as a text key; a label that is none stays as it is
			}
		}
	}
	return in
}

func (s *Server) destinationForm(w http.ResponseWriter, r *http.Request, v view) error {
	f := destinationForm{Kinds: formKinds(s.Kinds), Destination: newDestination(r.URL.Query().Get("kind"))}
	if id := r.PathValue("id"); id != "" {
		if err := s.call(r, "GET", "/api/v1/destinations/"+id, nil, &f.Destination); err != nil {
			return err
		}
	}
	if f.Destination.Kind == "" && len(f.Kinds) > 0 {
		f.Destination.Kind = f.Kinds[0].Kind
	}
	var err error
	if f.Groups, err = s.groupChoices(r); err != nil {
		return err
	}
	return s.renderDestinationForm(w, v, f, http.StatusOK)
}

func (s *Server) renderDestinationForm(w http.ResponseWriter, v view, f destinationForm, status int) error {
	return s.renderEditor(w, v, editor{"destination_form", "destinations", "destination.new", "destination.edit"}, f.Destination.ID, f.Destination.Name, f, status)
}

// refusedDestination shows the form again with the API's message: a
// refusal, or a destination that could not be reached or refused the
// credentials (a failed Send test). Any other error fails the page. With
// typed, the form shows the posted values (they were not saved); else the
// stored ones. The stored destination tells which secrets are kept.
func (s *Server) refusedDestination(w http.ResponseWriter, r *http.Request, v view, err error, typed bool) error {
	var ae *apiError
	if !errors.As(err, &ae) || ae.Status == http.StatusInternalServerError {
		return err
	}
	msg, status := ae.Message, ae.Status
	f := destinationForm{Kinds: formKinds(s.Kinds), Destination: newDestination("")}
	if id := r.PathValue("id"); id != "" {
		if err := s.call(r, "GET", "/api/v1/destinations/"+id, nil, &f.Destination); err != nil {
			return err
		}
	}
	if typed {
		f.Typed = r.PostForm
		f.Destination.Name, f.Destination.Kind, f.Destination.RawCells = r.PostFormValue("name"), r.PostFormValue("kind"), r.PostFormValue("raw_cells") != ""
	}
	f.Errors.addAPI(msg, destinationInputs(f.Kinds, f.Destination.Kind))
	if f.Groups, err = s.groupChoices(r); err != nil {
		return err
	}
	return s.renderDestinationForm(w, v, f, status)
}

// saveDestination creates or updates a destination from the fields of its
// kind; secrets left empty keep their stored value.
func (s *Server) saveDestination(w http.ResponseWriter, r *http.Request, v view) error {
	if err := r.ParseForm(); err != nil {
		return err
	}
	saved, err := s.putDestination(r)
	if err != nil {
		return s.refusedDestination(w, r, v, err, true)
	}
	redirectWith(w, r, fmt.Sprintf("/destinations/%d/edit", saved.ID), text("done.destination", saved.Name))
	return nil
}

// putDestination sends the posted form to the API: a new destination, or
// the update of the one in the path.
func (s *Server) putDestination(r *http.Request) (destination, error) {
	kind := r.PostFormValue("kind")
	config, err := configFromForm(formKinds(s.Kinds), kind, r.PostForm)
	if err != nil {
		return newDestination(kind), &apiError{Status: http.StatusBadRequest, Code: facteur.EINVALID, Message: facteur.ErrorMessage(err)}
	}
	body := map[string]any{"name": strings.TrimSpace(r.PostFormValue("name")), "kind": kind, "config": config,
		"raw_cells": r.PostFormValue("raw_cells") != "", "generate_key": r.PostFormValue("generate_key") != "",
		"encryption": encryptionFromForm(r.PostForm)}
	saved := newDestination(kind)
	id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if id == 0 {
		err = s.call(r, "POST", "/api/v1/destinations", body, &saved)
	} else {
		err = s.call(r, "PUT", fmt.Sprintf("/api/v1/destinations/%d", id), body, &saved)
	}
	return saved, err
}

// testDestination is Send test. From the form, it saves the settings as
// typed first, so that the test is of what the form shows; from the list,
// it tests the stored settings. A failure shows the form with the message.
func (s *Server) testDestination(w http.ResponseWriter, r *http.Request, v view) error {
	if err := r.ParseForm(); err != nil {
		return err
	}
	if r.PostForm.Has("kind") {
		if _, err := s.putDestination(r); err != nil {
			return s.refusedDestination(w, r, v, err, true)
		}
	}
	var res apitypes.DestinationTest
	if err := s.call(r, "POST", "/api/v1/destinations/"+r.PathValue("id")+"/test", nil, &res); err != nil {
		return s.refusedDestination(w, r, v, err, false) // saved: the stored settings are the typed ones
	}
	done := text("done.test", res.Location)
	if r.PostForm.Has("kind") {
		redirectWith(w, r, "/destinations/"+r.PathValue("id")+"/edit", done)
		return nil
	}
	back(w, r, "/destinations", done)
	return nil
}
