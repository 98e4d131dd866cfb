package store

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/facteur/facteur"
)

const scheduleColumns = `id, name, report_id, destination_id, format, file_name, calendar, catch_up,
	include_fields, params, options, enabled, next_run_at, owner_id, created_at, updated_at, obfuscate, hmac_key, bundle`

// scheduleJSON holds the JSON columns of a schedule, encoded.
type scheduleJSON struct {
	format, calendar, include, params, options, obfuscate, hmacKey string
	bundle                                                         any // string, or nil for SQL NULL
}

// prepareSchedule fills the defaults of s, validates it (its format with
// the store's FormatChecker, when it has one) and encodes its JSON columns.
func (st *store) prepareSchedule(s *facteur.Schedule) (scheduleJSON, error) {
	s.SetDefaults()
	if err := s.Validate(); err != nil {
		return scheduleJSON{}, err
	}
	if st.formats != nil {
		if err := st.formats.Validate(s.Format); err != nil {
			return scheduleJSON{}, err
		}
	}
	format, err := json.Marshal(s.Format)
	if err != nil {
		return scheduleJSON{}, fmt.Errorf("encode format: %w", err)
	}
	calendar, err := json.Marshal(s.Calendar)
	if err != nil {
		return scheduleJSON{}, fmt.Errorf("encode calendar: %w", err)
	}
	include, err := marshalList(s.IncludeFields)
	if err != nil {
		return scheduleJSON{}, err
	}
	options, err := json.Marshal(s.Options)
	if err != nil {
		return scheduleJSON{}, fmt.Errorf("encode options: %w", err)
	}
	params := []byte("{}")
	if len(s.Params) > 0 {
		if params, err = json.Marshal(s.Params); err != nil {
			return scheduleJSON{}, fmt.Errorf("encode params: %w", err)
		}
	}
	obfuscate, err := marshalList(s.Obfuscate)
	if err != nil {
		return scheduleJSON{}, err
	}
	var key string
	if s.HMACKey != "" {
		if key, err = st.seal(s.HMACKey); err != nil {
			return scheduleJSON{}, fmt.Errorf("seal the hmac key: %w", err)
		}
	}
	s.HMACKeySet = s.HMACKey != ""
	j := scheduleJSON{format: string(format), calendar: string(calendar), include: include, params: string(params), options: string(options), obfuscate: obfuscate, hmacKey: key}
	if s.Bundle != nil {
		b, err := json.Marshal(s.Bundle)
		if err != nil {
			return scheduleJSON{}, fmt.Errorf("encode bundle: %w", err)
		}
		j.bundle = string(b)
	}
	return j, nil
}

// scheduleRefError turns err, a foreign key failure on a schedule's report
// or destination, into an error that names the field. PostgreSQL names the
// constraint (and has aborted any transaction, so no lookup is possible);
// SQLite does not, so the report is looked up.
func (s *store) scheduleRefError(ctx context.Context, sc *facteur.Schedule, err error) error {
	missingReport := strings.Contains(fkConstraint(err), "report_id")
	if s.dialect == DialectSQLite {
		_, rerr := s.Report(ctx, sc.ReportID)
		missingReport = facteur.ErrorCode(rerr) == facteur.ENOTFOUND
	}
	if missingReport {
		return facteur.Errorf(facteur.EINVALID, "report_id: there is no report %d", sc.ReportID)
	}
	return facteur.Errorf(facteur.EINVALID, "destination_id: there is no destination %d", sc.DestinationID)
}

// CreateSchedule fills the defaults of sc (file name, catch-up, format),
// records it, owned by sc.OwnerID, and sets its ID and timestamps. It fails with EINVALID when sc
// does not validate or its report or destination does not exist.
func (s *store) CreateSchedule(ctx context.Context, sc *facteur.Schedule) error {
	j, err := s.prepareSchedule(sc)
	if err != nil {
		return err
	}
	t := now()
	err = s.inTx(ctx, func(tx *store, _ any) error {
		err := tx.q.queryRow(ctx, `INSERT INTO schedules (name, report_id, destination_id, format, file_name,
				calendar, catch_up, include_fields, params, options, enabled, next_run_at, owner_id, created_at, updated_at,
				obfuscate, hmac_key, bundle)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			sc.Name, sc.ReportID, sc.DestinationID, j.format, sc.FileName, j.calendar, sc.CatchUp,
			j.include, j.params, j.options, sc.Enabled, s.dialect.tsPtr(sc.NextRunAt), sc.OwnerID, s.dialect.ts(t), s.dialect.ts(t),
			j.obfuscate, j.hmacKey, j.bundle).Scan(&sc.ID)
		if isForeignKeyViolation(err) {
			return err
		} else if err != nil {
			return fmt.Errorf("create schedule: %w", err)
		}
		return tx.setGroupRefs(ctx, "schedule_groups", "schedule_id", sc.ID, "options.alert_groups", sc.Options.AlertGroups)
	})
	if isForeignKeyViolation(err) {
		sc.ID = 0
		return s.scheduleRefError(ctx, sc, err)
	} else if err != nil {
		sc.ID = 0
		return err
	}
	sc.CreatedAt, sc.UpdatedAt = t, t
	sc.NextRunAt = truncate(sc.NextRunAt)
	return nil
}

// Schedule returns the schedule with the given id, or ENOTFOUND.
func (s *store) Schedule(ctx context.Context, id int64) (*facteur.Schedule, error) {
	sc, err := s.scanSchedule(s.q.queryRow(ctx, `SELECT `+scheduleColumns+` FROM schedules WHERE id = ?`, id))
	if isNoRows(err) {
		return nil, facteur.Errorf(facteur.ENOTFOUND, "schedule %d not found", id)
	} else if err != nil {
		return nil, fmt.Errorf("schedule: %w", err)
	}
	if err := s.resolveSchedules(ctx, []*facteur.Schedule{sc}); err != nil {
		return nil, err
	}
	return sc, nil
}

// Schedules returns every schedule, in the order they were created.
func (s *store) Schedules(ctx context.Context) ([]*facteur.Schedule, error) {
	return s.listSchedules(ctx, `SELECT `+scheduleColumns+` FROM schedules ORDER BY id`)
}

// DueSchedules returns the enabled schedules whose next run is at or
// before now, by next run then id, at most limit of them (100 when limit is
// not positive).
func (s *store) DueSchedules(ctx context.Context, now time.Time, limit int) ([]*facteur.Schedule, error) {
	if limit <= 0 {
		limit = 100
	}
	return s.listSchedules(ctx, `SELECT `+scheduleColumns+` FROM schedules
		WHERE enabled = ? AND next_run_at <= ? ORDER BY next_run_at, id LIMIT ?`,
		true, s.dialect.ts(now), limit)
}

func (s *store) listSchedules(ctx context.Context, query string, args ...any) ([]*facteur.Schedule, error) {
	rows, err := s.q.query(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("schedules: %w", err)
	}
	defer rows.Close()
	var out []*facteur.Schedule
	for rows.Next() {
		sc, err := s.scanSchedule(rows)
		if err != nil {
			return nil, fmt.Errorf("schedules: %w", err)
		}
		out = append(out, sc)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("schedules: %w", err)
	}
	rows.Close()
	if err := s.resolveSchedules(ctx, out); err != nil {
		return nil, err
	}
	return out, nil
}

// UpdateSchedule fills the defaults of sc, saves it (NextRunAt included)
// and sets UpdatedAt (and CreatedAt and OwnerID, as stored: the owner is
// set at creation only). It fails with EINVALID like CreateSchedule and
// ENOTFOUND when there is no such schedule.
func (s *store) UpdateSchedule(ctx context.Context, sc *facteur.Schedule) error {
	j, err := s.prepareSchedule(sc)
	if err != nil {
		return err
	}
	t := nextVersion(sc.UpdatedAt)
	err = s.inTx(ctx, func(tx *store, _ any) error {
		err := tx.q.queryRow(ctx, `UPDATE schedules SET name = ?, report_id = ?, destination_id = ?, format = ?,
				file_name = ?, calendar = ?, catch_up = ?, include_fields = ?, params = ?, options = ?, enabled = ?,
				next_run_at = ?, updated_at = ?, obfuscate = ?, hmac_key = ?, bundle = ?
			WHERE id = ?`+versionCheck+` RETURNING created_at, owner_id`,
			append([]any{sc.Name, sc.ReportID, sc.DestinationID, j.format, sc.FileName, j.calendar, sc.CatchUp,
				j.include, j.params, j.options, sc.Enabled, s.dialect.tsPtr(sc.NextRunAt), s.dialect.ts(t), j.obfuscate, j.hmacKey, j.bundle, sc.ID},
				s.versionArgs(sc.UpdatedAt)...)...).Scan(timeScan{&sc.CreatedAt}, &sc.OwnerID)
		if isNoRows(err) {
			return tx.updateMissed(ctx, "schedule", "schedules", sc.ID)
		} else if isForeignKeyViolation(err) {
			return err
		} else if err != nil {
			return fmt.Errorf("update schedule: %w", err)
		}
		return tx.setGroupRefs(ctx, "schedule_groups", "schedule_id", sc.ID, "options.alert_groups", sc.Options.AlertGroups)
	})
	if isForeignKeyViolation(err) {
		return s.scheduleRefError(ctx, sc, err)
	} else if err != nil {
		return err
	}
	sc.UpdatedAt = t
	sc.NextRunAt = truncate(sc.NextRunAt)
	return nil
}

// TransferSchedule gives schedule id to the account ownerID, or fails with
// ENOTFOUND.
func (s *store) TransferSchedule(ctx context.Context, id, ownerID int64) error {
	n, err := s.q.exec(ctx, `UPDATE schedules SET owner_id = ?, updated_at = ? WHERE id = ?`, ownerID, s.dialect.ts(now()), id)
	if err != nil {
		return fmt.Errorf("transfer schedule: %w", err)
	}
	if n == 0 {
		return facteur.Errorf(facteur.ENOTFOUND, "schedule %d not found", id)
	}
	return nil
}

// DeleteSchedule deletes a schedule, or fails with ENOTFOUND. Its runs stay
// in the history, with ScheduleID 0.
func (s *store) DeleteSchedule(ctx context.Context, id int64) error {
	return s.delete(ctx, "schedule", "schedules", id)
}

// AdvanceSchedule moves the next run of schedule id from `from` to `to`
// (nil: no next run) if it is still `from`, and reports whether it did.
// It is a compare-and-set: of several schedulers racing on one slot,
// exactly one sees true. A missing schedule reports false.
func (s *store) AdvanceSchedule(ctx context.Context, id int64, from time.Time, to *time.Time) (bool, error) {
	n, err := s.q.exec(ctx, `UPDATE schedules SET next_run_at = ? WHERE id = ? AND next_run_at = ?`,
		s.dialect.tsPtr(to), id, s.dialect.ts(from))
	if err != nil {
		return false, fmt.Errorf("advance schedule: %w", err)
	}
	return n == 1, nil
}

func (s *store) scanSchedule(r row) (*facteur.Schedule, error) {
	var (
		sc                                                     facteur.Schedule
		format, calendar, includes, params, options, obfuscate []byte
		key                                                    string
		bundle                                                 []byte
	)
	err := r.Scan(&sc.ID, &sc.Name, &sc.ReportID, &sc.DestinationID, &format, &sc.FileName, &calendar,
		&sc.CatchUp, &includes, &params, &options, &sc.Enabled, nullTimeScan{&sc.NextRunAt}, &sc.OwnerID,
		timeScan{&sc.CreatedAt}, timeScan{&sc.UpdatedAt}, &obfuscate, &key, &bundle)
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal(obfuscate, &sc.Obfuscate); err != nil {
		return nil, fmt.Errorf("schedule %d: obfuscate: %w", sc.ID, err)
	}
	if len(sc.Obfuscate) == 0 {
		sc.Obfuscate = nil
	}
	if key != "" {
		if sc.HMACKey, err = s.open(key); err != nil {
			return nil, err
		}
		sc.HMACKeySet = sc.HMACKey != ""
	}
	if err := json.Unmarshal(format, &sc.Format); err != nil {
		return nil, fmt.Errorf("schedule %d: format: %w", sc.ID, err)
	}
	if err := json.Unmarshal(calendar, &sc.Calendar); err != nil {
		return nil, fmt.Errorf("schedule %d: calendar: %w", sc.ID, err)
	}
	if err := json.Unmarshal(includes, &sc.IncludeFields); err != nil {
		return nil, fmt.Errorf("schedule %d: include_fields: %w", sc.ID, err)
	}
	if len(sc.IncludeFields) == 0 {
		sc.IncludeFields = nil
	}
	if err := json.Unmarshal(params, &sc.Params); err != nil {
		return nil, fmt.Errorf("schedule %d: params: %w", sc.ID, err)
	}
	if len(sc.Params) == 0 {
		sc.Params = nil
	}
	if err := json.Unmarshal(options, &sc.Options); err != nil {
		return nil, fmt.Errorf("schedule %d: options: %w", sc.ID, err)
	}
	if bundle != nil {
		if err := json.Unmarshal(bundle, &sc.Bundle); err != nil {
			return nil, fmt.Errorf("schedule %d: bundle: %w", sc.ID, err)
		}
	}
	return &sc, nil
}

// truncate returns t as the store keeps it: UTC, to the microsecond.
func truncate(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC().Truncate(time.Microsecond)
	return &u
}
