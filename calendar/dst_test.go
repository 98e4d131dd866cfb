package calendar

import (
	"testing"
	"time"

	"github.com/facteur/facteur"
)

// The transitions of 2025 used below, from the tz database (checked with
// `zdump -v -c 2025,2026`):
//
//	Europe/Paris        Mar 30 01:00Z  02:00 CET  -> 03:00 CEST  (02:00–02:59 missing)
//	                    Oct 26 01:00Z  03:00 CEST -> 02:00 CET   (02:00–02:59 twice)
//	America/New_York    Mar  9 07:00Z  02:00 EST  -> 03:00 EDT   (02:00–02:59 missing)
//	                    Nov  2 06:00Z  02:00 EDT  -> 01:00 EST   (01:00–01:59 twice)
//	Australia/Sydney    Apr  5 16:00Z  Apr 6 03:00 AEDT -> 02:00 AEST (02:00–02:59 twice)
//	                    Oct  4 16:00Z  Oct 5 02:00 AEST -> 03:00 AEDT (02:00–02:59 missing)
//	Australia/Lord_Howe Apr  5 15:00Z  Apr 6 02:00 +11 -> 01:30 +1030 (01:30–01:59 twice)
//	                    Oct  4 15:30Z  Oct 5 02:00 +1030 -> 02:30 +11 (02:00–02:29 missing)
//	America/Santiago    Apr  6 03:00Z  Apr 6 00:00 -03 -> Apr 5 23:00 -04 (Apr 5 23:00–23:59 twice)
//	                    Sep  7 04:00Z  Sep 7 00:00 -04 -> 01:00 -03 (00:00–00:59 missing)
//	Asia/Kolkata        none, always +05:30
//
// Rule E4: a missing time runs once at the end of the gap; a repeated time
// runs once, at its first occurrence.
func TestNextAcrossDST(t *testing.T) {
	t.Parallel()
	const (
		paris    = "Europe/Paris"
		newYork  = "America/New_York"
		sydney   = "Australia/Sydney"
		lordHowe = "Australia/Lord_Howe"
		santiago = "America/Santiago"
		kolkata  = "Asia/Kolkata"
	)
	tests := []struct {
		name  string
		cal   facteur.Calendar
		after string
		want  string
	}{
		// Paris, spring forward.
		{"paris day before gap", daily("02:30", paris), "2025-03-29T00:00:00Z", "2025-03-29T01:30:00Z"}, // 02:30 CET
		{"paris 02:30 in gap runs at 03:00 CEST", daily("02:30", paris), "2025-03-29T12:00:00Z", "2025-03-30T01:00:00Z"},
		{"paris gap, after 01:59:59 CET", daily("02:30", paris), "2025-03-30T00:59:59Z", "2025-03-30T01:00:00Z"},
		{"paris after the gap-end run", daily("02:30", paris), "2025-03-30T01:00:00Z", "2025-03-31T00:30:00Z"}, // 02:30 CEST
		{"paris 02:00 gap start", daily("02:00", paris), "2025-03-29T12:00:00Z", "2025-03-30T01:00:00Z"},
		{"paris 02:59 gap end", daily("02:59", paris), "2025-03-29T12:00:00Z", "2025-03-30T01:00:00Z"},
		{"paris 01:59 just before gap", daily("01:59", paris), "2025-03-29T12:00:00Z", "2025-03-30T00:59:00Z"}, // 01:59 CET
		{"paris 03:00 just after gap", daily("03:00", paris), "2025-03-29T12:00:00Z", "2025-03-30T01:00:00Z"},  // 03:00 CEST
		{"paris after given in local offset", daily("02:30", paris), "2025-03-30T01:59:59+01:00", "2025-03-30T01:00:00Z"},

		// Paris, fall back.
		{"paris 02:30 repeated runs at first (CEST)", daily("02:30", paris), "2025-10-25T12:00:00Z", "2025-10-26T00:30:00Z"},
		{"paris just before first 02:30", daily("02:30", paris), "2025-10-26T00:29:59Z", "2025-10-26T00:30:00Z"},
		{"paris after first 02:30", daily("02:30", paris), "2025-10-26T00:30:00Z", "2025-10-27T01:30:00Z"}, // 02:30 CET
		{"paris after second 02:30", daily("02:30", paris), "2025-10-26T01:30:00Z", "2025-10-27T01:30:00Z"},
		{"paris after second 02:30 in local offset", daily("02:30", paris), "2025-10-26T02:30:00+01:00", "2025-10-27T01:30:00Z"},
		{"paris in second pass before 02:30", daily("02:30", paris), "2025-10-26T01:00:00Z", "2025-10-27T01:30:00Z"},
		{"paris 02:00 repeated", daily("02:00", paris), "2025-10-25T12:00:00Z", "2025-10-26T00:00:00Z"},             // 02:00 CEST
		{"paris 01:59 before repeated hour", daily("01:59", paris), "2025-10-25T12:00:00Z", "2025-10-25T23:59:00Z"}, // 01:59 CEST
		{"paris 03:00 after repeated hour", daily("03:00", paris), "2025-10-25T12:00:00Z", "2025-10-26T02:00:00Z"},  // 03:00 CET

		// New York.
		{"ny 02:30 in gap runs at 03:00 EDT", daily("02:30", newYork), "2025-03-08T12:00:00Z", "2025-03-09T07:00:00Z"},
		{"ny after gap-end run", daily("02:30", newYork), "2025-03-09T07:00:00Z", "2025-03-10T06:30:00Z"}, // 02:30 EDT
		{"ny 01:59 before gap", daily("01:59", newYork), "2025-03-08T12:00:00Z", "2025-03-09T06:59:00Z"},  // 01:59 EST
		{"ny day before gap", daily("02:30", newYork), "2025-03-07T12:00:00Z", "2025-03-08T07:30:00Z"},    // 02:30 EST
		{"ny 01:30 repeated runs at first (EDT)", daily("01:30", newYork), "2025-11-01T12:00:00Z", "2025-11-02T05:30:00Z"},
		{"ny after first 01:30", daily("01:30", newYork), "2025-11-02T05:30:00Z", "2025-11-03T06:30:00Z"}, // 01:30 EST
		{"ny after second 01:30", daily("01:30", newYork), "2025-11-02T06:30:00Z", "2025-11-03T06:30:00Z"},
		{"ny 02:30 after repeated hour", daily("02:30", newYork), "2025-11-01T12:00:00Z", "2025-11-02T07:30:00Z"},  // 02:30 EST
		{"ny 00:59 before repeated hour", daily("00:59", newYork), "2025-11-01T12:00:00Z", "2025-11-02T04:59:00Z"}, // 00:59 EDT
		{"ny weekly sunday in gap", weekly("sun", "02:30", newYork), "2025-03-03T00:00:00Z", "2025-03-09T07:00:00Z"},

		// Sydney: clocks go back in April, forward in October.
		{"sydney 02:30 repeated runs at first (AEDT)", daily("02:30", sydney), "2025-04-05T00:00:00Z", "2025-04-05T15:30:00Z"},
		{"sydney after first 02:30", daily("02:30", sydney), "2025-04-05T15:30:00Z", "2025-04-06T16:30:00Z"}, // Apr 7 02:30 AEST
		{"sydney after second 02:30", daily("02:30", sydney), "2025-04-05T16:30:00Z", "2025-04-06T16:30:00Z"},
		{"sydney 03:00 after repeated hour", daily("03:00", sydney), "2025-04-05T00:00:00Z", "2025-04-05T17:00:00Z"},  // 03:00 AEST
		{"sydney 01:59 before repeated hour", daily("01:59", sydney), "2025-04-05T00:00:00Z", "2025-04-05T14:59:00Z"}, // 01:59 AEDT
		{"sydney 02:30 in gap runs at 03:00 AEDT", daily("02:30", sydney), "2025-10-04T00:00:00Z", "2025-10-04T16:00:00Z"},
		{"sydney after gap-end run", daily("02:30", sydney), "2025-10-04T16:00:00Z", "2025-10-05T15:30:00Z"}, // Oct 6 02:30 AEDT
		{"sydney 01:59 before gap", daily("01:59", sydney), "2025-10-04T00:00:00Z", "2025-10-04T15:59:00Z"},  // 01:59 AEST
		{"sydney 03:00 after gap", daily("03:00", sydney), "2025-10-04T00:00:00Z", "2025-10-04T16:00:00Z"},   // 03:00 AEDT

		// Lord Howe: 30-minute shifts.
		{"lord howe 01:45 repeated runs at first (+11)", daily("01:45", lordHowe), "2025-04-05T00:00:00Z", "2025-04-05T14:45:00Z"},
		{"lord howe after first 01:45", daily("01:45", lordHowe), "2025-04-05T14:45:00Z", "2025-04-06T15:15:00Z"}, // Apr 7 01:45 +1030
		{"lord howe after second 01:45", daily("01:45", lordHowe), "2025-04-05T15:15:00Z", "2025-04-06T15:15:00Z"},
		{"lord howe 02:00 after repeated half hour", daily("02:00", lordHowe), "2025-04-05T00:00:00Z", "2025-04-05T15:30:00Z"}, // 02:00 +1030
		{"lord howe 02:15 in gap runs at 02:30 +11", daily("02:15", lordHowe), "2025-10-04T00:00:00Z", "2025-10-04T15:30:00Z"},
		{"lord howe 02:00 gap start", daily("02:00", lordHowe), "2025-10-04T00:00:00Z", "2025-10-04T15:30:00Z"},
		{"lord howe 02:30 gap end", daily("02:30", lordHowe), "2025-10-04T00:00:00Z", "2025-10-04T15:30:00Z"},
		{"lord howe 01:59 before gap", daily("01:59", lordHowe), "2025-10-04T00:00:00Z", "2025-10-04T15:29:00Z"},  // 01:59 +1030
		{"lord howe after gap-end run", daily("02:15", lordHowe), "2025-10-04T15:30:00Z", "2025-10-05T15:15:00Z"}, // Oct 6 02:15 +11

		// Santiago: transitions at midnight.
		{"santiago 00:00 in gap runs at 01:00 -03", daily("00:00", santiago), "2025-09-06T12:00:00Z", "2025-09-07T04:00:00Z"},
		{"santiago default at in gap", daily("", santiago), "2025-09-06T12:00:00Z", "2025-09-07T04:00:00Z"},
		{"santiago 00:30 in gap", daily("00:30", santiago), "2025-09-06T12:00:00Z", "2025-09-07T04:00:00Z"},
		{"santiago 01:00 after gap", daily("01:00", santiago), "2025-09-06T12:00:00Z", "2025-09-07T04:00:00Z"},
		{"santiago day before gap", daily("00:00", santiago), "2025-09-05T12:00:00Z", "2025-09-06T04:00:00Z"},    // 00:00 -04
		{"santiago after gap-end run", daily("00:00", santiago), "2025-09-07T04:00:00Z", "2025-09-08T03:00:00Z"}, // 00:00 -03
		{"santiago 23:59 before gap", daily("23:59", santiago), "2025-09-06T12:00:00Z", "2025-09-07T03:59:00Z"},  // Sep 6 23:59 -04
		{"santiago 23:30 repeated runs at first (-03)", daily("23:30", santiago), "2025-04-05T12:00:00Z", "2025-04-06T02:30:00Z"},
		{"santiago after first 23:30", daily("23:30", santiago), "2025-04-06T02:30:00Z", "2025-04-07T03:30:00Z"}, // Apr 6 23:30 -04
		{"santiago after second 23:30", daily("23:30", santiago), "2025-04-06T03:30:00Z", "2025-04-07T03:30:00Z"},
		{"santiago 00:00 after repeated hour", daily("00:00", santiago), "2025-04-05T12:00:00Z", "2025-04-06T04:00:00Z"},  // Apr 6 00:00 -04
		{"santiago 22:59 before repeated hour", daily("22:59", santiago), "2025-04-05T12:00:00Z", "2025-04-06T01:59:00Z"}, // 22:59 -03
		{"santiago monthly 7th in gap", monthly(7, "00:00", santiago), "2025-08-10T00:00:00Z", "2025-09-07T04:00:00Z"},

		// Kolkata: no DST, a half-hour offset.
		{"kolkata 06:00", daily("06:00", kolkata), "2025-03-30T00:00:00Z", "2025-03-30T00:30:00Z"},
		{"kolkata after a run", daily("06:00", kolkata), "2025-03-30T00:30:00Z", "2025-03-31T00:30:00Z"},
		{"kolkata midnight on new year", daily("00:00", kolkata), "2025-12-31T18:29:59Z", "2025-12-31T18:30:00Z"},
		// Apia skipped Friday 2011-12-30 (-10 -> +14 at 10:00Z): a whole day is a gap.
		{"apia day before the skipped day", daily("06:00", "Pacific/Apia"), "2011-12-29T12:00:00Z", "2011-12-29T16:00:00Z"},
		{"apia skipped day runs at its end", daily("06:00", "Pacific/Apia"), "2011-12-29T16:00:00Z", "2011-12-30T10:00:00Z"},
		{"apia day after the skipped day", daily("06:00", "Pacific/Apia"), "2011-12-30T10:00:00Z", "2011-12-30T16:00:00Z"},
		{"apia friday that never was", daily("12:00", "Pacific/Apia", "fri"), "2011-12-25T00:00:00Z", "2011-12-30T10:00:00Z"},

		{"kolkata october", daily("02:30", kolkata), "2025-10-25T12:00:00Z", "2025-10-25T21:00:00Z"}, // Oct 26 02:30 IST
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := Next(tt.cal, instant(t, tt.after))
			if err != nil {
				t.Fatalf("Next: %v", err)
			}
			if want := instant(t, tt.want); !got.Equal(want) || got.Location() != time.UTC {
				t.Errorf("Next(%s) = %s (%s local), want %s (%s local)", tt.after,
					got.Format(time.RFC3339), got.In(mustZone(t, tt.cal.TimeZone)).Format(time.RFC3339),
					want.Format(time.RFC3339), want.In(mustZone(t, tt.cal.TimeZone)).Format(time.RFC3339))
			}
		})
	}
}

func mustZone(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}
