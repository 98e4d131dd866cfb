package format

import (
	"encoding/base64"
	"fmt"
	"math/bits"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/parquet-go/parquet-go"

	"github.com/facteur/facteur"
)

// value returns v, the canonical text of a value of kind k, as a value of
// the column's Parquet type. A text column takes the text of a value of
// any kind, as CSV does. Any other column takes only values of its own
// kind (an SQLite column declared INTEGER may hold text or a real): a
// value of another kind, or one the type cannot hold ("NaN" in a DECIMAL,
// "infinity" in a TIMESTAMP), is an error saying what to do. The value
// may point into the column's buffer, until the next call.
func (c *parquetColumn) value(k facteur.Kind, v []byte) (parquet.Value, error) {
	if c.typ == pqString {
		return parquet.ByteArrayValue(c.utf8(v)), nil
	}
	if k != c.col.Kind {
		return parquet.Value{}, fmt.Errorf("a %s value (%s) in a column of %s values; cast the column to text in the query to keep every value", k, quoteShort(v), c.col.Kind)
	}
	switch c.typ {
	case pqInt64:
		n, err := strconv.ParseInt(string(v), 10, 64)
		if err != nil {
			return badValue(v, "a 64-bit integer")
		}
		return parquet.Int64Value(n), nil
	case pqUint64:
		n, err := strconv.ParseUint(string(v), 10, 64)
		if err != nil {
			return badValue(v, "an unsigned 64-bit integer")
		}
		return parquet.Int64Value(int64(n)), nil // the same bits, read as unsigned
	case pqDecimal32, pqDecimal64, pqDecimalFixed:
		return c.decimal(v)
	case pqFloat:
		f, err := strconv.ParseFloat(string(v), 32)
		if err != nil {
			return badValue(v, "a 32-bit float")
		}
		return parquet.FloatValue(float32(f)), nil
	case pqDouble:
		f, err := strconv.ParseFloat(string(v), 64)
		if err != nil {
			return badValue(v, "a 64-bit float")
		}
		return parquet.DoubleValue(f), nil
	case pqBool:
		switch string(v) {
		case "true":
			return parquet.BooleanValue(true), nil
		case "false":
			return parquet.BooleanValue(false), nil
		}
		return badValue(v, "a boolean")
	case pqTimestamp:
		if t, ok := parseCanonTime(v); ok && t.clock && t.zoned {
			return exactMicros(t, v, "a TIMESTAMP")
		}
		t, err := time.Parse(time.RFC3339Nano, string(v))
		if err != nil { // an offset in seconds, as a zone's local mean time before 1900 has
			t, err = time.Parse("2006-01-02T15:04:05.999999999-07:00:00", string(v))
		}
		return micros(t, err, v, "a TIMESTAMP")
	case pqDateTime:
		if t, ok := parseCanonTime(v); ok && t.clock && !t.zoned {
			return exactMicros(t, v, "a TIMESTAMP")
		}
		t, err := time.Parse("2006-01-02T15:04:05", string(v))
		return micros(t, err, v, "a TIMESTAMP")
	case pqDate:
		if t, ok := parseCanonTime(v); ok && !t.clock {
			return parquet.Int32Value(int32(t.days)), nil
		}
		t, err := time.Parse(time.DateOnly, string(v))
		if err != nil {
			return badValue(v, "a DATE")
		}
		return parquet.Int32Value(int32(t.Unix() / 86400)), nil
	case pqTime:
		us, ok := clockMicros(v)
		if !ok {
			return badValue(v, "a TIME")
		}
		return parquet.Int64Value(us), nil
	case pqBytes:
		b, err := base64.StdEncoding.AppendDecode(c.buf[:0], v)
		if err != nil {
			return badValue(v, "base64 bytes")
		}
		c.buf = b
		return parquet.ByteArrayValue(b), nil
	case pqJSON:
		if !c.json.valid(v) {
			return badValue(v, "a JSON document")
		}
		return parquet.ByteArrayValue(c.utf8(v)), nil
	}
	return parquet.ByteArrayValue(v), nil
}

// utf8 returns v with each byte that is not UTF-8 replaced by U+FFFD, as
// in JSON: a Parquet STRING or JSON holds UTF-8, and readers refuse a file
// that does not.
func (c *parquetColumn) utf8(v []byte) []byte {
	if utf8.Valid(v) {
		return v
	}
	c.buf = c.buf[:0]
	for len(v) > 0 {
		r, size := utf8.DecodeRune(v)
		if r == utf8.RuneError && size == 1 {
			c.buf = utf8.AppendRune(c.buf, utf8.RuneError)
		} else {
			c.buf = append(c.buf, v[:size]...)
		}
		v = v[size:]
	}
	return c.buf
}

// micros returns t as microseconds since 1970, failing when it could not
// be parsed or has a finer fraction than a microsecond.
func micros(t time.Time, err error, v []byte, what string) (parquet.Value, error) {
	if err != nil || t.Nanosecond()%1000 != 0 {
		return badValue(v, what+" in microseconds")
	}
	return parquet.Int64Value(t.UnixMicro()), nil
}

// exactMicros returns t as microseconds since 1970, failing when it has a
// finer fraction than a microsecond.
func exactMicros(t canonTime, v []byte, what string) (parquet.Value, error) {
	if t.nanos%1000 != 0 {
		return badValue(v, what+" in microseconds")
	}
	return parquet.Int64Value(t.unix()*1e6 + int64(t.nanos/1000)), nil
}

// clockMicros parses a time of day, "HH:MM:SS" with up to six fractional
// digits, up to 24:00:00 (which PostgreSQL allows), as microseconds.
func clockMicros(v []byte) (int64, bool) {
	if len(v) < 8 || v[2] != ':' || v[5] != ':' {
		return 0, false
	}
	h, m, s := digits2(v[0:2]), digits2(v[3:5]), digits2(v[6:8])
	if h < 0 || m < 0 || s < 0 || h > 24 || m > 59 || s > 59 {
		return 0, false
	}
	us := int64((h*60+m)*60+s) * 1e6
	if frac := v[8:]; len(frac) > 0 {
		if frac[0] != '.' || len(frac) < 2 || len(frac) > 7 {
			return 0, false
		}
		scale := int64(1e5)
		for _, d := range frac[1:] {
			if d < '0' || d > '9' {
				return 0, false
			}
			us += int64(d-'0') * scale
			scale /= 10
		}
	}
	return us, us <= 24*3600*1e6
}

func digits2(b []byte) int {
	if b[0] < '0' || b[0] > '9' || b[1] < '0' || b[1] > '9' {
		return -1
	}
	return int(b[0]-'0')*10 + int(b[1]-'0')
}

// decimal returns v, a decimal's canonical text ("-12.50"), as the
// column's DECIMAL(p, s): the integer v·10^s, failing when v has more
// digits than p, significant digits past s, or is not a number ("NaN").
func (c *parquetColumn) decimal(v []byte) (parquet.Value, error) {
	if len(v) == 0 {
		return badValue(v, "a number")
	}
	var hi, lo uint64 // the unscaled value, as an unsigned 128-bit integer
	neg, digits, frac, point := false, 0, 0, false
	for i, d := range v {
		switch {
		case d == '-' && i == 0:
			neg = true
		case d == '.' && !point && i > 0 && v[i-1] != '-':
			point = true
		case d >= '0' && d <= '9':
			if point {
				frac++
				if frac > c.col.Scale {
					if d != '0' {
						return badValue(v, fmt.Sprintf("a DECIMAL(%d,%d) without rounding", c.col.Precision, c.col.Scale))
					}
					continue // a trailing zero past the scale says nothing
				}
			}
			if digits > 0 || d != '0' {
				digits++
			}
			if digits > parquetMaxPrecision {
				return badValue(v, fmt.Sprintf("a DECIMAL(%d,%d)", c.col.Precision, c.col.Scale))
			}
			hi, lo = mul10add(hi, lo, uint64(d-'0'))
		default:
			return badValue(v, fmt.Sprintf("a DECIMAL(%d,%d)", c.col.Precision, c.col.Scale))
		}
	}
	if v[len(v)-1] == '.' || v[len(v)-1] == '-' {
		return badValue(v, fmt.Sprintf("a DECIMAL(%d,%d)", c.col.Precision, c.col.Scale))
	}
	for ; frac < c.col.Scale; frac++ {
		if digits > 0 {
			digits++
		}
		hi, lo = mul10add(hi, lo, 0)
	}
	if digits > c.col.Precision {
		return badValue(v, fmt.Sprintf("a DECIMAL(%d,%d)", c.col.Precision, c.col.Scale))
	}
	if neg { // two's complement
		hi, lo = ^hi, ^lo
		var carry uint64
		lo, carry = bits.Add64(lo, 1, 0)
		hi += carry
	}
	switch c.typ {
	case pqDecimal32:
		return parquet.Int32Value(int32(lo)), nil
	case pqDecimal64:
		return parquet.Int64Value(int64(lo)), nil
	}
	var be [16]byte
	for i := range 8 {
		be[7-i] = byte(hi >> (8 * i))
		be[15-i] = byte(lo >> (8 * i))
	}
	c.buf = append(c.buf[:0], be[16-c.width:]...)
	return parquet.FixedLenByteArrayValue(c.buf), nil
}

// mul10add returns (hi, lo)·10 + d; the caller keeps it below 10^38.
func mul10add(hi, lo, d uint64) (uint64, uint64) {
	h, l := bits.Mul64(lo, 10)
	h += hi * 10
	l, carry := bits.Add64(l, d, 0)
	return h + carry, l
}

// badValue says that v is not what the column holds.
func badValue(v []byte, what string) (parquet.Value, error) {
	return parquet.Value{}, fmt.Errorf("%s is not %s; cast the column to text in the query to keep it as it is", quoteShort(v), what)
}

// quoteShort quotes v, cut to 40 bytes, for messages.
func quoteShort(v []byte) string {
	if len(v) > 40 {
		return strconv.Quote(string(v[:40])) + "…"
	}
	return strconv.Quote(string(v))
}
