package store

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"

	"github.com/facteur/facteur"
	"github.com/facteur/facteur/calendar"
)

const closureColumns = `id, name, days, created_at, updated_at`

// CreateClosureList validates l, records it and sets its ID and timestamps.
func (s *store) CreateClosureList(ctx context.Context, l *facteur.ClosureList) error {
	days, err := prepareClosureList(l)
	if err != nil {
		return err
	}
	var n int
	if err := s.q.queryRow(ctx, `SELECT COUNT(*) FROM closure_lists`).Scan(&n); err != nil {
		return fmt.Errorf("create closure list: %w", err)
	}
	if n >= facteur.MaxClosureLists {
		return facteur.Errorf(facteur.EINVALID, "closure lists: at most %d; delete one or add days to an existing list", facteur.MaxClosureLists)
	}
	t := now()
	err = s.q.queryRow(ctx, `INSERT INTO closure_lists (name, days, created_at, updated_at) VALUES (?, ?, ?, ?) RETURNING id`,
		l.Name, days, s.dialect.ts(t), s.dialect.ts(t)).Scan(&l.ID)
	if isUniqueViolation(err) {
		return facteur.Errorf(facteur.ECONFLICT, "name: a closure list named %q exists; choose another name or edit that list", l.Name)
	} else if err != nil {
		return fmt.Errorf("create closure list: %w", err)
	}
	l.CreatedAt, l.UpdatedAt = t, t
	return nil
}

// prepareClosureList validates l and returns its days as stored.
func prepareClosureList(l *facteur.ClosureList) (string, error) {
	if l.Days == nil {
		l.Days = []facteur.ClosureDays{}
	}
	if err := calendar.ValidateClosureList(*l); err != nil {
		return "", err
	}
	b, err := json.Marshal(l.Days)
	if err != nil {
		return "", fmt.Errorf("encode closure days: %w", err)
	}
	return string(b), nil
}

// ClosureList returns the list id, or ENOTFOUND.
func (s *store) ClosureList(ctx context.Context, id int64) (*facteur.ClosureList, error) {
	l, err := scanClosureList(s.q.queryRow(ctx, `SELECT `+closureColumns+` FROM closure_lists WHERE id = ?`, id))
	if isNoRows(err) {
		return nil, facteur.Errorf(facteur.ENOTFOUND, "closure list %d not found", id)
	} else if err != nil {
		return nil, fmt.Errorf("closure list: %w", err)
	}
	return l, nil
}

// ClosureLists returns every list, by name.
func (s *store) ClosureLists(ctx context.Context) ([]*facteur.ClosureList, error) {
	rows, err := s.q.query(ctx, `SELECT `+closureColumns+` FROM closure_lists ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("closure lists: %w", err)
	}
	defer rows.Close()
	out := []*facteur.ClosureList{}
	for rows.Next() {
		l, err := scanClosureList(rows)
		if err != nil {
			return nil, fmt.Errorf("closure lists: %w", err)
		}
		out = append(out, l)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("closure lists: %w", err)
	}
	return out, nil
}

// UpdateClosureList saves l's name and days. A list that a schedule names
// keeps its name: renaming it would change that schedule's calendar.
func (s *store) UpdateClosureList(ctx context.Context, l *facteur.ClosureList) error {
	days, err := prepareClosureList(l)
	if err != nil {
		return err
	}
	old, err := s.ClosureList(ctx, l.ID)
	if err != nil {
		return err
	}
	if old.Name != l.Name {
		if sc, err := s.scheduleNaming(ctx, old.Name); err != nil {
			return err
		} else if sc != "" {
			return facteur.Errorf(facteur.ECONFLICT, "name: schedule %q observes %q; remove the list from its calendar before renaming it", sc, old.Name)
		}
	}
	t := nextVersion(l.UpdatedAt)
	err = s.q.queryRow(ctx, `UPDATE closure_lists SET name = ?, days = ?, updated_at = ? WHERE id = ?`+versionCheck+` RETURNING created_at`,
		append([]any{l.Name, days, s.dialect.ts(t), l.ID}, s.versionArgs(l.UpdatedAt)...)...).Scan(timeScan{&l.CreatedAt})
	if isUniqueViolation(err) {
		return facteur.Errorf(facteur.ECONFLICT, "name: a closure list named %q exists; choose another name", l.Name)
	} else if isNoRows(err) {
		return s.updateMissed(ctx, "closure list", "closure_lists", l.ID)
	} else if err != nil {
		return fmt.Errorf("update closure list: %w", err)
	}
	l.UpdatedAt = t
	return nil
}

// DeleteClosureList deletes a list no schedule observes.
func (s *store) DeleteClosureList(ctx context.Context, id int64) error {
	l, err := s.ClosureList(ctx, id)
	if err != nil {
		return err
	}
	if sc, err := s.scheduleNaming(ctx, l.Name); err != nil {
		return err
	} else if sc != "" {
		return facteur.Errorf(facteur.ECONFLICT, "closure list %q is observed by schedule %q; remove it from that schedule's calendar first", l.Name, sc)
	}
	return s.delete(ctx, "closure list", "closure_lists", id)
}

// scheduleNaming returns the name of a schedule whose calendar observes the
// closure list `name`, or "".
func (s *store) scheduleNaming(ctx context.Context, name string) (string, error) {
	rows, err := s.q.query(ctx, `SELECT name, calendar FROM schedules ORDER BY id`)
	if err != nil {
		return "", fmt.Errorf("schedules observing a closure list: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			sc  string
			raw []byte
			c   facteur.Calendar
		)
		if err := rows.Scan(&sc, &raw); err != nil {
			return "", fmt.Errorf("schedules observing a closure list: %w", err)
		}
		if json.Unmarshal(raw, &c) == nil && slices.Contains(c.Closures, name) {
			return sc, nil
		}
	}
	return "", rows.Err()
}

func scanClosureList(r row) (*facteur.ClosureList, error) {
	var (
		l    facteur.ClosureList
		days []byte
	)
	if err := r.Scan(&l.ID, &l.Name, &days, timeScan{&l.CreatedAt}, timeScan{&l.UpdatedAt}); err != nil {
		return nil, err
	}
	if err := json.Unmarshal(days, &l.Days); err != nil {
		return nil, fmt.Errorf("closure list %d: days: %w", l.ID, err)
	}
	return &l, nil
}

// ResolveClosures fills c.ClosureLists with the lists c names; a name no
// list has is left out, for calendar.Validate to refuse.
func (s *store) ResolveClosures(ctx context.Context, c *facteur.Calendar) error {
	return s.resolveClosures(ctx, []*facteur.Calendar{c})
}

// resolveClosures fills the closure lists of calendars that name some,
// reading the lists once.
func (s *store) resolveClosures(ctx context.Context, cals []*facteur.Calendar) error {
	var lists []*facteur.ClosureList
	for _, c := range cals {
		c.ClosureLists = nil
		if len(c.Closures) == 0 {
			continue
		}
		if lists == nil {
			var err error
			if lists, err = s.ClosureLists(ctx); err != nil {
				return err
			}
		}
		for _, l := range lists {
			if slices.Contains(c.Closures, l.Name) {
				c.ClosureLists = append(c.ClosureLists, *l)
			}
		}
	}
	return nil
}

// resolveSchedules fills the closure lists of the schedules' calendars.
func (s *store) resolveSchedules(ctx context.Context, scs []*facteur.Schedule) error {
	cals := make([]*facteur.Calendar, len(scs))
	for i, sc := range scs {
		cals[i] = &sc.Calendar
	}
	return s.resolveClosures(ctx, cals)
}
