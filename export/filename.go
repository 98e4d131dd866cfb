package export

import (
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/facteur/facteur"
	"github.com/facteur/facteur/deliver"
)

// NameVars are the values of a file name template's variables (C3).
type NameVars struct {
	Label      string    // {label}: the schedule's name
	ExportName string    // {export_name}: the report's name
	Time       time.Time // {year} {month} {day} {hour} {minute}, in its own location
	RunID      int64     // {run_id}
	Ext        string    // {ext}: the format's extension, without the dot
	// File is {file}, the delivered file's name, known only in the name
	// of a confirmation file: elsewhere {file} is an unknown variable.
	File string
}

// maxNameBytes is the longest file name most file systems and SFTP servers accept.
const maxNameBytes = 255

// RenderFileName expands a file name template such as
// "{export_name}_{year}{month}{day}.{ext}". The result is always a safe base
// name: variable values cannot add path separators, control characters or a
// leading dot, and a name longer than 255 bytes is shortened before its
// extension. An unknown variable or an unclosed brace fails with EINVALID,
// and so does a name the destinations would refuse (deliver.ValidateFileName)
// or a hidden one: the rule that names the file at run time is the one
// that checks the template when it is saved.
func RenderFileName(tmpl string, v NameVars) (string, error) {
	var b strings.Builder
	for rest := tmpl; rest != ""; {
		i := strings.IndexByte(rest, '{')
		if i < 0 {
			b.WriteString(rest)
			break
		}
		b.WriteString(rest[:i])
		j := strings.IndexByte(rest[i:], '}')
		if j < 0 {
			return "", facteur.Errorf(facteur.EINVALID, "file_name: unclosed \"{\" in %q", tmpl)
		}
		name := rest[i+1 : i+j]
		val, ok := nameVar(name, v)
		if !ok {
			return "", facteur.Errorf(facteur.EINVALID, "file_name: unknown variable {%s}; use {label}, {export_name}, {year}, {month}, {day}, {hour}, {minute}, {run_id} or {ext}", name)
		}
		b.WriteString(val)
		rest = rest[i+j+1:]
	}
	name := sanitizeName(b.String())
	if name == "" {
		return "", facteur.Errorf(facteur.EINVALID, "file_name: the template %q gives an empty file name", tmpl)
	}
	name = shorten(name, maxNameBytes)
	if err := deliver.ValidateFileName(name); err != nil || name[0] == '.' {
		return "", facteur.Errorf(facteur.EINVALID, "file_name: the template %q gives %q, which is not a usable file name; change the template", shortText(tmpl, 64), name)
	}
	return name, nil
}

// shortText cuts s to at most n bytes for a message, marking the cut.
func shortText(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}

func nameVar(name string, v NameVars) (string, bool) {
	switch name {
	case "label":
		return v.Label, true
	case "export_name":
		return v.ExportName, true
	case "year":
		return fmt.Sprintf("%04d", v.Time.Year()), true
	case "month":
		return fmt.Sprintf("%02d", int(v.Time.Month())), true
	case "day":
		return fmt.Sprintf("%02d", v.Time.Day()), true
	case "hour":
		return fmt.Sprintf("%02d", v.Time.Hour()), true
	case "minute":
		return fmt.Sprintf("%02d", v.Time.Minute()), true
	case "run_id":
		return fmt.Sprint(v.RunID), true
	case "ext":
		return v.Ext, true
	case "file":
		return v.File, v.File != ""
	}
	return "", false
}

// sanitizeName replaces every character that could leave the target
// directory or confuse a file system or a shell consumer: path separators,
// control and format characters, characters Windows forbids; it trims
// leading dots and spaces (no hidden files, no "..") and trailing dots and
// spaces (Windows drops them).
func sanitizeName(s string) string {
	s = strings.ToValidUTF8(s, "_")
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '/' || r == '\\' || r == ':' || r == '*' || r == '?' || r == '"' || r == '<' || r == '>' || r == '|':
			b.WriteByte('_')
		case unicode.IsControl(r) || unicode.Is(unicode.Cf, r) || r == utf8.RuneError:
			b.WriteByte('_')
		default:
			b.WriteRune(r)
		}
	}
	out := strings.TrimLeft(b.String(), ". ")
	out = strings.TrimRight(out, ". ")
	for strings.Contains(out, "..") {
		out = strings.ReplaceAll(out, "..", ".")
	}
	return out
}

// shorten cuts name to at most max bytes, keeping its extension and whole
// UTF-8 characters.
func shorten(name string, max int) string {
	if len(name) <= max {
		return name
	}
	ext := ""
	if i := strings.LastIndexByte(name, '.'); i > 0 && len(name)-i <= 16 {
		ext = name[i:]
	}
	base := name[:len(name)-len(ext)]
	cut := max - len(ext)
	for cut > 0 && !utf8.RuneStart(base[cut]) {
		cut--
	}
	// The cut may end the base on a dot or a space: trimmed as
	// sanitizeName trims, so that it never meets the extension's dot as
	// "..", nor leaves a trailing space.
	return strings.TrimRight(base[:cut], ". ") + ext
}
