package calendar

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/facteur/facteur"
)

// Describe renders c in words for lists and previews, e.g. "Weekdays at
// 06:00, Europe/Paris", "Every Monday at 08:00, Europe/Paris", "Monthly on the
// last day at 23:00, UTC", "On the 1st of January, April, July and October at
// 06:00, Europe/Paris" or "Cron \"*/15 * * * *\", UTC". A calendar that
// Validate refuses is described as "Invalid calendar".
func Describe(c facteur.Calendar) string {
	r, err := compile(c)
	if err != nil {
		return "Invalid calendar"
	}
	return describeRule(r, c) + describeWork(r, c)
}

func describeRule(r *rule, c facteur.Calendar) string {
	zone := r.loc.String()
	if r.freq == facteur.Cron {
		return fmt.Sprintf("Cron %q, %s", strings.TrimSpace(c.Cron), zone)
	}
	at := fmt.Sprintf("%02d:%02d", int(r.at.Hours()), int(r.at.Minutes())%60)
	switch r.freq {
	case facteur.Daily, facteur.Weekly:
		return fmt.Sprintf("%s at %s, %s", describeDays(r.days), at, zone)
	case facteur.Workdays:
		return fmt.Sprintf("Every working day at %s, %s", at, zone)
	case facteur.Workday:
		nth := ordinal(r.nth)
		switch {
		case r.nth == -1:
			nth = "last"
		case r.nth < 0:
			nth = ordinal(-r.nth) + "-to-last"
		}
		return fmt.Sprintf("The %s working day of each %s at %s, %s", nth, periodName(r.quarter), at, zone)
	}
	return fmt.Sprintf("%s at %s, %s", describeMonthly(r.dom, r.months), at, zone)
}

// describeWork names the working days a calendar observes and what its
// slots on other days do: ", French public holidays and 'Office closures'
// observed; on a non-working day, moved to the next working day".
func describeWork(r *rule, c facteur.Calendar) string {
	if r.work == nil {
		return ""
	}
	var observed []string
	if r.work.region != nil {
		observed = append(observed, r.work.region.Holidays)
	}
	for _, name := range c.Closures {
		observed = append(observed, "'"+name+"'")
	}
	s := ", weekends only (no holidays) observed"
	if len(observed) > 0 {
		s = ", " + list(observed) + " observed"
	}
	if r.work.region != nil && r.work.region.Code != "" {
		if w := r.work.region.weekend(2100); !w[time.Saturday] || !w[time.Sunday] {
			s += " (weekend " + weekendNames(w) + ")"
		}
	}
	switch r.onClosed {
	case facteur.OnClosedSkip:
		s += "; skipped on a non-working day"
	case facteur.OnClosedNext:
		s += "; on a non-working day, moved to the next working day"
	case facteur.OnClosedPrevious:
		s += "; on a non-working day, moved to the previous working day"
	default:
		if r.freq != facteur.Workdays && r.freq != facteur.Workday {
			s += "; runs on non-working days too"
		}
	}
	return s
}

// weekendNames says a weekend's days, e.g. "Friday–Saturday".
func weekendNames(w [7]bool) string {
	var names []string
	for i := range 7 {
		d := time.Weekday((i + 1) % 7)
		if w[d] {
			names = append(names, d.String())
		}
	}
	return strings.Join(names, "–")
}

// describeDays says which days of the week a daily or weekly rule runs on.
func describeDays(days [7]bool) string {
	var names []string
	for i := range 7 {
		d := time.Weekday((i + 1) % 7) // Monday first
		if days[d] {
			names = append(names, d.String())
		}
	}
	weekdays := days[time.Monday] && days[time.Tuesday] && days[time.Wednesday] && days[time.Thursday] && days[time.Friday]
	weekend := days[time.Saturday] && days[time.Sunday]
	switch {
	case len(names) == 7:
		return "Every day"
	case len(names) == 5 && weekdays:
		return "Weekdays"
	case len(names) == 2 && weekend:
		return "Weekends"
	case len(names) == 1:
		return "Every " + names[0]
	}
	for i, n := range names {
		names[i] = n[:3]
	}
	return list(names)
}

// describeMonthly says on which day of which months a monthly rule runs.
func describeMonthly(dom int, months [13]bool) string {
	day := "the last day"
	if dom != -1 {
		day = "the " + ordinal(dom)
	}
	var names []string
	shorter := false // does a chosen month lack day dom?
	for m := time.January; m <= time.December; m++ {
		if months[m] {
			names = append(names, m.String())
			// 2023 is not a leap year: February has 28 days.
			shorter = shorter || (dom != -1 && dom > daysIn(2023, m))
		}
	}
	if shorter {
		day += " (the last day in shorter months)"
	}
	if len(names) == 12 {
		return "Monthly on " + day
	}
	return "On " + day + " of " + list(names)
}

// Ordinal returns 1st, 2nd, 3rd, 4th, … for the forms that offer them.
func Ordinal(n int) string { return ordinal(n) }

// ordinal returns 1st, 2nd, 3rd, 4th, … 11th, 12th, 13th, … 21st, ….
func ordinal(n int) string {
	suffix := "th"
	switch {
	case n%100 >= 11 && n%100 <= 13:
	case n%10 == 1:
		suffix = "st"
	case n%10 == 2:
		suffix = "nd"
	case n%10 == 3:
		suffix = "rd"
	}
	return strconv.Itoa(n) + suffix
}

// list joins names as "a", "a and b", "a, b and c".
func list(names []string) string {
	if len(names) <= 1 {
		return strings.Join(names, "")
	}
	return strings.Join(names[:len(names)-1], ", ") + " and " + names[len(names)-1]
}
