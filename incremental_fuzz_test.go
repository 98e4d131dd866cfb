package facteur_test

import (
	"strings"
	"testing"
	"time"

	"github.com/facteur/facteur"
)

// FuzzIncremental: an incremental schedule's options are refused with
// EINVALID naming their field, or are within their bounds with a since
// that reads as "every row" or as an instant from 1970 to 9999, to the
// second, the same whatever the zone it was read in when it has an offset.
func FuzzIncremental(f *testing.F) {
	for _, s := range []struct {
		since           string
		overlap, settle int
	}{{"", 0, 0}, {"all", 10, 60}, {"2026-01-01", 1440, 3600}, {"2026-02-01T08:00:00+01:00", 0, 0}, {"1969-12-31", 0, 0},
		{"yesterday", 0, 0}, {"2026-13-01", 0, 0}, {" all ", -1, 3601}, {strings.Repeat("9", 41), 1441, -5}, {"2026-02-01T08:00:00.123456789Z", 0, 0}} {
		f.Add(s.since, s.overlap, s.settle)
	}
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, since string, overlap, settle int) {
		s := facteur.Schedule{Name: "s", ReportID: 1, DestinationID: 1, Format: facteur.FormatOptions{Format: "csv"},
			Options: facteur.ScheduleOptions{Incremental: &facteur.Incremental{Since: since, OverlapMinutes: overlap, SettleSeconds: settle}}}
		err := s.Validate()
		if err != nil {
			msg := facteur.ErrorMessage(err)
			if facteur.ErrorCode(err) != facteur.EINVALID || !strings.HasPrefix(msg, "options.incremental.") || len(msg) > 300 {
				t.Fatalf("%q, %d, %d: %v", since, overlap, settle, err)
			}
			return
		}
		switch {
		case overlap < 0 || overlap > facteur.MaxOverlapMinutes:
			t.Fatalf("overlap_minutes %d accepted", overlap)
		case settle < 0 || settle > facteur.MaxSettleSeconds:
			t.Fatalf("settle_seconds %d accepted", settle)
		}
		at, err := facteur.ParseSince("since", since, paris)
		if err != nil {
			t.Fatalf("%q: valid in UTC, refused in Paris: %v", since, err)
		}
		if at == nil {
			if s := strings.TrimSpace(since); s != "" && s != facteur.SinceAll {
				t.Fatalf("%q read as every row", since)
			}
			return
		}
		utc, _ := facteur.ParseSince("since", since, time.UTC)
		if at.Year() < 1969 || at.Year() > 10000 || at.Nanosecond() != 0 || (strings.Contains(since, "T") && !at.Equal(*utc)) {
			t.Fatalf("%q read as %v (UTC: %v)", since, at, utc)
		}
	})
}
