package facteur

import (
	"strings"
	"unicode"
)

// MaxNameLen is the longest name of a source, report, destination,
// schedule or token, in bytes: names are shown in lists, mails and file
// names, never pasted documents.
const MaxNameLen = 200

// Bounds of a schedule's other texts and lists.
const (
	MaxFileNameTemplate = 1024 // bytes of a file-name template
	MaxAlertEmails      = 50   // addresses told when a run fails for good
	MaxEmailLen         = 254  // bytes of an e-mail address (RFC 5321's path, less its brackets)
	MaxRecipients       = 100  // recipients of an e-mail destination
	MaxFields           = 1000 // fields of a report; a schedule or an export opts in to as many
	MaxCronLen          = 200  // bytes of a cron expression
)

// CheckName checks the name of a what ("schedule", "report"…): not blank,
// at most MaxNameLen bytes, without control characters. It fails with an
// EINVALID error on the field "name".
func CheckName(what, name string) error {
	switch {
	case strings.TrimSpace(name) == "":
		return Errorf(EINVALID, "name: a %s needs a name", what)
	case len(name) > MaxNameLen:
		return Errorf(EINVALID, "name: at most %d bytes (this one has %d); shorten it", MaxNameLen, len(name))
	case strings.IndexFunc(name, unicode.IsControl) >= 0:
		return Errorf(EINVALID, "name: no line breaks, tabs or other control characters")
	}
	return nil
}

// CheckPersonName checks the name of an account, which may be empty: at
// most MaxNameLen bytes, without control characters. It fails with an
// EINVALID error on the field "name".
func CheckPersonName(name string) error {
	if name == "" {
		return nil
	}
	return CheckName("person", name)
}
