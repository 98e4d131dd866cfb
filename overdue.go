package facteur

import (
	"context"
	"time"
)

// OverdueAlert is a slot of a schedule whose expected delivery window
// (ScheduleOptions.ExpectWithinMinutes) passed with nothing delivered, and
// whose alert was sent.
type OverdueAlert struct {
	ScheduleID int64
	// Slot is the calendar slot nothing was delivered for.
	Slot time.Time
	// DeliveredSince and SkippedSince say whether a run of the schedule
	// (not Send test) created at or after Slot succeeded, or was skipped
	// by the schedule's condition: then the schedule is no longer overdue.
	DeliveredSince, SkippedSince bool
}

// OverdueAlerts keeps the slots the dead-man's switch alerted, one per
// slot of a schedule.
type OverdueAlerts interface {
	// RecordOverdueAlert records that slot of a schedule is overdue and
	// returns true, or false when it was recorded already (by this node
	// before a restart, or by another): the caller sends the alert only
	// on true, in the same transaction.
	RecordOverdueAlert(ctx context.Context, scheduleID int64, slot time.Time) (bool, error)
	// LatestOverdueAlerts returns the latest recorded slot of every
	// schedule that has one.
	LatestOverdueAlerts(ctx context.Context) ([]OverdueAlert, error)
	// SetOverdueMailSent records that the alert of a slot was sent to
	// address (accepted by the mail server); ENOTFOUND when the slot has
	// no alert recorded.
	SetOverdueMailSent(ctx context.Context, scheduleID int64, slot time.Time, address string) error
	// OverdueMailSent reports whether the alert of a slot was recorded as
	// sent to address.
	OverdueMailSent(ctx context.Context, scheduleID int64, slot time.Time, address string) (bool, error)
}
