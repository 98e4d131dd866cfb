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

// tickTx is how many schedules share one transaction: one commit (one
// fsync on SQLite) per schedule was most of the time of a tick.
const tickTx = 100

// Tick turns every due calendar slot into a queued run and moves each
// schedule to its next slot, the run, its job and the move in one
// transaction (tickTx schedules per transaction; a transaction that fails,
// e.g. because another node queued one of its slots, is done again one
// schedule at a time). A slot missed by more than MissedAfter (Facteur was
// down) is caught up by one run, for the latest missed slot, or skipped,
// as the schedule says (E7). It returns how many runs it queued.
func (q *Queue[TTx]) Tick(ctx context.Context) (int, error) {
	now := q.cfg.Now()
	due, err := q.store.DueSchedules(ctx, now, tickBatch)
	if err != nil {
		return 0, fmt.Errorf("due schedules: %w", err)
	}
	queued := 0
	for start := 0; start < len(due); start += tickTx {
		batch := due[start:min(start+tickTx, len(due))]
		var runs []queuedRun
		err := q.store.InTx(ctx, func(tx facteur.Store, raw any) error {
			runs = runs[:0]
			for _, s := range batch {
				r, err := q.tickIn(ctx, tx, raw, s, now)
				if err != nil {
					return err
				}
				if r.run != nil {
					runs = append(runs, r)
				}
			}
			return nil
		})
		if err == nil {
			queued += len(runs)
			q.logCatchUps(ctx, runs, now)
			continue
		}
		for _, s := range batch {
			ok, err := q.tickSchedule(ctx, s, now)
			if err != nil {
				q.cfg.Logger.Error("schedule a run", "schedule", s.ID, "err", err)
				continue
			}
			if ok {
				queued++
			}
		}
	}
	return queued, nil
}

// slotPlan is what a tick does with one due schedule.
type slotPlan struct {
	slot   time.Time  // the due slot
	next   *time.Time // the schedule's next slot (nil: none)
	runFor time.Time  // the slot the run is for
	missed bool       // the slot was missed while Facteur was down
	skip   bool       // missed, and the schedule skips missed slots
}

func (q *Queue[TTx]) plan(s *facteur.Schedule, now time.Time) slotPlan {
	p := slotPlan{slot: *s.NextRunAt}
	if t, err := calendar.Next(s.Calendar, now); err != nil {
		q.cfg.Logger.Error("calendar has no next run; the schedule stops", "schedule", s.ID, "err", err)
	} else {
		p.next = &t
	}
	p.missed = now.Sub(p.slot) > q.cfg.MissedAfter
	p.skip = p.missed && s.CatchUp == facteur.CatchUpSkip
	p.runFor = p.slot
	if p.missed {
		p.runFor = lastSlot(s.Calendar, p.slot, now)
	}
	return p
}

func newScheduledRun(s *facteur.Schedule, p slotPlan) *facteur.Run {
	return &facteur.Run{ScheduleID: s.ID, ReportID: s.ReportID, DestinationID: s.DestinationID,
		Trigger: facteur.TriggerSchedule, ScheduledFor: &p.runFor, Status: facteur.RunQueued, OwnerID: s.OwnerID}
}

// queuedRun is a run a tick queued, with the plan it followed.
type queuedRun struct {
	run *facteur.Run
	p   slotPlan
}

// tickIn moves s to its next slot and queues the run of its due slot, in
// the transaction tx. Its run is nil when there is none (a skipped slot,
// or one another node has taken).
func (q *Queue[TTx]) tickIn(ctx context.Context, tx facteur.Store, raw any, s *facteur.Schedule, now time.Time) (queuedRun, error) {
	p := q.plan(s, now)
	ok, err := tx.AdvanceSchedule(ctx, s.ID, p.slot, p.next)
	if err != nil || !ok || p.skip {
		if p.skip && ok {
			q.cfg.Logger.Info("missed slot skipped", "schedule", s.ID, "slot", p.slot)
		}
		return queuedRun{}, err
	}
	run := newScheduledRun(s, p)
	if err := q.insertRun(ctx, tx, raw, run); err != nil {
		return queuedRun{}, err
	}
	return queuedRun{run, p}, nil
}

// logCatchUps writes in the log of each catch-up run which slots it
// replaces.
func (q *Queue[TTx]) logCatchUps(ctx context.Context, runs []queuedRun, now time.Time) {
	for _, r := range runs {
		if !r.p.missed {
			continue
		}
		_ = q.store.AppendRunLog(ctx, r.run.ID, facteur.LogEntry{Time: now.UTC(), Level: "warn",
			Message: fmt.Sprintf("Catching up: the slot of %s was missed while Facteur was not running; this run replaces all missed slots since %s.", r.p.runFor.UTC().Format(time.RFC3339), r.p.slot.UTC().Format(time.RFC3339))})
	}
}

// tickSchedule does what tickIn does for one schedule in a transaction of
// its own; a slot that already has its run (another node, or before a
// crash) only moves the calendar on.
func (q *Queue[TTx]) tickSchedule(ctx context.Context, s *facteur.Schedule, now time.Time) (bool, error) {
	p := q.plan(s, now)
	if p.skip {
		_, err := q.store.AdvanceSchedule(ctx, s.ID, p.slot, p.next)
		q.cfg.Logger.Info("missed slot skipped", "schedule", s.ID, "slot", p.slot)
		return false, err
	}
	run := newScheduledRun(s, p)
	advanced := false
	err := q.enqueue(ctx, run, func(tx facteur.Store) (bool, error) {
		ok, err := tx.AdvanceSchedule(ctx, s.ID, p.slot, p.next)
		advanced = ok
		return ok, err
	})
	if facteur.ErrorCode(err) == facteur.ECONFLICT {
		_, err = q.store.AdvanceSchedule(ctx, s.ID, p.slot, p.next)
		return false, err
	}
	if err != nil || !advanced {
		return false, err
	}
	q.logCatchUps(ctx, []queuedRun{{run, p}}, now)
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
