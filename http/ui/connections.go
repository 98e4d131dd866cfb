package ui

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/facteur/facteur"
	"github.com/facteur/facteur/deliver"
	"github.com/facteur/facteur/http/apitypes"
)

// Sources and destinations: the lists, their forms, Test connection / Send
// test, the SFTP public key to give the partner and the pinned host key.
// Secrets are write-only: a form shows which are set, never their values,
// and leaving one empty keeps it.

func (s *Server) sources(w http.ResponseWriter, r *http.Request, v view) error {
	var list []apitypes.Source
	if err := s.call(r, "GET", "/api/v1/sources", nil, &list); err != nil {
		return err
	}
	v.Title, v.Section, v.Data = text("sources.title"), "sources", list
	s.render(w, http.StatusOK, "sources", v)
	return nil
}

type sourceForm struct {
	Source apitypes.Source
	Error  string
}

func (s *Server) sourceForm(w http.ResponseWriter, r *http.Request, v view) error {
	var f sourceForm
	if id := r.PathValue("id"); id != "" {
		if err := s.call(r, "GET", "/api/v1/sources/"+id, nil, &f.Source); err != nil {
			return err
		}
	}
	return s.renderSourceForm(w, v, f, http.StatusOK)
}

func (s *Server) renderSourceForm(w http.ResponseWriter, v view, f sourceForm, status int) error {
	return s.renderEditor(w, v, editor{"source_form", "sources", "source.new", "source.edit"}, f.Source.ID, f.Source.Name, f, status)
}

// saveSource creates or updates a source; an empty DSN on update keeps the
// stored one, password included. The form always says whether the
// administrator accepts the account's extra rights.
func (s *Server) saveSource(w http.ResponseWriter, r *http.Request, v view) error {
	f := sourceForm{Source: apitypes.Source{Name: strings.TrimSpace(r.PostFormValue("name")), DSN: strings.TrimSpace(r.PostFormValue("dsn")),
		AcceptExtraRights: r.PostFormValue("accept_extra_rights") != ""}}
	f.Source.ID, _ = strconv.ParseInt(r.PathValue("id"), 10, 64)
	body := map[string]any{"name": f.Source.Name, "dsn": f.Source.DSN, "accept_extra_rights": f.Source.AcceptExtraRights}
	var err error
	if f.Source.ID == 0 {
		err = s.call(r, "POST", "/api/v1/sources", body, &f.Source)
	} else {
		err = s.call(r, "PUT", fmt.Sprintf("/api/v1/sources/%d", f.Source.ID), body, &f.Source)
	}
	if ae, ok := err.(*apiError); ok && ae.Status < 500 {
		f.Error = ae.Message
		return s.renderSourceForm(w, v, f, ae.Status)
	} else if err != nil {
		return err
	}
	redirectWith(w, r, "/sources", text("done.source", f.Source.Name))
	return nil
}

func (s *Server) testSource(w http.ResponseWriter, r *http.Request, v view) error {
	var res apitypes.SourceTest
	if err := s.call(r, "POST", "/api/v1/sources/"+r.PathValue("id")+"/test", nil, &res); err != nil {
		return err
	}
	if res.Message == "" {
		res.Message = text("done.connected")
	}
	back(w, r, "/sources", res.Message)
	return nil
}

// configField is one setting of a destination kind, for its form: the
// kind's registration, and the label the form shows.
type configField struct {
	deliver.Field
	Label string
}

// formKind is a destination kind as the form offers it, read from the
// registry of kinds.
type formKind struct {
	Kind   string
	Label  string
	Fields []configField
	// KeyPair offers "Generate a new key pair".
	KeyPair bool
}

// formKinds returns the kinds the form offers, in the registry's order,
// labelled with the UI's texts where it has them and the registration's
// help otherwise.
func formKinds(reg *deliver.Registry) []formKind {
	var out []formKind
	for _, k := range reg.Kinds() {
		fk := formKind{Kind: k.Name, Label: textOr("kind."+k.Name, k.Help), KeyPair: k.NewKey != nil}
		if fk.Label == "" {
			fk.Label = k.Name
		}
		for _, f := range k.Fields {
			label := textOr("cfg."+f.Name, f.Help)
			if label == "" {
				label = f.Name
			}
			fk.Fields = append(fk.Fields, configField{Field: f, Label: label})
		}
		out = append(out, fk)
	}
	return out
}

// destination is a destination as the API shows it, with what its form
// reads from its config.
type destination struct {
	apitypes.Destination
}

// newDestination returns an empty destination of kind, for a new one's
// form.
func newDestination(kind string) destination {
	return destination{apitypes.Destination{Destination: &facteur.Destination{Kind: kind}}}
}

// setting returns the value of one setting of the config; none when the
// config has not got it or is not a JSON object.
func (d destination) setting(name string) any {
	var config map[string]any
	if json.Unmarshal(d.Config, &config) != nil {
		return nil
	}
	return config[name]
}

// Value is the shown value of a setting: lists one per line, headers never.
func (d destination) Value(f configField) string {
	v := d.setting(f.Name)
	ok := v != nil
	if !ok || v == nil || f.Secret {
		return ""
	}
	if list, ok := v.([]any); ok {
		var lines []string
		for _, e := range list {
			lines = append(lines, fmt.Sprint(e))
		}
		return strings.Join(lines, "\n")
	}
	if n, ok := v.(float64); ok {
		return strconv.FormatFloat(n, 'f', -1, 64)
	}
	return fmt.Sprint(v)
}

// Checked is the state of a checkbox setting.
func (d destination) Checked(f configField) bool { b, _ := d.setting(f.Name).(bool); return b }

// IsSet reports whether a secret is stored.
func (d destination) IsSet(f configField) bool { return slices.Contains(d.SecretsSet, f.Name) }

func (s *Server) destinations(w http.ResponseWriter, r *http.Request, v view) error {
	var list []destination
	if err := s.call(r, "GET", "/api/v1/destinations", nil, &list); err != nil {
		return err
	}
	v.Title, v.Section, v.Data = text("destinations.title"), "destinations", list
	s.render(w, http.StatusOK, "destinations", v)
	return nil
}

// configFromForm builds a kind's config from the form's "<kind>.<name>"
// fields.
func configFromForm(kinds []formKind, kind string, form url.Values) (map[string]any, error) {
	config := map[string]any{}
	var names []string
	for _, k := range kinds {
		names = append(names, k.Kind)
		if k.Kind != kind {
			continue
		}
		for _, f := range k.Fields {
			raw := form.Get(kind + "." + f.Name)
			switch f.Type {
			case "checkbox":
				config[f.Name] = raw != ""
			case "number":
				if strings.TrimSpace(raw) == "" {
					continue
				}
				n, err := strconv.Atoi(strings.TrimSpace(raw))
				if err != nil {
					return nil, facteur.Errorf(facteur.EINVALID, "%s: %q is not a number", f.Name, raw)
				}
				config[f.Name] = n
			case "lines":
				config[f.Name] = strings.Fields(strings.NewReplacer(",", " ", ";", " ").Replace(raw))
			case "groups":
				config[f.Name] = groupIDs(form[kind+"."+f.Name])
			case "headers":
				if strings.TrimSpace(raw) == "" {
					continue // keeps the stored headers
				}
				h := map[string]string{}
				for _, line := range strings.Split(raw, "\n") {
					if line = strings.TrimSpace(line); line == "" {
						continue
					}
					name, value, ok := strings.Cut(line, ":")
					if !ok {
						return nil, facteur.Errorf(facteur.EINVALID, "headers: write each as \"Name: value\", not %q", line)
					}
					h[strings.TrimSpace(name)] = strings.TrimSpace(value)
				}
				config[f.Name] = h
			default:
				if raw = strings.TrimSpace(raw); raw != "" || !f.Secret {
					config[f.Name] = raw
				}
			}
		}
		return config, nil
	}
	return nil, facteur.Errorf(facteur.EINVALID, "kind: choose one of %s", strings.Join(names, ", "))
}
