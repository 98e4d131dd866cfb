package calendar

import (
	"fmt"
	"strings"
	"time"

	"github.com/adhocore/gronx"
	"github.com/facteur/facteur"
)

// cronField names the five fields of a cron expression and what each takes.
func cronField(i int) (name, hint string) {
	switch i {
	case 0:
		return "minute", "use 0-59, e.g. 0, */15 or 0,30"
	case 1:
		return "hour", "use 0-23, e.g. 6 or 8-18"
	case 2:
		return "day-of-month", "use 1-31, L for the last day or 15W for the nearest weekday"
	case 3:
		return "month", "use 1-12 or jan-dec"
	default:
		return "day-of-week", "use 0-7 (0 and 7 are Sunday) or sun-sat, e.g. 1-5"
	}
}

const cronUsage = "five fields: minute hour day-of-month month day-of-week, e.g. \"30 6 * * 1-5\""

// checkCron accepts a standard five-field cron expression, or one of the
// shorthands that stand for one (@daily, @hourly, …), and says which field
// is wrong otherwise.
func checkCron(expr string) error {
	fields := strings.Fields(expr)
	switch {
	case len(fields) == 0:
		return facteur.Errorf(facteur.EINVALID, "calendar.cron: give a cron expression of %s", cronUsage)
	case len(fields) == 1 && strings.HasPrefix(fields[0], "@"):
		// gronx expands the shorthand and prepends a "0" seconds field to a
		// five-field expansion; "@everysecond" expands to six fields.
		segs, err := gronx.Segments(expr)
		if err != nil || len(segs) != 6 || segs[0] != "0" || !gronx.IsValid(expr) {
			return facteur.Errorf(facteur.EINVALID, "calendar.cron: unknown shorthand %q; use @hourly, @daily, @weekly, @monthly or @yearly, or %s", fields[0], cronUsage)
		}
		return nil
	case len(fields) == 6:
		return facteur.Errorf(facteur.EINVALID, "calendar.cron: %q has 6 fields: seconds and years are not supported; use %s", expr, cronUsage)
	case len(fields) != 5:
		return facteur.Errorf(facteur.EINVALID, "calendar.cron: %q has %d fields; use %s", expr, len(fields), cronUsage)
	}
	segs, err := gronx.Segments(expr) // upper-cased, names replaced by numbers, seconds prepended
	if err != nil || len(segs) != 6 {
		return facteur.Errorf(facteur.EINVALID, "calendar.cron: %q is not a valid cron expression; use %s", expr, cronUsage)
	}
	// gronx's checker stops at the first list item that matches its
	// reference time, so check each item alone: validity must not depend on
	// the date.
	checker := &gronx.SegmentChecker{}
	checker.SetRef(time.Date(2000, time.January, 3, 0, 0, 0, 0, time.UTC))
	for i, seg := range segs[1:] {
		for _, part := range strings.Split(seg, ",") {
			_, err := checker.CheckDue(part, i+1)
			if part == "" || err != nil {
				name, hint := cronField(i)
				return facteur.Errorf(facteur.EINVALID, "calendar.cron: the %s field %q is not valid; %s", name, fields[i], hint)
			}
		}
	}
	if !gronx.IsValid(expr) {
		return facteur.Errorf(facteur.EINVALID, "calendar.cron: %q is not a valid cron expression; use %s", expr, cronUsage)
	}
	return nil
}

// nextCron returns the first instant strictly after `after` of a civil slot
// of r's cron expression. wall is after's wall-clock time in r.loc and limit
// the wall-clock time where the search stops.
//
// gronx computes on a UTC time that carries the local wall clock, so that it
// sees every civil minute exactly once whatever the zone does; each slot is
// then mapped to an instant by firstAtOrAfter.
func (r *rule) nextCron(after, wall, limit time.Time) (time.Time, error) {
	cur := wall
	for {
		slot, err := gronx.NextTickAfter(r.cron, cur, false)
		if err != nil {
			return time.Time{}, facteur.WrapError(facteur.EINVALID, fmt.Errorf("cron %q: %w", r.cron, err), "calendar: no run time in the next years")
		}
		if !slot.After(cur) || slot.After(limit) {
			return time.Time{}, facteur.Errorf(facteur.EINVALID, "calendar: no run time in the next years")
		}
		if t := firstAtOrAfter(slot, r.loc); t.After(after) {
			return t.UTC(), nil
		}
		// Slots of a repeated hour map before `after`: keep looking.
		cur = slot
	}
}
