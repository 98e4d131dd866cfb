package format

import (
	"bufio"
	"unicode/utf8"
)

// controlPicture returns the symbol Unicode gives the control character
// c (U+2400 … U+241F for the C0 controls, U+2421 for DEL), which the HTML
// and text tables show in its place: a control character is invisible, or
// not allowed at all in an HTML document.
func controlPicture(c byte) rune {
	if c == 0x7F {
		return '\u2421'
	}
	return 0x2400 + rune(c)
}

// htmlForbidden reports whether an HTML document may not hold the rune r
// as a character, nor as a character reference: the C1 controls and the
// noncharacters (HTML's "control-character" and "noncharacter" parse
// errors). The C0 controls are handled apart.
func htmlForbidden(r rune) bool {
	return r >= 0x80 && r <= 0x9F || r >= 0xFDD0 && r <= 0xFDEF || r&0xFFFE == 0xFFFE
}

// writeHTMLText writes v as the text of an HTML element: & < > are
// escaped; line breaks are LF (CR LF and CR become LF, as an HTML parser
// reads them anyway); tab is kept; the other C0 controls and DEL are shown
// as their control pictures (NUL as ␀, ESC as ␛); C1 controls,
// noncharacters and invalid UTF-8 become U+FFFD. The result is valid HTML
// whatever v holds.
func writeHTMLText(bw *bufio.Writer, v []byte) {
	start := 0
	for i := 0; i < len(v); {
		b := v[i]
		var repl string
		var pic rune
		size := 1
		switch {
		case b >= 0x20 && b < 0x7F && b != '&' && b != '<' && b != '>', b == '\t', b == '\n':
			i++
			continue
		case b == '&':
			repl = "&amp;"
		case b == '<':
			repl = "&lt;"
		case b == '>':
			repl = "&gt;"
		case b == '\r':
			repl = "\n"
			if i+1 < len(v) && v[i+1] == '\n' {
				size = 2
			}
		case b < utf8.RuneSelf:
			pic = controlPicture(b)
		default:
			r, n := utf8.DecodeRune(v[i:])
			if !(r == utf8.RuneError && n == 1) && !htmlForbidden(r) {
				i += n
				continue
			}
			size, pic = n, utf8.RuneError
		}
		bw.Write(v[start:i])
		if pic != 0 {
			bw.WriteRune(pic)
		} else {
			bw.WriteString(repl)
		}
		i += size
		start = i
	}
	bw.Write(v[start:])
}
