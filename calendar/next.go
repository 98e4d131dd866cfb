package calendar

import (
	"time"

	"github.com/facteur/facteur"
)

// next returns the first run time strictly after `after`, in UTC.
//
// It walks civil slots from the civil day of `after` on and returns the
// first whose instant (firstAtOrAfter) is after `after`. A slot before
// after's wall clock maps at or before `after`, so no earlier day needs a
// look; slots of a repeated hour may map before `after` too and are skipped.
func (r *rule) next(after time.Time) (time.Time, error) {
	wall := wallClock(after, r.loc)
	limit := wall.AddDate(searchYears, 0, 0)
	if r.moves() {
		return r.nextWorking(after)
	}
	if r.freq == facteur.Cron {
		return r.nextCron(after, wall, limit)
	}
	for day := wall.Truncate(24 * time.Hour); !day.After(limit); day = day.AddDate(0, 0, 1) {
		if !r.matches(day) {
			continue
		}
		if t := firstAtOrAfter(day.Add(r.at), r.loc); t.After(after) {
			return t.UTC(), nil
		}
	}
	return time.Time{}, facteur.Errorf(facteur.EINVALID, "calendar: no run time in the next years")
}

// matches reports whether a daily, weekly or monthly rule runs on the civil
// day `day` (midnight, UTC-carried).
func (r *rule) matches(day time.Time) bool {
	if r.freq != facteur.Monthly {
		return r.days[day.Weekday()]
	}
	if !r.months[day.Month()] {
		return false
	}
	last := daysIn(day.Year(), day.Month())
	want := r.dom
	if want == -1 || want > last {
		// The last day, or a day the month does not have: its last day.
		want = last
	}
	return day.Day() == want
}

// daysIn returns the number of days of a month.
func daysIn(year int, m time.Month) int {
	return time.Date(year, m+1, 0, 0, 0, 0, 0, time.UTC).Day()
}
