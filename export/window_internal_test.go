package export

import (
	"errors"
	"testing"
	"time"

	"github.com/facteur/facteur"
)

// TestCutWindow: a window goes from the watermark (the since before any
// delivery, every row for "all"), less the overlap, to now less the settle
// delay, to the second; an empty window, and one whose end comes before its
// start on the wall clock of the calendar's zone (the repeated hour of
// autumn), are skipped.
func TestCutWindow(t *testing.T) {
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Fatal(err)
	}
	at := func(s string) *time.Time {
		v, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return &v
	}
	now := *at("2026-03-10T12:00:30Z")
	now = now.Add(700 * time.Millisecond)
	for _, tt := range []struct {
		name     string
		in       facteur.Incremental
		mark     *time.Time
		now      time.Time
		loc      *time.Location
		from, to string // "" for an open start; "skip" for a skipped run
	}{
		{"first, every row", facteur.Incremental{}, nil, now, time.UTC, "", "2026-03-10T12:00:30Z"},
		{"first, all", facteur.Incremental{Since: "all", SettleSeconds: 30}, nil, now, time.UTC, "", "2026-03-10T12:00:00Z"},
		{"first, since a date in the calendar's zone", facteur.Incremental{Since: "2026-03-01"}, nil, now, paris, "2026-02-28T23:00:00Z", "2026-03-10T12:00:30Z"},
		{"from the watermark", facteur.Incremental{Since: "2026-03-01"}, at("2026-03-10T11:00:00Z"), now, time.UTC, "2026-03-10T11:00:00Z", "2026-03-10T12:00:30Z"},
		{"with an overlap and a settle delay", facteur.Incremental{OverlapMinutes: 15, SettleSeconds: 60}, at("2026-03-10T11:00:00Z"), now, time.UTC, "2026-03-10T10:45:00Z", "2026-03-10T11:59:30Z"},
		{"nothing since the watermark", facteur.Incremental{}, at("2026-03-10T12:00:30Z"), now, time.UTC, "skip", ""},
		{"the settle delay reaches back past the watermark", facteur.Incremental{SettleSeconds: 600}, at("2026-03-10T11:55:00Z"), now, time.UTC, "skip", ""},
		{"since in the future", facteur.Incremental{Since: "2027-01-01"}, nil, now, time.UTC, "skip", ""},
		// 2026-10-25: Paris goes from 03:00 CEST back to 02:00 CET.
		{"autumn's repeated hour", facteur.Incremental{}, at("2026-10-25T00:50:00Z"), *at("2026-10-25T01:10:00Z"), paris, "skip", ""},
		{"after the repeated hour", facteur.Incremental{}, at("2026-10-25T00:50:00Z"), *at("2026-10-25T02:00:00Z"), paris, "2026-10-25T00:50:00Z", "2026-10-25T02:00:00Z"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			w, err := cutWindow(&tt.in, tt.mark, tt.now, tt.loc)
			var skip *facteur.SkipError
			if tt.from == "skip" {
				if !errors.As(err, &skip) {
					t.Fatalf("window %+v, err %v; want a skip", w, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			from := ""
			if w.From != nil {
				from = w.From.UTC().Format(time.RFC3339)
			}
			if from != tt.from || w.To.UTC().Format(time.RFC3339) != tt.to || w.To.Nanosecond() != 0 || fmtPtr(w.Watermark) != fmtPtr(tt.mark) {
				t.Fatalf("window from %q to %v (watermark %v), want from %q to %s", from, w.To, fmtPtr(w.Watermark), tt.from, tt.to)
			}
		})
	}
}

func fmtPtr(t *time.Time) string {
	if t == nil {
		return "none"
	}
	return t.UTC().Format(time.RFC3339Nano)
}
