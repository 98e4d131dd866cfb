package store

import (
	"context"
	"fmt"
	"time"

	"github.com/facteur/facteur"
)

// Updates of users, sources, reports, destinations and schedules check a
// version: the updated_at the caller read. A step that read a row, changed
// it and writes it back fails with ECONFLICT when someone else changed the
// row in between, instead of writing back their older copy over the change
// (a login must never undo an administrator's deactivation). An object
// whose UpdatedAt is zero (never read) is written without the check.

// nextVersion returns the updated_at an update writes: the current time,
// or just after prev when the clock has not moved past it, so that every
// update changes the version.
func nextVersion(prev time.Time) time.Time {
	t := now()
	if !t.After(prev) {
		t = prev.Add(time.Microsecond)
	}
	return t
}

// versionCheck is the condition an update adds to its WHERE clause, with
// its two arguments: no check for a zero prev, else updated_at = prev.
const versionCheck = ` AND (? OR updated_at = ?)`

func (s *store) versionArgs(prev time.Time) []any {
	return []any{prev.IsZero(), s.dialect.ts(prev)}
}

// updateMissed explains an update that matched no row: the row is gone
// (ENOTFOUND) or was changed since the caller read it (ECONFLICT).
func (s *store) updateMissed(ctx context.Context, what, table string, id int64) error {
	var one int
	err := s.q.queryRow(ctx, `SELECT 1 FROM `+table+` WHERE id = ?`, id).Scan(&one)
	switch {
	case isNoRows(err):
		return facteur.Errorf(facteur.ENOTFOUND, "%s %d not found", what, id)
	case err != nil:
		return fmt.Errorf("update %s: %w", what, err)
	}
	return facteur.Errorf(facteur.ECONFLICT, "%s %d was changed by someone else since it was read; load it again and repeat the change", what, id)
}
