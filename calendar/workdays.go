package calendar

import (
	"fmt"
	"strings"
	"time"

	"github.com/adhocore/gronx"
	"github.com/facteur/facteur"
)

// Working days (E9). A civil day is a working day of a calendar unless it
// is a weekend day of the calendar's region (Saturday and Sunday without a
// region), one of the region's public holidays (on its date or the date it
// is observed on), or a day of one of the calendar's closure lists.
//
// A "workdays" calendar runs on every working day, a "workday" one on the
// Nth working day of each month or quarter (a period without an Nth working
// day has no run). A daily, weekly, monthly or cron slot that falls on a
// non-working day follows Calendar.OnClosed:
//
//   - run (the default): it runs anyway;
//   - skip: it does not run;
//   - next / previous: it runs on the next (previous) working day, at its
//     own time of day. A working day runs at most once for moved slots: if
//     it has slots of its own, the moved ones merge into them (no extra
//     run); otherwise it runs once, at the time of the first moved slot.
//     So a daily rule moved to the next working day runs once on Monday for
//     Saturday, Sunday and Monday.
//
// Moved slots keep the rule of E4: each maps to an instant by
// firstAtOrAfter, on the day it moved to.

// maxStretch bounds the run of consecutive non-working days a slot moves
// across; slots of a longer one do not run.
const maxStretch = 2*facteur.MaxClosureRange + 14

// workdays says which civil days are working days.
type workdays struct {
	region   *Region
	closures []closureSpan
	years    map[int]map[time.Time]string // holiday names by date, per year
}

// closureSpan is one entry of a closure list, as civil days.
type closureSpan struct {
	from, to time.Time
	cause    string
}

// day returns the civil date of y-m-d, UTC-carried.
func civilDay(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

// closed says why day is not a working day, or "" when it is one.
func (w *workdays) closed(day time.Time) string {
	if name := w.holiday(day); name != "" {
		return name
	}
	for _, s := range w.closures {
		if !day.Before(s.from) && !day.After(s.to) {
			return s.cause
		}
	}
	weekend := satSun(day.Year())
	if w.region != nil {
		weekend = w.region.weekend(day.Year())
	}
	if weekend[day.Weekday()] {
		return "weekend"
	}
	return ""
}

// working reports whether day is a working day.
func (w *workdays) working(day time.Time) bool { return w.closed(day) == "" }

// holiday returns the name of the region's holiday on day, or "".
func (w *workdays) holiday(day time.Time) string {
	if w.region == nil {
		return ""
	}
	y := day.Year()
	m, ok := w.years[y]
	if !ok {
		m = map[time.Time]string{}
		// A holiday of one year may be observed in the next or the
		// previous one (1 January on a Saturday, observed on 31 December).
		for _, year := range []int{y - 1, y, y + 1} {
			for _, h := range w.region.holidays {
				actual, observed := h.Calc(year)
				for _, t := range []time.Time{actual, observed} {
					if t.IsZero() || t.Year() != y {
						continue
					}
					d := civilDay(t.Year(), t.Month(), t.Day())
					if _, dup := m[d]; !dup {
						m[d] = h.Name
					}
				}
			}
		}
		if w.years == nil {
			w.years = map[int]map[time.Time]string{}
		}
		w.years[y] = m
	}
	return m[day]
}

// compileWork reads the working-day fields of c into r.
func (r *rule) compileWork(c facteur.Calendar) error {
	region, err := checkRegion(c.Region)
	if err != nil {
		return err
	}
	switch c.OnClosed {
	case "", facteur.OnClosedRun, facteur.OnClosedSkip, facteur.OnClosedNext, facteur.OnClosedPrevious:
	default:
		return facteur.Errorf(facteur.EINVALID, "calendar.on_closed: use run, skip, next or previous (got %q)", clip(c.OnClosed))
	}
	r.onClosed = c.OnClosed
	if r.onClosed == "" {
		r.onClosed = facteur.OnClosedRun
	}
	working := r.freq == facteur.Workdays || r.freq == facteur.Workday
	if working && c.OnClosed != "" {
		return facteur.Errorf(facteur.EINVALID, "calendar.on_closed: a %s calendar runs on working days only; leave on_closed empty", r.freq)
	}
	if len(c.Closures) > facteur.MaxCalendarClosure {
		return facteur.Errorf(facteur.EINVALID, "calendar.closures: at most %d closure lists", facteur.MaxCalendarClosure)
	}
	w := &workdays{region: region}
	seen := map[string]bool{}
	for _, name := range c.Closures {
		if seen[name] {
			return facteur.Errorf(facteur.EINVALID, "calendar.closures: %q is named twice; name each list once", clip(name))
		}
		seen[name] = true
	}
	for _, name := range c.Closures {
		l, ok := findList(c.ClosureLists, name)
		if !ok {
			return facteur.Errorf(facteur.EINVALID, "calendar.closures: there is no closure list named %q; create it under Closure days or remove it from the calendar", clip(name))
		}
		spans, err := closureSpans(l)
		if err != nil {
			return err
		}
		w.closures = append(w.closures, spans...)
	}
	if region != nil || len(c.Closures) > 0 || working || r.onClosed != facteur.OnClosedRun {
		r.work = w
	}
	if r.freq == facteur.Workday {
		r.quarter = c.Period == facteur.PeriodQuarter
		most := 23 // a month has at most 23 weekdays
		if r.quarter {
			most = 66
		}
		switch {
		case c.Period != "" && c.Period != facteur.PeriodMonth && c.Period != facteur.PeriodQuarter:
			return facteur.Errorf(facteur.EINVALID, "calendar.period: use month or quarter (got %q)", clip(c.Period))
		case c.Workday == 0:
			return facteur.Errorf(facteur.EINVALID, "calendar.workday: choose which working day: 1 for the first, 2 for the second, …, -1 for the last")
		case c.Workday > most || c.Workday < -most:
			return facteur.Errorf(facteur.EINVALID, "calendar.workday: a %s has at most %d working days; use 1 to %d, or -1 to -%d counting from the end (got %d)", periodName(r.quarter), most, most, most, c.Workday)
		}
		r.nth = c.Workday
	}
	return nil
}

func periodName(quarter bool) string {
	if quarter {
		return "quarter"
	}
	return "month"
}

// clip shortens a user's text for an error message.
func clip(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}

// findList returns the list named name.
func findList(lists []facteur.ClosureList, name string) (facteur.ClosureList, bool) {
	for _, l := range lists {
		if l.Name == name {
			return l, true
		}
	}
	return facteur.ClosureList{}, false
}

// moves reports whether r's slots depend on working days.
func (r *rule) moves() bool {
	return r.work != nil && (r.freq == facteur.Workdays || r.freq == facteur.Workday || r.onClosed != facteur.OnClosedRun)
}

// nextWorking is next for a rule whose slots depend on working days.
func (r *rule) nextWorking(after time.Time) (time.Time, error) {
	wall := wallClock(after, r.loc)
	limit := wall.AddDate(searchYears, 0, 0)
	start := wall.Truncate(24 * time.Hour)
	for day := start; !day.After(limit); day = day.AddDate(0, 0, 1) {
		from := day
		if day.Equal(start) {
			from = wall
		}
		if t, ok := r.runOn(day, from, after); ok {
			return t.UTC(), nil
		}
	}
	return time.Time{}, facteur.Errorf(facteur.EINVALID, "calendar: no run time in the next years")
}

// runOn returns the first run of civil day `day` after `after`; from is
// where its slots are looked for (day's start, or after's wall clock).
func (r *rule) runOn(day, from, after time.Time) (time.Time, bool) {
	at := func(d time.Duration) (time.Time, bool) {
		t := firstAtOrAfter(day.Add(d), r.loc)
		return t, t.After(after)
	}
	if !r.work.working(day) {
		return time.Time{}, false
	}
	switch r.freq {
	case facteur.Workdays:
		return at(r.at)
	case facteur.Workday:
		if !r.nthDay(day) {
			return time.Time{}, false
		}
		return at(r.at)
	}
	if t, ok := r.ownAfter(day, from, after); ok {
		return t, true
	}
	if _, own := r.firstSlot(day); own {
		return time.Time{}, false // moved slots merge into the day's own
	}
	if d, ok := r.moved(day); ok {
		return at(d)
	}
	return time.Time{}, false
}

// ownAfter returns the first of day's own slots whose instant is after
// `after`, looking from the civil time from on.
func (r *rule) ownAfter(day, from, after time.Time) (time.Time, bool) {
	if r.freq != facteur.Cron {
		if !r.matches(day) {
			return time.Time{}, false
		}
		t := firstAtOrAfter(day.Add(r.at), r.loc)
		return t, t.After(after)
	}
	end := day.AddDate(0, 0, 1)
	cur := from
	if !from.Equal(day) {
		// Slots strictly after after's wall clock; slots are whole minutes.
		cur = from.Truncate(time.Minute).Add(time.Minute)
	}
	for {
		slot, ok := r.cronFrom(cur)
		if !ok || !slot.Before(end) {
			return time.Time{}, false
		}
		if t := firstAtOrAfter(slot, r.loc); t.After(after) {
			return t, true
		}
		cur = slot.Add(time.Minute)
	}
}

// firstSlot returns the time of day of day's first own slot.
func (r *rule) firstSlot(day time.Time) (time.Duration, bool) {
	if r.freq != facteur.Cron {
		return r.at, r.matches(day)
	}
	slot, ok := r.cronFrom(day)
	if !ok || slot.Before(day) || !slot.Before(day.AddDate(0, 0, 1)) {
		return 0, false
	}
	return slot.Sub(day), true
}

// cronFrom returns the first slot of r's cron expression at or after the
// civil time from. gronx searches minute by minute, so a slot found once
// answers every later question up to it.
func (r *rule) cronFrom(from time.Time) (time.Time, bool) {
	for _, k := range r.cronSeen {
		if !from.Before(k[0]) && !from.After(k[1]) {
			return k[1], true
		}
	}
	slot, err := gronx.NextTickAfter(r.cron, from, true)
	if err != nil || slot.Before(from) {
		return time.Time{}, false
	}
	if len(r.cronSeen) >= 64 {
		r.cronSeen = r.cronSeen[1:]
	}
	r.cronSeen = append(r.cronSeen, [2]time.Time{from, slot})
	return slot, true
}

// feeders returns the non-working days whose slots move to the working day
// `day`, in date order, with their first slot's time of day.
func (r *rule) feeders(day time.Time) (days []time.Time, times []time.Duration) {
	step := 0
	switch r.onClosed {
	case facteur.OnClosedNext:
		step = -1
	case facteur.OnClosedPrevious:
		step = 1
	default:
		return nil, nil
	}
	for i, d := 1, day.AddDate(0, 0, step); i <= maxStretch && !r.work.working(d); i, d = i+1, d.AddDate(0, 0, step) {
		if t, ok := r.firstSlot(d); ok {
			days = append(days, d)
			times = append(times, t)
		}
	}
	if step < 0 {
		for i, j := 0, len(days)-1; i < j; i, j = i+1, j-1 {
			days[i], days[j] = days[j], days[i]
			times[i], times[j] = times[j], times[i]
		}
	}
	return days, times
}

// moved returns the time at which the working day `day` runs for slots
// moved onto it: the time of the first of them.
func (r *rule) moved(day time.Time) (time.Duration, bool) {
	_, times := r.feeders(day)
	if len(times) == 0 {
		return 0, false
	}
	return times[0], true
}

// nthDay reports whether day is the Nth working day of its period.
func (r *rule) nthDay(day time.Time) bool {
	first := civilDay(day.Year(), day.Month(), 1)
	months := 1
	if r.quarter {
		first = civilDay(day.Year(), time.Month((int(day.Month())-1)/3*3+1), 1)
		months = 3
	}
	end := first.AddDate(0, months, 0)
	if r.nthCache == nil {
		r.nthCache = map[time.Time]time.Time{}
	}
	want, ok := r.nthCache[first]
	if !ok {
		var work []time.Time
		for d := first; d.Before(end); d = d.AddDate(0, 0, 1) {
			if r.work.working(d) {
				work = append(work, d)
			}
		}
		i := r.nth - 1
		if r.nth < 0 {
			i = len(work) + r.nth
		}
		if i >= 0 && i < len(work) {
			want = work[i]
		}
		r.nthCache[first] = want
	}
	return day.Equal(want)
}

// Slot is one run of a preview, with what moved or skipped slots it stands
// for.
type Slot struct {
	At time.Time `json:"at"`
	// Notes say, for each slot that moved to this run, was skipped before
	// it or runs on a non-working day, its date and why: "Thu 1 Jan 2026:
	// New Year's Day → Fri 2 Jan".
	Notes []string `json:"notes,omitempty"`
}

// Explain returns the next n runs of c after `after` as Preview does, each
// with its notes.
func Explain(c facteur.Calendar, after time.Time, n int) ([]Slot, error) {
	runs, err := Preview(c, after, n)
	if err != nil {
		return nil, err
	}
	r, err := compile(c)
	if err != nil {
		return nil, err
	}
	out := make([]Slot, len(runs))
	prev := after
	for i, t := range runs {
		out[i] = Slot{At: t, Notes: r.notes(prev, t)}
		prev = t
	}
	return out, nil
}

const (
	longDay  = "Mon 2 Jan 2006"
	shortDay = "Mon 2 Jan"
)

// notes explains the run at t, the one after prev.
func (r *rule) notes(prev, t time.Time) []string {
	if r.work == nil {
		return nil
	}
	wall := wallClock(t, r.loc)
	day := wall.Truncate(24 * time.Hour)
	to := day.Format(shortDay)
	note := func(d time.Time, outcome string) string {
		if outcome == "" {
			outcome = to
			if d.Year() != day.Year() {
				outcome = day.Format(longDay)
			}
		}
		return fmt.Sprintf("%s: %s → %s", d.Format(longDay), r.work.closed(d), outcome)
	}
	var out []string
	switch {
	case r.freq == facteur.Workday && (r.nth == 1 || r.nth == -1):
		// Say why the run is not on the period's first (last) day.
		first := civilDay(day.Year(), day.Month(), 1)
		if r.quarter {
			first = civilDay(day.Year(), time.Month((int(day.Month())-1)/3*3+1), 1)
		}
		nominal := first
		if r.nth == -1 {
			months := 1
			if r.quarter {
				months = 3
			}
			nominal = first.AddDate(0, months, -1)
		}
		if !nominal.Equal(day) {
			out = append(out, note(nominal, ""))
		}
	case r.freq == facteur.Workdays || r.freq == facteur.Workday:
	case r.onClosed == facteur.OnClosedRun:
		if !r.work.working(day) {
			out = append(out, note(day, "runs anyway"))
		}
	case r.onClosed == facteur.OnClosedSkip:
		pday := wallClock(prev, r.loc).Truncate(24 * time.Hour)
		for d := pday; d.Before(day); d = d.AddDate(0, 0, 1) {
			if r.work.working(d) {
				continue
			}
			if off, ok := r.firstSlot(d); ok && (d.After(pday) || firstAtOrAfter(d.Add(off), r.loc).After(prev)) {
				out = append(out, note(d, "skipped"))
			}
		}
	default:
		days, _ := r.feeders(day)
		for _, d := range days {
			out = append(out, note(d, ""))
		}
	}
	return out
}

// closureSpans reads a closure list's entries as civil days.
func closureSpans(l facteur.ClosureList) ([]closureSpan, error) {
	if err := ValidateClosureList(l); err != nil {
		return nil, err
	}
	out := make([]closureSpan, len(l.Days))
	for i, e := range l.Days {
		from, _ := parseDate(e.From)
		to := from
		if e.To != "" {
			to, _ = parseDate(e.To)
		}
		cause := "'" + l.Name + "'"
		if e.Label != "" {
			cause += " (" + e.Label + ")"
		}
		out[i] = closureSpan{from: from, to: to, cause: cause}
	}
	return out, nil
}

// parseDate reads "YYYY-MM-DD" within the years closure lists allow.
func parseDate(s string) (time.Time, bool) {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil || t.Year() < facteur.MinClosureYear || t.Year() > facteur.MaxClosureYear {
		return time.Time{}, false
	}
	return t, true
}

// ValidateClosureList checks a closure list and returns a *facteur.Error
// with code EINVALID whose message says what to fix.
func ValidateClosureList(l facteur.ClosureList) error {
	name := strings.TrimSpace(l.Name)
	switch {
	case name == "":
		return facteur.Errorf(facteur.EINVALID, "name: give the closure list a name, e.g. Office closures")
	case name != l.Name:
		return facteur.Errorf(facteur.EINVALID, "name: remove the spaces around the name")
	case len(l.Name) > facteur.MaxClosureNameLen:
		return facteur.Errorf(facteur.EINVALID, "name: at most %d bytes", facteur.MaxClosureNameLen)
	case strings.ContainsAny(l.Name, "'\x00\r\n\t"):
		return facteur.Errorf(facteur.EINVALID, "name: use no quotes, tabs or line breaks")
	case len(l.Days) > facteur.MaxClosureEntries:
		return facteur.Errorf(facteur.EINVALID, "days: at most %d dates or ranges in one list; split it into two lists", facteur.MaxClosureEntries)
	}
	bad := func(i int, field, format string, args ...any) error {
		return facteur.Errorf(facteur.EINVALID, "days[%d].%s: %s", i, field, fmt.Sprintf(format, args...))
	}
	for i, e := range l.Days {
		from, ok := parseDate(e.From)
		if !ok {
			return bad(i, "from", "use a date YYYY-MM-DD between %d and %d (got %q)", facteur.MinClosureYear, facteur.MaxClosureYear, clip(e.From))
		}
		if e.To != "" {
			to, ok := parseDate(e.To)
			switch {
			case !ok:
				return bad(i, "to", "use a date YYYY-MM-DD between %d and %d, or leave it empty for one day (got %q)", facteur.MinClosureYear, facteur.MaxClosureYear, clip(e.To))
			case to.Before(from):
				return bad(i, "to", "the last day %s is before the first %s", e.To, e.From)
			case to.Sub(from) >= facteur.MaxClosureRange*24*time.Hour:
				return bad(i, "to", "a range spans at most %d days; split it", facteur.MaxClosureRange)
			}
		}
		switch {
		case len(e.Label) > facteur.MaxClosureLabelLen:
			return bad(i, "label", "at most %d bytes", facteur.MaxClosureLabelLen)
		case strings.ContainsAny(e.Label, "\x00\r\n\t"):
			return bad(i, "label", "use no tabs or line breaks")
		}
	}
	return nil
}

// Notes explains the run of c at t, the first after `after`: the slots
// that moved to it or were skipped before it, or its own day when it runs
// on a non-working day. It returns nil for a calendar that is not valid.
func Notes(c facteur.Calendar, after, t time.Time) []string {
	r, err := compile(c)
	if err != nil {
		return nil
	}
	return r.notes(after, t)
}
