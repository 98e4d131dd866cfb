package deliver

import (
	"encoding/json"
	"strings"

	"github.com/facteur/facteur"
)

// Secret fields of a destination's config are the fields its kind's
// registration marks Secret. They are write-only: the API never returns
// them (Redact) and an update that leaves one empty keeps the stored value
// (KeepSecrets).

// Redact returns config without its secret fields, and the names of the
// secret fields that are set, for showing a destination. The config of a
// kind that is not registered is left out whole ({}), since which of its
// fields are secret is not known.
func (r *Registry) Redact(kind string, config json.RawMessage) (json.RawMessage, []string, error) {
	if _, err := r.Lookup(kind); err != nil {
		return json.RawMessage(`{}`), nil, nil
	}
	secrets := r.secretFields(kind)
	if len(secrets) == 0 || len(config) == 0 {
		return config, nil, nil
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(config, &m); err != nil {
		return nil, nil, err
	}
	var set []string
	for _, name := range secrets {
		if v, ok := m[name]; ok {
			if !isEmptyJSON(v) {
				set = append(set, name)
			}
			delete(m, name)
		}
	}
	out, err := json.Marshal(m)
	return out, set, err
}

// KeepSecrets returns next where every secret field that is missing or
// empty takes its value from prev, so that a client can update a
// destination without knowing its secrets.
func (r *Registry) KeepSecrets(kind string, prev, next json.RawMessage) (json.RawMessage, error) {
	secrets := r.secretFields(kind)
	if len(secrets) == 0 || len(prev) == 0 {
		return next, nil
	}
	var p, n map[string]json.RawMessage
	if err := json.Unmarshal(prev, &p); err != nil {
		return nil, err
	}
	if err := json.Unmarshal(next, &n); err != nil {
		return nil, facteur.Errorf(facteur.EINVALID, "config: not a JSON object")
	}
	if n == nil {
		n = map[string]json.RawMessage{}
	}
	for _, name := range secrets {
		if v, ok := n[name]; (!ok || isEmptyJSON(v)) && !isEmptyJSON(p[name]) {
			n[name] = p[name]
		}
	}
	return json.Marshal(n)
}

func isEmptyJSON(v json.RawMessage) bool {
	s := strings.TrimSpace(string(v))
	return s == "" || s == "null" || s == `""`
}
