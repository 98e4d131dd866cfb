package http

import (
	"encoding/json"
	"io"
	"net/http"

	"github.com/facteur/facteur"
)

// readJSON reads a request body that must be a JSON document, for parsers
// of their own (which refuse unknown fields).
func readJSON(r *http.Request) (json.RawMessage, error) {
	b, err := io.ReadAll(r.Body)
	if err != nil {
		return nil, bodyError(err)
	}
	if len(b) == 0 {
		return nil, facteur.Errorf(facteur.EINVALID, "the request needs a JSON body")
	}
	if !json.Valid(b) {
		return nil, facteur.Errorf(facteur.EINVALID, "the body is not valid JSON")
	}
	return b, nil
}
