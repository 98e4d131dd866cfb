package format

import (
	"testing"
	"time"
)

// FuzzCanonTime checks parseCanonTime against time.Parse: a text it takes
// is one time.Parse reads as the same day, instant and fraction, with the
// layout of its shape; and the canonical text of any instant time.Parse
// reads is taken.
func FuzzCanonTime(f *testing.F) {
	for _, s := range []string{
		"2024-03-31", "2024-02-29", "2023-02-29", "0000-01-01", "9999-12-31",
		"2024-03-31T02:30:00", "2024-03-31T02:30:00.125", "2024-03-31T02:30:00.123456789",
		"2024-03-31T02:30:00.1234567891", "2024-03-31T02:30:00+02:00", "1890-01-01T00:00:00+00:09:21",
		"2024-03-31T02:30:00.5-07:00", "2024-03-31T24:00:00", "2024-03-31T02:30:00Z", "2024-13-01",
		"2024-03-31T02:30:00.", "2024-03-31T02:30:00+2:00", "infinity", "", "2024-03-31 02:30:00",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		ct, ok := parseCanonTime([]byte(s))
		layout := "2006-01-02"
		if len(s) > 10 {
			layout = "2006-01-02T15:04:05.999999999"
			switch {
			case ct.zoned && len(s) >= 9 && s[len(s)-3] == ':' && s[len(s)-6] == ':':
				layout += "-07:00:00"
			case ct.zoned:
				layout += "-07:00"
			}
		}
		want, err := time.Parse(layout, s)
		if !ok {
			if err == nil && (len(s) == 10 || len(s) >= 19) && want.Year() >= 0 && want.Year() <= 9999 && s == want.Format(layout) {
				t.Fatalf("%q: refused, but time.Parse reads it as %v", s, want)
			}
			return
		}
		if err != nil {
			t.Fatalf("%q: taken, but time.Parse refuses it: %v", s, err)
		}
		if ct.unix() != want.Unix() || ct.nanos != want.Nanosecond() {
			t.Fatalf("%q: %d s %d ns, time.Parse says %d s %d ns", s, ct.unix(), ct.nanos, want.Unix(), want.Nanosecond())
		}
		if ct.year != want.Year() || ct.month != int(want.Month()) {
			t.Fatalf("%q: year %d month %d, time.Parse says %v", s, ct.year, ct.month, want)
		}
	})
}
