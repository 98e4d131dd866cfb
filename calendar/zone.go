package calendar

import "time"

// Civil (wall-clock) times are carried as time.Time values in UTC whose
// fields are the local clock's: 2025-03-30 02:30 in Paris is
// 2025-03-30T02:30:00Z. Arithmetic on them is plain calendar arithmetic,
// free of any zone's transitions.

// wallClock returns the civil time that a clock in loc shows at instant t.
func wallClock(t time.Time, loc *time.Location) time.Time {
	_, off := t.In(loc).Zone()
	return t.UTC().Add(time.Duration(off) * time.Second)
}

// firstAtOrAfter returns the first instant at which a clock in loc shows
// the civil time wall or a later one (PRODUCT E4):
//
//   - wall itself when it occurs once;
//   - its first occurrence when it occurs twice (clocks go back);
//   - the end of the gap when it does not occur (clocks go forward).
//
// The result is non-decreasing in wall, which lets Next stop at the first
// slot whose instant is after its argument.
func firstAtOrAfter(wall time.Time, loc *time.Location) time.Time {
	guess := time.Date(wall.Year(), wall.Month(), wall.Day(), wall.Hour(), wall.Minute(), wall.Second(), wall.Nanosecond(), loc)
	// time.Date picks one of the offsets around a transition, without saying
	// which: try the offset of guess's zone period and of both neighbours.
	start, end := guess.ZoneBounds()
	probes := []time.Time{guess}
	if !start.IsZero() {
		probes = append(probes, start.Add(-time.Nanosecond))
	}
	if !end.IsZero() {
		probes = append(probes, end)
	}
	var first time.Time
	for _, p := range probes {
		t := wall.Add(-offset(p))
		if wallClock(t, loc).Equal(wall) && (first.IsZero() || t.Before(first)) {
			first = t
		}
	}
	if !first.IsZero() {
		return first.In(loc)
	}
	// wall falls in a gap. guess lies on one side of it, so the transition
	// that opens the gap is a bound of guess's zone period; the gap, in civil
	// time, runs from the transition read with the old offset to the
	// transition read with the new one.
	for _, b := range []time.Time{start, end} {
		if b.IsZero() {
			continue
		}
		from, to := b.UTC().Add(offset(b.Add(-time.Nanosecond))), b.UTC().Add(offset(b))
		if !wall.Before(from) && wall.Before(to) {
			return b
		}
	}
	return guess // not reached with real zone data
}

// offset returns the UTC offset in effect at t in t's location.
func offset(t time.Time) time.Duration {
	_, off := t.Zone()
	return time.Duration(off) * time.Second
}
