package source

import (
	"encoding/base64"
	"math"
	mathbits "math/bits"
	"strconv"
	"time"
)

// This file holds the canonical text of facteur.Kind that more than one
// database needs. Every function appends to dst and returns it, so that a
// row reuses its buffers and reading allocates nothing per value.

// appendFloat appends f as PostgreSQL prints a float8 (bits 64) or a float4
// (bits 32) with extra_float_digits = 1 (its default since version 12):
// the shortest decimal that reads back as the same value, in positional
// notation when the decimal exponent is in [-4, 15) for float8 or [-4, 6)
// for float4 and in exponent notation ("1e+16", "1.5e-05") otherwise, the
// thresholds of printf's %g. NaN, Infinity and -Infinity are spelled as
// PostgreSQL does, and negative zero is "-0".
//
// PostgreSQL's Ryu never prints a decimal that lies exactly halfway between
// two floats (it does not rely on the reader rounding ties to even), where
// Go's shortest may: in that case a digit more is used, as PostgreSQL does.
func appendFloat(dst []byte, f float64, bits int) []byte {
	switch {
	case math.IsNaN(f):
		return append(dst, "NaN"...)
	case math.IsInf(f, 1):
		return append(dst, "Infinity"...)
	case math.IsInf(f, -1):
		return append(dst, "-Infinity"...)
	case f == 0:
		if math.Signbit(f) {
			return append(dst, "-0"...)
		}
		return append(dst, '0')
	}
	if f < 0 {
		dst = append(dst, '-')
		f = -f
	}
	var buf [40]byte
	digs, exp := shortestDigits(buf[:0], f, bits)
	limit := 15
	if bits == 32 {
		limit = 6
	}
	switch {
	case exp >= limit || exp < -4:
		dst = append(dst, digs[0])
		if len(digs) > 1 {
			dst = append(dst, '.')
			dst = append(dst, digs[1:]...)
		}
		dst = append(dst, 'e')
		if exp < 0 {
			dst, exp = append(dst, '-'), -exp
		} else {
			dst = append(dst, '+')
		}
		if exp >= 100 {
			dst = append(dst, byte('0'+exp/100))
			exp %= 100
		}
		return append2(dst, exp)
	case exp < 0:
		dst = append(dst, "0."...)
		for i := -1; i > exp; i-- {
			dst = append(dst, '0')
		}
		return append(dst, digs...)
	case len(digs) <= exp+1:
		dst = append(dst, digs...)
		for i := len(digs); i <= exp; i++ {
			dst = append(dst, '0')
		}
		return dst
	default:
		dst = append(dst, digs[:exp+1]...)
		dst = append(dst, '.')
		return append(dst, digs[exp+1:]...)
	}
}

// shortestDigits returns the significant digits of the shortest decimal
// PostgreSQL prints for f > 0, and the decimal exponent of the first one.
func shortestDigits(buf []byte, f float64, bits int) ([]byte, int) {
	e := strconv.AppendFloat(buf, f, 'e', -1, bits)
	digs, exp := splitExp(e)
	if isMidpoint(f, bits, digs, exp) {
		maxPrec := 17
		if bits == 32 {
			maxPrec = 9
		}
		for prec := len(digs); prec < maxPrec; prec++ {
			e = strconv.AppendFloat(buf[:0], f, 'e', prec, bits)
			if g, err := strconv.ParseFloat(string(e), bits); err != nil || g != f {
				continue
			}
			if d, x := splitExp(e); !isMidpoint(f, bits, d, x) {
				return d, x
			}
		}
	}
	return digs, exp
}

// splitExp splits Go's "d.ddde±xx" into its digits (the dot removed, in
// place) and exponent.
func splitExp(e []byte) ([]byte, int) {
	i := len(e) - 1
	for e[i] != 'e' {
		i--
	}
	exp := atoi(e[i+2:])
	if e[i+1] == '-' {
		exp = -exp
	}
	digs := e[:i]
	if len(digs) > 1 {
		digs = append(digs[:1], digs[2:]...)
	}
	return digs, exp
}

// isMidpoint reports whether the decimal digs × 10^(exp+1-len(digs)) is
// exactly halfway between f > 0 and one of its neighbours.
func isMidpoint(f float64, bits int, digs []byte, exp int) bool {
	if len(digs) > 19 {
		return false
	}
	var d uint64
	for _, c := range digs {
		d = d*10 + uint64(c-'0')
	}
	q := exp + 1 - len(digs)
	var m uint64
	var e int
	var lowerSpecial bool
	if bits == 32 {
		b := math.Float32bits(float32(f))
		be, frac := int(b>>23&0xff), uint64(b&(1<<23-1))
		m, e = frac|1<<23, be-150
		if be == 0 {
			m, e = frac, -149
		}
		lowerSpecial = frac == 0 && be > 1
	} else {
		b := math.Float64bits(f)
		be, frac := int(b>>52&0x7ff), b&(1<<52-1)
		m, e = frac|1<<52, be-1075
		if be == 0 {
			m, e = frac, -1074
		}
		lowerSpecial = frac == 0 && be > 1
	}
	if equalsDyadic(d, q, 2*m+1, e-1) {
		return true
	}
	if lowerSpecial {
		return equalsDyadic(d, q, 4*m-1, e-2)
	}
	return equalsDyadic(d, q, 2*m-1, e-1)
}

// equalsDyadic reports whether d × 10^q equals odd × 2^k, for an odd odd.
func equalsDyadic(d uint64, q int, odd uint64, k int) bool {
	if d == 0 {
		return false
	}
	if q < 0 {
		for range -q {
			if d%5 != 0 {
				return false
			}
			d /= 5
		}
		t := mathbits.TrailingZeros64(d)
		return t+q == k && d>>t == odd
	}
	t := mathbits.TrailingZeros64(d)
	if q+t != k {
		return false
	}
	d >>= t
	for range q {
		hi, lo := mathbits.Mul64(d, 5)
		if hi != 0 {
			return false
		}
		d = lo
	}
	return d == odd
}

// appendDecimalFloat appends f in positional notation with the fewest
// digits that read back as f: the text of a float stored where an exact
// decimal was declared (SQLite's NUMERIC affinity keeps 12.5 as a REAL).
func appendDecimalFloat(dst []byte, f float64) []byte {
	switch {
	case math.IsNaN(f):
		return append(dst, "NaN"...)
	case math.IsInf(f, 1):
		return append(dst, "Infinity"...)
	case math.IsInf(f, -1):
		return append(dst, "-Infinity"...)
	}
	return strconv.AppendFloat(dst, f, 'f', -1, 64)
}

// appendBase64 appends src in standard base64 with padding (KindBytes).
func appendBase64(dst, src []byte) []byte {
	return base64.StdEncoding.AppendEncode(dst, src)
}

// appendOffset appends a UTC offset in seconds as ±HH:MM, or ±HH:MM:SS when
// the offset has seconds (local mean time before time zones existed).
func appendOffset(dst []byte, off int) []byte {
	sign := byte('+')
	if off < 0 {
		sign, off = '-', -off
	}
	dst = append(dst, sign)
	dst = append2(dst, off/3600)
	dst = append(dst, ':')
	dst = append2(dst, off/60%60)
	if s := off % 60; s != 0 {
		dst = append(dst, ':')
		dst = append2(dst, s)
	}
	return dst
}

// append2 appends n (0 to 99) as two digits.
func append2(dst []byte, n int) []byte {
	return append(dst, byte('0'+n/10), byte('0'+n%10))
}

// appendInstant appends t in loc as KindTimestamp text: RFC 3339 with
// trimmed fractional seconds and an offset that is never "Z".
func appendInstant(dst []byte, t time.Time, loc *time.Location) []byte {
	t = t.In(loc)
	dst = t.AppendFormat(dst, "2006-01-02T15:04:05.999999999")
	_, off := t.Zone()
	return appendOffset(dst, off)
}

// digits reports whether b is non-empty and all ASCII digits.
func digits(b []byte) bool {
	if len(b) == 0 {
		return false
	}
	for _, c := range b {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// atoi returns the value of the ASCII digits b, which digits has checked.
func atoi(b []byte) int {
	n := 0
	for _, c := range b {
		n = n*10 + int(c-'0')
	}
	return n
}

// appendClock appends a time of day "HH:MM[:SS[.fff]]" as "HH:MM:SS" with
// its fractional seconds trimmed of trailing zeros (KindTime), and reports
// whether src had that shape. Hours may have more than two digits and a
// sign (MySQL's TIME is an interval up to 838:59:59).
func appendClock(dst, src []byte) ([]byte, bool) {
	i := 0
	if len(src) > 0 && src[0] == '-' {
		i = 1
	}
	h := i
	for h < len(src) && src[h] >= '0' && src[h] <= '9' {
		h++
	}
	if h-i < 2 || len(src) < h+3 || src[h] != ':' || !digits(src[h+1:h+3]) {
		return dst, false
	}
	rest := src[h+3:]
	dst = append(dst, src[:h+3]...)
	if len(rest) == 0 {
		return append(dst, ":00"...), true
	}
	if len(rest) < 3 || rest[0] != ':' || !digits(rest[1:3]) {
		return dst, false
	}
	dst = append(dst, rest[:3]...)
	rest = rest[3:]
	if len(rest) == 0 {
		return dst, true
	}
	if rest[0] != '.' || !digits(rest[1:]) {
		return dst, false
	}
	return appendFraction(dst, rest), true
}

// appendFraction appends ".ddd" without its trailing zeros, or nothing when
// every digit is zero.
func appendFraction(dst, frac []byte) []byte {
	end := len(frac)
	for end > 1 && frac[end-1] == '0' {
		end--
	}
	if end <= 1 {
		return dst
	}
	return append(dst, frac[:end]...)
}

// appendDateTime appends the canonical text of a date and time written
// the way SQLite's date functions and MySQL write them:
// "YYYY-MM-DD", or "YYYY-MM-DD HH:MM[:SS[.fff]]" (or with a T) optionally
// followed by "Z" or "±HH:MM". A date stays a date; a date and time becomes
// "YYYY-MM-DDTHH:MM:SS[.fff]" with the offset that was written, if any, as
// ±HH:MM ("Z" is "+00:00"). No offset is ever added. It reports false,
// leaving dst as it was, for any other text.
func appendDateTime(dst, src []byte) ([]byte, bool) {
	if len(src) < 10 || !digits(src[0:4]) || src[4] != '-' || !digits(src[5:7]) || src[7] != '-' || !digits(src[8:10]) {
		return dst, false
	}
	if len(src) == 10 {
		return append(dst, src...), true
	}
	if src[10] != ' ' && src[10] != 'T' {
		return dst, false
	}
	clock := src[11:]
	var zone []byte
	for i := len(clock) - 1; i >= 0; i-- {
		if c := clock[i]; c == 'Z' || c == '+' || c == '-' {
			clock, zone = clock[:i], clock[i:]
			break
		}
	}
	start := len(dst)
	dst = append(dst, src[:10]...)
	dst = append(dst, 'T')
	dst, ok := appendClock(dst, clock)
	if !ok || (len(clock) > 0 && clock[0] == '-') {
		return dst[:start], false
	}
	switch {
	case zone == nil:
	case len(zone) == 1 && zone[0] == 'Z':
		dst = append(dst, "+00:00"...)
	case len(zone) == 6 && digits(zone[1:3]) && zone[3] == ':' && digits(zone[4:6]):
		dst = append(dst, zone...)
	case len(zone) == 5 && digits(zone[1:5]):
		dst = append(dst, zone[:3]...)
		dst = append(dst, ':')
		dst = append(dst, zone[3:]...)
	default:
		return dst[:start], false
	}
	return dst, true
}
