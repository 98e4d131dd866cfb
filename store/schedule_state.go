package store

import (
	"context"
	"fmt"
	"time"

	"github.com/facteur/facteur"
)

// SetScheduleEnabled pauses (enabled false, next nil) or resumes a
// schedule: it writes only its enabled flag, its next slot and UpdatedAt,
// so that it never writes back an older copy of the rest of the schedule.
// It fails with ENOTFOUND when there is no such schedule.
func (s *store) SetScheduleEnabled(ctx context.Context, id int64, enabled bool, next *time.Time) error {
	n, err := s.q.exec(ctx, `UPDATE schedules SET enabled = ?, next_run_at = ?, updated_at = ? WHERE id = ?`,
		enabled, s.dialect.tsPtr(next), s.dialect.ts(now()), id)
	if err != nil {
		return fmt.Errorf("set schedule enabled: %w", err)
	}
	if n == 0 {
		return facteur.Errorf(facteur.ENOTFOUND, "schedule %d not found", id)
	}
	return nil
}
