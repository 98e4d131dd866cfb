package store

import (
	"context"
	"fmt"
	"time"

	"github.com/facteur/facteur"
)

var _ facteur.Watermarks = (*store)(nil)

// lockWatermark returns the watermark row of a schedule, created empty when
// missing, locked until the end of the transaction tx runs in (PostgreSQL
// locks the row; SQLite's one connection serialises the transactions).
func (tx *store) lockWatermark(ctx context.Context, scheduleID int64) (*facteur.WatermarkState, error) {
	_, err := tx.q.exec(ctx, `INSERT INTO schedule_watermarks (schedule_id) VALUES (?) ON CONFLICT (schedule_id) DO NOTHING`, scheduleID)
	if isForeignKeyViolation(err) {
		return nil, facteur.Errorf(facteur.ENOTFOUND, "schedule %d not found", scheduleID)
	} else if err != nil {
		return nil, fmt.Errorf("watermark: %w", err)
	}
	lock := ""
	if tx.dialect == DialectPostgres {
		lock = " FOR UPDATE"
	}
	w := &facteur.WatermarkState{ScheduleID: scheduleID}
	var holder nullInt
	err = tx.q.queryRow(ctx, `SELECT watermark, holder_run, updated_at FROM schedule_watermarks WHERE schedule_id = ?`+lock, scheduleID).
		Scan(nullTimeScan{&w.At}, &holder, nullTimeScan{&w.UpdatedAt})
	if err != nil {
		return nil, fmt.Errorf("watermark: %w", err)
	}
	w.HolderRun = int64(holder)
	return w, nil
}

// Watermark returns the state of a schedule's watermark.
func (s *store) Watermark(ctx context.Context, scheduleID int64) (*facteur.WatermarkState, error) {
	w := &facteur.WatermarkState{ScheduleID: scheduleID}
	var holder nullInt
	err := s.q.queryRow(ctx, `SELECT w.watermark, w.holder_run, w.updated_at FROM schedules s
		LEFT JOIN schedule_watermarks w ON w.schedule_id = s.id WHERE s.id = ?`, scheduleID).
		Scan(nullTimeScan{&w.At}, &holder, nullTimeScan{&w.UpdatedAt})
	if isNoRows(err) {
		return nil, facteur.Errorf(facteur.ENOTFOUND, "schedule %d not found", scheduleID)
	} else if err != nil {
		return nil, fmt.Errorf("watermark: %w", err)
	}
	// A holder that has finished holds nothing any more.
	if holder != 0 {
		var status string
		err := s.q.queryRow(ctx, `SELECT status FROM runs WHERE id = ?`, int64(holder)).Scan(&status)
		if err == nil && !facteur.RunFinished(status) {
			w.HolderRun = int64(holder)
		} else if err != nil && !isNoRows(err) {
			return nil, fmt.Errorf("watermark: %w", err)
		}
	}
	return w, nil
}

// ClaimWindow makes runID the holder of its schedule's next window, in one
// transaction with the window it records for the run.
func (s *store) ClaimWindow(ctx context.Context, scheduleID, runID int64, cut func(watermark *time.Time) (facteur.Window, error)) (facteur.Window, error) {
	var out facteur.Window
	err := s.inTx(ctx, func(tx *store, _ any) error {
		w, err := tx.lockWatermark(ctx, scheduleID)
		if err != nil {
			return err
		}
		if w.HolderRun != 0 && w.HolderRun != runID {
			var status string
			err := tx.q.queryRow(ctx, `SELECT status FROM runs WHERE id = ?`, w.HolderRun).Scan(&status)
			if err != nil && !isNoRows(err) {
				return fmt.Errorf("window holder: %w", err)
			}
			if err == nil && !facteur.RunFinished(status) {
				held := &facteur.WindowHeldError{Holder: w.HolderRun}
				return facteur.WrapError(facteur.ECONFLICT, held, "%s; this run waits for it to finish", held)
			}
		}
		win, err := tx.RunWindow(ctx, runID)
		switch {
		case facteur.ErrorCode(err) == facteur.ENOTFOUND:
			if out, err = cut(w.At); err != nil {
				return err
			}
			d := tx.dialect
			if _, err := tx.q.exec(ctx, `INSERT INTO run_windows (run_id, window_from, window_to, watermark) VALUES (?, ?, ?, ?)`,
				runID, d.tsPtr(out.From), d.ts(out.To), d.tsPtr(out.Watermark)); err != nil {
				return fmt.Errorf("record window: %w", err)
			}
		case err != nil:
			return err
		default:
			out = *win
		}
		if _, err := tx.q.exec(ctx, `UPDATE schedule_watermarks SET holder_run = ? WHERE schedule_id = ?`, runID, scheduleID); err != nil {
			return fmt.Errorf("claim window: %w", err)
		}
		return nil
	})
	return out, err
}

// RunWindow returns the window recorded for a run.
func (s *store) RunWindow(ctx context.Context, runID int64) (*facteur.Window, error) {
	var w facteur.Window
	err := s.q.queryRow(ctx, `SELECT window_from, window_to, watermark FROM run_windows WHERE run_id = ?`, runID).
		Scan(nullTimeScan{&w.From}, timeScan{&w.To}, nullTimeScan{&w.Watermark})
	if isNoRows(err) {
		return nil, facteur.Errorf(facteur.ENOTFOUND, "run %d has no window", runID)
	} else if err != nil {
		return nil, fmt.Errorf("run window: %w", err)
	}
	return &w, nil
}

// AdvanceWatermark releases runID's hold and moves the watermark to its
// window's end when the run succeeded and the watermark is still where
// the window started.
func (s *store) AdvanceWatermark(ctx context.Context, scheduleID, runID int64) (bool, error) {
	moved := false
	err := s.inTx(ctx, func(tx *store, _ any) error {
		w, err := tx.lockWatermark(ctx, scheduleID)
		if err != nil || w.HolderRun != runID {
			return err
		}
		if _, err := tx.q.exec(ctx, `UPDATE schedule_watermarks SET holder_run = NULL WHERE schedule_id = ?`, scheduleID); err != nil {
			return fmt.Errorf("release window: %w", err)
		}
		win, err := tx.RunWindow(ctx, runID)
		if facteur.ErrorCode(err) == facteur.ENOTFOUND {
			return nil
		} else if err != nil {
			return err
		}
		var status string
		if err := tx.q.queryRow(ctx, `SELECT status FROM runs WHERE id = ?`, runID).Scan(&status); err != nil {
			return fmt.Errorf("advance watermark: %w", err)
		}
		if status != facteur.RunSucceeded || !sameInstant(w.At, win.Watermark) {
			return nil
		}
		d := tx.dialect
		if _, err := tx.q.exec(ctx, `UPDATE schedule_watermarks SET watermark = ?, updated_at = ? WHERE schedule_id = ?`,
			d.ts(win.To), d.ts(now()), scheduleID); err != nil {
			return fmt.Errorf("advance watermark: %w", err)
		}
		moved = true
		return nil
	})
	return moved, err
}

// ResetWatermark sets a schedule's watermark to at, or clears it.
func (s *store) ResetWatermark(ctx context.Context, scheduleID int64, at *time.Time) error {
	return s.inTx(ctx, func(tx *store, _ any) error {
		if _, err := tx.lockWatermark(ctx, scheduleID); err != nil {
			return err
		}
		d := tx.dialect
		if at != nil {
			t := at.UTC().Truncate(time.Second)
			at = &t
		}
		_, err := tx.q.exec(ctx, `UPDATE schedule_watermarks SET watermark = ?, updated_at = ? WHERE schedule_id = ?`,
			d.tsPtr(at), d.ts(now()), scheduleID)
		if err != nil {
			return fmt.Errorf("reset watermark: %w", err)
		}
		return nil
	})
}

// sameInstant reports whether two optional instants are both nil or equal.
func sameInstant(a, b *time.Time) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return a.Equal(*b)
}
