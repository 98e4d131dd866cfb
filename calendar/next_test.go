package calendar

import (
	"slices"
	"testing"
	"time"

	"github.com/facteur/facteur"
)

// 2025-01-01 is a Wednesday: Fri 3, Sat 4, Sun 5, Mon 6, Wed 8, Fri 10, Mon 13.
func TestNextRules(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		cal   facteur.Calendar
		after string
		want  string
	}{
		// Daily.
		{"every day defaults to 00:00 UTC", daily("", ""), "2025-01-01T10:00:00Z", "2025-01-02T00:00:00Z"},
		{"every day, later the same day", daily("23:00", "UTC"), "2025-01-01T10:00:00Z", "2025-01-01T23:00:00Z"},
		{"strictly after a run", daily("06:00", "UTC"), "2025-01-01T06:00:00Z", "2025-01-02T06:00:00Z"},
		{"just before a run", daily("06:00", "UTC"), "2025-01-01T05:59:59.999Z", "2025-01-01T06:00:00Z"},
		{"weekdays skip the weekend", daily("06:00", "Europe/Paris", "weekdays"), "2025-01-03T05:00:00Z", "2025-01-06T05:00:00Z"},
		{"weekdays from saturday", daily("06:00", "Europe/Paris", "weekdays"), "2025-01-04T12:00:00Z", "2025-01-06T05:00:00Z"},
		{"weekends", daily("09:00", "UTC", "weekends"), "2025-01-03T00:00:00Z", "2025-01-04T09:00:00Z"},
		{"weekends, saturday to sunday", daily("09:00", "UTC", "weekends"), "2025-01-04T09:00:00Z", "2025-01-05T09:00:00Z"},
		{"weekends, sunday to next saturday", daily("09:00", "UTC", "weekends"), "2025-01-05T09:00:00Z", "2025-01-11T09:00:00Z"},
		{"mon wed fri, mon to wed", daily("07:30", "America/New_York", "mon", "wed", "fri"), "2025-01-06T12:30:00Z", "2025-01-08T12:30:00Z"},
		{"mon wed fri, wed to fri", daily("07:30", "America/New_York", "mon", "wed", "fri"), "2025-01-08T12:30:00Z", "2025-01-10T12:30:00Z"},
		{"mon wed fri, fri to mon", daily("07:30", "America/New_York", "mon", "wed", "fri"), "2025-01-10T12:30:00Z", "2025-01-13T12:30:00Z"},
		{"day names in any case", daily("07:30", "UTC", "MON", "Wed"), "2025-01-06T07:30:00Z", "2025-01-08T07:30:00Z"},
		{"a day in the zone, another in UTC", daily("00:30", "Asia/Kolkata", "mon"), "2025-01-05T00:00:00Z", "2025-01-05T19:00:00Z"}, // Mon 6 00:30 IST

		// Weekly.
		{"weekly monday", weekly("mon", "08:00", "Europe/Paris"), "2025-01-06T07:00:00Z", "2025-01-13T07:00:00Z"},
		{"weekly across spring forward", weekly("mon", "08:00", "Europe/Paris"), "2025-03-24T07:00:00Z", "2025-03-31T06:00:00Z"}, // 08:00 CEST
		{"weekly later the same day", weekly("wed", "18:00", "UTC"), "2025-01-01T17:00:00Z", "2025-01-01T18:00:00Z"},
		{"weekly upper case", weekly("SUN", "", "UTC"), "2025-01-01T00:00:00Z", "2025-01-05T00:00:00Z"},

		// Monthly: leap years and short months.
		{"29th in leap february", monthly(29, "", "UTC"), "2024-02-01T00:00:00Z", "2024-02-29T00:00:00Z"},
		{"29th in common february", monthly(29, "", "UTC"), "2025-02-01T00:00:00Z", "2025-02-28T00:00:00Z"},
		{"30th in leap february", monthly(30, "", "UTC"), "2024-02-01T00:00:00Z", "2024-02-29T00:00:00Z"},
		{"30th in common february", monthly(30, "", "UTC"), "2025-02-01T00:00:00Z", "2025-02-28T00:00:00Z"},
		{"31st in leap february", monthly(31, "", "UTC"), "2024-02-01T00:00:00Z", "2024-02-29T00:00:00Z"},
		{"31st in common february", monthly(31, "", "UTC"), "2025-02-01T00:00:00Z", "2025-02-28T00:00:00Z"},
		{"last day in leap february", monthly(-1, "", "UTC"), "2024-02-01T00:00:00Z", "2024-02-29T00:00:00Z"},
		{"last day in common february", monthly(-1, "", "UTC"), "2025-02-01T00:00:00Z", "2025-02-28T00:00:00Z"},
		{"31st in april is the 30th", monthly(31, "", "UTC"), "2025-04-01T00:00:00Z", "2025-04-30T00:00:00Z"},
		{"31st after the april run", monthly(31, "", "UTC"), "2025-04-30T00:00:00Z", "2025-05-31T00:00:00Z"},
		{"last day at 23:00", monthly(-1, "23:00", "UTC"), "2025-04-29T23:00:00Z", "2025-04-30T23:00:00Z"},
		{"last day after a run", monthly(-1, "23:00", "UTC"), "2025-04-30T23:00:00Z", "2025-05-31T23:00:00Z"},
		{"last day of december", monthly(-1, "23:00", "UTC"), "2025-12-01T00:00:00Z", "2025-12-31T23:00:00Z"},
		{"30th of february only", monthly(30, "06:00", "Europe/Paris", 2), "2025-01-01T00:00:00Z", "2025-02-28T05:00:00Z"},
		{"30th of february, next year", monthly(30, "06:00", "Europe/Paris", 2), "2025-02-28T05:00:00Z", "2026-02-28T05:00:00Z"},
		{"30th of february in a leap year", monthly(30, "06:00", "Europe/Paris", 2), "2027-03-01T00:00:00Z", "2028-02-29T05:00:00Z"},
		{"1st of quarter, january to april", monthly(1, "06:00", "Europe/Paris", 1, 4, 7, 10), "2025-01-01T05:00:00Z", "2025-04-01T04:00:00Z"},   // CEST
		{"1st of quarter, october to january", monthly(1, "06:00", "Europe/Paris", 1, 4, 7, 10), "2025-10-01T04:00:00Z", "2026-01-01T05:00:00Z"}, // CET
		{"monthly in the spring gap", monthly(30, "02:30", "Europe/Paris", 3), "2025-03-01T00:00:00Z", "2025-03-30T01:00:00Z"},
		{"monthly in the repeated hour", monthly(26, "02:30", "Europe/Paris", 10), "2025-10-01T00:00:00Z", "2025-10-26T00:30:00Z"},

		// Cron, read on the zone's wall clock.
		{"cron in paris, spring gap", cron("30 2 * * *", "Europe/Paris"), "2025-03-29T12:00:00Z", "2025-03-30T01:00:00Z"},
		{"cron in paris, after the gap run", cron("30 2 * * *", "Europe/Paris"), "2025-03-30T01:00:00Z", "2025-03-31T00:30:00Z"},
		{"cron in paris, repeated hour first", cron("30 2 * * *", "Europe/Paris"), "2025-10-25T12:00:00Z", "2025-10-26T00:30:00Z"},
		{"cron in paris, after first", cron("30 2 * * *", "Europe/Paris"), "2025-10-26T00:30:00Z", "2025-10-27T01:30:00Z"},
		{"cron in paris, after second", cron("30 2 * * *", "Europe/Paris"), "2025-10-26T01:30:00Z", "2025-10-27T01:30:00Z"},
		{"cron in santiago, midnight gap", cron("0 0 * * *", "America/Santiago"), "2025-09-06T12:00:00Z", "2025-09-07T04:00:00Z"},
		{"cron in sydney, gap", cron("30 2 * * *", "Australia/Sydney"), "2025-10-04T00:00:00Z", "2025-10-04T16:00:00Z"},
		{"cron in kolkata", cron("0 6 * * *", "Asia/Kolkata"), "2025-06-01T00:00:00Z", "2025-06-01T00:30:00Z"},
		{"cron weekdays across weekend", cron("0 9 * * 1-5", "America/New_York"), "2025-01-03T14:00:00Z", "2025-01-06T14:00:00Z"},
		{"cron day names", cron("0 9 * * mon,fri", "UTC"), "2025-01-03T09:00:00Z", "2025-01-06T09:00:00Z"},
		{"cron every 15 minutes, fractional after", cron("*/15 * * * *", "UTC"), "2025-01-01T00:14:59.5Z", "2025-01-01T00:15:00Z"},
		{"cron every 15 minutes, on a slot", cron("*/15 * * * *", "UTC"), "2025-01-01T00:15:00Z", "2025-01-01T00:30:00Z"},
		{"cron 15-minute slot in second pass is skipped", cron("*/15 * * * *", "Europe/Paris"), "2025-10-26T01:00:00Z", "2025-10-26T02:00:00Z"},
		{"cron 15-minute, last slot of first pass", cron("*/15 * * * *", "Europe/Paris"), "2025-10-26T00:30:00Z", "2025-10-26T00:45:00Z"},
		{"cron leap day", cron("0 0 29 2 *", "UTC"), "2025-03-01T00:00:00Z", "2028-02-29T00:00:00Z"},
		{"cron last day of february", cron("0 12 L 2 *", "UTC"), "2025-01-01T00:00:00Z", "2025-02-28T12:00:00Z"},
		{"cron shorthand", cron("@daily", "Europe/Paris"), "2025-01-01T00:00:00Z", "2025-01-01T23:00:00Z"},
		{"cron day-of-month or day-of-week", cron("0 0 13 * 5", "UTC"), "2025-01-11T00:00:00Z", "2025-01-13T00:00:00Z"}, // Mon 13th, before Fri 17
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := Next(tt.cal, instant(t, tt.after))
			if err != nil {
				t.Fatalf("Next: %v", err)
			}
			if want := instant(t, tt.want); !got.Equal(want) || got.Location() != time.UTC {
				t.Errorf("Next(%s) = %s, want %s", tt.after, got.Format(time.RFC3339), want.Format(time.RFC3339))
			}
		})
	}
}

func TestPreview(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		cal   facteur.Calendar
		after string
		want  []string
	}{
		{"29th of every month", monthly(29, "", "UTC"), "2025-01-01T00:00:00Z",
			[]string{"2025-01-29T00:00:00Z", "2025-02-28T00:00:00Z", "2025-03-29T00:00:00Z", "2025-04-29T00:00:00Z"}},
		{"29th of every month, leap year", monthly(29, "", "UTC"), "2024-01-29T00:00:00Z",
			[]string{"2024-02-29T00:00:00Z", "2024-03-29T00:00:00Z"}},
		{"31st in 30-day months", monthly(31, "", "UTC"), "2025-03-31T00:00:00Z",
			[]string{"2025-04-30T00:00:00Z", "2025-05-31T00:00:00Z", "2025-06-30T00:00:00Z", "2025-07-31T00:00:00Z", "2025-08-31T00:00:00Z", "2025-09-30T00:00:00Z"}},
		{"1st of january, april, july and october", monthly(1, "06:00", "Europe/Paris", 10, 1, 7, 4), "2025-02-15T00:00:00Z",
			[]string{"2025-04-01T04:00:00Z", "2025-07-01T04:00:00Z", "2025-10-01T04:00:00Z", "2026-01-01T05:00:00Z"}},
		{"weekdays at 06:00 paris", daily("06:00", "Europe/Paris", "weekdays"), "2025-01-02T12:00:00Z",
			[]string{"2025-01-03T05:00:00Z", "2025-01-06T05:00:00Z", "2025-01-07T05:00:00Z"}},
		// Civil slots once each: the repeated hour's second pass (01:00Z–01:59Z,
		// 02:00–02:59 CET) has no runs.
		{"every 15 minutes across fall back", cron("*/15 * * * *", "Europe/Paris"), "2025-10-26T00:30:00Z",
			[]string{"2025-10-26T00:45:00Z", "2025-10-26T02:00:00Z", "2025-10-26T02:15:00Z", "2025-10-26T02:30:00Z"}},
		// 02:00–02:45 CET do not exist: they and 03:00 CEST run once, at 01:00Z.
		{"every 15 minutes across spring forward", cron("*/15 * * * *", "Europe/Paris"), "2025-03-30T00:30:00Z",
			[]string{"2025-03-30T00:45:00Z", "2025-03-30T01:00:00Z", "2025-03-30T01:15:00Z", "2025-03-30T01:30:00Z"}},
		{"hourly across lord howe fall back", cron("0 * * * *", "Australia/Lord_Howe"), "2025-04-05T13:30:00Z",
			// 01:00 +11 = 14:00Z; 02:00 +1030 = 15:30Z; 03:00 +1030 = 16:30Z.
			[]string{"2025-04-05T14:00:00Z", "2025-04-05T15:30:00Z", "2025-04-05T16:30:00Z"}},
		// 02:00–02:29 do not exist: 02:00, 02:10, 02:20 and 02:30 run once, at 02:30 +11.
		{"every 10 minutes in the lord howe half-hour gap", cron("*/10 2 * * *", "Australia/Lord_Howe"), "2025-10-04T15:00:00Z",
			[]string{"2025-10-04T15:30:00Z", "2025-10-04T15:40:00Z", "2025-10-04T15:50:00Z", "2025-10-05T15:00:00Z"}},
		{"daily 02:30 paris across spring forward", daily("02:30", "Europe/Paris"), "2025-03-29T00:00:00Z",
			[]string{"2025-03-29T01:30:00Z", "2025-03-30T01:00:00Z", "2025-03-31T00:30:00Z"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := Preview(tt.cal, instant(t, tt.after), len(tt.want))
			if err != nil {
				t.Fatalf("Preview: %v", err)
			}
			if want := instants(t, tt.want...); !slices.EqualFunc(got, want, time.Time.Equal) {
				t.Errorf("Preview = %v,\nwant %v", rfc(got), rfc(want))
			}
		})
	}
}

// Preview is strictly increasing, through the transitions of 2025 in every
// zone of the tests: each start is a few days before one of them.
func TestPreviewIncreasing(t *testing.T) {
	t.Parallel()
	zones := []string{"UTC", "Europe/Paris", "America/New_York", "Australia/Sydney", "Australia/Lord_Howe", "America/Santiago", "Asia/Kolkata"}
	cals := []facteur.Calendar{
		daily("00:00", ""), daily("02:30", ""), daily("23:30", "", "weekdays"), weekly("sun", "01:45", ""),
		monthly(-1, "00:00", ""), monthly(31, "02:15", ""), cron("*/20 * * * *", ""), cron("30 0-3 * * 0", ""),
	}
	afters := instants(t, "2025-01-01T00:00:00Z", "2025-03-07T00:00:00Z", "2025-03-28T00:00:00Z", "2025-04-03T00:00:00Z",
		"2025-09-04T00:00:00Z", "2025-10-02T00:00:00Z", "2025-10-24T00:00:00Z", "2025-10-31T00:00:00Z")
	for _, z := range zones {
		for _, c := range cals {
			c.TimeZone = z
			for _, after := range afters {
				const n = 300
				got, err := Preview(c, after, n)
				if err != nil {
					t.Fatalf("%s: Preview: %v", Describe(c), err)
				}
				if len(got) != n {
					t.Fatalf("%s: %d times, want %d", Describe(c), len(got), n)
				}
				prev := after
				for i, g := range got {
					if !g.After(prev) {
						t.Fatalf("%s from %s: time %d %s is not after %s", Describe(c), after.Format(time.RFC3339), i, g.Format(time.RFC3339), prev.Format(time.RFC3339))
					}
					prev = g
				}
			}
		}
	}
}

func TestNextErrors(t *testing.T) {
	t.Parallel()
	after := instant(t, "2025-01-01T00:00:00Z")
	for _, expr := range []string{"0 0 30 2 *", "0 0 31 4,6,9,11 *"} {
		_, err := Next(cron(expr, "UTC"), after)
		if facteur.ErrorCode(err) != facteur.EINVALID || facteur.ErrorMessage(err) != "calendar: no run time in the next years" {
			t.Errorf("Next(%q) error = %v, want EINVALID no run time", expr, err)
		}
		if _, err := Preview(cron(expr, "UTC"), after, 3); facteur.ErrorCode(err) != facteur.EINVALID {
			t.Errorf("Preview(%q) error = %v, want EINVALID", expr, err)
		}
	}
	if _, err := Next(daily("25:00", "UTC"), after); facteur.ErrorMessage(err) != "calendar.at: use HH:MM, 24-hour, e.g. 06:00" {
		t.Errorf("Next of an invalid calendar: %v", err)
	}
	for _, n := range []int{0, -1, MaxPreview + 1} {
		if _, err := Preview(daily("", ""), after, n); facteur.ErrorCode(err) != facteur.EINVALID {
			t.Errorf("Preview(n=%d) error = %v, want EINVALID", n, err)
		}
	}
}
