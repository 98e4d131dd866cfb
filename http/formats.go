package http

import (
	"net/http"

	"github.com/facteur/facteur/format"
)

// formatInfo is what GET /api/v1/formats says of one format.
type formatInfo struct {
	Name         string   `json:"name"`
	Ext          string   `json:"ext"`
	MediaType    string   `json:"media_type"`
	Help         string   `json:"help"`
	Options      []string `json:"options"`
	Compressible bool     `json:"compressible"`
	ForPeople    bool     `json:"for_people"`
}

// formatList is the answer of GET /api/v1/formats.
type formatList struct {
	Formats []formatInfo `json:"formats"`
}

// listFormats lists the formats a schedule or an export may choose, in
// the registry's order, with the options each reads.
func (s *Server) listFormats(r *http.Request) (int, any, error) {
	return http.StatusOK, formatList{Formats: formatInfos(s.Formats)}, nil
}

// formatInfos describes the formats of reg.
func formatInfos(reg *format.Registry) []formatInfo {
	var out []formatInfo
	for _, f := range reg.Formats() {
		opts := f.Options
		if opts == nil {
			opts = []string{}
		}
		out = append(out, formatInfo{Name: f.Name, Ext: f.Ext, MediaType: f.MediaType, Help: f.Help, Options: opts, Compressible: f.Compressible, ForPeople: f.ForPeople})
	}
	return out
}
