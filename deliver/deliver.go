// Package deliver sends finished export files to where they are wanted:
// the registry of destination kinds, and what they all share. Each kind
// lives in a package of its own (deliver/sftp, deliver/s3, …) behind
// facteur.Deliverer; deliver/kinds assembles the built-in ones.
//
// Every destination delivers in two steps (PRODUCT C5): the bytes go to a
// temporary name that consumers ignore, are checked against the artifact's
// size and SHA-256, and only then are renamed to the final name. Nobody ever
// sees a partial file under the final name, and delivering the same artifact
// twice leaves one file.
package deliver

import (
	"errors"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/facteur/facteur"
)

// MaxFileNameLen is the longest file name, in bytes, that a destination
// accepts: the limit of common file systems and servers.
const MaxFileNameLen = 255

// ValidateFileName checks that name is a plain base name that is safe to
// create in a destination directory: not empty, not "." or "..", no path
// separator, no "..", no NUL or other control character, valid UTF-8, at
// most MaxFileNameLen bytes. It fails with EINVALID saying what is wrong.
func ValidateFileName(name string) error {
	const fix = "Change the file name template."
	switch {
	case name == "":
		return facteur.Errorf(facteur.EINVALID, "file_name: the file name is empty. %s", fix)
	case name == "." || name == "..":
		return facteur.Errorf(facteur.EINVALID, "file_name: %q is not a file name. %s", name, fix)
	case len(name) > MaxFileNameLen:
		return facteur.Errorf(facteur.EINVALID, "file_name: the file name is %d bytes long; the limit is %d. %s", len(name), MaxFileNameLen, fix)
	case !utf8.ValidString(name):
		return facteur.Errorf(facteur.EINVALID, "file_name: %q is not valid UTF-8. %s", name, fix)
	case strings.ContainsAny(name, `/\`):
		return facteur.Errorf(facteur.EINVALID, "file_name: %q contains a path separator; give a plain file name. %s", name, fix)
	case strings.Contains(name, ".."):
		return facteur.Errorf(facteur.EINVALID, "file_name: %q contains \"..\". %s", name, fix)
	}
	for _, r := range name {
		if unicode.IsControl(r) {
			return facteur.Errorf(facteur.EINVALID, "file_name: %q contains a control character. %s", name, fix)
		}
	}
	return nil
}

// Bounds of a destination directory's path, as file systems and SFTP
// servers take them.
const (
	MaxPathLen       = 4096 // bytes of a whole path (Linux's PATH_MAX)
	maxPathComponent = 255  // bytes of one of its names (NAME_MAX)
)

// CheckDirPath checks the length of a directory's path and of each of its
// names, for the config field called field: a longer one can never be
// opened, so it is refused when the destination is saved rather than
// failing, and being retried, at every run.
func CheckDirPath(field, p string) error {
	if len(p) > MaxPathLen {
		return facteur.Errorf(facteur.EINVALID, "%s: the path is %d bytes long; the limit is %d", field, len(p), MaxPathLen)
	}
	for name := range strings.SplitSeq(p, "/") {
		if len(name) > maxPathComponent {
			return facteur.Errorf(facteur.EINVALID, "%s: the directory name %q… is %d bytes long; a name in a path has at most %d", field, cutBytes(name, 32), len(name), maxPathComponent)
		}
	}
	return nil
}

// cutBytes returns the first n bytes of s, whole UTF-8 characters only.
func cutBytes(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// Refusal returns the error of a setting that no retry can fix met while
// connecting, such as the outbound guard refusing the address a host name
// resolves to; nil when err is not one. Connection errors are otherwise
// taken as passing, so this is checked first.
func Refusal(err error) *facteur.Error {
	var fe *facteur.Error
	if errors.As(err, &fe) && fe.Code == facteur.EINVALID {
		return fe
	}
	return nil
}
