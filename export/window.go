package export

import (
	"context"
	"errors"
	"time"

	"github.com/facteur/facteur"
)

// window fixes the window of a run of an incremental schedule (A5) and
// keeps def to it: the window an earlier attempt of the run recorded, or a
// new one from the schedule's watermark to now less the settle delay. The
// run holds the window until it finishes, so that no other run of the
// schedule exports the same rows meanwhile. A schedule that is not
// incremental, Send test and one-off exports have no window.
func (r *Runner) window(ctx context.Context, run *facteur.Run, def *Definition) error {
	s := def.Schedule
	in := s.Options.Incremental
	if in == nil || run.ScheduleID == 0 || run.Trigger == facteur.TriggerTest || run.Trigger == facteur.TriggerExport {
		return nil
	}
	column, also, err := windowColumns(def.Report)
	if err != nil {
		return err
	}
	loc, err := facteur.LoadZone("calendar.time_zone", s.Calendar.TimeZone)
	if err != nil {
		return err
	}
	w, err := r.Store.ClaimWindow(ctx, run.ScheduleID, run.ID, func(mark *time.Time) (facteur.Window, error) {
		return cutWindow(in, mark, time.Now(), loc)
	})
	if err != nil {
		return windowError(err)
	}
	run.Window = &w
	def.Period = w.Period(column, also, loc)
	r.logf(ctx, run.ID, "info", "Exporting the rows created or updated %s.", windowText(&w, loc))
	return nil
}

// retryWindow gives a retry the window of the run it re-delivers, and
// holds it like the run did: its success moves the watermark if it is
// still where that window started.
func (r *Runner) retryWindow(ctx context.Context, run, orig *facteur.Run) error {
	if orig.Window == nil || run.ScheduleID == 0 {
		return nil
	}
	w, err := r.Store.ClaimWindow(ctx, run.ScheduleID, run.ID, func(*time.Time) (facteur.Window, error) {
		return *orig.Window, nil
	})
	if err != nil {
		return windowError(err)
	}
	run.Window = &w
	return nil
}

// windowError returns the refusal of a window held by another run as
// the *facteur.WindowHeldError it wraps: the queue takes the run up again
// once that run has finished.
func windowError(err error) error {
	var held *facteur.WindowHeldError
	if errors.As(err, &held) {
		return held
	}
	return err
}

// windowColumns returns the columns an incremental window filters on:
// the report's updated column, and its created column for the rows never
// updated (a NULL update time); either alone when the other is not set.
func windowColumns(rep *facteur.Report) (string, string, error) {
	switch {
	case rep.UpdatedColumn != "" && rep.CreatedColumn != "":
		return rep.UpdatedColumn, rep.CreatedColumn, nil
	case rep.UpdatedColumn != "":
		return rep.UpdatedColumn, "", nil
	case rep.CreatedColumn != "":
		return rep.CreatedColumn, "", nil
	}
	return "", "", facteur.Errorf(facteur.EINVALID, "report %q has no created_column or updated_column, which an incremental schedule needs: an editor sets one in the report (for example updated_at), or the schedule stops being incremental", rep.Name)
}

// cutWindow returns the window of a new run at now: from mark (the
// schedule's Since before any delivery), less the overlap, to now less
// the settle delay, to the second. A window that would be empty, or whose
// end would come before its start on the wall clock of loc (the hour that
// repeats when daylight saving time ends), is a skip: nothing is exported,
// and the next run takes the window from the same mark.
func cutWindow(in *facteur.Incremental, mark *time.Time, now time.Time, loc *time.Location) (facteur.Window, error) {
	w := facteur.Window{To: now.Add(-time.Duration(in.SettleSeconds) * time.Second).Truncate(time.Second).UTC(), Watermark: mark}
	start := mark
	if start == nil {
		since, err := facteur.ParseSince("options.incremental.since", in.Since, loc)
		if err != nil {
			return w, err
		}
		start = since
	}
	if start != nil {
		if !start.Before(w.To) || start.In(loc).Format(time.DateTime) >= w.To.In(loc).Format(time.DateTime) {
			return w, &facteur.SkipError{Reason: "no time has passed since the last delivered window (" + start.In(loc).Format(time.RFC3339) + ")"}
		}
		from := start.Add(-time.Duration(in.OverlapMinutes) * time.Minute).UTC()
		w.From = &from
	}
	return w, nil
}

// windowText renders a window for the run's log: "from … to …".
func windowText(w *facteur.Window, loc *time.Location) string {
	to := w.To.In(loc).Format(time.RFC3339)
	if w.From == nil {
		return "before " + to
	}
	return "from " + w.From.In(loc).Format(time.RFC3339) + " to " + to
}
