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
		if len(c.Days) > 7 || len(c.Months) > 12 || len(c.Cron) > facteur.MaxCronLen {
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
