package mail_test

import (
	"testing"
	"time"

	"github.com/facteur/facteur/mail"
)

func TestDuration(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		d    time.Duration
		want string
	}{
		{72 * time.Hour, "3 days"},
		{2 * time.Hour, "2 hours"},
		{30 * time.Hour, "1 day and 6 hours"},
		{24 * time.Hour, "1 day"},
		{90 * time.Minute, "1 hour and 30 minutes"},
		{time.Hour + 30*time.Second, "1 hour"},
		{24*time.Hour + 5*time.Minute, "1 day"},
		{8784 * time.Hour, "366 days"},
		{45 * time.Second, "45 seconds"},
		{61 * time.Second, "1 minute and 1 second"},
		{500 * time.Millisecond, "less than a second"},
		{0, "less than a second"},
	} {
		if got := mail.Duration(tt.d); got != tt.want {
			t.Errorf("Duration(%s) = %q, want %q", tt.d, got, tt.want)
		}
	}
}
