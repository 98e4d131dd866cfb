package calendar

import (
	"testing"
	"time"

	"github.com/facteur/facteur"
)

// Shorthands for the calendars of the test tables.

func daily(at, zone string, days ...string) facteur.Calendar {
	return facteur.Calendar{Frequency: facteur.Daily, At: at, TimeZone: zone, Days: days}
}

func weekly(weekday, at, zone string) facteur.Calendar {
	return facteur.Calendar{Frequency: facteur.Weekly, Weekday: weekday, At: at, TimeZone: zone}
}

func monthly(dom int, at, zone string, months ...int) facteur.Calendar {
	return facteur.Calendar{Frequency: facteur.Monthly, DayOfMonth: dom, At: at, TimeZone: zone, Months: months}
}

func cron(expr, zone string) facteur.Calendar {
	return facteur.Calendar{Frequency: facteur.Cron, Cron: expr, TimeZone: zone}
}

// instant parses an RFC 3339 time of a test table.
func instant(t *testing.T, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		t.Fatalf("bad instant in test table: %v", err)
	}
	return v
}

// instants parses a list of RFC 3339 times.
func instants(t *testing.T, ss ...string) []time.Time {
	t.Helper()
	out := make([]time.Time, len(ss))
	for i, s := range ss {
		out[i] = instant(t, s)
	}
	return out
}

// rfc renders times for failure messages.
func rfc(ts []time.Time) []string {
	out := make([]string, len(ts))
	for i, t := range ts {
		out[i] = t.Format(time.RFC3339)
	}
	return out
}
