// Package calendar turns a schedule's facteur.Calendar (PRODUCT E1–E5) into
// run times: the next slot, a preview of the next few, and a sentence that
// says when a schedule runs.
//
// Every rule is read on the wall clock of the calendar's time zone: "daily at
// 02:30 in Europe/Paris" means whenever a clock in Paris shows 02:30. A slot
// is then mapped to an instant by one rule (E4): it runs at the first instant
// at which the local clock shows the slot's time or a later one. So
//
//   - a time that occurs once runs at that instant;
//   - a time that occurs twice (clocks go back) runs once, at its first
//     occurrence: 2025-10-26 02:30 in Paris runs at 02:30 CEST, 00:30Z;
//   - a time that does not occur (clocks go forward) runs once, at the end
//     of the gap: 2025-03-30 02:30 in Paris runs at 03:00 CEST, 01:00Z.
//
// Cron expressions follow the same rule: each civil slot of the expression
// runs once, so "*/15 * * * *" has no runs during the repeated hour's second
// pass and a single run at the end of a skipped hour. Cron expressions are
// parsed by github.com/adhocore/gronx: five fields, with the usual day-of-month
// OR day-of-week rule when both are restricted, and gronx's L, W and #
// extensions.
package calendar

import (
	"time"
	_ "time/tzdata" // zones work on machines without a zoneinfo database

	"github.com/facteur/facteur"
)

// MaxPreview is the largest number of run times Preview returns.
const MaxPreview = 1000

// searchYears bounds the search for the next slot. Every calendar that can
// run at all runs within 8 years of any instant: a leap day comes back within
// 8 years even across 2100.
const searchYears = 8

// rule is a validated calendar, ready to compute slots.
type rule struct {
	freq   string
	loc    *time.Location
	at     time.Duration // time of day, after local midnight
	days   [7]bool       // indexed by time.Weekday
	months [13]bool      // indexed by time.Month; index 0 unused
	dom    int           // day of month, 1–31 or -1 for the last day
	cron   string

	// Working days (E9); work is nil for a calendar that ignores them.
	work     *workdays
	onClosed string
	nth      int  // the Nth working day of a "workday" calendar
	quarter  bool // it counts in quarters, not months
	nthCache map[time.Time]time.Time
	cronSeen [][2]time.Time // slots found, with where the search began
}

// Next returns the first run time of c strictly after `after`, in UTC. It
// fails with EINVALID when c is not valid or has no run time within the next
// years (a cron expression such as "0 0 30 2 *").
func Next(c facteur.Calendar, after time.Time) (time.Time, error) {
	r, err := compile(c)
	if err != nil {
		return time.Time{}, err
	}
	return r.next(after)
}

// Preview returns the next n run times of c strictly after `after`, in UTC
// and strictly increasing. It fails with EINVALID when c is not valid, when n
// is not between 1 and MaxPreview, or when c has no run time within the next
// years. It returns fewer than n times only for a rare cron expression whose
// later runs are years apart (leap days that fall on a Sunday).
func Preview(c facteur.Calendar, after time.Time, n int) ([]time.Time, error) {
	if n < 1 || n > MaxPreview {
		return nil, facteur.Errorf(facteur.EINVALID, "preview: ask for 1 to %d run times", MaxPreview)
	}
	r, err := compile(c)
	if err != nil {
		return nil, err
	}
	out := make([]time.Time, 0, n)
	for range n {
		t, err := r.next(after)
		if err != nil {
			if len(out) > 0 {
				// A calendar that ran once has more runs; only a bounded
				// cron search can stop here (e.g. leap days on a Sunday).
				return out, nil
			}
			return nil, err
		}
		out = append(out, t)
		after = t
	}
	return out, nil
}
