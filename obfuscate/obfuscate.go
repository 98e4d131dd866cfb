// Package obfuscate replaces the values of a field by a hash, a keyed hash
// (HMAC-SHA-256), a mask or NULL (A4), in the export's field stage, before
// any format sees them. It also reads the rules of the CLI's --obfuscate
// flag.
package obfuscate

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"hash"
	"unicode/utf8"

	"github.com/facteur/facteur"
)

// MaskRune replaces each hidden character of a masked value.
const MaskRune = '•'

// Value obfuscates the values of one field. It is not safe for concurrent
// use: it reuses its buffers, and the slice Apply returns is valid until
// its next call.
type Value struct {
	rule facteur.FieldRule
	mac  hash.Hash
	sum  []byte
	out  []byte
}

// New returns the obfuscation of rule, whose "hmac" method uses key. It
// fails with EINVALID when rule does not validate, or when it is an hmac
// rule and key is empty.
func New(rule facteur.FieldRule, key []byte) (*Value, error) {
	if err := facteur.ValidateFieldRules("obfuscate", []facteur.FieldRule{rule}); err != nil {
		return nil, err
	}
	v := &Value{rule: rule}
	switch rule.Method {
	case facteur.ObfuscateHMAC:
		if len(key) == 0 {
			return nil, facteur.Errorf(facteur.EINVALID, "obfuscate: field %q is hashed with a key (hmac) and no key was given", rule.Field)
		}
		v.mac = hmac.New(sha256.New, key)
	case facteur.ObfuscateHash:
		v.mac = sha256.New()
	}
	if v.rule.Method == facteur.ObfuscateMask && v.rule.Keep == 0 {
		v.rule.Keep = facteur.DefaultMaskKeep
	}
	return v, nil
}

// Apply returns the obfuscated text of b, nil for NULL; a NULL (nil) value
// stays NULL whatever the method.
func (v *Value) Apply(b []byte) []byte {
	if b == nil || v.rule.Method == facteur.ObfuscateNull {
		return nil
	}
	if v.rule.Method == facteur.ObfuscateMask {
		v.out = AppendMask(v.out[:0], b, v.rule.Keep)
		return v.out
	}
	v.mac.Reset()
	v.mac.Write(b)
	v.sum = v.mac.Sum(v.sum[:0])
	v.out = hex.AppendEncode(v.out[:0], v.sum)
	return v.out
}

// Hash returns the SHA-256 of b in lower-case hex.
func Hash(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// HMAC returns the HMAC-SHA-256 of b under key in lower-case hex, as
// `openssl dgst -sha256 -hmac KEY` prints it.
func HMAC(key, b []byte) string {
	m := hmac.New(sha256.New, key)
	m.Write(b)
	return hex.EncodeToString(m.Sum(nil))
}

// Mask returns b masked to keep its last keep characters (see AppendMask).
func Mask(b []byte, keep int) string { return string(AppendMask(nil, b, keep)) }

// AppendMask appends b masked to dst: every character but the last keep is
// replaced by MaskRune, one per character (rune; a byte that is not UTF-8
// counts as one). A value of keep characters or fewer is masked whole:
// keeping it all would show it all. An e-mail address (text@domain, the
// domain without spaces) keeps its domain and masks the whole of its local
// part, whatever keep is. A negative keep counts as 0.
func AppendMask(dst, b []byte, keep int) []byte {
	if at := emailAt(b); at >= 0 {
		for n := utf8.RuneCount(b[:at]); n > 0; n-- {
			dst = utf8.AppendRune(dst, MaskRune)
		}
		return append(dst, b[at:]...)
	}
	n := utf8.RuneCount(b)
	if n <= keep {
		for ; n > 0; n-- {
			dst = utf8.AppendRune(dst, MaskRune)
		}
		return dst
	}
	// Find where the last keep runes start.
	start := len(b)
	for k := 0; k < keep; k++ {
		_, size := utf8.DecodeLastRune(b[:start])
		start -= size
	}
	for hidden := n - max(keep, 0); hidden > 0; hidden-- {
		dst = utf8.AppendRune(dst, MaskRune)
	}
	return append(dst, b[start:]...)
}

// emailAt returns the index of the @ of an e-mail address: the last @ of
// b, with text before it and a domain after it that has a dot and no
// space or control character (-1 when b is not one).
func emailAt(b []byte) int {
	at := -1
	for i := len(b) - 1; i >= 0; i-- {
		if b[i] == '@' {
			at = i
			break
		}
	}
	if at <= 0 || at == len(b)-1 {
		return -1
	}
	dot := false
	for _, c := range b[at+1:] {
		switch {
		case c <= ' ' || c == 0x7f || c == '@':
			return -1
		case c == '.':
			dot = true
		}
	}
	if !dot || b[len(b)-1] == '.' || b[at+1] == '.' {
		return -1
	}
	return at
}
