package format

import (
	"encoding/xml"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// XMLNames returns the element name of each column of an XML file, in
// order, by this rule (stable: the same columns always get the same names):
//
//  1. A name that is already a valid XML name, and not yet taken by an
//     earlier column, is kept as it is.
//  2. Otherwise each character an XML name cannot hold becomes "_": the
//     names of XML 1.0's Appendix B, which every XML parser reads (Expat,
//     libxml2, Java, .NET), without ":" (which would need a namespace).
//     A name that then starts with anything but a letter or "_" (a digit,
//     "-", "."), starts with "xml" in any case (reserved by XML), or is
//     empty, gets a leading "_".
//  3. A name taken by an earlier column, or by a column kept by rule 1,
//     gets "_2", "_3", … (the first that is free): two columns never share
//     an element name.
//
// "order id" becomes "order_id", "1st" "_1st", "a:b" "a_b", "xml_id"
// "_xml_id", and a second "id" "id_2".
func XMLNames(names []string) []string {
	out := make([]string, len(names))
	taken := make(map[string]bool, len(names))
	for i, n := range names {
		if xmlName(n) && !taken[n] {
			out[i], taken[n] = n, true
		}
	}
	for i, n := range names {
		if out[i] != "" {
			continue
		}
		base := cleanXMLName(n)
		name := base
		for k := 2; taken[name]; k++ {
			name = base + "_" + strconv.Itoa(k)
		}
		out[i], taken[name] = name, true
	}
	return out
}

// xmlRootName is the root element's name for a report's title: the title
// made a name by rule 2 of XMLNames, or "export" when the title has no
// letter or digit.
func xmlRootName(title string) string {
	if strings.IndexFunc(title, func(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }) < 0 {
		return "export"
	}
	return cleanXMLName(title)
}

// xmlName reports whether s is a name XMLNames keeps as it is.
func xmlName(s string) bool {
	return s != "" && !strings.HasPrefix(strings.ToLower(s), "xml") && cleanXMLName(s) == s
}

// cleanXMLName applies rule 2 of XMLNames.
func cleanXMLName(s string) string {
	var b strings.Builder
	for i, r := range s {
		switch {
		case r == ':' || r == utf8.RuneError:
			b.WriteByte('_')
		case i == 0 && nameStart(r), i > 0 && nameChar(r):
			b.WriteRune(r)
		case i == 0 && nameChar(r):
			b.WriteByte('_') // a digit, "-", "." or a mark starts no name: keep it after "_"
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
	}
	out := b.String()
	if out == "" || strings.HasPrefix(strings.ToLower(out), "xml") {
		out = "_" + out
	}
	return out
}

// nameStart and nameChar report whether r may start or continue an XML
// name, by the tables of XML 1.0's Appendix B, as Go's encoding/xml holds
// them: it reads <r/> (or <ar/>) as one element of that name.
func nameStart(r rune) bool {
	if r < utf8.RuneSelf {
		return 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || r == '_'
	}
	return readsAsName(string(r))
}

func nameChar(r rune) bool {
	if r < utf8.RuneSelf {
		return 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9' || r == '_' || r == '-' || r == '.'
	}
	return readsAsName("a" + string(r))
}

func readsAsName(name string) bool {
	d := xml.NewDecoder(strings.NewReader("<" + name + "/>"))
	tok, err := d.RawToken()
	start, ok := tok.(xml.StartElement)
	return err == nil && ok && start.Name.Space == "" && start.Name.Local == name
}
