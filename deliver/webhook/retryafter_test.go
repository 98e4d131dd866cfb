package webhook

import (
	"net/http"
	"testing"
	"time"

	"github.com/facteur/facteur"
)

// TestRetryAfter reads Retry-After as seconds or as an HTTP date, bounded
// by facteur.MaxRetryAfter; anything else says nothing.
func TestRetryAfter(t *testing.T) {
	now := time.Date(2026, 12, 7, 20, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		h    string
		want time.Duration
		ok   bool
	}{
		{"25", 25 * time.Second, true},
		{" 0 ", 0, true},
		{"3600", time.Hour, true},
		{"3601", facteur.MaxRetryAfter, true},
		{"99999999999999999999999", facteur.MaxRetryAfter, true},
		{now.Add(90 * time.Second).Format(http.TimeFormat), 90 * time.Second, true},
		{now.Add(-time.Hour).Format(http.TimeFormat), 0, true},
		{now.Add(48 * time.Hour).Format(http.TimeFormat), facteur.MaxRetryAfter, true},
		{"Monday, 07-Dec-26 20:00:30 GMT", 30 * time.Second, true}, // RFC 850, still allowed
		{"", 0, false},
		{"-5", 0, false},
		{"1.5", 0, false},
		{"soon", 0, false},
		{"12abc", 0, false},
	} {
		got, ok := retryAfter(tc.h, now)
		if got != tc.want || ok != tc.ok {
			t.Errorf("retryAfter(%q) = %s, %v; want %s, %v", tc.h, got, ok, tc.want, tc.ok)
		}
	}
}

// FuzzRetryAfter: any header gives a wait within [0, MaxRetryAfter], or none.
func FuzzRetryAfter(f *testing.F) {
	for _, s := range []string{"25", "Tue, 08 Dec 2026 20:31:51 GMT", "99999999999999999999", "-1", ""} {
		f.Add(s)
	}
	now := time.Date(2026, 12, 7, 20, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, h string) {
		got, ok := retryAfter(h, now)
		if got < 0 || got > facteur.MaxRetryAfter || (!ok && got != 0) {
			t.Fatalf("retryAfter(%q) = %s, %v", h, got, ok)
		}
	})
}
