package calendar

import (
	"fmt"
	"testing"
	"time"

	"github.com/facteur/facteur"
)

// FuzzNext checks, for random valid daily and monthly calendars, that Next
// is strictly after its argument, monotonic, returns the first run (nothing
// between `after` and it), and lands on the slot's time of day or, in a
// spring-forward gap, on the end of the gap.
func FuzzNext(f *testing.F) {
	zones := []string{"UTC", "Europe/Paris", "America/New_York", "Australia/Sydney", "Australia/Lord_Howe", "America/Santiago", "Asia/Kolkata", "Pacific/Apia", "America/St_Johns"}
	f.Add(false, uint8(0x1f), int8(0), uint16(0), uint8(2), uint8(30), uint8(1), int64(1743292800), uint32(3600))
	f.Add(true, uint8(0), int8(-1), uint16(0x0002), uint8(0), uint8(0), uint8(5), int64(1757203200), uint32(86400))
	f.Add(true, uint8(0), int8(31), uint16(0x0aaa), uint8(23), uint8(59), uint8(4), int64(1759536000), uint32(60))
	f.Add(false, uint8(0x7f), int8(0), uint16(0), uint8(1), uint8(30), uint8(2), int64(1762059600), uint32(1800))
	f.Fuzz(func(t *testing.T, monthlyCal bool, days uint8, dom int8, months uint16, hour, minute, zone uint8, after int64, delta uint32) {
		c := facteur.Calendar{
			Frequency: facteur.Daily,
			At:        fmt.Sprintf("%02d:%02d", hour%24, minute%60),
			TimeZone:  zones[int(zone)%len(zones)],
		}
		if monthlyCal {
			c.Frequency = facteur.Monthly
			c.DayOfMonth = int(dom) % 32
			if c.DayOfMonth <= 0 {
				c.DayOfMonth = -1
			}
			for m := 1; m <= 12; m++ {
				if months&(1<<m) != 0 {
					c.Months = append(c.Months, m)
				}
			}
		} else {
			for d, name := range []string{"sun", "mon", "tue", "wed", "thu", "fri", "sat"} {
				if days&(1<<d) != 0 {
					c.Days = append(c.Days, name)
				}
			}
		}
		// 1970 to 2100: the range where zone data means something.
		a := time.Unix(after%(130*365*86400), int64(delta%1000)*1e6).UTC()
		if a.Unix() < 0 {
			a = a.Add(130 * 365 * 24 * time.Hour)
		}
		b := a.Add(time.Duration(delta) * time.Second)

		x, err := Next(c, a)
		if err != nil {
			t.Fatalf("%s: Next(%s): %v", Describe(c), a.Format(time.RFC3339Nano), err)
		}
		if !x.After(a) {
			t.Fatalf("%s: Next(%s) = %s, not after", Describe(c), a.Format(time.RFC3339Nano), x.Format(time.RFC3339))
		}
		y, err := Next(c, b)
		if err != nil {
			t.Fatalf("%s: Next(%s): %v", Describe(c), b.Format(time.RFC3339Nano), err)
		}
		if y.Before(x) {
			t.Fatalf("%s: not monotonic: Next(%s) = %s but Next(%s) = %s", Describe(c),
				a.Format(time.RFC3339Nano), x.Format(time.RFC3339), b.Format(time.RFC3339Nano), y.Format(time.RFC3339))
		}
		if z, err := Next(c, x.Add(-time.Nanosecond)); err != nil || !z.Equal(x) {
			t.Fatalf("%s: Next(%s) = %s but Next(just before it) = %s, %v", Describe(c),
				a.Format(time.RFC3339Nano), x.Format(time.RFC3339), z.Format(time.RFC3339), err)
		}
		loc, _ := time.LoadLocation(c.TimeZone)
		local := x.In(loc)
		if got := local.Format("15:04"); got != c.At {
			if start, _ := local.ZoneBounds(); !start.Equal(x) {
				t.Fatalf("%s: Next(%s) = %s is neither at %s nor at the end of a gap", Describe(c),
					a.Format(time.RFC3339Nano), local.Format(time.RFC3339), c.At)
			}
		}
	})
}
