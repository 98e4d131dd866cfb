package store

import (
	"context"
	"fmt"
	"strings"

	"github.com/facteur/facteur"
)

// FindSchedules returns the page of schedules f selects, by id, and how
// many f selects in all, counted by the same query: an uncorrelated
// subquery, run once, which lets the database stop reading at the end of
// the page (COUNT(*) OVER () would have SQLite read every selected row
// first). A page past the end has no row to carry the count: only then is
// it counted again. f.Search matches the schedule's, its report's and its
// destination's names as a substring: PostgreSQL folds the case of every
// letter (ILIKE), SQLite of the ASCII letters only (LIKE).
func (s *store) FindSchedules(ctx context.Context, f facteur.ScheduleFilter) ([]*facteur.Schedule, int, error) {
	if err := f.Validate(); err != nil {
		return nil, 0, err
	}
	from, where, args := s.scheduleSelection(f)
	query := `SELECT ` + qualified("s", scheduleColumns) + `, (SELECT COUNT(*) ` + from + where + `) ` + from + where + ` ORDER BY s.id`
	args = append(args, args...)
	if f.Limit > 0 {
		query, args = query+` LIMIT ? OFFSET ?`, append(args, f.Limit, f.Offset)
	}
	rows, err := s.q.query(ctx, query, args...)
	if err != nil {
		return nil, 0, fmt.Errorf("find schedules: %w", err)
	}
	defer rows.Close()
	var (
		out   []*facteur.Schedule
		total int
	)
	for rows.Next() {
		sc, err := s.scanSchedule(countedRow{rows, &total})
		if err != nil {
			return nil, 0, fmt.Errorf("find schedules: %w", err)
		}
		out = append(out, sc)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, fmt.Errorf("find schedules: %w", err)
	}
	rows.Close()
	if err := s.resolveSchedules(ctx, out); err != nil {
		return nil, 0, err
	}
	if len(out) == 0 && f.Limit > 0 && f.Offset > 0 {
		_, where, args := s.scheduleSelection(f)
		if err := s.q.queryRow(ctx, `SELECT COUNT(*) `+from+where, args...).Scan(&total); err != nil {
			return nil, 0, fmt.Errorf("count schedules: %w", err)
		}
	}
	return out, total, nil
}

// scheduleSelection returns the FROM and WHERE clauses, and their
// arguments, of the schedules f selects; the schedule is s, its report r
// and its destination d.
func (s *store) scheduleSelection(f facteur.ScheduleFilter) (from, where string, args []any) {
	from = `FROM schedules s LEFT JOIN reports r ON r.id = s.report_id LEFT JOIN destinations d ON d.id = s.destination_id`
	var conds []string
	if f.Search != "" {
		like := "LIKE"
		if s.dialect != DialectSQLite {
			like = "ILIKE"
		}
		p := "%" + escapeLike(f.Search) + "%"
		conds = append(conds, `(s.name `+like+` ? ESCAPE '\' OR r.name `+like+` ? ESCAPE '\' OR d.name `+like+` ? ESCAPE '\')`)
		args = append(args, p, p, p)
	}
	if f.Kind != "" {
		conds, args = append(conds, `d.kind = ?`), append(args, f.Kind)
	}
	if f.VisibleTo != 0 && len(f.SharedKinds) == 0 {
		conds, args = append(conds, `s.owner_id = ?`), append(args, f.VisibleTo)
	} else if f.VisibleTo != 0 {
		conds = append(conds, `(s.owner_id = ? OR d.kind IN (?`+strings.Repeat(", ?", len(f.SharedKinds)-1)+`))`)
		args = append(args, f.VisibleTo)
		for _, k := range f.SharedKinds {
			args = append(args, k)
		}
	}
	if len(conds) > 0 {
		where = ` WHERE ` + strings.Join(conds, " AND ")
	}
	return from, where, args
}

// escapeLike returns text as a LIKE pattern that matches text itself,
// with the backslash as the escape character.
func escapeLike(text string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(text)
}

// qualified prefixes each of the comma-separated columns with table.
func qualified(table, columns string) string {
	cols := strings.Split(columns, ",")
	for i, c := range cols {
		cols[i] = table + "." + strings.TrimSpace(c)
	}
	return strings.Join(cols, ", ")
}

// countedRow reads a row of schedule columns followed by the count of
// the selection into its count.
type countedRow struct {
	row
	total *int
}

func (r countedRow) Scan(dest ...any) error { return r.row.Scan(append(dest, r.total)...) }
