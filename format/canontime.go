package format

// canonTime is a date, a date and time or an instant read from its
// canonical text (README "Values"): "2024-03-31",
// "2024-03-31T02:30:00.125" or "2024-03-31T02:30:00.125+02:00".
type canonTime struct {
	year, month int
	days        int64 // since 1970-01-01, of the date as written
	clock       bool  // a time of day follows the date
	secs        int   // seconds into the day, as written
	nanos       int   // the fraction of the second, in nanoseconds
	fracDigits  int   // digits of the fraction as written
	zoned       bool  // an offset follows
	offset      int   // seconds east of UTC
}

// unix returns the instant's seconds since 1970-01-01 UTC; for a text
// without offset, those of the same wall-clock time in UTC.
func (t canonTime) unix() int64 {
	return t.days*86400 + int64(t.secs) - int64(t.offset)
}

// parseCanonTime reads v, a date ("2024-03-31"), a date and time
// ("2024-03-31T02:30:00", with up to nine fractional digits) or one with
// an offset ("±HH:MM" or "±HH:MM:SS"), years 0000 to 9999. It reports
// false for any other text ("infinity", a 31 April, 24:00:00, "Z"):
// it runs for every value of a date column, where time.Parse would cost
// more than the rest of the value's way.
func parseCanonTime(v []byte) (canonTime, bool) {
	var t canonTime
	if len(v) < 10 || !digits(v[0:4]) || v[4] != '-' || !digits(v[5:7]) || v[7] != '-' || !digits(v[8:10]) {
		return t, false
	}
	year, month, day := atoi(v[0:4]), atoi(v[5:7]), atoi(v[8:10])
	if month < 1 || month > 12 || day < 1 || day > daysIn(year, month) {
		return t, false
	}
	t.year, t.month, t.days = year, month, daysSinceEpoch(year, month, day)
	if len(v) == 10 {
		return t, true
	}
	if len(v) < 19 || v[10] != 'T' || !digits(v[11:13]) || v[13] != ':' || !digits(v[14:16]) || v[16] != ':' || !digits(v[17:19]) {
		return t, false
	}
	h, m, s := atoi(v[11:13]), atoi(v[14:16]), atoi(v[17:19])
	if h > 23 || m > 59 || s > 59 {
		return t, false
	}
	t.clock, t.secs = true, h*3600+m*60+s
	rest := v[19:]
	if len(rest) > 0 && rest[0] == '.' {
		n := 1
		for n < len(rest) && rest[n] >= '0' && rest[n] <= '9' {
			if n > 9 {
				return t, false
			}
			t.nanos = t.nanos*10 + int(rest[n]-'0')
			n++
		}
		if n == 1 {
			return t, false
		}
		t.fracDigits = n - 1
		for range 9 - t.fracDigits {
			t.nanos *= 10
		}
		rest = rest[n:]
	}
	if len(rest) > 0 {
		off, ok := parseOffset(rest)
		if !ok {
			return t, false
		}
		t.zoned, t.offset = true, off
	}
	return t, true
}
