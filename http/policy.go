package http

import (
	"encoding/json"
	"net/http"

	"github.com/facteur/facteur"
)

// readJSON reads a request body that must be a JSON document, for parsers
// of their own (which refuse unknown fields).
func readJSON(r *http.Request) (json.RawMessage, error) {
	b, err := readBody(r)
	if err != nil {
		return nil, err
	}
	if !json.Valid(b) {
		return nil, facteur.Errorf(facteur.EINVALID, "the body is not valid JSON")
	}
	return b, nil
}
