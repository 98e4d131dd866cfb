package facteur

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// Incremental makes a schedule send only the rows created or updated since
// its last successful delivery (A5), by its report's CreatedColumn and
// UpdatedColumn. The schedule keeps a watermark: the end of the window the
// last successful delivery covered. A run's window goes from the watermark
// to the moment its export starts (less SettleSeconds); the watermark
// moves to the window's end only in the transaction that marks the run
// succeeded, and only if it is still where the window started. A failed,
// cancelled or skipped run leaves it; its retries send the same window.
type Incremental struct {
	// Since is where the first window starts, before any delivery: ""
	// (or "all") for every row, or a date ("2026-01-01", midnight in the
	// calendar's time zone) or an RFC 3339 time.
	Since string `json:"since,omitempty"`
	// OverlapMinutes starts each window this many minutes before the
	// watermark, so that rows written late with an older timestamp are
	// still sent, at the price of sending again the rows of the overlap
	// (MaxOverlapMinutes at most; 0, the default, sends each row once).
	OverlapMinutes int `json:"overlap_minutes,omitempty"`
	// SettleSeconds ends each window this many seconds before its export
	// starts, so that a transaction that stamped its rows just before the
	// end and commits just after is in the next window instead of lost
	// (MaxSettleSeconds at most; 0 ends the window when the export starts).
	SettleSeconds int `json:"settle_seconds,omitempty"`
}

// Bounds of the Incremental options.
const (
	MaxOverlapMinutes = 24 * 60
	MaxSettleSeconds  = 3600
	MaxSinceLen       = 40
)

// SinceAll is the Since of a first window that starts with the first row.
const SinceAll = "all"

// Validate checks the options; field prefixes the names in its messages.
func (in *Incremental) Validate(field string) error {
	switch {
	case in.OverlapMinutes < 0 || in.OverlapMinutes > MaxOverlapMinutes:
		return Errorf(EINVALID, "%soverlap_minutes: use 0 to %d minutes (one day)", field, MaxOverlapMinutes)
	case in.SettleSeconds < 0 || in.SettleSeconds > MaxSettleSeconds:
		return Errorf(EINVALID, "%ssettle_seconds: use 0 to %d seconds (one hour)", field, MaxSettleSeconds)
	}
	_, err := ParseSince(field+"since", in.Since, time.UTC)
	return err
}

// ParseSince reads the Since of an incremental schedule: nil for "" or
// "all" (every row), else the instant a date (midnight in loc) or an RFC
// 3339 time names. It fails with EINVALID, naming field, for anything else.
func ParseSince(field, s string, loc *time.Location) (*time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" || s == SinceAll {
		return nil, nil
	}
	if len(s) > MaxSinceLen {
		return nil, Errorf(EINVALID, "%s: at most %d characters", field, MaxSinceLen)
	}
	t, err := time.ParseInLocation(time.DateOnly, s, loc)
	if err != nil {
		if t, err = time.Parse(time.RFC3339, s); err != nil {
			return nil, Errorf(EINVALID, "%s: %q is not %q, a date (2026-02-01) or a time (2026-02-01T08:00:00+01:00)", field, shorten(s, MaxSinceLen), SinceAll)
		}
	}
	if t.Year() < 1970 || t.Year() > 9999 {
		return nil, Errorf(EINVALID, "%s: use a date from 1970 to 9999", field)
	}
	t = t.Truncate(time.Second)
	return &t, nil
}

// Window is the part of the data one run of an incremental schedule
// exports: the rows created or updated in [From, To). It is fixed when the
// run's export first starts and kept with the run, so that every attempt
// and every retry of the run sends the same rows.
type Window struct {
	// From is the first instant of the window; nil for "from the first
	// row". With an overlap it is before Watermark.
	From *time.Time `json:"from,omitempty"`
	// To is the end of the window, excluded.
	To time.Time `json:"to"`
	// Watermark is the schedule's watermark the window was cut from (nil:
	// no delivery yet); the run's success moves it to To only if it is
	// still this one.
	Watermark *time.Time `json:"watermark,omitempty"`
}

// Period returns the window as the period a source filters on: the rows
// whose column (or, where it is NULL, column2 when not empty) is in
// [From, To), both bounds in loc.
func (w *Window) Period(column, column2 string, loc *time.Location) *Period {
	p := &Period{Column: column, AlsoColumn: column2, To: w.To.In(loc)}
	if w.From != nil {
		p.From = w.From.In(loc)
	}
	return p
}

// WindowHeldError says that another run of the schedule holds the next
// window (Watermarks.ClaimWindow): the run waits for it to finish and is
// taken up again, without spending an attempt; it is not a failure.
type WindowHeldError struct {
	Holder int64 // the run that holds the window
}

// Error says which run holds the window.
func (e *WindowHeldError) Error() string {
	return fmt.Sprintf("run %d is still sending the rows since the last delivery", e.Holder)
}

// Retry says the run is tried again.
func (e *WindowHeldError) Retry() bool { return true }

// WatermarkState is where an incremental schedule stands.
type WatermarkState struct {
	ScheduleID int64 `json:"schedule_id"`
	// At is the end of the last delivered window; nil before the first
	// successful delivery (or after a reset to the schedule's Since).
	At *time.Time `json:"at,omitempty"`
	// HolderRun is the run that holds the next window while it exports and
	// delivers it, 0 for none. Another run waits for it to finish.
	HolderRun int64 `json:"holder_run,omitempty"`
	// UpdatedAt is when the watermark last moved or was reset; nil never.
	UpdatedAt *time.Time `json:"updated_at,omitempty"`
}

// Watermarks keep the watermark of every incremental schedule.
type Watermarks interface {
	// Watermark returns the state of the schedule's watermark (zero
	// before its first window). ENOTFOUND when there is no such schedule.
	Watermark(ctx context.Context, scheduleID int64) (*WatermarkState, error)
	// ClaimWindow makes run the holder of its schedule's next window and
	// returns the run's window: the one recorded for the run when an
	// earlier attempt fixed it, else the one cut makes from the current
	// watermark, recorded in the same transaction. It fails with ECONFLICT,
	// wrapping a *WindowHeldError, when another run of the schedule that
	// has not finished holds a window, and with cut's error (nothing
	// recorded) when cut fails.
	ClaimWindow(ctx context.Context, scheduleID, runID int64, cut func(watermark *time.Time) (Window, error)) (Window, error)
	// RunWindow returns the window recorded for a run, ENOTFOUND when it
	// has none.
	RunWindow(ctx context.Context, runID int64) (*Window, error)
	// AdvanceWatermark, called in the transaction that marks runID
	// succeeded, releases the run's hold and moves the watermark to the
	// run's window's end, only if the run is stored as succeeded, holds
	// the window and the watermark is still where the window started. It
	// reports whether the watermark moved.
	AdvanceWatermark(ctx context.Context, scheduleID, runID int64) (bool, error)
	// ResetWatermark sets the watermark to at (nil: the next window starts
	// at the schedule's Since); a run that holds a window keeps it, and
	// its success will not move the watermark. ENOTFOUND when there is no
	// such schedule.
	ResetWatermark(ctx context.Context, scheduleID int64, at *time.Time) error
}
