package format

import (
	"bufio"
	"unicode/utf8"
)

// Limits of a worksheet (Excel's "specifications and limits").
const (
	xlsxMaxRows   = 1 << 20 // rows per sheet, header included
	xlsxMaxCols   = 1 << 14 // columns, A … XFD
	xlsxMaxDigits = 15      // significant digits Excel keeps in a number
	xlsxMaxExp    = 307     // decimal exponent range of Excel's numbers
)

// columnName returns the letters of the 0-based column i: A … Z, AA … XFD.
func columnName(i int) string {
	var b [4]byte
	n := len(b)
	for i++; i > 0; i = (i - 1) / 26 {
		n--
		b[n] = byte('A' + (i-1)%26)
	}
	return string(b[n:])
}

// xlsxNumber reports whether v, a JSON-grammar number, can be a numeric cell
// without changing what a user reads: a magnitude inside Excel's range and,
// for an exact number (an integer or a decimal), at most 15 significant
// digits. Digits count from the first non-zero one to the last digit of the
// integer part or the last non-zero digit of the fraction, so a 20-digit
// identifier stays text while "12.50" is a number. A binary floating-point
// value is a double whatever its digits: its shortest text reads back the
// same double, which is what the cell holds (Excel shows 15 digits of it).
// The cell's <v> keeps v's own text, so no digit is rewritten.
func xlsxNumber(v []byte, exact bool) bool {
	if !isJSONNumber(v) {
		return false
	}
	i := 0
	if v[0] == '-' {
		i = 1
	}
	// Walk the mantissa: pos counts its digits, point is where the
	// fraction starts, first and last mark the significant ones.
	pos, point, first, last := 0, -1, -1, -1
	for ; i < len(v) && v[i] != 'e' && v[i] != 'E'; i++ {
		if v[i] == '.' {
			point = pos
			continue
		}
		if v[i] != '0' {
			if first < 0 {
				first = pos
			}
			last = pos
		}
		pos++
	}
	if point < 0 {
		point = pos
	}
	exp := 0 // decimal exponent of the first significant digit
	if first >= 0 {
		if last < point-1 {
			last = point - 1 // trailing zeros of an integer part are digits
		}
		if exact && last-first+1 > xlsxMaxDigits {
			return false
		}
		exp = point - 1 - first
	}
	if i < len(v) {
		e, neg := 0, false
		i++
		if v[i] == '+' || v[i] == '-' {
			neg = v[i] == '-'
			i++
		}
		for ; i < len(v); i++ {
			if e = e*10 + int(v[i]-'0'); e > 10*xlsxMaxExp {
				return false
			}
		}
		if neg {
			e = -e
		}
		exp += e
	}
	return exp >= -xlsxMaxExp && exp <= xlsxMaxExp
}

// writeXMLText writes v as the text of an XML element: & < > are escaped and
// CR is written as &#13; (an XML parser turns a raw CR into LF). Characters
// that XML 1.0 forbids (C0 controls other than tab, LF and CR; U+FFFE and
// U+FFFF) are left out, and invalid UTF-8 becomes U+FFFD. An underscore
// that starts an Excel escape such as _x000D_ is itself escaped as _x005F_,
// so that Excel shows the text as it was.
func writeXMLText(bw *bufio.Writer, v []byte) {
	start := 0
	for i := 0; i < len(v); {
		b := v[i]
		var repl string
		size := 1
		switch {
		case b >= 0x20 && b < utf8.RuneSelf && b != '&' && b != '<' && b != '>' && b != '_':
			i++
			continue
		case b == '&':
			repl = "&amp;"
		case b == '<':
			repl = "&lt;"
		case b == '>':
			repl = "&gt;"
		case b == '\r':
			repl = "&#13;"
		case b == '\t' || b == '\n':
			i++
			continue
		case b == '_':
			if !excelEscape(v[i:]) {
				i++
				continue
			}
			repl = "_x005F_"
		case b < 0x20:
			// illegal in XML 1.0: dropped
		default:
			var r rune
			r, size = utf8.DecodeRune(v[i:])
			switch {
			case r == utf8.RuneError && size == 1:
				repl = "\uFFFD"
			case r == 0xFFFE || r == 0xFFFF:
				// illegal in XML 1.0: dropped
			default:
				i += size
				continue
			}
		}
		bw.Write(v[start:i])
		bw.WriteString(repl)
		i += size
		start = i
	}
	bw.Write(v[start:])
}

// excelEscape reports whether the underscore at v[0] starts _xHHHH_ in
// the text written, which Excel would read as an escaped character. The
// bytes writeXMLText leaves out are skipped, since they do not separate
// the underscore from what follows once written.
func excelEscape(v []byte) bool {
	var next [6]byte // the six bytes written after the underscore
	n := 0
	for i := 1; i < len(v) && n < len(next); i++ {
		switch {
		case v[i] < 0x20 && v[i] != '\t' && v[i] != '\n' && v[i] != '\r':
			continue // dropped
		case v[i] == 0xEF && i+2 < len(v) && v[i+1] == 0xBF && (v[i+2] == 0xBE || v[i+2] == 0xBF):
			i += 2 // U+FFFE or U+FFFF: dropped
			continue
		}
		next[n] = v[i]
		n++
	}
	if n < len(next) || next[0] != 'x' || next[5] != '_' {
		return false
	}
	for _, c := range next[1:5] {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}

// needsPreserve reports whether v starts or ends with white space, which
// the cell's <t> must be told to keep.
func needsPreserve(v []byte) bool {
	if len(v) == 0 {
		return false
	}
	isSpace := func(b byte) bool { return b == ' ' || b == '\t' || b == '\n' || b == '\r' }
	return isSpace(v[0]) || isSpace(v[len(v)-1])
}
