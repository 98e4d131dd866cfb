package source

import (
	"encoding/binary"
	"math"
	"strconv"
	"time"
)

// Some types are asked for in PostgreSQL's binary format and written as
// text here: printing a timestamptz was about a quarter of the server's
// CPU in a whole-table export (timestamptz_out converts to the session's
// zone and formats, for every row), and the server's CPU is what bounds an
// export on a machine whose client and server share the cores. The text
// written here is the canonical text the text format gives (see
// appendPgTimestamp): TestPostgresBinaryMatchesText checks both on the
// same values, in zones with odd offsets, before 1900 and after 2037.
//
// The zone of timestamptz is Facteur's own zone database (as for MySQL),
// which is the IANA database PostgreSQL uses too (the machine's, or the
// copy built into Facteur).

// pgBinary says how a value in binary format becomes canonical text;
// pgText means the column is read in text format.
type pgBinary uint8

const (
	pgText pgBinary = iota
	pgBinBool
	pgBinInt2
	pgBinInt4
	pgBinInt8
	pgBinDate
	pgBinTimestamp
	pgBinTimestamptz
)

// pgBinaryOf returns how a column of type oid is read in binary format, or
// pgText.
func pgBinaryOf(oid uint32) pgBinary {
	switch oid {
	case 16:
		return pgBinBool
	case 21:
		return pgBinInt2
	case 23:
		return pgBinInt4
	case 20:
		return pgBinInt8
	case 1082:
		return pgBinDate
	case 1114:
		return pgBinTimestamp
	case 1184:
		return pgBinTimestamptz
	}
	return pgText
}

// appendPgBinary appends the canonical text of v, a value of kind b in
// binary format; ok is false when v has the wrong length.
func appendPgBinary(dst, v []byte, b pgBinary, loc *time.Location) ([]byte, bool) {
	switch b {
	case pgBinBool:
		if len(v) != 1 {
			return dst, false
		}
		return strconv.AppendBool(dst, v[0] != 0), true
	case pgBinInt2:
		if len(v) != 2 {
			return dst, false
		}
		return strconv.AppendInt(dst, int64(int16(binary.BigEndian.Uint16(v))), 10), true
	case pgBinInt4:
		if len(v) != 4 {
			return dst, false
		}
		return strconv.AppendInt(dst, int64(int32(binary.BigEndian.Uint32(v))), 10), true
	case pgBinInt8:
		if len(v) != 8 {
			return dst, false
		}
		return strconv.AppendInt(dst, int64(binary.BigEndian.Uint64(v)), 10), true
	case pgBinDate:
		if len(v) != 4 {
			return dst, false
		}
		return appendPgDate(dst, int32(binary.BigEndian.Uint32(v))), true
	case pgBinTimestamp, pgBinTimestamptz:
		if len(v) != 8 {
			return dst, false
		}
		if b == pgBinTimestamp {
			loc = nil
		}
		return appendPgMicros(dst, int64(binary.BigEndian.Uint64(v)), loc), true
	}
	return dst, false
}

const (
	// pgEpochDays is PostgreSQL's epoch for dates and timestamps,
	// 2000-01-01, in days since 1970-01-01.
	pgEpochDays   = 10957
	secondsPerDay = 86400
)

// appendPgDate appends a date given in days since 2000-01-01 as
// PostgreSQL's ISO text: "2024-03-31", "0044-03-15 BC", "infinity".
func appendPgDate(dst []byte, days int32) []byte {
	switch days {
	case math.MaxInt32:
		return append(dst, "infinity"...)
	case math.MinInt32:
		return append(dst, "-infinity"...)
	}
	dst, bc := appendCivilDate(dst, int64(days)+pgEpochDays)
	if bc {
		dst = append(dst, " BC"...)
	}
	return dst
}

// appendPgMicros appends a timestamp given in microseconds since
// 2000-01-01 as canonical text: "2024-03-31T03:00:00.5+02:00" in loc, or
// without an offset when loc is nil (timestamp without time zone).
func appendPgMicros(dst []byte, us int64, loc *time.Location) []byte {
	switch us {
	case math.MaxInt64:
		return append(dst, "infinity"...)
	case math.MinInt64:
		return append(dst, "-infinity"...)
	}
	secs, frac := floorDivMod(us, 1_000_000)
	secs += pgEpochDays * secondsPerDay
	off := 0
	if loc != nil && loc != time.UTC {
		_, off = time.Unix(secs, 0).In(loc).Zone()
	}
	days, sod := floorDivMod(secs+int64(off), secondsPerDay)
	dst, bc := appendCivilDate(dst, days)
	dst = append(dst, 'T')
	dst = append2(dst, int(sod/3600))
	dst = append(dst, ':')
	dst = append2(dst, int(sod/60%60))
	dst = append(dst, ':')
	dst = append2(dst, int(sod%60))
	if frac != 0 {
		var f [7]byte
		f[0] = '.'
		n := frac
		for i := 6; i >= 1; i-- {
			f[i] = byte('0' + n%10)
			n /= 10
		}
		end := 7
		for f[end-1] == '0' {
			end--
		}
		dst = append(dst, f[:end]...)
	}
	if loc != nil {
		dst = appendOffset(dst, off)
	}
	if bc {
		dst = append(dst, " BC"...)
	}
	return dst
}

// appendCivilDate appends the proleptic Gregorian date of days since
// 1970-01-01 as "YYYY-MM-DD", with the year numbered as PostgreSQL prints
// it: years before 1 are 1 BC, 2 BC, … (bc is then true). Years have at
// least four digits.
func appendCivilDate(dst []byte, days int64) ([]byte, bool) {
	// Howard Hinnant's civil_from_days.
	z := days + 719468
	era, doe := floorDivMod(z, 146097)
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	y := yoe + era*400
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	d := doy - (153*mp+2)/5 + 1
	m := mp + 3
	if m > 12 {
		m -= 12
	}
	if m <= 2 {
		y++
	}
	bc := y <= 0
	if bc {
		y = 1 - y
	}
	if y < 1000 {
		dst = append(dst, byte('0'+y/100/10), byte('0'+y/100%10))
		dst = append2(dst, int(y%100))
	} else {
		dst = strconv.AppendInt(dst, y, 10)
	}
	dst = append(dst, '-')
	dst = append2(dst, int(m))
	dst = append(dst, '-')
	dst = append2(dst, int(d))
	return dst, bc
}

// floorDivMod returns the quotient rounded down and the remainder (0 to
// d-1) of n / d, for d > 0.
func floorDivMod(n, d int64) (int64, int64) {
	q, r := n/d, n%d
	if r < 0 {
		q, r = q-1, r+d
	}
	return q, r
}
