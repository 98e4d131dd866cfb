package http

import (
	"context"

	"github.com/facteur/facteur"
	"github.com/facteur/facteur/http/apitypes"
)

// overdueSlots returns, by schedule, the slot each schedule with an
// expected delivery window is overdue for: its latest alerted slot, when
// no run since has delivered (or been skipped, for a schedule whose skips
// count as on time).
func (s *Server) overdueSlots(ctx context.Context) (map[int64]facteur.OverdueAlert, error) {
	alerts, err := s.Store.LatestOverdueAlerts(ctx)
	if err != nil {
		return nil, err
	}
	out := make(map[int64]facteur.OverdueAlert, len(alerts))
	for _, a := range alerts {
		out[a.ScheduleID] = a
	}
	return out, nil
}

// overdueOf returns what the API says of sc's overdue state given its
// latest alert a (ok false: none), nil when it is not overdue.
func overdueOf(sc *facteur.Schedule, a facteur.OverdueAlert, ok bool) *apitypes.Overdue {
	switch {
	case !ok, !sc.Enabled, sc.Options.ExpectWithinMinutes == 0, a.DeliveredSince,
		a.SkippedSince && !sc.Options.AlertOnSkip:
		return nil
	}
	return &apitypes.Overdue{Slot: a.Slot}
}
