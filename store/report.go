package store

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/facteur/facteur"
)

const reportColumns = `id, name, source_id, sql, table_name, fields, created_column, updated_column,
	chart, parameters, owner_id, created_at, updated_at`

// CreateReport records r, owned by r.OwnerID, and sets its ID and timestamps. It fails with
// EINVALID when r does not validate or its source does not exist.
func (s *store) CreateReport(ctx context.Context, r *facteur.Report) error {
	if err := r.Validate(); err != nil {
		return err
	}
	fields, err := marshalList(r.Fields)
	if err != nil {
		return err
	}
	chart, err := marshalChart(r.Chart)
	if err != nil {
		return err
	}
	params, err := marshalList(r.Parameters)
	if err != nil {
		return err
	}
	t := now()
	err = s.q.queryRow(ctx, `INSERT INTO reports (name, source_id, sql, table_name, fields,
			created_column, updated_column, chart, parameters, owner_id, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		r.Name, r.SourceID, r.SQL, r.Table, fields, r.CreatedColumn, r.UpdatedColumn, chart, params, r.OwnerID,
		s.dialect.ts(t), s.dialect.ts(t)).Scan(&r.ID)
	if isForeignKeyViolation(err) {
		return facteur.Errorf(facteur.EINVALID, "source_id: there is no source %d", r.SourceID)
	} else if err != nil {
		return fmt.Errorf("create report: %w", err)
	}
	r.CreatedAt, r.UpdatedAt = t, t
	return nil
}

// Report returns the report with the given id, or ENOTFOUND.
func (s *store) Report(ctx context.Context, id int64) (*facteur.Report, error) {
	r, err := scanReport(s.q.queryRow(ctx, `SELECT `+reportColumns+` FROM reports WHERE id = ?`, id))
	if isNoRows(err) {
		return nil, facteur.Errorf(facteur.ENOTFOUND, "report %d not found", id)
	} else if err != nil {
		return nil, fmt.Errorf("report: %w", err)
	}
	return r, nil
}

// Reports returns every report, in the order they were created.
func (s *store) Reports(ctx context.Context) ([]*facteur.Report, error) {
	rows, err := s.q.query(ctx, `SELECT `+reportColumns+` FROM reports ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("reports: %w", err)
	}
	defer rows.Close()
	var out []*facteur.Report
	for rows.Next() {
		r, err := scanReport(rows)
		if err != nil {
			return nil, fmt.Errorf("reports: %w", err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("reports: %w", err)
	}
	return out, nil
}

// UpdateReport saves r and sets UpdatedAt (and CreatedAt and OwnerID, as
// stored: the owner is set at creation only). It fails with EINVALID like
// CreateReport and ENOTFOUND when there is no such report.
func (s *store) UpdateReport(ctx context.Context, r *facteur.Report) error {
	if err := r.Validate(); err != nil {
		return err
	}
	fields, err := marshalList(r.Fields)
	if err != nil {
		return err
	}
	chart, err := marshalChart(r.Chart)
	if err != nil {
		return err
	}
	params, err := marshalList(r.Parameters)
	if err != nil {
		return err
	}
	t := nextVersion(r.UpdatedAt)
	err = s.q.queryRow(ctx, `UPDATE reports SET name = ?, source_id = ?, sql = ?, table_name = ?, fields = ?,
			created_column = ?, updated_column = ?, chart = ?, parameters = ?, updated_at = ?
		WHERE id = ?`+versionCheck+` RETURNING created_at, owner_id`,
		append([]any{r.Name, r.SourceID, r.SQL, r.Table, fields, r.CreatedColumn, r.UpdatedColumn, chart, params,
			s.dialect.ts(t), r.ID}, s.versionArgs(r.UpdatedAt)...)...).Scan(timeScan{&r.CreatedAt}, &r.OwnerID)
	if isNoRows(err) {
		return s.updateMissed(ctx, "report", "reports", r.ID)
	} else if isForeignKeyViolation(err) {
		return facteur.Errorf(facteur.EINVALID, "source_id: there is no source %d", r.SourceID)
	} else if err != nil {
		return fmt.Errorf("update report: %w", err)
	}
	r.UpdatedAt = t
	return nil
}

// DeleteReport deletes a report no schedule sends. It fails with ECONFLICT
// naming a schedule that still uses it, and ENOTFOUND when there is no such
// report. The history of its runs stays.
func (s *store) DeleteReport(ctx context.Context, id int64) error {
	var report, schedule string
	err := s.q.queryRow(ctx, `SELECT r.name, s.name FROM schedules s JOIN reports r ON r.id = s.report_id
		WHERE s.report_id = ? ORDER BY s.id LIMIT 1`, id).Scan(&report, &schedule)
	if err == nil {
		return facteur.Errorf(facteur.ECONFLICT, "report %q is used by schedule %q; delete or change the schedule first", report, schedule)
	} else if !isNoRows(err) {
		return fmt.Errorf("delete report: %w", err)
	}
	return s.delete(ctx, "report", "reports", id)
}

func scanReport(r row) (*facteur.Report, error) {
	var (
		rep            facteur.Report
		fields, params []byte
		chart          string
	)
	err := r.Scan(&rep.ID, &rep.Name, &rep.SourceID, &rep.SQL, &rep.Table, &fields,
		&rep.CreatedColumn, &rep.UpdatedColumn, &chart, &params, &rep.OwnerID, timeScan{&rep.CreatedAt}, timeScan{&rep.UpdatedAt})
	if err != nil {
		return nil, err
	}
	rep.Fields = []facteur.Field{}
	if err := json.Unmarshal(fields, &rep.Fields); err != nil {
		return nil, fmt.Errorf("report %d: fields: %w", rep.ID, err)
	}
	if err := json.Unmarshal(params, &rep.Parameters); err != nil {
		return nil, fmt.Errorf("report %d: parameters: %w", rep.ID, err)
	}
	if len(rep.Parameters) == 0 {
		rep.Parameters = nil
	}
	if chart != "" {
		rep.Chart = new(facteur.Chart)
		if err := json.Unmarshal([]byte(chart), rep.Chart); err != nil {
			return nil, fmt.Errorf("report %d: chart: %w", rep.ID, err)
		}
	}
	return &rep, nil
}

// marshalChart encodes a report's chart for its column; none is stored as ”.
func marshalChart(c *facteur.Chart) (string, error) {
	if c == nil {
		return "", nil
	}
	b, err := json.Marshal(c)
	if err != nil {
		return "", fmt.Errorf("encode chart: %w", err)
	}
	return string(b), nil
}

// marshalList encodes a list for a JSON column; nil is stored as [].
func marshalList[T any](list []T) (string, error) {
	if list == nil {
		return "[]", nil
	}
	b, err := json.Marshal(list)
	if err != nil {
		return "", fmt.Errorf("encode list: %w", err)
	}
	return string(b), nil
}
