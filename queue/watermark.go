package queue

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/riverqueue/river"

	"github.com/facteur/facteur"
)

// succeed records that run delivered and, in the same transaction, moves
// the watermark of an incremental schedule to the end of the run's window
// (A5): a crash can never leave a delivered window unrecorded, nor a
// recorded window undelivered. The watermark moves only if it is still
// where the window started (AdvanceWatermark), so that a reset made while
// the run delivered is kept.
func (q *Queue[TTx]) succeed(ctx context.Context, run *facteur.Run) error {
	if run.Window == nil {
		return q.store.UpdateRun(ctx, run)
	}
	moved := false
	err := q.store.InTx(ctx, func(tx facteur.Store, _ any) error {
		if err := tx.UpdateRun(ctx, run); err != nil {
			return err
		}
		var err error
		moved, err = tx.AdvanceWatermark(ctx, run.ScheduleID, run.ID)
		return err
	})
	if err != nil {
		return err
	}
	if moved {
		q.log(ctx, run.ID, "info", "The schedule's watermark moved to "+run.Window.To.UTC().Format(time.RFC3339)+": the next run sends the rows created or updated from then.")
	} else if run.Status == facteur.RunSucceeded {
		q.log(ctx, run.ID, "warn", "The schedule's watermark was not moved: it was reset, or moved by another delivery, while this run delivered.")
	}
	return nil
}

// waitForWindow puts back a run of an incremental schedule whose next
// window another run holds: queued again, without spending an attempt (a
// snooze), it is taken up after the first backoff and claims the window
// once that run has finished.
func (q *Queue[TTx]) waitForWindow(ctx context.Context, run *facteur.Run, held *facteur.WindowHeldError) error {
	run.Status = facteur.RunQueued
	q.log(ctx, run.ID, "info", fmt.Sprintf("Waiting: %s; this run sends the rows after its window.", held))
	if err := q.store.UpdateRun(ctx, run); err != nil {
		return errors.Join(held, err)
	}
	return river.JobSnooze(q.cfg.Backoff[0])
}
