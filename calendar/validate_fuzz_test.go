package calendar

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/facteur/facteur"
)

// FuzzValidate: a calendar as a user sends it is refused with EINVALID
// naming a calendar field, or is accepted, gives a next run after any
// instant, and is accepted again after it is stored and read back.
func FuzzValidate(f *testing.F) {
	for _, s := range []string{
		`{"frequency":"daily","at":"06:00","time_zone":"Europe/Paris","days":["weekdays"]}`,
		`{"frequency":"weekly","weekday":"mon","at":"23:59"}`,
		`{"frequency":"monthly","day_of_month":-1,"months":[1,12]}`,
		`{"frequency":"cron","cron":"*/15 9-17 * * 1-5","time_zone":"America/New_York"}`,
		`{"frequency":"cron","cron":"0 0 31 2 *"}`, `{"frequency":"daily","time_zone":"Local"}`,
		`{"frequency":"daily","time_zone":"Europe/./Paris"}`, `{"frequency":"daily","at":"24:00"}`,
		`{"frequency":"monthly","day_of_month":32}`, `{"frequency":"daily","days":["mon","mon","mon","mon","mon","mon","mon","mon"]}`,
		`{"frequency":"workdays","at":"06:00","region":"FR"}`, `{"frequency":"workday","workday":-1,"period":"quarter","region":"us"}`,
		`{"frequency":"workday","workday":23,"region":"DE-BY"}`, `{"frequency":"workday","workday":67,"period":"quarter"}`,
		`{"frequency":"weekly","weekday":"sat","on_closed":"skip"}`, `{"frequency":"monthly","day_of_month":1,"on_closed":"previous","region":"AE"}`,
		`{"frequency":"cron","cron":"0 6 25 12 *","on_closed":"next","region":"GB-ENG"}`, `{"frequency":"daily","closures":["Office"]}`,
		`{"frequency":"workdays","on_closed":"next"}`, `{"frequency":"daily","region":"XX"}`,
	} {
		f.Add([]byte(s), int64(1767225600))
	}
	f.Fuzz(func(t *testing.T, raw []byte, at int64) {
		var c facteur.Calendar
		if json.Unmarshal(raw, &c) != nil {
			return
		}
		if err := Validate(c); err != nil {
			if facteur.ErrorCode(err) != facteur.EINVALID || !strings.HasPrefix(facteur.ErrorMessage(err), "calendar.") {
				t.Fatalf("Validate(%s): %v", raw, err)
			}
			return
		}
		if len(c.Days) > 7 || len(c.Months) > 12 || len(c.Cron) > facteur.MaxCronLen || len(c.Closures) > 0 {
			t.Fatalf("accepted %s", raw)
		}
		after := time.Unix(at%(100*365*86400), 0).UTC()
		if after.Year() < 1970 {
			after = after.AddDate(100, 0, 0)
		}
		next, err := Next(c, after)
		if err != nil || !next.After(after) {
			t.Fatalf("%s: Next(%s) = %s, %v", raw, after, next, err)
		}
		b, _ := json.Marshal(c)
		var back facteur.Calendar
		if err := json.Unmarshal(b, &back); err != nil || Validate(back) != nil {
			t.Fatalf("stored %s does not validate again", b)
		}
	})
}

// FuzzClosureList: a closure list as a user sends it is refused with
// EINVALID naming a field, or is accepted with every date inside the
// bounds, and then a calendar that observes it validates.
func FuzzClosureList(f *testing.F) {
	for _, s := range []string{
		`{"name":"Office closures","days":[{"from":"2026-12-24","to":"2026-12-31","label":"Christmas break"}]}`,
		`{"name":"x","days":[{"from":"1969-12-31"}]}`, `{"name":"x","days":[{"from":"2201-01-01"}]}`,
		`{"name":"x","days":[{"from":"2026-02-30"}]}`, `{"name":"x","days":[{"from":"2026-03-01","to":"2026-02-01"}]}`,
		`{"name":"x","days":[{"from":"2026-01-01","to":"2027-01-02"}]}`, `{"name":" x","days":[]}`, `{"name":"","days":[]}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		var l facteur.ClosureList
		if json.Unmarshal(raw, &l) != nil {
			return
		}
		err := ValidateClosureList(l)
		if err != nil {
			msg := facteur.ErrorMessage(err)
			if facteur.ErrorCode(err) != facteur.EINVALID || !(strings.HasPrefix(msg, "name:") || strings.HasPrefix(msg, "days")) {
				t.Fatalf("ValidateClosureList(%s): %v", raw, err)
			}
			return
		}
		if len(l.Days) > facteur.MaxClosureEntries || len(l.Name) > facteur.MaxClosureNameLen {
			t.Fatalf("accepted %s", raw)
		}
		for _, e := range l.Days {
			from, ok := parseDate(e.From)
			if !ok || e.From != from.Format(time.DateOnly) {
				t.Fatalf("accepted date %q", e.From)
			}
		}
		c := facteur.Calendar{Frequency: facteur.Workdays, Closures: []string{l.Name}, ClosureLists: []facteur.ClosureList{l}}
		if err := Validate(c); err != nil && !strings.Contains(facteur.ErrorMessage(err), "never runs") {
			t.Fatalf("calendar observing %s: %v", raw, err)
		}
	})
}
