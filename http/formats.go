package http

import (
	"net/http"

	"github.com/facteur/facteur/format"
)

// formatList is the answer of GET /api/v1/formats.
type formatList struct {
	Formats []format.Description `json:"formats"`
}

// listFormats lists the formats a schedule or an export may choose, in
// the registry's order, with the options each reads.
func (s *Server) listFormats(r *http.Request) (int, any, error) {
	return http.StatusOK, formatList{Formats: s.Formats.Describe()}, nil
}
