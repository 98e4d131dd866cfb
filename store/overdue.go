package store

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/facteur/facteur"
)

// RecordOverdueAlert records that slot of a schedule is overdue; false
// when it was recorded already. The primary key (schedule, slot) makes
// the record once-only whatever the number of nodes trying at once.
func (s *store) RecordOverdueAlert(ctx context.Context, scheduleID int64, slot time.Time) (bool, error) {
	n, err := s.q.exec(ctx, `INSERT INTO overdue_alerts (schedule_id, slot, created_at) VALUES (?, ?, ?)
		ON CONFLICT (schedule_id, slot) DO NOTHING`, scheduleID, s.dialect.ts(slot), s.dialect.ts(now()))
	if isForeignKeyViolation(err) {
		return false, facteur.Errorf(facteur.ENOTFOUND, "schedule %d not found", scheduleID)
	} else if err != nil {
		return false, fmt.Errorf("record overdue alert: %w", err)
	}
	return n == 1, nil
}

// LatestOverdueAlerts returns the latest alerted slot of each schedule,
// with whether a run since then delivered or was skipped.
func (s *store) LatestOverdueAlerts(ctx context.Context) ([]facteur.OverdueAlert, error) {
	since := func(status string) string {
		return `EXISTS (SELECT 1 FROM runs r WHERE r.schedule_id = a.schedule_id AND r.status = '` + status +
			`' AND r.triggered_by <> '` + facteur.TriggerTest + `' AND r.created_at >= a.slot)`
	}
	rows, err := s.q.query(ctx, `SELECT a.schedule_id, a.slot, `+since(facteur.RunSucceeded)+`, `+since(facteur.RunSkipped)+`
		FROM overdue_alerts a
		WHERE a.slot = (SELECT MAX(b.slot) FROM overdue_alerts b WHERE b.schedule_id = a.schedule_id)`)
	if err != nil {
		return nil, fmt.Errorf("overdue alerts: %w", err)
	}
	defer rows.Close()
	var out []facteur.OverdueAlert
	for rows.Next() {
		var a facteur.OverdueAlert
		if err := rows.Scan(&a.ScheduleID, timeScan{&a.Slot}, &a.DeliveredSince, &a.SkippedSince); err != nil {
			return nil, fmt.Errorf("overdue alerts: %w", err)
		}
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("overdue alerts: %w", err)
	}
	return out, nil
}

// SetOverdueMailSent records that the alert of a slot was sent to
// address; recording it twice changes nothing.
func (s *store) SetOverdueMailSent(ctx context.Context, scheduleID int64, slot time.Time, address string) error {
	_, err := s.q.exec(ctx, `INSERT INTO overdue_alert_mails (schedule_id, slot, address, sent_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (schedule_id, slot, address) DO NOTHING`, scheduleID, s.dialect.ts(slot), strings.ToLower(address), s.dialect.ts(now()))
	if isForeignKeyViolation(err) {
		return facteur.Errorf(facteur.ENOTFOUND, "schedule %d has no overdue alert for %s", scheduleID, slot.UTC().Format(time.RFC3339))
	} else if err != nil {
		return fmt.Errorf("record overdue alert mail: %w", err)
	}
	return nil
}

// OverdueMailSent reports whether the alert of a slot was sent to address.
func (s *store) OverdueMailSent(ctx context.Context, scheduleID int64, slot time.Time, address string) (bool, error) {
	var one int
	err := s.q.queryRow(ctx, `SELECT 1 FROM overdue_alert_mails WHERE schedule_id = ? AND slot = ? AND address = ?`,
		scheduleID, s.dialect.ts(slot), strings.ToLower(address)).Scan(&one)
	if isNoRows(err) {
		return false, nil
	} else if err != nil {
		return false, fmt.Errorf("overdue alert mail: %w", err)
	}
	return true, nil
}
