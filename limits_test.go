package facteur

import (
	"strings"
	"testing"
)

// TestRunLimits: a policy's limits take their defaults, a schedule's lower
// ones win and higher ones are refused naming the field, and a stopped
// run's message says which limit, its value and who can change it.
func TestRunLimits(t *testing.T) {
	var p Policy
	if got := p.Effective(RunLimits{}); got != (RunLimits{MaxDurationSeconds: 7200, MaxRows: 50_000_000, MaxBytes: 20 << 30}) {
		t.Errorf("defaults: %+v", got)
	}
	p.Limits = RunLimits{MaxRows: 1000}
	if got := p.Effective(RunLimits{MaxRows: 10, MaxDurationSeconds: 9999, MaxBytes: 5}); got != (RunLimits{MaxDurationSeconds: 7200, MaxRows: 10, MaxBytes: 5}) {
		t.Errorf("a schedule's limits: %+v", got)
	}
	if err := (RunLimits{MaxRows: 1000, MaxBytes: 1}).CheckWithin(p); err != nil {
		t.Errorf("limits within the policy refused: %v", err)
	}
	for _, c := range []struct {
		own   RunLimits
		field string
	}{
		{RunLimits{MaxRows: 1001}, "options.limits.max_rows: at most 1,000 rows"},
		{RunLimits{MaxDurationSeconds: 7201}, "options.limits.max_duration_seconds: at most 7,200 seconds"},
		{RunLimits{MaxBytes: 20<<30 + 1}, "options.limits.max_bytes: at most 21,474,836,480 bytes"},
	} {
		if err := c.own.CheckWithin(p); ErrorCode(err) != EINVALID || !strings.HasPrefix(ErrorMessage(err), c.field) {
			t.Errorf("%+v: %v, want %q", c.own, err, c.field)
		}
	}
	for _, c := range []struct {
		err  *LimitError
		want string
	}{
		{&LimitError{Limit: LimitRows, Value: 50_000_000}, "stopped after 50,000,000 rows: the run's row limit; an administrator can raise it in Settings → Policy, or narrow the query"},
		{&LimitError{Limit: LimitDuration, Value: 7200, Schedule: true}, "stopped after 2 hours: the run's time limit set by its schedule; raise it in the schedule's limits (up to the server's, in Settings → Policy)"},
		{&LimitError{Limit: LimitBytes, Value: 20 << 30}, "stopped at 20 GiB (21,474,836,480 bytes): the run's file size limit; "},
		{&LimitError{Limit: LimitCell, Value: 16 << 20, Column: "photo"}, `column "photo": a value is larger than the cell limit of 16 MiB (16,777,216 bytes); `},
	} {
		if got := ErrorMessage(c.err); !strings.HasPrefix(got, c.want) || ErrorCode(c.err) != EINVALID || Retryable(c.err) {
			t.Errorf("message %q (code %s, retryable %v), want %q, a permanent EINVALID", got, ErrorCode(c.err), Retryable(c.err), c.want)
		}
	}
	for n, want := range map[int64]string{0: "0", 999: "999", 1000: "1,000", -1234567: "-1,234,567", 50_000_000: "50,000,000"} {
		if got := Count(n); got != want {
			t.Errorf("Count(%d) = %q, want %q", n, got, want)
		}
	}
	if got := ErrorMessage(&LimitError{Limit: LimitDuration, Value: 1}); !strings.HasPrefix(got, "stopped after 1 second: ") {
		t.Errorf("one second: %q", got)
	}
	for n, want := range map[int64]string{12_300_000: "12.3 MB", 16 << 20: "16 MiB", 500: "500 bytes", 1500: "1.5 kB"} {
		if got := Size(n); got != want {
			t.Errorf("Size(%d) = %q, want %q", n, got, want)
		}
	}
}
