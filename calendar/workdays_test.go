package calendar

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/facteur/facteur"
)

// The public holidays of 2026–2028 that close offices, typed from the
// official lists (not computed by the library): on the day they are
// observed, and on their own date when that differs.
//
//	FR     service-public.fr, "Jours fériés": 11 days (Alsace-Moselle's two
//	       more are not national).
//	DE-BY  Bayerisches Staatsministerium des Innern, "Feiertage in Bayern":
//	       the 12 state-wide days (Mariä Himmelfahrt and the Augsburg
//	       Friedensfest are local).
//	GB-ENG gov.uk/bank-holidays, England and Wales, with substitute days.
//	US     OPM, "Federal Holidays", with the observed days (2028's New
//	       Year's Day is observed on Friday 31 December 2027).
//	AE     UAE Cabinet resolutions on official holidays: the fixed dates
//	       (New Year's Day, Commemoration Day, National Day ×2); the Hijri
//	       holidays are announced each year and are a closure list below.
var officialHolidays = map[string][]string{
	"FR": {
		"2026-01-01", "2026-04-06", "2026-05-01", "2026-05-08", "2026-05-14", "2026-05-25", "2026-07-14", "2026-08-15", "2026-11-01", "2026-11-11", "2026-12-25",
		"2027-01-01", "2027-03-29", "2027-05-01", "2027-05-06", "2027-05-08", "2027-05-17", "2027-07-14", "2027-08-15", "2027-11-01", "2027-11-11", "2027-12-25",
		"2028-01-01", "2028-04-17", "2028-05-01", "2028-05-08", "2028-05-25", "2028-06-05", "2028-07-14", "2028-08-15", "2028-11-01", "2028-11-11", "2028-12-25",
	},
	"DE-BY": {
		"2026-01-01", "2026-01-06", "2026-04-03", "2026-04-06", "2026-05-01", "2026-05-14", "2026-05-25", "2026-06-04", "2026-10-03", "2026-11-01", "2026-12-25", "2026-12-26",
		"2027-01-01", "2027-01-06", "2027-03-26", "2027-03-29", "2027-05-01", "2027-05-06", "2027-05-17", "2027-05-27", "2027-10-03", "2027-11-01", "2027-12-25", "2027-12-26",
		"2028-01-01", "2028-01-06", "2028-04-14", "2028-04-17", "2028-05-01", "2028-05-25", "2028-06-05", "2028-06-15", "2028-10-03", "2028-11-01", "2028-12-25", "2028-12-26",
	},
	"GB-ENG": {
		"2026-01-01", "2026-04-03", "2026-04-06", "2026-05-04", "2026-05-25", "2026-08-31", "2026-12-25", "2026-12-26", "2026-12-28",
		"2027-01-01", "2027-03-26", "2027-03-29", "2027-05-03", "2027-05-31", "2027-08-30", "2027-12-25", "2027-12-26", "2027-12-27", "2027-12-28",
		"2028-01-01", "2028-01-03", "2028-04-14", "2028-04-17", "2028-05-01", "2028-05-29", "2028-08-28", "2028-12-25", "2028-12-26",
	},
	"US": {
		"2026-01-01", "2026-01-19", "2026-02-16", "2026-05-25", "2026-06-19", "2026-07-03", "2026-07-04", "2026-09-07", "2026-10-12", "2026-11-11", "2026-11-26", "2026-12-25",
		"2027-01-01", "2027-01-18", "2027-02-15", "2027-05-31", "2027-06-18", "2027-06-19", "2027-07-04", "2027-07-05", "2027-09-06", "2027-10-11", "2027-11-11", "2027-11-25", "2027-12-24", "2027-12-25", "2027-12-31",
		"2028-01-01", "2028-01-17", "2028-02-21", "2028-05-29", "2028-06-19", "2028-07-04", "2028-09-04", "2028-10-09", "2028-11-10", "2028-11-11", "2028-11-23", "2028-12-25",
	},
	"AE": {
		"2026-01-01", "2026-12-01", "2026-12-02", "2026-12-03",
		"2027-01-01", "2027-12-01", "2027-12-02", "2027-12-03",
		"2028-01-01", "2028-12-01", "2028-12-02", "2028-12-03",
	},
}

// officialWeekend is each region's weekend (the UAE's since 2022).
var officialWeekend = map[string][]time.Weekday{
	"FR": {time.Saturday, time.Sunday}, "DE-BY": {time.Saturday, time.Sunday}, "GB-ENG": {time.Saturday, time.Sunday},
	"US": {time.Saturday, time.Sunday}, "AE": {time.Saturday, time.Sunday},
}

// officialWorking returns the working days of a region in 2026–2028 by the
// typed lists, plus extra closed dates.
func officialWorking(t *testing.T, region string, extra ...string) map[time.Time]bool {
	t.Helper()
	closed := map[time.Time]bool{}
	for _, s := range append(slices.Clone(officialHolidays[region]), extra...) {
		d, err := time.Parse(time.DateOnly, s)
		if err != nil {
			t.Fatal(err)
		}
		closed[d] = true
	}
	out := map[time.Time]bool{}
	for d := civilDay(2026, 1, 1); d.Year() <= 2028; d = d.AddDate(0, 0, 1) {
		if !closed[d] && !slices.Contains(officialWeekend[region], d.Weekday()) {
			out[d] = true
		}
	}
	return out
}

var workdayRegions = []string{"FR", "DE-BY", "GB-ENG", "US", "AE"}

// runsIn returns the runs of c from 2026 through 2028 (civil days in UTC).
func runsIn(t *testing.T, c facteur.Calendar) []time.Time {
	t.Helper()
	after := time.Date(2025, 12, 31, 12, 0, 0, 0, time.UTC)
	var out []time.Time
	for {
		next, err := Next(c, after)
		if err != nil {
			t.Fatalf("Next(%+v, %s): %v", c, after, err)
		}
		if next.Year() > 2028 {
			return out
		}
		if next.Year() >= 2026 {
			out = append(out, next)
		}
		after = next
	}
}

func days(ts []time.Time) []string {
	out := make([]string, len(ts))
	for i, t := range ts {
		out[i] = t.Format("2006-01-02 Mon 15:04")
	}
	return out
}

func sortedDays(set map[time.Time]bool, at time.Duration) []time.Time {
	var out []time.Time
	for d, ok := range set {
		if ok {
			out = append(out, d.Add(at))
		}
	}
	slices.SortFunc(out, func(a, b time.Time) int { return a.Compare(b) })
	return out
}

func diff(t *testing.T, what string, got, want []time.Time) {
	t.Helper()
	g, w := days(got), days(want)
	if slices.Equal(g, w) {
		return
	}
	var only []string
	for _, s := range g {
		if !slices.Contains(w, s) {
			only = append(only, "+"+s)
		}
	}
	for _, s := range w {
		if !slices.Contains(g, s) {
			only = append(only, "-"+s)
		}
	}
	t.Errorf("%s: %d runs, want %d; differences (+got -want): %s", what, len(g), len(w), strings.Join(only, " "))
}

// TestWorkdaysAgainstOfficialLists: every working day, in five regions,
// runs exactly on the days the official lists leave open.
func TestWorkdaysAgainstOfficialLists(t *testing.T) {
	t.Parallel()
	for _, region := range workdayRegions {
		c := facteur.Calendar{Frequency: facteur.Workdays, At: "06:00", Region: region}
		diff(t, region, runsIn(t, c), sortedDays(officialWorking(t, region), 6*time.Hour))
	}
}

// nthOf returns the expected Nth working day of each period of 2026–2028,
// counted on the official working days.
func nthOf(work map[time.Time]bool, nth, months int, at time.Duration) []time.Time {
	var out []time.Time
	for p := civilDay(2026, 1, 1); p.Year() <= 2028; p = p.AddDate(0, months, 0) {
		var open []time.Time
		for d := p; d.Before(p.AddDate(0, months, 0)); d = d.AddDate(0, 0, 1) {
			if work[d] {
				open = append(open, d)
			}
		}
		i := nth - 1
		if nth < 0 {
			i = len(open) + nth
		}
		if i >= 0 && i < len(open) {
			out = append(out, open[i].Add(at))
		}
	}
	return out
}

// TestNthWorkdayAgainstOfficialLists: the 1st, 2nd, 3rd, last and
// second-to-last working days of each month and quarter.
func TestNthWorkdayAgainstOfficialLists(t *testing.T) {
	t.Parallel()
	for _, region := range workdayRegions {
		work := officialWorking(t, region)
		for _, nth := range []int{1, 2, 3, 20, -1, -2} {
			for _, period := range []string{facteur.PeriodMonth, facteur.PeriodQuarter} {
				months := 1
				if period == facteur.PeriodQuarter {
					months = 3
				}
				c := facteur.Calendar{Frequency: facteur.Workday, Workday: nth, Period: period, At: "07:30", Region: region}
				diff(t, fmt.Sprintf("%s %d of %s", region, nth, period), runsIn(t, c), nthOf(work, nth, months, 7*time.Hour+30*time.Minute))
			}
		}
	}
}

// movedExpected computes, from the official working days, the runs of a
// rule whose slots are on the days `slot` says: run on working days, and
// for a non-working day the next (step 1) or previous (step -1) working
// day, once per day; step 0 skips.
func movedExpected(work map[time.Time]bool, slot func(time.Time) bool, step int, at time.Duration) []time.Time {
	set := map[time.Time]bool{}
	for d := civilDay(2025, 12, 1); d.Before(civilDay(2029, 2, 1)); d = d.AddDate(0, 0, 1) {
		if !slot(d) {
			continue
		}
		to := d
		for step != 0 && !work[to] && to.Year() >= 2025 && to.Year() <= 2029 {
			to = to.AddDate(0, 0, step)
		}
		if work[to] && to.Year() >= 2026 && to.Year() <= 2028 {
			set[to] = true
		}
	}
	return sortedDays(set, at)
}

// TestOnClosedAgainstOfficialLists: weekly, monthly and cron rules that
// skip, or move to the next or previous working day.
func TestOnClosedAgainstOfficialLists(t *testing.T) {
	t.Parallel()
	rules := []struct {
		name string
		cal  facteur.Calendar
		slot func(time.Time) bool
	}{
		{"monthly 1st", monthly(1, "06:00", ""), func(d time.Time) bool { return d.Day() == 1 }},
		{"monthly 25th", monthly(25, "06:00", ""), func(d time.Time) bool { return d.Day() == 25 }},
		{"monthly last", monthly(-1, "06:00", ""), func(d time.Time) bool { return d.AddDate(0, 0, 1).Day() == 1 }},
		{"weekly fri", weekly("fri", "06:00", ""), func(d time.Time) bool { return d.Weekday() == time.Friday }},
		{"weekly mon", weekly("mon", "06:00", ""), func(d time.Time) bool { return d.Weekday() == time.Monday }},
		{"daily every day", daily("06:00", ""), func(time.Time) bool { return true }},
		{"cron 1st and 15th", cron("0 6 1,15 * *", ""), func(d time.Time) bool { return d.Day() == 1 || d.Day() == 15 }},
	}
	for _, region := range workdayRegions {
		work := officialWorking(t, region)
		for _, r := range rules {
			for _, p := range []struct {
				on   string
				step int
			}{{facteur.OnClosedSkip, 0}, {facteur.OnClosedNext, 1}, {facteur.OnClosedPrevious, -1}} {
				c := r.cal
				c.Region, c.OnClosed = region, p.on
				// The lists start in 2026 and end in 2028: compare the
				// runs of February 2026 to November 2028.
				inside := func(ts []time.Time) []time.Time {
					return slices.DeleteFunc(ts, func(t time.Time) bool {
						return t.Before(civilDay(2026, 2, 1)) || !t.Before(civilDay(2028, 12, 1))
					})
				}
				want := inside(movedExpected(work, r.slot, p.step, 6*time.Hour))
				diff(t, fmt.Sprintf("%s %s %s", region, r.name, p.on), inside(runsIn(t, c)), want)
			}
		}
	}
}

// hijri2026 is a closure list as an organisation in the UAE keeps it: the
// Hijri holidays as announced (here the expected dates of 2026).
var hijri2026 = facteur.ClosureList{Name: "Hijri holidays", Days: []facteur.ClosureDays{
	{From: "2026-03-19", To: "2026-03-22", Label: "Eid al-Fitr"},
	{From: "2026-05-26", To: "2026-05-29", Label: "Arafat Day and Eid al-Adha"},
	{From: "2026-06-16", Label: "Hijri New Year"},
	{From: "2026-08-25", Label: "Prophet's Birthday"},
}}

// TestClosureListsAndRegion: a closure list closes its days on top of the
// region's; the notes name the list and the entry.
func TestClosureListsAndRegion(t *testing.T) {
	t.Parallel()
	c := facteur.Calendar{Frequency: facteur.Workdays, At: "08:00", TimeZone: "UTC", Region: "AE",
		Closures: []string{"Hijri holidays"}, ClosureLists: []facteur.ClosureList{hijri2026}}
	work := officialWorking(t, "AE", "2026-03-19", "2026-03-20", "2026-03-21", "2026-03-22",
		"2026-05-26", "2026-05-27", "2026-05-28", "2026-05-29", "2026-06-16", "2026-08-25")
	diff(t, "AE with Hijri holidays", runsIn(t, c), sortedDays(work, 8*time.Hour))

	c = facteur.Calendar{Frequency: facteur.Weekly, Weekday: "tue", At: "08:00", TimeZone: "Asia/Dubai", Region: "AE",
		OnClosed: facteur.OnClosedNext, Closures: []string{"Hijri holidays"}, ClosureLists: []facteur.ClosureList{hijri2026}}
	got, err := Explain(c, instant(t, "2026-06-10T00:00:00Z"), 2)
	if err != nil {
		t.Fatal(err)
	}
	want := []Slot{
		{At: instant(t, "2026-06-17T04:00:00Z"), Notes: []string{"Tue 16 Jun 2026: 'Hijri holidays' (Hijri New Year) → Wed 17 Jun"}},
		{At: instant(t, "2026-06-23T04:00:00Z")},
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("Explain:\n got %v\nwant %v", got, want)
	}
	// Without the list the calendar names, it is refused, saying what to do.
	c.ClosureLists = nil
	if err := Validate(c); err == nil || !strings.Contains(facteur.ErrorMessage(err), `no closure list named "Hijri holidays"`) {
		t.Errorf("unresolved list: %v", err)
	}
}

// TestSaudiWeekend: Riyadh works Sunday to Thursday; Dubai Monday to Friday.
func TestSaudiWeekend(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ region, want string }{
		{"SA", "Sun Mon Tue Wed Thu Sun"},
		{"AE", "Mon Tue Wed Thu Fri Mon"},
	} {
		c := facteur.Calendar{Frequency: facteur.Workdays, At: "09:00", TimeZone: "Asia/Riyadh", Region: tc.region}
		runs, err := Preview(c, instant(t, "2027-03-06T12:00:00Z"), 6) // a Saturday
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, r := range runs {
			got = append(got, r.In(time.UTC).Format("Mon"))
		}
		if strings.Join(got, " ") != tc.want {
			t.Errorf("%s: %v, want %s", tc.region, got, tc.want)
		}
	}
	// Before 2022, the UAE's weekend was Friday–Saturday.
	c := facteur.Calendar{Frequency: facteur.Workdays, At: "09:00", TimeZone: "Asia/Dubai", Region: "AE"}
	n, _ := Next(c, instant(t, "2021-12-02T12:00:00Z")) // Thu; Fri 3 Dec was also National Day's holiday
	if got := n.Format(time.RFC3339); got != "2021-12-05T05:00:00Z" {
		t.Errorf("AE 2021: next after Thursday 2 Dec = %s, want Sunday 5 Dec", got)
	}
}

// TestHolidayOnDSTChange: Easter Sunday 2026 is the day Sydney's clocks go
// back (02:00–02:59 twice). A daily 02:30 slot on it that runs anyway runs
// once, at the first 02:30; moved to the next working day (Easter Monday is
// a holiday too) it runs on Tuesday at 02:30 AEST.
func TestHolidayOnDSTChange(t *testing.T) {
	t.Parallel()
	c := daily("02:30", "Australia/Sydney")
	c.Region = "AU-NSW"
	got, err := Explain(c, instant(t, "2026-04-04T00:00:00Z"), 2)
	if err != nil {
		t.Fatal(err)
	}
	want := []Slot{
		{At: instant(t, "2026-04-04T15:30:00Z"), Notes: []string{"Sun 5 Apr 2026: Easter Sunday → runs anyway"}}, // 02:30 AEDT
		{At: instant(t, "2026-04-05T16:30:00Z"), Notes: []string{"Mon 6 Apr 2026: Easter Monday → runs anyway"}}, // 02:30 AEST
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("run anyway:\n got %v\nwant %v", got, want)
	}
	c.OnClosed = facteur.OnClosedNext
	got, err = Explain(c, instant(t, "2026-04-01T00:00:00Z"), 2)
	if err != nil {
		t.Fatal(err)
	}
	want = []Slot{
		{At: instant(t, "2026-04-01T15:30:00Z")}, // Thu 2 Apr 02:30 AEDT
		{At: instant(t, "2026-04-06T16:30:00Z"), Notes: []string{ // Tue 7 Apr 02:30 AEST, one run
			"Fri 3 Apr 2026: Good Friday → Tue 7 Apr", "Sat 4 Apr 2026: Easter Saturday → Tue 7 Apr",
			"Sun 5 Apr 2026: Easter Sunday → Tue 7 Apr", "Mon 6 Apr 2026: Easter Monday → Tue 7 Apr"}},
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("moved:\n got %v\nwant %v", got, want)
	}
	// Moved back onto the day the clocks go forward in Paris (Sunday 28
	// March 2027, 02:00–02:59 missing), by a closure list that closes
	// Monday: 02:30 runs at the end of the gap, 03:00 CEST.
	office := facteur.ClosureList{Name: "Office closures", Days: []facteur.ClosureDays{{From: "2027-03-29", Label: "Inventory"}}}
	c = facteur.Calendar{Frequency: facteur.Weekly, Weekday: "mon", At: "02:30", TimeZone: "Europe/Paris",
		OnClosed: facteur.OnClosedPrevious, Closures: []string{"Office closures"}, ClosureLists: []facteur.ClosureList{office}}
	n, err := Next(c, instant(t, "2027-03-24T00:00:00Z"))
	if err != nil || n.Format(time.RFC3339) != "2027-03-26T01:30:00Z" { // Fri 26 Mar 02:30 CET
		t.Errorf("moved back: %s, %v", n, err)
	}
	c.Region = "" // no region: Saturday and Sunday are the weekend
	c.Closures = []string{"Office closures"}
	c.OnClosed = facteur.OnClosedRun
	c.Weekday = "sun"
	n, err = Next(c, instant(t, "2027-03-27T00:00:00Z"))
	if err != nil || n.Format(time.RFC3339) != "2027-03-28T01:00:00Z" {
		t.Errorf("run anyway in the gap: %s, %v", n, err)
	}
}

// TestNthWorkdayMonthStartingOnWeekendAndHoliday: January 2028 starts on
// Saturday 1 January, New Year's Day, observed in England on Monday 3.
func TestNthWorkdayMonthStartingOnWeekendAndHoliday(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		nth    int
		period string
		want   string
		notes  string
	}{
		{1, "", "2028-01-04T06:00:00Z", "Sat 1 Jan 2028: New Year's Day → Tue 4 Jan"},
		{2, "", "2028-01-05T06:00:00Z", ""},
		{1, facteur.PeriodQuarter, "2028-01-04T06:00:00Z", "Sat 1 Jan 2028: New Year's Day → Tue 4 Jan"},
		{-1, "", "2028-01-31T06:00:00Z", ""},
	} {
		c := facteur.Calendar{Frequency: facteur.Workday, Workday: tc.nth, Period: tc.period, At: "06:00", TimeZone: "Europe/London", Region: "GB-ENG"}
		got, err := Explain(c, instant(t, "2027-12-31T12:00:00Z"), 1)
		if err != nil {
			t.Fatal(err)
		}
		if got[0].At.Format(time.RFC3339) != tc.want || strings.Join(got[0].Notes, "; ") != tc.notes {
			t.Errorf("%d %s: %v, want %s %q", tc.nth, tc.period, got[0], tc.want, tc.notes)
		}
	}
	// France, May 2027: Saturday 1 May (Fête du Travail), Sunday 2; the
	// 1st working day is Monday 3, the 4th Friday 7 (6 May is Ascension).
	c := facteur.Calendar{Frequency: facteur.Workday, Workday: 4, At: "06:00", TimeZone: "Europe/Paris", Region: "FR"}
	n, err := Next(c, instant(t, "2027-04-30T00:00:00Z"))
	if err != nil || n.Format(time.RFC3339) != "2027-05-07T04:00:00Z" {
		t.Errorf("FR 4th working day of May 2027: %s, %v", n, err)
	}
}

// TestMovedSlotsProperties: for random calendars, a slot that moves runs
// on a working day, no two moved runs share a day, runs increase, and no
// slot of a non-working day is lost when it moves.
func TestMovedSlotsProperties(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(25, 9))
	codes := []string{}
	for _, r := range Regions() {
		codes = append(codes, r.Code)
	}
	zones := []string{"UTC", "Europe/Paris", "Australia/Sydney", "America/New_York", "Asia/Dubai"}
	office := facteur.ClosureList{Name: "Office closures", Days: []facteur.ClosureDays{
		{From: "2026-12-24", To: "2027-01-03"}, {From: "2027-08-02", To: "2027-08-20"}, {From: "2028-02-29"}}}
	for i := range 200 {
		var c facteur.Calendar
		switch rng.IntN(4) {
		case 0:
			c = daily(fmt.Sprintf("%02d:%02d", rng.IntN(24), rng.IntN(60)), "")
		case 1:
			c = weekly([]string{"mon", "tue", "wed", "thu", "fri", "sat", "sun"}[rng.IntN(7)], "02:30", "")
		case 2:
			c = monthly([]int{1, 15, 29, 31, -1}[rng.IntN(5)], "23:45", "")
		default:
			c = cron([]string{"0 6 * * *", "30 2 1 * *", "0 0 * * 6", "15 9 25 12 *"}[rng.IntN(4)], "")
		}
		c.TimeZone = zones[rng.IntN(len(zones))]
		c.Region = codes[rng.IntN(len(codes))]
		c.OnClosed = []string{facteur.OnClosedSkip, facteur.OnClosedNext, facteur.OnClosedPrevious}[rng.IntN(3)]
		if rng.IntN(2) == 0 {
			c.Closures, c.ClosureLists = []string{"Office closures"}, []facteur.ClosureList{office}
		}
		r, err := compile(c)
		if err != nil {
			t.Fatalf("%d: %+v: %v", i, c, err)
		}
		if err := Validate(c); err != nil {
			// Christmas Day skipped where it is a holiday never runs:
			// refused, saying why.
			if !strings.Contains(facteur.ErrorMessage(err), "calendar.on_closed: every slot falls on a non-working day") {
				t.Fatalf("%d: %+v: %v", i, c, err)
			}
			continue
		}
		after := time.Date(2026, time.Month(1+rng.IntN(12)), 1+rng.IntN(28), rng.IntN(24), 0, 0, 0, time.UTC)
		runs, err := Preview(c, after, 60)
		if err != nil {
			t.Fatalf("%d: %+v: %v", i, c, err)
		}
		seen := map[time.Time]bool{}
		prev := after
		for _, run := range runs {
			day := wallClock(run, r.loc).Truncate(24 * time.Hour)
			if !run.After(prev) {
				t.Fatalf("%d %+v: runs not increasing: %s after %s", i, c, run, prev)
			}
			if !r.work.working(day) {
				t.Fatalf("%d %+v: run %s on a non-working day (%s)", i, c, run, r.work.closed(day))
			}
			if seen[day] && r.freq != facteur.Cron {
				t.Fatalf("%d %+v: two runs on %s", i, c, day.Format(time.DateOnly))
			}
			seen[day] = true
			prev = run
		}
		// Each slot between the first and last run on a non-working day ran
		// on its next (previous) working day, unless skipped.
		if c.OnClosed == facteur.OnClosedSkip || len(runs) < 2 {
			continue
		}
		first, last := wallClock(runs[0], r.loc).Truncate(24*time.Hour), wallClock(runs[len(runs)-1], r.loc).Truncate(24*time.Hour)
		step := 1
		if c.OnClosed == facteur.OnClosedPrevious {
			step = -1
		}
		for d := first.AddDate(0, 0, 7); d.Before(last.AddDate(0, 0, -7)); d = d.AddDate(0, 0, 1) {
			if _, own := r.firstSlot(d); !own || r.work.working(d) {
				continue
			}
			to := d
			for !r.work.working(to) {
				to = to.AddDate(0, 0, step)
			}
			if !seen[to] {
				t.Fatalf("%d %+v: the slot of %s was lost (no run on %s)", i, c, d.Format(time.DateOnly), to.Format(time.DateOnly))
			}
		}
	}
}

// TestValidateWorkingDayFields: each wrong field is refused, saying what
// to fix.
func TestValidateWorkingDayFields(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		cal  facteur.Calendar
		want string
	}{
		{facteur.Calendar{Frequency: facteur.Daily, Region: "XX"}, `calendar.region: unknown region "XX"; use one of AE, `},
		{facteur.Calendar{Frequency: facteur.Daily, OnClosed: "later"}, `calendar.on_closed: use run, skip, next or previous (got "later")`},
		{facteur.Calendar{Frequency: facteur.Workdays, OnClosed: "next"}, "calendar.on_closed: a workdays calendar runs on working days only; leave on_closed empty"},
		{facteur.Calendar{Frequency: facteur.Workday}, "calendar.workday: choose which working day: 1 for the first, 2 for the second, …, -1 for the last"},
		{facteur.Calendar{Frequency: facteur.Workday, Workday: 24}, "calendar.workday: a month has at most 23 working days; use 1 to 23, or -1 to -23 counting from the end (got 24)"},
		{facteur.Calendar{Frequency: facteur.Workday, Workday: -67, Period: "quarter"}, "calendar.workday: a quarter has at most 66 working days"},
		{facteur.Calendar{Frequency: facteur.Workday, Workday: 1, Period: "year"}, `calendar.period: use month or quarter (got "year")`},
		{facteur.Calendar{Frequency: facteur.Daily, Workday: 1}, "calendar.workday: only a workday calendar takes the number of a working day"},
		{facteur.Calendar{Frequency: facteur.Monthly, DayOfMonth: 1, Period: "month"}, "calendar.period: only a workday calendar counts in a period"},
		{facteur.Calendar{Frequency: facteur.Weekly, Weekday: "sat", OnClosed: "skip"}, "calendar.on_closed: every slot falls on a non-working day and is skipped; choose next or previous, or other days"},
		{facteur.Calendar{Frequency: facteur.Daily, Closures: []string{"a", "a"}}, `calendar.closures: "a" is named twice`},
		{facteur.Calendar{Frequency: facteur.Daily, Closures: strings.Split("a b c d e f g h i j k", " ")}, "calendar.closures: at most 10 closure lists"},
	} {
		err := Validate(tc.cal)
		if facteur.ErrorCode(err) != facteur.EINVALID || !strings.HasPrefix(facteur.ErrorMessage(err), tc.want) {
			t.Errorf("Validate(%+v) = %v, want %s", tc.cal, err, tc.want)
		}
	}
	for _, tc := range []struct {
		list facteur.ClosureList
		want string
	}{
		{facteur.ClosureList{}, "name: give the closure list a name"},
		{facteur.ClosureList{Name: "a", Days: []facteur.ClosureDays{{From: "1969-12-31"}}}, `days[0].from: use a date YYYY-MM-DD between 1970 and 2200 (got "1969-12-31")`},
		{facteur.ClosureList{Name: "a", Days: []facteur.ClosureDays{{From: "2026-01-01"}, {From: "2026-12-31", To: "2026-12-24"}}}, "days[1].to: the last day 2026-12-24 is before the first 2026-12-31"},
		{facteur.ClosureList{Name: "a", Days: []facteur.ClosureDays{{From: "2026-01-01", To: "2027-01-02"}}}, "days[0].to: a range spans at most 366 days; split it"},
		{facteur.ClosureList{Name: "a", Days: make([]facteur.ClosureDays, 367)}, "days: at most 366 dates or ranges in one list"},
	} {
		err := ValidateClosureList(tc.list)
		if facteur.ErrorCode(err) != facteur.EINVALID || !strings.HasPrefix(facteur.ErrorMessage(err), tc.want) {
			t.Errorf("ValidateClosureList(%+v) = %v, want %s", tc.list.Name, err, tc.want)
		}
	}
}
