package store

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/facteur/facteur"
)

const runColumns = `id, schedule_id, report_id, destination_id, triggered_by, owner_id, requested_by,
	scheduled_for, retry_of, status, attempt, job_id, file_name, row_count, byte_count, sha256,
	plain_bytes, plain_sha256, artifact_path, location, error, ignored, stages, definition, created_at, started_at, finished_at, content_sha256, files, packaging`

// Limits of RunFilter.Limit.
const (
	DefaultRunsLimit = 50
	MaxRunsLimit     = 1000
)

// runJSON holds the JSON columns of a run, encoded.
type runJSON struct {
	stages     string
	files      string
	definition any // string, or nil for SQL NULL
}

// runFileJSON is a run's file as stored: with its spool path, which the
// API never shows.
type runFileJSON struct {
	facteur.RunFile
	Path string `json:"path,omitempty"`
}

func encodeRun(r *facteur.Run) (runJSON, error) {
	stages, err := marshalList(r.Stages)
	if err != nil {
		return runJSON{}, err
	}
	files := make([]runFileJSON, len(r.Files))
	for i, f := range r.Files {
		files[i] = runFileJSON{RunFile: f, Path: f.Path}
	}
	fj, err := marshalList(files)
	if err != nil {
		return runJSON{}, err
	}
	j := runJSON{stages: stages, files: fj}
	if len(r.Definition) > 0 {
		if !json.Valid(r.Definition) {
			return runJSON{}, facteur.Errorf(facteur.EINVALID, "definition: not a valid JSON document")
		}
		j.definition = string(r.Definition)
	}
	return j, nil
}

// CreateRun records r, with its owner and the account that requested it,
// and sets its ID, and its CreatedAt to now unless the caller set it (the
// queue's clock); an empty Status becomes "queued". A second run of the
// same schedule for the same ScheduledFor fails with ECONFLICT, so that no
// slot ever runs twice, even when two nodes try at once. A ScheduleID that
// does not exist fails with EINVALID.
func (s *store) CreateRun(ctx context.Context, r *facteur.Run) error {
	if r.Status == "" {
		r.Status = facteur.RunQueued
	}
	j, err := encodeRun(r)
	if err != nil {
		return err
	}
	d := s.dialect
	t := now()
	if !r.CreatedAt.IsZero() {
		t = r.CreatedAt.UTC().Truncate(time.Microsecond)
	}
	err = s.q.queryRow(ctx, `INSERT INTO runs (schedule_id, report_id, destination_id, triggered_by,
			owner_id, requested_by, scheduled_for, retry_of, status, attempt, job_id, file_name, row_count,
			byte_count, sha256, plain_bytes, plain_sha256, artifact_path, location, error, ignored, stages, definition, created_at,
			started_at, finished_at, content_sha256, files, packaging)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		nullID(r.ScheduleID), r.ReportID, r.DestinationID, r.Trigger, r.OwnerID, r.RequestedBy,
		d.tsPtr(r.ScheduledFor), nullID(r.RetryOf), r.Status, r.Attempt, nullID(r.JobID), r.FileName, r.Rows, r.Bytes, r.SHA256,
		r.PlainBytes, r.PlainSHA256,
		r.ArtifactPath, r.Location, r.Error, r.Ignored, j.stages, j.definition, d.ts(t), d.tsPtr(r.StartedAt), d.tsPtr(r.FinishedAt),
		r.ContentSHA256, j.files, r.Packaging,
	).Scan(&r.ID)
	switch {
	case isUniqueViolation(err):
		return facteur.Errorf(facteur.ECONFLICT, "schedule %d already has a run for %s", r.ScheduleID, slotText(r.ScheduledFor))
	case isForeignKeyViolation(err):
		return facteur.Errorf(facteur.EINVALID, "schedule_id: there is no schedule %d", r.ScheduleID)
	case err != nil:
		return fmt.Errorf("create run: %w", err)
	}
	r.CreatedAt = t
	r.ScheduledFor, r.StartedAt, r.FinishedAt = truncate(r.ScheduledFor), truncate(r.StartedAt), truncate(r.FinishedAt)
	return nil
}

// Run returns the run with the given id, or ENOTFOUND.
func (s *store) Run(ctx context.Context, id int64) (*facteur.Run, error) {
	r, err := scanRun(s.q.queryRow(ctx, `SELECT `+runColumns+` FROM runs WHERE id = ?`, id))
	if isNoRows(err) {
		return nil, facteur.Errorf(facteur.ENOTFOUND, "run %d not found", id)
	} else if err != nil {
		return nil, fmt.Errorf("run: %w", err)
	}
	if r.Window, err = s.RunWindow(ctx, id); facteur.ErrorCode(err) == facteur.ENOTFOUND {
		r.Window = nil
	} else if err != nil {
		return nil, err
	}
	return r, nil
}

// Runs returns the runs f selects, newest first: of one schedule and with
// one status when f says so, without ignored runs unless f includes them,
// created in [f.From, f.To), below f.BeforeID for the next page or, with
// f.AfterID, the nearest above it for the page before. With f.VisibleTo, the runs of that
// account are kept, and of the others only those to a destination that
// still exists and whose kind is one of f.SharedKinds. f.Limit defaults to 50 and is capped at 1000.
func (s *store) Runs(ctx context.Context, f facteur.RunFilter) ([]*facteur.Run, error) {
	var (
		where []string
		args  []any
	)
	if f.ScheduleID != 0 {
		where, args = append(where, "schedule_id = ?"), append(args, f.ScheduleID)
	}
	if f.Status != "" {
		where, args = append(where, "status = ?"), append(args, f.Status)
	}
	if f.Trigger != "" {
		where, args = append(where, "triggered_by = ?"), append(args, f.Trigger)
	}
	if f.OwnerID != 0 {
		where, args = append(where, "owner_id = ?"), append(args, f.OwnerID)
	}
	if !f.IncludeIgnored {
		where, args = append(where, "ignored = ?"), append(args, false)
	}
	if f.BeforeID > 0 {
		where, args = append(where, "id < ?"), append(args, f.BeforeID)
	}
	if f.AfterID > 0 {
		where, args = append(where, "id > ?"), append(args, f.AfterID)
	}
	if f.NoTests {
		where, args = append(where, "triggered_by <> ?"), append(args, facteur.TriggerTest)
	}
	if !f.From.IsZero() {
		where, args = append(where, "created_at >= ?"), append(args, s.dialect.ts(f.From))
	}
	if !f.To.IsZero() {
		where, args = append(where, "created_at < ?"), append(args, s.dialect.ts(f.To))
	}
	if f.VisibleTo != 0 && len(f.SharedKinds) == 0 {
		where, args = append(where, "owner_id = ?"), append(args, f.VisibleTo)
	} else if f.VisibleTo != 0 {
		where = append(where, `(owner_id = ? OR destination_id IN
			(SELECT id FROM destinations WHERE kind IN (?`+strings.Repeat(", ?", len(f.SharedKinds)-1)+`)))`)
		args = append(args, f.VisibleTo)
		for _, k := range f.SharedKinds {
			args = append(args, k)
		}
	}
	query, args := newestFirst(runColumns, "runs", where, args, f.Limit, DefaultRunsLimit, MaxRunsLimit)
	if f.AfterID > 0 {
		// The page before: the nearest larger ids, put back newest first below.
		query = strings.Replace(query, "ORDER BY id DESC", "ORDER BY id ASC", 1)
	}
	rows, err := s.q.query(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("runs: %w", err)
	}
	defer rows.Close()
	var out []*facteur.Run
	for rows.Next() {
		r, err := scanRun(rows)
		if err != nil {
			return nil, fmt.Errorf("runs: %w", err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("runs: %w", err)
	}
	if f.AfterID > 0 {
		slices.Reverse(out)
	}
	return out, nil
}

// LatestRuns returns the newest run of every schedule, by schedule ID,
// leaving out the runs of Send test: one lookup of the runs_schedule_id
// index per schedule, whatever the number of runs kept.
func (s *store) LatestRuns(ctx context.Context) (map[int64]*facteur.Run, error) {
	rows, err := s.q.query(ctx, `SELECT `+runColumns+` FROM runs WHERE id IN
		(SELECT (SELECT MAX(r.id) FROM runs r WHERE r.schedule_id = s.id AND r.triggered_by <> ?) FROM schedules s)`, facteur.TriggerTest)
	if err != nil {
		return nil, fmt.Errorf("latest runs: %w", err)
	}
	defer rows.Close()
	out := map[int64]*facteur.Run{}
	for rows.Next() {
		r, err := scanRun(rows)
		if err != nil {
			return nil, fmt.Errorf("latest runs: %w", err)
		}
		out[r.ScheduleID] = r
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("latest runs: %w", err)
	}
	return out, nil
}

// UpdateRun saves what changes as a run progresses: status, attempt, job,
// file name, rows, bytes, SHA-256, artifact path, location, error, ignored,
// stages, definition, start and finish times. A cancelled run keeps its
// status, error and finish time whatever r says, and r gets them back; a
// run that succeeded, failed or was skipped keeps them and its attempt too. The
// schedule, report, destination, trigger, owner, requester, slot and retry
// of a run are fixed at creation. It sets CreatedAt, OwnerID and
// RequestedBy as stored and fails with ENOTFOUND when there is no such run.
func (s *store) UpdateRun(ctx context.Context, r *facteur.Run) error {
	j, err := encodeRun(r)
	if err != nil {
		return err
	}
	d := s.dialect
	// A finished run stays finished: a worker saving its progress must not
	// undo a cancel made meanwhile, nor an attempt that lost its lease the
	// outcome of the one that took over (SET expressions see the row as it
	// was).
	err = s.q.queryRow(ctx, `UPDATE runs SET
			status = CASE WHEN status IN ('cancelled', 'succeeded', 'failed', 'skipped') THEN status ELSE ? END,
			attempt = CASE WHEN status IN ('succeeded', 'failed', 'skipped') THEN attempt ELSE ? END,
			job_id = ?, file_name = ?,
			row_count = ?, byte_count = ?, sha256 = ?, content_sha256 = ?, plain_bytes = ?, plain_sha256 = ?, artifact_path = ?, location = ?,
			error = CASE WHEN status IN ('cancelled', 'succeeded', 'failed', 'skipped') THEN error ELSE ? END,
			ignored = ?, stages = ?, files = ?, packaging = ?, definition = ?, started_at = ?,
			finished_at = CASE WHEN status IN ('cancelled', 'succeeded', 'failed', 'skipped') THEN finished_at ELSE ? END
		WHERE id = ? RETURNING created_at, owner_id, requested_by, status, attempt, error, finished_at`,
		r.Status, r.Attempt, nullID(r.JobID), r.FileName, r.Rows, r.Bytes, r.SHA256, r.ContentSHA256, r.PlainBytes, r.PlainSHA256, r.ArtifactPath,
		r.Location, r.Error, r.Ignored, j.stages, j.files, r.Packaging, j.definition, d.tsPtr(r.StartedAt), d.tsPtr(r.FinishedAt), r.ID,
	).Scan(timeScan{&r.CreatedAt}, &r.OwnerID, &r.RequestedBy, &r.Status, &r.Attempt, &r.Error, nullTimeScan{&r.FinishedAt})
	if isNoRows(err) {
		return facteur.Errorf(facteur.ENOTFOUND, "run %d not found", r.ID)
	} else if err != nil {
		return fmt.Errorf("update run: %w", err)
	}
	r.StartedAt, r.FinishedAt = truncate(r.StartedAt), truncate(r.FinishedAt)
	return nil
}

// AppendRunLog adds a line to the log of a run; a zero Time is now and an
// empty Level is "info". It fails with ENOTFOUND when there is no such run.
func (s *store) AppendRunLog(ctx context.Context, runID int64, e facteur.LogEntry) error {
	if e.Time.IsZero() {
		e.Time = now()
	}
	if e.Level == "" {
		e.Level = "info"
	}
	_, err := s.q.exec(ctx, `INSERT INTO run_log (run_id, time, level, message) VALUES (?, ?, ?, ?)`,
		runID, s.dialect.ts(e.Time), e.Level, e.Message)
	if isForeignKeyViolation(err) {
		return facteur.Errorf(facteur.ENOTFOUND, "run %d not found", runID)
	} else if err != nil {
		return fmt.Errorf("append run log: %w", err)
	}
	return nil
}

// RunLog returns the log of a run in the order it was written. It fails
// with ENOTFOUND when there is no such run.
func (s *store) RunLog(ctx context.Context, runID int64) ([]facteur.LogEntry, error) {
	rows, err := s.q.query(ctx, `SELECT time, level, message FROM run_log WHERE run_id = ? ORDER BY id`, runID)
	if err != nil {
		return nil, fmt.Errorf("run log: %w", err)
	}
	out := []facteur.LogEntry{}
	for rows.Next() {
		var e facteur.LogEntry
		if err := rows.Scan(timeScan{&e.Time}, &e.Level, &e.Message); err != nil {
			rows.Close()
			return nil, fmt.Errorf("run log: %w", err)
		}
		out = append(out, e)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("run log: %w", err)
	}
	if len(out) == 0 {
		// An empty log, or no such run? (Asked after the rows are closed:
		// on SQLite they hold the only connection.)
		var exists int
		err := s.q.queryRow(ctx, `SELECT 1 FROM runs WHERE id = ?`, runID).Scan(&exists)
		if isNoRows(err) {
			return nil, facteur.Errorf(facteur.ENOTFOUND, "run %d not found", runID)
		} else if err != nil {
			return nil, fmt.Errorf("run log: %w", err)
		}
	}
	return out, nil
}

func scanRun(r row) (*facteur.Run, error) {
	var (
		run                        facteur.Run
		scheduleID, retryOf, jobID nullInt
		stages, definition, files  []byte
	)
	err := r.Scan(&run.ID, &scheduleID, &run.ReportID, &run.DestinationID, &run.Trigger, &run.OwnerID,
		&run.RequestedBy, nullTimeScan{&run.ScheduledFor}, &retryOf, &run.Status, &run.Attempt, &jobID, &run.FileName,
		&run.Rows, &run.Bytes, &run.SHA256, &run.PlainBytes, &run.PlainSHA256, &run.ArtifactPath, &run.Location, &run.Error, &run.Ignored,
		&stages, &definition, timeScan{&run.CreatedAt}, nullTimeScan{&run.StartedAt}, nullTimeScan{&run.FinishedAt}, &run.ContentSHA256, &files, &run.Packaging)
	if err != nil {
		return nil, err
	}
	run.ScheduleID, run.RetryOf, run.JobID = int64(scheduleID), int64(retryOf), int64(jobID)
	run.Stages = []facteur.Stage{}
	if err := json.Unmarshal(stages, &run.Stages); err != nil {
		return nil, fmt.Errorf("run %d: stages: %w", run.ID, err)
	}
	if definition != nil {
		run.Definition = json.RawMessage(definition)
	}
	var stored []runFileJSON
	if err := json.Unmarshal(files, &stored); err != nil {
		return nil, fmt.Errorf("run %d: files: %w", run.ID, err)
	}
	for _, f := range stored {
		f.RunFile.Path = f.Path
		run.Files = append(run.Files, f.RunFile)
	}
	return &run, nil
}

// slotText renders a run's slot for a message.
func slotText(t *time.Time) string {
	if t == nil {
		return "no slot"
	}
	return t.UTC().Truncate(time.Microsecond).Format(time.RFC3339Nano)
}

// newestFirst builds the query of one page of a history (runs, the audit
// log): the rows matching every condition of where, newest first, at most
// limit of them (def when limit is not positive, never more than most).
func newestFirst(columns, table string, where []string, args []any, limit, def, most int) (string, []any) {
	if limit <= 0 {
		limit = def
	}
	query := `SELECT ` + columns + ` FROM ` + table
	if len(where) > 0 {
		query += ` WHERE ` + strings.Join(where, " AND ")
	}
	return query + ` ORDER BY id DESC LIMIT ?`, append(args, min(limit, most))
}
