package http

import (
	"io"
	"net/http"

	"github.com/facteur/facteur"
	"github.com/facteur/facteur/internal/strictjson"
)

// readBody reads a request's whole body (its size is bounded by the
// server's MaxBytesReader) and refuses one that is not UTF-8: JSON
// decoding would keep such bytes in a raw field (a destination's config)
// or turn them into U+FFFD, and a stored invalid byte would make every list
// that shows it invalid JSON. The refusal names the field that holds it.
func readBody(r *http.Request) ([]byte, error) {
	b, err := io.ReadAll(r.Body)
	if err != nil {
		return nil, bodyError(err)
	}
	if len(b) == 0 {
		return nil, facteur.Errorf(facteur.EINVALID, "the request needs a JSON body")
	}
	if err := strictjson.Check(b, strictjson.Options{}); err != nil {
		return nil, err
	}
	return b, nil
}
