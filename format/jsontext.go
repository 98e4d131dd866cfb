package format

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"unicode/utf8"

	"github.com/facteur/facteur"
)

// hexDigits are the digits of \u escapes.
const hexDigits = "0123456789abcdef"

// jsonObjects writes rows as JSON objects whose keys are the column names in
// column order; JSONEncoder and NDJSONEncoder put them in their frames.
type jsonObjects struct {
	bw    *bufio.Writer
	kinds []facteur.Kind
	// keys[i] is the escaped name of column i with its colon, preceded by
	// '{' for the first column and ',' for the others.
	keys      [][]byte
	validator jsonValidator
}

func newJSONObjects(bw *bufio.Writer, cols []facteur.Column) jsonObjects {
	o := jsonObjects{bw: bw, kinds: make([]facteur.Kind, len(cols)), keys: make([][]byte, len(cols))}
	for i, c := range cols {
		o.kinds[i] = c.Kind
		k := []byte{','}
		if i == 0 {
			k[0] = '{'
		}
		k = appendJSONString(k, []byte(c.Name))
		o.keys[i] = append(k, ':')
	}
	return o
}

// object writes one row as an object, each value by its kind in kinds, or
// by its column's when kinds is nil; it returns the writer's error.
func (o *jsonObjects) object(row [][]byte, kinds []facteur.Kind) error {
	if len(row) == 0 {
		o.bw.WriteByte('{')
	}
	if kinds == nil {
		kinds = o.kinds
	}
	kinds, keys := kinds[:len(row)], o.keys[:len(row)] // checked once, not for every value
	for i, v := range row {
		o.bw.Write(keys[i])
		o.value(kinds[i], v)
	}
	return o.bw.WriteByte('}')
}

// value writes one value of the given kind: null for NULL, a number for a
// numeric kind whose text is a valid JSON number, true/false for a boolean,
// the document itself for valid JSON, and a string for everything else.
func (o *jsonObjects) value(k facteur.Kind, v []byte) {
	switch {
	case v == nil:
		o.bw.WriteString("null")
	case (k == facteur.KindInt || k == facteur.KindDecimal || k == facteur.KindFloat) && isJSONNumber(v):
		o.bw.Write(v)
	case k == facteur.KindBool && (string(v) == "true" || string(v) == "false"):
		o.bw.Write(v)
	case k == facteur.KindJSON && o.validator.valid(v):
		writeCompactJSON(o.bw, v)
	default:
		writeJSONString(o.bw, v)
	}
}

// writeJSONString writes v as a quoted JSON string. Control characters,
// U+2028 and U+2029 are escaped and invalid UTF-8 becomes U+FFFD, so the
// result is valid JSON (and valid JavaScript) whatever v holds.
func writeJSONString(bw *bufio.Writer, v []byte) {
	bw.WriteByte('"')
	start := 0
	for i := 0; i < len(v); {
		// Eight plain bytes at a time: most text has nothing to escape.
		if i+8 <= len(v) && plainJSONWord(binary.LittleEndian.Uint64(v[i:])) {
			i += 8
			continue
		}
		b := v[i]
		if b < utf8.RuneSelf {
			if b >= 0x20 && b != '"' && b != '\\' {
				i++
				continue
			}
			bw.Write(v[start:i])
			switch b {
			case '"', '\\':
				bw.WriteByte('\\')
				bw.WriteByte(b)
			case '\n':
				bw.WriteString(`\n`)
			case '\r':
				bw.WriteString(`\r`)
			case '\t':
				bw.WriteString(`\t`)
			case '\b':
				bw.WriteString(`\b`)
			case '\f':
				bw.WriteString(`\f`)
			default:
				bw.WriteString(`\u00`)
				bw.WriteByte(hexDigits[b>>4])
				bw.WriteByte(hexDigits[b&0xF])
			}
			i++
			start = i
			continue
		}
		size := writeSpecialRune(bw, v, start, i)
		if size < 0 {
			i -= size
			start = i
			continue
		}
		i += size
	}
	bw.Write(v[start:])
	bw.WriteByte('"')
}

// plainJSONWord reports whether the eight bytes of w are ASCII that a
// JSON string holds as they are: no control character, quote, backslash
// or byte of a multi-byte rune.
func plainJSONWord(w uint64) bool {
	const high = everyByte * 0x80
	control := (w - everyByte*0x20) &^ w & high // a byte below 0x20 (or 0x80 and up, seen anyway)
	return (control | hasZeroByte(w^(everyByte*'"')) | hasZeroByte(w^(everyByte*'\\')) | w&high) == 0
}

// writeSpecialRune looks at the non-ASCII rune at v[i]. An ordinary rune is
// left in place and its size returned. Invalid UTF-8, U+2028 and U+2029 are
// written escaped after the pending bytes v[start:i], and minus the number
// of bytes consumed is returned.
func writeSpecialRune(bw *bufio.Writer, v []byte, start, i int) int {
	r, size := utf8.DecodeRune(v[i:])
	switch {
	case r == utf8.RuneError && size == 1:
		bw.Write(v[start:i])
		bw.WriteString(`\ufffd`)
		return -1
	case r == '\u2028' || r == '\u2029':
		bw.Write(v[start:i])
		bw.WriteString(`\u202`)
		bw.WriteByte(hexDigits[r&0xF])
		return -size
	}
	return size
}

// appendJSONString appends v as a quoted JSON string (for the keys, once
// per encoder).
func appendJSONString(dst, v []byte) []byte {
	var b bytes.Buffer
	bw := bufio.NewWriter(&b)
	writeJSONString(bw, v)
	bw.Flush()
	return append(dst, b.Bytes()...)
}

// writeCompactJSON writes the valid JSON document v without the whitespace
// between tokens, so that it fits on one line of NDJSON. Inside strings it
// replaces invalid UTF-8 by U+FFFD and escapes U+2028 and U+2029, as
// writeJSONString does; numbers keep every digit.
func writeCompactJSON(bw *bufio.Writer, v []byte) {
	start, inString := 0, false
	for i := 0; i < len(v); {
		b := v[i]
		if !inString {
			switch b {
			case ' ', '\t', '\n', '\r':
				bw.Write(v[start:i])
				i++
				start = i
				continue
			case '"':
				inString = true
			}
			i++
			continue
		}
		switch {
		case b == '\\':
			i += 2 // the escaped byte is ASCII: copy it as it is
		case b == '"':
			inString = false
			i++
		case b < utf8.RuneSelf:
			i++
		default:
			size := writeSpecialRune(bw, v, start, i)
			if size < 0 {
				i -= size
				start = i
			} else {
				i += size
			}
		}
	}
	bw.Write(v[start:])
}
