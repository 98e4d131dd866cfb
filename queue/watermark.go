package queue

import (
	"context"
	"time"

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
