package deliver

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/facteur/facteur"
)

// NormalizePrefix drops leading and repeated slashes of an object store's
// key prefix and ends a non-empty one with a slash: " /exports//partner"
// becomes "exports/partner/".
func NormalizePrefix(p string) string {
	var parts []string
	for s := range strings.SplitSeq(p, "/") {
		if s != "" {
			parts = append(parts, s)
		}
	}
	if len(parts) == 0 {
		return ""
	}
	return strings.Join(parts, "/") + "/"
}

// ValidatePrefix checks a normalised key prefix: valid UTF-8, no control
// character or backslash, no "." or ".." segment, and room left for a
// file name in a key of at most maxKey bytes. It fails with EINVALID
// naming the prefix field.
func ValidatePrefix(p string, maxKey int) error {
	if !utf8.ValidString(p) {
		return facteur.Errorf(facteur.EINVALID, "prefix: %q is not valid UTF-8", p)
	}
	if strings.ContainsFunc(p, unicode.IsControl) {
		return facteur.Errorf(facteur.EINVALID, "prefix: %q contains a control character", p)
	}
	if strings.Contains(p, `\`) {
		return facteur.Errorf(facteur.EINVALID, "prefix: %q contains a backslash; separate folders with \"/\"", p)
	}
	for s := range strings.SplitSeq(p, "/") {
		if s == "." || s == ".." {
			return facteur.Errorf(facteur.EINVALID, "prefix: %q contains a %q folder; give a plain path such as \"exports/partner/\"", p, s)
		}
	}
	if len(p)+MaxFileNameLen > maxKey {
		return facteur.Errorf(facteur.EINVALID, "prefix: the prefix is %d bytes long; the limit is %d", len(p), maxKey-MaxFileNameLen)
	}
	return nil
}
