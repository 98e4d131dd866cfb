package format

import (
	"strconv"
	"time"

	"github.com/facteur/facteur"
)

// Date cells. A spreadsheet keeps a date as a number, the days since
// 1899-12-30 (Excel's 1900 date system, which LibreOffice and openpyxl read
// alike from 1 March 1900 on), with the time of day as its fraction, and
// shows it by its number format. Facteur writes dates, date-times and
// timestamps so, in the export's time zone, to the millisecond: what
// spreadsheets hold and readers such as openpyxl read back.

// The styles of date cells (indices into cellXfs of stylesXML).
const (
	styleDate       = "2" // yyyy-mm-dd
	styleDateTime   = "3" // yyyy-mm-dd hh:mm:ss
	styleDateTimeMS = "4" // yyyy-mm-dd hh:mm:ss.000
)

// excelEpoch is day 0 of the serial numbers, as days since 1970-01-01.
const excelEpoch = -25569

// isDateKind reports whether values of kind k can be date cells.
func isDateKind(k facteur.Kind) bool {
	return k == facteur.KindDate || k == facteur.KindDateTime || k == facteur.KindTimestamp
}

// appendSerial appends the serial number of v, the canonical text of a
// date ("2024-03-31"), a date and time ("2024-03-31T02:30:00.125") or an
// instant with its offset ("…+02:00"), and returns the style that shows
// it. An instant is written as the wall-clock time of loc; a date and time
// without offset as it is. Fractions finer than a millisecond are cut. It
// reports false, leaving dst as it was, for any other text ("infinity",
// "someday") and for days before 1 March 1900 or after 9999, which stay
// text: spreadsheets cannot hold them, or disagree about them by a day
// (Excel counts a 29 February 1900 that did not exist).
func appendSerial(dst, v []byte, loc *time.Location) ([]byte, string, bool) {
	t, ok := parseCanonTime(v)
	if !ok || (t.zoned && !t.clock) {
		return dst, "", false
	}
	year, month, days := t.year, t.month, t.days
	if !t.clock {
		if !serialRange(year, month) {
			return dst, "", false
		}
		return strconv.AppendInt(dst, days-excelEpoch, 10), styleDate, true
	}
	ms := t.nanos / 1e6
	secs := days*86400 + int64(t.secs)
	if t.zoned {
		// The same instant on loc's wall clock.
		_, shown := time.Unix(secs-int64(t.offset), 0).In(loc).Zone()
		secs += int64(shown - t.offset)
		days = floorDiv(secs, 86400)
		year, month, _ = civilDate(days)
	}
	if !serialRange(year, month) {
		return dst, "", false
	}
	style := styleDateTime
	if ms != 0 {
		style = styleDateTimeMS
	}
	// Whole days plus the fraction of the day, in milliseconds: the
	// shortest text of the nearest double reads back to the millisecond.
	serial := float64(days-excelEpoch) + float64((secs-days*86400)*1000+int64(ms))/86_400_000
	return strconv.AppendFloat(dst, serial, 'f', -1, 64), style, true
}

// parseOffset reads "±HH:MM" or "±HH:MM:SS" and returns it in seconds.
func parseOffset(z []byte) (int, bool) {
	if (len(z) != 6 && len(z) != 9) || (z[0] != '+' && z[0] != '-') || !digits(z[1:3]) || z[3] != ':' || !digits(z[4:6]) {
		return 0, false
	}
	h, m, s := atoi(z[1:3]), atoi(z[4:6]), 0
	if len(z) == 9 {
		if z[6] != ':' || !digits(z[7:9]) {
			return 0, false
		}
		s = atoi(z[7:9])
	}
	if h > 24 || m > 59 || s > 59 {
		return 0, false
	}
	off := h*3600 + m*60 + s
	if z[0] == '-' {
		off = -off
	}
	return off, true
}

// serialRange reports whether a day of that year and month is inside the
// range of serial numbers every reader agrees on: 1 March 1900 to 9999.
func serialRange(year, month int) bool {
	return (year > 1900 || year == 1900 && month >= 3) && year <= 9999
}

// daysSinceEpoch returns the days from 1970-01-01 to the given day of the
// proleptic Gregorian calendar (years 0 to 9999), by arithmetic: this runs
// for every date cell (Howard Hinnant's days_from_civil).
func daysSinceEpoch(year, month, day int) int64 {
	y := int64(year)
	if month <= 2 {
		y--
	}
	era := floorDiv(y, 400)
	yoe := y - era*400
	mp := int64((month + 9) % 12)
	doy := (153*mp+2)/5 + int64(day) - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return era*146097 + doe - 719468
}

// civilDate returns the year, month and day of the day that is days after
// 1970-01-01 (civil_from_days, the inverse of daysSinceEpoch).
func civilDate(days int64) (year, month, day int) {
	z := days + 719468
	era := floorDiv(z, 146097)
	doe := z - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	day = int(doy - (153*mp+2)/5 + 1)
	month = int(mp + 3)
	if month > 12 {
		month -= 12
	}
	year = int(yoe + era*400)
	if month <= 2 {
		year++
	}
	return year, month, day
}

// floorDiv divides a by b > 0, rounding down.
func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b < 0 {
		q--
	}
	return q
}

// daysIn returns the number of days of a month.
func daysIn(year, month int) int {
	switch month {
	case 2:
		if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
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
