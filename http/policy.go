package http

import (
	"context"
	"encoding/json"
	"io"
	"net/http"

	"github.com/facteur/facteur"
	"github.com/facteur/facteur/deliver"
)

// LoadPolicy returns the server's policy for e-mail destinations from the
// store, with defaults where it sets nothing.
func LoadPolicy(ctx context.Context, st facteur.Store) (deliver.MailPolicy, error) {
	var p deliver.MailPolicy
	raw, err := st.Setting(ctx, deliver.PolicyKey)
	if facteur.ErrorCode(err) == facteur.ENOTFOUND {
		return p.WithDefaults(), nil
	} else if err != nil {
		return p, err
	}
	if err := json.Unmarshal(raw, &p); err != nil {
		return p, err
	}
	if p.AllowedDomains == nil {
		p.AllowedDomains = []string{}
	}
	return p.WithDefaults(), nil
}

// readJSON reads a request body that must be a JSON document, for parsers
// of their own (which refuse unknown fields).
func readJSON(r *http.Request) (json.RawMessage, error) {
	b, err := io.ReadAll(io.LimitReader(r.Body, maxBody))
	if err != nil {
		return nil, err
	}
	if len(b) == 0 {
		return nil, facteur.Errorf(facteur.EINVALID, "the request needs a JSON body")
	}
	if !json.Valid(b) {
		return nil, facteur.Errorf(facteur.EINVALID, "the body is not valid JSON")
	}
	return b, nil
}
