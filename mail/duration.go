package mail

import (
	"fmt"
	"strings"
	"time"
)

// Duration writes d as people do in a sentence: "3 days", "2 hours",
// "1 day and 6 hours", "90 minutes" is "1 hour and 30 minutes". It keeps
// the two largest units (days, hours, minutes, seconds) and drops what is
// below them; under a second it says "less than a second".
func Duration(d time.Duration) string {
	if d < time.Second {
		return "less than a second"
	}
	units := []struct {
		size time.Duration
		name string
	}{{24 * time.Hour, "day"}, {time.Hour, "hour"}, {time.Minute, "minute"}, {time.Second, "second"}}
	var parts []string
	for _, u := range units {
		n := d / u.size
		d -= n * u.size
		switch {
		case n == 0 && len(parts) == 0:
			continue
		case n == 1:
			parts = append(parts, "1 "+u.name)
		case n > 1:
			parts = append(parts, fmt.Sprintf("%d %ss", n, u.name))
		}
		if len(parts) == 2 || (n == 0 && len(parts) == 1) {
			break
		}
	}
	return strings.Join(parts, " and ")
}
