package http

import (
	"net/http"

	"github.com/facteur/facteur/http/apitypes"
)

// listFormats lists the formats a schedule or an export may choose, in
// the registry's order, with the options each reads.
func (s *Server) listFormats(r *http.Request) (int, any, error) {
	return http.StatusOK, apitypes.FormatList{Formats: s.Formats.Describe()}, nil
}
