package calendar

import (
	"strings"
	"time"

	"github.com/facteur/facteur"
)

// Validate checks c and returns a *facteur.Error with code EINVALID whose
// message names the field to fix, e.g. "calendar.at: use HH:MM, 24-hour,
// e.g. 06:00". Fields that do not belong to c's frequency must be empty (a
// weekly calendar with days is refused rather than half understood). A cron
// expression that can never run, such as "0 0 30 2 *", is refused too.
func Validate(c facteur.Calendar) error {
	r, err := compile(c)
	if err != nil {
		return err
	}
	if r.freq == facteur.Cron || r.moves() {
		// Any expression that runs at all runs within searchYears of any
		// instant, so a fixed reference keeps Validate deterministic.
		ref := time.Date(2000, time.January, 1, 0, 0, 0, 0, time.UTC)
		if _, err := r.next(ref); err != nil {
			switch {
			case r.freq == facteur.Workday:
				return facteur.Errorf(facteur.EINVALID, "calendar.workday: no %s has a working day number %d here; choose a smaller number", periodName(r.quarter), c.Workday)
			case r.onClosed == facteur.OnClosedSkip:
				return facteur.Errorf(facteur.EINVALID, "calendar.on_closed: every slot falls on a non-working day and is skipped; choose next or previous, or other days")
			case r.freq == facteur.Cron:
				return facteur.Errorf(facteur.EINVALID, "calendar.cron: %q never runs; check the day-of-month and month fields", c.Cron)
			}
			return facteur.Errorf(facteur.EINVALID, "calendar.region: the calendar never runs on a working day; check the region and closure lists")
		}
	}
	return nil
}

// compile validates c and returns the rule that computes its slots. It does
// not check that a cron expression ever runs: Next says so when it does not.
func compile(c facteur.Calendar) (*rule, error) {
	r := &rule{freq: c.Frequency}
	switch c.Frequency {
	case facteur.Daily, facteur.Weekly, facteur.Monthly, facteur.Cron, facteur.Workdays, facteur.Workday:
	default:
		return nil, facteur.Errorf(facteur.EINVALID, "calendar.frequency: use daily, weekly, monthly, cron, workdays (every working day) or workday (the Nth working day of the month or quarter)")
	}
	if err := checkUnused(c); err != nil {
		return nil, err
	}
	loc, err := parseZone(c.TimeZone)
	if err != nil {
		return nil, err
	}
	r.loc = loc
	if r.at, err = parseAt(c.At); err != nil {
		return nil, err
	}

	switch c.Frequency {
	case facteur.Daily:
		for _, d := range c.Days {
			if err := addDays(&r.days, d); err != nil {
				return nil, err
			}
		}
		if len(c.Days) == 0 {
			r.days = [7]bool{true, true, true, true, true, true, true}
		}
	case facteur.Weekly:
		if strings.TrimSpace(c.Weekday) == "" {
			return nil, facteur.Errorf(facteur.EINVALID, "calendar.weekday: choose a day: mon, tue, wed, thu, fri, sat or sun")
		}
		wd, ok := parseWeekday(c.Weekday)
		if !ok {
			return nil, facteur.Errorf(facteur.EINVALID, "calendar.weekday: unknown day %q; use mon, tue, wed, thu, fri, sat or sun", c.Weekday)
		}
		r.days[wd] = true
	case facteur.Monthly:
		switch {
		case c.DayOfMonth == 0:
			return nil, facteur.Errorf(facteur.EINVALID, "calendar.day_of_month: choose a day of the month, 1 to 31, or -1 for the last day")
		case c.DayOfMonth != -1 && (c.DayOfMonth < 1 || c.DayOfMonth > 31):
			return nil, facteur.Errorf(facteur.EINVALID, "calendar.day_of_month: use 1 to 31, or -1 for the last day (got %d)", c.DayOfMonth)
		}
		r.dom = c.DayOfMonth
		for _, m := range c.Months {
			if m < 1 || m > 12 {
				return nil, facteur.Errorf(facteur.EINVALID, "calendar.months: use month numbers 1 to 12 (got %d)", m)
			}
			r.months[m] = true
		}
		if len(c.Months) == 0 {
			for m := 1; m <= 12; m++ {
				r.months[m] = true
			}
		}
	case facteur.Cron:
		if err := checkCron(c.Cron); err != nil {
			return nil, err
		}
		r.cron = c.Cron
	}
	if err := r.compileWork(c); err != nil {
		return nil, err
	}
	return r, nil
}

// checkUnused refuses the fields that c's frequency does not read, so that a
// calendar never means something other than what its author saw.
func checkUnused(c facteur.Calendar) error {
	f := c.Frequency
	switch {
	case len(c.Days) > 7:
		return facteur.Errorf(facteur.EINVALID, "calendar.days: at most the 7 days of the week")
	case len(c.Months) > 12:
		return facteur.Errorf(facteur.EINVALID, "calendar.months: at most the 12 months of the year")
	case len(c.Cron) > facteur.MaxCronLen:
		return facteur.Errorf(facteur.EINVALID, "calendar.cron: at most %d bytes; a cron expression has five short fields", facteur.MaxCronLen)
	case len(c.Days) > 0 && f != facteur.Daily:
		return facteur.Errorf(facteur.EINVALID, "calendar.days: only a daily calendar takes days; leave it empty for a %s one", f)
	case c.Weekday != "" && f != facteur.Weekly:
		return facteur.Errorf(facteur.EINVALID, "calendar.weekday: only a weekly calendar takes a weekday; leave it empty for a %s one", f)
	case len(c.Months) > 0 && f != facteur.Monthly:
		return facteur.Errorf(facteur.EINVALID, "calendar.months: only a monthly calendar takes months; leave it empty for a %s one", f)
	case c.DayOfMonth != 0 && f != facteur.Monthly:
		return facteur.Errorf(facteur.EINVALID, "calendar.day_of_month: only a monthly calendar takes a day of the month; leave it empty for a %s one", f)
	case c.Cron != "" && f != facteur.Cron:
		return facteur.Errorf(facteur.EINVALID, "calendar.cron: only a cron calendar takes a cron expression; leave it empty for a %s one", f)
	case c.Workday != 0 && f != facteur.Workday:
		return facteur.Errorf(facteur.EINVALID, "calendar.workday: only a workday calendar takes the number of a working day; leave it empty for a %s one", f)
	case c.Period != "" && f != facteur.Workday:
		return facteur.Errorf(facteur.EINVALID, "calendar.period: only a workday calendar counts in a period; leave it empty for a %s one", f)
	case c.At != "" && f == facteur.Cron:
		return facteur.Errorf(facteur.EINVALID, "calendar.at: a cron calendar takes its times from the expression; leave at empty")
	}
	return nil
}

// parseZone loads an IANA zone by the rule of facteur.LoadZone; "" is UTC.
func parseZone(name string) (*time.Location, error) {
	return facteur.LoadZone("calendar.time_zone", name)
}

// parseAt reads "HH:MM" (24-hour, two digits each) as a time of day; "" is
// midnight.
func parseAt(s string) (time.Duration, error) {
	if s == "" {
		return 0, nil
	}
	digit := func(b byte) (int, bool) { return int(b - '0'), b >= '0' && b <= '9' }
	bad := facteur.Errorf(facteur.EINVALID, "calendar.at: use HH:MM, 24-hour, e.g. 06:00")
	if len(s) != 5 || s[2] != ':' {
		return 0, bad
	}
	h1, ok1 := digit(s[0])
	h2, ok2 := digit(s[1])
	m1, ok3 := digit(s[3])
	m2, ok4 := digit(s[4])
	h, m := h1*10+h2, m1*10+m2
	if !ok1 || !ok2 || !ok3 || !ok4 || h > 23 || m > 59 {
		return 0, bad
	}
	return time.Duration(h)*time.Hour + time.Duration(m)*time.Minute, nil
}

// parseWeekday reads "mon" … "sun", in any case.
func parseWeekday(s string) (time.Weekday, bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "sun":
		return time.Sunday, true
	case "mon":
		return time.Monday, true
	case "tue":
		return time.Tuesday, true
	case "wed":
		return time.Wednesday, true
	case "thu":
		return time.Thursday, true
	case "fri":
		return time.Friday, true
	case "sat":
		return time.Saturday, true
	}
	return 0, false
}

// addDays marks the days a name of calendar.days stands for: one day,
// "weekdays" (mon–fri) or "weekends" (sat–sun).
func addDays(days *[7]bool, name string) error {
	switch strings.ToLower(strings.TrimSpace(name)) {
	case "weekdays":
		for d := time.Monday; d <= time.Friday; d++ {
			days[d] = true
		}
		return nil
	case "weekends":
		days[time.Saturday], days[time.Sunday] = true, true
		return nil
	}
	wd, ok := parseWeekday(name)
	if !ok {
		return facteur.Errorf(facteur.EINVALID, "calendar.days: unknown day %q; use mon, tue, wed, thu, fri, sat, sun, weekdays or weekends", name)
	}
	days[wd] = true
	return nil
}
