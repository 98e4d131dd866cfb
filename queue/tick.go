package queue

import (
	"context"
	"fmt"
	"time"

	"github.com/facteur/facteur"
	"github.com/facteur/facteur/calendar"
)

// tickBatch is how many due schedules one tick handles; the next tick
// takes the rest.
const tickBatch = 1000

// Tick turns every due calendar slot into a queued run and moves each
// schedule to its next slot, in one transaction per schedule. A slot
// missed by more than MissedAfter (Facteur was down) is caught up by one
// run, for the latest missed slot, or skipped, as the schedule says (E7).
// It returns how many runs it queued.
func (q *Queue[TTx]) Tick(ctx context.Context) (int, error) {
	now := q.cfg.Now()
	due, err := q.store.DueSchedules(ctx, now, tickBatch)
	if err != nil {
		return 0, fmt.Errorf("due schedules: %w", err)
	}
	queued := 0
	for _, s := range due {
		ok, err := q.tickSchedule(ctx, s, now)
		if err != nil {
			q.cfg.Logger.Error("schedule a run", "schedule", s.ID, "err", err)
			continue
		}
		if ok {
			queued++
		}
	}
	return queued, nil
}

func (q *Queue[TTx]) tickSchedule(ctx context.Context, s *facteur.Schedule, now time.Time) (bool, error) {
	slot := *s.NextRunAt
	var next *time.Time
	if t, err := calendar.Next(s.Calendar, now); err != nil {
		q.cfg.Logger.Error("calendar has no next run; the schedule stops", "schedule", s.ID, "err", err)
	} else {
		next = &t
	}
	missed := now.Sub(slot) > q.cfg.MissedAfter
	if missed && s.CatchUp == facteur.CatchUpSkip {
		_, err := q.store.AdvanceSchedule(ctx, s.ID, slot, next)
		q.cfg.Logger.Info("missed slot skipped", "schedule", s.ID, "slot", slot)
		return false, err
	}
	runFor := slot
	if missed {
		runFor = lastSlot(s.Calendar, slot, now)
	}
	run := &facteur.Run{ScheduleID: s.ID, ReportID: s.ReportID, DestinationID: s.DestinationID,
		Trigger: facteur.TriggerSchedule, ScheduledFor: &runFor, Status: facteur.RunQueued, OwnerID: s.OwnerID}
	advanced := false
	err := q.enqueue(ctx, run, func(tx facteur.Store) (bool, error) {
		ok, err := tx.AdvanceSchedule(ctx, s.ID, slot, next)
		advanced = ok
		return ok, err
	})
	if facteur.ErrorCode(err) == facteur.ECONFLICT {
		// The slot already has its run (another node, or before a crash):
		// only move the calendar on.
		_, err = q.store.AdvanceSchedule(ctx, s.ID, slot, next)
		return false, err
	}
	if err != nil || !advanced {
		return false, err
	}
	if missed {
		_ = q.store.AppendRunLog(ctx, run.ID, facteur.LogEntry{Time: now.UTC(), Level: "warn",
			Message: fmt.Sprintf("Catching up: the slot of %s was missed while Facteur was not running; this run replaces all missed slots since %s.", runFor.UTC().Format(time.RFC3339), slot.UTC().Format(time.RFC3339))})
	}
	return true, nil
}

// lastSlot returns the latest slot of c at or before now, starting from
// slot (itself at or before now).
func lastSlot(c facteur.Calendar, slot, now time.Time) time.Time {
	for i := 0; i < 1_000_000; i++ {
		n, err := calendar.Next(c, slot)
		if err != nil || n.After(now) {
			break
		}
		slot = n
	}
	return slot
}
