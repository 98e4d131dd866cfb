package http

import (
	"net/http"
	"time"

	"github.com/facteur/facteur"
)

// checkIncremental refuses an incremental schedule whose report has no
// time column to cut windows on (A5), and a Since that does not read in
// the schedule's time zone.
func checkIncremental(sc *facteur.Schedule, rep *facteur.Report) error {
	in := sc.Options.Incremental
	if in == nil {
		return nil
	}
	if rep.CreatedColumn == "" && rep.UpdatedColumn == "" {
		return facteur.Errorf(facteur.EINVALID, "options.incremental: report %q has no created_column or updated_column; an editor sets the column that holds each row's creation or last update time in the report (for example updated_at), or turn incremental delivery off to send every row", rep.Name)
	}
	loc, err := facteur.LoadZone("calendar.time_zone", sc.Calendar.TimeZone)
	if err != nil {
		return err
	}
	_, err = facteur.ParseSince("options.incremental.since", in.Since, loc)
	return err
}

// watermarkInput is the body of a watermark's reset.
type watermarkInput struct {
	// At is where the next window starts: "" or "all" for the schedule's
	// own since (as before its first delivery), or a date or an RFC 3339
	// time.
	At string `json:"at"`
}

// getWatermark returns where an incremental schedule stands: the end of
// the last delivered window, and the run holding the next one.
func (s *Server) getWatermark(r *http.Request) (int, any, error) {
	sc, err := visibleByID(r, s.visibleSchedule)
	if err != nil {
		return 0, nil, err
	}
	w, err := s.Store.Watermark(r.Context(), sc.ID)
	return http.StatusOK, w, err
}

// resetWatermark moves an incremental schedule's watermark (an
// administrator's action, audited): its next run sends the rows created or
// updated since the time given, or since the schedule's own start.
func (s *Server) resetWatermark(r *http.Request) (int, any, error) {
	sc, err := visibleByID(r, s.visibleSchedule)
	if err != nil {
		return 0, nil, err
	}
	var in watermarkInput
	if err := decode(r, &in); err != nil {
		return 0, nil, err
	}
	loc, err := facteur.LoadZone("calendar.time_zone", sc.Calendar.TimeZone)
	if err != nil {
		return 0, nil, err
	}
	at, err := facteur.ParseSince("at", in.At, loc)
	if err != nil {
		return 0, nil, err
	}
	if sc.Options.Incremental == nil {
		return 0, nil, facteur.Errorf(facteur.EINVALID, "schedule %q is not incremental: it has no watermark to reset", sc.Name)
	}
	if at != nil && at.After(s.Now().Add(time.Minute)) {
		return 0, nil, facteur.Errorf(facteur.EINVALID, "at: %s is in the future; the next window would be empty until then", at.UTC().Format(time.RFC3339))
	}
	if err := s.Store.ResetWatermark(r.Context(), sc.ID, at); err != nil {
		return 0, nil, err
	}
	info(r).detail = "schedule " + sc.Name + ": watermark reset to " + watermarkText(at)
	w, err := s.Store.Watermark(r.Context(), sc.ID)
	return http.StatusOK, w, err
}

// watermarkText is a watermark for the audit log.
func watermarkText(at *time.Time) string {
	if at == nil {
		return "the schedule's start"
	}
	return at.UTC().Format(time.RFC3339)
}
