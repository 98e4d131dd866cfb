package ui

import (
	"net/http"
	"slices"
	"strings"

	"github.com/facteur/facteur/format"
	"github.com/facteur/facteur/http/apitypes"
)

// formatChoices are the formats the forms offer, in the server's order,
// as GET /api/v1/formats describes them: the server's registry of formats
// decides what the forms show, so a new format needs no change here.
type formatChoices []format.Description

// loadFormats asks the API which formats there are.
func (s *Server) loadFormats(r *http.Request) (formatChoices, error) {
	var list apitypes.FormatList
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
func (fc formatChoices) find(name string) (format.Description, bool) {
	for _, f := range fc {
		if f.Name == name {
			return f, true
		}
	}
	return format.Description{}, false
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
