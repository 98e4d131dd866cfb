package facteur

import (
	"fmt"
	"strconv"
	"time"
)

// RunLimits bound one run: how long it may take and how much it may
// export. The administrators set them for every run in the policy; a
// schedule may set lower ones (ScheduleOptions.Limits). Zero means "not
// set": the policy's default, or for a schedule, the policy's value.
type RunLimits struct {
	// MaxDurationSeconds stops a run (export and delivery) that takes longer.
	MaxDurationSeconds int64 `json:"max_duration_seconds,omitempty"`
	// MaxRows stops an export that reads more rows.
	MaxRows int64 `json:"max_rows,omitempty"`
	// MaxBytes stops an export whose file grows larger (after compression).
	MaxBytes int64 `json:"max_bytes,omitempty"`
}

// Run limit defaults, when the administrators set none. Two hours is
// several times what the largest reports measured here take (5 million
// rows export in seconds), while a run stuck on a slow query or an endless
// result does not hold a worker for the night; 50 million rows is past what
// any spreadsheet opens (XLSX stops at 1,048,576 rows a sheet) and what
// partners' imports are sized for; 20 GiB keeps one runaway export from
// filling the spool disk, which every other run shares.
const (
	DefaultMaxDurationSeconds = 2 * 60 * 60
	DefaultMaxRows            = 50_000_000
	DefaultMaxBytes           = 20 << 30
)

// Run limit bounds: the largest values an administrator may set.
const (
	MaxRunDurationSeconds = 7 * 24 * 60 * 60 // a week
	MaxRunRows            = 10_000_000_000
	MaxRunBytes           = 1 << 40 // 1 TiB
)

// Cell limit: the largest value one cell of a result may hold. A source
// refuses to read a larger one (the run fails and names the limit), and a
// preview shows only the start of long values. 16 MiB is MariaDB's default
// max_allowed_packet, so MySQL and MariaDB sources never hit it first.
const (
	DefaultMaxCellBytes = 16 << 20
	MinMaxCellBytes     = 64 << 10
	MaxMaxCellBytes     = 256 << 20
)

// validate checks limits against their bounds, naming the field under
// prefix ("" or "options.limits.").
func (l RunLimits) validate(prefix string) error {
	switch {
	case l.MaxDurationSeconds < 0 || l.MaxDurationSeconds > MaxRunDurationSeconds:
		return Errorf(EINVALID, "%smax_duration_seconds: use a number of seconds from 1 to %d (a week), or 0 for the default", prefix, MaxRunDurationSeconds)
	case l.MaxRows < 0 || l.MaxRows > MaxRunRows:
		return Errorf(EINVALID, "%smax_rows: use a number of rows from 1 to %s, or 0 for the default", prefix, Count(MaxRunRows))
	case l.MaxBytes < 0 || l.MaxBytes > MaxRunBytes:
		return Errorf(EINVALID, "%smax_bytes: use a size from 1 to %d bytes (1 TiB), or 0 for the default", prefix, int64(MaxRunBytes))
	}
	return nil
}

// withDefaults fills the unset limits of a policy.
func (l RunLimits) withDefaults() RunLimits {
	if l.MaxDurationSeconds <= 0 {
		l.MaxDurationSeconds = DefaultMaxDurationSeconds
	}
	if l.MaxRows <= 0 {
		l.MaxRows = DefaultMaxRows
	}
	if l.MaxBytes <= 0 {
		l.MaxBytes = DefaultMaxBytes
	}
	return l
}

// CheckWithin refuses a schedule's limits that are above the policy's,
// naming the field: a schedule may only lower them.
func (l RunLimits) CheckWithin(p Policy) error {
	max := p.WithDefaults().Limits
	for _, c := range []struct {
		field     string
		own, most int64
		unit      string
	}{
		{"max_duration_seconds", l.MaxDurationSeconds, max.MaxDurationSeconds, "seconds"},
		{"max_rows", l.MaxRows, max.MaxRows, "rows"},
		{"max_bytes", l.MaxBytes, max.MaxBytes, "bytes"},
	} {
		if c.own > c.most {
			return Errorf(EINVALID, "options.limits.%s: at most %s %s, the server's limit; lower it, or ask an administrator to raise the limit in Settings → Policy", c.field, Count(c.most), c.unit)
		}
	}
	return nil
}

// Effective returns the limits a run of a schedule with limits own obeys
// under policy p: the schedule's where it set a lower one, the policy's
// otherwise.
func (p Policy) Effective(own RunLimits) RunLimits {
	l := p.WithDefaults().Limits
	if own.MaxDurationSeconds > 0 && own.MaxDurationSeconds < l.MaxDurationSeconds {
		l.MaxDurationSeconds = own.MaxDurationSeconds
	}
	if own.MaxRows > 0 && own.MaxRows < l.MaxRows {
		l.MaxRows = own.MaxRows
	}
	if own.MaxBytes > 0 && own.MaxBytes < l.MaxBytes {
		l.MaxBytes = own.MaxBytes
	}
	return l
}

// Duration is the duration limit.
func (l RunLimits) Duration() time.Duration {
	return time.Duration(l.MaxDurationSeconds) * time.Second
}

// Limit names of LimitError.
const (
	LimitDuration = "duration"
	LimitRows     = "rows"
	LimitBytes    = "bytes"
	LimitCell     = "cell"
)

// LimitError is a run stopped by one of its limits. It is permanent: the
// next attempt would reach the same limit, so the run is not retried. Its
// code is EINVALID.
type LimitError struct {
	Limit string // LimitDuration, LimitRows, LimitBytes or LimitCell
	Value int64  // the limit: seconds, rows or bytes
	// Schedule is true when the schedule set the limit lower than the
	// server's.
	Schedule bool
	// Column names the column of a value over the cell limit, when the
	// database said which.
	Column string
}

// Error says which limit stopped the run, its value, and how to change it.
func (e *LimitError) Error() string {
	var what string
	switch e.Limit {
	case LimitDuration:
		what = "stopped after " + seconds(e.Value) + ": the run's time limit"
	case LimitRows:
		what = "stopped after " + Count(e.Value) + " rows: the run's row limit"
		if e.Value == 1 {
			what = "stopped after 1 row: the run's row limit"
		}
	case LimitBytes:
		what = "stopped at " + Size(e.Value) + " (" + Count(e.Value) + " bytes): the run's file size limit"
	default:
		where := "a value"
		if e.Column != "" {
			where = fmt.Sprintf("column %q: a value", e.Column)
		}
		return fmt.Sprintf("%s is larger than the cell limit of %s (%s bytes); leave the column out of the report or shorten it in the query (substr, left), or ask an administrator to raise max_cell_bytes in Settings → Policy", where, Size(e.Value), Count(e.Value))
	}
	if e.Schedule {
		return what + " set by its schedule; raise it in the schedule's limits (up to the server's, in Settings → Policy)"
	}
	return what + "; an administrator can raise it in Settings → Policy, or narrow the query"
}

// Unwrap gives ErrorCode and ErrorMessage the error's code, EINVALID, and
// its text.
func (e *LimitError) Unwrap() error { return &Error{Code: EINVALID, Message: e.Error()} }

// Retry reports false: the same run would reach the same limit.
func (e *LimitError) Retry() bool { return false }

// seconds writes a number of seconds as people say it: 2 hours, 90
// minutes, 45 seconds.
func seconds(n int64) string {
	unit := func(n int64, one string) string {
		if n == 1 {
			return "1 " + one
		}
		return Count(n) + " " + one + "s"
	}
	switch {
	case n >= 3600 && n%3600 == 0:
		return unit(n/3600, "hour")
	case n >= 60 && n%60 == 0:
		return unit(n/60, "minute")
	}
	return unit(n, "second")
}

// Count writes n with thousands separators: 50,000,000.
func Count(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := n < 0
	if neg {
		s = s[1:]
	}
	out := make([]byte, 0, len(s)+len(s)/3)
	for i := range len(s) {
		if i > 0 && (len(s)-i)%3 == 0 {
			out = append(out, ',')
		}
		out = append(out, s[i])
	}
	if neg {
		return "-" + string(out)
	}
	return string(out)
}

// Size writes a number of bytes as people read it: 12.3 MB, 16 MiB for
// exact binary sizes.
func Size(n int64) string {
	for _, u := range []struct {
		n    int64
		name string
	}{{1 << 40, "TiB"}, {1 << 30, "GiB"}, {1 << 20, "MiB"}, {1 << 10, "KiB"}} {
		if n >= u.n && n%u.n == 0 {
			return strconv.FormatInt(n/u.n, 10) + " " + u.name
		}
	}
	switch {
	case n >= 1e9:
		return strconv.FormatFloat(float64(n)/1e9, 'f', 1, 64) + " GB"
	case n >= 1e6:
		return strconv.FormatFloat(float64(n)/1e6, 'f', 1, 64) + " MB"
	case n >= 1e3:
		return strconv.FormatFloat(float64(n)/1e3, 'f', 1, 64) + " kB"
	}
	return strconv.FormatInt(n, 10) + " bytes"
}
