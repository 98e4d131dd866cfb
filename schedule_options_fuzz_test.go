package facteur_test

import (
	"strings"
	"testing"

	"github.com/facteur/facteur"
)

// FuzzScheduleOptions: a schedule's condition and expected window are
// refused with EINVALID naming the field, or are one of the conditions
// and within the window's bounds.
func FuzzScheduleOptions(f *testing.F) {
	for _, s := range []struct {
		sendIf  string
		minutes int
	}{{"", 0}, {"always", 5}, {"rows", 10080}, {"changed", 120}, {"Changed", 60}, {"rows", 4}, {"", 10081}, {"x", -1}, {strings.Repeat("r", 300), 1 << 40}} {
		f.Add(s.sendIf, s.minutes, false)
	}
	f.Fuzz(func(t *testing.T, sendIf string, minutes int, alertOnSkip bool) {
		s := facteur.Schedule{Name: "s", ReportID: 1, DestinationID: 1, Format: facteur.FormatOptions{Format: "csv"},
			Options: facteur.ScheduleOptions{SendIf: sendIf, ExpectWithinMinutes: minutes, AlertOnSkip: alertOnSkip}}
		err := s.Validate()
		if err != nil {
			msg := facteur.ErrorMessage(err)
			if facteur.ErrorCode(err) != facteur.EINVALID || !(strings.HasPrefix(msg, "options.send_if: ") || strings.HasPrefix(msg, "options.expect_within_minutes: ")) {
				t.Fatalf("%q, %d: %v", sendIf, minutes, err)
			}
			return
		}
		switch {
		case sendIf != "" && sendIf != facteur.SendAlways && sendIf != facteur.SendIfRows && sendIf != facteur.SendIfNewer:
			t.Fatalf("send_if %q accepted", sendIf)
		case minutes != 0 && (minutes < facteur.MinExpectWithin || minutes > facteur.MaxExpectWithin):
			t.Fatalf("expect_within_minutes %d accepted", minutes)
		}
	})
}
