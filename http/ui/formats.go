package ui

import (
	"net/http"
	"slices"
	"strings"
)

// formatChoice is a format the forms offer, as GET /api/v1/formats
// describes it: the server's registry of formats decides what the forms
// show, so a new format needs no change here.
type formatChoice struct {
	Name         string   `json:"name"`
	Ext          string   `json:"ext"`
	Help         string   `json:"help"`
	Options      []string `json:"options"`
	Compressible bool     `json:"compressible"`
}

// formatChoices are the formats in the server's order.
type formatChoices []formatChoice

// loadFormats asks the API which formats there are.
func (s *Server) loadFormats(r *http.Request) (formatChoices, error) {
	var list struct {
		Formats formatChoices `json:"formats"`
	}
	err := s.call(r, "GET", "/api/v1/formats", nil, &list)
	return list.Formats, err
}

// Reading returns the names of the formats that read the option, separated
// by spaces, for the data-for-format attribute of the option's control.
func (fc formatChoices) Reading(option string) string {
	var names []string
	for _, f := range fc {
		if slices.Contains(f.Options, option) {
			names = append(names, f.Name)
		}
	}
	return strings.Join(names, " ")
}

// CompressibleNames returns the names of the formats whose files may be
// compressed, separated by spaces, for the compression control.
func (fc formatChoices) CompressibleNames() string {
	var names []string
	for _, f := range fc {
		if f.Compressible {
			names = append(names, f.Name)
		}
	}
	return strings.Join(names, " ")
}

// find returns the format called name, and false when the server has none.
func (fc formatChoices) find(name string) (formatChoice, bool) {
	for _, f := range fc {
		if f.Name == name {
			return f, true
		}
	}
	return formatChoice{}, false
}

// reads reports whether the format called name reads the option; a
// format the server does not know keeps every option, for the API to
// name what is wrong.
func (fc formatChoices) reads(name, option string) bool {
	f, ok := fc.find(name)
	return !ok || slices.Contains(f.Options, option)
}

// compressible reports whether the format called name may be compressed;
// an unknown format may, for the API to name what is wrong.
func (fc formatChoices) compressible(name string) bool {
	f, ok := fc.find(name)
	return !ok || f.Compressible
}
