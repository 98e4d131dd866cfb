package facteur

import (
	"unicode/utf8"
)

// Obfuscation methods of a field (A4).
const (
	// ObfuscateHash replaces a value by the SHA-256 of its text, in
	// lower-case hex. Anyone can compute it: a short or guessable value
	// (an e-mail address, a phone number) is found again from a list.
	ObfuscateHash = "hash"
	// ObfuscateHMAC replaces a value by its HMAC-SHA-256 under a secret
	// key, in lower-case hex: stable across runs, so joins still work,
	// and not found again from a list without the key.
	ObfuscateHMAC = "hmac"
	// ObfuscateMask keeps the last Keep characters of a value and replaces
	// the others by "•"; an e-mail address keeps its domain instead.
	ObfuscateMask = "mask"
	// ObfuscateNull delivers the field as NULL.
	ObfuscateNull = "null"
)

// Bounds of obfuscation rules and keys.
const (
	// DefaultMaskKeep is the characters a mask keeps when its rule sets none.
	DefaultMaskKeep = 4
	// MaxMaskKeep is the most characters a mask may keep.
	MaxMaskKeep = 64
	// MinHMACKey and MaxHMACKey bound the length in bytes of an HMAC key
	// a user sets: short keys are found by trying them all.
	MinHMACKey = 16
	MaxHMACKey = 256
)

// FieldRule says how one field's values are delivered instead of in clear
// (A4). A field with a rule is no longer sensitive: it is delivered,
// obfuscated, without the schedule opting in to it.
type FieldRule struct {
	// Field is the name of the report's field (or of the query's column).
	Field string `json:"field"`
	// Method is "hash", "hmac", "mask" or "null".
	Method string `json:"method"`
	// Keep is the characters a mask keeps at the end of each value, 1 to
	// MaxMaskKeep; 0 means DefaultMaskKeep. Only for "mask".
	Keep int `json:"keep,omitempty"`
}

// ObfuscatesToText reports whether the method turns values into text
// (hash, hmac, mask); a nulled field keeps its column's kind.
func (r FieldRule) ObfuscatesToText() bool { return r.Method != ObfuscateNull }

// ValidateFieldRules checks a list of rules: at most MaxFields, each with
// a field name, a known method and a keep in bounds, no field twice. The
// errors name the rule by its path under prefix (e.g. "obfuscate").
func ValidateFieldRules(prefix string, rules []FieldRule) error {
	if len(rules) > MaxFields {
		return Errorf(EINVALID, "%s: at most %d rules", prefix, MaxFields)
	}
	seen := make(map[string]bool, len(rules))
	for i, r := range rules {
		switch {
		case r.Field == "":
			return Errorf(EINVALID, "%s[%d].field: name the field to obfuscate", prefix, i)
		case len(r.Field) > MaxNameLen || !utf8.ValidString(r.Field):
			return Errorf(EINVALID, "%s[%d].field: at most %d bytes of UTF-8 text", prefix, i, MaxNameLen)
		case seen[r.Field]:
			return Errorf(EINVALID, "%s[%d].field: %q has two rules; keep one", prefix, i, r.Field)
		}
		seen[r.Field] = true
		switch r.Method {
		case ObfuscateHash, ObfuscateHMAC, ObfuscateNull:
			if r.Keep != 0 {
				return Errorf(EINVALID, "%s[%d].keep: only a mask keeps characters; leave keep out for %s", prefix, i, r.Method)
			}
		case ObfuscateMask:
			if r.Keep < 0 || r.Keep > MaxMaskKeep {
				return Errorf(EINVALID, "%s[%d].keep: keep 1 to %d characters, or leave it out for %d", prefix, i, MaxMaskKeep, DefaultMaskKeep)
			}
		default:
			return Errorf(EINVALID, "%s[%d].method: use hash, hmac, mask or null, not %q", prefix, i, shorten(r.Method, MaxNameLen))
		}
	}
	return nil
}

// NeedsHMACKey reports whether one of rules hashes with a key.
func NeedsHMACKey(rules []FieldRule) bool {
	for _, r := range rules {
		if r.Method == ObfuscateHMAC {
			return true
		}
	}
	return false
}

// CheckHMACKey checks an HMAC key a user sets: MinHMACKey to MaxHMACKey
// bytes of UTF-8 text without NUL (the key is its bytes, as
// `openssl dgst -sha256 -hmac KEY` takes it). field names it in errors.
func CheckHMACKey(field, key string) error {
	switch {
	case len(key) < MinHMACKey || len(key) > MaxHMACKey:
		return Errorf(EINVALID, "%s: an HMAC key is %d to %d bytes long (this one has %d); e.g. openssl rand -hex 32", field, MinHMACKey, MaxHMACKey, len(key))
	case !utf8.ValidString(key):
		return Errorf(EINVALID, "%s: the key must be UTF-8 text", field)
	}
	for _, c := range key {
		if c < 0x20 || c == 0x7f {
			return Errorf(EINVALID, "%s: the key must not hold control characters", field)
		}
	}
	return nil
}
