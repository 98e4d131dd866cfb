package queue

import (
	"context"

	"github.com/facteur/facteur"
)

// SendTest queues a run of Send test: the first rows of the schedule's
// report, in its format, under its file name marked as a test, delivered
// to its destination right away. The calendar is not touched, paused or
// not.
func (q *Queue[TTx]) SendTest(ctx context.Context, scheduleID, requestedBy int64) (*facteur.Run, error) {
	s, err := q.store.Schedule(ctx, scheduleID)
	if err != nil {
		return nil, err
	}
	run := &facteur.Run{ScheduleID: s.ID, ReportID: s.ReportID, DestinationID: s.DestinationID, Trigger: facteur.TriggerTest,
		Status: facteur.RunQueued, OwnerID: s.OwnerID, RequestedBy: requestedBy}
	if err := q.enqueue(ctx, run, nil); err != nil {
		return nil, err
	}
	return run, nil
}
