package format

import (
	"unicode"

	"golang.org/x/text/width"
)

// runeWidth returns the number of display cells r takes in a terminal or
// a monospaced font: 2 for the East Asian wide and full-width characters
// (CJK, most emoji), 0 for combining marks and format characters (accents
// written apart, the zero-width joiner, direction marks), 1 for the rest.
func runeWidth(r rune) int {
	if r < 0x300 && r != 0xAD {
		return 1 // no wide, combining or format character before U+0300 but the soft hyphen
	}
	switch width.LookupRune(r).Kind() {
	case width.EastAsianWide, width.EastAsianFullwidth:
		return 2
	}
	if unicode.In(r, unicode.Mn, unicode.Me, unicode.Cf) {
		return 0
	}
	return 1
}
