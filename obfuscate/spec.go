package obfuscate

import (
	"strconv"
	"strings"

	"github.com/facteur/facteur"
)

// MaxSpec is the longest --obfuscate text read.
const MaxSpec = 64 << 10

// ParseRules reads the rules of the CLI's --obfuscate flag:
// field=method[:keep] separated by commas, e.g.
// "email=hmac,phone=mask:4,notes=null". The rules are validated like a
// schedule's (facteur.ValidateFieldRules); errors name the flag and the
// rule. An empty spec gives no rule.
func ParseRules(spec string) ([]facteur.FieldRule, error) {
	if len(spec) > MaxSpec {
		return nil, facteur.Errorf(facteur.EINVALID, "--obfuscate: at most %d bytes", MaxSpec)
	}
	if strings.TrimSpace(spec) == "" {
		return nil, nil
	}
	parts := strings.Split(spec, ",")
	if len(parts) > facteur.MaxFields {
		return nil, facteur.Errorf(facteur.EINVALID, "--obfuscate: at most %d rules", facteur.MaxFields)
	}
	rules := make([]facteur.FieldRule, 0, len(parts))
	for i, p := range parts {
		field, method, ok := strings.Cut(strings.TrimSpace(p), "=")
		if !ok {
			return nil, facteur.Errorf(facteur.EINVALID, "--obfuscate: rule %d (%q): write field=method, e.g. email=hmac or phone=mask:4", i+1, short(p))
		}
		r := facteur.FieldRule{Field: strings.TrimSpace(field), Method: strings.TrimSpace(method)}
		if m, keep, ok := strings.Cut(r.Method, ":"); ok {
			if m != facteur.ObfuscateMask {
				return nil, facteur.Errorf(facteur.EINVALID, "--obfuscate: rule %d (%q): only mask takes a number of characters to keep", i+1, short(p))
			}
			n, err := strconv.Atoi(keep)
			if err != nil || n < 1 || n > facteur.MaxMaskKeep {
				return nil, facteur.Errorf(facteur.EINVALID, "--obfuscate: rule %d (%q): mask:N keeps 1 to %d characters", i+1, short(p), facteur.MaxMaskKeep)
			}
			r.Method, r.Keep = m, n
		}
		rules = append(rules, r)
	}
	if err := facteur.ValidateFieldRules("--obfuscate", rules); err != nil {
		return nil, err
	}
	return rules, nil
}

func short(s string) string {
	if len(s) > 60 {
		return s[:60] + "…"
	}
	return s
}
