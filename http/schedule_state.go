package http

import (
	"fmt"
	"net/http"

	"github.com/facteur/facteur"
	"github.com/facteur/facteur/calendar"
)

// pauseSchedule stops a schedule's calendar: no run starts on it until it
// is resumed; Run now still works. Pausing a paused schedule changes
// nothing.
func (s *Server) pauseSchedule(r *http.Request) (int, any, error) {
	sc, err := visibleByID(r, s.ownedSchedule)
	if err != nil {
		return 0, nil, err
	}
	if sc.Enabled {
		if err := s.Store.SetScheduleEnabled(r.Context(), sc.ID, false, nil); err != nil {
			return 0, nil, err
		}
		sc.Enabled, sc.NextRunAt = false, nil
	}
	return http.StatusOK, s.scheduleJSON(sc), nil
}

// resumeSchedule starts a paused schedule's calendar again from now: its
// next run is the calendar's next slot after now, and the slots of the
// paused period are not caught up. Resuming a running schedule changes
// nothing.
func (s *Server) resumeSchedule(r *http.Request) (int, any, error) {
	sc, err := visibleByID(r, s.ownedSchedule)
	if err != nil {
		return 0, nil, err
	}
	if !sc.Enabled {
		next, err := calendar.Next(sc.Calendar, s.Now())
		if err != nil {
			return 0, nil, facteur.Errorf(facteur.EINVALID, "calendar: the schedule has no next run: %v", err)
		}
		if err := s.Store.SetScheduleEnabled(r.Context(), sc.ID, true, &next); err != nil {
			return 0, nil, err
		}
		sc.Enabled, sc.NextRunAt = true, &next
	}
	return http.StatusOK, s.scheduleJSON(sc), nil
}

// testSchedule is Send test: the first rows of the report, in the
// schedule's format, under its file name marked as a test, delivered to
// its destination right away as a run of its own (trigger "test") that
// leaves the calendar alone. Like Run now, it needs an account allowed to
// export and runs as the schedule's owner.
func (s *Server) testSchedule(r *http.Request) (int, any, error) {
	sc, err := visibleByID(r, s.ownedSchedule)
	if err != nil {
		return 0, nil, err
	}
	if err := s.canExport(r); err != nil {
		return 0, nil, err
	}
	run, err := s.Runs.SendTest(r.Context(), sc.ID, user(r).ID)
	if err == nil {
		info(r).detail = fmt.Sprintf("run %d", run.ID)
	}
	return http.StatusAccepted, run, err
}
